// Validation of a promotion request, shared by the provider's check and the promote CLI: every
// failure is found before any network call, one per field, naming the value and the expected form.
import { DIGEST_FORM, IMAGE_NAME_FORM, isDigest, isHttpsUrl, isImageName, isIsoInstant, isLoopbackRegistry, parseImageName } from "../../grammar/values";
import { promotionTagProblems } from "../../grammar/promotion-tags";
import { parseCosignPublicKey } from "../../grammar/public-key";

export interface InputFailure {
  readonly property: string;
  readonly reason: string;
}

export interface PromotionRequestShape {
  readonly image?: unknown;
  readonly digest?: unknown;
  readonly tags?: unknown;
  readonly evidence?: unknown;
  readonly rollback?: unknown;
  readonly insecure?: unknown;
  readonly cosignPublicKey?: unknown;
}

function shown(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

/** Failures of a promotion request; `requireEvidence` is false only for the CLI (no stack state). */
export function promotionInputFailures(inputs: PromotionRequestShape, options: { requireEvidence: boolean }): InputFailure[] {
  const failures: InputFailure[] = [];
  if (!isImageName(inputs.image)) {
    failures.push({ property: "image", reason: `${shown(inputs.image)} is not an image name; expected ${IMAGE_NAME_FORM}` });
  } else if (inputs.insecure === true && !isLoopbackRegistry(inputs.image)) {
    failures.push({ property: "insecure", reason: `plain HTTP is allowed only for loopback registries, not ${parseImageName(inputs.image).registry}` });
  }
  if (inputs.insecure !== undefined && typeof inputs.insecure !== "boolean")
    failures.push({ property: "insecure", reason: `${shown(inputs.insecure)} is not a boolean` });
  if (!isDigest(inputs.digest)) failures.push({ property: "digest", reason: `${shown(inputs.digest)} is not a digest; expected ${DIGEST_FORM}` });
  const tagProblems = promotionTagProblems(inputs.tags);
  if (tagProblems.length > 0) failures.push({ property: "tags", reason: tagProblems.map((p) => p.text).join("; ") });
  if (options.requireEvidence) {
    const evidence = inputs.evidence as { bootRun?: unknown; bootedAt?: unknown } | undefined;
    if (!evidence || typeof evidence !== "object") {
      failures.push({
        property: "evidence",
        reason: "missing boot evidence: a digest is promoted only after smoke-boot booted it; expected {bootRun: URL of the passing run, bootedAt: ISO time}",
      });
    } else {
      if (!isHttpsUrl(evidence.bootRun))
        failures.push({ property: "evidence.bootRun", reason: `${shown(evidence.bootRun)} is not the https URL of the passing smoke-boot run` });
      if (!isIsoInstant(evidence.bootedAt))
        failures.push({ property: "evidence.bootedAt", reason: `${shown(evidence.bootedAt)} is not an ISO time such as 2026-11-20T10:00:00Z` });
    }
  }
  if (inputs.rollback !== undefined && typeof inputs.rollback !== "boolean")
    failures.push({ property: "rollback", reason: `${shown(inputs.rollback)} is not a boolean` });
  if (inputs.cosignPublicKey !== undefined) {
    const key = parseCosignPublicKey(inputs.cosignPublicKey);
    if ("problem" in key) failures.push({ property: "cosignPublicKey", reason: `the verification key is ${key.problem}` });
  }
  return failures;
}
