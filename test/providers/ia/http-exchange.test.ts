// exchange() with a file range as the body: the bytes it sends, the buffers it reuses, and what it
// does when the file is not what the range says.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ChunkBuffers, exchange } from "../../../providers/ia/http-exchange";
import { IaError } from "../../../providers/ia/ia-error";

interface Received {
  body: Buffer;
  complete: boolean;
  aborted: boolean;
  contentLength: string | undefined;
}

describe("exchange with a file range body", function () {
  this.timeout(20_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "http-exchange-"));
  const file = path.join(dir, "disk.iso");
  const data = crypto.randomBytes(700_000 + 13);
  fs.writeFileSync(file, data);
  let server: http.Server;
  let url: string;
  let received: Received[];
  /** How the server answers: after the whole body (IA's way), or at once and closing. */
  let answerEarly: boolean;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      const entry: Received = { body: Buffer.alloc(0), complete: false, aborted: false, contentLength: req.headers["content-length"] };
      received.push(entry);
      if (answerEarly) {
        res.writeHead(403, { connection: "close" }).end("<Error><Code>AccessDenied</Code></Error>");
        req.socket.end();
        return;
      }
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        entry.body = Buffer.concat(chunks);
        entry.complete = true;
        res.writeHead(200).end("ok");
      });
      req.on("close", () => {
        entry.aborted = !entry.complete;
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/item/disk.iso`;
  });
  beforeEach(() => {
    received = [];
    answerEarly = false;
  });
  after(async () => {
    http.globalAgent.destroy();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const put = (start: number, length: number, buffers?: ChunkBuffers, onBodyBytes?: (n: number) => void) =>
    exchange({ method: "PUT", url, body: () => ({ path: file, start, length, buffers }), contentLength: length, onBodyBytes });

  it("sends exactly the range, in chunks no larger than the buffers, with its Content-Length", async () => {
    const counted: number[] = [];
    const res = await put(123_457, 500_001, new ChunkBuffers(64 * 1024), (n) => counted.push(n));
    assert.equal(res.status, 200);
    assert.equal(received.length, 1);
    assert.equal(received[0].contentLength, "500001");
    assert.ok(received[0].body.equals(data.subarray(123_457, 123_457 + 500_001)), "the bytes of the range, in order");
    assert.equal(
      counted.reduce((a, b) => a + b, 0),
      500_001,
    );
    assert.ok(
      counted.every((n) => n <= 64 * 1024),
      `chunks of at most 64 KiB, got ${Math.max(...counted)}`,
    );
  });

  it("requests sharing buffers reuse the same two, one after another and side by side", async () => {
    const taken = new Set<Buffer>();
    const buffers = new (class extends ChunkBuffers {
      override take(): Buffer {
        const b = super.take();
        taken.add(b);
        return b;
      }
    })(32 * 1024);
    await put(0, data.length, buffers);
    await put(1000, 300_000, buffers);
    assert.equal(taken.size, 2, "sequential requests: the first request's two buffers serve the second");
    const [a, b] = await Promise.all([put(0, 400_000, buffers), put(400_000, data.length - 400_000, buffers)]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.equal(taken.size, 4, "two requests in flight hold two buffers each");
    assert.ok(Buffer.concat(received.slice(2).map((r) => r.body)).equals(data), "parts sent side by side from shared buffers are intact");
  });

  it("a file shorter than the range fails for good, naming the file, and aborts the request", async () => {
    // Small buffers: the request is on the wire (several chunks taken) before the file runs out.
    const err = await put(600_000, 200_000, new ChunkBuffers(16 * 1024)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof IaError, String(err));
    assert.equal(err.code, "FileChanged");
    assert.equal(err.retryable, false);
    assert.match(err.message, /disk\.iso ends at byte 700013, before the 200000 bytes from byte 600000 .*changed on disk/);
    // Left open, the request would hang with 100013 of its 200000 bytes sent.
    await waitFor(() => received.length === 1 && received[0].aborted);
  });

  it("a file that cannot be opened fails for good, naming the file", async () => {
    await assert.rejects(
      exchange({ method: "PUT", url, body: () => ({ path: path.join(dir, "missing.iso"), start: 0, length: 10 }), contentLength: 10 }),
      (e: unknown) => e instanceof IaError && e.code === "FileUnreadable" && !e.retryable && /missing\.iso: ENOENT/.test(e.message),
    );
  });

  it("an answer before the body is sent (403) is returned, and the buffers come back for the next request", async () => {
    answerEarly = true;
    let given = 0;
    const buffers = new (class extends ChunkBuffers {
      override give(b: Buffer): void {
        given++;
        super.give(b);
      }
    })(16 * 1024);
    const res = await put(0, data.length, buffers);
    assert.equal(res.status, 403);
    assert.match(res.body, /AccessDenied/);
    await waitFor(() => given === 2);
  });
});

/** Polls a condition the server side reaches a moment after the client's promise settled. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail("the condition was not reached within 2 s");
}
