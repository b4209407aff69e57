// The website bump over the GitHub REST and GraphQL APIs (handbook 11.3): the bump_site job's
// `sed` + `gh pr create` + `gh pr merge --squash --auto` as a client. Plain TypeScript over
// @octokit/rest (loaded inside methods, so a serialized provider does not capture it); used by the
// SiteRelease provider and never imports @pulumi/pulumi.
import { githubClient } from "../github-client";
import { ProviderError } from "../provider-error";
import { readLatestIsoDate, withLatestIsoDate } from "./latest-iso-date";

export interface SiteBumpOptions {
  /** `owner/name` of the site repository. */
  readonly repository: string;
  /** The file holding LATEST_ISO_DATE. */
  readonly path: string;
  /** REST API root; a GitHub Enterprise or local stand-in URL in tests. */
  readonly apiUrl: string;
  /**
   * Fine-grained PAT with Contents + Pull requests write on the site repository only. Without it
   * the client can still read a public repository anonymously (a refresh), but never bump.
   */
  readonly token: string | undefined;
  /** Branch the site deploys from. */
  readonly baseBranch?: string;
}

export interface OpenPullRequest {
  readonly number: number;
  readonly url: string;
}

/** What enabling squash auto-merge achieved. */
export type AutoMergeOutcome = { readonly state: "enabled" } | { readonly state: "merged" } | { readonly state: "unavailable"; readonly reason: string };

export type BumpOutcome =
  /** Idempotency guard 1: main already declares the date; nothing was written. */
  | { readonly action: "already-current"; readonly currentDate: string }
  /** Idempotency guard 2: a PR from the same date branch is open; nothing was written. */
  | { readonly action: "reused-pull-request"; readonly currentDate: string; readonly pullRequest: OpenPullRequest }
  | { readonly action: "opened-pull-request"; readonly currentDate: string; readonly pullRequest: OpenPullRequest; readonly autoMerge: AutoMergeOutcome };

export class SiteBumpError extends ProviderError {
  constructor(message: string) {
    super(message, "SiteBumpError");
  }
}

/** One branch per date, so a rerun for the same date finds its own PR (the second guard). */
export function bumpBranch(date: string): string {
  return `release/latest-iso-date-${date}`;
}

export function bumpTitle(date: string): string {
  return `chore(release): bump LATEST_ISO_DATE to ${date}`;
}

export class SiteBumpClient {
  private readonly owner: string;
  private readonly repo: string;
  private readonly base: string;

  constructor(private readonly options: SiteBumpOptions) {
    [this.owner, this.repo] = options.repository.split("/");
    this.base = options.baseBranch ?? "main";
  }

  /** No token: reads only, and only of a public repository. */
  get anonymous(): boolean {
    return !this.options.token;
  }

  private octokit() {
    return githubClient({ token: this.options.token, baseUrl: this.options.apiUrl });
  }

  private where(): string {
    return `${this.options.repository}:${this.options.path}@${this.base}`;
  }

  private failure(doing: string, err: unknown): SiteBumpError {
    const status = (err as { status?: number }).status;
    const refused = status === 401 || status === 403 || status === 404;
    const hint = !refused
      ? ""
      : this.anonymous
        ? "; without SITE_BUMP_TOKEN only a public repository can be read"
        : `; SITE_BUMP_TOKEN needs Contents and Pull requests write on ${this.options.repository}`;
    return new SiteBumpError(`${this.where()}: ${doing} failed (${status ? `HTTP ${status}: ` : ""}${(err as Error).message})${hint}`);
  }

  /** The file on the base branch: its text, blob sha and declared date. */
  async readMain(): Promise<{ source: string; sha: string; currentDate: string }> {
    const octokit = await this.octokit();
    try {
      const res = await octokit.rest.repos.getContent({ owner: this.owner, repo: this.repo, path: this.options.path, ref: this.base });
      const data = res.data as { type?: string; content?: string; encoding?: string; sha: string };
      if (data.type !== "file" || typeof data.content !== "string") {
        throw new SiteBumpError(`${this.where()}: is not a file`);
      }
      const source = Buffer.from(data.content, (data.encoding ?? "base64") as BufferEncoding).toString("utf8");
      return { source, sha: data.sha, currentDate: readLatestIsoDate(source, this.where()) };
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw this.failure("reading the file", err);
    }
  }

  /** The open PR from the date's branch, if any. */
  async findOpenPullRequest(date: string): Promise<OpenPullRequest | undefined> {
    const octokit = await this.octokit();
    try {
      const res = await octokit.rest.pulls.list({
        owner: this.owner,
        repo: this.repo,
        state: "open",
        head: `${this.owner}:${bumpBranch(date)}`,
        base: this.base,
      });
      const pr = res.data[0];
      return pr ? { number: pr.number, url: pr.html_url } : undefined;
    } catch (err) {
      throw this.failure(`listing open pull requests from ${bumpBranch(date)}`, err);
    }
  }

  /** Brings the base branch to `date` through a pull request that changes only the constant. */
  async bump(date: string): Promise<BumpOutcome> {
    if (this.anonymous) throw new SiteBumpError(`${this.where()}: bumping LATEST_ISO_DATE needs SITE_BUMP_TOKEN`);
    const main = await this.readMain();
    if (main.currentDate === date) return { action: "already-current", currentDate: date };
    const open = await this.findOpenPullRequest(date);
    if (open) return { action: "reused-pull-request", currentDate: main.currentDate, pullRequest: open };

    const octokit = await this.octokit();
    const branch = bumpBranch(date);
    const ids = { owner: this.owner, repo: this.repo };
    let step = `reading refs/heads/${this.base}`;
    try {
      const head = await octokit.rest.git.getRef({ ...ids, ref: `heads/${this.base}` });
      step = `creating branch ${branch}`;
      try {
        await octokit.rest.git.createRef({ ...ids, ref: `refs/heads/${branch}`, sha: head.data.object.sha });
      } catch (err) {
        // A branch left by a closed, unmerged PR: restart it from the base branch.
        if ((err as { status?: number }).status !== 422) throw err;
        step = `resetting branch ${branch}`;
        await octokit.rest.git.updateRef({ ...ids, ref: `heads/${branch}`, sha: head.data.object.sha, force: true });
      }
      step = `committing ${this.options.path} on ${branch}`;
      await octokit.rest.repos.createOrUpdateFileContents({
        ...ids,
        path: this.options.path,
        branch,
        sha: main.sha,
        message: bumpTitle(date),
        content: Buffer.from(withLatestIsoDate(main.source, date, this.where()), "utf8").toString("base64"),
      });
      step = `opening the pull request from ${branch}`;
      const pr = await octokit.rest.pulls.create({
        ...ids,
        head: branch,
        base: this.base,
        title: bumpTitle(date),
        body: `LATEST_ISO_DATE ${main.currentDate} -> ${date}. Opened by margine-pipeline (SiteRelease); the site's webhook deploy picks up the merge.`,
      });
      const pullRequest = { number: pr.data.number, url: pr.data.html_url };
      const autoMerge = await this.enableSquashAutoMerge(pr.data.node_id, pr.data.number, branch);
      return { action: "opened-pull-request", currentDate: main.currentDate, pullRequest, autoMerge };
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw this.failure(step, err);
    }
  }

  /**
   * `gh pr merge --squash --auto --delete-branch`: auto-merge when the repository allows it; a PR
   * that is already mergeable ("clean status") is squash-merged at once, as gh does. Anything else
   * degrades to a warning: the release must not fail because a merge button needs pressing.
   */
  private async enableSquashAutoMerge(nodeId: string, number: number, branch: string): Promise<AutoMergeOutcome> {
    const octokit = await this.octokit();
    try {
      await octokit.graphql("mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH}) { clientMutationId } }", {
        id: nodeId,
      });
      return { state: "enabled" };
    } catch (err) {
      // GraphqlResponseError carries GitHub's own messages; its `message` wraps them in a preamble.
      const errors = (err as { errors?: { message: string }[] }).errors;
      const reason = errors?.length ? errors.map((e) => e.message).join("; ") : (err as Error).message;
      if (!/clean status/i.test(reason)) return { state: "unavailable", reason };
      try {
        await octokit.rest.pulls.merge({ owner: this.owner, repo: this.repo, pull_number: number, merge_method: "squash" });
        await octokit.rest.git.deleteRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` }).catch(() => undefined);
        return { state: "merged" };
      } catch (mergeErr) {
        return { state: "unavailable", reason: `${reason}; direct squash merge failed: ${(mergeErr as Error).message}` };
      }
    }
  }
}
