// The release state declared in the stack file (docs/release-flow.md): the stable
// promotion with its boot evidence, and the ISO releases. Pure parsing and validation, shared by
// the program, the release-state editor in scripts/ and the tests.
import { ConfigError } from "./errors";
import {
  DIGEST_FORM,
  IA_IDENTIFIER_PATTERN,
  isCalendarDate,
  isDigest,
  isHttpsUrl,
  isIsoInstant,
  isMd5Hex,
  isSha256Hex,
  utcDateStamp,
} from "./grammar";

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

/** Parses the `release` config object; `key` is the config key used in error messages. */
export function parseReleaseState(raw: unknown, key: string): ReleaseState {
  if (raw === undefined || raw === null) return { isos: [] };
  const obj = record(raw, key, "an object with optional `stable` and `isos`");
  const stable = obj.stable === undefined || obj.stable === null ? undefined : parseStable(obj.stable, `${key}.stable`);
  const isosRaw = obj.isos ?? [];
  if (!Array.isArray(isosRaw)) throw new ConfigError(`${key}.isos`, isosRaw, "a list of ISO releases");
  const isos = isosRaw.map((iso, i) => parseIso(iso, `${key}.isos[${i}]`));
  const seen = new Set<string>();
  for (const [i, iso] of isos.entries()) {
    if (seen.has(iso.date)) throw new ConfigError(`${key}.isos[${i}].date`, iso.date, "one ISO release per date");
    seen.add(iso.date);
  }
  return { stable, isos };
}

function parseStable(raw: unknown, key: string): StableRelease {
  const obj = record(raw, key, "{digest, evidence: {bootRun, bootedAt}, rollback?}");
  if (!isDigest(obj.digest)) throw new ConfigError(`${key}.digest`, obj.digest, DIGEST_FORM);
  const ev = record(obj.evidence, `${key}.evidence`, "{bootRun: URL of the passing smoke-boot run, bootedAt: ISO 8601 time}");
  if (!isHttpsUrl(ev.bootRun) || !/\/actions\/runs\/\d+/.test(ev.bootRun)) {
    throw new ConfigError(`${key}.evidence.bootRun`, ev.bootRun, "the https URL of the passing smoke-boot run (.../actions/runs/N)");
  }
  if (!isIsoInstant(ev.bootedAt)) {
    throw new ConfigError(`${key}.evidence.bootedAt`, ev.bootedAt, "an ISO 8601 time with zone, quoted in YAML (unquoted, Pulumi reads it as a timestamp and reformats it), e.g. \"2026-11-20T10:00:00Z\"");
  }
  if (obj.rollback !== undefined && typeof obj.rollback !== "boolean") {
    throw new ConfigError(`${key}.rollback`, obj.rollback, "true or false");
  }
  return { digest: obj.digest, evidence: { bootRun: ev.bootRun, bootedAt: ev.bootedAt }, rollback: obj.rollback === true };
}

function parseIso(raw: unknown, key: string): IsoRelease {
  const obj = record(raw, key, "{date, identifier, files}");
  const date = typeof obj.date === "number" ? String(obj.date) : obj.date;
  if (!isCalendarDate(date)) throw new ConfigError(`${key}.date`, obj.date, "YYYYMMDD, a real calendar date, quoted");
  if (typeof obj.identifier !== "string" || !IA_IDENTIFIER_PATTERN.test(obj.identifier)) {
    throw new ConfigError(`${key}.identifier`, obj.identifier, "an Internet Archive identifier: 5-100 of [A-Za-z0-9._-], not starting with . _ -");
  }
  if (!Array.isArray(obj.files) || obj.files.length === 0) {
    throw new ConfigError(`${key}.files`, obj.files, "a non-empty list of {name, sha256, md5, size}");
  }
  const files = obj.files.map((f, i) => parseIsoFile(f, `${key}.files[${i}]`));
  return { date, identifier: obj.identifier, files };
}

function parseIsoFile(raw: unknown, key: string): IsoFile {
  const obj = record(raw, key, "{name, sha256, md5, size}");
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

function record(raw: unknown, key: string, expected: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(key, raw, expected);
  return raw as Record<string, unknown>;
}
