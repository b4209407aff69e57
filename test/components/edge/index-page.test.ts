// index.html checked by its real consumer: headless Chromium (Debian chromium) loads it from a
// local HTTP server; the test checks every link of the rendered DOM and writes a screenshot to
// test-output/edge-index.png for review.
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { IsoRelease, ReleaseState } from "../../../config/release-state";
import { renderIndexHtml } from "../../../components/edge/index-page";
import { renderSha256Sums } from "../../../components/edge/sha256sums";
import { requireTool } from "../../support/system-tool";
import { PROJECT_DIR } from "../../support/program-run";

const FALLBACK = "direct.files.example.test";

function iso(date: string): IsoRelease {
  return {
    date, identifier: `margine-${date}`,
    files: [{ name: `margine-${date}.iso`, sha256: date.padEnd(64, "a"), md5: date.padEnd(32, "b"), size: 6_442_450_944 }],
  };
}
const RELEASES: ReleaseState = { isos: [iso("20261106"), iso("20261120"), iso("20261113")] };

async function chromium(args: string[]): Promise<string> {
  const bin = requireTool("chromium", "chromium");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "edge-chromium-"));
  try {
    const { stdout } = await promisify(execFile)(bin, [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      `--user-data-dir=${profile}`, ...args,
    ], { timeout: 45_000, maxBuffer: 10_000_000 });
    return stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

describe("edge index.html in headless Chromium", function () {
  this.timeout(90_000);
  let server: http.Server;
  let base: string;
  const served: string[] = [];
  const files: Record<string, { type: string; body: string }> = {
    "/": { type: "text/html; charset=utf-8", body: renderIndexHtml({ release: RELEASES, fallbackHost: FALLBACK }) },
    "/SHA256SUMS": { type: "text/plain", body: renderSha256Sums(iso("20261120")) },
  };

  before(async () => {
    server = http.createServer((req, res) => {
      served.push(req.url ?? "");
      const file = files[req.url ?? ""];
      res.writeHead(file ? 200 : 404, { "Content-Type": file?.type ?? "text/plain" });
      res.end(file?.body ?? "not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it("links the newest release's IA details, .torrent, direct HTTP, SHA256SUMS and edge copy; no magnet", async () => {
    const dom = await chromium(["--dump-dom", `${base}/`]);
    assert.ok(served.includes("/"), "Chromium fetched the page from the local server");
    const links = [...dom.matchAll(/<a (?:id="([^"]+)" )?href="([^"]+)"/g)].map((m) => ({ id: m[1], href: m[2].replace(/&amp;/g, "&") }));
    const byId = Object.fromEntries(links.filter((l) => l.id).map((l) => [l.id, l.href]));
    assert.deepEqual(byId, {
      torrent: "https://archive.org/download/margine-20261120/margine-20261120_archive.torrent",
      download: "https://archive.org/download/margine-20261120/margine-20261120.iso",
      sha256sums: "SHA256SUMS",
      details: "https://archive.org/details/margine-20261120",
      "edge-copy": `https://${FALLBACK}/margine-20261120.iso`,
    });
    // Older releases: IA details pages, newest first; nothing else is linked.
    assert.deepEqual(links.filter((l) => !l.id).map((l) => l.href), [
      "https://archive.org/details/margine-20261113",
      "https://archive.org/details/margine-20261106",
    ]);
    assert.ok(!/magnet:/i.test(dom), "no magnet link (handbook 11.3)");
    assert.match(dom, /kept until 2026-11-27/);
    // The one same-origin link resolves on the server and holds the release's checksum.
    const sums = await fetch(new URL(byId.sha256sums, `${base}/`));
    assert.equal(sums.status, 200);
    assert.equal(await sums.text(), `${"20261120".padEnd(64, "a")}  margine-20261120.iso\n`);
  });

  it("says so when no ISO has been released yet", () => {
    const html = renderIndexHtml({ release: { isos: [] }, fallbackHost: FALLBACK });
    assert.match(html, /No ISO has been released yet/);
    assert.ok(!html.includes("<a "));
  });

  it("renders for a human: screenshot in test-output/edge-index.png", async () => {
    const outDir = path.join(PROJECT_DIR, "test-output");
    fs.mkdirSync(outDir, { recursive: true });
    const shot = path.join(outDir, "edge-index.png");
    fs.rmSync(shot, { force: true });
    await chromium([`--screenshot=${shot}`, "--window-size=1000,700", `${base}/`]);
    const png = fs.readFileSync(shot);
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.ok(png.length > 5000, `screenshot is only ${png.length} bytes`);
  });
});
