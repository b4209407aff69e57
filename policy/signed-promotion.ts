// Handbook 11.6: clients rebase with the ostree-image-signed transport and verify the
// image signature against cosign.pub before checkout, so one unsigned :stable fails every client's
// upgrade. Every Promotion that moves `stable` therefore carries the verification key, and the
// Promotion verifies the digest's cosign signature with it before any tag moves.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { parseCosignPublicKey } from "../grammar/public-key";
import { ResourceTypes } from "./resource-types";

export function signedPromotionFindings(props: Record<string, unknown>): string[] {
  if (!Array.isArray(props.tags) || !props.tags.includes("stable")) return [];
  const key = props.cosignPublicKey;
  if (key === undefined || key === null || key === "") {
    return [
      "moves stable without a verification key; set cosignPublicKey (release stack config) to the image repository's cosign.pub, so the digest's signature is verified before any tag moves",
    ];
  }
  const parsed = parseCosignPublicKey(key);
  return "problem" in parsed ? [`cosignPublicKey is ${parsed.problem}`] : [];
}

export const signedPromotion: ResourceValidationPolicy = {
  name: "signed-promotion",
  description: "Every Promotion that moves stable carries the cosign verification key, so nothing unsigned becomes :stable (handbook 11.6).",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== ResourceTypes.promotion) return;
    for (const finding of signedPromotionFindings(args.props)) reportViolation(`Promotion ${args.name}: ${finding}`);
  },
};
