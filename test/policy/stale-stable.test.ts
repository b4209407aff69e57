import { strict as assert } from "node:assert";
import { staleStable } from "../../policy/stale-stable";
import { staleStableCritical } from "../../policy/stale-stable-critical";
import { daysAgo, promotion, violationsOf } from "./fixtures";

describe("policies stale-stable and stale-stable-critical", () => {
  it("stay silent on a stable promotion booted 3 days ago", async () => {
    const fresh = promotion({}, daysAgo(3));
    assert.deepEqual(await violationsOf(staleStable, fresh), []);
    assert.deepEqual(await violationsOf(staleStableCritical, fresh, { "stale-stable-critical": { criticalAfterDays: 14 } }), []);
  });

  it("warns (advisory) when stable is older than 7 days, naming the promotion and what to do", async () => {
    const [v] = await violationsOf(staleStable, promotion({}, daysAgo(10)));
    assert.equal(v.enforcementLevel, "advisory");
    assert.equal(v.resource, "stable");
    assert.match(v.message, /Promotion stable: :stable booted .*, 10 days ago \(limit 7\); clients warn past 7 days/);
  });

  it("takes the warning threshold from config", async () => {
    assert.deepEqual(await violationsOf(staleStable, promotion({}, daysAgo(10)), { "stale-stable": { warnAfterDays: 12 } }), []);
  });

  it("does not block past 14 days unless configured", async () => {
    assert.deepEqual(await violationsOf(staleStableCritical, promotion({}, daysAgo(20))), []);
  });

  it("blocks (mandatory) past criticalAfterDays when configured", async () => {
    const [v] = await violationsOf(staleStableCritical, promotion({}, daysAgo(20)), { "stale-stable-critical": { criticalAfterDays: 14 } });
    assert.equal(v.enforcementLevel, "mandatory");
    assert.match(v.message, /20 days ago \(limit 14\)/);
  });

  it("ignores promotions that do not write :stable", async () => {
    assert.deepEqual(await violationsOf(staleStable, promotion({ tags: ["20260101"] }, daysAgo(30))), []);
  });
});
