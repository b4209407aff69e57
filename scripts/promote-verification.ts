// The promote CLI's signature gate: --verify-key FILE verifies the digest's cosign
// signature before any tag moves; without it the CLI refuses unless --no-verify says so
// explicitly. Kept apart from promote.ts so the gate reads in one place.
import * as fs from "node:fs";
import { parseCosignPublicKey } from "../grammar/public-key";
import { RegistryClient } from "../providers/oci/registry-client";
import { SignatureVerification, SignatureVerificationError, verifyImageSignature } from "../providers/oci/signature-verification";
import { UsageError } from "./cli";

/** Exit code for "not signed by this key" (0 done, 2 invalid input, 3 conflict, 1 other failure). */
export const EXIT_NOT_SIGNED = 4;

export const VERIFY_OPTIONS = {
  "verify-key": { type: "string" },
  "no-verify": { type: "boolean", default: false },
} as const;

export type VerificationPlan = { readonly publicKey: string; readonly keyFile: string } | { readonly skipped: true };

/** Reads and checks --verify-key before any request; refuses neither flag, and both. */
export function verificationPlan(values: { "verify-key"?: string; "no-verify"?: boolean }): VerificationPlan {
  const keyFile = values["verify-key"];
  if (keyFile !== undefined && values["no-verify"]) throw new UsageError("--verify-key and --no-verify contradict each other: give one");
  if (keyFile === undefined) {
    if (values["no-verify"]) return { skipped: true };
    throw new UsageError(
      "refusing to promote without verifying the signature: pass --verify-key FILE (the image repository's cosign.pub), or --no-verify to move tags to an unverified digest",
    );
  }
  let publicKey: string;
  try {
    publicKey = fs.readFileSync(keyFile, "utf8");
  } catch (err) {
    throw new UsageError(`--verify-key ${keyFile}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  const parsed = parseCosignPublicKey(publicKey);
  if ("problem" in parsed) throw new UsageError(`--verify-key ${keyFile}: ${parsed.problem}`);
  return { publicKey, keyFile };
}

/** The JSON output's `verification`: what was verified, or that it was skipped on request. */
export type VerificationReport =
  (SignatureVerification & { readonly verified: true; readonly keyFile: string }) | { readonly verified: false; readonly skipped: "--no-verify" };

/** Verifies per plan; a digest not signed by the key is exit 4. */
export async function runVerification(
  client: RegistryClient,
  plan: VerificationPlan,
  target: { image: string; repository: string; digest: string },
): Promise<VerificationReport> {
  if ("skipped" in plan) {
    console.error(`warning: --no-verify: ${target.image}@${target.digest} is promoted without checking its signature`);
    return { verified: false, skipped: "--no-verify" };
  }
  try {
    return { verified: true, keyFile: plan.keyFile, ...(await verifyImageSignature(client, { ...target, publicKey: plan.publicKey })) };
  } catch (err) {
    if (err instanceof SignatureVerificationError) throw new UsageError(`${err.message} (${client.requestCount} requests)`, EXIT_NOT_SIGNED);
    throw err;
  }
}
