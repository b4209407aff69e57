// A large file to IA in parts. Handbook 11.2: multi-GB ISO uploads 503 routinely and `ia` restarts
// a failed file from byte 0; here a failure re-sends only the part that failed, and a rerun resumes
// through the journal. Resume is an optimisation that may only save bytes: every way it can fail
// (IA cannot list parts, forgot the upload, refuses the journal's parts) ends in "start over", said
// in one line; an IA that refuses multipart altogether gets MultipartRefused (the client then
// sends one PUT, as `ia upload` does). The requests themselves are in multipart-requests.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileMd5 } from "./file-md5";
import { IaError } from "./ia-error";
import { inFlight } from "./in-flight";
import { listParts } from "./list-parts";
import { MultipartRefused } from "./multipart-refused";
import { MultipartRequests, OpenUpload } from "./multipart-requests";
import { S3Requests } from "./s3-requests";
import { JournalWriter, journalPath, readJournal, removeJournal, UploadJournal } from "./upload-journal";
import type { FileUpload, UploadReport } from "./s3-upload";

/** What one pass over an open upload came to. */
type Outcome = { readonly report: UploadReport } | { readonly startOver: string };

export class MultipartUpload {
  private readonly requests: MultipartRequests;
  private readonly what: string;
  private readonly stat: fs.Stats;
  private readonly journalFile: string | undefined;
  private readonly count: number;
  private readonly wholeMd5: Promise<string>;

  constructor(
    private readonly s3: S3Requests,
    private readonly file: FileUpload,
    private readonly path: string,
  ) {
    this.requests = new MultipartRequests(s3, file, path);
    this.what = this.requests.what;
    this.count = this.requests.count;
    this.stat = fs.statSync(path);
    const dir = s3.options.journalDir;
    this.journalFile = dir === false ? undefined : journalPath(path, file.identifier, dir);
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
      await this.requests.abort(resumed.uploadId);
      this.forgetJournal();
    }
    const outcome = await this.pass({ uploadId: await this.requests.start(), done: new Map(), source: "new" });
    if ("report" in outcome) return outcome.report;
    this.forgetJournal();
    throw new IaError(`${this.what}: ${outcome.startOver}. Rerun the same command: it starts this file over`, "UploadGone");
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
    if (j.size !== this.stat.size || j.mtimeMs !== this.stat.mtimeMs || j.partSize !== this.requests.partSize) {
      this.s3.log(`${identifier}/${name}: the file or the part size changed since upload ${j.uploadId} started; aborting it and starting over`);
      await this.requests.abort(j.uploadId);
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
    for (const [n, p] of listed.parts) if (n <= this.count && p.size === this.requests.partLength(n)) done.set(n, p.etag);
    return { uploadId: j.uploadId, done, source: "listed" };
  }

  /** Sends the parts `upload` lacks and completes it. */
  private async pass(upload: OpenUpload): Promise<Outcome> {
    const etags: string[] = new Array(this.count);
    for (const [n, etag] of upload.done) etags[n - 1] = etag;
    const journal = new JournalWriter(this.journalFile, this.journalBase(upload.uploadId), this.count, this.s3.options.onUploadState, (m) =>
      this.s3.log(`warning: ${this.what}: ${m}`),
    );
    journal.record(etags);
    try {
      await this.sendMissing(upload, etags, journal);
    } catch (err) {
      if (upload.source !== "new" && err instanceof IaError && err.status === 404)
        return { startOver: `IA no longer has upload ${upload.uploadId} (${err.message})` };
      return this.giveUp(err, upload.uploadId, etags, journal.ok);
    }
    return this.finish(upload, etags, journal.ok);
  }

  /** The parts missing from `etags`, each ETag recorded in it and in the journal as IA confirms it. */
  private async sendMissing(upload: OpenUpload, etags: string[], journal: JournalWriter): Promise<void> {
    const missing = Array.from({ length: this.count }, (_, i) => i + 1).filter((n) => !etags[n - 1]);
    let progress = [...upload.done.keys()].reduce((sum, n) => sum + this.requests.partLength(n), 0);
    const sendPart = (n: number) =>
      this.requests
        .sendPart(upload, n, (b) => {
          progress += b;
          this.s3.options.onProgress?.({ name: this.file.name, sent: progress, total: this.file.size });
        })
        .then((etag) => {
          etags[n - 1] = etag;
          journal.record(etags);
        });
    // Part 1 goes alone: on a new item it is the part that may have to wait for IA to create the
    // item, and the others should not be sent into the same 404.
    if (missing[0] === 1) await sendPart(1);
    await inFlight(
      missing.filter((n) => n !== 1),
      this.s3.options.parallelParts!,
      sendPart,
    );
  }

  /** Every part is on IA: checks the whole file's md5 against the declared one and completes the upload. */
  private async finish(upload: OpenUpload, etags: readonly string[], journalKept: boolean): Promise<Outcome> {
    const md5 = await this.wholeMd5;
    if (this.file.md5 && this.file.md5 !== md5) {
      const declared = `the file on disk has md5 ${md5}, but ${this.file.md5} was declared; it changed on disk or the declaration is wrong`;
      return this.giveUp(new IaError(`${this.what}: ${declared}`, "Md5Mismatch"), upload.uploadId, etags, journalKept);
    }
    try {
      await this.requests.complete(upload.uploadId, etags);
    } catch (err) {
      // Only IA can say whether parts the journal alone vouched for are whole: a refusal means start over.
      const status = err instanceof IaError ? err.status : undefined;
      if (upload.source !== "new" && status !== undefined && status >= 400 && status < 500 && status !== 403 && status !== 429) {
        return { startOver: `IA did not accept the parts of upload ${upload.uploadId} (${(err as IaError).message})` };
      }
      return this.giveUp(err, upload.uploadId, etags, journalKept);
    }
    this.forgetJournal();
    return { report: { name: this.file.name, md5, parts: this.count, bytesSent: this.requests.bytesSent, resumedParts: upload.done.size } };
  }

  /** IA refused something for good: abort and forget the upload. A transient give-up keeps it for a rerun. */
  private async giveUp(err: unknown, uploadId: string, etags: readonly string[], journalKept: boolean): Promise<never> {
    if (err instanceof MultipartRefused) {
      await this.requests.abort(uploadId);
      this.forgetJournal();
      throw new MultipartRefused(err.reason, this.requests.bytesSent);
    }
    if (err instanceof IaError && !err.retryable && !err.transient) {
      await this.requests.abort(uploadId);
      this.forgetJournal();
      throw err;
    }
    const done = etags.filter(Boolean).length;
    if (err instanceof IaError && journalKept) {
      const resumable = `${done} of ${this.count} parts are on IA; a rerun resumes upload ${uploadId} and sends only the missing parts`;
      throw new IaError(`${err.message} (${resumable})`, err.code, err);
    }
    throw err;
  }

  private forgetJournal(): void {
    if (this.journalFile) removeJournal(this.journalFile);
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
      partSize: this.requests.partSize,
      uploadId,
    };
  }
}
