// The promotion itself, shared by the Promotion provider and `npm run promote`: three sequential
// round trips at most (handbook 11.1: a registry-side pointer move, byte-identical to what booted).
//   1. GET the manifest by digest (raw bytes, all Accept types) || list the repository's tags
//   2. HEAD the requested tags that exist (where they point now: conflicts, skips, "before")
//   3. PUT the same bytes to every tag that must move, in parallel; the returned digest verifies it
import { RegistryError, VerificationError } from "./errors";
import { PromotionPlan, planPromotion, releaseDateOfTags } from "./promotion-plan";
import { RegistryClient } from "./registry-client";

export interface TagPromotionRequest {
  readonly image: string;
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly expected?: Readonly<Record<string, string | null>>;
  readonly rollback?: boolean;
  /** YYYYMMDD of the boot, used when no dated tag is among `tags`. */
  readonly bootDate?: string;
  readonly dryRun?: boolean;
}

export interface TagOutcome {
  readonly tag: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly action: "moved" | "unchanged" | "would-move";
}

export interface TagPromotionResult {
  readonly image: string;
  readonly digest: string;
  /** An index stays an index: this is the media type every tag now carries. */
  readonly mediaType: string;
  readonly tags: TagOutcome[];
  readonly requests: number;
}

/** Where each tag points now (null when missing), HEADing only the tags the registry lists. */
export async function resolveTags(client: RegistryClient, repository: string, tags: readonly string[], existing?: readonly string[]): Promise<Record<string, string | null>> {
  const present = existing ? new Set(existing) : undefined;
  const entries = await Promise.all(
    tags.map(async (tag) => [tag, present && !present.has(tag) ? null : (await client.headManifest(repository, tag))?.digest ?? null] as const),
  );
  return Object.fromEntries(entries);
}

export async function promoteTags(client: RegistryClient, req: TagPromotionRequest): Promise<TagPromotionResult> {
  const [manifest, repositoryTags] = await Promise.all([client.getManifest(req.repository, req.digest), client.listTags(req.repository)]);
  const current = await resolveTags(client, req.repository, req.tags, repositoryTags);
  const plan: PromotionPlan = planPromotion({
    image: req.image,
    digest: req.digest,
    tags: req.tags,
    current,
    expected: req.expected ?? {},
    repositoryTags,
    releaseDate: releaseDateOfTags(req.tags) ?? req.bootDate,
    rollback: req.rollback ?? false,
  });
  const outcome = (tag: string, after: string | null, action: TagOutcome["action"]): TagOutcome => ({ tag, before: current[tag], after, action });
  if (req.dryRun) {
    return {
      image: req.image, digest: req.digest, mediaType: manifest.mediaType, requests: client.requestCount,
      tags: req.tags.map((t) => (plan.moves.includes(t) ? outcome(t, current[t], "would-move") : outcome(t, req.digest, "unchanged"))),
    };
  }
  const settled = await Promise.allSettled(plan.moves.map((tag) => client.putManifest(req.repository, tag, manifest)));
  const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [`:${plan.moves[i]} (${(s.reason as Error).message})`] : []));
  const moved = plan.moves.filter((_, i) => settled[i].status === "fulfilled");
  if (failed.length > 0) {
    // Half done is a state the next run heals (moved tags are skipped then), so say exactly what happened.
    throw new RegistryError(req.image, undefined, `promotion of ${req.digest} incomplete: moved ${moved.map((t) => `:${t}`).join(", ") || "nothing"}; failed ${failed.join("; ")}. Run the promotion again: tags already at the digest are skipped.`);
  }
  settled.forEach((s, i) => {
    const reported = (s as PromiseFulfilledResult<string>).value;
    if (reported !== req.digest) throw new VerificationError(req.image, plan.moves[i], req.digest, reported);
  });
  return {
    image: req.image, digest: req.digest, mediaType: manifest.mediaType, requests: client.requestCount,
    tags: req.tags.map((t) => outcome(t, req.digest, plan.moves.includes(t) ? "moved" : "unchanged")),
  };
}
