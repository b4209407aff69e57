// The release watch's direct checks (docs/watch.md): the world read through the project's own
// clients and compared with what the release stack declares. Each check answers for one kind of
// finding; an error that says "no answer" or "could not read" makes that kind unknown, never clean.
import { latestIso, ReleaseState, stableBootDate } from "../config/release-state";
import { parseImageName, TagGrammar } from "../grammar/values";
import { ProviderError } from "../providers/provider-error";
import { RegistryClient } from "../providers/oci/registry-client";
import { SignatureVerificationError, verifyImageSignature } from "../providers/oci/signature-verification";
import { imageCreated, stalenessVerdict, StalenessThresholds } from "../providers/oci/staleness";
import { IaItemRecord } from "../providers/ia/metadata-api";
import { SiteSourceError } from "../providers/site/latest-iso-date";
import { CheckResult } from "./findings";

/** What the checks compare the world with: the release stack's declarations. */
export interface WatchedRelease {
  readonly image: string;
  readonly release: ReleaseState;
  readonly cosignPublicKey?: string;
  readonly siteRepository: string;
}

/** The readers the checks use; the CLI passes the real clients, each pointed at its endpoint. */
export interface WatchReaders {
  readonly registry: RegistryClient;
  readonly iaItem: (identifier: string) => Promise<IaItemRecord | undefined>;
  /** The date the site's main branch declares. */
  readonly siteDate: () => Promise<string>;
  /** Where each reader goes, for "could not check <endpoint>". */
  readonly endpoints: { readonly registry: string; readonly ia: string; readonly site: string };
}

/** The handbook's thresholds (11.1): the clients warn past 7 days, 14 is critical. */
export const STABLE_AGE: StalenessThresholds = { warnDays: 7, criticalDays: 14 };

export async function runChecks(watched: WatchedRelease, readers: WatchReaders, now: Date): Promise<CheckResult[]> {
  return [
    await guarded("tags", readers.endpoints.registry, () => checkTags(watched, readers.registry)),
    await guarded("signature", readers.endpoints.registry, () => checkSignature(watched, readers.registry)),
    await guarded("staleness", readers.endpoints.registry, () => checkStaleness(watched, readers.registry, now)),
    await guarded("ia-files", readers.endpoints.ia, () => checkIaFiles(watched, readers.iaItem)),
    await guarded("site-date", readers.endpoints.site, () => checkSiteDate(watched, readers.siteDate)),
  ];
}

/**
 * Runs one check; an error that is not a finding becomes "unknown" naming the endpoint. A bug (a
 * TypeError) is rethrown: the watch must not turn its own defect into a quiet "could not check".
 */
async function guarded(kind: CheckResult["kind"], endpoint: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check();
  } catch (err) {
    // The clients' errors (registry, IA, the site's GitHub reads, the network layer) all extend ProviderError.
    if (err instanceof ProviderError) return { kind, status: "unknown", endpoint, reason: (err as Error).message };
    throw err;
  }
}

async function checkTags(watched: WatchedRelease, registry: RegistryClient): Promise<CheckResult> {
  const stable = watched.release.stable;
  if (!stable) return { kind: "tags", status: "clean", summary: "no stable release declared, no tag to check" };
  const { repository } = parseImageName(watched.image);
  const tags = TagGrammar.promotionTags(stableBootDate(stable));
  const wrong: string[] = [];
  for (const tag of tags) {
    const at = await registry.headManifest(repository, tag);
    if (!at) wrong.push(`:${tag} is missing (declared ${stable.digest})`);
    else if (at.digest !== stable.digest) wrong.push(`:${tag} is at ${at.digest}, declared ${stable.digest}`);
  }
  if (wrong.length === 0) return { kind: "tags", status: "clean", summary: `${tags.map((t) => `:${t}`).join(", ")} on ${stable.digest}` };
  return {
    kind: "tags",
    status: "drift",
    severity: "critical",
    summary: `${wrong.length} of ${tags.length} tags of ${watched.image} are not on the declared digest`,
    details: wrong,
    action:
      "find who moved or deleted them (registry audit log, workflow runs); then re-run release.yml on main, whose pulumi up puts them back " +
      "(it refuses tags moved by hand: pulumi refresh first), or declare the digest they should be on in a release pull request",
  };
}

async function checkSignature(watched: WatchedRelease, registry: RegistryClient): Promise<CheckResult> {
  const stable = watched.release.stable;
  if (!stable) return { kind: "signature", status: "clean", summary: "no stable release declared, no signature to check" };
  if (!watched.cosignPublicKey)
    return signatureDrift(watched, stable.digest, "the release stack declares no cosignPublicKey, so nothing proves who built the stable digest");
  const { repository } = parseImageName(watched.image);
  try {
    const verified = await verifyImageSignature(registry, { image: watched.image, repository, digest: stable.digest, publicKey: watched.cosignPublicKey });
    const platforms = verified.platforms ? ` and its ${verified.platforms.length} platform manifest(s)` : "";
    return { kind: "signature", status: "clean", summary: `${stable.digest}${platforms} signed by key ${verified.key.slice(0, 19)}…` };
  } catch (err) {
    if (err instanceof SignatureVerificationError) return signatureDrift(watched, stable.digest, err.message);
    throw err;
  }
}

function signatureDrift(watched: WatchedRelease, digest: string, reason: string): CheckResult {
  return {
    kind: "signature",
    status: "drift",
    severity: "critical",
    summary: `${watched.image}@${digest} is :stable and its signature does not verify`,
    details: [reason],
    action:
      "clients with a sigstoreSigned policy refuse this update: re-sign the digest with cosign.key (build.yml's sign job) if its signature was deleted; " +
      "if it was never signed by this key, promote a signed digest instead",
  };
}

async function checkStaleness(watched: WatchedRelease, registry: RegistryClient, now: Date): Promise<CheckResult> {
  const stable = watched.release.stable;
  if (!stable) return { kind: "staleness", status: "clean", summary: "no stable release declared yet" };
  const { repository } = parseImageName(watched.image);
  const { created } = await imageCreated(registry, repository, stable.digest);
  const verdict = stalenessVerdict(`${watched.image}@${stable.digest}`, created, now, STABLE_AGE);
  if (verdict.level === "fresh") return { kind: "staleness", status: "clean", summary: verdict.message };
  return {
    kind: "staleness",
    status: "drift",
    severity: verdict.level,
    summary: `:stable is ${verdict.ageDays.toFixed(1)} days old (${verdict.level} at ${verdict.level === "warning" ? STABLE_AGE.warnDays : STABLE_AGE.criticalDays} days)`,
    details: [verdict.message],
    action: "look at the latest build.yml and smoke-boot.yml runs of the image repository; merge the pending release pull request if one is open",
  };
}

async function checkIaFiles(watched: WatchedRelease, iaItem: WatchReaders["iaItem"]): Promise<CheckResult> {
  const isos = watched.release.isos;
  if (isos.length === 0) return { kind: "ia-files", status: "clean", summary: "no ISO release declared" };
  const problems: string[] = [];
  for (const iso of isos) {
    const item = await iaItem(iso.identifier);
    if (!item) {
      problems.push(`${iso.identifier}: IA has no such item`);
      continue;
    }
    for (const file of iso.files) {
      const held = item.files.find((f) => f.name === file.name);
      if (!held) problems.push(`${iso.identifier}/${file.name}: missing (declared md5 ${file.md5})`);
      else if (held.md5 !== file.md5) problems.push(`${iso.identifier}/${file.name}: md5 ${held.md5 ?? "(none)"}, declared ${file.md5}`);
    }
  }
  const files = isos.reduce((n, iso) => n + iso.files.length, 0);
  if (problems.length === 0) return { kind: "ia-files", status: "clean", summary: `${files} file(s) in ${isos.length} item(s), md5 as declared` };
  return {
    kind: "ia-files",
    status: "drift",
    severity: "critical",
    summary: `${problems.length} of ${files} declared ISO file(s) are missing or changed on the Internet Archive`,
    details: problems,
    action:
      "users' downloads and torrents of these releases fail or mismatch their sha256: re-upload the files with npm run publish-iso from the release's " +
      "build artifacts (it re-sends only what IA lacks), or ask IA support what happened to the item",
  };
}

async function checkSiteDate(watched: WatchedRelease, siteDate: WatchReaders["siteDate"]): Promise<CheckResult> {
  const newest = latestIso(watched.release)?.date;
  if (!newest) return { kind: "site-date", status: "clean", summary: "no ISO release declared" };
  let date: string;
  try {
    date = await siteDate();
  } catch (err) {
    if (!(err instanceof SiteSourceError)) throw err;
    return siteDrift(watched, newest, err.message);
  }
  if (date === newest) return { kind: "site-date", status: "clean", summary: `LATEST_ISO_DATE is ${date}, the newest ISO release` };
  return siteDrift(
    watched,
    newest,
    `LATEST_ISO_DATE is ${date}, the newest declared ISO release is ${newest}${date > newest ? " (the site names a release that is not declared)" : ""}`,
  );
}

function siteDrift(watched: WatchedRelease, newest: string, detail: string): CheckResult {
  return {
    kind: "site-date",
    status: "drift",
    severity: "warning",
    summary: `the website does not link the newest ISO release ${newest}`,
    details: [`${watched.siteRepository}: ${detail}`],
    action:
      "merge the open LATEST_ISO_DATE pull request of the site repository, or re-run release.yml on main (its SiteRelease opens it; needs SITE_BUMP_TOKEN)",
  };
}
