// The watch's issue lifecycle and verdicts as tables: no server, no process.
import { strict as assert } from "node:assert";
import { CheckResult, Drift, watchExitCode, withBlindness } from "../../watch/findings";
import { issueBody, IssueAction, OpenIssue, planIssues, readMarker } from "../../watch/issue-plan";
import { parseWatchReport } from "../../watch/report-file";

const run = { checkedAt: "2026-12-06T08:07:00Z", runUrl: "https://github.com/o/r/actions/runs/9" };
const drift = (kind: Drift["kind"], details: string[] = ["a fact"]): Drift => ({
  kind,
  status: "drift",
  severity: "critical",
  summary: `${kind} drifted`,
  details,
  action: "fix it",
});
const clean = (kind: CheckResult["kind"]): CheckResult => ({ kind, status: "clean", summary: "fine" });
const unknown = (kind: CheckResult["kind"]): CheckResult => ({ kind, status: "unknown", endpoint: "https://ghcr.io", reason: "refused" });
const issue = (number: number, d: Drift, firstSeen = "2026-12-01T08:07:00Z"): OpenIssue => ({
  number,
  body: issueBody(d, firstSeen, run),
  url: `https://github.com/o/r/issues/${number}`,
});
const shape = (actions: IssueAction[]) =>
  actions.map((a) => [a.type, a.kind, "number" in a ? a.number : null, a.type === "update" ? Boolean(a.comment) : null]);

describe("planIssues: one issue per kind, found by its marker", () => {
  const cases: { name: string; results: CheckResult[]; open: OpenIssue[]; expected: ReturnType<typeof shape> }[] = [
    { name: "drift, no issue: open one", results: [drift("tags")], open: [], expected: [["open", "tags", null, null]] },
    { name: "same drift again: edit, no comment", results: [drift("tags")], open: [issue(4, drift("tags"))], expected: [["update", "tags", 4, false]] },
    {
      name: "the evidence changed: edit and comment",
      results: [drift("tags", ["another fact"])],
      open: [issue(4, drift("tags"))],
      expected: [["update", "tags", 4, true]],
    },
    { name: "clean with an issue: close it", results: [clean("tags")], open: [issue(4, drift("tags"))], expected: [["close", "tags", 4, null]] },
    { name: "clean, no issue: nothing", results: [clean("tags")], open: [], expected: [] },
    { name: "unknown leaves the issue alone", results: [unknown("tags")], open: [issue(4, drift("tags"))], expected: [] },
    {
      name: "an issue without a marker is not the watch's",
      results: [drift("tags")],
      open: [{ number: 2, body: "kind=tags, by hand", url: "u" }],
      expected: [["open", "tags", null, null]],
    },
    {
      name: "two issues of a kind: the oldest is kept up to date",
      results: [drift("tags")],
      open: [issue(9, drift("tags")), issue(5, drift("tags"))],
      expected: [["update", "tags", 5, false]],
    },
    {
      name: "kinds are independent",
      results: [drift("signature"), clean("tags"), unknown("ia-files")],
      open: [issue(3, drift("tags")), issue(6, drift("ia-files"))],
      expected: [
        ["open", "signature", null, null],
        ["close", "tags", 3, null],
      ],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(shape(planIssues(c.results, c.open, run)), c.expected));

  it("an update keeps the first-seen time; the marker round-trips", () => {
    const [update] = planIssues([drift("tags")], [issue(4, drift("tags"), "2026-11-30T00:00:00Z")], run);
    assert.equal(update.type, "update");
    assert.deepEqual(readMarker((update as { body: string }).body), {
      kind: "tags",
      evidence: readMarker(issue(4, drift("tags")).body)!.evidence,
      firstSeen: "2026-11-30T00:00:00Z",
    });
    assert.match((update as { body: string }).body, /First seen 2026-11-30T00:00:00Z; last seen 2026-12-06T08:07:00Z by \[this run\]\(https:/);
  });
});

describe("watch verdicts", () => {
  const cases: [string, CheckResult[], 0 | 1 | 3][] = [
    ["all clean", [clean("tags"), clean("signature")], 0],
    ["a drift", [clean("tags"), drift("signature")], 1],
    ["unknown only", [clean("tags"), unknown("signature")], 3],
    ["drift beats unknown: what is known to be wrong comes first", [drift("tags"), unknown("signature")], 1],
  ];
  for (const [name, results, code] of cases) it(`${name}: exit ${code}`, () => assert.equal(watchExitCode(withBlindness(results)), code));

  it("could-not-check is a kind of its own, naming each endpoint", () => {
    const blind = withBlindness([unknown("tags"), clean("site-date")]).find((r) => r.kind === "could-not-check") as Drift;
    assert.equal(blind.status, "drift");
    assert.deepEqual(blind.details, ["tags: https://ghcr.io: refused"]);
    assert.equal(withBlindness([clean("tags")]).find((r) => r.kind === "could-not-check")!.status, "clean");
  });
});

describe("parseWatchReport refuses what could close issues by mistake", () => {
  const good = { stack: "Pulumi.release.yaml", checkedAt: run.checkedAt, results: [clean("tags"), drift("signature"), unknown("ia-files")] };
  it("reads back what the CLI writes", () => assert.deepEqual(parseWatchReport(JSON.stringify(good), "f.json"), good));
  const bad: [string, unknown, RegExp][] = [
    ["a foreign kind", { ...good, results: [{ kind: "tag", status: "clean", summary: "x" }] }, /results\[0\]\.kind "tag" is not one of/],
    ["a kind twice", { ...good, results: [clean("tags"), clean("tags")] }, /lists a kind twice/],
    [
      "a drift without details",
      { ...good, results: [{ ...drift("tags"), details: undefined }] },
      /results\[0\] \(tags\) is not a clean, drift or unknown result/,
    ],
    ["no results", { stack: "s", checkedAt: run.checkedAt }, /has no stack, checkedAt and results/],
  ];
  for (const [name, value, message] of bad) it(name, () => assert.throws(() => parseWatchReport(JSON.stringify(value), "f.json"), message));
});
