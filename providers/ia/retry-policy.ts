// How long to keep trying when IA is overloaded. Handbook 11.2: "S3 ingest 503s under load" and
// `ia --retries 5 --sleep 60` was the workaround. This policy is bounded (attempts and a delay cap),
// prefers IA's own Retry-After over a fixed sleep, and backs off exponentially otherwise.
import { NETWORK_ATTEMPTS } from "../http-timeouts";
import { retryDelayMs, RetryPolicy, sleep } from "../backoff";
import { IaError } from "./ia-error";

export { retryDelayMs, sleep };
export type { RetryPolicy };

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 2_000, maxDelayMs: 120_000 };

/**
 * Runs `op` until it succeeds, fails with a non-retryable error, or the attempts run out.
 * `beforeRetry` runs after the delay (the S3 client checks check_limit there).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  what: string,
  op: (attempt: number) => Promise<T>,
  hooks: { beforeRetry?: (err: IaError, attempt: number) => Promise<void>; onRetry?: (message: string) => void } = {},
): Promise<T> {
  let unanswered = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      if (!(err instanceof IaError) || !err.retryable) throw err;
      // A server that is down or hung does not recover within a backoff: fewer tries than for "busy".
      if (NO_ANSWER.has(err.code)) unanswered++;
      if (attempt >= policy.attempts || unanswered >= NETWORK_ATTEMPTS) {
        const last = err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message;
        throw new IaError(`${what}: gave up after ${attempt} attempts; last: ${last}. ${giveUpAdvice(err)}`, err.status, err.code, false);
      }
      // No answer at all: a longer wait does not bring a dead server back, and the budget is small.
      const delay = NO_ANSWER.has(err.code)
        ? Math.min(retryDelayMs(policy, attempt, err.retryAfterMs), NO_ANSWER_DELAY_MS)
        : retryDelayMs(policy, attempt, err.retryAfterMs);
      const said = err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message;
      hooks.onRetry?.(`${what}: ${said}; retry ${attempt}/${policy.attempts - 1} in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
      await hooks.beforeRetry?.(err, attempt);
    }
  }
}

const NO_ANSWER_DELAY_MS = 1_000;

/** Codes of a request that got no answer at all (http-exchange.ts); kept here to avoid an import cycle. */
const NO_ANSWER = new Set(["ConnectionRefused", "ConnectTimeout", "ReadTimeout", "HostUnreachable"]);

/** What to do after the last attempt, by what the last failure was: only a busy answer means "overloaded". */
function giveUpAdvice(err: IaError): string {
  if (err.status === 503 || err.status === 429) return "IA's S3 ingest is overloaded: rerun the job later (gh run rerun --failed)";
  if (err.code === "ConnectionRefused") return "Nothing answers there: check IA_S3_URL / IA_URL and the network";
  if (err.code === "ConnectTimeout" || err.code === "HostUnreachable") return "The host cannot be reached: check IA_S3_URL / IA_URL and the network";
  if (err.code === "ReadTimeout") return "The server stopped answering: rerun later (gh run rerun --failed); --read-timeout sets how long a silence may last";
  if (err.status !== undefined && err.status >= 500) return `IA kept failing with HTTP ${err.status}: rerun later (gh run rerun --failed)`;
  return "Rerun later (gh run rerun --failed): files already on IA are skipped";
}
