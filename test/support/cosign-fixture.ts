// Cosign-format signatures built by hand (node:crypto P-256 keys), for the unit tests of the
// verification: the same `sha256-<hex>.sig` manifest, simple-signing payload and annotation the
// real cosign writes (the peer tests in test/scripts/promote-signature-peers.test.ts prove that
// against cosign itself). Blobs are uploaded with the distribution API's monolithic upload.
import { createHash, generateKeyPairSync, KeyObject, sign } from "node:crypto";
import { RegistryClient } from "../../providers/oci/registry-client";
import { COSIGN_SIGNATURE_TYPE, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag } from "../../providers/oci/signature-verification";

export interface TestKeyPair {
  readonly privateKey: KeyObject;
  /** PEM, what cosign.pub holds. */
  readonly publicKey: string;
}

export function generateTestKeyPair(curve: "prime256v1" | "secp384r1" = "prime256v1"): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
  return { privateKey, publicKey: publicKey.export({ format: "pem", type: "spki" }).toString() };
}

/** The simple-signing payload cosign signs. */
export function cosignPayload(dockerReference: string, digest: string, type = COSIGN_SIGNATURE_TYPE): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { "docker-reference": dockerReference }, image: { "docker-manifest-digest": digest }, type },
      optional: null,
    }),
  );
}

export function signPayload(payload: Buffer, privateKey: KeyObject): string {
  return sign("sha256", payload, { key: privateKey, dsaEncoding: "der" }).toString("base64");
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Uploads a blob to a plain-HTTP loopback registry (POST then PUT ?digest=). */
export async function uploadBlob(host: string, repository: string, bytes: Buffer): Promise<string> {
  const digest = sha(bytes);
  const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status}`);
  const location = new URL(start.headers.get("location")!, `http://${host}`);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: bytes });
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

export interface SignatureLayerSpec {
  readonly payload: Buffer;
  /** base64 signature; omitted: no annotation. */
  readonly signature?: string;
}

/** Puts a cosign signature manifest under `tagFor`'s `.sig` tag; returns its digest. */
export async function putSignature(host: string, repository: string, tagFor: string, layers: readonly SignatureLayerSpec[]): Promise<string> {
  const config = Buffer.from("{}");
  await uploadBlob(host, repository, config);
  const descriptors = [];
  for (const layer of layers) {
    await uploadBlob(host, repository, layer.payload);
    descriptors.push({
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      size: layer.payload.length,
      digest: sha(layer.payload),
      ...(layer.signature !== undefined ? { annotations: { [SIGNATURE_ANNOTATION]: layer.signature } } : {}),
    });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: sha(config) },
      layers: descriptors,
    }),
  );
  const client = new RegistryClient({ registry: host, insecure: true });
  return client.putManifest(repository, signatureTag(tagFor), { bytes: manifest, mediaType: "application/vnd.oci.image.manifest.v1+json" });
}

/** Signs `digest` the way `cosign sign --key` does for the image HOST/REPO. */
export async function signImage(host: string, repository: string, digest: string, privateKey: KeyObject): Promise<string> {
  const payload = cosignPayload(`${host}/${repository}`, digest);
  return putSignature(host, repository, digest, [{ payload, signature: signPayload(payload, privateKey) }]);
}

/** Signs an index and each of its platform manifests, as `cosign sign --recursive` does. */
export async function signRecursively(host: string, repository: string, digest: string, privateKey: KeyObject): Promise<string[]> {
  const client = new RegistryClient({ registry: host, insecure: true });
  const index = JSON.parse((await client.getManifest(repository, digest)).bytes.toString("utf8")) as { manifests: { digest: string }[] };
  for (const child of index.manifests) await signImage(host, repository, child.digest, privateKey);
  await signImage(host, repository, digest, privateKey);
  return index.manifests.map((m) => m.digest);
}
