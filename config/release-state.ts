// The release state declared in the stack file (docs/release-flow.md): the stable
// promotion with its boot evidence, and the ISO releases. Pure parsing and validation, shared by
// the program, the release-state editor in scripts/ and the tests.
import { ConfigError } from "./errors";
import { nearestName } from "../grammar/nearest-name";
import { DIGEST_FORM, IA_IDENTIFIER_PATTERN, isCalendarDate, isDigest, isHttpsUrl, isIsoInstant, isMd5Hex, isSha256Hex, utcDateStamp } from "../grammar/values";

/** Proof that the digest booted: the smoke-boot run that passed and when it booted. */
export interface BootEvidence {
  readonly bootRun: string;
  readonly bootedAt: string;
}

/** The declared stable channel: the digest smoke-boot booted, pinned once (handbook 11.1). */
export interface StableRelease {
  readonly digest: string;
  readonly evidence: BootEvidence;
  /** Moving stable to an older digest must be said out loud. */
  readonly rollback: boolean;
}

export interface IsoFile {
  readonly name: string;
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
}

/** One ISO release published on the Internet Archive. */
export interface IsoRelease {
  /** YYYYMMDD: the site's LATEST_ISO_DATE when this is the newest release. */
  readonly date: string;
  readonly identifier: string;
  readonly files: readonly IsoFile[];
}

export interface ReleaseState {
  readonly stable?: StableRelease;
  readonly isos: readonly IsoRelease[];
}

/** The tags a stable release writes: stable, stable.YYYYMMDD, YYYYMMDD of the boot date. */
export function stableBootDate(stable: StableRelease): string {
  return utcDateStamp(new Date(stable.evidence.bootedAt));
}

/** The newest declared ISO release: what LATEST_ISO_DATE, the edge index and the redirect point at. */
export function latestIso(state: ReleaseState): IsoRelease | undefined {
  return [...state.isos].sort((a, b) => a.date.localeCompare(b.date)).at(-1);
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** How far ahead of this machine's clock a boot time may be (clock skew) before it is refused. */
const FUTURE_BOOT_TOLERANCE_MS = 86_400_000;

/**
 * Parses the `release` config object; `key` is the config key used in error messages. `now` judges
 * boot times: smoke-boot cannot have booted a digest in the future.
 */
export function parseReleaseState(raw: unknown, key: string, now: Date = new Date()): ReleaseState {
  if (raw === undefined || raw === null) return { isos: [] };
  const obj = record(raw, key, "an object with optional `stable` and `isos`", ["stable", "isos"]);
  const stable = obj.stable === undefined || obj.stable === null ? undefined : parseStable(obj.stable, `${key}.stable`, now);
  const isosRaw = obj.isos ?? [];
  if (!Array.isArray(isosRaw)) throw new ConfigError(`${key}.isos`, isosRaw, "a list of ISO releases");
  const isos = isosRaw.map((iso, i) => parseIso(iso, `${key}.isos[${i}]`));
  const dates = new Map<string, number>();
  const identifiers = new Map<string, string>();
  for (const [i, iso] of isos.entries()) {
    if (dates.has(iso.date)) throw new ConfigError(`${key}.isos[${i}].date`, iso.date, `one ISO release per date; isos[${dates.get(iso.date)}] already has it`);
    dates.set(iso.date, i);
    // One IA item per release: a second date in the same item would overwrite or mix its files.
    const other = identifiers.get(iso.identifier);
    if (other !== undefined)
      throw new ConfigError(`${key}.isos[${i}].identifier`, iso.identifier, `one IA item per release; the release of ${other} already uses it`);
    identifiers.set(iso.identifier, iso.date);
  }
  return { stable, isos };
}

function parseStable(raw: unknown, key: string, now: Date): StableRelease {
  const obj = record(raw, key, "{digest, evidence: {bootRun, bootedAt}, rollback?}", ["digest", "evidence", "rollback"]);
  if (!isDigest(obj.digest)) throw new ConfigError(`${key}.digest`, obj.digest, DIGEST_FORM);
  const ev = record(obj.evidence, `${key}.evidence`, "{bootRun: URL of the passing smoke-boot run, bootedAt: ISO 8601 time}", ["bootRun", "bootedAt"]);
  if (!isHttpsUrl(ev.bootRun) || !/\/actions\/runs\/\d+/.test(ev.bootRun)) {
    throw new ConfigError(`${key}.evidence.bootRun`, ev.bootRun, "the https URL of the passing smoke-boot run (.../actions/runs/N)");
  }
  if (!isIsoInstant(ev.bootedAt)) {
    throw new ConfigError(
      `${key}.evidence.bootedAt`,
      ev.bootedAt,
      'an ISO 8601 time with zone that exists on the calendar, quoted in YAML (unquoted, Pulumi reads it as a timestamp and reformats it), e.g. "2026-11-20T10:00:00Z"',
    );
  }
  if (Date.parse(ev.bootedAt) - now.getTime() > FUTURE_BOOT_TOLERANCE_MS) {
    throw new ConfigError(`${key}.evidence.bootedAt`, ev.bootedAt, `the time smoke-boot booted the digest, not in the future (now ${now.toISOString()})`);
  }
  if (obj.rollback !== undefined && typeof obj.rollback !== "boolean") {
    throw new ConfigError(`${key}.rollback`, obj.rollback, "true or false");
  }
  return { digest: obj.digest, evidence: { bootRun: ev.bootRun, bootedAt: ev.bootedAt }, rollback: obj.rollback === true };
}

function parseIso(raw: unknown, key: string): IsoRelease {
  const obj = record(raw, key, "{date, identifier, files}", ["date", "identifier", "files"]);
  const date = typeof obj.date === "number" ? String(obj.date) : obj.date;
  if (!isCalendarDate(date)) throw new ConfigError(`${key}.date`, obj.date, "YYYYMMDD, a real calendar date, quoted");
  if (typeof obj.identifier !== "string" || !IA_IDENTIFIER_PATTERN.test(obj.identifier)) {
    throw new ConfigError(`${key}.identifier`, obj.identifier, "an Internet Archive identifier: 5-100 of [A-Za-z0-9._-], not starting with . _ -");
  }
  if (!Array.isArray(obj.files) || obj.files.length === 0) {
    throw new ConfigError(`${key}.files`, obj.files, "a non-empty list of {name, sha256, md5, size}");
  }
  const files = obj.files.map((f, i) => parseIsoFile(f, `${key}.files[${i}]`));
  for (const [i, f] of files.entries()) {
    const first = files.findIndex((g) => g.name === f.name);
    // IA serves every file at the item root: two entries with one name cannot both be published.
    if (first !== i) throw new ConfigError(`${key}.files[${i}].name`, f.name, `a name no other file of the release has; files[${first}] is also ${f.name}`);
  }
  if (!files.some((f) => /\.iso$/i.test(f.name))) {
    throw new ConfigError(
      `${key}.files`,
      files.map((f) => f.name),
      "the release's files including its .iso image (an ISO release without an .iso would publish nothing to boot)",
    );
  }
  return { date, identifier: obj.identifier, files };
}

function parseIsoFile(raw: unknown, key: string): IsoFile {
  const obj = record(raw, key, "{name, sha256, md5, size}", ["name", "sha256", "md5", "size"]);
  if (typeof obj.name !== "string" || !FILE_NAME.test(obj.name)) {
    throw new ConfigError(`${key}.name`, obj.name, "a file name (basename, [A-Za-z0-9._-]) as published at the item root");
  }
  if (!isSha256Hex(obj.sha256)) {
    throw new ConfigError(`${key}.sha256`, obj.sha256, "64 lowercase hex characters");
  }
  if (!isMd5Hex(obj.md5)) {
    throw new ConfigError(`${key}.md5`, obj.md5, "32 lowercase hex characters");
  }
  if (typeof obj.size !== "number" || !Number.isSafeInteger(obj.size) || obj.size <= 0) {
    throw new ConfigError(`${key}.size`, obj.size, "the file size in bytes, a positive integer");
  }
  return { name: obj.name, sha256: obj.sha256, md5: obj.md5, size: obj.size };
}

/**
 * An object with only `known` keys: a typo (`rolback: true`) is an error naming the key and the
 * nearest known one, never silently ignored.
 */
function record(raw: unknown, key: string, expected: string, known: readonly string[]): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(key, raw, expected);
  for (const name of Object.keys(raw)) {
    if (known.includes(name)) continue;
    const nearest = nearestName(name, known);
    throw new ConfigError(
      `${key}.${name}`,
      (raw as Record<string, unknown>)[name],
      `one of ${known.join(", ")}`,
      `config ${key}: unknown key \`${name}\`${nearest ? `; did you mean \`${nearest}\`?` : ""} (known keys: ${known.join(", ")})`,
    );
  }
  return raw as Record<string, unknown>;
}
