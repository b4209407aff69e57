// The versions of an image as the retention plan sees them, from either source: a plain registry
// (tags resolved by HEAD and grouped by digest; age from the config's `created`) or GHCR's packages
// API (one version per digest with created_at). Index children are found by reading every tagged index.
import { ContainerPackageRef, ContainerPackagesApi } from "./packages-api";
import { isIndexMediaType } from "../oci/media-types";
import { RegistryClient } from "../oci/registry-client";
import { ImageVersion } from "../oci/retention-plan";

interface ManifestJson {
  readonly config?: { digest: string };
  readonly manifests?: { digest: string }[];
}

export async function registryVersions(client: RegistryClient, repository: string): Promise<ImageVersion[]> {
  const tags = await client.listTags(repository);
  const heads = await Promise.all(tags.map(async (tag) => ({ tag, head: await client.headManifest(repository, tag) })));
  const byDigest = new Map<string, string[]>();
  for (const { tag, head } of heads) if (head) byDigest.set(head.digest, [...(byDigest.get(head.digest) ?? []), tag]);
  const manifests = new Map(await Promise.all([...byDigest.keys()].map(async (d) => [d, await client.getManifest(repository, d)] as const)));
  const children = new Set<string>();
  for (const m of manifests.values()) {
    if (isIndexMediaType(m.mediaType)) for (const child of (JSON.parse(m.bytes.toString("utf8")) as ManifestJson).manifests ?? []) children.add(child.digest);
  }
  return Promise.all(
    [...byDigest].map(async ([digest, digestTags]) => ({
      id: digest,
      digest,
      tags: digestTags,
      indexChild: children.has(digest),
      createdAt: await createdOf(client, repository, JSON.parse(manifests.get(digest)!.bytes.toString("utf8")) as ManifestJson),
    })),
  );
}

/** The image config's `created`; for an index, its first platform's. "" when unknown (kept then). */
async function createdOf(client: RegistryClient, repository: string, manifest: ManifestJson): Promise<string> {
  if (manifest.manifests?.length) {
    const child = await client.getManifest(repository, manifest.manifests[0].digest);
    return createdOf(client, repository, JSON.parse(child.bytes.toString("utf8")) as ManifestJson);
  }
  if (!manifest.config) return "";
  const config = JSON.parse((await client.getBlob(repository, manifest.config.digest)).toString("utf8")) as { created?: string };
  return config.created ?? "";
}

/** GHCR versions; index children are untagged versions there, which the plan never removes. */
export async function ghcrVersions(api: ContainerPackagesApi, pkg: ContainerPackageRef): Promise<ImageVersion[]> {
  return (await api.listVersions(pkg)).map((v) => ({ id: String(v.id), digest: v.name, tags: v.tags, createdAt: v.createdAt, indexChild: false }));
}
