import { strict as assert } from "node:assert";
import { inFlight } from "../../../providers/ia/in-flight";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("inFlight (parts on the wire at once)", () => {
  it("starts items in order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await inFlight([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      peak = Math.max(peak, ++running);
      await tick(5 + (n % 3) * 3);
      running--;
    });
    assert.deepEqual(started, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(peak, 3);
  });

  it("after a failure starts nothing new, lets the running task finish, then throws the first error", async () => {
    const started: number[] = [];
    const settled: number[] = [];
    await assert.rejects(
      inFlight([1, 2, 3, 4], 2, async (n) => {
        started.push(n);
        await tick(n === 2 ? 5 : 30);
        settled.push(n);
        throw new Error(`part ${n} refused`);
      }),
      /^Error: part 2 refused$/,
    );
    assert.deepEqual(started, [1, 2], "nothing starts once part 2 failed");
    assert.deepEqual(settled, [2, 1], "part 1, in flight when 2 failed, was let finish before the error");
  });
});
