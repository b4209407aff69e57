// The one retry loop (providers/retry.ts) on its own: no server, a fake clock that records the
// waits instead of sleeping, and predicates like the clients'.
import { strict as assert } from "node:assert";
import { AttemptOutcome, NETWORK_ATTEMPTS, RetryClock, RetryEnd, retrying, RetryOptions, RetryTerms } from "../../providers/retry";

class Busy extends Error {
  constructor(
    readonly noAnswer = false,
    readonly retryAfterMs?: number,
  ) {
    super(noAnswer ? "no answer" : "busy");
  }
}

/** A clock whose sleep resolves at once and whose dice always show `roll`. */
function fakeClock(roll = 0): RetryClock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms), random: () => roll };
}

/** Retries a Busy error on its own terms; everything else is final. */
const busyErrors = (o: AttemptOutcome<unknown>): RetryTerms | undefined =>
  !o.ok && o.error instanceof Busy ? { noAnswer: o.error.noAnswer, retryAfterMs: o.error.retryAfterMs } : undefined;

/** An op that fails with `failures` in turn, then answers "done". */
function script(...failures: unknown[]): { op: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    op: async (attempt) => {
      attempts.push(attempt);
      if (failures.length > 0) throw failures.shift();
      return "done";
    },
  };
}

const POLICY = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

function options(clock: RetryClock, over: Partial<RetryOptions<string>> = {}): RetryOptions<string> {
  return { policy: POLICY, retryWhen: busyErrors, jitter: false, clock, ...over };
}

describe("retry loop", () => {
  it("returns the first success without waiting", async () => {
    const clock = fakeClock();
    const { op, attempts } = script();
    assert.equal(await retrying(options(clock), op), "done");
    assert.deepEqual(attempts, [1]);
    assert.deepEqual(clock.waits, []);
  });

  it("backs off exponentially between attempts, capped at maxDelayMs", async () => {
    const clock = fakeClock();
    const { op, attempts } = script(new Busy(), new Busy(), new Busy(), new Busy());
    assert.equal(await retrying(options(clock), op), "done");
    assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
    assert.deepEqual(clock.waits, [100, 200, 400, 800]);
    const capped = fakeClock();
    await retrying(options(capped, { policy: { ...POLICY, attempts: 6 } }), script(...Array.from({ length: 5 }, () => new Busy())).op);
    assert.equal(capped.waits[4], 1_000);
  });

  it("adds up to 20 % jitter from the clock's dice, still never past the cap", async () => {
    const clock = fakeClock(0.5);
    await retrying(options(clock, { jitter: true }), script(new Busy(), new Busy()).op);
    assert.deepEqual(clock.waits, [110, 220]);
    const top = fakeClock(0.999);
    await retrying(options(top, { jitter: true, policy: { ...POLICY, baseDelayMs: 1_000 } }), script(new Busy()).op);
    assert.deepEqual(top.waits, [1_000]);
  });

  it("waits the server's Retry-After instead of the backoff step, capped at maxDelayMs", async () => {
    const clock = fakeClock();
    await retrying(options(clock), script(new Busy(false, 7), new Busy(false, 60_000), new Busy(false, 0)).op);
    assert.deepEqual(clock.waits, [7, 1_000, 0]);
  });

  it("settles a final outcome at once, telling settle the loop was not spent", async () => {
    const clock = fakeClock();
    const ends: RetryEnd[] = [];
    const fatal = new Error("tls");
    const { op, attempts } = script(new Busy(), fatal);
    await assert.rejects(
      retrying(
        options(clock, {
          settle: (o, end) => {
            ends.push(end);
            if (o.ok) return o.value;
            throw o.error;
          },
        }),
        op,
      ),
      (err) => err === fatal,
    );
    assert.deepEqual(attempts, [1, 2]);
    assert.deepEqual(ends, [{ attempts: 2, spent: false }]);
  });

  it("hands the last outcome to settle once the attempts are spent; by default its error is thrown", async () => {
    const last = new Busy();
    const { op, attempts } = script(new Busy(), new Busy(), new Busy(), new Busy(), last);
    await assert.rejects(retrying(options(fakeClock()), op), (err) => err === last);
    assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
    let end: RetryEnd | undefined;
    const gaveUp = await retrying(
      options(fakeClock(), {
        policy: { ...POLICY, attempts: 2 },
        settle: (o, e) => {
          end = e;
          return o.ok ? o.value : `gave up: ${(o.error as Error).message}`;
        },
      }),
      script(new Busy(), new Busy()).op,
    );
    assert.equal(gaveUp, "gave up: busy");
    assert.deepEqual(end, { attempts: 2, spent: true });
  });

  it("gives a server that never answers NETWORK_ATTEMPTS tries, however many the policy allows, and short waits", async () => {
    const clock = fakeClock();
    const failures = Array.from({ length: 10 }, () => new Busy(true));
    const { op, attempts } = script(...failures);
    await assert.rejects(
      retrying(options(clock, { policy: { ...POLICY, attempts: 10, baseDelayMs: 5_000, maxDelayMs: 60_000 }, noAnswerMaxDelayMs: 1_000 }), op),
      Busy,
    );
    assert.equal(NETWORK_ATTEMPTS, 3);
    assert.equal(attempts.length, NETWORK_ATTEMPTS);
    assert.deepEqual(clock.waits, [1_000, 1_000]);
  });

  it("counts only the attempts that got no answer against the no-answer budget", async () => {
    const { op, attempts } = script(new Busy(true), new Busy(), new Busy(true), new Busy());
    assert.equal(await retrying(options(fakeClock(), { policy: { ...POLICY, attempts: 8 } }), op), "done");
    assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
  });

  it("retries a value the predicate calls busy (a 503 answer) and returns the last one when spent", async () => {
    const clock = fakeClock();
    const answers = [503, 429, 503];
    let sent = 0;
    const status = await retrying<number>(
      { policy: { ...POLICY, attempts: 3 }, jitter: false, clock, retryWhen: (o) => (o.ok && o.value >= 429 ? {} : undefined) },
      async () => answers[sent++],
    );
    assert.equal(status, 503);
    assert.equal(sent, 3);
    assert.deepEqual(clock.waits, [100, 200]);
  });

  it("tells onRetry the outcome and the delay before the wait, and runs afterWait after it", async () => {
    const events: string[] = [];
    const clock: RetryClock = {
      sleep: async (ms) => void events.push(`sleep ${ms}`),
      random: () => 0,
    };
    await retrying(
      options(clock, {
        onRetry: (o, attempt, delay) => events.push(`retry ${attempt} ${(o as { error: Error }).error.message} ${delay}`),
        afterWait: async (_o, attempt) => void events.push(`after ${attempt}`),
      }),
      script(new Busy(), new Busy()).op,
    );
    assert.deepEqual(events, ["retry 1 busy 100", "sleep 100", "after 1", "retry 2 busy 200", "sleep 200", "after 2"]);
  });

  it("ends the loop with what afterWait throws", async () => {
    const stop = new Error("check_limit failed");
    const { op, attempts } = script(new Busy(), new Busy());
    await assert.rejects(
      retrying(
        options(fakeClock(), {
          afterWait: async () => {
            throw stop;
          },
        }),
        op,
      ),
      (err) => err === stop,
    );
    assert.deepEqual(attempts, [1]);
  });

  it("judges an op that throws before it returns a promise like one that rejects", async () => {
    let calls = 0;
    const op = (): Promise<string> => {
      if (calls++ === 0) throw new Busy();
      return Promise.resolve("done");
    };
    assert.equal(await retrying(options(fakeClock()), op), "done");
    assert.equal(calls, 2);
  });
});
