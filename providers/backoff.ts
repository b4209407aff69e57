// One backoff schedule for every client (registry, IA), the waits of the retry loop (retry.ts):
// bounded attempts, the server's own Retry-After first, exponential steps otherwise, capped.
// Handbook 11.2: IA's S3 ingest 503s under load, and GHCR answers 429 toomanyrequests; hammering
// either prolongs the limit.

export interface RetryPolicy {
  /** Total attempts of one request (first try included). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): Retry-After wins, capped at
 * maxDelayMs. `jitter` adds up to 20 % so parallel jobs do not retry in lockstep; `random` is its
 * dice (a test's are loaded).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, jitter = true, random: () => number = () => Math.random()): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const exp = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, Math.round(jitter ? exp * (1 + random() * 0.2) : exp));
}

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
