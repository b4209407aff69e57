// Multipart uploads that survive the process: the journal beside the file, ListParts on resume,
// AbortMultipartUpload for an upload that can no longer be completed. What happens when IA does
// less than this (no ListParts, no multipart, no S3 codes) is in degraded-ia.test.ts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { listParts } from "../../../providers/ia/list-parts";
import { S3Requests } from "../../../providers/ia/s3-requests";
import { MiB } from "../../../providers/ia/s3-upload";
import { readJournal } from "../../../providers/ia/upload-journal";
import { FAST, ID, KEYS, UploadBench } from "../../support/ia-upload-bench";

describe("resumable multipart uploads (journal + ListParts + abort)", function () {
  this.timeout(30_000);
  const bench = new UploadBench();
  beforeEach(() => bench.start());
  afterEach(() => bench.stop());

  it("the journal names the upload and the parts IA confirmed", async () => {
    const uploadId = await bench.interruptedRun();
    const read = readJournal(bench.journal, { s3Url: bench.ia.url, identifier: ID, name: "big.iso", path: bench.big });
    assert.equal(read.state, "usable");
    const j = (read as Extract<typeof read, { state: "usable" }>).journal;
    assert.equal(j.uploadId, uploadId);
    assert.deepEqual(Object.keys(j.parts), ["1", "2", "3"]);
  });

  it("a rerun resumes the open upload through ListParts and sends only the missing parts", async () => {
    const uploadId = await bench.interruptedRun();
    const report = await bench.client().upload(bench.upload());
    assert.deepEqual(bench.partNumbers(), [4, 5, 6, 7]);
    assert.equal(report.resumedParts, 3);
    assert.ok(
      bench.ia.requests.some((r) => r.method === "GET" && r.path.includes(`uploadId=${uploadId}`)),
      "ListParts asked IA what it holds",
    );
    assert.ok(
      bench.logs.some((m) => m.includes(`resuming upload ${uploadId}: IA holds 3 of 7 parts`)),
      bench.logs.join("\n"),
    );
    bench.assertComplete();
  });

  it("a changed file aborts the old upload and starts over", async () => {
    const old = await bench.interruptedRun();
    fs.appendFileSync(bench.big, "x");
    await bench.client().upload(bench.upload());
    assert.ok(
      bench.ia.requests.some((r) => r.method === "DELETE" && r.path.includes(`uploadId=${old}`)),
      "AbortMultipartUpload of the old upload",
    );
    assert.deepEqual(bench.partNumbers(), [1, 2, 3, 4, 5, 6, 7]);
    bench.assertComplete();
  });

  it("an upload IA no longer knows (404 NoSuchUpload) is forgotten and started over", async () => {
    const old = await bench.interruptedRun();
    bench.ia.expireUploads();
    await bench.client().upload(bench.upload());
    assert.ok(
      bench.logs.some((m) => m.includes(`IA no longer has upload ${old}; starting over`)),
      bench.logs.join("\n"),
    );
    assert.deepEqual(bench.partNumbers(), [1, 2, 3, 4, 5, 6, 7]);
    bench.assertComplete();
  });

  it("a part IA refuses for good (403) aborts the upload and removes the journal", async () => {
    bench.ia.faults.add({ kind: "forbidden", method: "PUT", path: /partNumber=3&/, times: 1 });
    await assert.rejects(bench.client().upload(bench.upload()), /HTTP 403/);
    assert.deepEqual(bench.ia.openUploads(), [], "nothing left open on IA");
    assert.ok(bench.ia.requests.some((r) => r.method === "DELETE" && /uploadId=/.test(r.path)));
    assert.ok(!fs.existsSync(bench.journal));
  });

  it("ListParts pages through IsTruncated / part-number-marker", async () => {
    await bench.interruptedRun();
    const id = bench.ia.openUploads()[0].uploadId;
    const res = await fetch(`${bench.ia.url}/${ID}/big.iso?uploadId=${id}&max-parts=2`, { headers: { authorization: `LOW ${KEYS.access}:${KEYS.secret}` } });
    const text = await res.text();
    assert.match(text, /<IsTruncated>true<\/IsTruncated>/);
    assert.match(text, /<NextPartNumberMarker>2<\/NextPartNumberMarker>/);
    const listed = await listParts(
      new S3Requests({ endpoints: { s3Url: bench.ia.url, iaUrl: bench.ia.url }, credentials: KEYS, retry: FAST }),
      ID,
      "big.iso",
      id,
    );
    assert.equal(listed.kind, "held");
    const parts = (listed as Extract<typeof listed, { kind: "held" }>).parts;
    assert.deepEqual([...parts.keys()], [1, 2, 3]);
    assert.ok([...parts.values()].every((p) => p.size === MiB && /^[0-9a-f]{32}$/.test(p.etag)));
  });
});
