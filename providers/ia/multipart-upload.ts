// A large file to IA in parts. Handbook 11.2: multi-GB ISO uploads 503 routinely and `ia` restarts
// a failed file from byte 0; here a failure re-sends only the part that failed, and a rerun resumes
// through the journal. Resume is an optimisation that may only save bytes: every way it can fail
// (IA cannot list parts, forgot the upload, refuses the journal's parts) ends in "start over", said
// in one line; an IA that refuses multipart altogether gets MultipartRefused (the client then
// sends one PUT, as `ia upload` does).
import * as fs from "node:fs";
import * as path from "node:path";
import { fileMd5 } from "./file-md5";
import { IaError } from "./ia-error";
import { inFlight } from "./in-flight";
import { listParts } from "./list-parts";
import { headerValue, S3Requests } from "./s3-requests";
import { expectS3Success, s3ErrorFields } from "./s3-answer";
import { JournalWriter, journalPath, readJournal, removeJournal, UploadJournal } from "./upload-journal";
import type { FileUpload, UploadReport } from "./s3-upload";

/** IA does not do multipart here (or not for this file): the caller falls back to a single PUT. */
export class MultipartRefused extends Error {
  constructor(
    readonly reason: string,
    readonly bytesSent: number,
  ) {
    super(reason);
  }
}

/** An upload to send the missing parts of: a new one, or one an earlier run left open. */
interface OpenUpload {
  readonly uploadId: string;
  /** Part number -> ETag of the parts already on IA. */
  readonly done: ReadonlyMap<number, string>;
  /** Where `done` came from: IA's ListParts, the journal alone (IA could not list), or nothing yet. */
  readonly source: "listed" | "journal" | "new";
}

/** What one pass over an open upload came to. */
type Outcome = { readonly report: UploadReport } | { readonly startOver: string };

export class MultipartUpload {
  private readonly what: string;
  private readonly stat: fs.Stats;
  private readonly journalFile: string | undefined;
  private readonly count: number;
  private readonly partSize: number;
  private readonly wholeMd5: Promise<string>;
  /** Bytes on the wire for this file, both passes and re-sent bytes included. */
  private bytesSent = 0;

  constructor(
    private readonly s3: S3Requests,
    private readonly file: FileUpload,
    private readonly path: string,
  ) {
    this.what = `multipart upload ${file.identifier}/${file.name}`;
    this.stat = fs.statSync(path);
    this.partSize = s3.options.partSize!;
    const dir = s3.options.journalDir;
    this.journalFile = dir === false ? undefined : journalPath(path, file.identifier, dir);
    this.count = Math.max(1, Math.ceil(file.size / this.partSize));
    // The whole-file md5 is computed beside the upload, by coreutils' md5sum in a child process at
    // low priority: on the sending thread it took 1.75 s of CPU per GiB, and a worker thread's heap
    // alone broke the memory budget (211 MB measured; publish-iso peaks at 60 MB now). It only has
    // to be done when the last part is; IA's metadata API checks it at the end.
    this.wholeMd5 = fileMd5(path, { background: true });
    this.wholeMd5.catch(() => undefined); // awaited after the parts; a failed upload must not leave it unhandled
  }

  async run(): Promise<UploadReport> {
    const resumed = await this.resumable();
    if (resumed) {
      const from =
        resumed.source === "listed"
          ? `IA holds ${resumed.done.size} of ${this.count} parts`
          : `the journal lists ${resumed.done.size} of ${this.count} parts as confirmed`;
      this.s3.log(`${this.what}: resuming upload ${resumed.uploadId}: ${from}, sending the other ${this.count - resumed.done.size}`);
      const outcome = await this.pass(resumed);
      if ("report" in outcome) return outcome.report;
      this.s3.log(`${this.what}: ${outcome.startOver}; starting over with a new upload`);
      await this.abort(resumed.uploadId);
      this.forgetJournal();
    }
    const outcome = await this.pass({ uploadId: await this.start(), done: new Map(), source: "new" });
    if ("report" in outcome) return outcome.report;
    this.forgetJournal();
    throw new IaError(`${this.what}: ${outcome.startOver}. Rerun the same command: it starts this file over`, undefined, "UploadGone", false);
  }

  /** An upload an earlier run left open for this very file, or undefined to start a new one. */
  private async resumable(): Promise<OpenUpload | undefined> {
    if (!this.journalFile) return undefined;
    const { identifier, name } = this.file;
    const read = readJournal(this.journalFile, { s3Url: this.s3.options.endpoints.s3Url, identifier, name, path: path.resolve(this.path) });
    if (read.state === "absent") return undefined;
    if (read.state === "ignored") {
      this.s3.log(`warning: ${identifier}/${name}: ignoring the resume journal ${this.journalFile}: ${read.reason}; this file starts over`);
      return undefined;
    }
    const j = read.journal;
    if (j.size !== this.stat.size || j.mtimeMs !== this.stat.mtimeMs || j.partSize !== this.partSize) {
      this.s3.log(`${identifier}/${name}: the file or the part size changed since upload ${j.uploadId} started; aborting it and starting over`);
      await this.abort(j.uploadId);
      this.forgetJournal();
      return undefined;
    }
    const listed = await listParts(this.s3, identifier, name, j.uploadId);
    if (listed.kind === "gone") {
      this.s3.log(`${identifier}/${name}: IA no longer has upload ${j.uploadId}; starting over`);
      this.forgetJournal();
      return undefined;
    }
    if (listed.kind === "unavailable") {
      this.s3.log(
        `${identifier}/${name}: IA cannot list the parts of upload ${j.uploadId} (${listed.why}); trusting the journal's parts, and starting over if IA refuses them`,
      );
      const done = new Map(
        Object.entries(j.parts)
          .map(([n, etag]) => [Number(n), etag] as const)
          .filter(([n]) => n >= 1 && n <= this.count),
      );
      return { uploadId: j.uploadId, done, source: "journal" };
    }
    const done = new Map<number, string>();
    for (const [n, p] of listed.parts) if (n <= this.count && p.size === this.partLength(n)) done.set(n, p.etag);
    return { uploadId: j.uploadId, done, source: "listed" };
  }

  /** POST ?uploads. Any refusal other than bad keys or a busy IA means no multipart here. */
  private async start(): Promise<string> {
    const { "x-archive-queue-derive": _derive, ...startHeaders } = this.file.headers;
    const what = `${this.what} (start)`;
    let body: string;
    try {
      body = (
        await this.s3.send(this.file.identifier, this.file.name, what, {
          method: "POST",
          query: "?uploads",
          headers: startHeaders,
          body: () => Buffer.alloc(0),
          contentLength: 0,
        })
      ).body;
    } catch (err) {
      if (err instanceof IaError && refusedStatus(err.status))
        throw new MultipartRefused(`POST ?uploads answered HTTP ${(err as IaError).status}`, this.bytesSent);
      throw err;
    }
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(body)?.[1];
    if (!id) throw new MultipartRefused(`POST ?uploads carried no UploadId: ${JSON.stringify(body.slice(0, 80))}`, this.bytesSent);
    return id;
  }

  /** Sends the parts `upload` lacks and completes it. */
  private async pass(upload: OpenUpload): Promise<Outcome> {
    const etags: string[] = new Array(this.count);
    for (const [n, etag] of upload.done) etags[n - 1] = etag;
    const journal = new JournalWriter(this.journalFile, this.journalBase(upload.uploadId), this.count, this.s3.options.onUploadState, (m) =>
      this.s3.log(`warning: ${this.what}: ${m}`),
    );
    journal.record(etags);
    const missing = Array.from({ length: this.count }, (_, i) => i + 1).filter((n) => !etags[n - 1]);
    let progress = [...upload.done.keys()].reduce((sum, n) => sum + this.partLength(n), 0);
    const sendPart = (n: number) =>
      this.sendPart(upload, n, (b) => {
        progress += b;
        this.s3.options.onProgress?.({ name: this.file.name, sent: progress, total: this.file.size });
      }).then((etag) => {
        etags[n - 1] = etag;
        journal.record(etags);
      });
    try {
      // Part 1 goes alone: on a new item it is the part that may have to wait for IA to create the
      // item, and the others should not be sent into the same 404.
      if (missing[0] === 1) await sendPart(1);
      await inFlight(
        missing.filter((n) => n !== 1),
        this.s3.options.parallelParts!,
        sendPart,
      );
    } catch (err) {
      if (upload.source !== "new" && err instanceof IaError && err.status === 404)
        return { startOver: `IA no longer has upload ${upload.uploadId} (${err.message})` };
      return this.giveUp(err, upload.uploadId, etags, journal.ok);
    }
    const md5 = await this.wholeMd5;
    if (this.file.md5 && this.file.md5 !== md5) {
      return this.giveUp(
        new IaError(
          `${this.what}: the file on disk has md5 ${md5}, but ${this.file.md5} was declared; it changed on disk or the declaration is wrong`,
          undefined,
          "Md5Mismatch",
          false,
        ),
        upload.uploadId,
        etags,
        journal.ok,
      );
    }
    try {
      await this.complete(upload.uploadId, etags);
    } catch (err) {
      // Only IA can say whether parts the journal alone vouched for are whole: a refusal means start over.
      if (
        upload.source !== "new" &&
        err instanceof IaError &&
        err.status !== undefined &&
        err.status >= 400 &&
        err.status < 500 &&
        err.status !== 403 &&
        err.status !== 429
      ) {
        return { startOver: `IA did not accept the parts of upload ${upload.uploadId} (${err.message})` };
      }
      return this.giveUp(err, upload.uploadId, etags, journal.ok);
    }
    this.forgetJournal();
    return { report: { name: this.file.name, md5, parts: this.count, bytesSent: this.bytesSent, resumedParts: upload.done.size } };
  }

  private async sendPart(upload: OpenUpload, n: number, onProgress: (bytes: number) => void): Promise<string> {
    const start = (n - 1) * this.partSize;
    const length = this.partLength(n);
    const partWhat = `${this.what} part ${n}/${this.count}`;
    // Parts are not hashed separately: TLS already protects each part in transit, and the
    // whole-file md5 is checked through the metadata API at the end (one md5 pass, not two).
    return this.s3.retrying(this.file.identifier, partWhat, async () => {
      let sent = 0;
      try {
        const answer = await this.s3.once(this.file.identifier, this.file.name, {
          method: "PUT",
          query: `?partNumber=${n}&uploadId=${encodeURIComponent(upload.uploadId)}`,
          headers: { "content-type": "application/octet-stream" },
          body: () => ({ path: this.path, start, length, buffers: this.s3.buffers }),
          contentLength: length,
          onBodyBytes: (b) => {
            sent += b;
            this.bytesSent += b;
            onProgress(b);
          },
        });
        // IA creates a new item a while after it answers the multipart start, and a part sent
        // meanwhile meets 404 NoSuchBucket (internetarchive#386): that one is worth waiting out. An
        // IA that sends no <Code> gets the benefit of the doubt on a new upload only.
        const code = s3ErrorFields(answer.body).code;
        if (answer.status === 404 && (code === "NoSuchBucket" || (code === "" && upload.source === "new"))) {
          throw new IaError(
            `${partWhat}: IA has not created item ${this.file.identifier} yet (404${code ? ` ${code}` : ""} after the multipart start)`,
            404,
            "NoSuchBucket",
            true,
          );
        }
        if (refusedStatus(answer.status)) throw new MultipartRefused(`part ${n} answered HTTP ${answer.status}${code ? ` ${code}` : ""}`, this.bytesSent);
        const res = expectS3Success(answer, partWhat);
        const etag = headerValue(res, "etag").replace(/"/g, "");
        if (!etag) throw new MultipartRefused(`part ${n} was accepted without the ETag that CompleteMultipartUpload needs`, this.bytesSent);
        return etag;
      } catch (err) {
        onProgress(-sent); // the part starts over; progress counts each byte of the file once
        throw err;
      }
    });
  }

  private async complete(uploadId: string, etags: readonly string[]): Promise<void> {
    const manifest = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${e}"</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const body = Buffer.from(manifest);
    const derive = this.file.headers["x-archive-queue-derive"];
    // Derive is queued with the completion, so IA derives once the whole file is there.
    await this.s3.send(this.file.identifier, this.file.name, `${this.what} (complete)`, {
      method: "POST",
      query: `?uploadId=${encodeURIComponent(uploadId)}`,
      headers: { "content-type": "application/xml", ...(derive ? { "x-archive-queue-derive": derive } : {}) },
      body: () => body,
      contentLength: body.length,
      // IA assembles the parts before it answers: a multi-GB file takes it a while.
      minIdleTimeoutMs: 120_000,
    });
  }

  /** IA refused something for good: abort and forget the upload. A transient give-up keeps it for a rerun. */
  private async giveUp(err: unknown, uploadId: string, etags: readonly string[], journalKept: boolean): Promise<never> {
    if (err instanceof MultipartRefused) {
      await this.abort(uploadId);
      this.forgetJournal();
      throw new MultipartRefused(err.reason, this.bytesSent);
    }
    if (err instanceof IaError && !err.retryable && !isTransientGiveUp(err)) {
      await this.abort(uploadId);
      this.forgetJournal();
      throw err;
    }
    const done = etags.filter(Boolean).length;
    if (err instanceof IaError && journalKept) {
      throw new IaError(
        `${err.message} (${done} of ${this.count} parts are on IA; a rerun resumes upload ${uploadId} and sends only the missing parts)`,
        err.status,
        err.code,
        err.retryable,
        err.retryAfterMs,
      );
    }
    throw err;
  }

  /** Aborts an upload that can no longer be completed, so IA does not keep its parts; best effort. */
  async abort(uploadId: string): Promise<void> {
    const { identifier, name } = this.file;
    try {
      const res = await this.s3.once(identifier, name, { method: "DELETE", query: `?uploadId=${encodeURIComponent(uploadId)}` });
      if ((res.status < 200 || res.status >= 300) && res.status !== 404)
        this.s3.log(`${identifier}/${name}: could not abort upload ${uploadId} (HTTP ${res.status}); IA discards unfinished uploads eventually`);
    } catch (err) {
      this.s3.log(`${identifier}/${name}: could not abort upload ${uploadId} (${(err as Error).message}); IA discards unfinished uploads eventually`);
    }
  }

  private forgetJournal(): void {
    if (this.journalFile) removeJournal(this.journalFile);
  }

  partLength(n: number): number {
    return Math.min(this.partSize, this.file.size - (n - 1) * this.partSize);
  }

  private journalBase(uploadId: string): Omit<UploadJournal, "parts"> {
    const { identifier, name } = this.file;
    return {
      version: 2,
      s3Url: this.s3.options.endpoints.s3Url,
      identifier,
      name,
      path: path.resolve(this.path),
      size: this.stat.size,
      mtimeMs: this.stat.mtimeMs,
      partSize: this.partSize,
      uploadId,
    };
  }
}

/**
 * A status that says IA does not take this request here (4xx other than bad keys, a missing item
 * or upload, or "busy"; 501), as opposed to one a retry or a rerun can get past.
 */
function refusedStatus(status: number | undefined): boolean {
  if (status === undefined) return false;
  return status === 501 || (status >= 400 && status < 500 && ![401, 403, 404, 408, 429].includes(status));
}

/** A give-up after the retries ran out (busy, unreachable): the upload can still be resumed later. */
function isTransientGiveUp(err: IaError): boolean {
  return (
    err.status === 503 ||
    err.status === 429 ||
    (err.status !== undefined && err.status >= 500) ||
    [
      "ConnectionRefused",
      "ConnectTimeout",
      "ReadTimeout",
      "HostUnreachable",
      "ConnectionDropped",
      "NetworkFailure",
      "NoSuchBucket",
      "HostNotFound",
      "TlsFailed",
    ].includes(err.code)
  );
}
