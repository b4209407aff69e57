// One HTTP request to IA with a replayable, streamed body. Redirects are followed here rather than by
// fetch: IA answers 307 to uploads and fetch drops Authorization across origins (reference), so the
// body is re-created from its source and the Authorization header kept. Connection drops become
// retryable IaErrors (the `ia` client does not retry them: internetarchive#597, internetarchive#625).
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { armTimeouts, DEFAULT_TIMEOUTS, NetTimeouts, networkError } from "../http-timeouts";
import { IaError } from "./ia-error";

export interface IaRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** Creates the body afresh for every attempt and redirect; Content-Length is always sent. */
  readonly body?: () => Buffer | FileRange;
  readonly contentLength?: number;
  /** Called with the byte count of every chunk handed to the socket. */
  readonly onBodyBytes?: (bytes: number) => void;
  /** Connect and idle timeouts (providers/http-timeouts.ts defaults). */
  readonly timeouts?: NetTimeouts;
  /** A longer idle timeout for an answer IA is known to take time over (CompleteMultipartUpload). */
  readonly minIdleTimeoutMs?: number;
}

export interface IaResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The URL that finally answered (after redirects). */
  readonly url: string;
}

/** `length` bytes of the file at `path` from byte `start`: a part, or a whole file. */
export interface FileRange {
  readonly path: string;
  readonly start: number;
  readonly length: number;
  /** Where the bytes are read into; shared by the requests of one upload. */
  readonly buffers?: ChunkBuffers;
}

/**
 * The buffers file bodies are read into, handed from one request to the next. A buffer per chunk
 * is garbage the collector reclaims only after tens of MB, so RSS grew with the size of the file;
 * reused, an upload holds two buffers per request in flight whatever its size.
 */
export class ChunkBuffers {
  private readonly spare: Buffer[] = [];

  /**
   * Large enough that the per-chunk cost (a read, a socket write, their callbacks) is small beside
   * the copies of the bytes themselves (measured on loopback: 1 MiB cost 0.1 s more CPU per GiB
   * than 2 MiB, 4 MiB no less); small enough that parts in flight stay cheap.
   */
  constructor(readonly size = 2 * 1024 * 1024) {}

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(this.size);
  }

  give(buffer: Buffer): void {
    this.spare.push(buffer);
  }
}

const MAX_REDIRECTS = 5;

export async function exchange(req: IaRequest): Promise<IaResponse> {
  let url = req.url;
  for (let hop = 0; ; hop++) {
    const res = await exchangeOnce(req, url);
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(res.status) && location) {
      if (hop >= MAX_REDIRECTS) throw new IaError(`${req.method} ${req.url}: more than ${MAX_REDIRECTS} redirects`, "TooManyRedirects", { status: res.status });
      url = new URL(location, url).toString();
      continue;
    }
    return res;
  }
}

function exchangeOnce(req: IaRequest, url: string): Promise<IaResponse> {
  const target = new URL(url);
  const lib = target.protocol === "https:" ? https : http;
  const headers: Record<string, string> = { ...req.headers };
  if (req.body) headers["content-length"] = String(req.contentLength ?? 0);
  const base = req.timeouts ?? DEFAULT_TIMEOUTS;
  const timeouts = { ...base, idleMs: Math.max(base.idleMs, req.minIdleTimeoutMs ?? 0) };
  return new Promise<IaResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      const failure = networkError(err, req.method, url, timeouts);
      reject(new IaError(failure.message, failure.kind));
    };
    const request = lib.request(
      target,
      {
        method: req.method,
        // Node's global agents keep connections alive; a module-level Agent could not be serialized
        // into the provider by Pulumi's closure serializer.
        headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("error", fail);
        response.on("end", () => {
          if (settled) return;
          settled = true;
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8"), url });
        });
      },
    );
    armTimeouts(request, req.method, url, timeouts);
    request.on("error", fail);
    if (!req.body) {
      request.end();
      return;
    }
    const body = req.body();
    if (Buffer.isBuffer(body)) {
      request.end(body, () => req.onBodyBytes?.(body.length));
      return;
    }
    sendFileRange(request, body, req.onBodyBytes).then(
      () => {
        request.end();
      },
      (err: Error) => {
        // The socket's own failures reach `fail` through the request's error event; the file's
        // (IaErrors) are ones a retry cannot mend.
        if (err instanceof IaError && !settled) {
          settled = true;
          reject(err);
        }
      },
    );
  });
}

/**
 * Writes a file range to the request from two buffers used in turn, each read into again only once
 * the socket has taken what it held.
 */
async function sendFileRange(request: http.ClientRequest, range: FileRange, onBytes?: (bytes: number) => void): Promise<void> {
  // The request's end (answer, error, destroy) stops the sending: a write callback may then never come.
  const closed = new Promise<never>((_, reject) => request.once("close", () => reject(new Error("request closed"))));
  closed.catch(() => undefined);
  const unreadable = (err: NodeJS.ErrnoException) => new IaError(`cannot read ${range.path}: ${err.code ?? err.message}`, "FileUnreadable");
  let fd: number;
  try {
    fd = fs.openSync(range.path, "r");
  } catch (err) {
    throw unreadable(err as NodeJS.ErrnoException);
  }
  const pool = range.buffers ?? new ChunkBuffers();
  const buffers = [pool.take(), pool.take()];
  const taken: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  let sent = false;
  try {
    for (let offset = 0, turn = 0; offset < range.length; turn ^= 1) {
      await Promise.race([taken[turn], closed]);
      // A synchronous read: an ISO just built sits in the page cache, where a read is a copy of
      // well under a millisecond, and a thread-pool round trip per chunk cost more CPU than that.
      let bytesRead: number;
      try {
        bytesRead = fs.readSync(fd, buffers[turn], 0, Math.min(pool.size, range.length - offset), range.start + offset);
      } catch (err) {
        throw unreadable(err as NodeJS.ErrnoException);
      }
      if (bytesRead === 0) {
        throw new IaError(
          `${range.path} ends at byte ${range.start + offset}, before the ${range.length} bytes from byte ${range.start} that were to be sent: it changed on disk during the upload`,
          "FileChanged",
        );
      }
      offset += bytesRead;
      taken[turn] = new Promise<void>((resolve, reject) => {
        request.write(buffers[turn].subarray(0, bytesRead), (err) => (err ? reject(err) : resolve()));
      });
      taken[turn].catch(() => undefined);
      onBytes?.(bytesRead);
    }
    await Promise.race([Promise.all(taken), closed]);
    sent = true;
  } finally {
    fs.closeSync(fd);
    // A buffer goes back to the pool only once no write can still read from it: every write was
    // taken, or the socket is gone (a destroyed socket writes nothing more). A request whose body
    // cannot be completed must not linger either.
    if (!sent) request.destroy();
    for (const b of buffers) pool.give(b);
  }
}
