// Which GitHub issues a watch run opens, updates and closes (docs/watch.md): pure, so the
// lifecycle is tested as tables. One open issue per kind of finding, found again by the marker in
// its body (a maintainer may retitle it); the issue is edited in place on every failing run and
// commented on only when the evidence changed, so a drift that lasts a week is one issue with a
// few comments, not seven issues or seven identical comments.
import { createHash } from "node:crypto";
import { CheckResult, Drift, FINDING_KINDS, FINDING_TITLES, FindingKind } from "./findings";

/** The label every watch issue carries, for people filtering the issue list (the marker, not the label, finds an issue). */
export const WATCH_LABEL = "release-watch";

export interface OpenIssue {
  readonly number: number;
  readonly body: string;
  readonly url: string;
}

export interface RunContext {
  /** The workflow run (or "a maintainer's laptop") that produced these results. */
  readonly runUrl?: string;
  readonly checkedAt: string;
}

export type IssueAction =
  | { readonly type: "open"; readonly kind: FindingKind; readonly title: string; readonly body: string; readonly drift: Drift }
  | { readonly type: "update"; readonly kind: FindingKind; readonly number: number; readonly title: string; readonly body: string; readonly comment?: string }
  | { readonly type: "close"; readonly kind: FindingKind; readonly number: number; readonly comment: string };

const MARKER = /<!-- margine-watch kind=([a-z-]+) evidence=([0-9a-f]{16}) first-seen=(\S+) -->/;

/** The marker an issue of `kind` carries: kind, a fingerprint of the evidence, when it was first seen. */
export function marker(kind: FindingKind, evidence: string, firstSeen: string): string {
  return `<!-- margine-watch kind=${kind} evidence=${evidence} first-seen=${firstSeen} -->`;
}

export function readMarker(body: string): { kind: FindingKind; evidence: string; firstSeen: string } | undefined {
  const m = MARKER.exec(body);
  if (!m || !(FINDING_KINDS as readonly string[]).includes(m[1])) return undefined;
  return { kind: m[1] as FindingKind, evidence: m[2], firstSeen: m[3] };
}

function fingerprint(drift: Drift): string {
  return createHash("sha256")
    .update(JSON.stringify([drift.summary, drift.details]))
    .digest("hex")
    .slice(0, 16);
}

export function issueBody(drift: Drift, firstSeen: string, run: RunContext): string {
  const seen = run.runUrl ? `[this run](${run.runUrl})` : "a manual run";
  return [
    marker(drift.kind, fingerprint(drift), firstSeen),
    `**${drift.severity}**: ${drift.summary}`,
    "",
    ...drift.details.map((d) => `- ${d.replace(/\n/g, " ")}`),
    "",
    `**To do:** ${drift.action}`,
    "",
    `First seen ${firstSeen}; last seen ${run.checkedAt} by ${seen}. The release watch closes this issue by itself when the finding clears (docs/watch.md).`,
  ].join("\n");
}

/**
 * The actions for one run. An unknown result leaves its kind's issue as it is: the watch could not
 * look, so it can neither confirm nor clear the finding. A second open issue of the same kind (a
 * copy a human made) is left alone; the oldest is the one kept up to date.
 */
export function planIssues(results: readonly CheckResult[], open: readonly OpenIssue[], run: RunContext): IssueAction[] {
  const byKind = new Map<FindingKind, { issue: OpenIssue; evidence: string; firstSeen: string }>();
  for (const issue of [...open].sort((a, b) => a.number - b.number)) {
    const m = readMarker(issue.body);
    if (m && !byKind.has(m.kind)) byKind.set(m.kind, { issue, evidence: m.evidence, firstSeen: m.firstSeen });
  }
  const actions: IssueAction[] = [];
  for (const result of results) {
    const existing = byKind.get(result.kind);
    if (result.status === "drift") {
      if (!existing) {
        actions.push({ type: "open", kind: result.kind, title: FINDING_TITLES[result.kind], body: issueBody(result, run.checkedAt, run), drift: result });
        continue;
      }
      const changed = existing.evidence !== fingerprint(result);
      actions.push({
        type: "update",
        kind: result.kind,
        number: existing.issue.number,
        title: FINDING_TITLES[result.kind],
        body: issueBody(result, existing.firstSeen, run),
        ...(changed ? { comment: [`The finding changed (${run.checkedAt}): ${result.summary}`, "", ...result.details.map((d) => `- ${d}`)].join("\n") } : {}),
      });
    } else if (result.status === "clean" && existing) {
      actions.push({
        type: "close",
        kind: result.kind,
        number: existing.issue.number,
        comment: `Cleared (${run.checkedAt}${run.runUrl ? `, [run](${run.runUrl})` : ""}): ${result.summary}. Closed by the release watch.`,
      });
    }
  }
  return actions;
}
