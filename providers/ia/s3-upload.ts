// IA's S3-like upload endpoint: a streamed single PUT for small files, multipart for large ones
// (multipart-upload.ts), and a single PUT for every file once IA has refused multipart - the reference
// calls IA's multipart unconfirmed, so the client never depends on it.
import { fileMd5, md5Hex } from "./file-md5";
import { MultipartRefused } from "./multipart-refused";
import { MultipartUpload } from "./multipart-upload";
import { expectS3Success } from "./s3-answer";
import { S3ClientOptions, S3Requests } from "./s3-requests";

export type { MultipartState, S3ClientOptions } from "./s3-requests";
export { fileMd5, md5Hex } from "./file-md5";

export const MiB = 1024 * 1024;

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
  /** Set when the file went up in one PUT because IA refused multipart: why. */
  readonly multipartRefused?: string;
}

export class IaS3Client {
  private readonly s3: S3Requests;
  private readonly multipartThreshold: number;
  /** Why IA refused multipart earlier in this run: later files go up in one PUT straight away. */
  private multipartRefused: string | undefined;

  constructor(options: S3ClientOptions) {
    const partSize = options.partSize ?? 64 * MiB;
    this.s3 = new S3Requests({ ...options, partSize, parallelParts: Math.max(1, options.parallelParts ?? 2) });
    this.multipartThreshold = options.multipartThreshold ?? 2 * partSize;
  }

  overLimit(identifier: string): Promise<boolean> {
    return this.s3.overLimit(identifier);
  }

  async upload(file: FileUpload): Promise<UploadReport> {
    await this.s3.waitForCapacity(file.identifier);
    if (typeof file.source !== "string" || file.size < this.multipartThreshold) return this.uploadWhole(file);
    if (this.multipartRefused) {
      this.s3.log(`${file.identifier}/${file.name}: sending it in one PUT (IA refused multipart earlier in this run: ${this.multipartRefused})`);
      return { ...(await this.uploadWhole(file)), multipartRefused: this.multipartRefused };
    }
    try {
      return await new MultipartUpload(this.s3, file, file.source).run();
    } catch (err) {
      if (!(err instanceof MultipartRefused)) throw err;
      this.multipartRefused = err.reason;
      this.s3.log(
        `warning: ${file.identifier}/${file.name}: IA refused multipart (${err.reason}); sending each file in one PUT, as \`ia upload\` does. Resume is unavailable on this endpoint: an interrupted file starts over`,
      );
      const whole = await this.uploadWhole(file);
      return { ...whole, bytesSent: whole.bytesSent + err.bytesSent, multipartRefused: err.reason };
    }
  }

  /** One streamed PUT with Content-MD5, retried by the policy (503 backoff, spam abort: s3-answer.ts). */
  private async uploadWhole(file: FileUpload): Promise<UploadReport> {
    const md5 = file.md5 ?? (Buffer.isBuffer(file.source) ? md5Hex(file.source) : await fileMd5(file.source));
    let bytesSent = 0;
    await this.s3.retrying(file.identifier, `upload ${file.identifier}/${file.name}`, async () => {
      let sent = 0;
      const res = await this.s3.once(file.identifier, file.name, {
        method: "PUT",
        headers: { ...file.headers, "content-md5": md5, "content-type": "application/octet-stream" },
        body: () => (Buffer.isBuffer(file.source) ? file.source : { path: file.source, start: 0, length: file.size, buffers: this.s3.buffers }),
        contentLength: file.size,
        onBodyBytes: (n) => {
          sent += n;
          bytesSent += n;
          this.s3.options.onProgress?.({ name: file.name, sent, total: file.size });
        },
      });
      return expectS3Success(res, `upload ${file.identifier}/${file.name}`);
    });
    return { name: file.name, md5, parts: 1, bytesSent };
  }
}
