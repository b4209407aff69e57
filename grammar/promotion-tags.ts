// The problems of the tag list a Promotion writes, found in one place: the provider's check (and the
// promote CLI through it) and three policies (no-latest-tag, tag-grammar, promote-by-digest) each
// carried its own copy with its own words for the same mistake. Each reports the kinds its rule
// owns, in the same words, so the message a maintainer searches for is the one all of them print.
import { TagGrammar } from "./values";

export type PromotionTagProblemKind =
  /** `tags` is not an array at all. */
  | "not-a-list"
  /** An empty array: a promotion that moves nothing. */
  | "empty"
  /** Handbook 11.1: there is deliberately no :latest. */
  | "latest"
  /** Any other tag outside stable, stable.YYYYMMDD, YYYYMMDD (candidate, a non-date, a non-string). */
  | "outside-grammar"
  /** The same tag again: each tag points to the one promoted digest once. */
  | "duplicate";

export interface PromotionTagProblem {
  readonly kind: PromotionTagProblemKind;
  /** The position in the list; absent for the list-level kinds. */
  readonly index?: number;
  /** One line starting with the place (`tags`, `tags[1]`), then what is wrong and the expected form. */
  readonly text: string;
}

function shown(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

function tagProblem(tag: unknown, index: number): PromotionTagProblem | undefined {
  if (tag === "latest") {
    return {
      kind: "latest",
      index,
      text: `tags[${index}] is "latest", and "latest" is never promoted: it conflates "most recently built" with "recommended" (handbook 11.1); use ${TagGrammar.promotionForm}`,
    };
  }
  if (typeof tag === "string" && TagGrammar.isPromotionTag(tag)) return undefined;
  return { kind: "outside-grammar", index, text: `tags[${index}] ${shown(tag)} is not a promotion tag; expected ${TagGrammar.promotionForm}` };
}

/** Every problem of `tags`, in list order; empty when a Promotion may write exactly these tags. */
export function promotionTagProblems(tags: unknown): PromotionTagProblem[] {
  if (!Array.isArray(tags)) {
    return [{ kind: "not-a-list", text: `tags is ${shown(tags)}, not a list; expected at least one of ${TagGrammar.promotionForm}` }];
  }
  if (tags.length === 0) return [{ kind: "empty", text: `tags is empty; list the tags the digest moves to, at least one of ${TagGrammar.promotionForm}` }];
  const problems: PromotionTagProblem[] = [];
  for (const [index, tag] of tags.entries()) {
    const problem = tagProblem(tag, index);
    if (problem) problems.push(problem);
    if (tags.indexOf(tag) !== index) {
      problems.push({ kind: "duplicate", index, text: `tags[${index}] ${shown(tag)} is listed twice; each tag points to the one promoted digest once` });
    }
  }
  return problems;
}
