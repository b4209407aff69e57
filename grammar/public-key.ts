// The cosign verification key as stack config and CLI input: a PEM public key (not secret: the
// image repository publishes the same cosign.pub). Pure node:crypto, no @pulumi/pulumi, so the
// config parser, the Promotion provider and the promote CLI share it.
import { createHash, createPublicKey, KeyObject } from "node:crypto";

export const PUBLIC_KEY_FORM =
  "a PEM public key (-----BEGIN PUBLIC KEY-----), ECDSA P-256 as `cosign generate-key-pair` writes (the image repository's cosign.pub)";

export interface CosignPublicKey {
  readonly key: KeyObject;
  /** sha256 of the key's DER SubjectPublicKeyInfo: how messages name the key. */
  readonly fingerprint: string;
}

/** The key, or a reason it is not a usable cosign public key. */
export function parseCosignPublicKey(pem: unknown): CosignPublicKey | { problem: string } {
  if (typeof pem !== "string" || !/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(pem)) {
    if (typeof pem === "string" && /PRIVATE KEY-----/.test(pem))
      return { problem: "this is a PRIVATE key: never put it here; give the public key (cosign.pub)" };
    return { problem: `not ${PUBLIC_KEY_FORM}` };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (err) {
    return { problem: `not a readable PEM public key (${(err as Error).message})` };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== "ec" || curve !== "prime256v1") {
    return { problem: `a ${key.asymmetricKeyType}${curve ? ` ${curve}` : ""} key; cosign keys are ECDSA P-256 (prime256v1)` };
  }
  return { key, fingerprint: publicKeyFingerprint(key) };
}

export function publicKeyFingerprint(key: KeyObject): string {
  return `sha256:${createHash("sha256")
    .update(key.export({ format: "der", type: "spki" }))
    .digest("hex")}`;
}
