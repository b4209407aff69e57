// The rendered nginx site checked by its real consumer: Debian's nginx (`nginx -t`, then a live
// nginx on loopback answering HTTPS requests), with test certificates from openssl.
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import { OFFLINE_CLOUDFLARE_RANGES } from "../../../scripts/offline/cloudflare-invokes";
import { EDGE_PATHS } from "../../../components/edge/edge-layout";
import { renderNginxSite } from "../../../components/edge/nginx-site";
import { requireTool, runTool } from "../../../fixtures/system-tool";
import { EdgeSandbox } from "./edge-sandbox";
import { freePort } from "../../../fixtures/ports";
import { stopChild } from "../../support/processes";

const FILES = "files.example.test";
const FALLBACK = "direct.files.example.test";
const SITE = "margine.example.test";
const CLOUDFLARE = [...OFFLINE_CLOUDFLARE_RANGES.ipv4Cidrs, ...OFFLINE_CLOUDFLARE_RANGES.ipv6Cidrs];

function mainConf(sandbox: EdgeSandbox, site: string): string {
  const siteFile = sandbox.write("/nginx/site.conf", site);
  return sandbox.write(
    "/nginx/nginx.conf",
    `pid ${sandbox.at("/nginx/nginx.pid")};
error_log ${sandbox.at("/nginx/error.log")};
worker_processes 1;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path ${sandbox.at("/nginx/body")};
    proxy_temp_path ${sandbox.at("/nginx/proxy")};
    fastcgi_temp_path ${sandbox.at("/nginx/fastcgi")};
    uwsgi_temp_path ${sandbox.at("/nginx/uwsgi")};
    scgi_temp_path ${sandbox.at("/nginx/scgi")};
    include ${siteFile};
}
`,
  );
}

function nginxTest(nginx: string, sandbox: EdgeSandbox, conf: string): string {
  return runTool(nginx, ["-t", "-p", sandbox.at("/nginx"), "-e", sandbox.at("/nginx/error.log"), "-c", conf]);
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, host: string, urlPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: urlPath, servername: host, headers: { Host: host }, rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A live nginx on loopback serving the rendered site, ports rewritten, IPv6 listeners dropped. */
async function startNginx(nginx: string, sandbox: EdgeSandbox, cidrs: string[]): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const site = sandbox
    .rewrite(renderNginxSite({ filesHost: FILES, fallbackHost: FALLBACK, siteHost: SITE, cloudflareCidrs: cidrs }))
    .replace(/^\s*listen \[::\].*\n/gm, "")
    .replace(/listen 443 ssl http2;/g, `listen 127.0.0.1:${port} ssl http2;`)
    .replace(/listen 80;/g, `listen 127.0.0.1:${await freePort()};`);
  const conf = mainConf(sandbox, site);
  const proc = spawn(nginx, ["-p", sandbox.at("/nginx"), "-e", sandbox.at("/nginx/error.log"), "-c", conf, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  for (let i = 0; i < 100; i++) {
    if (
      await new Promise((r) =>
        net
          .connect(port, "127.0.0.1")
          .on("connect", function (this: net.Socket) {
            this.destroy();
            r(true);
          })
          .on("error", () => r(false)),
      )
    )
      return { port, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(proc);
  throw new Error(`nginx did not listen on ${port}: ${fs.readFileSync(sandbox.at("/nginx/error.log"), "utf8")}`);
}

describe("edge nginx site with Debian nginx", function () {
  this.timeout(60_000);
  let nginx: string;
  let sandbox: EdgeSandbox;

  before(() => {
    nginx = requireTool("nginx", "nginx-light");
    sandbox = new EdgeSandbox("edge-nginx-");
    fs.chmodSync(sandbox.root, 0o755); // nginx workers (nobody) read the web root
    sandbox.makeTestCertificates({ origin: FILES, fallback: FALLBACK });
    for (const dir of ["/nginx", "/nginx/body"]) fs.mkdirSync(sandbox.at(dir), { recursive: true });
    sandbox.write(`${EDGE_PATHS.webRoot}/index.html`, "<!doctype html><title>index</title>\n");
    sandbox.write(`${EDGE_PATHS.webRoot}/SHA256SUMS`, `${"a".repeat(64)}  margine-20261120.iso\n`);
    sandbox.write(`${EDGE_PATHS.isoDir}/margine-20261120.iso`, "not really an iso\n");
    for (const dir of [EDGE_PATHS.webRoot, EDGE_PATHS.isoDir, "/srv/margine", "/srv"]) fs.chmodSync(sandbox.at(dir), 0o755);
  });
  after(() => sandbox.remove());

  it("passes nginx -t with the Cloudflare ranges and test certificates", () => {
    const site = sandbox.rewrite(renderNginxSite({ filesHost: FILES, fallbackHost: FALLBACK, cloudflareCidrs: CLOUDFLARE }));
    assert.doesNotThrow(() => nginxTest(nginx, sandbox, mainConf(sandbox, site)));
  });

  it("nginx -t fails when a certificate is missing (the check has teeth)", () => {
    const site = sandbox
      .rewrite(renderNginxSite({ filesHost: FILES, fallbackHost: FALLBACK, cloudflareCidrs: CLOUDFLARE }))
      .replace(/origin\.pem/g, "missing.pem");
    assert.throws(() => nginxTest(nginx, sandbox, mainConf(sandbox, site)), /missing\.pem/);
  });

  it("refuses to render a site that would accept nobody or a malformed range", () => {
    assert.throws(() => renderNginxSite({ filesHost: FILES, fallbackHost: FALLBACK, cloudflareCidrs: [] }), /no Cloudflare IP ranges/);
    assert.throws(
      () => renderNginxSite({ filesHost: FILES, fallbackHost: FALLBACK, cloudflareCidrs: ["10.0.0.0/8; allow all"] }),
      /not a CIDR range: 10\.0\.0\.0\/8; allow all/,
    );
  });

  it("a live nginx denies the proxied host to clients outside Cloudflare's ranges", async () => {
    const { port, proc } = await startNginx(nginx, sandbox, CLOUDFLARE);
    try {
      assert.equal((await get(port, FILES, "/")).status, 403);
      assert.equal((await get(port, SITE, "/")).status, 403, "the site host is locked to Cloudflare too");
      // The DNS-only host is open to everyone: it serves the 7-day ISO copy directly.
      assert.equal((await get(port, FALLBACK, "/margine-20261120.iso")).status, 200);
    } finally {
      await stopChild(proc);
    }
  });

  it("a live nginx serves index and SHA256SUMS briefly cached, and sends .iso requests off the proxy", async () => {
    const { port, proc } = await startNginx(nginx, sandbox, ["127.0.0.0/8"]);
    try {
      const index = await get(port, FILES, "/");
      assert.equal(index.status, 200);
      assert.match(index.body, /<title>index<\/title>/);
      assert.equal(index.headers["cache-control"], "public, max-age=60");
      const sums = await get(port, FILES, "/SHA256SUMS");
      assert.equal(sums.status, 200);
      assert.match(String(sums.headers["content-type"]), /^text\/plain/);
      const iso = await get(port, FILES, "/margine-20261120.iso");
      assert.equal(iso.status, 302);
      assert.equal(iso.headers.location, `https://${FALLBACK}/margine-20261120.iso`);
      assert.equal((await get(port, FILES, "/etc/passwd")).status, 404);
      const fallbackRoot = await get(port, FALLBACK, "/");
      assert.equal(fallbackRoot.status, 302);
      assert.equal(fallbackRoot.headers.location, `https://${FILES}/`);
      assert.equal((await get(port, FALLBACK, "/margine-20261120.iso")).body, "not really an iso\n");
    } finally {
      await stopChild(proc);
    }
  });
});
