import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IaError } from "../../../providers/ia/ia-error";
import { IaS3Client, MiB } from "../../../providers/ia/s3-upload";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";

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
  const put = (name: string, source = small) => ({
    identifier: "margine-test-item",
    name,
    source,
    size: fs.statSync(source).size,
    headers: { "x-archive-auto-make-bucket": "1" },
  });
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
    const report = await client({ parallelParts: 1 }).upload(put("big.iso", big));
    const parts = puts();
    assert.equal(report.parts, 6);
    assert.deepEqual(
      parts.map((r) => /partNumber=(\d+)/.exec(r.path)![1]),
      ["1", "2", "3", "3", "4", "5", "6"],
    );
    const size = fs.statSync(big).size;
    const resent = report.bytesSent - size;
    assert.ok(resent > 0 && resent <= MiB, `re-sent ${resent} bytes, at most one part (${MiB}) expected`);
    assert.equal(report.md5, md5(big));
    assert.equal(ia.item("margine-test-item")!.files.get("big.iso")!.md5, md5(big));
    assert.ok(
      ia.requests.some((r) => r.method === "POST" && /uploadId=/.test(r.path)),
      "CompleteMultipartUpload was sent",
    );
  });

  it("keeps two parts in flight after part 1, and a 503 in one of them re-sends only that part", async () => {
    ia.faults.add({ kind: "slowdown", method: "PUT", path: /partNumber=4&/, atByte: 256 * 1024, times: 1 });
    const report = await client().upload(put("big.iso", big));
    const parts = puts();
    const numbers = parts.map((r) => Number(/partNumber=(\d+)/.exec(r.path)![1]));
    assert.equal(numbers[0], 1);
    assert.deepEqual(
      [...numbers].sort((a, b) => a - b),
      [1, 2, 3, 4, 4, 5, 6],
    );
    const resent = report.bytesSent - fs.statSync(big).size;
    assert.ok(resent > 0 && resent <= MiB, `re-sent ${resent} bytes, at most one part (${MiB}) expected`);
    const overlapping = parts.filter((a) => parts.some((b) => a !== b && a.at < b.doneAt! && b.at < a.doneAt!));
    assert.ok(overlapping.length >= 2, "parts 2.. are sent two at a time");
    assert.ok(!parts.some((p) => p !== parts[0] && p.at < parts[0].doneAt!), "part 1 goes alone");
    assert.equal(ia.item("margine-test-item")!.files.get("big.iso")!.md5, md5(big));
  });

  it("a part IA refuses stops the upload: no part starts after it, none is left in flight, nothing is completed", async () => {
    ia.faults.add({ kind: "forbidden", method: "PUT", path: /partNumber=3&/, times: 1 });
    await assert.rejects(client().upload(put("big.iso", big)), /part 3\/6: IA answered HTTP 403.*lack sufficient privileges/);
    const numbers = puts().map((r) => Number(/partNumber=(\d+)/.exec(r.path)![1]));
    assert.ok(
      numbers.every((n) => n <= 4),
      `only parts already started may finish, got ${numbers}`,
    );
    assert.ok(
      puts().every((r) => r.doneAt !== undefined),
      "every part request was answered before the upload gave up",
    );
    assert.ok(!ia.requests.some((r) => r.method === "POST" && /uploadId=/.test(r.path)), "no CompleteMultipartUpload");
    assert.equal(ia.item("margine-test-item")?.files.get("big.iso"), undefined);
  });

  it("waits while IA creates a new item after the multipart start (404 NoSuchBucket), re-sending part 1 only", async () => {
    ia.newItemDelayMs = 300;
    const logs: string[] = [];
    await client({ retry: { attempts: 6, baseDelayMs: 100, maxDelayMs: 1_000 }, log: (m) => logs.push(m) }).upload(put("big.iso", big));
    const numbers = puts().map((r) => Number(/partNumber=(\d+)/.exec(r.path)![1]));
    assert.ok(numbers.filter((n) => n === 1).length >= 2, `part 1 met the 404 first: ${numbers}`);
    assert.deepEqual(
      numbers.filter((n) => n !== 1).sort((a, b) => a - b),
      [2, 3, 4, 5, 6],
    );
    assert.ok(
      logs.some((l) => /part 1\/6: IA has not created item margine-test-item yet/.test(l)),
      logs.join("\n"),
    );
    assert.equal(ia.item("margine-test-item")!.files.get("big.iso")!.md5, md5(big));
  });

  it("the emulator's hashing sink (benchmark mode) takes parts in flight and still reports the file's md5", async () => {
    const sink = await new IaEmulator({ keepBytes: false }).start();
    try {
      sink.accounts.set(KEYS.access, KEYS.secret);
      await new IaS3Client({
        endpoints: { s3Url: sink.url, iaUrl: sink.url },
        credentials: KEYS,
        retry: FAST,
        partSize: MiB,
        multipartThreshold: 2 * MiB,
        parallelParts: 3,
      }).upload(put("big.iso", big));
      assert.equal(sink.item("margine-test-item")!.files.get("big.iso")!.md5, md5(big));
    } finally {
      await sink.stop();
    }
  });

  it("the emulator holds each connection to its ingest rate (the benchmark's IA-like link)", async () => {
    ia.store.bytesPerSecond = MiB;
    const started = Date.now();
    await client().upload(put("small.bin"));
    const took = Date.now() - started;
    // 200 000 bytes at 1 MiB/s: at least 190 ms however fast the machine (a lower bound only).
    assert.ok(took >= 180, `took ${took} ms`);
    assert.equal(ia.item("margine-test-item")!.files.get("small.bin")!.md5, md5(small));
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
    assert.ok(
      logs.some((l) => /retry 1\/3 in 1\.0 s/.test(l)),
      logs.join("\n"),
    );
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
    await assert.rejects(
      client({ credentials: { access: KEYS.access, secret: "wrong" } }).upload(put("small.bin")),
      /HTTP 403 InvalidAccessKeyId: The AWS Access Key Id/,
    );
    ia.faults.add({ kind: "forbidden", method: "PUT", times: 1 });
    await assert.rejects(client().upload(put("small.bin")), /lack sufficient privileges to write to this item/);
    assert.equal(puts().length, 2);
  });

  it("400 for a bad identifier fails at once with IA's message", async () => {
    await assert.rejects(
      client().upload({ ...put("small.bin"), identifier: "-bad" }),
      /HTTP 400 InvalidBucketName: Bucket names should be valid archive identifiers/,
    );
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
