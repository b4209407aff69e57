// Handbook 11.1: smoke-boot "resolves :candidate to an immutable digest once" and "promotes the exact
// digest it booted" — re-resolving the moving tag was the void-gate window where a never-booted
// build got promoted. A Promotion's source is therefore a digest, never a tag, and every tag it
// writes points to that one digest.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { PromotionTagProblemKind, promotionTagProblems } from "../grammar/promotion-tags";
import { DIGEST_FORM, isDigest, isImageName } from "../grammar/values";
import { ResourceTypes } from "./resource-types";

/** The list's shape is this rule's: every tag it writes points to the one digest, once. */
const LIST_PROBLEMS = new Set<PromotionTagProblemKind>(["not-a-list", "empty", "duplicate"]);

export function promotionSourceFindings(props: Record<string, unknown>): string[] {
  const found: string[] = [];
  const { image, digest, tags } = props;
  if (!isDigest(digest)) {
    found.push(
      typeof digest === "string" && !digest.startsWith("sha256:")
        ? `digest "${digest}" is a tag, not a digest; set digest to the sha256 smoke-boot booted (${DIGEST_FORM}), never a tag that can move`
        : `digest ${JSON.stringify(digest)} is not a manifest digest; expected ${DIGEST_FORM}`,
    );
  }
  if (!isImageName(image)) {
    const hint =
      typeof image === "string" && /[:@][^/]*$/.test(image.slice(image.indexOf("/")))
        ? "; drop the tag or digest from image — the source is the digest input"
        : "";
    found.push(`image ${JSON.stringify(image)} must be host/repository with no tag or digest${hint}`);
  }
  for (const problem of promotionTagProblems(tags)) if (LIST_PROBLEMS.has(problem.kind)) found.push(problem.text);
  return found;
}

export const promoteByDigest: ResourceValidationPolicy = {
  name: "promote-by-digest",
  description: "A Promotion copies one sha256 digest to all its tags; its source is never a tag (handbook 11.1).",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== ResourceTypes.promotion) return;
    for (const finding of promotionSourceFindings(args.props)) reportViolation(`Promotion ${args.name}: ${finding}`);
  },
};
