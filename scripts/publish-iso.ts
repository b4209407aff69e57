#!/usr/bin/env node
// npm run publish-iso -- --identifier ID --file PATH... [--meta key=value]... [--config-file ia.ini]
//                        [--no-derive] [--retries N] [--retry-delay SECONDS] [--part-size MIB] [--parallel N]
//                        [--torrent-wait SECONDS] [--verify-wait SECONDS] [--state-dir DIR]
//                        [--connect-timeout SECONDS] [--read-timeout SECONDS]
// The IaItem provider's client as a CLI for the publish_ia job (docs/contracts.md). Endpoints from
// IA_S3_URL / IA_URL; keys from the ia.ini file or IA_ACCESS_KEY / IA_SECRET_KEY. Files whose md5
// already matches on IA are skipped, so `gh run rerun --failed` resumes instead of starting over
// (handbook 11.2). Exits 0 only after every file's md5 and size are verified through the metadata
// API. Prints one JSON object. An interrupted multipart upload resumes on rerun (its journal sits
// beside the file, or in --state-dir); Ctrl-C says how many parts are on IA (exit 130).
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { IA_IDENTIFIER_PATTERN } from "../grammar/values";
import { credentialsFromEnv, IaCredentials, readIaConfigFile } from "../providers/ia/credentials";
import { endpointsFromEnv } from "../providers/ia/endpoints";
import { ItemPublisher } from "../providers/ia/item-publisher";
import { DEFAULT_RETRY_POLICY } from "../providers/ia/retry-policy";
import { MiB, MultipartState } from "../providers/ia/s3-upload";
import { inputFile, networkTimeouts, onInterrupt, parseCommandLine, runCli, TIMEOUT_OPTIONS, TIMEOUT_USAGE, UsageError } from "./cli";
import { progressReporter } from "../providers/ia/upload-progress";

export const PUBLISH_ISO_USAGE =
  "usage: npm run publish-iso -- --identifier ID --file PATH... [--meta key=value]... [--config-file ia.ini] [--no-derive] " +
  "[--retries N] [--retry-delay SECONDS] [--part-size MIB] [--parallel N] [--torrent-wait SECONDS] [--verify-wait SECONDS] [--state-dir DIR] " +
  TIMEOUT_USAGE;

/** `key=value` pairs into item metadata; a key given twice becomes a list (IA's multi-value). */
export function parseMetaPairs(pairs: readonly string[]): Record<string, string | string[]> {
  const meta: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const m = /^([a-z][a-z0-9_-]*)[=:](.*)$/s.exec(pair);
    if (!m) throw new UsageError(`--meta ${pair}: expected key=value with a lowercase key, e.g. --meta title=Margine 20261120`);
    const [, key, value] = m;
    const prev = meta[key];
    meta[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return meta;
}

/** More connections than this only earns more of IA's 503 SlowDown answers. */
const MAX_PARALLEL_PARTS = 8;

function numberOption(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} ${value}: expected a number >= ${min}`);
  return n;
}

function publishCommandLine(argv: string[]) {
  return parseCommandLine(
    argv,
    {
      identifier: { type: "string" },
      file: { type: "string", multiple: true, default: [] },
      meta: { type: "string", multiple: true, default: [] },
      "config-file": { type: "string" },
      "no-derive": { type: "boolean", default: false },
      retries: { type: "string" },
      "retry-delay": { type: "string" },
      "part-size": { type: "string" },
      parallel: { type: "string" },
      "torrent-wait": { type: "string" },
      "verify-wait": { type: "string" },
      "state-dir": { type: "string" },
      ...TIMEOUT_OPTIONS,
    },
    PUBLISH_ISO_USAGE,
  ).values;
}

/** Keys from an ia.ini; an unreadable or malformed file is bad input like any other (exit 2). */
function configFileCredentials(file: string): IaCredentials {
  inputFile("--config-file ", file);
  try {
    return readIaConfigFile(file);
  } catch (err) {
    throw new UsageError(`--config-file ${(err as Error).message}`);
  }
}

/** Every input checked before the first request: a typo must not leave half an item on IA. */
function publishInputs(argv: string[], env: NodeJS.ProcessEnv) {
  const v = publishCommandLine(argv);
  const timeouts = networkTimeouts(v);
  if (!v.identifier || !IA_IDENTIFIER_PATTERN.test(v.identifier)) {
    throw new UsageError(
      `--identifier ${v.identifier ?? "(missing)"}: expected an IA identifier, 5-100 of [A-Za-z0-9._-] not starting with . _ -\n${PUBLISH_ISO_USAGE}`,
    );
  }
  if (v.file!.length === 0) throw new UsageError(`at least one --file PATH is required\n${PUBLISH_ISO_USAGE}`);
  const names = new Set<string>();
  for (const file of v.file!) {
    inputFile("--file ", file, { allowEmpty: false, emptyReason: "IA items are kept forever, so an empty file is never published (did the build fail?)" });
    const name = path.basename(file);
    if (names.has(name)) throw new UsageError(`--file ${file}: another file is also named ${name}; IA serves every file at the item root`);
    names.add(name);
  }
  const metadata = parseMetaPairs(v.meta!);
  const attempts = numberOption("retries", v.retries, DEFAULT_RETRY_POLICY.attempts - 1, 0) + 1;
  const baseDelayMs = numberOption("retry-delay", v["retry-delay"], DEFAULT_RETRY_POLICY.baseDelayMs / 1000, 0) * 1000;
  const partSize = Math.round(numberOption("part-size", v["part-size"], 64, 1) * MiB);
  const parallelParts = numberOption("parallel", v.parallel, 2, 1);
  if (!Number.isInteger(parallelParts) || parallelParts > MAX_PARALLEL_PARTS) {
    throw new UsageError(`--parallel ${v.parallel}: expected a whole number of parts in flight, 1-${MAX_PARALLEL_PARTS}`);
  }
  const credentials: IaCredentials | undefined = v["config-file"] ? configFileCredentials(v["config-file"]) : credentialsFromEnv(env);
  if (!credentials) throw new UsageError("no IA credentials: pass --config-file ia.ini ([s3] access=, secret=) or set IA_ACCESS_KEY and IA_SECRET_KEY");
  const stateDir = v["state-dir"];
  if (stateDir !== undefined && !(fs.existsSync(stateDir) && fs.statSync(stateDir).isDirectory())) {
    throw new UsageError(`--state-dir ${stateDir}: no such directory (it holds the journals that let an interrupted upload resume)`);
  }
  const endpoints = endpointsFromEnv(env);
  const verifyWaitS = numberOption("verify-wait", v["verify-wait"], 120, 0);
  const torrentWaitS = numberOption("torrent-wait", v["torrent-wait"], 25 * 60, 0);
  return {
    request: { identifier: v.identifier, files: v.file!.map((file) => ({ name: path.basename(file), source: file })), metadata, derive: !v["no-derive"] },
    publisher: {
      endpoints,
      credentials,
      timeouts,
      retry: { ...DEFAULT_RETRY_POLICY, attempts, baseDelayMs },
      partSize,
      parallelParts,
      verifyWaitMs: verifyWaitS * 1000,
      torrentWaitMs: torrentWaitS * 1000,
      pollMs: Math.min(10_000, Math.max(200, torrentWaitS * 20)),
      journalDir: stateDir,
    },
  };
}

export async function publishIsoMain(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const inputs = publishInputs(argv, env);
  const progress = progressReporter(process.stderr);
  let upload: MultipartState | undefined;
  const stopInterrupt = onInterrupt((signal) => {
    progress.clear();
    if (!upload) return `interrupted (${signal}) before any multipart upload started; nothing is half-done on IA: rerun to publish`;
    return (
      `interrupted (${signal}): ${upload.identifier}/${upload.name}: ${upload.done} of ${upload.parts} parts are on IA (upload ${upload.uploadId}); ` +
      (upload.journal
        ? `rerun the same command to resume: only the missing parts are sent (journal ${upload.journal})`
        : "no journal could be written, so a rerun starts this file over")
    );
  });
  const publisher = new ItemPublisher({
    ...inputs.publisher,
    onProgress: progress.update,
    onUploadState: (state) => {
      upload = state;
    },
    log: (m) => {
      progress.clear();
      console.error(m);
    },
  });
  const result = await publisher.publish(inputs.request);
  stopInterrupt();
  progress.clear();
  console.log(JSON.stringify(result, null, 2));
  // Idle keep-alive sockets would hold the process open until the server times them out.
  http.globalAgent.destroy();
  https.globalAgent.destroy();
  return 0;
}

if (require.main === module) runCli(() => publishIsoMain(process.argv.slice(2), process.env));
