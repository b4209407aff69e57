#!/usr/bin/env node
// npm run staleness -- --image HOST/REPO:TAG [--warn-days 7] [--critical-days 14] [--insecure] [--platform linux/amd64]
//                      [--connect-timeout S] [--read-timeout S]
// The staleness watchdog (handbook 11.1): prints one line and exits 0 fresh, 1 warning, 2 critical,
// so a user timer can raise a notification and a scheduled workflow can fail. Because 1 and 2 are
// verdicts, a usage error or an unreachable registry exits 3 ("unknown", the monitoring-plugin
// convention), never 2. Credentials: REGISTRY_USERNAME/REGISTRY_PASSWORD, GITHUB_TOKEN for ghcr.io;
// none are needed for a public image.
import { isDigest, isImageName, isLoopbackRegistry, parseImageName } from "../grammar/values";
import { registryCredentials } from "../providers/oci/credentials";
import { RegistryClient } from "../providers/oci/registry-client";
import { networkTimeouts, parseCommandLine, runCli, TIMEOUT_OPTIONS, TIMEOUT_USAGE, UsageError } from "./cli";
import { imageCreated, implausibleCreated, stalenessVerdict } from "../providers/oci/staleness";

const UNKNOWN = 3;
const USAGE = `usage: npm run staleness -- --image HOST/REPO:TAG [--warn-days 7] [--critical-days 14] [--platform linux/amd64] [--insecure] ${TIMEOUT_USAGE}`;

runCli(async () => {
  const { values } = parseCommandLine(
    process.argv.slice(2),
    {
      image: { type: "string" },
      "warn-days": { type: "string", default: "7" },
      "critical-days": { type: "string", default: "14" },
      platform: { type: "string", default: "linux/amd64" },
      insecure: { type: "boolean", default: false },
      ...TIMEOUT_OPTIONS,
    },
    USAGE,
    { exitCode: UNKNOWN },
  );
  const timeouts = networkTimeouts(values, UNKNOWN);
  const { name, reference } = imageReference(values.image);
  const warnDays = days(values["warn-days"]!, "--warn-days");
  const criticalDays = days(values["critical-days"]!, "--critical-days");
  if (criticalDays <= warnDays) throw new UsageError(`--critical-days ${criticalDays} must be greater than --warn-days ${warnDays}`, UNKNOWN);
  if (!/^[a-z0-9]+\/[a-z0-9_]+$/.test(values.platform!))
    throw new UsageError(`--platform ${JSON.stringify(values.platform)}: expected OS/ARCH such as linux/amd64`, UNKNOWN);
  if (values.insecure && !isLoopbackRegistry(name))
    throw new UsageError(`--insecure is for loopback registries only; ${name} must be reached over https`, UNKNOWN);

  const { registry, repository } = parseImageName(name);
  const client = new RegistryClient({ registry, insecure: values.insecure, timeouts, ...registryCredentials(registry, process.env), maxAttempts: 3 });
  let created: Date;
  try {
    ({ created } = await imageCreated(client, repository, reference, values.platform));
  } catch (err) {
    // Not knowing the age is its own answer: the watchdog must not claim "fresh" or "critical".
    throw new UsageError(`unknown: ${(err as Error).message}`, UNKNOWN);
  }
  const now = new Date();
  const implausible = implausibleCreated(created, now);
  if (implausible) throw new UsageError(`unknown: ${values.image}: ${implausible}`, UNKNOWN);
  const verdict = stalenessVerdict(values.image!, created, now, { warnDays, criticalDays });
  const annotation = process.env.GITHUB_ACTIONS === "true" ? ({ fresh: "", warning: "::warning::", critical: "::error::" } as const)[verdict.level] : "";
  console.log(`${annotation}${verdict.message}`);
  return verdict.exitCode;
});

function imageReference(image: string | undefined): { name: string; reference: string } {
  const expected = "HOST/REPO:TAG or HOST/REPO@sha256:HEX, e.g. ghcr.io/daniel-g-carrasco/margine:stable";
  if (image === undefined) throw new UsageError(`--image is missing; expected ${expected}`, UNKNOWN);
  const at = image.indexOf("@");
  const colon = image.lastIndexOf(":");
  const split =
    at >= 0
      ? { name: image.slice(0, at), reference: image.slice(at + 1) }
      : colon > image.lastIndexOf("/")
        ? { name: image.slice(0, colon), reference: image.slice(colon + 1) }
        : undefined;
  const validReference = split && (at >= 0 ? isDigest(split.reference) : /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(split.reference));
  if (!split || !validReference || !isImageName(split.name)) throw new UsageError(`--image ${JSON.stringify(image)}: expected ${expected}`, UNKNOWN);
  return split;
}

function days(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a positive number of days`, UNKNOWN);
  return n;
}
