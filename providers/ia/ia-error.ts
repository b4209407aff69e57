// Errors of the Internet Archive client. They extend ProviderError so the message survives the
// closure serializer when the IaItem provider runs in Pulumi's dynamic-provider host.
import { ProviderError } from "../provider-error";

/**
 * An answer from IA (or a dropped connection) that the operation could not get past.
 * `retryable` tells the retry policy whether waiting can help (503 SlowDown, reset connections);
 * `retryAfterMs` carries IA's Retry-After when it sent one.
 */
export class IaError extends ProviderError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message, "IaError");
  }
}

/** What a file or item looks like on IA differs from what was declared or uploaded. */
export class IaVerificationError extends ProviderError {
  constructor(message: string) {
    super(message, "IaVerificationError");
  }
}
