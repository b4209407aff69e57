// Multipart uploads that survive the process: the journal beside the file, ListParts on resume,
// AbortMultipartUpload for an upload that can no longer be completed.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IaError } from "../../../providers/ia/ia-error";
import { IaS3Client, MiB } from "../../../providers/ia/s3-upload";
import { journalPath, readJournal } from "../../../providers/ia/upload-journal";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";

const KEYS = { access: "ACCESS0123456789", secret: "SECRET0123456789" };
const FAST = { attempts: 2, baseDelayMs: 5, maxDelayMs: 50 };
const ID = "margine-resume-item";

describe("resumable multipart uploads (journal + ListParts + abort)", function () {
  this.timeout(30_000);
  let ia: IaEmulator;
  let dir: string;
  let big: string;
  const client = (over: Partial<ConstructorParameters<typeof IaS3Client>[0]> = {}) =>
    new IaS3Client({ endpoints: { s3Url: ia.url, iaUrl: ia.url }, credentials: KEYS, retry: FAST, partSize: MiB, parallelParts: 1, ...over });
  const upload = () => ({ identifier: ID, name: "big.iso", source: big, size: fs.statSync(big).size, headers: { "x-archive-auto-make-bucket": "1" } });
  const partPuts = () => ia.requests.filter((r) => r.method === "PUT" && /partNumber=/.test(r.path));
  const partNumbers = () => partPuts().map((r) => Number(/partNumber=(\d+)/.exec(r.path)![1]));
  const journal = () => journalPath(big, ID);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ia-resume-"));
    big = path.join(dir, "big.iso");
    fs.writeFileSync(big, crypto.randomBytes(6 * MiB + 777));
    ia = await new IaEmulator().start();
    ia.accounts.set(KEYS.access, KEYS.secret);
  });
  afterEach(async () => {
    await ia.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A first run that gives up on part 4 (IA busy beyond the retries), leaving parts 1-3 on IA. */
  async function interruptedRun(): Promise<string> {
    ia.faults.add({ kind: "slowdown", method: "PUT", path: /partNumber=4&/, retryAfter: "0", times: 2 });
    await assert.rejects(client().upload(upload()), (err: IaError) => {
      assert.match(err.message, /gave up after 2 attempts.*\(3 of 7 parts are on IA; a rerun resumes upload (upload-\d+) and sends only the missing parts\)/);
      return true;
    });
    const open = ia.openUploads();
    assert.equal(open.length, 1);
    assert.deepEqual(open[0].parts, [1, 2, 3]);
    const j = readJournal(journal())!;
    assert.equal(j.uploadId, open[0].uploadId);
    assert.deepEqual(Object.keys(j.parts), ["1", "2", "3"]);
    return open[0].uploadId;
  }

  it("a rerun resumes the open upload through ListParts and sends only the missing parts", async () => {
    const uploadId = await interruptedRun();
    ia.requests.length = 0;
    const report = await client().upload(upload());
    assert.deepEqual(partNumbers(), [4, 5, 6, 7]);
    assert.equal(report.resumedParts, 3);
    assert.ok(ia.requests.some((r) => r.method === "GET" && r.path.includes(`uploadId=${uploadId}`)), "ListParts asked IA what it holds");
    assert.equal(ia.item(ID)!.files.get("big.iso")!.md5, crypto.createHash("md5").update(fs.readFileSync(big)).digest("hex"));
    assert.deepEqual(ia.openUploads(), []);
    assert.ok(!fs.existsSync(journal()), "the journal is gone once the upload completed");
  });

  it("a changed file aborts the old upload and starts over", async () => {
    const old = await interruptedRun();
    fs.appendFileSync(big, "x");
    ia.requests.length = 0;
    await client().upload(upload());
    assert.ok(ia.requests.some((r) => r.method === "DELETE" && r.path.includes(`uploadId=${old}`)), "AbortMultipartUpload of the old upload");
    assert.deepEqual(partNumbers(), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(ia.openUploads(), []);
  });

  it("an upload IA no longer knows (404 NoSuchUpload) is forgotten and started over", async () => {
    const old = await interruptedRun();
    await client().abortUpload(ID, "big.iso", old);
    ia.requests.length = 0;
    const logs: string[] = [];
    await client({ log: (m) => logs.push(m) }).upload(upload());
    assert.ok(logs.some((m) => m.includes(`IA no longer has upload ${old}; starting over`)), logs.join("\n"));
    assert.deepEqual(partNumbers(), [1, 2, 3, 4, 5, 6, 7]);
  });

  it("a part IA refuses for good (403) aborts the upload and removes the journal", async () => {
    ia.faults.add({ kind: "forbidden", method: "PUT", path: /partNumber=3&/, times: 1 });
    await assert.rejects(client().upload(upload()), /HTTP 403/);
    assert.deepEqual(ia.openUploads(), [], "nothing left open on IA");
    assert.ok(ia.requests.some((r) => r.method === "DELETE" && /uploadId=/.test(r.path)));
    assert.ok(!fs.existsSync(journal()));
  });

  it("ListParts pages through IsTruncated / part-number-marker", async () => {
    await interruptedRun();
    const id = ia.openUploads()[0].uploadId;
    const res = await fetch(`${ia.url}/${ID}/big.iso?uploadId=${id}&max-parts=2`, { headers: { authorization: `LOW ${KEYS.access}:${KEYS.secret}` } });
    const text = await res.text();
    assert.match(text, /<IsTruncated>true<\/IsTruncated>/);
    assert.match(text, /<NextPartNumberMarker>2<\/NextPartNumberMarker>/);
    const parts = await client().listParts(ID, "big.iso", id);
    assert.deepEqual([...parts!.keys()], [1, 2, 3]);
    assert.ok([...parts!.values()].every((p) => p.size === MiB && /^[0-9a-f]{32}$/.test(p.etag)));
  });
});
