// Handbook 11.1: the client watchdog "raises a desktop notification when :stable is older than 7
// days — either the build pipeline is broken, or upstream has genuinely paused". The stack warns
// first, before users' desktops do.
import { StackValidationPolicy } from "@pulumi/policy";
import { staleMessage, stableAge } from "./stable-age";

export const staleStable: StackValidationPolicy = {
  name: "stale-stable",
  description: "Warns when the stable promotion is older than warnAfterDays (default 7, the client watchdog's threshold).",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: {
    properties: {
      warnAfterDays: { type: "number", minimum: 1, default: 7, description: "Days after the boot of :stable before the stack warns." },
    },
  },
  validateStack: (args, reportViolation) => {
    const { warnAfterDays = 7 } = args.getConfig<{ warnAfterDays?: number }>();
    const age = stableAge(args.resources, new Date());
    if (age && age.days > warnAfterDays) reportViolation(staleMessage(age, warnAfterDays), age.resource.urn);
  },
};
