// The platform stack's config (docs/stacks.md): every key is validated here, at program start, so
// a typo fails `pulumi preview` with one line (key, bad value, expected form) before any resource
// is registered. Secrets are read only with requireSecret: they stay Output<string> marked secret.
// The release state is not this stack's: it is read from the release stack's file.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { isCommitSha, isHostName, isHttpsUrl, isImageName, isIpv4Address, isNtfyTopic, isRepositoryName } from "../grammar/values";
import { parseReleaseState, ReleaseState } from "./release-state";
import { readStackFileValue } from "./stack-file";

import { PROJECT } from "./stack-role";

export { PROJECT };

/** Secret config keys (`pulumi config set --secret KEY`), with what each one is for. */
export const SECRET_KEYS = {
  releasePrToken: "fine-grained PAT, Contents+Pull requests write on the pipeline repository (RELEASE_PR_TOKEN)",
  iaAccessKey: "Internet Archive S3 access key (https://archive.org/account/s3.php)",
  iaSecretKey: "Internet Archive S3 secret key",
  cosignPrivateKey: "cosign.key (encrypted private key) whose public half is margine-image/cosign.pub",
  cosignPassword: "the password of cosign.key",
  edgeSshPrivateKey: "private key of the edge VM's admin account that Pulumi deploys with",
  registryWriteToken: "PAT with write:packages that release.yml's up job moves the stable tags with (REGISTRY_PASSWORD)",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/**
 * Secrets the handbook lets a release go without: no SITE_BUMP_TOKEN means the website's
 * LATEST_ISO_DATE bump is skipped with a warning, not a failed release.
 */
export const OPTIONAL_SECRET_KEYS = {
  siteBumpToken: "fine-grained PAT, Contents+Pull requests write on the site repository only (SITE_BUMP_TOKEN)",
  ntfyToken: "ntfy access token with write access to watchNtfy.topic, if the topic is protected (NTFY_TOKEN)",
} as const;
export type OptionalSecretKey = keyof typeof OPTIONAL_SECRET_KEYS;

/**
 * Values only the operator can supply that are not secret (a pinned SSH host key cannot be
 * invented). Offline synth fills them, like missing secrets, with placeholders and a warning.
 */
export const OPERATOR_KEYS = {
  edgeHostKey: "the edge VM's SSH host public key, e.g. `ssh-keyscan -t ed25519 HOST | cut -d' ' -f2-`",
  edgeAddress: "the edge VM's public IPv4 address (A records of the site and files hosts), e.g. 203.0.113.7",
  toolsRef: "the full commit of this repository whose CLIs the image workflows run (jobs that hold secrets never run a moving main), e.g. `git rev-parse HEAD`",
} as const;

/**
 * The DNS-only host that serves the 7-day ISO copies straight from the edge VM. filesHost is
 * proxied by Cloudflare (HTML and checksums only: Cloudflare Free discourages large binaries
 * through its proxy, handbook 11.2), and the proxy carries neither ISOs nor SSH.
 */
export function isoFallbackHost(filesHost: string): string {
  return `direct.${filesHost}`;
}

export interface EdgeConfig {
  /** SSH address of the edge VM; defaults to the DNS-only isoFallbackHost (the proxy carries no SSH). */
  readonly sshHost: string;
  readonly sshPort: number;
  readonly sshUser: string;
  /** Pinned host key: Pulumi refuses to talk to an edge VM it cannot authenticate. */
  readonly hostKey: string;
  /** Public IPv4 address of the edge VM (`edgeAddress`); the Cloudflare DNS records need it. */
  readonly address?: string;
}

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
  readonly stateRoles?: { readonly read: string; readonly write: string };
  /** Where the release watch (watch.yml) pushes when it opens or closes an issue; none: issues only. */
  readonly watchNtfy?: { readonly server: string; readonly topic: string };
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
export function parseStackConfig(
  cfg: Pick<pulumi.Config, "get" | "getObject" | "requireSecret" | "getSecret">,
  releaseOf: (stack: string) => unknown,
): StackConfig {
  const repo = (key: string) => requireValid(cfg, key, isRepositoryName, "OWNER/NAME, a GitHub repository");
  const host = (key: string) => requireValid(cfg, key, isHostName, "a lowercase DNS host name such as files.the-empty.place");

  const image = requireValid(cfg, "image", isImageName, "HOST/OWNER/NAME without tag or digest, e.g. ghcr.io/daniel-g-carrasco/margine");
  const zone = host("zone");
  const siteHost = host("siteHost");
  const filesHost = host("filesHost");
  for (const [key, value] of [
    ["siteHost", siteHost],
    ["filesHost", filesHost],
  ] as const) {
    if (value !== zone && !value.endsWith(`.${zone}`)) {
      throw new ConfigError(`${PROJECT}:${key}`, value, `a host inside the zone ${zone}`);
    }
  }
  const edge = parseEdge(cfg, filesHost);
  const siteDeployHookUrl = cfg.get("siteDeployHookUrl");
  if (siteDeployHookUrl !== undefined && !isHttpsUrl(siteDeployHookUrl)) {
    throw new ConfigError(`${PROJECT}:siteDeployHookUrl`, siteDeployHookUrl, "an https URL of the web host's deploy endpoint");
  }
  const stateBackendUrl = cfg.get("stateBackendUrl");
  // release.yml authenticates to s3:// only (GitHub OIDC), and Pulumi's S3 client (AWS SDK v2)
  // needs a region a runner does not set: checked here, before the variable reaches a workflow.
  if (stateBackendUrl !== undefined && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^?\s]*)?\?(\S*&)?region=[a-z0-9-]+(&\S*)?$/.test(stateBackendUrl)) {
    throw new ConfigError(
      `${PROJECT}:stateBackendUrl`,
      stateBackendUrl,
      "a shared s3:// backend with its region, e.g. s3://my-bucket/margine?region=eu-central-1 (release.yml reaches S3 through GitHub OIDC; a file:// backend is local to one machine)",
    );
  }
  const stateRoles = parseStateRoles(cfg.getObject<unknown>("stateRoles"));
  const watchNtfy = parseWatchNtfy(cfg.getObject<unknown>("watchNtfy"));
  if (cfg.get("release") !== undefined) {
    throw new ConfigError(
      `${PROJECT}:release`,
      "[release state]",
      "no release state in the platform stack: releases live in the release stack's file (Pulumi.<releaseStack>.yaml, see docs/stacks.md)",
    );
  }
  const releaseStack = cfg.get("releaseStack") ?? "release";
  if (!/^[A-Za-z0-9_.-]+$/.test(releaseStack)) throw new ConfigError(`${PROJECT}:releaseStack`, releaseStack, "the name of the release stack, e.g. release");
  const release = parseReleaseState(releaseOf(releaseStack), `Pulumi.${releaseStack}.yaml ${PROJECT}:release`);

  const toolsRef = cfg.get("toolsRef");
  if (!isCommitSha(toolsRef)) throw new ConfigError(`${PROJECT}:toolsRef`, toolsRef, OPERATOR_KEYS.toolsRef);
  const maintainers = cfg.getObject<unknown>("maintainers");
  if (
    !Array.isArray(maintainers) ||
    maintainers.length === 0 ||
    !maintainers.every((m) => typeof m === "string" && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(m))
  ) {
    throw new ConfigError(
      `${PROJECT}:maintainers`,
      maintainers,
      "a non-empty list of GitHub logins who review release pull requests, e.g. [daniel-g-carrasco]",
    );
  }

  const secrets = Object.fromEntries([
    ...(Object.keys(SECRET_KEYS) as SecretKey[]).map((k) => [k, cfg.requireSecret(k)]),
    ...(Object.keys(OPTIONAL_SECRET_KEYS) as OptionalSecretKey[]).flatMap((k) => {
      const value = cfg.getSecret(k);
      return value === undefined ? [] : [[k, value]];
    }),
  ]) as StackConfig["secrets"];

  return {
    imageRepository: repo("imageRepository"),
    siteRepository: repo("siteRepository"),
    pipelineRepository: repo("pipelineRepository"),
    image,
    zone,
    siteHost,
    filesHost,
    edge,
    siteDeployHookUrl,
    stateBackendUrl,
    ...(stateRoles ? { stateRoles } : {}),
    ...(watchNtfy ? { watchNtfy } : {}),
    releaseStack,
    release,
    toolsRef,
    maintainers,
    secrets,
  };
}

function parseStateRoles(raw: unknown): StackConfig["stateRoles"] {
  if (raw === undefined) return undefined;
  const role = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,128}$/;
  const roles = raw as { read?: unknown; write?: unknown };
  if (typeof raw !== "object" || raw === null || !role.test(String(roles.read)) || !role.test(String(roles.write))) {
    throw new ConfigError(
      `${PROJECT}:stateRoles`,
      raw,
      "{read: arn:aws:iam::ACCOUNT:role/NAME, write: arn:aws:iam::ACCOUNT:role/NAME}, the roles release.yml assumes for the s3 state backend",
    );
  }
  return { read: String(roles.read), write: String(roles.write) };
}

function parseWatchNtfy(raw: unknown): StackConfig["watchNtfy"] {
  if (raw === undefined) return undefined;
  const { server, topic } = (raw ?? {}) as { server?: unknown; topic?: unknown };
  if (typeof raw !== "object" || raw === null || !isHttpsUrl(server) || !isNtfyTopic(topic)) {
    throw new ConfigError(
      `${PROJECT}:watchNtfy`,
      raw,
      "{server: https://ntfy.sh, topic: NAME} (a topic of 1-64 letters, digits, - or _), where the release watch pushes",
    );
  }
  return { server, topic };
}

function parseEdge(cfg: Pick<pulumi.Config, "get" | "getObject">, filesHost: string): EdgeConfig {
  const key = `${PROJECT}:edge`;
  const raw = cfg.getObject<Record<string, unknown>>("edge") ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(key, raw, "{sshHost?, sshPort?, sshUser}");
  const sshHost = raw.sshHost ?? isoFallbackHost(filesHost);
  if (!isHostName(sshHost) && !isIpv4Address(sshHost)) {
    throw new ConfigError(`${key}.sshHost`, sshHost, "a DNS host name or IPv4 address");
  }
  const sshPort = raw.sshPort ?? 22;
  if (typeof sshPort !== "number" || !Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535) {
    throw new ConfigError(`${key}.sshPort`, sshPort, "a TCP port, 1-65535");
  }
  const sshUser = raw.sshUser;
  if (typeof sshUser !== "string" || !/^[a-z_][a-z0-9_-]{0,31}$/.test(sshUser)) {
    throw new ConfigError(`${key}.sshUser`, sshUser, "a Linux user name such as margine-admin");
  }
  const hostKey = cfg.get("edgeHostKey");
  if (hostKey === undefined || !/^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]{40,}$/.test(hostKey.trim())) {
    throw new ConfigError(`${PROJECT}:edgeHostKey`, hostKey, `${OPERATOR_KEYS.edgeHostKey} ("TYPE BASE64")`);
  }
  const address = cfg.get("edgeAddress");
  if (address !== undefined && !isIpv4Address(address)) {
    throw new ConfigError(`${PROJECT}:edgeAddress`, address, OPERATOR_KEYS.edgeAddress);
  }
  return { sshHost: String(sshHost), sshPort, sshUser, hostKey: hostKey.trim(), address };
}

function requireValid(cfg: Pick<pulumi.Config, "get">, key: string, valid: (v: unknown) => boolean, expected: string): string {
  const value = cfg.get(key);
  if (!valid(value)) throw new ConfigError(`${PROJECT}:${key}`, value, expected);
  return value as string;
}

/** `owner` and `name` of an `owner/name` repository. */
export function splitRepository(repository: string): { owner: string; name: string } {
  const [owner, name] = repository.split("/");
  return { owner, name };
}
