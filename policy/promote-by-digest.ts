// Handbook 11.1: smoke-boot "resolves :candidate to an immutable digest once" and "promotes the exact
// digest it booted" — re-resolving the moving tag was the void-gate window where a never-booted
// build got promoted. A Promotion's source is therefore a digest, never a tag, and every tag it
// writes points to that one digest.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { DIGEST_FORM, isDigest, isImageName } from "../grammar/values";
import { ResourceTypes } from "./resource-types";

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
  if (!Array.isArray(tags) || tags.length === 0) {
    found.push("tags is empty; list the tags this digest moves to (stable, stable.YYYYMMDD, YYYYMMDD)");
  } else {
    const seen = new Set<unknown>();
    for (const [i, tag] of tags.entries()) {
      if (seen.has(tag)) found.push(`tags[${i}] "${String(tag)}" is listed twice; each tag points to this one digest once`);
      seen.add(tag);
    }
  }
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
