// What the release watch found (docs/watch.md): one result per kind of check, each either clean,
// drift (the world differs from the release stack, with what to do) or unknown (the check could not
// run, naming the endpoint). Unknown is never clean: an unreachable registry proves nothing.

/** One kind of finding: one GitHub issue at most per kind, found again by its marker. */
export const FINDING_KINDS = ["tags", "signature", "staleness", "ia-files", "site-date", "stack-drift", "could-not-check"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export type Severity = "warning" | "critical";

export type CheckResult =
  | { readonly kind: FindingKind; readonly status: "clean"; readonly summary: string }
  | {
      readonly kind: FindingKind;
      readonly status: "drift";
      readonly severity: Severity;
      /** One line: what differs. */
      readonly summary: string;
      /** The evidence, one fact per line (a tag and its digest, a file and its md5). */
      readonly details: readonly string[];
      /** What the maintainer on call does about it. */
      readonly action: string;
    }
  | { readonly kind: FindingKind; readonly status: "unknown"; readonly endpoint: string; readonly reason: string };

export type Drift = Extract<CheckResult, { status: "drift" }>;

export interface WatchReport {
  /** The stack file the checks compared the world with. */
  readonly stack: string;
  readonly checkedAt: string;
  readonly results: readonly CheckResult[];
}

/** The issue titles, fixed per kind (the marker, not the title, finds an issue again). */
export const FINDING_TITLES: Record<FindingKind, string> = {
  tags: "Release watch: registry tags are not where the release stack puts them",
  signature: "Release watch: the stable digest's signature does not verify",
  staleness: "Release watch: :stable is stale",
  "ia-files": "Release watch: an ISO item on the Internet Archive lost or changed a file",
  "site-date": "Release watch: the website's LATEST_ISO_DATE is not the newest ISO release",
  "stack-drift": "Release watch: pulumi preview --refresh of the release stack proposes changes",
  "could-not-check": "Release watch: some checks could not run",
};

/**
 * The results with "could not check" added as its own kind: the watch being blind is itself worth
 * an issue (a registry that has refused the watch for a week hides every other drift).
 */
export function withBlindness(results: readonly CheckResult[]): CheckResult[] {
  const unknown = results.filter((r): r is Extract<CheckResult, { status: "unknown" }> => r.status === "unknown");
  const blindness: CheckResult =
    unknown.length === 0
      ? { kind: "could-not-check", status: "clean", summary: "every check reached its endpoint" }
      : {
          kind: "could-not-check",
          status: "drift",
          severity: "warning",
          summary: `${unknown.length} check(s) could not run: ${unknown.map((u) => u.kind).join(", ")}`,
          details: unknown.map((u) => `${u.kind}: ${u.endpoint}: ${u.reason}`),
          action: "find out why the endpoint refused or did not answer; until then these kinds are unchecked (their issues stay as they were)",
        };
  return [...results.filter((r) => r.kind !== "could-not-check"), blindness];
}

/** 0 clean, 1 drift found, 3 could not check (some check unknown and no drift found). */
export function watchExitCode(results: readonly CheckResult[]): 0 | 1 | 3 {
  if (results.some((r) => r.status === "drift" && r.kind !== "could-not-check")) return 1;
  if (results.some((r) => r.status === "unknown")) return 3;
  return 0;
}

/** The text report: one line per check, the evidence indented under a drift. */
export function renderText(report: WatchReport): string {
  const lines = [`release watch of ${report.stack} at ${report.checkedAt}`];
  for (const r of report.results) {
    if (r.status === "clean") lines.push(`clean     ${r.kind}: ${r.summary}`);
    else if (r.status === "unknown") lines.push(`unknown   ${r.kind}: could not check ${r.endpoint}: ${r.reason}`);
    else lines.push(`${r.severity.padEnd(9)} ${r.kind}: ${r.summary}`, ...r.details.map((d) => `            ${d}`), `            to do: ${r.action}`);
  }
  return lines.join("\n") + "\n";
}
