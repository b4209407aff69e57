#!/usr/bin/env node
// npm run release-notes -- --image HOST/REPO (--from sha256:HEX|none | --from-stack-file FILE)
//                          (--to sha256:HEX | --to-stack-file FILE) [--verify-key cosign.pub]
//                          [--format markdown|summary|json] [--boot-run URL --booted-at TIME] [--rollback]
//                          [--full-notes-url URL] [--max-chars N] [--github-api URL] [--insecure]
// What changed between two digests, for a release pull request (docs/release-notes.md): both
// sides' labels, signatures and attested package lists, the commits between their revisions, the
// package diff, the size change. A stack file stands for the stable digest it declares (none: a
// first release), its image, its cosignPublicKey and its boot evidence. Exit 0 with notes, even
// partial ones (they say what is missing); 2 bad input, before any request.
import * as fs from "node:fs";
import { ConfigError } from "../config/errors";
import { parseStackFile } from "../config/stack-file";
import { PROJECT } from "../config/stack-role";
import { parseReleaseStackConfig, ReleaseStackConfig } from "../config/release-stack";
import { isDigest, isHttpsUrl, isImageName, isIsoInstant, isLoopbackRegistry, parseImageName } from "../grammar/values";
import { RegistryClient } from "../providers/oci/registry-client";
import { registryCredentials } from "../providers/oci/credentials";
import { renderNotes, renderSummary } from "../release-notes/markdown";
import { gatherReleaseNotes, NotesRequest } from "../release-notes/release-notes";
import { inputFile, networkTimeouts, parseCommandLine, runCli, TIMEOUT_OPTIONS, TIMEOUT_USAGE, UsageError } from "./cli";

export const RELEASE_NOTES_USAGE =
  "usage: npm run release-notes -- --image HOST/REPO (--from sha256:HEX|none | --from-stack-file FILE) (--to sha256:HEX | --to-stack-file FILE) " +
  "[--verify-key cosign.pub] [--format markdown|summary|json] [--boot-run URL --booted-at TIME] [--rollback] [--full-notes-url URL] [--max-chars N] " +
  "[--github-api URL] [--insecure] " +
  TIMEOUT_USAGE;

const FORMATS = ["markdown", "summary", "json"] as const;

function commandLine(argv: string[]) {
  return parseCommandLine(
    argv,
    {
      image: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      "from-stack-file": { type: "string" },
      "to-stack-file": { type: "string" },
      "verify-key": { type: "string" },
      format: { type: "string", default: "markdown" },
      "boot-run": { type: "string" },
      "booted-at": { type: "string" },
      rollback: { type: "boolean", default: false },
      "full-notes-url": { type: "string" },
      "max-chars": { type: "string" },
      "github-api": { type: "string" },
      insecure: { type: "boolean", default: false },
      ...TIMEOUT_OPTIONS,
    },
    RELEASE_NOTES_USAGE,
  ).values;
}

/** A release stack file's config, validated by the stack's own parser (one line naming the file and key). */
function readStackFile(flag: string, file: string): ReleaseStackConfig {
  inputFile(`${flag} `, file);
  const config = parseStackFile(fs.readFileSync(file, "utf8"), file).config ?? {};
  const entries = Object.entries(config).map(([key, value]) => ({
    key,
    value,
    secret: typeof value === "object" && value !== null && "secure" in value,
  }));
  try {
    return parseReleaseStackConfig(PROJECT, entries);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${flag} ${file}: ${err.message}`);
    throw err;
  }
}

function digestFlag(flag: string, value: string, allowNone: boolean): string | undefined {
  if (allowNone && value === "none") return undefined;
  if (!isDigest(value))
    throw new UsageError(`${flag} ${value}: expected sha256: followed by 64 lowercase hex characters${allowNone ? ", or none (a first release)" : ""}`);
  return value;
}

function exclusive(values: Record<string, unknown>, a: string, b: string): void {
  if (values[a] !== undefined && values[b] !== undefined) throw new UsageError(`--${a} and --${b} both given: give one`);
  if (values[a] === undefined && values[b] === undefined) throw new UsageError(`missing --${a} or --${b}\n${RELEASE_NOTES_USAGE}`);
}

export function notesRequest(argv: string[]): { request: NotesRequest; format: (typeof FORMATS)[number]; limit?: number; fullNotesUrl?: string } {
  const values = commandLine(argv);
  const timeouts = networkTimeouts(values);
  exclusive(values, "from", "from-stack-file");
  exclusive(values, "to", "to-stack-file");
  const fromStack = values["from-stack-file"] ? readStackFile("--from-stack-file", values["from-stack-file"]) : undefined;
  const toStack = values["to-stack-file"] ? readStackFile("--to-stack-file", values["to-stack-file"]) : undefined;
  const image = values.image ?? toStack?.image ?? fromStack?.image;
  if (!isImageName(image))
    throw new UsageError(`--image ${image ?? "(missing)"}: expected HOST/OWNER/NAME without tag or digest, e.g. ghcr.io/daniel-g-carrasco/margine`);
  const from = values.from !== undefined ? digestFlag("--from", values.from, true) : fromStack?.release.stable?.digest;
  const to = values.to !== undefined ? digestFlag("--to", values.to, false) : toStack?.release.stable?.digest;
  if (!to) throw new UsageError(`--to-stack-file ${values["to-stack-file"]}: declares no stable digest (release.stable), so there is no release to describe`);
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format ${values.format}: expected ${FORMATS.join(", ")}`);
  if (values.insecure && !isLoopbackRegistry(image))
    throw new UsageError(`--insecure: plain HTTP is allowed only for loopback registries, not ${parseImageName(image).registry}`);
  // The base's key first: a release pull request that also swaps the key must not vouch for itself.
  let publicKey = fromStack?.cosignPublicKey ?? toStack?.cosignPublicKey;
  if (values["verify-key"] !== undefined) {
    inputFile("--verify-key ", values["verify-key"], { allowEmpty: false, emptyReason: "expected cosign.pub" });
    publicKey = fs.readFileSync(values["verify-key"], "utf8");
  }
  const evidence = toStack?.release.stable?.evidence;
  const bootRun = values["boot-run"] ?? evidence?.bootRun;
  const bootedAt = values["booted-at"] ?? evidence?.bootedAt;
  if ((bootRun === undefined) !== (bootedAt === undefined)) throw new UsageError("--boot-run and --booted-at go together: give both or neither");
  if (bootRun !== undefined && !isHttpsUrl(bootRun)) throw new UsageError(`--boot-run ${bootRun}: expected the https URL of the smoke-boot run`);
  if (bootedAt !== undefined && !isIsoInstant(bootedAt))
    throw new UsageError(`--booted-at ${bootedAt}: expected an ISO 8601 time with zone, e.g. 2026-11-20T10:00:00Z`);
  const fullNotesUrl = values["full-notes-url"];
  if (fullNotesUrl !== undefined && !isHttpsUrl(fullNotesUrl)) throw new UsageError(`--full-notes-url ${fullNotesUrl}: expected an https URL`);
  const githubApi = values["github-api"];
  if (githubApi !== undefined && !/^(https:\/\/\S+|http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(\/\S*)?)$/.test(githubApi))
    throw new UsageError(`--github-api ${githubApi}: expected the GitHub REST API root, an https URL (plain http only on loopback)`);
  let limit: number | undefined;
  if (values["max-chars"] !== undefined) {
    limit = Number(values["max-chars"]);
    if (!/^\d+$/.test(values["max-chars"]) || limit < 1000 || limit > 1_000_000)
      throw new UsageError(`--max-chars ${values["max-chars"]}: expected a whole number from 1000 to 1000000`);
  }
  const request: NotesRequest = {
    image,
    ...(from ? { from } : {}),
    to,
    ...(publicKey ? { publicKey } : {}),
    insecure: values.insecure || (toStack ?? fromStack)?.insecureRegistry === true,
    ...(bootRun && bootedAt ? { boot: { run: bootRun, bootedAt } } : {}),
    rollback: values.rollback || (toStack?.release.stable?.rollback ?? false),
    ...(githubApi ? { githubApiUrl: githubApi } : {}),
    timeouts,
  };
  return { request, format, ...(limit ? { limit } : {}), ...(fullNotesUrl ? { fullNotesUrl } : {}) };
}

export async function releaseNotesMain(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { request, format, limit, fullNotesUrl } = notesRequest(argv);
  const { registry } = parseImageName(request.image);
  const client = new RegistryClient({ registry, insecure: request.insecure, ...registryCredentials(registry, env), timeouts: request.timeouts });
  const notes = await gatherReleaseNotes(request, client);
  if (format === "json") return JSON.stringify(notes, null, 2) + "\n";
  if (format === "summary") return renderSummary(notes, { fullNotesUrl });
  return renderNotes(notes, { limit, fullNotesUrl });
}

if (require.main === module) {
  runCli(async () => {
    process.stdout.write(await releaseNotesMain(process.argv.slice(2), process.env));
  });
}
