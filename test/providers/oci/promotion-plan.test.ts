// planPromotion as tables, without a registry: which tags move and in what order, what is skipped,
// what conflicts, and when moving :stable is a rollback that must be declared.
import { strict as assert } from "node:assert";
import { PromotionConflict, RollbackRequired } from "../../../providers/oci/errors";
import { PromotionPlanInput, planPromotion } from "../../../providers/oci/promotion-plan";

const NEW = `sha256:${"b".repeat(64)}`;
const OLD = `sha256:${"a".repeat(64)}`;
const base: PromotionPlanInput = {
  image: "ghcr.io/o/margine",
  digest: NEW,
  tags: ["stable", "stable.20261205", "20261205"],
  current: { stable: OLD, "stable.20261205": null, "20261205": null },
  expected: {},
  repositoryTags: ["stable", "stable.20261120", "20261120"],
  releaseDate: "20261205",
  rollback: false,
};

describe("planPromotion", () => {
  const cases: [string, Partial<PromotionPlanInput>, string[] | typeof PromotionConflict | typeof RollbackRequired][] = [
    ["a forward release moves the dated aliases first, :stable last", {}, ["stable.20261205", "20261205", "stable"]],
    ["tags already at the digest are skipped (a half-done promotion heals)", { current: { stable: OLD, "stable.20261205": NEW, "20261205": NEW } }, ["stable"]],
    ["everything in place: nothing moves", { current: { stable: NEW, "stable.20261205": NEW, "20261205": NEW } }, []],
    ["a tag not where state says: conflict, nothing moves", { expected: { stable: `sha256:${"c".repeat(64)}` } }, PromotionConflict],
    ["an older release date is a rollback", { releaseDate: "20261101", tags: ["stable", "stable.20261101"] }, RollbackRequired],
    [
      "a declared rollback moves",
      { releaseDate: "20261101", tags: ["stable", "stable.20261101"], rollback: true, current: { stable: OLD } },
      ["stable.20261101", "stable"],
    ],
    [
      "no release date, and the digest is not the newest dated release: a rollback",
      { releaseDate: undefined, tags: ["stable"], newestDatedDigest: OLD },
      RollbackRequired,
    ],
    ["no release date, but the digest is the newest dated release: moves", { releaseDate: undefined, tags: ["stable"], newestDatedDigest: NEW }, ["stable"]],
    [
      "a first promotion (no :stable yet) never needs --rollback",
      { current: {}, releaseDate: "20261101", tags: ["stable", "stable.20261101"] },
      ["stable.20261101", "stable"],
    ],
  ];
  for (const [title, over, expected] of cases) {
    it(title, () => {
      const input = { ...base, ...over };
      if (Array.isArray(expected)) assert.deepEqual(planPromotion(input).moves, expected);
      else assert.throws(() => planPromotion(input), expected);
    });
  }
});
