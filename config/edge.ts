// The edge VM's part of the platform stack's config (docs/stacks.md): how Pulumi reaches it over
// SSH, and the pinned host key without which it refuses to talk to it.
import { ConfigError } from "./errors";
import { OPERATOR_KEYS } from "./operator-values";
import { PROJECT } from "./stack-role";
import { isHostName, isIpv4Address } from "../grammar/values";

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

/** The raw values: the `edge` object and the operator's `edgeHostKey` and `edgeAddress`. */
export interface EdgeValues {
  readonly edge: unknown;
  readonly edgeHostKey: string | undefined;
  readonly edgeAddress: string | undefined;
}

export function parseEdge(values: EdgeValues, filesHost: string): EdgeConfig {
  const key = `${PROJECT}:edge`;
  const raw = (values.edge ?? {}) as Record<string, unknown>;
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
  const hostKey = values.edgeHostKey;
  if (hostKey === undefined || !/^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]{40,}$/.test(hostKey.trim())) {
    throw new ConfigError(`${PROJECT}:edgeHostKey`, hostKey, `${OPERATOR_KEYS.edgeHostKey} ("TYPE BASE64")`);
  }
  const address = values.edgeAddress;
  if (address !== undefined && !isIpv4Address(address)) {
    throw new ConfigError(`${PROJECT}:edgeAddress`, address, OPERATOR_KEYS.edgeAddress);
  }
  return { sshHost: String(sshHost), sshPort, sshUser, hostKey: hostKey.trim(), address };
}
