// How long to keep trying when IA is overloaded. Handbook 11.2: "S3 ingest 503s under load" and
// `ia --retries 5 --sleep 60` was the workaround. The loop is every client's (providers/retry.ts):
// bounded, IA's own Retry-After before a fixed sleep, exponential otherwise. What is worth another
// try is the IaError's own verdict (ia-error.ts); what is added here is what a give-up tells the user.
import { RetryPolicy } from "../backoff";
import { AttemptOutcome, retrying } from "../retry";
import { IaError } from "./ia-error";

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 2_000, maxDelayMs: 120_000 };

/** No answer at all: a longer wait does not bring a dead server back, and the budget is small. */
const NO_ANSWER_DELAY_MS = 1_000;

/**
 * Runs `op` until it succeeds, fails with a non-retryable error, or the attempts run out.
 * `beforeRetry` runs after the delay (the S3 client checks check_limit there).
 */
export function withRetries<T>(
  policy: RetryPolicy,
  what: string,
  op: (attempt: number) => Promise<T>,
  hooks: { beforeRetry?: (err: IaError, attempt: number) => Promise<void>; onRetry?: (message: string) => void } = {},
): Promise<T> {
  // Only an IaError the predicate let through reaches the hooks and the give-up.
  const failure = (outcome: AttemptOutcome<T>) => (outcome as { error: IaError }).error;
  const said = (err: IaError) => (err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message);
  return retrying<T>(
    {
      policy,
      noAnswerMaxDelayMs: NO_ANSWER_DELAY_MS,
      retryWhen: (o) =>
        !o.ok && o.error instanceof IaError && o.error.retryable ? { noAnswer: o.error.noAnswer, retryAfterMs: o.error.retryAfterMs } : undefined,
      onRetry: (o, attempt, delay) =>
        hooks.onRetry?.(`${what}: ${said(failure(o))}; retry ${attempt}/${policy.attempts - 1} in ${(delay / 1000).toFixed(1)} s`),
      afterWait: async (o, attempt) => {
        await hooks.beforeRetry?.(failure(o), attempt);
      },
      settle: (o, end) => {
        if (o.ok) return o.value;
        if (!end.spent) throw o.error;
        const err = failure(o);
        throw new IaError(`${what}: gave up after ${end.attempts} attempts; last: ${said(err)}. ${giveUpAdvice(err)}`, err.code, {
          status: err.status,
          s3Code: err.s3Code,
          attempts: end.attempts,
        });
      },
    },
    op,
  );
}

/** What to do after the last attempt, by what the last failure was: only a busy answer means "overloaded". */
function giveUpAdvice(err: IaError): string {
  if (err.status === 503 || err.status === 429) return "IA's S3 ingest is overloaded: rerun the job later (gh run rerun --failed)";
  if (err.code === "refused") return "Nothing answers there: check IA_S3_URL / IA_URL and the network";
  if (err.code === "connect-timeout" || err.code === "unreachable") return "The host cannot be reached: check IA_S3_URL / IA_URL and the network";
  if (err.code === "idle-timeout") return "The server stopped answering: rerun later (gh run rerun --failed); --read-timeout sets how long a silence may last";
  if (err.status !== undefined && err.status >= 500) return `IA kept failing with HTTP ${err.status}: rerun later (gh run rerun --failed)`;
  return "Rerun later (gh run rerun --failed): files already on IA are skipped";
}
