// Manifest media types (docs/protocols.md, "Manifests"). One list, used for every
// manifest GET and HEAD: docker-registry 2.8 answers 404 for an OCI manifest when Accept lacks the OCI
// types, and rewrites a Docker v2 manifest to schema1 (another digest) when Accept lacks its type.

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(", ");

/** An index (multi-platform) manifest: promoted as is, never flattened to one platform. */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** The media type of manifest bytes: the Content-Type the registry sent, else the `mediaType` field. */
export function manifestMediaType(bytes: Buffer, contentType: string | null): string {
  const header = contentType?.split(";")[0].trim();
  if (header && header !== "application/json" && header !== "application/octet-stream") return header;
  try {
    const parsed = JSON.parse(bytes.toString("utf8")) as { mediaType?: string; manifests?: unknown };
    return parsed.mediaType ?? (parsed.manifests ? OCI_INDEX : OCI_MANIFEST);
  } catch {
    return header ?? OCI_MANIFEST;
  }
}
