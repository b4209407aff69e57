#!/usr/bin/env node
// npm run promote -- --image HOST/REPO --digest sha256:HEX --tags a,b,c [--expect TAG=sha256:HEX]...
//                    (--verify-key FILE | --no-verify) [--rollback] [--insecure] [--dry-run]
//                    [--connect-timeout S] [--read-timeout S]
// The Promotion provider's code as a CLI (docs/contracts.md). Prints one JSON object: per tag the
// digest before and after, and the number of HTTP requests. Exit 0 done, 2 invalid input (including a
// rollback not declared with --rollback), 3 conflict (a tag is not where --expect says), 4 not signed by
// the --verify-key key (scripts/promote-verification.ts), 1 other failure, 130 interrupted (the line
// says which tags moved; :stable always moves last).
import { isDigest, parseImageName } from "../grammar/values";
import { registryCredentials } from "../providers/oci/credentials";
import { PromotionConflict, RollbackRequired } from "../providers/oci/errors";
import { promotionInputFailures } from "../providers/oci/promotion-inputs";
import { RegistryClient } from "../providers/oci/registry-client";
import { PromotionProgress, promoteTags } from "../providers/oci/tag-promotion";
import { networkTimeouts, onInterrupt, parseCommandLine, runCli, TIMEOUT_OPTIONS, TIMEOUT_USAGE, UsageError } from "./cli";
import { runVerification, verificationPlan, VERIFY_OPTIONS } from "./promote-verification";

export const PROMOTE_USAGE =
  "usage: npm run promote -- --image HOST/REPO --digest sha256:HEX --tags a,b,c (--verify-key cosign.pub | --no-verify) [--expect TAG=sha256:HEX|TAG=none]... [--rollback] [--insecure] [--dry-run] " +
  TIMEOUT_USAGE;

/** `TAG=sha256:HEX` (or `TAG=none`: the tag must not exist yet) into an expectation map. */
export function parseExpectations(values: readonly string[]): Record<string, string | null> {
  const expected: Record<string, string | null> = {};
  for (const value of values) {
    const m = /^([^=]+)=(.*)$/.exec(value);
    if (!m || !(m[2] === "none" || isDigest(m[2]))) {
      throw new UsageError(`--expect ${value}: expected TAG=sha256:<64 hex> or TAG=none`);
    }
    expected[m[1]] = m[2] === "none" ? null : m[2];
  }
  return expected;
}

function promoteCommandLine(argv: string[]) {
  return parseCommandLine(
    argv,
    {
      image: { type: "string" },
      digest: { type: "string" },
      tags: { type: "string" },
      expect: { type: "string", multiple: true, default: [] },
      rollback: { type: "boolean", default: false },
      insecure: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      ...TIMEOUT_OPTIONS,
      ...VERIFY_OPTIONS,
    },
    PROMOTE_USAGE,
  ).values;
}

export async function promoteMain(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const values = promoteCommandLine(argv);
  const timeouts = networkTimeouts(values);
  const tags = values.tags
    ?.split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const failures = promotionInputFailures({ image: values.image, digest: values.digest, tags, insecure: values.insecure }, { requireEvidence: false });
  if (failures.length > 0) throw new UsageError(`${failures.map((f) => `--${f.property}: ${f.reason}`).join("\n")}\n${PROMOTE_USAGE}`);
  const expected = parseExpectations(values.expect!);
  const unknown = Object.keys(expected).filter((t) => !tags!.includes(t));
  if (unknown.length > 0) throw new UsageError(`--expect names ${unknown.join(", ")}, which --tags does not promote`);

  const verifyPlan = verificationPlan(values);
  const image = values.image!;
  const { registry, repository } = parseImageName(image);
  const client = new RegistryClient({ registry, insecure: values.insecure, timeouts, ...registryCredentials(registry, env) });
  const progress: PromotionProgress = { moved: [], inFlight: new Set() };
  const stopInterrupt = onInterrupt((signal) => interruptedReport(image, values.digest!, progress, signal));
  try {
    const verification = await runVerification(client, verifyPlan, { image, repository, digest: values.digest! });
    const result = await promoteTags(client, {
      image,
      repository,
      digest: values.digest!,
      tags: tags!,
      expected,
      rollback: values.rollback,
      dryRun: values["dry-run"],
      progress,
    });
    console.log(JSON.stringify({ ...result, verification, dryRun: values["dry-run"], requests: client.requestCount }, null, 2));
    return 0;
  } catch (err) {
    if (err instanceof PromotionConflict) throw new UsageError(`${err.message} (${client.requestCount} requests)`, 3);
    if (err instanceof RollbackRequired) throw new UsageError(err.message, 2);
    throw err;
  } finally {
    stopInterrupt();
  }
}

/** The one line an interrupted promotion prints: what moved, what was on the wire, what did not. */
export function interruptedReport(image: string, digest: string, progress: PromotionProgress, signal: string): string {
  const tags = (list: readonly string[]) => list.map((t) => `:${t}`).join(", ") || "nothing";
  const pending = (progress.planned ?? []).filter((t) => !progress.moved.includes(t) && !progress.inFlight.has(t));
  return (
    `interrupted (${signal}): promotion of ${image}@${digest} incomplete: moved ${tags(progress.moved)}` +
    `${progress.inFlight.size > 0 ? `; in flight (may or may not have moved) ${tags([...progress.inFlight])}` : ""}` +
    `${pending.length > 0 ? `; not moved ${tags(pending)}` : ""}` +
    `${progress.planned === undefined ? " (no tag was sent yet)" : ""}. Run the promotion again: tags already at the digest are skipped, :stable moves last.`
  );
}

if (require.main === module) runCli(() => promoteMain(process.argv.slice(2), process.env));
