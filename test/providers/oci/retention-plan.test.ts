import { strict as assert } from "node:assert";
import { ImageVersion, planRetention } from "../../../providers/oci/retention-plan";

describe("planRetention", () => {
  const now = new Date("2026-12-31T00:00:00Z");
  const policy = { prDays: 14, candidateDays: 30, now };
  const OLD = "2026-11-01T00:00:00Z";
  const RECENT = "2026-12-25T00:00:00Z";
  const version = (tags: string[], over: Partial<ImageVersion> = {}): ImageVersion => ({
    id: tags.join("+") || "untagged",
    digest: `sha256:${"a".repeat(64)}`,
    tags,
    createdAt: OLD,
    indexChild: false,
    ...over,
  });

  const cases: { name: string; version: ImageVersion; remove: boolean; reason: RegExp }[] = [
    { name: "an old pr tag alone", version: version(["pr-12"]), remove: true, reason: /every tag expired: :pr-12/ },
    { name: "a recent pr tag", version: version(["pr-13"], { createdAt: RECENT }), remove: false, reason: /younger than 14 days/ },
    { name: "an old dated candidate", version: version(["candidate.20261101"]), remove: true, reason: /expired/ },
    { name: "a dated candidate within 30 days", version: version(["candidate.20261215"]), remove: false, reason: /younger than 30 days/ },
    {
      name: "an expired pr tag on the stable version",
      version: version(["pr-1", "stable", "stable.20261101"]),
      remove: false,
      reason: /protected tag :stable/,
    },
    {
      name: "an expired candidate that is also a dated alias",
      version: version(["candidate.20261101", "20261101"]),
      remove: false,
      reason: /protected tag :20261101/,
    },
    { name: "a cosign signature tag", version: version([`sha256-${"b".repeat(64)}.sig`]), remove: false, reason: /protected tag :sha256-/ },
    { name: "the moving candidate tag", version: version(["candidate", "pr-4"]), remove: false, reason: /:candidate is not a transient tag/ },
    { name: "an untagged version (index child on GHCR)", version: version([]), remove: false, reason: /untagged/ },
    {
      name: "an expired pr tag on an index child",
      version: version(["pr-9"], { indexChild: true }),
      remove: false,
      reason: /platform manifest of a kept index/,
    },
    { name: "a pr tag of unknown age", version: version(["pr-5"], { createdAt: "" }), remove: false, reason: /younger/ },
  ];
  for (const c of cases) {
    it(`${c.remove ? "removes" : "keeps"} ${c.name}`, () => {
      const [decision] = planRetention([c.version], policy);
      assert.equal(decision.remove, c.remove);
      assert.match(decision.reason, c.reason);
    });
  }

  it("honors configured thresholds", () => {
    const [decision] = planRetention([version(["pr-2"], { createdAt: RECENT })], { ...policy, prDays: 3 });
    assert.equal(decision.remove, true);
  });
});
