#!/usr/bin/env node
// npm run watch -- --stack release [--format text|json] [--preview] [--issues OWNER/REPO]
//                  [--findings FILE] [--run-url URL] [--github-api URL]
// The release watch (docs/watch.md): is the world still what the release stack declares? `:stable`
// and its dated tags on the declared digest, its signature by cosignPublicKey, its age, every IA
// file with its md5, the site's LATEST_ISO_DATE; with --preview also `pulumi preview --refresh
// --expect-no-changes`. Exit 0 clean, 1 drift found, 2 bad input, 3 could not check (the report
// says which endpoint). --issues keeps one GitHub issue per kind of finding (GITHUB_TOKEN, issues:
// write) and pushes to ntfy when NTFY_SERVER and NTFY_TOPIC are set (NTFY_TOKEN if the topic needs it).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { parseReleaseStackConfig, ReleaseStackConfig } from "../config/release-stack";
import { ConfigError } from "../config/errors";
import { parseStackFile } from "../config/stack-file";
import { PROJECT } from "../config/stack-role";
import { isHttpsUrl, isNtfyTopic, isRepositoryName, parseImageName } from "../grammar/values";
import { registryCredentials } from "../providers/oci/credentials";
import { RegistryClient } from "../providers/oci/registry-client";
import { endpointsFromEnv } from "../providers/ia/endpoints";
import { IaMetadataClient } from "../providers/ia/metadata-api";
import { DEFAULT_SITE_PATH, GITHUB_API_URL } from "../providers/site/latest-iso-date";
import { SiteBumpClient } from "../providers/site/site-bump-client";
import { runChecks } from "../watch/checks";
import { CheckResult, renderText, watchExitCode, WatchReport, withBlindness } from "../watch/findings";
import { IssuesError, WatchIssues } from "../watch/github-issues";
import { syncIssues } from "../watch/issue-sync";
import { NtfyTarget } from "../watch/ntfy";
import { parseWatchReport, ReportFileError } from "../watch/report-file";
import { stackPreviewResult } from "../watch/stack-preview";
import { inputFile, networkTimeouts, parseCommandLine, runCli, TIMEOUT_OPTIONS, TIMEOUT_USAGE, UsageError } from "./cli";

const USAGE =
  "usage: npm run watch -- (--stack NAME | --stack-file FILE | --findings FILE) [--format text|json] [--preview] " +
  `[--issues OWNER/REPO] [--run-url URL] [--github-api URL] ${TIMEOUT_USAGE}`;
const COULD_NOT_CHECK = 3;
const PREVIEW_TIMEOUT_MS = 20 * 60_000;

/** An API root: https, or plain http on loopback (the tests' stand-ins). */
const isApiRoot = (v: string) => isHttpsUrl(v) || /^http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(\/\S*)?$/.test(v);

function readStack(file: string): ReleaseStackConfig {
  inputFile("--stack-file ", file);
  const config = parseStackFile(fs.readFileSync(file, "utf8"), file).config ?? {};
  const entries = Object.entries(config).map(([key, value]) => ({ key, value, secret: typeof value === "object" && value !== null && "secure" in value }));
  try {
    return parseReleaseStackConfig(PROJECT, entries);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

function ntfyTarget(env: NodeJS.ProcessEnv): NtfyTarget | undefined {
  const { NTFY_SERVER: server, NTFY_TOPIC: topic, NTFY_TOKEN: token } = env;
  if (!server && !topic) return undefined;
  if (!server || !isApiRoot(server))
    throw new UsageError(`NTFY_SERVER ${JSON.stringify(server ?? "")}: expected the ntfy server's https URL, e.g. https://ntfy.sh`);
  if (!isNtfyTopic(topic)) throw new UsageError(`NTFY_TOPIC ${JSON.stringify(topic ?? "")}: expected a topic name of 1-64 letters, digits, - or _`);
  return { server, topic, ...(token ? { token } : {}) };
}

/** `pulumi preview --refresh --expect-no-changes`, its output passed through to stderr (the run log). */
function previewStack(stack: string): CheckResult {
  const args = ["preview", "--stack", stack, "--refresh", "--expect-no-changes", "--non-interactive"];
  const res = spawnSync("pulumi", args, { encoding: "utf8", timeout: PREVIEW_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  process.stderr.write(output);
  if (res.error) return { kind: "stack-drift", status: "unknown", endpoint: "pulumi preview --refresh", reason: res.error.message };
  return stackPreviewResult(res.status ?? 1, output);
}

async function checkStack(
  config: ReleaseStackConfig,
  file: string,
  values: { preview?: boolean; stack?: string },
  env: NodeJS.ProcessEnv,
  timeouts: ReturnType<typeof networkTimeouts>,
): Promise<WatchReport> {
  const { registry } = parseImageName(config.image);
  const registryClient = new RegistryClient({ registry, insecure: config.insecureRegistry, timeouts, ...registryCredentials(registry, env), maxAttempts: 3 });
  const ia = endpointsFromEnv(env);
  const iaClient = new IaMetadataClient(ia, undefined, undefined, undefined, timeouts);
  const siteApi = config.siteApiUrl ?? GITHUB_API_URL;
  // Anonymous: the site repository is public, and the watch holds no token for it.
  const site = new SiteBumpClient({ repository: config.siteRepository, path: DEFAULT_SITE_PATH, apiUrl: siteApi, token: undefined });
  const checkedAt = new Date();
  // The preview first: it opens the state with the OIDC token the job fetched, which expires five
  // minutes after it was issued, and the direct checks can take minutes against a dead endpoint.
  const preview = values.preview ? previewStack(values.stack ?? "release") : undefined;
  const results = await runChecks(
    config,
    {
      registry: registryClient,
      iaItem: (identifier) => iaClient.getItem(identifier),
      siteDate: async () => (await site.readMain()).currentDate,
      endpoints: { registry: `${config.insecureRegistry ? "http" : "https"}://${registry}`, ia: ia.iaUrl, site: `${siteApi}/repos/${config.siteRepository}` },
    },
    checkedAt,
  );
  if (preview) results.push(preview);
  return { stack: file, checkedAt: checkedAt.toISOString(), results: withBlindness(results) };
}

/** The command line, every input checked before the first request. */
function watchInputs(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseCommandLine(
    argv,
    {
      stack: { type: "string" },
      "stack-file": { type: "string" },
      findings: { type: "string" },
      format: { type: "string", default: "text" },
      preview: { type: "boolean", default: false },
      issues: { type: "string" },
      "run-url": { type: "string" },
      "github-api": { type: "string" },
      ...TIMEOUT_OPTIONS,
    },
    USAGE,
  );
  const timeouts = networkTimeouts(values);
  const sources = [values.stack, values["stack-file"], values.findings].filter((v) => v !== undefined).length;
  if (values.findings === undefined && values["stack-file"] === undefined && values.stack === undefined) throw new UsageError(`missing --stack NAME\n${USAGE}`);
  if (values.findings !== undefined && sources > 1) throw new UsageError("--findings reports an earlier run's checks: give it without --stack or --stack-file");
  if (values.stack !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.stack))
    throw new UsageError(`--stack ${values.stack}: expected a stack name such as release`);
  if (values.format !== "text" && values.format !== "json") throw new UsageError(`--format ${values.format}: expected text or json`);
  if (values.preview && values.findings !== undefined) throw new UsageError("--preview runs a check: it does not go with --findings");
  if (values.issues !== undefined && !isRepositoryName(values.issues))
    throw new UsageError(`--issues ${values.issues}: expected OWNER/NAME, the repository to open issues in`);
  if (values.issues !== undefined && !env.GITHUB_TOKEN) throw new UsageError("--issues needs GITHUB_TOKEN (a token with issues: write on the repository)");
  const runUrl = values["run-url"];
  if (runUrl !== undefined && !isHttpsUrl(runUrl)) throw new UsageError(`--run-url ${runUrl}: expected the https URL of the workflow run`);
  const githubApi = values["github-api"] ?? env.GITHUB_API_URL ?? GITHUB_API_URL;
  if (!isApiRoot(githubApi)) throw new UsageError(`--github-api ${githubApi}: expected the GitHub REST API root, an https URL (plain http only on loopback)`);
  const ntfy = values.issues !== undefined ? ntfyTarget(env) : undefined;
  return { values, timeouts, runUrl, githubApi, ntfy };
}

runCli(async () => {
  const env = process.env;
  const { values, timeouts, runUrl, githubApi, ntfy } = watchInputs(process.argv.slice(2), env);
  let report: WatchReport;
  if (values.findings !== undefined) {
    inputFile("--findings ", values.findings);
    try {
      report = parseWatchReport(fs.readFileSync(values.findings, "utf8"), values.findings);
    } catch (err) {
      if (err instanceof ReportFileError) throw new UsageError(err.message);
      throw err;
    }
  } else {
    const file = values["stack-file"] ?? `Pulumi.${values.stack}.yaml`;
    report = await checkStack(readStack(file), file, values, env, timeouts);
  }
  process.stdout.write(values.format === "json" ? JSON.stringify(report, null, 2) + "\n" : renderText(report));

  if (values.issues !== undefined) {
    const issues = new WatchIssues({ repository: values.issues, token: env.GITHUB_TOKEN!, apiUrl: githubApi, timeouts });
    try {
      const outcome = await syncIssues(report.results, issues, { checkedAt: report.checkedAt, ...(runUrl ? { runUrl } : {}) }, ntfy);
      for (const line of outcome.log) console.error(`issues: ${line}`);
      for (const failure of outcome.pushFailures) console.error(`warning: ntfy push failed: ${failure}`);
    } catch (err) {
      if (!(err instanceof IssuesError)) throw err;
      console.error(`error: could not keep the watch's issues: ${err.message}`);
      return COULD_NOT_CHECK;
    }
  }
  return watchExitCode(report.results);
});
