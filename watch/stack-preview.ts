// `pulumi preview --refresh --expect-no-changes` of the release stack as a finding (docs/watch.md).
// A plain preview with an in-memory refresh: it writes no state (the pulumi/actions `refresh: true`
// input runs `pulumi refresh`, which does, pulumi#12740), so the watch needs only the read-only
// state role. The engine exits 7 (ExitNoChanges, part of the CLI's stable exit-code contract) when
// changes were proposed, with backenderr's message; any other failure means the preview did not run.
import { CheckResult } from "./findings";

export const NO_CHANGES_EXPECTED = /no changes were expected (for \S+ )?but changes were proposed/;

/** The Pulumi CLI's exit code for "changes were proposed" under --expect-no-changes (cmdutil.ExitNoChanges). */
export const EXIT_NO_CHANGES = 7;

/** A resource line of the preview's progress output: ` ~  pulumi-nodejs:dynamic:Resource release-stable update [diff: ~tags]`. */
const CHANGE_LINE = /^\s*(\+-|-\+|\+\+|--|[~+-])\s+\S+:\S+:\S+\s+\S+\s+(update|create|delete|replace|create-replacement|delete-replaced)\b/;

export function stackPreviewResult(exitCode: number, output: string): CheckResult {
  if (exitCode === 0) return { kind: "stack-drift", status: "clean", summary: "pulumi preview --refresh proposes no change" };
  const lines = output.split("\n");
  if (exitCode !== EXIT_NO_CHANGES || !NO_CHANGES_EXPECTED.test(output)) {
    const last = lines.map((l) => l.trim()).filter((l) => l.length > 0);
    const error = last.filter((l) => /^error:/.test(l)).at(-1) ?? last.at(-1) ?? "(no output)";
    return { kind: "stack-drift", status: "unknown", endpoint: "pulumi preview --refresh", reason: `exit ${exitCode}: ${error}` };
  }
  // The progress output may print a resource's line more than once.
  const changes = [...new Set(lines.filter((l) => CHANGE_LINE.test(l)).map((l) => l.trim()))];
  return {
    kind: "stack-drift",
    status: "drift",
    severity: "warning",
    summary: `the refreshed release stack differs from what it declares (${changes.length} resource(s))`,
    details: changes.length > 0 ? changes : ["the preview printed no resource lines; see the run's log"],
    action:
      "read the run's preview log: a change under a Promotion, IaItem or SiteRelease is the world moved by hand; re-run release.yml on main to converge, or declare the new state in a release pull request",
  };
}
