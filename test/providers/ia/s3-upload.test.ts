import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IaError } from "../../../providers/ia/ia-error";
import { IaS3Client, MiB } from "../../../providers/ia/s3-upload";
import { IaEmulator } from "../../servers/ia-emulator";

const KEYS = { access: "ACCESS0123456789", secret: "SECRET0123456789" };
const FAST = { attempts: 4, baseDelayMs: 10, maxDelayMs: 3_000 };

describe("IA S3 client against the emulator", function () {
  this.timeout(30_000);
  let ia: IaEmulator;
  let dir: string;
  let small: string;
  let big: string;
  const client = (over: Partial<ConstructorParameters<typeof IaS3Client>[0]> = {}) =>
    new IaS3Client({ endpoints: { s3Url: ia.url, iaUrl: ia.url }, credentials: KEYS, retry: FAST, partSize: MiB, multipartThreshold: 2 * MiB, ...over });
  const md5 = (file: string) => crypto.createHash("md5").update(fs.readFileSync(file)).digest("hex");
  const put = (name: string, source = small) => ({ identifier: "margine-test-item", name, source, size: fs.statSync(source).size, headers: { "x-archive-auto-make-bucket": "1" } });
  const puts = () => ia.requests.filter((r) => r.method === "PUT");

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ia-s3-"));
    small = path.join(dir, "small.bin");
    big = path.join(dir, "big.iso");
    fs.writeFileSync(small, crypto.randomBytes(200_000));
    fs.writeFileSync(big, crypto.randomBytes(5 * MiB + 12345));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    ia = await new IaEmulator().start();
    ia.accounts.set(KEYS.access, KEYS.secret);
  });
  afterEach(async () => ia.stop());

  it("streams a PUT with Content-Length, hex Content-MD5 and LOW auth (no chunked encoding)", async () => {
    const report = await client().upload(put("small.bin"));
    const req = puts()[0];
    assert.equal(req.headers["content-length"], "200000");
    assert.equal(req.headers["transfer-encoding"], undefined);
    assert.equal(req.headers["content-md5"], md5(small));
    assert.match(String(req.headers["content-md5"]), /^[0-9a-f]{32}$/);
    assert.equal(req.headers.authorization, `LOW ${KEYS.access}:${KEYS.secret}`);
    assert.equal(report.md5, md5(small));
    assert.equal(ia.item("margine-test-item")!.files.get("small.bin")!.md5, md5(small));
  });

  it("uploads a large file in parts and, after a 503 in part 3, re-sends only part 3", async () => {
    ia.faults.add({ kind: "slowdown", method: "PUT", path: /partNumber=3&/, atByte: 512 * 1024, times: 1 });
    const report = await client().upload(put("big.iso", big));
    const parts = puts();
    assert.equal(report.parts, 6);
    assert.deepEqual(parts.map((r) => /partNumber=(\d+)/.exec(r.path)![1]), ["1", "2", "3", "3", "4", "5", "6"]);
    const size = fs.statSync(big).size;
    const resent = report.bytesSent - size;
    assert.ok(resent > 0 && resent <= MiB, `re-sent ${resent} bytes, at most one part (${MiB}) expected`);
    assert.equal(report.md5, md5(big));
    assert.equal(ia.item("margine-test-item")!.files.get("big.iso")!.md5, md5(big));
    assert.ok(ia.requests.some((r) => r.method === "POST" && /uploadId=/.test(r.path)), "CompleteMultipartUpload was sent");
  });

  it("503 SlowDown is retried after IA's Retry-After and check_limit, within the attempt bound", async () => {
    ia.faults.add({ kind: "slowdown", method: "PUT", retryAfter: "1", times: 1 });
    ia.overLimitAnswers = 1;
    const started = Date.now();
    const logs: string[] = [];
    await client({ log: (m) => logs.push(m) }).upload(put("small.bin"));
    assert.ok(Date.now() - started >= 950, "waited for Retry-After: 1");
    assert.equal(puts().length, 2);
    // check_limit before the first PUT (over limit once, then fine) and again before the retry.
    assert.ok(ia.requests.filter((r) => /check_limit=1/.test(r.path)).length >= 3);
    assert.ok(logs.some((l) => /retry 1\/3 in 1\.0 s/.test(l)), logs.join("\n"));
  });

  it("gives up after the bounded attempts with IA's message and what to do", async () => {
    ia.faults.add({ kind: "slowdown", method: "PUT", times: 10 });
    await assert.rejects(client().upload(put("small.bin")), /gave up after 4 attempts.*SlowDown: Please reduce your request rate/);
    assert.equal(puts().length, 4);
  });

  it("a 503 that says the upload appears to be spam is not retried", async () => {
    ia.faults.add({ kind: "spam", method: "PUT", times: 5 });
    await assert.rejects(client().upload(put("small.bin")), (err: IaError) => {
      assert.equal(err.retryable, false);
      assert.match(err.message, /appears to be spam.*retrying will not help/);
      return true;
    });
    assert.equal(puts().length, 1);
  });

  it("403 fails at once with IA's message", async () => {
    await assert.rejects(client({ credentials: { access: KEYS.access, secret: "wrong" } }).upload(put("small.bin")), /HTTP 403 InvalidAccessKeyId: The AWS Access Key Id/);
    ia.faults.add({ kind: "forbidden", method: "PUT", times: 1 });
    await assert.rejects(client().upload(put("small.bin")), /lack sufficient privileges to write to this item/);
    assert.equal(puts().length, 2);
  });

  it("400 for a bad identifier fails at once with IA's message", async () => {
    await assert.rejects(client().upload({ ...put("small.bin"), identifier: "-bad" }), /HTTP 400 InvalidBucketName: Bucket names should be valid archive identifiers/);
    assert.equal(puts().length, 1);
  });

  it("follows a 307 to another origin keeping Authorization and re-sending the body", async () => {
    ia.faults.add({ kind: "redirect", method: "PUT", times: 1 });
    await client().upload(put("small.bin"));
    const [first, second] = puts();
    assert.equal(first.viaRedirect, false);
    assert.equal(second.viaRedirect, true);
    assert.equal(second.headers.authorization, `LOW ${KEYS.access}:${KEYS.secret}`);
    assert.equal(second.bodyBytes, 200_000);
    assert.equal(ia.item("margine-test-item")!.files.get("small.bin")!.md5, md5(small));
  });

  it("retries a connection dropped mid-body", async () => {
    ia.faults.add({ kind: "drop", method: "PUT", atByte: 65_536, times: 1 });
    await client().upload(put("small.bin"));
    assert.equal(puts().length, 2);
    assert.equal(ia.item("margine-test-item")!.files.get("small.bin")!.size, 200_000);
  });
});
