#!/usr/bin/env node
// npm run retention -- --image HOST/REPO [--pr-days 14] [--candidate-days 30] [--apply] [--insecure]
//                      [--owner-type user|org] [--connect-timeout S] [--read-timeout S]
// The weekly retention job: removes image versions whose every tag is an expired transient tag
// (pr-N, candidate.YYYYMMDD), never one carrying stable/dated/sha256-* tags, never untagged versions or
// index children. Dry run unless --apply. On ghcr.io it uses the GitHub packages API (GITHUB_TOKEN;
// GITHUB_API_URL overrides the API root), elsewhere the registry API (REGISTRY_USERNAME/PASSWORD).
// Prints one JSON object; exit 0 done, 2 invalid input, 1 failure.
import { isImageName, isLoopbackRegistry, parseImageName } from "../grammar/values";
import { ContainerPackageRef, ContainerPackagesApi } from "../providers/ghcr/packages-api";
import { registryCredentials } from "../providers/oci/credentials";
import { ghcrVersions, registryVersions } from "../providers/ghcr/image-versions";
import { RegistryClient } from "../providers/oci/registry-client";
import { planRetention } from "../providers/oci/retention-plan";
import { networkTimeouts, onInterrupt, parseCommandLine, runCli, TIMEOUT_OPTIONS, TIMEOUT_USAGE, UsageError } from "./cli";

const USAGE =
  "usage: npm run retention -- --image HOST/REPO [--pr-days 14] [--candidate-days 30] [--apply] [--insecure] [--owner-type user|org] " + TIMEOUT_USAGE;

export interface RetentionReport {
  readonly image: string;
  readonly applied: boolean;
  readonly remove: { id: string; digest: string; tags: readonly string[]; reason: string }[];
  readonly keep: { id: string; digest: string; tags: readonly string[]; reason: string }[];
}

function days(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,4}$/.test(value)) throw new UsageError(`--${flag} ${value}: expected a whole number of days\n${USAGE}`);
  return Number(value);
}

export async function retentionMain(argv: string[], env: NodeJS.ProcessEnv, now = new Date()): Promise<RetentionReport> {
  const values = parseCommandLine(
    argv,
    {
      image: { type: "string" },
      "pr-days": { type: "string" },
      "candidate-days": { type: "string" },
      apply: { type: "boolean", default: false },
      insecure: { type: "boolean", default: false },
      "owner-type": { type: "string", default: "user" },
      ...TIMEOUT_OPTIONS,
    },
    USAGE,
  ).values;
  const image = values.image;
  if (!isImageName(image))
    throw new UsageError(`--image ${image ?? "(missing)"}: expected HOST/REPO without tag, e.g. ghcr.io/daniel-g-carrasco/margine\n${USAGE}`);
  if (values.insecure && !isLoopbackRegistry(image)) throw new UsageError(`--insecure: plain HTTP is allowed only for loopback registries, not ${image}`);
  const ownerType = values["owner-type"];
  if (ownerType !== "user" && ownerType !== "org") throw new UsageError(`--owner-type ${ownerType}: expected user or org`);
  const timeouts = networkTimeouts(values);
  const policy = { prDays: days("pr-days", values["pr-days"], 14), candidateDays: days("candidate-days", values["candidate-days"], 30), now };

  const { registry, repository } = parseImageName(image);
  let versions;
  let removeVersion: (id: string) => Promise<void>;
  if (registry === "ghcr.io") {
    // GHCR answers 405 to registry DELETE: versions are removed through the packages API.
    const [owner, ...rest] = repository.split("/");
    const pkg: ContainerPackageRef = { owner, ownerType, name: rest.join("/") };
    const api = new ContainerPackagesApi({ token: env.GITHUB_TOKEN || undefined, baseUrl: env.GITHUB_API_URL, timeouts });
    versions = await ghcrVersions(api, pkg);
    removeVersion = (id) => api.deleteVersion(pkg, Number(id));
  } else {
    const client = new RegistryClient({ registry, insecure: values.insecure, timeouts, ...registryCredentials(registry, env) });
    versions = await registryVersions(client, repository);
    removeVersion = (digest) => client.deleteManifest(repository, digest);
  }
  const decisions = planRetention(versions, policy);
  const entry = (d: (typeof decisions)[number]) => ({ id: d.version.id, digest: d.version.digest, tags: d.version.tags, reason: d.reason });
  const remove = decisions.filter((d) => d.remove);
  // One at a time: a weekly job has no hurry, and GHCR rate-limits bursts of deletes.
  if (values.apply) {
    const removed: string[] = [];
    const stop = onInterrupt(
      (signal) =>
        `interrupted (${signal}): removed ${removed.length} of ${remove.length} expired versions` +
        `${removed.length > 0 ? ` (${removed.join(", ")})` : ""}; the others were not touched: rerun to finish`,
    );
    try {
      for (const d of remove) {
        await removeVersion(d.version.id);
        removed.push(d.version.id);
      }
    } finally {
      stop();
    }
  }
  return { image, applied: values.apply!, remove: remove.map(entry), keep: decisions.filter((d) => !d.remove).map(entry) };
}

if (require.main === module) {
  runCli(async () => {
    console.log(JSON.stringify(await retentionMain(process.argv.slice(2), process.env), null, 2));
  });
}
