// The platform stack's config (docs/stacks.md): every key is validated here, at program start, so
// a typo fails `pulumi preview` with one line (key, bad value, expected form) before any resource
// is registered. Secrets are read only with requireSecret: they stay Output<string> marked secret.
// The release state is not this stack's: it is read from the release stack's file.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, validated, validatedIfSet } from "./errors";
import { EdgeConfig, isoFallbackHost, parseEdge } from "./edge";
import { OPERATOR_KEYS, OPTIONAL_SECRET_KEYS, OptionalSecretKey, SECRET_KEYS, SecretKey } from "./operator-values";
import { parseReleaseState, ReleaseState } from "./release-state";
import { parseStateBackendUrl, parseStateRoles, StateRoles } from "./state-backend";
import { readStackFileValue } from "./stack-file";
import { PROJECT } from "./stack-role";
import { NtfyTarget, parseWatchNtfy } from "./watch-ntfy";
import { IMAGE_NAME_FORM, REPOSITORY_FORM, isCommitSha, isHostName, isHttpsUrl, isImageName, isRepositoryName } from "../grammar/values";

export { PROJECT, SECRET_KEYS, OPTIONAL_SECRET_KEYS, OPERATOR_KEYS, isoFallbackHost };
export type { EdgeConfig, SecretKey, OptionalSecretKey };

export interface StackConfig {
  /** `owner/name` of the bootc image repository (build, smoke-boot, build-disk workflows). */
  readonly imageRepository: string;
  /** `owner/name` of the website repository holding LATEST_ISO_DATE. */
  readonly siteRepository: string;
  /** `owner/name` of this repository (release workflow, release pull requests). */
  readonly pipelineRepository: string;
  /** Image name without tag: `ghcr.io/owner/name`. */
  readonly image: string;
  /** Cloudflare zone, e.g. the-empty.place. */
  readonly zone: string;
  /** The website's host name (Cloudflare-proxied origin). */
  readonly siteHost: string;
  /** The edge VM's host name (index.html, SHA256SUMS, 7-day ISO fallback). */
  readonly filesHost: string;
  readonly edge: EdgeConfig;
  /** The web host's deploy endpoint that the site repository's push webhook calls, if any. */
  readonly siteDeployHookUrl?: string;
  /**
   * Where the release workflow keeps Pulumi state (PULUMI_BACKEND_URL). A CI runner starts empty,
   * so `pulumi up` in release.yml needs a shared backend, the same one the maintainer logs in to.
   */
  readonly stateBackendUrl?: string;
  /**
   * IAM roles release.yml assumes through GitHub OIDC for an s3:// backend: read-only for the
   * previews of pull requests, read-write for `up` (docs/stacks.md); no stored credential.
   */
  readonly stateRoles?: StateRoles;
  /** Where the release watch (watch.yml) pushes when it opens or closes an issue; none: issues only. */
  readonly watchNtfy?: NtfyTarget;
  /** The release stack whose file declares the releases (`releaseStack`, default `release`). */
  readonly releaseStack: string;
  /**
   * The release state declared in the release stack's file: the edge index page, SHA256SUMS and
   * the Cloudflare latest-ISO redirect follow it. Read, never changed, by this stack.
   */
  readonly release: ReleaseState;
  /** The pipeline commit whose CLIs the image workflows check out. */
  readonly toolsRef: string;
  /** GitHub logins whose review a release pull request needs (CODEOWNERS of this repository). */
  readonly maintainers: readonly string[];
  readonly secrets: { readonly [K in SecretKey]: pulumi.Output<string> } & { readonly [K in OptionalSecretKey]?: pulumi.Output<string> };
}

/** What the parser reads through: pulumi.Config, or a plain table in the tests. */
export type StackConfigSource = Pick<pulumi.Config, "get" | "getObject" | "requireSecret" | "getSecret">;

/**
 * Runs a config read inside the program: a ConfigError becomes pulumi.RunError, which the engine
 * prints as the one line it carries (no stack trace). Every stack's config read goes through here.
 */
export function readingConfig<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

/** Reads and validates the whole platform stack config. */
export function readStackConfig(): StackConfig {
  return readingConfig(() => parseStackConfig(new pulumi.Config(PROJECT), (stack) => readStackFileValue(stack, `${PROJECT}:release`)));
}

/**
 * The reading itself, on anything shaped like pulumi.Config, so tests can drive it as a table.
 * `releaseOf(stack)` gives the raw `release` value declared in that stack's file.
 */
export function parseStackConfig(cfg: StackConfigSource, releaseOf: (stack: string) => unknown): StackConfig {
  const names = parseNames(cfg);
  const edge = parseEdge({ edge: cfg.getObject<unknown>("edge"), edgeHostKey: cfg.get("edgeHostKey"), edgeAddress: cfg.get("edgeAddress") }, names.filesHost);
  const siteDeployHookUrl = validatedIfSet(
    `${PROJECT}:siteDeployHookUrl`,
    cfg.get("siteDeployHookUrl"),
    isHttpsUrl,
    "an https URL of the web host's deploy endpoint",
  );
  const stateBackendUrl = parseStateBackendUrl(cfg.get("stateBackendUrl"));
  const stateRoles = parseStateRoles(cfg.getObject<unknown>("stateRoles"));
  const watchNtfy = parseWatchNtfy(cfg.getObject<unknown>("watchNtfy"));
  const releases = parseReleaseSource(cfg, releaseOf);
  const toolsRef = validated(`${PROJECT}:toolsRef`, cfg.get("toolsRef"), isCommitSha, OPERATOR_KEYS.toolsRef);
  const maintainers = parseMaintainers(cfg.getObject<unknown>("maintainers"));
  return {
    ...names,
    edge,
    siteDeployHookUrl,
    stateBackendUrl,
    ...(stateRoles ? { stateRoles } : {}),
    ...(watchNtfy ? { watchNtfy } : {}),
    ...releases,
    toolsRef,
    maintainers,
    secrets: readSecrets(cfg),
  };
}

type Names = Pick<StackConfig, "imageRepository" | "siteRepository" | "pipelineRepository" | "image" | "zone" | "siteHost" | "filesHost">;

/** The repositories, the image and the hosts; both hosts must lie inside the Cloudflare zone. */
function parseNames(cfg: Pick<pulumi.Config, "get">): Names {
  const valid = (key: string, test: (v: unknown) => v is string, expected: string) => validated(`${PROJECT}:${key}`, cfg.get(key), test, expected);
  const host = (key: string) => valid(key, isHostName, "a lowercase DNS host name such as files.the-empty.place");
  const image = valid("image", isImageName, IMAGE_NAME_FORM);
  const zone = host("zone");
  const inZone = (key: string) => {
    const value = host(key);
    if (value !== zone && !value.endsWith(`.${zone}`)) throw new ConfigError(`${PROJECT}:${key}`, value, `a host inside the zone ${zone}`);
    return value;
  };
  const siteHost = inZone("siteHost");
  const filesHost = inZone("filesHost");
  return {
    imageRepository: valid("imageRepository", isRepositoryName, REPOSITORY_FORM),
    siteRepository: valid("siteRepository", isRepositoryName, REPOSITORY_FORM),
    pipelineRepository: valid("pipelineRepository", isRepositoryName, REPOSITORY_FORM),
    image,
    zone,
    siteHost,
    filesHost,
  };
}

/** The release state comes from the release stack's file, never from this stack's own config. */
function parseReleaseSource(cfg: Pick<pulumi.Config, "get">, releaseOf: (stack: string) => unknown): Pick<StackConfig, "releaseStack" | "release"> {
  if (cfg.get("release") !== undefined) {
    throw new ConfigError(
      `${PROJECT}:release`,
      "[release state]",
      "no release state in the platform stack: releases live in the release stack's file (Pulumi.<releaseStack>.yaml, see docs/stacks.md)",
    );
  }
  const releaseStack = cfg.get("releaseStack") ?? "release";
  if (!/^[A-Za-z0-9_.-]+$/.test(releaseStack)) throw new ConfigError(`${PROJECT}:releaseStack`, releaseStack, "the name of the release stack, e.g. release");
  return { releaseStack, release: parseReleaseState(releaseOf(releaseStack), `Pulumi.${releaseStack}.yaml ${PROJECT}:release`) };
}

function isGithubLogin(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(value);
}

function parseMaintainers(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every(isGithubLogin)) {
    throw new ConfigError(`${PROJECT}:maintainers`, raw, "a non-empty list of GitHub logins who review release pull requests, e.g. [daniel-g-carrasco]");
  }
  return raw;
}

function readSecrets(cfg: Pick<pulumi.Config, "requireSecret" | "getSecret">): StackConfig["secrets"] {
  return Object.fromEntries([
    ...(Object.keys(SECRET_KEYS) as SecretKey[]).map((k) => [k, cfg.requireSecret(k)]),
    ...(Object.keys(OPTIONAL_SECRET_KEYS) as OptionalSecretKey[]).flatMap((k) => {
      const value = cfg.getSecret(k);
      return value === undefined ? [] : [[k, value]];
    }),
  ]) as StackConfig["secrets"];
}

/** `owner` and `name` of an `owner/name` repository. */
export function splitRepository(repository: string): { owner: string; name: string } {
  const [owner, name] = repository.split("/");
  return { owner, name };
}
