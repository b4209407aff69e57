// The promotion itself, shared by the Promotion provider and `npm run promote`: three sequential
// round trips at most (handbook 11.1: a registry-side pointer move, byte-identical to what booted).
//   1. GET the manifest by digest (raw bytes, all Accept types) || list the repository's tags
//   2. HEAD the requested tags that exist (where they point now: conflicts, skips, "before")
//   3. PUT the same bytes to every dated tag that must move, in parallel; the returned digest verifies it
//   4. PUT :stable last, only once every other tag is in place
import { RegistryError, VerificationError } from "./errors";
import { PromotionPlan, newestDatedTag, planPromotion } from "./promotion-plan";
import { Manifest, RegistryClient } from "./registry-client";

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
  /** Progress, for a caller that must say what happened when it is interrupted. */
  readonly progress?: PromotionProgress;
}

/** What a running promotion has done so far: tags moved, and PUTs sent but not answered yet. */
export interface PromotionProgress {
  readonly moved: string[];
  readonly inFlight: Set<string>;
  /** Every tag that must move, in order (:stable last); set once the plan is made. */
  planned?: readonly string[];
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
export async function resolveTags(
  client: RegistryClient,
  repository: string,
  tags: readonly string[],
  existing?: readonly string[],
): Promise<Record<string, string | null>> {
  const present = existing ? new Set(existing) : undefined;
  const entries = await Promise.all(
    tags.map(async (tag) => [tag, present && !present.has(tag) ? null : ((await client.headManifest(repository, tag))?.digest ?? null)] as const),
  );
  return Object.fromEntries(entries);
}

export async function promoteTags(client: RegistryClient, req: TagPromotionRequest): Promise<TagPromotionResult> {
  const [manifest, repositoryTags] = await Promise.all([client.getManifest(req.repository, req.digest), client.listTags(req.repository)]);
  const current = await resolveTags(client, req.repository, req.tags, repositoryTags);
  const releaseDate = newestDatedTag(req.tags) ?? req.bootDate;
  const newestDatedDigest = !releaseDate && req.tags.includes("stable") ? await newestDatedAliasDigest(client, req.repository, repositoryTags) : undefined;
  const plan: PromotionPlan = planPromotion({
    image: req.image,
    digest: req.digest,
    tags: req.tags,
    current,
    expected: req.expected ?? {},
    repositoryTags,
    releaseDate,
    newestDatedDigest,
    rollback: req.rollback ?? false,
  });
  if (req.progress) req.progress.planned = plan.moves;
  const outcome = (tag: string, after: string | null, action: TagOutcome["action"]): TagOutcome => ({ tag, before: current[tag], after, action });
  const result = (tags: TagOutcome[]): TagPromotionResult => ({
    image: req.image,
    digest: req.digest,
    mediaType: manifest.mediaType,
    requests: client.requestCount,
    tags,
  });
  if (req.dryRun) return result(req.tags.map((t) => (plan.moves.includes(t) ? outcome(t, current[t], "would-move") : outcome(t, req.digest, "unchanged"))));
  await moveTags(client, req, manifest, plan.moves);
  return result(req.tags.map((t) => outcome(t, req.digest, plan.moves.includes(t) ? "moved" : "unchanged")));
}

/**
 * PUTs the manifest to every tag of `moves`: the dated aliases in parallel, then :stable alone, so
 * a failure or an interrupt before the last step leaves :stable where it was, never on a digest
 * without its dated tags.
 */
async function moveTags(client: RegistryClient, req: TagPromotionRequest, manifest: Manifest, moves: readonly string[]): Promise<void> {
  const moved: string[] = req.progress?.moved ?? [];
  const inFlight = req.progress?.inFlight ?? new Set<string>();
  const put = async (tag: string): Promise<void> => {
    inFlight.add(tag);
    try {
      const reported = await client.putManifest(req.repository, tag, manifest);
      if (reported !== req.digest) throw new VerificationError(req.image, tag, req.digest, reported);
      moved.push(tag);
    } finally {
      inFlight.delete(tag);
    }
  };
  for (const batch of [moves.filter((t) => t !== "stable"), moves.filter((t) => t === "stable")]) {
    const settled = await Promise.allSettled(batch.map(put));
    const failures = settled.flatMap((s, i) => (s.status === "rejected" ? [{ tag: batch[i], error: s.reason as Error }] : []));
    if (failures.length === 0) continue;
    const verification = failures.find((f) => f.error instanceof VerificationError);
    if (verification && failures.length === 1 && moved.length === 0) throw verification.error;
    const notMoved = moves.filter((t) => !moved.includes(t) && !failures.some((f) => f.tag === t));
    // Half done is a state the next run heals (moved tags are skipped then), so say exactly what happened.
    throw new RegistryError(
      req.image,
      undefined,
      `promotion of ${req.digest} incomplete: moved ${moved.map((t) => `:${t}`).join(", ") || "nothing"}; ` +
        `failed ${failures.map((f) => `:${f.tag} (${f.error.message})`).join("; ")}` +
        `${notMoved.length > 0 ? `; not attempted ${notMoved.map((t) => `:${t}`).join(", ")}` : ""}. ` +
        "Run the promotion again: tags already at the digest are skipped.",
    );
  }
}

/** Where the newest dated alias (stable.YYYYMMDD, else YYYYMMDD) points, or undefined without one. */
async function newestDatedAliasDigest(client: RegistryClient, repository: string, repositoryTags: readonly string[]): Promise<string | null | undefined> {
  const newest = newestDatedTag(repositoryTags);
  if (!newest) return undefined;
  const alias = repositoryTags.includes(`stable.${newest}`) ? `stable.${newest}` : newest;
  return (await client.headManifest(repository, alias))?.digest ?? null;
}
