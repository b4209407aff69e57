// Signed requests to IA's S3-like endpoint with the client's retry rule and check_limit, shared by
// the single PUT (s3-upload.ts) and the multipart upload (multipart-upload.ts).
import { IaCredentials } from "./credentials";
import { NetTimeouts, notJsonReason } from "../http-timeouts";
import { IaEndpoints } from "./endpoints";
import { IaError } from "./ia-error";
import { ChunkBuffers, exchange, IaRequest, IaResponse } from "./http-exchange";
import { RetryPolicy } from "../backoff";
import { retrying } from "../retry";
import { DEFAULT_RETRY_POLICY, withRetries } from "./retry-policy";
import { expectS3Success } from "./s3-answer";

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

/** One request to an object of an item; the URL and the signature are added here. */
export type ObjectRequest = Omit<IaRequest, "url" | "timeouts"> & { readonly query?: string };

export class S3Requests {
  readonly retry: RetryPolicy;
  readonly buffers = new ChunkBuffers();

  constructor(readonly options: S3ClientOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  log(message: string): void {
    this.options.log?.(message);
  }

  private get auth(): Record<string, string> {
    return { authorization: `LOW ${this.options.credentials.access}:${this.options.credentials.secret}` };
  }

  /** One attempt, answered whatever the status: the caller judges it. */
  once(identifier: string, name: string, req: ObjectRequest): Promise<IaResponse> {
    const url = `${this.options.endpoints.s3Url}/${identifier}/${encodeURIComponent(name)}${req.query ?? ""}`;
    return exchange({ ...req, url, headers: { ...this.auth, ...req.headers }, timeouts: this.options.timeouts });
  }

  /** A request that must succeed (2xx), retried by the policy; `judge` may turn an answer into an error or a value first. */
  send(identifier: string, name: string, what: string, req: ObjectRequest, judge?: (res: IaResponse) => IaResponse): Promise<IaResponse> {
    return this.retrying(identifier, what, async () => {
      const res = await this.once(identifier, name, req);
      return expectS3Success(judge ? judge(res) : res, what);
    });
  }

  retrying<T>(identifier: string, what: string, op: () => Promise<T>): Promise<T> {
    return withRetries(this.retry, what, op, {
      onRetry: (m) => this.log(m),
      // One check after IA's own 503: the retry's delay already waited, and the policy bounds the rest.
      beforeRetry: async (err) => {
        if (err.status === 503) await this.waitForCapacity(identifier, 1);
      },
    });
  }

  /**
   * True when IA says this account/item is over its upload limit. A busy answer (5xx, 429) counts as
   * over the limit, like `ia` does; a server that does not answer, or answers a page that is not
   * JSON with 200, is an error that says so - never "over its limit".
   */
  async overLimit(identifier: string): Promise<boolean> {
    const q = new URLSearchParams({ check_limit: "1", accesskey: this.options.credentials.access, bucket: identifier });
    const what = `check_limit of ${identifier}`;
    const res = await withRetries(
      this.retry,
      what,
      () => exchange({ method: "GET", url: `${this.options.endpoints.s3Url}/?${q}`, timeouts: this.options.timeouts }),
      { onRetry: (m) => this.log(m) },
    );
    if (res.status === 429 || res.status >= 500) return true;
    let answer: { over_limit?: unknown };
    try {
      answer = JSON.parse(res.body) as { over_limit?: unknown };
    } catch {
      const type = res.headers["content-type"];
      throw new IaError(
        `${what}: ${this.options.endpoints.s3Url} ${notJsonReason(Array.isArray(type) ? type[0] : type, res.body)} (HTTP ${res.status}); check IA_S3_URL`,
        "BadJson",
        { status: res.status },
      );
    }
    if (res.status !== 200)
      throw new IaError(`${what}: ${this.options.endpoints.s3Url} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`, "Refused", { status: res.status });
    return answer.over_limit !== 0;
  }

  /** Waits (at most `checks` checks, bounded by the retry policy) while check_limit reports the item over limit. */
  async waitForCapacity(identifier: string, checks = this.retry.attempts): Promise<void> {
    await retrying<boolean>(
      {
        policy: { ...this.retry, attempts: checks },
        retryWhen: (o) => (o.ok && o.value ? {} : undefined),
        onRetry: (_o, _attempt, delay) => this.log(`${identifier}: IA S3 is over its limit (check_limit); waiting ${(delay / 1000).toFixed(1)} s`),
        settle: (o, end) => {
          if (!o.ok) throw o.error;
          if (end.spent) this.log(`${identifier}: IA S3 still reports being over its limit after ${checks} checks; trying anyway`);
          return o.value;
        },
      },
      () => this.overLimit(identifier),
    );
  }
}

export function headerValue(res: IaResponse, name: string): string {
  const v = res.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}
