// index.html checked by its real consumer: headless Chromium (Debian chromium) loads it from a
// local HTTP server that also stands in for the Internet Archive; the test follows every link of
// the DOM after the page's script ran, before and after IA derives the torrent, and writes a
// screenshot to test-output/edge-index.png for review.
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
import { requireTool } from "../../../fixtures/system-tool";
import { PROJECT_DIR } from "../../support/program-run";

const FALLBACK = "direct.files.example.test";

function iso(date: string): IsoRelease {
  return {
    date,
    identifier: `margine-${date}`,
    files: [{ name: `margine-${date}.iso`, sha256: date.padEnd(64, "a"), md5: date.padEnd(32, "b"), size: 6_442_450_944 }],
  };
}
const RELEASES: ReleaseState = { isos: [iso("20261106"), iso("20261120"), iso("20261113")] };

async function chromium(args: string[]): Promise<string> {
  const bin = requireTool("chromium", "chromium");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "edge-chromium-"));
  try {
    const { stdout } = await promisify(execFile)(
      bin,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { timeout: 45_000, maxBuffer: 10_000_000 },
    );
    return stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Every `<a href>` of a DOM dump, with its id. */
function links(dom: string): { id?: string; href: string }[] {
  return [...dom.matchAll(/<a (?:id="([^"]+)" )?href="([^"]+)"/g)].map((m) => ({ id: m[1], href: m[2].replace(/&amp;/g, "&") }));
}

describe("edge index.html in headless Chromium", function () {
  this.timeout(90_000);
  let server: http.Server;
  let base: string;
  const served: string[] = [];
  /** Whether the stand-in IA lists the torrent in the item's files (IA's derive has run). */
  let derived = false;
  const page = () => renderIndexHtml({ release: RELEASES, fallbackHost: FALLBACK, ia: { iaUrl: base } });

  before(async () => {
    // One origin for the page and the stand-in Internet Archive (metadata API, details, downloads).
    server = http.createServer((req, res) => {
      const url = req.url ?? "";
      served.push(url);
      const meta = /^\/metadata\/(margine-\d{8})$/.exec(url);
      const files: Record<string, { type: string; body: string }> = {
        "/": { type: "text/html; charset=utf-8", body: page() },
        "/SHA256SUMS": { type: "text/plain", body: renderSha256Sums(iso("20261120")) },
      };
      if (meta) {
        const names = [`${meta[1]}.iso`, ...(derived ? [`${meta[1]}_archive.torrent`] : [])];
        files[url] = { type: "application/json", body: JSON.stringify({ files: names.map((name) => ({ name })) }) };
      }
      const itemFile = /^\/download\/(margine-\d{8})\/(.+)$/.exec(url);
      if (itemFile && (!itemFile[2].endsWith(".torrent") || derived)) files[url] = { type: "application/octet-stream", body: "bytes" };
      if (/^\/details\/margine-\d{8}$/.test(url)) files[url] = { type: "text/html", body: "<title>item</title>" };
      const file = files[url];
      res.writeHead(file ? 200 : 404, { "Content-Type": file?.type ?? "text/plain" });
      res.end(file?.body ?? "not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  /** The DOM after the page's script ran (virtual time lets its fetch finish before the dump). */
  const dom = () => chromium(["--virtual-time-budget=10000", "--dump-dom", `${base}/`]);

  it("before IA derives the torrent: HTTP links and a warning, no torrent link, no dead link, no magnet", async () => {
    derived = false;
    const html = await dom();
    assert.ok(served.includes("/metadata/margine-20261120"), "the page asked IA whether the torrent exists");
    const all = links(html);
    const byId = Object.fromEntries(all.filter((l) => l.id).map((l) => [l.id, l.href]));
    assert.deepEqual(Object.keys(byId).sort(), ["details", "download", "edge-copy", "sha256sums"]);
    assert.ok(!all.some((l) => l.href.includes("_archive.torrent")), "no torrent link while IA has not derived it");
    assert.match(html, /<li id="torrent-pending" class="warning">The torrent is not listed yet/);
    assert.ok(!/magnet:/i.test(html), "no magnet link (handbook 11.3)");
    assert.equal(byId["edge-copy"], `https://${FALLBACK}/margine-20261120.iso`); // served by the edge: edge-iso-sync.test.ts
    assert.match(html, /kept until 7 days after the next release/);
    // Every other link, resolved from the page as a browser would, answers 200.
    for (const link of all.filter((l) => l.id !== "edge-copy")) {
      const reply = await fetch(new URL(link.href, `${base}/`));
      assert.equal(reply.status, 200, `dead link ${link.href}`);
    }
    assert.deepEqual(
      all.filter((l) => !l.id).map((l) => l.href),
      [`${base}/details/margine-20261113`, `${base}/details/margine-20261106`],
    );
    assert.equal(await (await fetch(`${base}/SHA256SUMS`)).text(), `${"20261120".padEnd(64, "a")}  margine-20261120.iso\n`);
  });

  it("once IA lists the torrent, the page links it and drops the warning", async () => {
    derived = true;
    const html = await dom();
    const byId = Object.fromEntries(
      links(html)
        .filter((l) => l.id)
        .map((l) => [l.id, l.href]),
    );
    assert.equal(byId.torrent, `${base}/download/margine-20261120/margine-20261120_archive.torrent`);
    assert.equal((await fetch(byId.torrent)).status, 200);
    assert.match(html, /<li id="torrent-pending" class="warning" hidden="">/);
    assert.ok(!/magnet:/i.test(html));
  });

  it("links the public Internet Archive by default", () => {
    const html = renderIndexHtml({ release: RELEASES, fallbackHost: FALLBACK });
    assert.match(html, /href="https:\/\/archive\.org\/download\/margine-20261120\/margine-20261120\.iso"/);
    assert.match(html, /fetch\("https:\/\/archive\.org\/metadata\/margine-20261120"/);
  });

  it("says so when no ISO has been released yet", () => {
    const html = renderIndexHtml({ release: { isos: [] }, fallbackHost: FALLBACK });
    assert.match(html, /No ISO has been released yet/);
    assert.ok(!html.includes("<a "));
  });

  it("renders for a human: screenshot in test-output/edge-index.png", async () => {
    derived = false;
    const outDir = path.join(PROJECT_DIR, "test-output");
    fs.mkdirSync(outDir, { recursive: true });
    const shot = path.join(outDir, "edge-index.png");
    fs.rmSync(shot, { force: true });
    await chromium([`--screenshot=${shot}`, "--virtual-time-budget=10000", "--window-size=1000,700", `${base}/`]);
    const png = fs.readFileSync(shot);
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.ok(png.length > 5000, `screenshot is only ${png.length} bytes`);
  });
});
