// The release stack's config (docs/stacks.md): the release state and the few names it needs, and
// nothing secret. Release pull requests change this stack, and `pulumi preview` runs a PR's own
// code, so its config must be readable by anyone: write credentials reach its providers only as
// environment variables of release.yml's `up` job, which runs from main in a protected environment.
import { ConfigError, validated, validatedIfSet } from "./errors";
import { IMAGE_NAME_FORM, REPOSITORY_FORM, isImageName, isLoopbackRegistry, isRepositoryName, parseImageName } from "../grammar/values";
import { nearestName } from "../grammar/nearest-name";
import { parseCosignPublicKey, PUBLIC_KEY_FORM } from "../grammar/public-key";
import { parseReleaseState, ReleaseState } from "./release-state";
import { STACK_ROLE_KEY } from "./stack-role";

export const RELEASE_STACK_KEYS = [STACK_ROLE_KEY, "image", "siteRepository", "release", "siteApiUrl", "insecureRegistry", "cosignPublicKey"] as const;

export interface ReleaseStackConfig {
  /** Image name without tag: `ghcr.io/owner/name`. */
  readonly image: string;
  /** `owner/name` of the website repository holding LATEST_ISO_DATE. */
  readonly siteRepository: string;
  readonly release: ReleaseState;
  /** GitHub REST API root for the site bump; a local stand-in in the engine tests. */
  readonly siteApiUrl?: string;
  /** Plain HTTP to the registry: loopback registries only (the engine tests' docker-registry). */
  readonly insecureRegistry: boolean;
  /**
   * PEM public key (the image repository's cosign.pub, public, not a secret): the stable digest's
   * cosign signature must verify with it before any tag moves. Required once release.stable is declared.
   */
  readonly cosignPublicKey?: string;
}

/** One stack config entry as the program sees it: full key, value, and whether it is secret. */
export interface ConfigEntry {
  readonly key: string;
  readonly value: unknown;
  readonly secret: boolean;
}

/**
 * Validates the release stack's whole config. Refuses a secret value and any key it does not know
 * (a credential put here by mistake, or a typo such as `rolback` that would silently do nothing).
 */
export function parseReleaseStackConfig(project: string, entries: readonly ConfigEntry[]): ReleaseStackConfig {
  const values = knownValues(project, entries);
  const image = validated(`${project}:image`, values.get("image"), isImageName, IMAGE_NAME_FORM);
  const siteRepository = validated(`${project}:siteRepository`, values.get("siteRepository"), isRepositoryName, REPOSITORY_FORM);
  const siteApiUrl = validatedIfSet(
    `${project}:siteApiUrl`,
    values.get("siteApiUrl"),
    isSiteApiUrl,
    "the GitHub REST API root, an https URL (plain http only on loopback)",
  );
  const insecureRegistry = parseInsecureRegistry(`${project}:insecureRegistry`, values.get("insecureRegistry"), image);
  const release = parseReleaseState(parseMaybeJson(values.get("release")), `${project}:release`);
  const cosignPublicKey = parseVerificationKey(`${project}:cosignPublicKey`, values.get("cosignPublicKey"), release);
  return {
    image,
    siteRepository,
    release,
    insecureRegistry,
    ...(siteApiUrl ? { siteApiUrl } : {}),
    ...(cosignPublicKey !== undefined ? { cosignPublicKey } : {}),
  };
}

/** The values by short key, once no entry is secret and every key is one of RELEASE_STACK_KEYS. */
function knownValues(project: string, entries: readonly ConfigEntry[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const { key, value, secret } of entries) {
    const [namespace, name] = key.includes(":") ? key.split(":", 2) : [project, key];
    if (secret) {
      throw new ConfigError(
        key,
        "[secret]",
        "no secret in the release stack: its previews run pull-request code; keep credentials in the platform stack and pass them to release.yml's up job as environment variables",
      );
    }
    if (namespace !== project || !(RELEASE_STACK_KEYS as readonly string[]).includes(name)) {
      const near = namespace === project ? nearestName(name, RELEASE_STACK_KEYS) : undefined;
      throw new ConfigError(
        key,
        value,
        `one of the release stack's keys (${RELEASE_STACK_KEYS.map((k) => `${project}:${k}`).join(", ")})${near ? `; did you mean ${project}:${near}?` : ""}`,
      );
    }
    values.set(name, value);
  }
  return values;
}

/** https anywhere; plain http only to a loopback stand-in (the engine tests' GitHub API). */
function isSiteApiUrl(value: unknown): value is string {
  return typeof value === "string" && /^(https:\/\/[^/\s]+|http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?)(\/\S*)?$/.test(value);
}

/** Plain HTTP to the registry, loopback only; the runtime may hand the boolean over as text. */
function parseInsecureRegistry(key: string, raw: unknown, image: string): boolean {
  const value = raw ?? false;
  const insecure = value === true || value === "true";
  if (!insecure && value !== false && value !== "false") throw new ConfigError(key, value, "true or false");
  if (insecure && !isLoopbackRegistry(image)) {
    throw new ConfigError(key, value, `false: plain HTTP is allowed only for loopback registries, not ${parseImageName(image).registry}`);
  }
  return insecure;
}

/** Nothing becomes :stable unless its signature verifies, so the key is required once stable is declared. */
function parseVerificationKey(key: string, value: unknown, release: ReleaseState): string | undefined {
  if (value === undefined) {
    if (!release.stable) return undefined;
    throw new ConfigError(
      key,
      undefined,
      `${PUBLIC_KEY_FORM}, required once release.stable is declared: nothing becomes :stable unless its signature verifies (pulumi config set cosignPublicKey < cosign.pub)`,
    );
  }
  const parsed = parseCosignPublicKey(value);
  // A private key pasted here by mistake is named, never echoed.
  if ("problem" in parsed)
    throw new ConfigError(key, /PRIVATE/.test(parsed.problem) ? "[private key]" : value, `${PUBLIC_KEY_FORM}; this value is ${parsed.problem}`);
  return value as string;
}

/** The runtime hands object values over as JSON text (what pulumi.Config.getObject parses). */
function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
