// Carries out a run's issue plan (watch/issue-plan.ts) against GitHub, and pushes to ntfy on every
// open and close (not on updates: the on-call phone rings when something starts or ends).
import { CheckResult } from "./findings";
import { planIssues, RunContext, WATCH_LABEL } from "./issue-plan";
import { WatchIssues } from "./github-issues";
import { NtfyTarget, push } from "./ntfy";

export interface SyncOutcome {
  /** One line per thing done, for the job log. */
  readonly log: string[];
  /** Pushes that failed (best effort: the issue is the record). */
  readonly pushFailures: string[];
}

export async function syncIssues(results: readonly CheckResult[], issues: WatchIssues, run: RunContext, ntfy?: NtfyTarget): Promise<SyncOutcome> {
  const open = await issues.listOpen();
  const log: string[] = [];
  const pushFailures: string[] = [];
  const notify = async (p: Parameters<typeof push>[1]) => {
    if (!ntfy) return;
    const failure = await push(ntfy, p);
    if (failure) pushFailures.push(failure);
  };
  for (const action of planIssues(results, open, run)) {
    if (action.type === "open") {
      const created = await issues.open(action.title, action.body, WATCH_LABEL);
      log.push(`opened #${created.number} (${action.kind}): ${created.url}`);
      await notify({
        title: action.title,
        message: `${action.drift.severity}: ${action.drift.summary}`,
        priority: action.drift.severity === "critical" ? 4 : 3,
        tags: [action.drift.severity === "critical" ? "rotating_light" : "warning", "margine"],
        click: created.url,
      });
    } else if (action.type === "update") {
      await issues.edit(action.number, action.title, action.body);
      if (action.comment) await issues.comment(action.number, action.comment);
      log.push(`updated #${action.number} (${action.kind})${action.comment ? ", the finding changed: commented" : ""}`);
    } else {
      await issues.comment(action.number, action.comment);
      await issues.close(action.number);
      log.push(`closed #${action.number} (${action.kind}): the finding cleared`);
      const url = open.find((i) => i.number === action.number)?.url;
      await notify({
        title: `Cleared: ${action.kind}`,
        message: action.comment,
        priority: 2,
        tags: ["white_check_mark", "margine"],
        ...(url ? { click: url } : {}),
      });
    }
  }
  if (log.length === 0) log.push("no issue to open, update or close");
  return { log, pushFailures };
}
