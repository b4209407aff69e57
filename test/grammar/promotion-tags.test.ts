import { strict as assert } from "node:assert";
import { PromotionTagProblemKind, promotionTagProblems } from "../../grammar/promotion-tags";

type Case = readonly [name: string, tags: unknown, want: readonly (readonly [PromotionTagProblemKind, number | undefined])[]];

const CASES: readonly Case[] = [
  ["the tags one promotion writes", ["stable", "stable.20261120", "20261120"], []],
  ["the stable channel alone", ["stable"], []],
  ["no list at all", undefined, [["not-a-list", undefined]]],
  ["a comma-separated string", "stable,20261120", [["not-a-list", undefined]]],
  ["an empty list", [], [["empty", undefined]]],
  ["latest", ["stable", "latest"], [["latest", 1]]],
  ["a candidate tag", ["candidate"], [["outside-grammar", 0]]],
  ["a dated alias on no calendar", ["stable.20260231"], [["outside-grammar", 0]]],
  ["a tag that is not a string", ["stable", 20261120], [["outside-grammar", 1]]],
  ["the same tag twice", ["stable", "20261120", "stable"], [["duplicate", 2]]],
  [
    "every problem of one list, in list order",
    ["latest", "nightly", "latest"],
    [
      ["latest", 0],
      ["outside-grammar", 1],
      ["latest", 2],
      ["duplicate", 2],
    ],
  ],
];

describe("grammar/promotion-tags", () => {
  for (const [name, tags, want] of CASES) {
    it(`${name}: ${want.length === 0 ? "no problem" : want.map(([kind, i]) => (i === undefined ? kind : `${kind} at ${i}`)).join(", ")}`, () => {
      assert.deepEqual(
        promotionTagProblems(tags).map((p) => [p.kind, p.index]),
        want,
      );
    });
  }

  it("each problem is one line naming the place, what is wrong and the expected form", () => {
    const texts = promotionTagProblems(["latest", "candidate"]).map((p) => p.text);
    assert.equal(texts.length, 2);
    assert.match(texts[0], /^tags\[0\] is "latest", and "latest" is never promoted: .*handbook 11\.1.*; use stable, stable\.YYYYMMDD or YYYYMMDD/);
    assert.match(texts[1], /^tags\[1\] "candidate" is not a promotion tag; expected stable, stable\.YYYYMMDD or YYYYMMDD/);
    assert.match(promotionTagProblems(["stable", "stable"])[0].text, /^tags\[1\] "stable" is listed twice; each tag points to the one promoted digest once$/);
    assert.match(promotionTagProblems([])[0].text, /^tags is empty; .*at least one of stable/);
    assert.match(promotionTagProblems(undefined)[0].text, /^tags is missing, not a list; expected at least one of stable/);
    for (const text of texts) assert.doesNotMatch(text, /\n/);
  });
});
