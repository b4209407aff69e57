// Handbook 11.1: promotion is "gated on a real boot" — smoke-boot "only then promotes the exact
// digest it booted". A Promotion carries the run that booted it and when; its dated tags name that
// boot date; and moving stable backwards is a rollback that must be said (docs/release-flow.md).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { TagGrammar, isHttpsUrl, isIsoInstant, utcDateStamp } from "../grammar/values";
import { ResourceTypes } from "./resource-types";

export function bootEvidenceFindings(props: Record<string, unknown>, now: Date): string[] {
  const found: string[] = [];
  const evidence = props.evidence as { bootRun?: unknown; bootedAt?: unknown } | undefined;
  if (typeof evidence !== "object" || evidence === null) {
    return [
      "has no evidence; set evidence {bootRun: URL of the passing smoke-boot run, bootedAt: ISO time} — only a booted digest is promoted",
      ...rollbackFindings(props),
    ];
  }
  if (!isHttpsUrl(evidence.bootRun) || !/\/actions\/runs\/\d+/.test(evidence.bootRun)) {
    found.push(
      `evidence.bootRun ${JSON.stringify(evidence.bootRun)} is not a smoke-boot run; set it to https://github.com/<owner>/<repo>/actions/runs/<id> of the passing boot`,
    );
  }
  if (!isIsoInstant(evidence.bootedAt)) {
    found.push(`evidence.bootedAt ${JSON.stringify(evidence.bootedAt)} is not an ISO 8601 time with zone (e.g. 2026-11-20T10:00:00Z)`);
  } else if (Date.parse(evidence.bootedAt) > now.getTime() + 5 * 60_000) {
    found.push(`evidence.bootedAt ${evidence.bootedAt} is in the future; a boot that has not happened is no evidence`);
  } else if (Array.isArray(props.tags)) {
    const bootDate = utcDateStamp(new Date(evidence.bootedAt));
    for (const [i, tag] of props.tags.entries()) {
      const date = typeof tag === "string" ? TagGrammar.parse(tag)?.date : undefined;
      if (date && date !== bootDate) {
        found.push(`tags[${i}] "${tag}" is dated ${date} but the digest booted on ${bootDate} (evidence.bootedAt); dated tags name the boot date`);
      }
    }
  }
  return [...found, ...rollbackFindings(props)];
}

function rollbackFindings(props: Record<string, unknown>): string[] {
  return typeof props.rollback === "boolean"
    ? []
    : [`rollback is ${JSON.stringify(props.rollback)}; set rollback: false, or true when stable moves back to an older digest — a rollback is explicit`];
}

export const bootedEvidence: ResourceValidationPolicy = {
  name: "booted-evidence",
  description: "A Promotion carries evidence of a passing boot of its digest, dated tags match the boot date, and a rollback is explicit (handbook 11.1).",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== ResourceTypes.promotion) return;
    for (const finding of bootEvidenceFindings(args.props, new Date())) reportViolation(`Promotion ${args.name}: ${finding}`);
  },
};
