// SiteRelease: the website's LATEST_ISO_DATE as a resource (handbook 11.3). `pulumi preview` shows
// the bump as a diff; `up` opens (or reuses) a pull request on the site repository that changes
// only that constant, with squash auto-merge; refresh reads the constant on main, so a hand edit or
// a PR closed unmerged shows as drift.
import * as pulumi from "@pulumi/pulumi";
import { isCalendarDate, isRepositoryName } from "../../grammar/values";
import { BumpOutcome, SiteBumpClient } from "./site-bump-client";
import { DEFAULT_SITE_PATH, GITHUB_API_URL } from "./latest-iso-date";

export interface SiteReleaseInputs {
  /** `owner/name` of the site repository. */
  readonly repository: string;
  readonly path: string;
  /** YYYYMMDD of the newest ISO release. */
  readonly latestIsoDate: string;
  readonly apiUrl: string;
}

/**
 * - current: main declares latestIsoDate.
 * - pull-request: a bump PR is open (auto-merge or a maintainer will land it).
 * - skipped: no token; nothing was done (the release does not fail for the website).
 * - drifted: found by refresh: main differs and no bump PR is open.
 */
export type SiteReleaseStatus = "current" | "pull-request" | "skipped" | "drifted";

export interface SiteReleaseOutputs extends SiteReleaseInputs {
  readonly status: SiteReleaseStatus;
  /** The constant's value on main when last observed; null when nothing could be read. */
  readonly currentDate: string | null;
  readonly pullRequestUrl: string | null;
  /** enabled | merged | unavailable, for the PR this resource opened. */
  readonly autoMerge: string | null;
}

/**
 * The provider's only channel to the user: the engine forwards every line a provider process writes
 * on stderr to the diagnostics of the running update (shown under the resource in `pulumi up`).
 * `pulumi.log.warn` would say the same (the dynamic-provider host has no engine connection and falls
 * back to console.warn), but referencing it serializes @pulumi/pulumi into __provider (80 KB).
 */
function releaseWarning(message: string): void {
  process.stderr.write(`warning: SiteRelease: ${message.replace(/\s*\n\s*/g, " ")}\n`);
}

function siteInputFailures(inputs: SiteReleaseInputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (!isRepositoryName(inputs.repository))
    failures.push({ property: "repository", reason: `${JSON.stringify(inputs.repository)}: expected OWNER/NAME of the site repository` });
  if (typeof inputs.path !== "string" || !/^[^/].*\.[jt]sx?$/.test(inputs.path) || inputs.path.includes("..")) {
    failures.push({ property: "path", reason: `${JSON.stringify(inputs.path)}: expected a repository-relative source file such as ${DEFAULT_SITE_PATH}` });
  }
  if (!isCalendarDate(inputs.latestIsoDate))
    failures.push({ property: "latestIsoDate", reason: `${JSON.stringify(inputs.latestIsoDate)}: expected YYYYMMDD, a real calendar date` });
  if (typeof inputs.apiUrl !== "string" || !/^https?:\/\/[^/]+/.test(inputs.apiUrl))
    failures.push({ property: "apiUrl", reason: `${JSON.stringify(inputs.apiUrl)}: expected the GitHub REST API root URL` });
  return failures;
}

function outcomeOutputs(inputs: SiteReleaseInputs, outcome: BumpOutcome): SiteReleaseOutputs {
  switch (outcome.action) {
    case "already-current":
      return { ...inputs, status: "current", currentDate: outcome.currentDate, pullRequestUrl: null, autoMerge: null };
    case "reused-pull-request":
      return { ...inputs, status: "pull-request", currentDate: outcome.currentDate, pullRequestUrl: outcome.pullRequest.url, autoMerge: null };
    case "opened-pull-request":
      return {
        ...inputs,
        status: outcome.autoMerge.state === "merged" ? "current" : "pull-request",
        currentDate: outcome.autoMerge.state === "merged" ? inputs.latestIsoDate : outcome.currentDate,
        pullRequestUrl: outcome.pullRequest.url,
        autoMerge: outcome.autoMerge.state,
      };
  }
}

/** Where the site stands against the recorded release: current, a bump PR open, or drifted. */
async function observedSite(client: SiteBumpClient, props: SiteReleaseOutputs): Promise<SiteReleaseOutputs> {
  const { currentDate } = await client.readMain();
  if (currentDate === props.latestIsoDate) return { ...props, status: "current", currentDate };
  const open = await client.findOpenPullRequest(props.latestIsoDate);
  return open ? { ...props, status: "pull-request", currentDate, pullRequestUrl: open.url } : { ...props, status: "drifted", currentDate };
}

export class SiteReleaseProvider implements pulumi.dynamic.ResourceProvider<SiteReleaseInputs, SiteReleaseOutputs> {
  /**
   * SITE_BUMP_TOKEN, read at call time: the release stack holds no secret (docs/stacks.md), and
   * nothing read here lands in state. Only release.yml's `up` job sets it.
   */
  private siteClient(inputs: SiteReleaseInputs): SiteBumpClient {
    const token = process.env.SITE_BUMP_TOKEN || undefined;
    return new SiteBumpClient({ repository: inputs.repository, path: inputs.path, apiUrl: inputs.apiUrl, token });
  }

  private async bumped(inputs: SiteReleaseInputs): Promise<SiteReleaseOutputs> {
    const client = this.siteClient(inputs);
    if (client.anonymous) {
      releaseWarning(
        `no site bump token (SITE_BUMP_TOKEN is not set): LATEST_ISO_DATE on ${inputs.repository} ` +
          `was not bumped to ${inputs.latestIsoDate}; the release goes on. Set the token and run pulumi up again.`,
      );
      return { ...inputs, status: "skipped", currentDate: null, pullRequestUrl: null, autoMerge: null };
    }
    const outcome = await client.bump(inputs.latestIsoDate);
    if (outcome.action === "opened-pull-request" && outcome.autoMerge.state === "unavailable") {
      releaseWarning(
        `auto-merge could not be enabled on ${outcome.pullRequest.url} (${outcome.autoMerge.reason}); ` +
          "squash-merge it by hand, or allow auto-merge in the site repository's settings",
      );
    }
    return outcomeOutputs(inputs, outcome);
  }

  async check(_olds: SiteReleaseInputs, news: SiteReleaseInputs): Promise<pulumi.dynamic.CheckResult<SiteReleaseInputs>> {
    return { inputs: news, failures: siteInputFailures(news) };
  }

  async diff(_id: string, olds: SiteReleaseOutputs, news: SiteReleaseInputs): Promise<pulumi.dynamic.DiffResult> {
    const keys: (keyof SiteReleaseInputs)[] = ["repository", "path", "latestIsoDate", "apiUrl"];
    const changed = keys.filter((k) => olds[k] !== news[k]);
    // A skipped bump (no token) or a refresh that found drift must be retried by the next up.
    const unsettled = olds.status === "skipped" || olds.status === "drifted";
    return {
      changes: changed.length > 0 || unsettled,
      replaces: changed.filter((k) => k === "repository" || k === "path"),
      deleteBeforeReplace: false,
    };
  }

  async create(inputs: SiteReleaseInputs): Promise<pulumi.dynamic.CreateResult<SiteReleaseOutputs>> {
    return { id: `${inputs.repository}/${inputs.path}`, outs: await this.bumped(inputs) };
  }

  async update(_id: string, _olds: SiteReleaseOutputs, news: SiteReleaseInputs): Promise<pulumi.dynamic.UpdateResult<SiteReleaseOutputs>> {
    return { outs: await this.bumped(news) };
  }

  async read(id: string, props?: SiteReleaseOutputs): Promise<pulumi.dynamic.ReadResult<SiteReleaseOutputs>> {
    if (!props) throw new Error(`SiteRelease ${id}: import is not supported; declare it in the program`);
    const client = this.siteClient(props);
    try {
      return { id, props: await observedSite(client, props) };
    } catch (err) {
      // With the token, a failed read is an error. Without it (a maintainer's refresh, a preview),
      // the read was anonymous and best-effort: a private site repository refuses it.
      if (!client.anonymous) throw err;
      releaseWarning(`no site bump token, and ${props.repository} could not be read anonymously (${(err as Error).message}); the recorded state is kept`);
      return { id, props };
    }
  }

  async delete(): Promise<void> {
    // Dropping the declaration leaves the website alone: it keeps pointing at the last release.
  }
}

export interface SiteReleaseArgs {
  readonly repository: pulumi.Input<string>;
  readonly path?: pulumi.Input<string>;
  readonly latestIsoDate: pulumi.Input<string>;
  readonly apiUrl?: pulumi.Input<string>;
}

export class SiteRelease extends pulumi.dynamic.Resource {
  declare readonly latestIsoDate: pulumi.Output<string>;
  declare readonly status: pulumi.Output<SiteReleaseStatus>;
  declare readonly currentDate: pulumi.Output<string | null>;
  declare readonly pullRequestUrl: pulumi.Output<string | null>;
  declare readonly autoMerge: pulumi.Output<string | null>;

  constructor(name: string, args: SiteReleaseArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      new SiteReleaseProvider(),
      name,
      {
        repository: args.repository,
        path: args.path ?? DEFAULT_SITE_PATH,
        latestIsoDate: args.latestIsoDate,
        apiUrl: args.apiUrl ?? GITHUB_API_URL,
        status: undefined,
        currentDate: undefined,
        pullRequestUrl: undefined,
        autoMerge: undefined,
      },
      opts,
      "margine",
      "SiteRelease",
    );
  }
}
