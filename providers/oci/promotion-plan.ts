// The decision of a promotion, pure: given where each tag points now and what state (or --expect)
// says it should be, which tags move, which are already done, which conflict, and whether moving
// :stable goes back in time. No I/O here, so the rules are tested as tables.
import { TagGrammar } from "../../grammar/values";
import { PromotionConflict, RollbackRequired } from "./errors";

export interface PromotionPlanInput {
  readonly image: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /** Where each tag currently points (null: the tag does not exist). */
  readonly current: Readonly<Record<string, string | null>>;
  /** Where state or --expect says a tag points; tags without an entry are not checked. */
  readonly expected: Readonly<Record<string, string | null>>;
  /** Every tag of the repository (for the newest dated alias). */
  readonly repositoryTags: readonly string[];
  /** YYYYMMDD of the release (its dated tags, else the boot date), when known. */
  readonly releaseDate?: string;
  /**
   * Where the newest dated alias points now, when the release date is not known: a digest that is
   * already the newest dated release may take :stable without its dated tags (a healing rerun).
   */
  readonly newestDatedDigest?: string | null;
  readonly rollback: boolean;
}

export interface PromotionPlan {
  /** Tags to PUT, in request order: :stable always last, once its dated aliases are in place. */
  readonly moves: string[];
}

/** The newest YYYYMMDD among dated stable aliases (stable.YYYYMMDD, YYYYMMDD). */
export function newestDatedTag(tags: readonly string[]): string | undefined {
  return tags
    .map((t) => TagGrammar.parse(t))
    .filter((p) => p?.kind === "stable-dated" || p?.kind === "dated")
    .map((p) => p!.date!)
    .sort()
    .at(-1);
}

export function planPromotion(input: PromotionPlanInput): PromotionPlan {
  const moves: string[] = [];
  const conflicts: { tag: string; expected: string | null; actual: string | null }[] = [];
  for (const tag of input.tags) {
    const actual = input.current[tag] ?? null;
    // Already at the digest: skipped, which is also how a half-done promotion heals.
    if (actual === input.digest) continue;
    if (tag in input.expected && input.expected[tag] !== actual) {
      conflicts.push({ tag, expected: input.expected[tag], actual });
      continue;
    }
    moves.push(tag);
  }
  // All or nothing: a conflict on one tag means someone else is releasing; moving the other tags
  // would split the stable tags across digests (the reason smoke-boot runs in a queue).
  if (conflicts.length > 0) throw new PromotionConflict(input.image, conflicts);
  const stableMoves = moves.includes("stable") && (input.current.stable ?? null) !== null;
  if (stableMoves && !input.rollback) {
    const newest = newestDatedTag(input.repositoryTags);
    // Without a release date (`--tags stable` alone) the move cannot be shown to go forward: only
    // a digest that already is the newest dated release may take :stable without saying --rollback.
    if (newest && !input.releaseDate && input.newestDatedDigest !== input.digest) throw new RollbackRequired(input.image, undefined, newest);
    if (newest && input.releaseDate && input.releaseDate < newest) throw new RollbackRequired(input.image, input.releaseDate, newest);
  }
  // :stable is what clients follow: it moves only after every dated alias is in place, so an
  // interrupted promotion never leaves :stable on a digest without its dated tags.
  const ordered = [...moves.filter((t) => t !== "stable"), ...moves.filter((t) => t === "stable")];
  return { moves: ordered };
}
