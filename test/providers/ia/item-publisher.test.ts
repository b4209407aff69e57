import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ItemPublisher, PublisherOptions } from "../../../providers/ia/item-publisher";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";

const KEYS = { access: "ACCESS0123456789", secret: "SECRET0123456789" };
const ID = "margine-20261120";

describe("ItemPublisher against the emulator", function () {
  this.timeout(30_000);
  let ia: IaEmulator;
  let dir: string;
  let iso: string;
  let sums: string;
  const publisher = (over: Partial<PublisherOptions> = {}) =>
    new ItemPublisher({
      endpoints: { s3Url: ia.url, iaUrl: ia.url },
      credentials: KEYS,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
      verifyWaitMs: 2_000,
      torrentWaitMs: 2_000,
      pollMs: 20,
      ...over,
    });
  const md5 = (file: string) => crypto.createHash("md5").update(fs.readFileSync(file)).digest("hex");
  const request = () => ({
    identifier: ID,
    files: [
      { name: "margine-20261120.iso", source: iso },
      { name: "SHA256SUMS", source: sums },
    ],
    metadata: { title: "Margine 20261120", mediatype: "software", subject: ["linux", "bootc"] },
  });

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ia-pub-"));
    iso = path.join(dir, "margine-20261120.iso");
    sums = path.join(dir, "SHA256SUMS");
    fs.writeFileSync(iso, crypto.randomBytes(300_000));
    fs.writeFileSync(sums, "0".repeat(64) + "  margine-20261120.iso\n");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    ia = await new IaEmulator().start();
    ia.accounts.set(KEYS.access, KEYS.secret);
  });
  afterEach(async () => ia.stop());

  it("creates the item: metadata headers, size hint, keep-old-version, derive queued once on the last file", async () => {
    const result = await publisher().publish(request());
    const puts = ia.requests.filter((r) => r.method === "PUT");
    assert.deepEqual(
      puts.map((r) => r.headers["x-archive-queue-derive"]),
      ["0", "1"],
    );
    const total = String(fs.statSync(iso).size + fs.statSync(sums).size);
    for (const r of puts) {
      assert.equal(r.headers["x-archive-size-hint"], total);
      assert.equal(r.headers["x-archive-keep-old-version"], "1");
      assert.equal(r.headers["x-archive-auto-make-bucket"], "1");
      assert.equal(r.headers["x-archive-meta-title"], "uri(Margine%2020261120)");
      assert.equal(r.headers["x-archive-meta01-subject"], "bootc");
    }
    assert.equal(ia.item(ID)!.derives, 1);
    assert.deepEqual(ia.item(ID)!.metadata.subject, ["linux", "bootc"]);
    assert.deepEqual(
      result.files.map((f) => [f.name, f.md5, f.skipped]),
      [
        ["margine-20261120.iso", md5(iso), false],
        ["SHA256SUMS", md5(sums), false],
      ],
    );
    assert.equal(result.torrentUrl, `${ia.url}/download/${ID}/${ID}_archive.torrent`);
    assert.equal(result.detailsUrl, `${ia.url}/details/${ID}`);
    assert.deepEqual(result.warnings, []);
  });

  it("verifies md5 and size through the metadata API after the upload", async () => {
    await publisher().publish(request());
    const lastPut = ia.requests.map((r) => r.method).lastIndexOf("PUT");
    assert.ok(ia.requests.slice(lastPut + 1).some((r) => r.method === "GET" && r.path === `/metadata/${ID}`));
    ia.item(ID)!.files.get("margine-20261120.iso")!.md5 = "0".repeat(32);
    await assert.rejects(
      publisher({ verifyWaitMs: 100 }).verifyFiles(ID, [{ name: "margine-20261120.iso", md5: md5(iso), size: fs.statSync(iso).size }]),
      /metadata API reports margine-20261120\.iso has md5 0{32}.*expected md5/,
    );
  });

  it("skips files whose md5 already matches on IA (a rerun resumes instead of starting over)", async () => {
    await publisher().publish(request());
    ia.requests.length = 0;
    const again = await publisher().publish(request());
    assert.equal(ia.requests.filter((r) => r.method === "PUT").length, 0);
    assert.deepEqual(
      again.files.map((f) => f.skipped),
      [true, true],
    );
    assert.equal(ia.item(ID)!.derives, 1);
  });

  it("uploads only the file that changed, keeping the old copy in history", async () => {
    await publisher().publish(request());
    fs.writeFileSync(sums, "1".repeat(64) + "  margine-20261120.iso\n");
    ia.requests.length = 0;
    const again = await publisher().publish(request());
    assert.deepEqual(
      ia.requests.filter((r) => r.method === "PUT").map((r) => r.path),
      [`/${ID}/SHA256SUMS`],
    );
    assert.deepEqual(
      again.files.map((f) => f.skipped),
      [true, false],
    );
    assert.ok(ia.item(ID)!.files.has("history/files/SHA256SUMS.~1~"));
  });

  it("changes metadata in place through the metadata API, without uploading", async () => {
    await publisher().publish(request());
    ia.requests.length = 0;
    const result = await publisher().publish({ ...request(), metadata: { ...request().metadata, title: "Margine 20261120 (respin)" } });
    assert.equal(ia.requests.filter((r) => r.method === "PUT").length, 0);
    const patch = ia.requests.find((r) => r.method === "POST" && r.path === `/metadata/${ID}`);
    assert.ok(patch, "POST /metadata was sent");
    assert.equal(result.metadataChanges, 1);
    assert.equal(ia.item(ID)!.metadata.title, "Margine 20261120 (respin)");
  });

  it("degrades to HTTP-only links with a warning when the derive is slower than the wait", async () => {
    ia.torrentDelayMs = 60_000;
    const result = await publisher({ torrentWaitMs: 300 }).publish(request());
    assert.equal(result.torrentUrl, null);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0], /margine-20261120_archive\.torrent is not derived yet \(1 IA task\(s\) queued or running\); publishing HTTP-only links/);
    assert.equal(result.downloadUrls["margine-20261120.iso"], `${ia.url}/download/${ID}/margine-20261120.iso`);
  });

  it("waits for a torrent that arrives within the wait", async () => {
    ia.torrentDelayMs = 400;
    const result = await publisher({ torrentWaitMs: 5_000 }).publish(request());
    assert.equal(result.torrentUrl, `${ia.url}/download/${ID}/${ID}_archive.torrent`);
  });

  it("refuses to publish a file that is neither on IA nor given as a source", async () => {
    await assert.rejects(
      publisher().publish({ identifier: ID, files: [{ name: "x.iso", md5: "0".repeat(32), size: 10 }], metadata: {} }),
      /margine-20261120\/x\.iso: it is not on IA, and no source file was given to upload/,
    );
    assert.equal(ia.requests.filter((r) => r.method === "PUT").length, 0);
  });

  it("a file IA lists with the wrong md5 after the upload is sent again, once", async () => {
    ia.misrecordMd5.set("margine-20261120.iso", 1);
    const logs: string[] = [];
    const result = await publisher({ verifyWaitMs: 100, log: (m) => logs.push(m) }).publish(request());
    const isoPuts = ia.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/margine-20261120.iso"));
    assert.equal(isoPuts.length, 2, "the garbled file went up a second time");
    assert.ok(
      logs.some((m) =>
        /^warning: margine-20261120\/margine-20261120\.iso has md5 [0-9a-f]{32} .* after the upload; sending margine-20261120\.iso again, once$/.test(m),
      ),
      logs.join("\n"),
    );
    assert.equal(ia.item(ID)!.files.get("margine-20261120.iso")!.md5, md5(iso));
    assert.equal(result.files[0].bytesSent, 2 * fs.statSync(iso).size);
  });

  it("a file IA lists with the wrong md5 twice fails the run, saying so", async () => {
    ia.misrecordMd5.set("margine-20261120.iso", 2);
    await assert.rejects(
      publisher({ verifyWaitMs: 100 }).publish(request()),
      /after upload the metadata API reports margine-20261120\.iso has md5 [0-9a-f]{32} size \d+, expected md5/,
    );
    assert.equal(ia.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/margine-20261120.iso")).length, 2, "sent twice, not more");
  });
});
