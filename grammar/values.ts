// Value grammars shared by the stack config, the dynamic providers and the policy pack.
// Pure functions, no @pulumi/pulumi import: protocol clients and providers use them too.

/** A manifest digest as the registry and cosign use it: always sha256, lowercase hex. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
export const DIGEST_FORM = "sha256: followed by 64 lowercase hex characters";

export function isDigest(value: unknown): value is string {
  return typeof value === "string" && DIGEST_PATTERN.test(value);
}

/** A file's sha256 as sha256sum prints it: 64 lowercase hex characters. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value);
}

/** A file's md5 as IA's metadata API reports it: 32 lowercase hex characters. */
export function isMd5Hex(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{32}$/.test(value);
}

/** YYYYMMDD that is a real calendar date (20260231 is not). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== "string" || !/^\d{8}$/.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  const day = Number(value.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 2000 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The UTC calendar date of an instant, as YYYYMMDD (the handbook's `date -u +%Y%m%d`). */
export function utcDateStamp(instant: Date): string {
  return instant.toISOString().slice(0, 10).replace(/-/g, "");
}

/** Milliseconds since the epoch of a YYYYMMDD stamp at 00:00 UTC. */
export function dateStampToTime(stamp: string): number {
  return Date.UTC(Number(stamp.slice(0, 4)), Number(stamp.slice(4, 6)) - 1, Number(stamp.slice(6, 8)));
}

/**
 * The handbook's tag grammar (11.1). There is deliberately no `latest`: it conflates
 * "most recently built" with "recommended", which on an OS image must differ.
 */
export type TagKind =
  | "stable" //            :stable            - the only tag clients track
  | "stable-dated" //      :stable.YYYYMMDD   - dated stable alias
  | "dated" //             :YYYYMMDD          - dated stable alias
  | "candidate" //         :candidate         - built, not yet boot-tested
  | "candidate-dated" //   :candidate.YYYYMMDD
  | "pr" //                :pr-N              - transient, vm-test label
  | "signature"; //        sha256-<hex>[.sig|.att|.sbom] - cosign / OCI 1.1 fallback tags

export interface ParsedTag {
  readonly tag: string;
  readonly kind: TagKind;
  /** YYYYMMDD for dated kinds. */
  readonly date?: string;
  /** N for `pr-N`. */
  readonly pr?: number;
}

export const TagGrammar = {
  /** Tags a Promotion may move: the stable channel and its dated aliases. */
  promotionForm: "stable, stable.YYYYMMDD or YYYYMMDD (a real calendar date)",

  parse(tag: string): ParsedTag | undefined {
    if (tag === "stable") return { tag, kind: "stable" };
    if (tag === "candidate") return { tag, kind: "candidate" };
    let m = /^stable\.(\d{8})$/.exec(tag);
    if (m && isCalendarDate(m[1])) return { tag, kind: "stable-dated", date: m[1] };
    m = /^candidate\.(\d{8})$/.exec(tag);
    if (m && isCalendarDate(m[1])) return { tag, kind: "candidate-dated", date: m[1] };
    if (isCalendarDate(tag)) return { tag, kind: "dated", date: tag };
    m = /^pr-([1-9]\d{0,9})$/.exec(tag);
    if (m) return { tag, kind: "pr", pr: Number(m[1]) };
    if (/^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/.test(tag)) return { tag, kind: "signature" };
    return undefined;
  },

  isPromotionTag(tag: string): boolean {
    const kind = TagGrammar.parse(tag)?.kind;
    return kind === "stable" || kind === "stable-dated" || kind === "dated";
  },

  /** Tags that must survive any cleanup: what clients track or pin, and signatures. */
  isProtected(tag: string): boolean {
    const kind = TagGrammar.parse(tag)?.kind;
    return kind === "stable" || kind === "stable-dated" || kind === "dated" || kind === "signature";
  },

  /** The tags one promotion of a digest booted on `date` writes (handbook 11.1). */
  promotionTags(date: string): string[] {
    return ["stable", `stable.${date}`, date];
  },
};

/** DNS host name: labels of letters, digits and inner hyphens, at least one dot. */
export function isHostName(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 253) return false;
  const labels = value.split(".");
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

export const REPOSITORY_FORM = "OWNER/NAME, a GitHub repository";

/** GitHub `owner/name`. */
export function isRepositoryName(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/.test(value) && !value.endsWith(".git");
}

export const IMAGE_NAME_FORM = "HOST/OWNER/NAME without tag or digest, e.g. ghcr.io/daniel-g-carrasco/margine";

/**
 * An image reference without tag or digest: `host[:port]/path`, lowercase path components as the
 * distribution spec requires. Tags are what a Promotion moves; they never belong in the image name.
 */
export function isImageName(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const slash = value.indexOf("/");
  if (slash < 0) return false;
  const host = value.slice(0, slash);
  const path = value.slice(slash + 1);
  const hostOk = /^([a-z0-9.-]+|\[[0-9a-f:]+\])(:\d{1,5})?$/.test(host) && (host.includes(".") || host.includes(":") || host === "localhost");
  const pathOk = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path);
  return hostOk && pathOk;
}

/** The parts of an image name (`HOST/OWNER/NAME...`): the one place that splits it. */
export interface ImageName {
  /** `ghcr.io`, `127.0.0.1:5000` */
  readonly registry: string;
  /** The path inside the registry: `daniel-g-carrasco/margine`. */
  readonly repository: string;
  /** The first path segment: the GHCR package owner. */
  readonly owner: string;
  /** The rest of the path: the GHCR package name. */
  readonly name: string;
}

export function parseImageName(image: string): ImageName {
  const slash = image.indexOf("/");
  const registry = image.slice(0, slash);
  const repository = image.slice(slash + 1);
  const [owner, ...rest] = repository.split("/");
  return { registry, repository, owner, name: rest.join("/") };
}

/** IPv4 dotted quad, each part 0-255 without leading zeros. */
export function isIpv4Address(value: unknown): value is string {
  return typeof value === "string" && /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(value);
}

/** Registries that may be reached over plain HTTP: loopback only. */
export function isLoopbackRegistry(image: string): boolean {
  const host = parseImageName(image).registry.replace(/:\d+$/, "");
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** An absolute https URL (evidence links, API base URLs). */
export function isHttpsUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const u = new URL(value);
    return u.protocol === "https:" && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/** A full 40-hex git commit: what toolsRef and third-party action pins must be (a branch or tag moves). */
export function isCommitSha(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{40}$/.test(value);
}

/** An ntfy topic name (ntfy's own rule: 1-64 letters, digits, - and _). */
export function isNtfyTopic(value: unknown): value is string {
  return typeof value === "string" && /^[-_A-Za-z0-9]{1,64}$/.test(value);
}

/** An ISO 8601 instant with a time zone, e.g. 2026-11-20T10:00:00Z. */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(value);
  // Every field must exist on the calendar and the clock: Date.parse rolls 2026-02-30 over to March.
  return (
    m !== null &&
    isCalendarDate(`${m[1]}${m[2]}${m[3]}`) &&
    Number(m[4]) < 24 &&
    Number(m[5]) < 60 &&
    Number(m[6] ?? 0) < 60 &&
    Number(m[7] ?? 0) < 24 &&
    Number(m[8] ?? 0) < 60 &&
    !Number.isNaN(Date.parse(value))
  );
}

/** Internet Archive identifier rule: [A-Za-z0-9._-], not starting with . _ -, 5-100 characters. */
export const IA_IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{4,99}$/;
