import { strict as assert } from "node:assert";
import { bootedEvidence } from "../../policy/booted-evidence";
import { daysAgo, promotion, violationsOf } from "./fixtures";

describe("policy booted-evidence", () => {
  it("passes a promotion with its boot run, boot time, matching dated tags and an explicit rollback flag", async () => {
    assert.deepEqual(await violationsOf(bootedEvidence, promotion()), []);
  });

  it("blocks a promotion without evidence", async () => {
    const [v] = await violationsOf(bootedEvidence, promotion({ evidence: undefined }));
    assert.match(v.message, /Promotion stable: has no evidence; set evidence \{bootRun/);
  });

  it("blocks a boot run that is not an Actions run URL", async () => {
    const [v] = await violationsOf(bootedEvidence, promotion({ evidence: { bootRun: "https://example.org/log.txt", bootedAt: daysAgo(1) } }));
    assert.match(v.message, /evidence.bootRun "https:\/\/example.org\/log.txt" is not a smoke-boot run/);
  });

  it("blocks a boot time in the future", async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const [v] = await violationsOf(bootedEvidence, promotion({}, future));
    assert.match(v.message, /is in the future/);
  });

  it("blocks a dated tag that does not name the boot date", async () => {
    const bootedAt = daysAgo(3);
    const [v] = await violationsOf(bootedEvidence, promotion({ tags: ["stable", "stable.20260101"] }, bootedAt));
    assert.match(v.message, new RegExp(`"stable.20260101" is dated 20260101 but the digest booted on ${bootedAt.slice(0, 10).replace(/-/g, "")}`));
  });

  it("blocks a promotion that does not say whether it is a rollback", async () => {
    const [v] = await violationsOf(bootedEvidence, promotion({ rollback: undefined }));
    assert.match(v.message, /rollback is undefined; set rollback: false, or true/);
  });
});
