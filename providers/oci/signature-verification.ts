// Cosign signature verification in the OCI client, no cosign binary at run time. Reads
// the signature a build's `cosign sign --key` writes for a digest: the `sha256-<hex>.sig` tag, an
// OCI manifest whose layers are simple-signing payloads (media type
// application/vnd.dev.cosign.simplesigning.v1+json) each carrying its base64 ECDSA signature in the
// `dev.cosignproject.cosign/signature` annotation. A layer verifies when its payload blob hashes to
// the layer digest, the signature over the payload bytes verifies with the public key, and the
// payload names exactly this digest, the cosign type and this image's repository. One verifying
// layer is enough; otherwise the error says, per layer, what was found. Plain TypeScript, no
// @pulumi/pulumi: the Promotion provider and the promote CLI run this same code.
import { verify as verifySignature } from "node:crypto";
import { CosignPublicKey, parseCosignPublicKey } from "../../grammar/public-key";
import { ProviderError } from "../provider-error";
import { RegistryError } from "./errors";
import { isIndexMediaType } from "./media-types";
import { Manifest, RegistryClient, sha256Digest } from "./registry-client";

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const COSIGN_SIGNATURE_TYPE = "cosign container image signature";

/** The tag cosign stores a digest's signatures under: sha256:HEX -> sha256-HEX.sig. */
export function signatureTag(digest: string): string {
  return `${digest.replace(":", "-")}.sig`;
}

export interface SignatureRequest {
  /** HOST/REPO, what cosign writes as critical.identity.docker-reference. */
  readonly image: string;
  readonly repository: string;
  /** The digest being promoted. */
  readonly digest: string;
  /** PEM public key (cosign.pub). */
  readonly publicKey: string;
}

/** What was checked and found, one entry per signature layer. */
export interface LayerFinding {
  readonly layer: string;
  readonly verified: boolean;
  readonly reason: string;
}

/** A verified signature: what the JSON output and the Promotion's state record. */
export interface SignatureVerification {
  readonly digest: string;
  /** sha256 of the public key's DER form. */
  readonly key: string;
  readonly signatureTag: string;
  /** Digest of the signature manifest the `.sig` tag resolved to. */
  readonly signatureManifest: string;
  /** The payload layer whose signature verified. */
  readonly layer: string;
  readonly dockerReference: string;
  /**
   * For an index: each platform manifest's verified signature. bootc pulls one platform, and
   * containers/image verifies the signature of that platform's manifest, not the index's.
   */
  readonly platforms?: readonly (Omit<SignatureVerification, "platforms" | "key" | "dockerReference"> & { readonly platform: string })[];
}

/** The digest is not signed by this key: names the digest, the key and what was found. */
export class SignatureVerificationError extends ProviderError {
  constructor(
    readonly image: string,
    readonly digest: string,
    readonly key: string,
    readonly found: string,
    readonly findings: readonly LayerFinding[] = [],
  ) {
    super(
      `${image}@${digest} is not signed by the key ${key}: ${found}` +
        (findings.length > 0 ? `: ${findings.map((f) => `layer ${f.layer}: ${f.reason}`).join("; ")}` : "") +
        ". Nothing was moved. Promote only a digest the build's sign job signed with this key (cosign sign --key), " +
        "and check that the key is the image repository's cosign.pub",
      "SignatureVerificationError",
    );
  }
}

interface SignatureLayer {
  readonly mediaType?: unknown;
  readonly digest?: unknown;
  readonly annotations?: Record<string, unknown>;
}

interface SimpleSigningPayload {
  readonly critical?: {
    readonly identity?: { readonly "docker-reference"?: unknown };
    readonly image?: { readonly "docker-manifest-digest"?: unknown };
    readonly type?: unknown;
  };
}

/** Checks one payload (its bytes already matched the layer digest): the reason it fails, or undefined. */
export function payloadProblem(
  payload: Buffer,
  signatureB64: string,
  key: CosignPublicKey,
  expected: { digest: string; dockerReference: string },
): string | undefined {
  const signature = Buffer.from(signatureB64, "base64");
  if (signature.length === 0) return "empty signature annotation";
  let valid: boolean;
  try {
    valid = verifySignature("sha256", payload, { key: key.key, dsaEncoding: "der" }, signature);
  } catch (err) {
    return `the signature is not an ECDSA signature (${(err as Error).message})`;
  }
  if (!valid) return `the signature does not verify with the key ${key.fingerprint} (signed by another key, or the payload was altered)`;
  let parsed: SimpleSigningPayload;
  try {
    parsed = JSON.parse(payload.toString("utf8")) as SimpleSigningPayload;
  } catch {
    return "the signed payload is not JSON";
  }
  const critical = parsed.critical;
  const signedDigest = critical?.image?.["docker-manifest-digest"];
  if (signedDigest !== expected.digest) return `the signature is for ${JSON.stringify(signedDigest ?? null)}, not for ${expected.digest}`;
  if (critical?.type !== COSIGN_SIGNATURE_TYPE) return `the payload type is ${JSON.stringify(critical?.type ?? null)}, not "${COSIGN_SIGNATURE_TYPE}"`;
  const reference = critical?.identity?.["docker-reference"];
  if (reference !== expected.dockerReference) return `the signature names the repository ${JSON.stringify(reference ?? null)}, not ${expected.dockerReference}`;
  return undefined;
}

/**
 * Verifies that `digest` carries a cosign signature by `publicKey`, and for an index that every
 * platform manifest does too (what `cosign sign --recursive` writes; containers/image verifies the
 * platform manifest it pulls); throws SignatureVerificationError when not, RegistryError when the
 * registry cannot be read.
 */
export async function verifyImageSignature(client: RegistryClient, req: SignatureRequest): Promise<SignatureVerification> {
  const parsedKey = parseCosignPublicKey(req.publicKey);
  if ("problem" in parsedKey) throw new SignatureVerificationError(req.image, req.digest, "(unusable key)", `the verification key is ${parsedKey.problem}`);
  const top = await verifyDigest(client, req, parsedKey);
  const subject = await client.getManifest(req.repository, req.digest);
  if (!isIndexMediaType(subject.mediaType)) return top;
  const children = (
    (JSON.parse(subject.bytes.toString("utf8")) as { manifests?: { digest?: string; platform?: { os?: string; architecture?: string; variant?: string } }[] })
      .manifests ?? []
  ).filter((m): m is { digest: string; platform?: { os?: string; architecture?: string; variant?: string } } => typeof m.digest === "string");
  const platforms = [];
  for (const child of children) {
    const platform = child.platform ? [child.platform.os, child.platform.architecture, child.platform.variant].filter(Boolean).join("/") : "unknown platform";
    try {
      const verified = await verifyDigest(client, { ...req, digest: child.digest }, parsedKey);
      platforms.push({
        digest: child.digest,
        platform,
        signatureTag: verified.signatureTag,
        signatureManifest: verified.signatureManifest,
        layer: verified.layer,
      });
    } catch (err) {
      if (!(err instanceof SignatureVerificationError)) throw err;
      throw new SignatureVerificationError(
        req.image,
        req.digest,
        parsedKey.fingerprint,
        `the index is signed, but its ${platform} manifest ${child.digest} is not (${err.found}${err.findings.length > 0 ? `: ${err.findings.map((f) => f.reason).join("; ")}` : ""}); ` +
          "bootc pulls one platform and containers/image verifies that manifest's signature: sign the index with cosign sign --recursive",
      );
    }
  }
  return { ...top, platforms };
}

async function verifyDigest(client: RegistryClient, req: SignatureRequest, key: CosignPublicKey): Promise<SignatureVerification> {
  const tag = signatureTag(req.digest);
  const fail = (found: string, findings: LayerFinding[] = []): never => {
    throw new SignatureVerificationError(req.image, req.digest, key.fingerprint, found, findings);
  };
  const { manifest, candidates } = await signatureLayers(client, req, tag, fail);
  const findings: LayerFinding[] = [];
  for (const layer of candidates) {
    const finding = await layerFinding(client, req, key, layer);
    if (finding.verified) {
      return {
        digest: req.digest,
        key: key.fingerprint,
        signatureTag: tag,
        signatureManifest: manifest.digest,
        layer: finding.layer,
        dockerReference: req.image,
      };
    }
    findings.push(finding);
  }
  return fail(`none of the ${candidates.length} signature(s) under :${tag} verifies`, findings);
}

/** The signature manifest under `tag` and its simple-signing layers; `fail` when it is missing or has none. */
async function signatureLayers(
  client: RegistryClient,
  req: SignatureRequest,
  tag: string,
  fail: (found: string) => never,
): Promise<{ manifest: Manifest; candidates: SignatureLayer[] }> {
  let manifest: Manifest;
  try {
    manifest = await client.getManifest(req.repository, tag);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404)
      fail(`no signature: ${req.image}:${tag} does not exist (the build's sign job failed or has not finished)`);
    throw err;
  }
  let layers: SignatureLayer[];
  try {
    const parsed = JSON.parse(manifest.bytes.toString("utf8")) as { layers?: unknown };
    layers = Array.isArray(parsed.layers) ? (parsed.layers as SignatureLayer[]) : [];
  } catch {
    return fail(`${req.image}:${tag} is not a JSON manifest (${manifest.mediaType})`);
  }
  const candidates = layers.filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE);
  if (candidates.length === 0) {
    fail(
      `${req.image}:${tag} (${manifest.digest}) has no ${SIMPLE_SIGNING_MEDIA_TYPE} layer` +
        (layers.length > 0 ? `; its layers are ${[...new Set(layers.map((l) => String(l.mediaType)))].join(", ")}` : ""),
    );
  }
  return { manifest, candidates };
}

/** One simple-signing layer checked: its payload blob, the blob's hash, the signature and what it signs. */
async function layerFinding(client: RegistryClient, req: SignatureRequest, key: CosignPublicKey, layer: SignatureLayer): Promise<LayerFinding> {
  const layerDigest = typeof layer.digest === "string" ? layer.digest : "(no digest)";
  const failed = (reason: string): LayerFinding => ({ layer: layerDigest, verified: false, reason });
  if (!/^sha256:[0-9a-f]{64}$/.test(layerDigest)) return failed("the layer has no sha256 digest");
  const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (typeof signature !== "string") return failed(`no ${SIGNATURE_ANNOTATION} annotation`);
  let payload: Buffer;
  try {
    // getBlob checks the bytes against the layer digest.
    payload = await client.getBlob(req.repository, layerDigest);
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    return failed(`payload blob unreadable or altered: ${err.message}`);
  }
  if (sha256Digest(payload) !== layerDigest) return failed(`payload bytes hash to ${sha256Digest(payload)}`);
  const problem = payloadProblem(payload, signature, key, { digest: req.digest, dockerReference: req.image });
  return problem === undefined ? { layer: layerDigest, verified: true, reason: "verified" } : failed(problem);
}
