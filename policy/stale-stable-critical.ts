// Handbook 11.1: the watchdog is "critical at 14" days. When the operator configures
// criticalAfterDays, a stable channel that old blocks the update until the pipeline is fixed or
// a fresh promotion lands; unconfigured, the policy stays silent and stale-stable only warns.
import { StackValidationPolicy } from "@pulumi/policy";
import { staleMessage, stableAge } from "./stable-age";

export const staleStableCritical: StackValidationPolicy = {
  name: "stale-stable-critical",
  description: "Blocks when the stable promotion is older than criticalAfterDays (e.g. 14), only when configured.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      criticalAfterDays: { type: "number", minimum: 1, description: "Days after the boot of :stable before the stack blocks (handbook: 14). Unset: off." },
    },
  },
  validateStack: (args, reportViolation) => {
    const { criticalAfterDays } = args.getConfig<{ criticalAfterDays?: number }>();
    if (criticalAfterDays === undefined) return;
    const age = stableAge(args.resources, new Date());
    if (age && age.days > criticalAfterDays) reportViolation(staleMessage(age, criticalAfterDays), age.resource.urn);
  },
};
