// What an image digest says about itself, read from the registry: the OCI labels the build wrote
// into the image config (revision, source, created, version, base image) and the layers a client
// pulls. The release notes compare two of these; they are facts of the digest, so a tag that moved
// since cannot change them. Plain TypeScript, no @pulumi/pulumi.
import { RegistryClient } from "./registry-client";
import { isIndexMediaType } from "./media-types";

/** The OCI annotation keys (image-spec annotations.md) the build records as config labels. */
export const OCI_LABELS = {
  revision: "org.opencontainers.image.revision",
  source: "org.opencontainers.image.source",
  created: "org.opencontainers.image.created",
  version: "org.opencontainers.image.version",
  baseName: "org.opencontainers.image.base.name",
  baseDigest: "org.opencontainers.image.base.digest",
} as const;

/** bootc clients are x86_64 machines: of an index, this platform is the one a client pulls. */
export const NOTES_PLATFORM = "linux/amd64";

export interface ImageLayer {
  readonly digest: string;
  readonly size: number;
}

export interface ImageFacts {
  readonly digest: string;
  /** The platform manifest the layers and config come from (the digest itself for a single manifest). */
  readonly platformDigest: string;
  readonly platform: string;
  /** The config's `created`, else the created label. */
  readonly created?: string;
  readonly version?: string;
  readonly revision?: string;
  readonly source?: string;
  readonly baseName?: string;
  readonly baseDigest?: string;
  readonly layers: readonly ImageLayer[];
  /** Sum of the layer sizes: what a first pull of this platform downloads (compressed). */
  readonly size: number;
}

interface IndexManifest {
  readonly manifests?: readonly { digest?: unknown; platform?: { os?: string; architecture?: string; variant?: string } }[];
}

interface ImageManifest {
  readonly config?: { digest?: unknown };
  readonly layers?: readonly { digest?: unknown; size?: unknown }[];
}

interface ImageConfig {
  readonly created?: unknown;
  readonly os?: unknown;
  readonly architecture?: unknown;
  readonly config?: { Labels?: Record<string, unknown> | null };
}

const platformOf = (p: { os?: string; architecture?: string; variant?: string } | undefined) =>
  p ? [p.os, p.architecture, p.variant].filter(Boolean).join("/") : "unknown";

/** Reads `digest`'s facts; throws RegistryError when the registry cannot give them. */
export async function readImageFacts(client: RegistryClient, repository: string, digest: string): Promise<ImageFacts> {
  const top = await client.getManifest(repository, digest);
  let manifest = top;
  let platform: string | undefined;
  if (isIndexMediaType(top.mediaType)) {
    const children = ((JSON.parse(top.bytes.toString("utf8")) as IndexManifest).manifests ?? []).filter(
      (m): m is { digest: string; platform?: { os?: string; architecture?: string } } => typeof m.digest === "string",
    );
    const chosen = children.find((m) => platformOf(m.platform) === NOTES_PLATFORM) ?? children[0];
    if (!chosen) throw new Error(`${repository}@${digest} is an index without manifests`);
    platform = platformOf(chosen.platform);
    manifest = await client.getManifest(repository, chosen.digest);
  }
  const parsed = JSON.parse(manifest.bytes.toString("utf8")) as ImageManifest;
  const layers = (parsed.layers ?? []).map((l) => ({ digest: String(l.digest), size: typeof l.size === "number" ? l.size : 0 }));
  const configDigest = typeof parsed.config?.digest === "string" ? parsed.config.digest : undefined;
  const config: ImageConfig = configDigest ? (JSON.parse((await client.getBlob(repository, configDigest)).toString("utf8")) as ImageConfig) : {};
  const labels = config.config?.Labels ?? {};
  const label = (key: string): string | undefined => (typeof labels[key] === "string" && labels[key] !== "" ? (labels[key] as string) : undefined);
  const created = typeof config.created === "string" ? config.created : label(OCI_LABELS.created);
  return {
    digest,
    platformDigest: manifest.digest,
    platform: platform ?? (typeof config.os === "string" && typeof config.architecture === "string" ? `${config.os}/${config.architecture}` : "unknown"),
    ...(created ? { created } : {}),
    ...optional("version", label(OCI_LABELS.version)),
    ...optional("revision", label(OCI_LABELS.revision)),
    ...optional("source", label(OCI_LABELS.source)),
    ...optional("baseName", label(OCI_LABELS.baseName)),
    ...optional("baseDigest", label(OCI_LABELS.baseDigest)),
    layers,
    size: layers.reduce((sum, l) => sum + l.size, 0),
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
