// IA's S3-like upload endpoint: check_limit, a streamed single PUT, and multipart for large files.
// Handbook 11.2: multi-GB ISO uploads 503 routinely and `ia` restarts a failed file from byte 0;
// here a large file goes up in parts, and a failure re-sends only the part that failed.
import * as crypto from "node:crypto";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { IaCredentials } from "./credentials";
import { NetTimeouts, notJsonReason } from "../http-timeouts";
import { IaEndpoints } from "./endpoints";
import { IaError } from "./ia-error";
import { exchange, IaResponse } from "./http-exchange";
import { DEFAULT_RETRY_POLICY, retryDelayMs, RetryPolicy, sleep, withRetries } from "./retry-policy";
import { expectS3Success, s3ErrorFields } from "./s3-answer";
import { inFlight } from "./in-flight";

export const MiB = 1024 * 1024;

export interface S3ClientOptions {
  readonly endpoints: IaEndpoints;
  readonly credentials: IaCredentials;
  readonly retry?: RetryPolicy;
  /** Bytes per part; also the most a failure can cost. */
  readonly partSize?: number;
  /** Files at least this large go up in parts (default: two parts). */
  readonly multipartThreshold?: number;
  /**
   * Parts on the wire at once. Two keep the link busy while IA answers the previous part (and
   * use a second connection, which IA's per-connection throughput rewards) without multiplying
   * what a 503 burst costs.
   */
  readonly parallelParts?: number;
  readonly onProgress?: (progress: { name: string; sent: number; total: number }) => void;
  readonly log?: (message: string) => void;
  /** Connect and idle timeouts per request (providers/http-timeouts.ts defaults). */
  readonly timeouts?: NetTimeouts;
}

export interface FileUpload {
  readonly identifier: string;
  readonly name: string;
  /** A local path (streamed, never read whole) or a small in-memory body such as SHA256SUMS. */
  readonly source: string | Buffer;
  readonly size: number;
  /** Lowercase hex md5, when already known (saves a read pass on single PUTs). */
  readonly md5?: string;
  /** Item headers: metadata, auto-make-bucket, size hint, queue-derive, keep-old-version. */
  readonly headers: Record<string, string>;
}

export interface UploadReport {
  readonly name: string;
  readonly md5: string;
  readonly parts: number;
  /** Bytes put on the wire for this file, re-sent bytes included. */
  readonly bytesSent: number;
}

export class IaS3Client {
  private readonly retry: RetryPolicy;
  private readonly partSize: number;
  private readonly multipartThreshold: number;
  private readonly parallelParts: number;

  constructor(private readonly options: S3ClientOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.partSize = options.partSize ?? 64 * MiB;
    this.multipartThreshold = options.multipartThreshold ?? 2 * this.partSize;
    this.parallelParts = Math.max(1, options.parallelParts ?? 2);
  }

  private get auth(): Record<string, string> {
    return { authorization: `LOW ${this.options.credentials.access}:${this.options.credentials.secret}` };
  }

  private objectUrl(identifier: string, name: string, query = ""): string {
    return `${this.options.endpoints.s3Url}/${identifier}/${encodeURIComponent(name)}${query}`;
  }

  /**
   * True when IA says this account/item is over its upload limit. A busy answer (5xx, 429) counts as
   * over the limit, like `ia` does; a server that does not answer, or answers a page that is not
   * JSON with 200, is an error that says so - never "over its limit".
   */
  async overLimit(identifier: string): Promise<boolean> {
    const q = new URLSearchParams({ check_limit: "1", accesskey: this.options.credentials.access, bucket: identifier });
    const what = `check_limit of ${identifier}`;
    const res = await withRetries(this.retry, what, () => exchange({ method: "GET", url: `${this.options.endpoints.s3Url}/?${q}`, timeouts: this.options.timeouts }), { onRetry: (m) => this.options.log?.(m) });
    if (res.status === 429 || res.status >= 500) return true;
    let answer: { over_limit?: unknown };
    try {
      answer = JSON.parse(res.body) as { over_limit?: unknown };
    } catch {
      const type = res.headers["content-type"];
      throw new IaError(`${what}: ${this.options.endpoints.s3Url} ${notJsonReason(Array.isArray(type) ? type[0] : type, res.body)} (HTTP ${res.status}); check IA_S3_URL`, res.status, "BadJson", false);
    }
    if (res.status !== 200) throw new IaError(`${what}: ${this.options.endpoints.s3Url} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`, res.status, `HTTP${res.status}`, false);
    return answer.over_limit !== 0;
  }

  /** Waits (at most `checks` checks, bounded by the retry policy) while check_limit reports the item over limit. */
  async waitForCapacity(identifier: string, checks = this.retry.attempts): Promise<void> {
    for (let attempt = 1; attempt <= checks; attempt++) {
      if (!(await this.overLimit(identifier))) return;
      if (attempt === checks) break;
      const delay = retryDelayMs(this.retry, attempt);
      this.options.log?.(`${identifier}: IA S3 is over its limit (check_limit); waiting ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
    }
    this.options.log?.(`${identifier}: IA S3 still reports being over its limit after ${checks} checks; trying anyway`);
  }

  async upload(file: FileUpload): Promise<UploadReport> {
    await this.waitForCapacity(file.identifier);
    return typeof file.source === "string" && file.size >= this.multipartThreshold
      ? this.uploadInParts(file, file.source)
      : this.uploadWhole(file);
  }

  private retrying<T>(identifier: string, what: string, op: () => Promise<T>): Promise<T> {
    return withRetries(this.retry, what, op, {
      onRetry: (m) => this.options.log?.(m),
      // One check after IA's own 503: the retry's delay already waited, and the policy bounds the rest.
      beforeRetry: async (err) => { if (err.status === 503) await this.waitForCapacity(identifier, 1); },
    });
  }

  private async uploadWhole(file: FileUpload): Promise<UploadReport> {
    const md5 = file.md5 ?? (Buffer.isBuffer(file.source) ? md5Hex(file.source) : await fileMd5(file.source));
    let bytesSent = 0;
    const what = `upload ${file.identifier}/${file.name}`;
    await this.retrying(file.identifier, what, async () => {
      let sent = 0;
      const res = await exchange({
        method: "PUT",
        url: this.objectUrl(file.identifier, file.name),
        headers: { ...this.auth, ...file.headers, "content-md5": md5, "content-type": "application/octet-stream" },
        body: () => (Buffer.isBuffer(file.source) ? file.source : fs.createReadStream(file.source, { highWaterMark: MiB })),
        contentLength: file.size,
        timeouts: this.options.timeouts,
        onBodyBytes: (n) => { sent += n; bytesSent += n; this.options.onProgress?.({ name: file.name, sent, total: file.size }); },
      });
      return expectS3Success(res, what);
    });
    return { name: file.name, md5, parts: 1, bytesSent };
  }

  private async uploadInParts(file: FileUpload, path: string): Promise<UploadReport> {
    const what = `multipart upload ${file.identifier}/${file.name}`;
    const { "x-archive-queue-derive": derive, ...startHeaders } = file.headers;
    const started = await this.retrying(file.identifier, `${what} (start)`, async () =>
      expectS3Success(await exchange({ method: "POST", url: this.objectUrl(file.identifier, file.name, "?uploads"), headers: { ...this.auth, ...startHeaders }, body: () => Buffer.alloc(0), contentLength: 0, timeouts: this.options.timeouts }), `${what} (start)`));
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(started.body)?.[1];
    if (!uploadId) throw new IaError(`${what}: IA's answer to ?uploads carried no UploadId: ${started.body.slice(0, 200)}`, started.status, "NoUploadId", false);

    const count = Math.max(1, Math.ceil(file.size / this.partSize));
    // The whole-file md5 is computed beside the upload, by coreutils' md5sum in a child process at
    // low priority: on the sending thread it took 1.75 s of CPU per GiB, a worker thread's heap broke
    // the 150 MB budget (measured 211 MB), and at normal priority it took CPU from the upload itself.
    // It only has to be done when the last part is; IA's metadata API checks it at the end.
    const wholeMd5 = fileMd5(path, { background: true });
    wholeMd5.catch(() => undefined); // awaited after the parts; a failed upload must not leave it unhandled
    const etags: string[] = new Array(count);
    let bytesSent = 0;
    let progress = 0;
    const sendPart = (n: number) => {
      const start = (n - 1) * this.partSize;
      const length = Math.min(this.partSize, file.size - start);
      const partWhat = `${what} part ${n}/${count}`;
      // Parts are not hashed separately: TLS already protects each part in transit, and the
      // whole-file md5 is checked through the metadata API at the end (one md5 pass, not two).
      return this.retrying(file.identifier, partWhat, async () => {
        let sent = 0;
        try {
          const answer = await exchange({
            method: "PUT",
            url: this.objectUrl(file.identifier, file.name, `?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`),
            headers: { ...this.auth, "content-type": "application/octet-stream" },
            body: () => fs.createReadStream(path, { start, end: start + length - 1, highWaterMark: MiB }),
            contentLength: length,
            timeouts: this.options.timeouts,
            onBodyBytes: (b) => { sent += b; bytesSent += b; progress += b; this.options.onProgress?.({ name: file.name, sent: progress, total: file.size }); },
          });
          // IA creates a new item a while after it answers the multipart start, and a part sent
          // meanwhile meets 404 NoSuchBucket (internetarchive#386): that one is worth waiting out.
          if (answer.status === 404 && s3ErrorFields(answer.body).code === "NoSuchBucket") {
            throw new IaError(`${partWhat}: IA has not created item ${file.identifier} yet (404 NoSuchBucket after the multipart start)`, 404, "NoSuchBucket", true);
          }
          const res = expectS3Success(answer, partWhat);
          const etag = headerValue(res, "etag").replace(/"/g, "");
          if (!etag) throw new IaError(`${partWhat}: IA accepted the part but sent no ETag, which CompleteMultipartUpload needs`, res.status, "NoETag", false);
          etags[n - 1] = etag;
        } catch (err) {
          progress -= sent; // the part starts over; progress counts each byte of the file once
          throw err;
        }
      });
    };
    // Part 1 goes alone: on a new item it is the part that may have to wait for IA to create the
    // item, and the others should not be sent into the same 404.
    await sendPart(1);
    await inFlight(Array.from({ length: count - 1 }, (_, i) => i + 2), this.parallelParts, sendPart);
    const md5 = await wholeMd5;
    if (file.md5 && file.md5 !== md5) {
      throw new IaError(`${what}: the file on disk has md5 ${md5}, but ${file.md5} was declared; it changed on disk or the declaration is wrong`, undefined, "Md5Mismatch", false);
    }
    const manifest = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${e}"</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const body = Buffer.from(manifest);
    // Derive is queued with the completion, so IA derives once the whole file is there.
    await this.retrying(file.identifier, `${what} (complete)`, async () =>
      expectS3Success(await exchange({
        method: "POST",
        url: this.objectUrl(file.identifier, file.name, `?uploadId=${encodeURIComponent(uploadId)}`),
        headers: { ...this.auth, "content-type": "application/xml", ...(derive ? { "x-archive-queue-derive": derive } : {}) },
        body: () => body,
        contentLength: body.length,
        timeouts: this.options.timeouts,
        // IA assembles the parts before it answers: a multi-GB file takes it a while.
        minIdleTimeoutMs: 120_000,
      }), `${what} (complete)`));
    return { name: file.name, md5, parts: count, bytesSent };
  }
}

function headerValue(res: IaResponse, name: string): string {
  const v = res.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

export function md5Hex(data: Buffer): string {
  return crypto.createHash("md5").update(data).digest("hex");
}

/**
 * md5 of a file without holding it in memory: coreutils' md5sum in a child process (its own core,
 * a few MB), or a stream through node's md5 where md5sum is not installed.
 */
export async function fileMd5(path: string, options: { background?: boolean } = {}): Promise<string> {
  const md5sum = await md5sumOf(path, options.background ?? false);
  if (md5sum !== undefined) return md5sum;
  const hash = crypto.createHash("md5");
  for await (const chunk of fs.createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `md5sum -- path`, or undefined when md5sum is missing; any other failure is an error. */
function md5sumOf(path: string, background: boolean): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile("md5sum", ["--", path], { maxBuffer: 1 << 16 }, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") return resolve(undefined);
      if (err) return reject(new IaError(`md5sum ${path}: ${stderr.trim() || err.message}`, undefined, "HashFailed", false));
      const m = /^\\?([0-9a-f]{32}) /.exec(stdout);
      if (!m) return reject(new IaError(`md5sum ${path}: unexpected output ${JSON.stringify(stdout.slice(0, 80))}`, undefined, "HashFailed", false));
      resolve(m[1]);
    });
    // Background work yields the CPU to the upload it runs beside; best effort (a container may
    // forbid it, and then the hash merely competes).
    if (background && child.pid !== undefined) {
      try { os.setPriority(child.pid, 19); } catch { /* priority is an optimisation only */ }
    }
  });
}
