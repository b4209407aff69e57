// The four requests of S3's multipart protocol for one file, as IA answers them: start (POST
// ?uploads), a part (PUT ?partNumber), complete and abort. Each turns IA's answer into what the
// upload acts on: a refusal of multipart (MultipartRefused), an item IA has not created yet (worth
// waiting out), or IA's own error.
import { IaResponse } from "./http-exchange";
import { IaError } from "./ia-error";
import { MultipartRefused, refusedStatus } from "./multipart-refused";
import { expectS3Success, s3ErrorFields } from "./s3-answer";
import { headerValue, S3Requests } from "./s3-requests";
import type { FileUpload } from "./s3-upload";

/** An upload to send the missing parts of: a new one, or one an earlier run left open. */
export interface OpenUpload {
  readonly uploadId: string;
  /** Part number -> ETag of the parts already on IA. */
  readonly done: ReadonlyMap<number, string>;
  /** Where `done` came from: IA's ListParts, the journal alone (IA could not list), or nothing yet. */
  readonly source: "listed" | "journal" | "new";
}

export class MultipartRequests {
  readonly what: string;
  readonly partSize: number;
  readonly count: number;
  /** Bytes on the wire for this file, every pass and re-sent bytes included. */
  bytesSent = 0;

  constructor(
    readonly s3: S3Requests,
    readonly file: FileUpload,
    readonly path: string,
  ) {
    this.what = `multipart upload ${file.identifier}/${file.name}`;
    this.partSize = s3.options.partSize!;
    this.count = Math.max(1, Math.ceil(file.size / this.partSize));
  }

  partLength(n: number): number {
    return Math.min(this.partSize, this.file.size - (n - 1) * this.partSize);
  }

  /** POST ?uploads. Any refusal other than bad keys or a busy IA means no multipart here. */
  async start(): Promise<string> {
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
      if (err instanceof IaError && refusedStatus(err.status)) throw new MultipartRefused(`POST ?uploads answered HTTP ${err.status}`, this.bytesSent);
      throw err;
    }
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(body)?.[1];
    if (!id) throw new MultipartRefused(`POST ?uploads carried no UploadId: ${JSON.stringify(body.slice(0, 80))}`, this.bytesSent);
    return id;
  }

  /** Part `n`, retried by the policy; its ETag. `onProgress` gets every byte sent, and minus those of an attempt that failed. */
  sendPart(upload: OpenUpload, n: number, onProgress: (bytes: number) => void): Promise<string> {
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
        return this.partEtag(upload, n, partWhat, answer);
      } catch (err) {
        onProgress(-sent); // the part starts over; progress counts each byte of the file once
        throw err;
      }
    });
  }

  private partEtag(upload: OpenUpload, n: number, partWhat: string, answer: IaResponse): string {
    // IA creates a new item a while after it answers the multipart start, and a part sent
    // meanwhile meets 404 NoSuchBucket (internetarchive#386): that one is worth waiting out. An
    // IA that sends no <Code> gets the benefit of the doubt on a new upload only.
    const code = s3ErrorFields(answer.body).code;
    if (answer.status === 404 && (code === "NoSuchBucket" || (code === "" && upload.source === "new"))) {
      throw new IaError(
        `${partWhat}: IA has not created item ${this.file.identifier} yet (404${code ? ` ${code}` : ""} after the multipart start)`,
        "ItemNotCreatedYet",
        { status: 404, s3Code: code || undefined },
      );
    }
    if (refusedStatus(answer.status)) throw new MultipartRefused(`part ${n} answered HTTP ${answer.status}${code ? ` ${code}` : ""}`, this.bytesSent);
    const res = expectS3Success(answer, partWhat);
    const etag = headerValue(res, "etag").replace(/"/g, "");
    if (!etag) throw new MultipartRefused(`part ${n} was accepted without the ETag that CompleteMultipartUpload needs`, this.bytesSent);
    return etag;
  }

  async complete(uploadId: string, etags: readonly string[]): Promise<void> {
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
}
