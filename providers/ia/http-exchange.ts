// One HTTP request to IA with a replayable, streamed body. Redirects are followed here rather than by
// fetch: IA answers 307 to uploads and fetch drops Authorization across origins (reference), so the
// body is re-created from its source and the Authorization header kept. Connection drops become
// retryable IaErrors (the `ia` client does not retry them: internetarchive#597, internetarchive#625).
import * as http from "node:http";
import * as https from "node:https";
import { Readable } from "node:stream";
import { armTimeouts, DEFAULT_TIMEOUTS, NetTimeouts, NetworkError, networkError } from "../http-timeouts";
import { IaError } from "./ia-error";

export interface IaRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** Creates the body afresh for every attempt and redirect; Content-Length is always sent. */
  readonly body?: () => Readable | Buffer;
  readonly contentLength?: number;
  /** Called with the byte count of every chunk that reaches the socket. */
  readonly onBodyBytes?: (bytes: number) => void;
  /** Called with every chunk (e.g. to hash the part while it is sent). */
  readonly onBodyChunk?: (chunk: Buffer) => void;
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

const MAX_REDIRECTS = 5;

export async function exchange(req: IaRequest): Promise<IaResponse> {
  let url = req.url;
  for (let hop = 0; ; hop++) {
    const res = await exchangeOnce(req, url);
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(res.status) && location) {
      if (hop >= MAX_REDIRECTS) throw new IaError(`${req.method} ${req.url}: more than ${MAX_REDIRECTS} redirects`, res.status, "TooManyRedirects", false);
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
      reject(iaNetworkError(networkError(err, req.method, url, timeouts)));
    };
    const request = lib.request(target, {
      method: req.method,
      // Node's global agents keep connections alive; a module-level Agent could not be serialized
      // into the provider by Pulumi's closure serializer.
      headers,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("error", fail);
      response.on("end", () => {
        if (settled) return;
        settled = true;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8"), url });
      });
    });
    armTimeouts(request, req.method, url, timeouts);
    request.on("error", fail);
    if (!req.body) { request.end(); return; }
    const body = req.body();
    if (Buffer.isBuffer(body)) {
      req.onBodyChunk?.(body);
      request.end(body, () => req.onBodyBytes?.(body.length));
      return;
    }
    // Hash and count in a data listener rather than a Transform: one less stream hop per chunk.
    body.on("data", (chunk: Buffer) => {
      req.onBodyChunk?.(chunk);
      req.onBodyBytes?.(chunk.length);
    });
    body.on("error", (err) => { request.destroy(err); });
    // pipe (not pipeline): an early answer from IA (403 before the body is sent) must still be read.
    body.pipe(request);
    request.on("close", () => body.destroy());
  });
}

/** A network failure as an IaError: the URL and the cause, retryable unless waiting cannot help. */
export function iaNetworkError(failure: NetworkError): IaError {
  const code = ({
    refused: "ConnectionRefused", "connect-timeout": "ConnectTimeout", "idle-timeout": "ReadTimeout", unreachable: "HostUnreachable",
    dns: "HostNotFound", tls: "TlsFailed", reset: "ConnectionDropped", other: "NetworkFailure",
  } as const)[failure.kind];
  return new IaError(failure.message, undefined, code, failure.retryable);
}
