import { strict as assert } from "node:assert";
import { retryDelayMs } from "../../../providers/backoff";
import { parseIaConfig } from "../../../providers/ia/credentials";

describe("IA retry policy", () => {
  const policy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };

  it("prefers IA's Retry-After, capped, over its own backoff", () => {
    assert.equal(retryDelayMs(policy, 1, 7_000), 7_000);
    assert.equal(retryDelayMs(policy, 1, 3_600_000), 60_000);
  });

  it("backs off exponentially with bounded jitter, never past the cap", () => {
    for (const [attempt, base] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
    ] as const) {
      const d = retryDelayMs(policy, attempt);
      assert.ok(d >= base && d <= base * 1.2, `attempt ${attempt}: ${d}`);
    }
    assert.equal(retryDelayMs(policy, 20), 60_000);
  });
});

describe("ia.ini credentials", () => {
  it("reads [s3] access and secret, ignoring other sections and comments", () => {
    assert.deepEqual(parseIaConfig("[general]\nscreenname = m\n# note\n[s3]\naccess = AK\nsecret = S=K\n[cookies]\naccess = no\n", "ia.ini"), {
      access: "AK",
      secret: "S=K",
    });
  });

  it("names the file and the expected form when keys are missing", () => {
    assert.throws(
      () => parseIaConfig("[s3]\naccess = AK\n", "/ci/ia.ini"),
      /\/ci\/ia\.ini: expected an \[s3\] section with access = \.\.\. and secret = \.\.\./,
    );
  });
});
