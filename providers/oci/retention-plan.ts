// Which image versions the weekly retention job removes, pure. A "version" is one digest with all
// its tags (GHCR's package version; a manifest on a plain registry). Removing it removes EVERY tag
// on it, so a version goes only when all its tags are expired transient tags (the GHCR trap in
// docs/protocols.md): never one carrying stable, a dated alias or a sha256-*
// signature tag, never an untagged version (index children, signature subjects) or an index child.
import { TagGrammar, dateStampToTime } from "../../grammar/values";

export interface ImageVersion {
  /** What deletes it: the GHCR version id, or the digest on a plain registry. */
  readonly id: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /** When the version was pushed (GHCR created_at) or built (config `created`). */
  readonly createdAt: string;
  /** Referenced by an index that is kept: deleting it would break that index. */
  readonly indexChild: boolean;
}

export interface RetentionPolicy {
  /** `pr-N` tags older than this many days expire (default 14). */
  readonly prDays: number;
  /** `candidate.YYYYMMDD` tags older than this many days expire (default 30). */
  readonly candidateDays: number;
  readonly now: Date;
}

export interface RetentionDecision {
  readonly version: ImageVersion;
  readonly remove: boolean;
  readonly reason: string;
}

const DAY_MS = 86_400_000;

/** Why a tag is still needed, or undefined when it is an expired transient tag. */
function keepReason(tag: string, version: ImageVersion, policy: RetentionPolicy): string | undefined {
  const parsed = TagGrammar.parse(tag);
  if (TagGrammar.isProtected(tag)) return `carries protected tag :${tag}`;
  if (parsed?.kind === "pr") {
    const age = (policy.now.getTime() - Date.parse(version.createdAt)) / DAY_MS;
    return Number.isNaN(age) || age <= policy.prDays ? `:${tag} is younger than ${policy.prDays} days` : undefined;
  }
  if (parsed?.kind === "candidate-dated") {
    const age = (policy.now.getTime() - dateStampToTime(parsed.date!)) / DAY_MS;
    return age <= policy.candidateDays ? `:${tag} is younger than ${policy.candidateDays} days` : undefined;
  }
  return `:${tag} is not a transient tag`;
}

export function planRetention(versions: readonly ImageVersion[], policy: RetentionPolicy): RetentionDecision[] {
  return versions.map((version) => {
    if (version.tags.length === 0) return { version, remove: false, reason: "untagged: an index child or a signature subject" };
    if (version.indexChild) return { version, remove: false, reason: "a platform manifest of a kept index" };
    const reasons = version.tags.map((t) => keepReason(t, version, policy)).filter((r): r is string => r !== undefined);
    return reasons.length > 0
      ? { version, remove: false, reason: reasons.join("; ") }
      : { version, remove: true, reason: `every tag expired: ${version.tags.map((t) => `:${t}`).join(", ")}` };
  });
}
