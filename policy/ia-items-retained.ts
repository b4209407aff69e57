// Handbook 11.2: the Internet Archive "hosts them indefinitely" — past releases must outlive the
// home server, and IA keeps every release forever. Deleting an IaItem resource (a renamed stack, a
// removed release entry) must never delete the item: it is protected or retained on delete.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "./resource-types";

export const iaItemsRetained: ResourceValidationPolicy = {
  name: "ia-items-retained",
  description: "IaItem resources are protected or retained on delete: a published ISO stays on the Internet Archive (handbook 11.2).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== ResourceTypes.iaItem) return;
    // retainOnDelete does not travel in the analyzer protocol's resource options (checked against
    // @pulumi/pulumi 3.248's AnalyzerResourceOptions); resources.json records it.
    const opts = args.opts as { protect?: boolean; retainOnDelete?: boolean };
    if (opts.protect !== true && opts.retainOnDelete !== true) {
      reportViolation(
        `IaItem ${args.name} (${String(args.props.identifier)}): create it with { protect: true, retainOnDelete: true } so removing the release from the stack never deletes the published ISO`,
      );
    }
  },
};
