// The one retry loop of every protocol client (IA, the OCI registry), waiting by the backoff
// schedule (backoff.ts: the server's Retry-After first, exponential steps otherwise, capped).
// Handbook 11.2: IA's S3 ingest 503s under load, and GHCR answers 429 toomanyrequests; hammering
// either prolongs the limit. The client's predicate says which outcomes are worth another try;
// this loop says when and how often, so a dead server costs every client the same short budget.
import { retryDelayMs, RetryPolicy, sleep } from "./backoff";

/**
 * Attempts of a request that got no answer (refused, no connection, no answer in time). A server
 * that is down or hung does not come back within a retry policy's backoff, so this budget is
 * smaller than the one for "busy" answers (429/503), which keeps a dead server to about a minute.
 */
export const NETWORK_ATTEMPTS = 3;

/** What one attempt came to: its value, or what it threw. */
export type AttemptOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Why an outcome is worth another try, as the client's predicate judges it. */
export interface RetryTerms {
  /** The server never answered (down or hung): such attempts get NETWORK_ATTEMPTS at most. */
  readonly noAnswer?: boolean;
  /** The server's Retry-After, waited instead of the backoff step (capped at maxDelayMs). */
  readonly retryAfterMs?: number;
}

/** How the loop ended: `spent` when the attempts (or the no-answer budget) ran out on an outcome worth another try. */
export interface RetryEnd {
  readonly attempts: number;
  readonly spent: boolean;
}

/** The timer and the jitter's dice: tests pass fakes and run the loop without waiting. */
export interface RetryClock {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export interface RetryOptions<T> {
  readonly policy: RetryPolicy;
  /** The client's predicate: terms for another try, or undefined when the outcome is final. */
  readonly retryWhen: (outcome: AttemptOutcome<T>) => RetryTerms | undefined;
  /** What the caller gets from the last outcome; by default its value, or its error thrown. */
  readonly settle?: (outcome: AttemptOutcome<T>, end: RetryEnd) => T;
  /** Jitter on the backoff steps (default on). */
  readonly jitter?: boolean;
  /** The longest wait after an attempt that got no answer: a longer one does not bring a dead server back. */
  readonly noAnswerMaxDelayMs?: number;
  /** Told before each wait. */
  readonly onRetry?: (outcome: AttemptOutcome<T>, attempt: number, delayMs: number) => void;
  /** Runs after each wait, before the next attempt; what it throws ends the loop. */
  readonly afterWait?: (outcome: AttemptOutcome<T>, attempt: number) => Promise<void>;
  readonly clock?: RetryClock;
}

/** Runs `op` until the predicate calls an outcome final or the budget is spent; `settle` turns the last outcome into the answer. */
export async function retrying<T>(options: RetryOptions<T>, op: (attempt: number) => Promise<T>): Promise<T> {
  const clock = options.clock ?? { sleep, random: () => Math.random() };
  const settle = options.settle ?? lastOutcome;
  let unanswered = 0;
  for (let attempt = 1; ; attempt++) {
    let outcome: AttemptOutcome<T>;
    try {
      outcome = { ok: true, value: await op(attempt) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const terms = options.retryWhen(outcome);
    if (!terms) return settle(outcome, { attempts: attempt, spent: false });
    if (terms.noAnswer) unanswered++;
    if (attempt >= options.policy.attempts || unanswered >= NETWORK_ATTEMPTS) return settle(outcome, { attempts: attempt, spent: true });
    const step = retryDelayMs(options.policy, attempt, terms.retryAfterMs, options.jitter ?? true, clock.random);
    const delay = terms.noAnswer && options.noAnswerMaxDelayMs !== undefined ? Math.min(step, options.noAnswerMaxDelayMs) : step;
    options.onRetry?.(outcome, attempt, delay);
    await clock.sleep(delay);
    await options.afterWait?.(outcome, attempt);
  }
}

function lastOutcome<T>(outcome: AttemptOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}
