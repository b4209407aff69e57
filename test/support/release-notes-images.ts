// The images release-notes.test.ts describes, as build.yml leaves them (release-images.ts): a known
// pair (old and new, with package lists that exercise rpm's ordering and a layer they share), one
// attested with another key, one built before attestations, one whose attestation was tampered with;
// and the image repository's commits, served by the GitHub stand-in.
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { RegistryClient } from "../../providers/oci/registry-client";
import { attestationTag, DSSE_MEDIA_TYPE } from "../../providers/oci/package-attestation";
import { uploadBlob } from "./cosign-fixture";
import { ReleaseImageBuilder } from "./release-images";

const rev = (n: number) => `${String(n).padStart(2, "0")}${"a1b2c3d4e5f6".repeat(3)}0000`.slice(0, 40);

const OLD_PACKAGES = [
  { name: "bash", evr: "0:5.2.26-3.fc42", arch: "x86_64" },
  { name: "glibc", evr: "0:2.41-5.fc42", arch: "x86_64" },
  { name: "glibc", evr: "0:2.41-5.fc42", arch: "i686" },
  { name: "kernel-core", evr: "0:6.17.8-200.fc42", arch: "x86_64" },
  { name: "mesa-dri-drivers", evr: "0:25.2.0~rc2-1.fc42", arch: "x86_64" },
  { name: "nano", evr: "0:8.3-2.fc42", arch: "x86_64" },
  { name: "systemd", evr: "0:257.9-1.fc42", arch: "x86_64" },
];
const NEW_PACKAGES = [
  { name: "bash", evr: "0:5.2.26-3.fc42", arch: "x86_64" },
  { name: "glibc", evr: "0:2.41-9.fc42", arch: "x86_64" },
  { name: "glibc", evr: "0:2.41-9.fc42", arch: "i686" },
  { name: "kernel-core", evr: "0:6.17.10-200.fc42", arch: "x86_64" },
  // 25.2.0~rc2 -> 25.2.0: rpm orders a tilde before the release, so this is an upgrade.
  { name: "mesa-dri-drivers", evr: "0:25.2.0-1.fc42", arch: "x86_64" },
  { name: "systemd", evr: "0:257.7-1.fc42", arch: "x86_64" },
  { name: "vim-enhanced", evr: "2:9.1.1818-1.fc42", arch: "x86_64" },
];

export type ComparedImage = "old" | "new" | "foreign" | "unattested" | "tampered";

/** The image repository's five commits, the third one's message with a mention and a #number in it. */
export function seedImageHistory(github: GitHubApiStandIn): void {
  github.histories.set(
    "daniel-g-carrasco/margine-image",
    Array.from({ length: 5 }, (_, i) => ({
      sha: rev(i + 1),
      message: i === 2 ? "Add vim-enhanced, drop nano @maintainers #12\n\nlong body" : `Change ${i + 1}`,
      author: "Daniel",
      date: `2026-11-2${i}T10:00:00Z`,
    })),
  );
}

/** Pushes, signs and attests the compared images with `images` (its keys imported); their digests by name. */
export async function pushComparedImages(images: ReleaseImageBuilder): Promise<Record<ComparedImage, string>> {
  const shared = ["the rechunked /usr, unchanged between builds"];
  const base = (n: number) => `sha256:${String(n).repeat(64)}`;
  const old = await images.push({
    seed: "old",
    created: "2026-11-20T04:17:00Z",
    version: "20261120",
    revision: rev(1),
    baseDigest: base(1),
    packages: OLD_PACKAGES,
    sharedLayers: shared,
  });
  const next = await images.push({
    seed: "new",
    created: "2026-12-05T04:17:00Z",
    version: "20261205",
    revision: rev(5),
    baseDigest: base(2),
    packages: NEW_PACKAGES,
    sharedLayers: shared,
  });
  const foreign = await images.push({ seed: "foreign", created: "2026-12-06T04:17:00Z", revision: rev(5), packages: NEW_PACKAGES, attestWith: "other" });
  const unattested = await images.push({ seed: "unattested", created: "2026-11-01T04:17:00Z", revision: rev(1), attestWith: "none" });
  const tampered = await images.push({ seed: "tampered", created: "2026-12-06T05:00:00Z", revision: rev(5), packages: NEW_PACKAGES });
  await tamperAttestation(images.host, tampered);
  return { old, new: next, foreign, unattested, tampered };
}

/** Rewrites the newest attestation layer with one more package in the statement, keeping the old signature. */
async function tamperAttestation(host: string, digest: string): Promise<void> {
  const client = new RegistryClient({ registry: host, insecure: true });
  const manifest = JSON.parse((await client.getManifest("margine", attestationTag(digest))).bytes.toString("utf8"));
  const layer = manifest.layers.find((l: { mediaType: string }) => l.mediaType === DSSE_MEDIA_TYPE);
  const envelope = JSON.parse((await client.getBlob("margine", layer.digest)).toString("utf8"));
  const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8"));
  statement.predicate.packages.push({ name: "backdoor", evr: "0:1-1", arch: "x86_64" });
  const altered = Buffer.from(JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64") }));
  layer.digest = await uploadBlob(host, "margine", altered);
  layer.size = altered.length;
  await client.putManifest("margine", attestationTag(digest), { bytes: Buffer.from(JSON.stringify(manifest)), mediaType: manifest.mediaType });
}
