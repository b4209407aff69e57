import { strict as assert } from "node:assert";
import { retryAfterMs } from "../../providers/retry-after";

describe("retryAfterMs (registries and IA)", () => {
  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-20T10:00:00Z");
    assert.equal(retryAfterMs("3"), 3000);
    assert.equal(retryAfterMs("30", now), 30_000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(retryAfterMs("Fri, 20 Nov 2026 10:00:45 GMT", now), 45_000);
  });

  it("is undefined when absent or unreadable", () => {
    const now = Date.parse("2026-11-20T10:00:00Z");
    assert.equal(retryAfterMs("soon", now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});
