// How old the stable channel is: the boot time of the Promotion that writes :stable. Shared by
// stale-stable (advisory at 7 days) and stale-stable-critical (mandatory past 14 when configured),
// the two thresholds of the handbook's client-side watchdog (11.1: "7 days, critical at 14").
import { PolicyResource } from "@pulumi/policy";
import { isIsoInstant } from "../grammar/values";
import { ResourceTypes } from "./resource-types";

export interface StableAge {
  readonly resource: PolicyResource;
  readonly bootedAt: string;
  readonly days: number;
}

export function stableAge(resources: readonly PolicyResource[], now: Date): StableAge | undefined {
  for (const resource of resources) {
    if (resource.type !== ResourceTypes.promotion) continue;
    const tags: unknown[] = Array.isArray(resource.props.tags) ? resource.props.tags : [];
    const bootedAt = (resource.props.evidence as { bootedAt?: unknown } | undefined)?.bootedAt;
    if (!tags.includes("stable") || !isIsoInstant(bootedAt)) continue;
    return { resource, bootedAt, days: (now.getTime() - Date.parse(bootedAt)) / 86_400_000 };
  }
  return undefined;
}

export function staleMessage(age: StableAge, limit: number): string {
  return (
    `Promotion ${age.resource.name}: :stable booted ${age.bootedAt}, ${Math.floor(age.days)} days ago (limit ${limit}); ` +
    "clients warn past 7 days — fix the build/smoke-boot pipeline or merge the pending promotion PR that moves stable to a newly booted digest"
  );
}
