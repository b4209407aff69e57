// The package list build.yml attests for each digest it pushes (`cosign attest --key --type
// RPM_PACKAGES_PREDICATE --predicate packages.json IMAGE@DIGEST`), read and verified here without a
// cosign binary. cosign stores attestations under the `sha256-<hex>.att` tag: an OCI manifest whose
// layers are DSSE envelopes (application/vnd.dsse.envelope.v1+json) wrapping an in-toto statement;
// the ECDSA signature is over DSSE's pre-authentication encoding (PAE) of the statement. A list
// counts only when the signature verifies with the same key as the image's, the statement names
// this digest and repository, and the predicate type is ours: so it is exactly as trustworthy as
// the signature the Promotion checks. Anything else is reported as not verified, with the reason,
// and its content is never returned. Plain TypeScript, no @pulumi/pulumi.
import { verify as verifySignature } from "node:crypto";
import { CosignPublicKey, parseCosignPublicKey } from "../../grammar/public-key";
import { RegistryError } from "./errors";
import { RegistryClient } from "./registry-client";

/** The predicate type of the package list (documented in docs/release-notes.md). */
export const RPM_PACKAGES_PREDICATE = "https://github.com/daniel-g-carrasco/margine-pipeline/blob/main/docs/release-notes.md#rpm-packages-v1";
export const DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** One installed package, as `rpm -qa --queryformat '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n'` prints it. */
export interface InstalledPackage {
  readonly name: string;
  /** EPOCH:VERSION-RELEASE. */
  readonly evr: string;
  readonly arch: string;
}

export type PackageListReading =
  | { readonly status: "verified"; readonly packages: readonly InstalledPackage[]; readonly key: string }
  /** Attested, but nothing verified: `reason` says what was found. No content is given. */
  | { readonly status: "unverified"; readonly reason: string }
  /** No package attestation at all (built before attestations, or the attest step failed). */
  | { readonly status: "missing"; readonly reason: string }
  /** Read, but no key to check it with: the content is given, and must be shown as unverified. */
  | { readonly status: "unchecked"; readonly packages: readonly InstalledPackage[] };

export function attestationTag(digest: string): string {
  return `${digest.replace(":", "-")}.att`;
}

/** DSSE v1 pre-authentication encoding: what the envelope's signature covers. */
export function preAuthenticationEncoding(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload]);
}

interface Envelope {
  readonly payloadType?: unknown;
  readonly payload?: unknown;
  readonly signatures?: readonly { sig?: unknown }[];
}

interface Statement {
  readonly predicateType?: unknown;
  readonly subject?: readonly { name?: unknown; digest?: { sha256?: unknown } }[];
  readonly predicate?: { packages?: unknown };
}

/** The statement of one envelope when its signature verifies with `key` (or no key is given), else why not. */
export function envelopeStatement(envelopeBytes: Buffer, key: CosignPublicKey | undefined): Statement | { problem: string } {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(envelopeBytes.toString("utf8")) as Envelope;
  } catch {
    return { problem: "the envelope is not JSON" };
  }
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE || typeof envelope.payload !== "string")
    return { problem: `the envelope's payload type is ${JSON.stringify(envelope.payloadType ?? null)}, not ${IN_TOTO_PAYLOAD_TYPE}` };
  const payload = Buffer.from(envelope.payload, "base64");
  if (key) {
    const pae = preAuthenticationEncoding(IN_TOTO_PAYLOAD_TYPE, payload);
    const verified = (envelope.signatures ?? []).some((s) => {
      if (typeof s.sig !== "string") return false;
      try {
        return verifySignature("sha256", pae, { key: key.key, dsaEncoding: "der" }, Buffer.from(s.sig, "base64"));
      } catch {
        return false;
      }
    });
    if (!verified) return { problem: `its signature does not verify with the key ${key.fingerprint} (signed by another key, or the statement was altered)` };
  }
  try {
    return JSON.parse(payload.toString("utf8")) as Statement;
  } catch {
    return { problem: "the signed statement is not JSON" };
  }
}

/** Why a statement is not this digest's package list, or undefined when it is. */
function statementProblem(statement: Statement, expected: { image: string; digest: string }): string | undefined {
  if (statement.predicateType !== RPM_PACKAGES_PREDICATE) return `its predicate type is ${JSON.stringify(statement.predicateType ?? null)}`;
  const hex = expected.digest.slice("sha256:".length);
  const subject = (statement.subject ?? []).find((s) => s.digest?.sha256 === hex);
  if (!subject) return `it is about ${JSON.stringify((statement.subject ?? []).map((s) => s.digest?.sha256 ?? null))}, not ${expected.digest}`;
  if (subject.name !== expected.image) return `it names the repository ${JSON.stringify(subject.name ?? null)}, not ${expected.image}`;
  if (packagesOf(statement) === undefined) return "its predicate has no valid package list (name, evr, arch strings)";
  return undefined;
}

function packagesOf(statement: Statement): InstalledPackage[] | undefined {
  const list = statement.predicate?.packages;
  if (!Array.isArray(list)) return undefined;
  const valid = list.every(
    (p: unknown) =>
      typeof p === "object" &&
      p !== null &&
      ["name", "evr", "arch"].every((k) => typeof (p as Record<string, unknown>)[k] === "string" && (p as Record<string, string>)[k] !== ""),
  );
  return valid ? (list as InstalledPackage[]).map((p) => ({ name: p.name, evr: p.evr, arch: p.arch })) : undefined;
}

export interface PackageListRequest {
  /** HOST/REPO, what cosign writes as the statement's subject name. */
  readonly image: string;
  readonly repository: string;
  readonly digest: string;
  /** PEM public key (cosign.pub); undefined reads the list unchecked. */
  readonly publicKey?: string;
}

/**
 * The digest's attested package list. The newest layer that verifies wins (each `cosign attest`
 * appends one). Throws RegistryError only when the registry cannot be read at all.
 */
export async function readPackageList(client: RegistryClient, req: PackageListRequest): Promise<PackageListReading> {
  let key: CosignPublicKey | undefined;
  if (req.publicKey !== undefined) {
    const parsed = parseCosignPublicKey(req.publicKey);
    if ("problem" in parsed) return { status: "unverified", reason: `the verification key is ${parsed.problem}` };
    key = parsed;
  }
  const tag = attestationTag(req.digest);
  let manifest;
  try {
    manifest = await client.getManifest(req.repository, tag);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return { status: "missing", reason: `no attestation: ${req.image}:${tag} does not exist` };
    throw err;
  }
  const layers = ((JSON.parse(manifest.bytes.toString("utf8")) as { layers?: { mediaType?: unknown; digest?: unknown }[] }).layers ?? []).filter(
    (l) => l.mediaType === DSSE_MEDIA_TYPE && typeof l.digest === "string",
  );
  const problems: string[] = [];
  for (const layer of [...layers].reverse()) {
    let envelope: Buffer;
    try {
      // getBlob checks the bytes against the layer digest: an altered envelope fails here.
      envelope = await client.getBlob(req.repository, layer.digest as string);
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      problems.push(`layer ${String(layer.digest)}: unreadable or altered (${err.message})`);
      continue;
    }
    const statement = envelopeStatement(envelope, key);
    const problem = "problem" in statement ? statement.problem : statementProblem(statement, req);
    if (problem === undefined) {
      const packages = packagesOf(statement as Statement)!;
      return key ? { status: "verified", packages, key: key.fingerprint } : { status: "unchecked", packages };
    }
    problems.push(`layer ${String(layer.digest)}: ${problem}`);
  }
  const ours = problems.filter((p) => !/its predicate type is/.test(p));
  if (layers.length === 0 || ours.length === 0)
    return { status: "missing", reason: `${req.image}:${tag} holds no package list attestation (${RPM_PACKAGES_PREDICATE})` };
  return { status: "unverified", reason: `${req.image}:${tag}: ${ours.join("; ")}` };
}
