// Uploads against an IA that implements less of S3 than the emulator does by default: resume is an
// optimisation that may only save bytes, never a new way to fail (the wedge this suite guards
// against: a rerun that failed forever on "list parts ... HTTP 404" because the journal named the
// upload). Each reduced IA is one of fixtures/servers/ia/capabilities.ts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { REDUCED_IAS } from "../../../fixtures/servers/ia/capabilities";
import { ID, UploadBench } from "../../support/ia-upload-bench";

describe("uploads against a reduced IA", function () {
  this.timeout(30_000);
  const bench = new UploadBench();
  afterEach(() => bench.stop());

  for (const [label, capabilities] of Object.entries(REDUCED_IAS)) {
    describe(label, () => {
      beforeEach(() => bench.start(capabilities));

      it("a rerun completes the upload, sending only the parts the journal lacks when IA cannot list them", async () => {
        const uploadId = await bench.interruptedRun();
        const report = await bench.client().upload(bench.upload());
        const listing = capabilities.listParts !== undefined;
        assert.deepEqual(bench.partNumbers(), [4, 5, 6, 7], "parts 1-3 are not sent again");
        assert.equal(report.resumedParts, 3);
        const line = bench.logs.find((m) => m.includes("resuming upload"));
        assert.match(line ?? "", listing ? /the journal lists 3 of 7 parts as confirmed/ : /IA holds 3 of 7 parts/, bench.logs.join("\n"));
        if (listing)
          assert.ok(
            bench.logs.some((m) => m.includes(`IA cannot list the parts of upload ${uploadId}`)),
            bench.logs.join("\n"),
          );
        bench.assertComplete();
      });

      it("an upload IA forgot starts over with a new one, in one line", async () => {
        await bench.interruptedRun();
        bench.ia.expireUploads();
        await bench.client().upload(bench.upload());
        assert.deepEqual(bench.partNumbers().slice(-7), [1, 2, 3, 4, 5, 6, 7], "the file went up whole in a new upload");
        assert.ok(
          bench.logs.some((m) => /starting over/.test(m)),
          bench.logs.join("\n"),
        );
        bench.assertComplete();
      });
    });
  }

  describe("journal trusted, then refused", () => {
    beforeEach(() => bench.start({ listParts: 501 }));

    it("a journal ETag IA does not know: CompleteMultipartUpload refuses it and the file starts over", async () => {
      await bench.interruptedRun();
      const j = JSON.parse(fs.readFileSync(bench.journal, "utf8"));
      j.parts["2"] = "0".repeat(32);
      fs.writeFileSync(bench.journal, JSON.stringify(j));
      await bench.client().upload(bench.upload());
      assert.deepEqual(bench.partNumbers(), [4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7]);
      assert.ok(
        bench.logs.some((m) => /IA did not accept the parts of upload upload-\d+ .*InvalidPart.*; starting over with a new upload/.test(m)),
        bench.logs.join("\n"),
      );
      bench.assertComplete();
    });

    it("ListParts that never answers (timeout after the retries) falls back on the journal", async () => {
      await bench.interruptedRun();
      bench.ia.capabilities.listParts = "supported";
      bench.ia.faults.add({ kind: "swallow", method: "GET", path: /uploadId=/, times: 10 });
      await bench.client({ timeouts: { connectMs: 1_000, idleMs: 300 } }).upload(bench.upload());
      assert.ok(
        bench.logs.some((m) => /IA cannot list the parts of upload upload-\d+ \(gave up after 2 attempts/.test(m)),
        bench.logs.join("\n"),
      );
      assert.deepEqual(bench.partNumbers(), [4, 5, 6, 7]);
      bench.assertComplete();
    });
  });

  describe("journals that are not this upload's", () => {
    beforeEach(() => bench.start());
    const cases: [string, (journal: string, j: Record<string, unknown>) => void, RegExp][] = [
      ["torn", (f) => fs.writeFileSync(f, '{"version":2,"s3Url":"http'), /torn or not JSON/],
      ["foreign", (f) => fs.writeFileSync(f, JSON.stringify({ hello: "world" })), /not a version-2 upload journal/],
      [
        "from another endpoint",
        (f, j) => fs.writeFileSync(f, JSON.stringify({ ...j, s3Url: "https://s3.example.org" })),
        /another endpoint \(https:\/\/s3\.example\.org\)/,
      ],
      [
        "from another machine's path",
        (f, j) => fs.writeFileSync(f, JSON.stringify({ ...j, path: "/home/runner/work/margine/big.iso" })),
        /written for \/home\/runner\/work\/margine\/big\.iso/,
      ],
      [
        "unreadable",
        (f) => {
          fs.rmSync(f);
          fs.mkdirSync(f);
        },
        /cannot be read \(EISDIR\)/,
      ],
    ];
    for (const [label, spoil, reason] of cases) {
      it(`a ${label} journal is ignored with a warning and the file starts over`, async () => {
        await bench.interruptedRun();
        spoil(bench.journal, JSON.parse(fs.readFileSync(bench.journal, "utf8")));
        const report = await bench.client().upload(bench.upload());
        const warning = bench.logs.find((m) => m.startsWith("warning:") && m.includes("ignoring the resume journal")) ?? "";
        assert.match(warning, reason, bench.logs.join("\n"));
        assert.match(warning, /this file starts over$/);
        assert.deepEqual(bench.partNumbers(), [1, 2, 3, 4, 5, 6, 7]);
        assert.equal(report.resumedParts, 0);
        assert.equal(bench.ia.item(ID)!.files.get("big.iso")!.md5, bench.md5());
        if (label === "unreadable") fs.rmSync(bench.journal, { recursive: true });
      });
    }
  });

  describe("an IA that refuses multipart", () => {
    for (const [how, status] of [
      ["refuse-start", 501],
      ["refuse-start", 405],
      ["refuse-start", 400],
      ["refuse-parts", 501],
    ] as const) {
      it(`${how} with HTTP ${status}: every file goes up in one PUT, with one warning`, async () => {
        await bench.start({ multipart: how, multipartRefusalStatus: status });
        const second = path.join(bench.dir, "second.iso");
        fs.copyFileSync(bench.big, second);
        fs.appendFileSync(second, "2");
        const client = bench.client();
        const first = await client.upload(bench.upload());
        const next = await client.upload(bench.upload(second));
        assert.equal(first.parts, 1);
        assert.match(first.multipartRefused ?? "", how === "refuse-start" ? new RegExp(`POST \\?uploads answered HTTP ${status}`) : /part 1 answered HTTP 501/);
        assert.equal(next.multipartRefused, first.multipartRefused);
        const warnings = bench.logs.filter((m) => m.startsWith("warning:"));
        assert.equal(warnings.length, 1, bench.logs.join("\n"));
        assert.match(warnings[0], /IA refused multipart .*one PUT, as `ia upload` does\. Resume is unavailable on this endpoint/);
        assert.equal(bench.wholePuts(), 2);
        assert.equal(
          bench.ia.requests.filter((r) => r.method === "POST" && r.path.endsWith("?uploads")).length,
          1,
          "multipart is not tried again for the second file",
        );
        assert.deepEqual(bench.ia.openUploads(), [], "a started upload is aborted");
        assert.equal(bench.ia.item(ID)!.files.get("big.iso")!.md5, bench.md5());
        assert.equal(bench.ia.item(ID)!.files.get("second.iso")!.md5, bench.md5(second));
        assert.ok(!fs.existsSync(bench.journal));
      });
    }

    it("the single PUT keeps the 503 backoff and aborts on the spam answer", async () => {
      await bench.start({ multipart: "refuse-start" });
      bench.ia.faults.add({ kind: "slowdown", method: "PUT", path: /big\.iso$/, retryAfter: "0", times: 1 });
      const client = bench.client({ retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 } });
      await client.upload(bench.upload());
      assert.equal(bench.wholePuts(), 2, "one 503, one success");
      bench.ia.faults.add({ kind: "spam", method: "PUT", times: 5 });
      const second = path.join(bench.dir, "second.iso");
      fs.copyFileSync(bench.big, second);
      await assert.rejects(client.upload(bench.upload(second)), /flagged the upload as spam; retrying will not help/);
      assert.equal(bench.wholePuts(), 3, "no retry after the spam answer");
    });
  });

  describe("S3 errors without <Code>, on a new item IA is slow to create", () => {
    beforeEach(() => bench.start({ errorCodes: false }));

    it("part 1's 404 is waited out on a new upload", async () => {
      bench.ia.newItemDelayMs = 40;
      const report = await bench.client({ retry: { attempts: 6, baseDelayMs: 20, maxDelayMs: 50 } }).upload(bench.upload());
      assert.equal(report.parts, 7);
      assert.ok(bench.partNumbers().filter((n) => n === 1).length >= 2, "part 1 was retried");
      assert.equal(bench.ia.item(ID)!.files.get("big.iso")!.md5, bench.md5());
    });
  });
});
