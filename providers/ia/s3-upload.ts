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
import { ChunkBuffers, exchange, IaResponse } from "./http-exchange";
import { DEFAULT_RETRY_POLICY, retryDelayMs, RetryPolicy, sleep, withRetries } from "./retry-policy";
import { expectS3Success, s3ErrorFields } from "./s3-answer";
import { inFlight } from "./in-flight";
import { journalPath, readJournal, removeJournal, writeJournal } from "./upload-journal";

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
  /**
   * Where multipart journals live (upload-journal.ts): a folder, undefined for beside the file,
   * false for none (the upload then cannot resume in another process).
   */
  readonly journalDir?: string | false;
  /** The state of the multipart upload in progress, after every part: what an interrupt reports. */
  readonly onUploadState?: (state: MultipartState) => void;
}

export interface MultipartState {
  readonly identifier: string;
  readonly name: string;
  readonly uploadId: string;
  readonly parts: number;
  readonly done: number;
  /** The journal that lets a rerun resume, when one is kept. */
  readonly journal?: string;
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
  /** Parts an earlier, interrupted run had already sent (found through the journal and ListParts). */
  readonly resumedParts?: number;
}

export class IaS3Client {
  private readonly retry: RetryPolicy;
  private readonly partSize: number;
  private readonly multipartThreshold: number;
  private readonly parallelParts: number;
  private readonly buffers = new ChunkBuffers();

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
        body: () => (Buffer.isBuffer(file.source) ? file.source : { path: file.source, start: 0, length: file.size, buffers: this.buffers }),
        contentLength: file.size,
        timeouts: this.options.timeouts,
        onBodyBytes: (n) => { sent += n; bytesSent += n; this.options.onProgress?.({ name: file.name, sent, total: file.size }); },
      });
      return expectS3Success(res, what);
    });
    return { name: file.name, md5, parts: 1, bytesSent };
  }

  private partLength(file: FileUpload, n: number): number {
    return Math.min(this.partSize, file.size - (n - 1) * this.partSize);
  }

  /** The parts IA holds for an open upload (ListParts), or undefined when IA no longer knows it. */
  async listParts(identifier: string, name: string, uploadId: string): Promise<Map<number, { etag: string; size: number }> | undefined> {
    const parts = new Map<number, { etag: string; size: number }>();
    let marker = 0;
    for (;;) {
      const what = `list parts of ${identifier}/${name} (upload ${uploadId})`;
      const query = `?uploadId=${encodeURIComponent(uploadId)}${marker > 0 ? `&part-number-marker=${marker}` : ""}`;
      const res = await this.retrying(identifier, what, async () => {
        const answer = await exchange({ method: "GET", url: this.objectUrl(identifier, name, query), headers: this.auth, timeouts: this.options.timeouts });
        if (answer.status === 404 && s3ErrorFields(answer.body).code === "NoSuchUpload") return undefined;
        return expectS3Success(answer, what);
      });
      if (!res) return undefined;
      for (const m of res.body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
        const n = Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]);
        const etag = (/<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1] ?? "").replace(/&quot;|"/g, "");
        const size = Number(/<Size>(\d+)<\/Size>/.exec(m[1])?.[1]);
        if (n > 0 && etag) parts.set(n, { etag, size });
      }
      if (!/<IsTruncated>true<\/IsTruncated>/.test(res.body)) return parts;
      const next = Number(/<NextPartNumberMarker>(\d+)<\/NextPartNumberMarker>/.exec(res.body)?.[1]);
      if (!(next > marker)) return parts;
      marker = next;
    }
  }

  /** Aborts an upload that can no longer be completed, so IA does not keep its parts; best effort. */
  async abortUpload(identifier: string, name: string, uploadId: string): Promise<void> {
    try {
      const res = await exchange({ method: "DELETE", url: this.objectUrl(identifier, name, `?uploadId=${encodeURIComponent(uploadId)}`), headers: this.auth, timeouts: this.options.timeouts });
      if ((res.status < 200 || res.status >= 300) && res.status !== 404) this.options.log?.(`${identifier}/${name}: could not abort upload ${uploadId} (HTTP ${res.status}); IA discards unfinished uploads eventually`);
    } catch (err) {
      this.options.log?.(`${identifier}/${name}: could not abort upload ${uploadId} (${(err as Error).message}); IA discards unfinished uploads eventually`);
    }
  }

  /**
   * An upload an earlier run left open for this very file (same size, mtime and part size), with the
   * parts IA holds of the right length; an upload that cannot be resumed is aborted and forgotten.
   */
  private async resumable(file: FileUpload, journalFile: string | undefined, stat: fs.Stats): Promise<{ uploadId: string; done: Map<number, string> } | undefined> {
    if (!journalFile) return undefined;
    const j = readJournal(journalFile);
    if (!j || j.s3Url !== this.options.endpoints.s3Url || j.identifier !== file.identifier || j.name !== file.name) return undefined;
    if (j.size !== stat.size || j.mtimeMs !== stat.mtimeMs || j.partSize !== this.partSize) {
      this.options.log?.(`${file.identifier}/${file.name}: the file or the part size changed since upload ${j.uploadId} started; aborting it and starting over`);
      await this.abortUpload(file.identifier, file.name, j.uploadId);
      removeJournal(journalFile);
      return undefined;
    }
    const held = await this.listParts(file.identifier, file.name, j.uploadId);
    if (!held) {
      this.options.log?.(`${file.identifier}/${file.name}: IA no longer has upload ${j.uploadId}; starting over`);
      removeJournal(journalFile);
      return undefined;
    }
    const done = new Map<number, string>();
    for (const [n, p] of held) if (p.size === this.partLength(file, n)) done.set(n, p.etag);
    return { uploadId: j.uploadId, done };
  }

  private async uploadInParts(file: FileUpload, path: string): Promise<UploadReport> {
    const what = `multipart upload ${file.identifier}/${file.name}`;
    const stat = fs.statSync(path);
    const journalFile = this.options.journalDir === false ? undefined : journalPath(path, file.identifier, this.options.journalDir);
    const count = Math.max(1, Math.ceil(file.size / this.partSize));
    const resumed = await this.resumable(file, journalFile, stat);
    let uploadId: string;
    if (resumed) {
      uploadId = resumed.uploadId;
      this.options.log?.(`${what}: resuming upload ${uploadId}: IA holds ${resumed.done.size} of ${count} parts, sending the other ${count - resumed.done.size}`);
    } else {
      const { "x-archive-queue-derive": _derive, ...startHeaders } = file.headers;
      const started = await this.retrying(file.identifier, `${what} (start)`, async () =>
        expectS3Success(await exchange({ method: "POST", url: this.objectUrl(file.identifier, file.name, "?uploads"), headers: { ...this.auth, ...startHeaders }, body: () => Buffer.alloc(0), contentLength: 0, timeouts: this.options.timeouts }), `${what} (start)`));
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(started.body)?.[1];
      if (!id) throw new IaError(`${what}: IA's answer to ?uploads carried no UploadId: ${started.body.slice(0, 200)}`, started.status, "NoUploadId", false);
      uploadId = id;
    }
    const derive = file.headers["x-archive-queue-derive"];
    const etags: string[] = new Array(count);
    for (const [n, etag] of resumed?.done ?? []) etags[n - 1] = etag;
    let journalOk = journalFile !== undefined;
    const record = () => {
      const parts = Object.fromEntries(etags.flatMap((e, i) => (e ? [[String(i + 1), e]] : [])));
      if (journalOk) {
        try {
          writeJournal(journalFile!, { version: 1, s3Url: this.options.endpoints.s3Url, identifier: file.identifier, name: file.name, size: stat.size, mtimeMs: stat.mtimeMs, partSize: this.partSize, uploadId, parts });
        } catch (err) {
          journalOk = false;
          this.options.log?.(`warning: ${what}: cannot write the resume journal ${journalFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); an interrupted upload will start over`);
        }
      }
      this.options.onUploadState?.({ identifier: file.identifier, name: file.name, uploadId, parts: count, done: Object.keys(parts).length, journal: journalOk ? journalFile : undefined });
    };
    record();
    /** IA refused something for good: the upload can never be completed, so abort it and forget it. */
    const giveUp = async (err: unknown): Promise<never> => {
      const final = err instanceof IaError && !err.retryable && !isTransientGiveUp(err);
      if (final) {
        await this.abortUpload(file.identifier, file.name, uploadId);
        if (journalFile) removeJournal(journalFile);
        throw err;
      }
      const done = etags.filter(Boolean).length;
      if (err instanceof IaError && journalOk) {
        throw new IaError(`${err.message} (${done} of ${count} parts are on IA; a rerun resumes upload ${uploadId} and sends only the missing parts)`, err.status, err.code, err.retryable, err.retryAfterMs);
      }
      throw err;
    };

    // The whole-file md5 is computed beside the upload, by coreutils' md5sum in a child process at
    // low priority: on the sending thread it took 1.75 s of CPU per GiB, and a worker thread's heap
    // alone broke the memory budget (211 MB measured; publish-iso peaks at 60 MB now). Low priority
    // puts the upload first on a shared machine; on an idle one it made no measurable difference.
    // It only has to be done when the last part is; IA's metadata API checks it at the end.
    const wholeMd5 = fileMd5(path, { background: true });
    wholeMd5.catch(() => undefined); // awaited after the parts; a failed upload must not leave it unhandled
    let bytesSent = 0;
    let progress = [...(resumed?.done.keys() ?? [])].reduce((sum, n) => sum + this.partLength(file, n), 0);
    const sendPart = (n: number) => {
      const start = (n - 1) * this.partSize;
      const length = this.partLength(file, n);
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
            body: () => ({ path, start, length, buffers: this.buffers }),
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
          record();
        } catch (err) {
          progress -= sent; // the part starts over; progress counts each byte of the file once
          throw err;
        }
      });
    };
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !etags[n - 1]);
    try {
      // Part 1 goes alone: on a new item it is the part that may have to wait for IA to create the
      // item, and the others should not be sent into the same 404.
      if (missing[0] === 1) await sendPart(1);
      await inFlight(missing.filter((n) => n !== 1), this.parallelParts, sendPart);
    } catch (err) {
      return giveUp(err);
    }
    const md5 = await wholeMd5;
    if (file.md5 && file.md5 !== md5) {
      return giveUp(new IaError(`${what}: the file on disk has md5 ${md5}, but ${file.md5} was declared; it changed on disk or the declaration is wrong`, undefined, "Md5Mismatch", false));
    }
    const manifest = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${e}"</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const body = Buffer.from(manifest);
    // Derive is queued with the completion, so IA derives once the whole file is there.
    try {
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
    } catch (err) {
      return giveUp(err);
    }
    if (journalFile) removeJournal(journalFile);
    return { name: file.name, md5, parts: count, bytesSent, resumedParts: resumed?.done.size ?? 0 };
  }
}

/** A give-up after the retries ran out (busy, unreachable): the upload can still be resumed later. */
function isTransientGiveUp(err: IaError): boolean {
  return err.status === 503 || err.status === 429 || (err.status !== undefined && err.status >= 500) ||
    ["ConnectionRefused", "ConnectTimeout", "ReadTimeout", "HostUnreachable", "ConnectionDropped", "NetworkFailure", "NoSuchBucket", "HostNotFound", "TlsFailed"].includes(err.code);
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
