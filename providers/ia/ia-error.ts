// Errors of the Internet Archive client. They extend ProviderError so the message survives the
// closure serializer when the IaItem provider runs in Pulumi's dynamic-provider host. Every way an
// IA operation fails has one code, and what the code means for a retry is decided here, where the
// error is made: the retry policy and the multipart upload read `retryable`, `noAnswer` and
// `transient`, never a list of codes (regclient's model: one set of named errors).
import { isNetworkFailureKind, NETWORK_FAILURES, NetworkFailureKind } from "../http-timeouts";
import { ProviderError } from "../provider-error";

/**
 * IA's own codes: what it answered, or what went wrong on this side. `retryable`: waiting and
 * sending again may help within this run. `transient`: a rerun later may get past it, so a
 * multipart upload is kept for that rerun rather than aborted.
 */
const IA_CODES = {
  /** 500, 502, 503 (SlowDown), 504 or 429: IA is busy or failing for now (handbook 11.2). */
  Unavailable: { retryable: true, transient: true },
  /** Another 5xx (501, 505...): no wait in this run changes it; a later run may meet a mended IA. */
  ServerError: { retryable: false, transient: true },
  /** A 503 that says the upload appears to be spam: waiting does not change IA's mind, new metadata or IA's staff may. */
  Spam: { retryable: false, transient: true },
  /** 403: wrong keys, or an identifier of another account. */
  AccessDenied: { retryable: false, transient: false },
  /** IA has no such item (404 NoSuchBucket): it may not have created it yet. */
  NoSuchBucket: { retryable: false, transient: true },
  /** A part met 404 NoSuchBucket after the multipart start: IA creates the item a while later (internetarchive#386). */
  ItemNotCreatedYet: { retryable: true, transient: true },
  /** Any other status IA refused the request with. */
  Refused: { retryable: false, transient: false },
  TooManyRedirects: { retryable: false, transient: false },
  /** A 200 that is not JSON: a wrong IA_URL or a portal, not a busy IA. */
  BadJson: { retryable: false, transient: false },
  /** The metadata API answered the patch with success false. */
  PatchRefused: { retryable: false, transient: false },
  NoCredentials: { retryable: false, transient: false },
  FileUnreadable: { retryable: false, transient: false },
  /** The file is shorter on disk than when its upload started. */
  FileChanged: { retryable: false, transient: false },
  HashFailed: { retryable: false, transient: false },
  /** The file's md5 is not the one declared. */
  Md5Mismatch: { retryable: false, transient: false },
  /** Even a new multipart upload had to start over: the next run starts the file afresh. */
  UploadGone: { retryable: false, transient: false },
} as const satisfies Record<string, { readonly retryable: boolean; readonly transient: boolean }>;

/**
 * Why an IA operation failed. A request that got no HTTP answer keeps the network's own kind
 * (providers/http-timeouts.ts): one word per failure, whichever client met it.
 */
export type IaErrorCode = NetworkFailureKind | keyof typeof IA_CODES;

export interface IaErrorContext {
  /** The HTTP status of IA's answer; absent when there was none. */
  readonly status?: number;
  /** IA's Retry-After, when it sent one. */
  readonly retryAfterMs?: number;
  /** The `<Code>` of IA's S3 error body, as IA spelled it (SlowDown, InvalidAccessKeyId...). */
  readonly s3Code?: string;
  /** Set on a give-up: the attempts made. Such an error is retryable no more. */
  readonly attempts?: number;
}

/**
 * An answer from IA (or a dropped connection) that the operation could not get past. Plain
 * fields, not getters: the closure serializer keeps fields of provider errors.
 */
export class IaError extends ProviderError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly s3Code: string | undefined;
  readonly attempts: number | undefined;
  /** Waiting and sending again may help (503 SlowDown, reset connections), and the retries have not given up yet. */
  readonly retryable: boolean;
  /** IA never answered (down or hung): a smaller retry budget and short waits. */
  readonly noAnswer: boolean;
  /** A rerun later may get past it: a multipart upload stays open for the rerun to resume. */
  readonly transient: boolean;

  constructor(
    message: string,
    readonly code: IaErrorCode,
    context: IaErrorContext = {},
  ) {
    super(message, "IaError");
    this.status = context.status;
    this.retryAfterMs = context.retryAfterMs;
    this.s3Code = context.s3Code;
    this.attempts = context.attempts;
    // Every network failure may be over by the next run, TLS and DNS ones included (a proxy, a resolver).
    const traits = isNetworkFailureKind(code) ? { ...NETWORK_FAILURES[code], transient: true } : { ...IA_CODES[code], noAnswer: false };
    this.retryable = traits.retryable && context.attempts === undefined;
    this.noAnswer = traits.noAnswer;
    this.transient = traits.transient;
  }
}

/** What a file or item looks like on IA differs from what was declared or uploaded. */
export class IaVerificationError extends ProviderError {
  constructor(message: string) {
    super(message, "IaVerificationError");
  }
}
