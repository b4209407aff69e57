// The staleness watchdog's logic (handbook 11.1): how old is the image a client tracks? A silent
// pipeline failure must not leave users frozen on an old :stable without knowing. The age is the
// image config's `created`, read through the registry API (manifest, then config blob) - the same
// field `skopeo inspect` prints as Created, without needing skopeo on the machine.
import { isIndexMediaType } from "./media-types";
import { RegistryClient } from "./registry-client";
import { RegistryError } from "./errors";

export interface StalenessThresholds {
  /** Age in days from which the image is a warning (the handbook's 7). */
  readonly warnDays: number;
  /** Age in days from which it is critical (14). */
  readonly criticalDays: number;
}

export type StalenessLevel = "fresh" | "warning" | "critical";

export interface StalenessVerdict {
  readonly level: StalenessLevel;
  /** 0 fresh, 1 warning, 2 critical: the monitoring-plugin convention a timer or workflow can act on. */
  readonly exitCode: 0 | 1 | 2;
  readonly ageDays: number;
  /** One line for a notification, a journal entry or a workflow annotation. */
  readonly message: string;
}

const DAY_MS = 86_400_000;

/** How far ahead of our clock `created` may be (clock skew) before the age is unknown rather than fresh. */
export const FUTURE_TOLERANCE_MS = DAY_MS;

/** Undefined when `created` is plausible; else why the age cannot be known (a time in the future). */
export function implausibleCreated(created: Date, now: Date): string | undefined {
  if (created.getTime() - now.getTime() <= FUTURE_TOLERANCE_MS) return undefined;
  return `created ${created.toISOString()} is in the future (now ${now.toISOString()}): the image's metadata or a clock is wrong, so its age is unknown`;
}

export function stalenessVerdict(image: string, created: Date, now: Date, t: StalenessThresholds): StalenessVerdict {
  const ageDays = Math.max(0, (now.getTime() - created.getTime()) / DAY_MS);
  const age = `${ageDays.toFixed(1)} days old (created ${created.toISOString()})`;
  const limits = `warning at ${t.warnDays}, critical at ${t.criticalDays} days`;
  if (ageDays >= t.criticalDays) {
    return {
      level: "critical",
      exitCode: 2,
      ageDays,
      message: `critical: ${image} is ${age}; ${limits}: either the build pipeline is broken or upstream has paused - find out which`,
    };
  }
  if (ageDays >= t.warnDays) {
    return {
      level: "warning",
      exitCode: 1,
      ageDays,
      message: `warning: ${image} is ${age}; ${limits}: either the build pipeline is broken or upstream has paused`,
    };
  }
  return { level: "fresh", exitCode: 0, ageDays, message: `fresh: ${image} is ${age}; ${limits}` };
}

/**
 * The `created` time of the image at `reference`. For a multi-platform index the entry for
 * `platform` is read (every platform is built by the same run, so any one dates the release).
 */
export async function imageCreated(
  client: RegistryClient,
  repository: string,
  reference: string,
  platform = "linux/amd64",
): Promise<{ created: Date; digest: string }> {
  const where = `${client.endpoint.registry}/${repository}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`;
  let manifest = await client.getManifest(repository, reference);
  const digest = manifest.digest;
  if (isIndexMediaType(manifest.mediaType)) {
    const index = JSON.parse(manifest.bytes.toString("utf8")) as { manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[] };
    const entries = index.manifests ?? [];
    const [os, arch] = platform.split("/");
    const entry = entries.find((m) => m.platform?.os === os && m.platform?.architecture === arch);
    if (!entry) {
      // Another platform's age is not this platform's: a build that stopped producing it is exactly what to catch.
      const listed = entries.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : "(no platform)")).join(", ") || "nothing";
      throw new RegistryError(where, 200, `the image index has no ${platform} entry (it lists ${listed}); pass --platform for one of those`);
    }
    manifest = await client.getManifest(repository, entry.digest);
  }
  const body = JSON.parse(manifest.bytes.toString("utf8")) as { config?: { digest?: string } };
  if (!body.config?.digest) throw new RegistryError(where, 200, `manifest ${manifest.digest} has no config descriptor`);
  const config = JSON.parse((await client.getBlob(repository, body.config.digest)).toString("utf8")) as { created?: string };
  const created = config.created === undefined ? NaN : Date.parse(config.created);
  if (Number.isNaN(created)) {
    throw new RegistryError(where, 200, `the image config ${body.config.digest} has no valid created time (${JSON.stringify(config.created)})`);
  }
  return { created: new Date(created), digest };
}
