// The GitHub issues the watch keeps (REST: list by label, create, edit, comment, close), over the
// project's one Octokit (providers/github-client.ts). The job's GITHUB_TOKEN needs `issues: write`
// and nothing else.
import { githubClient, networkFailure } from "../providers/github-client";
import { NetTimeouts } from "../providers/http-timeouts";
import { ProviderError } from "../providers/provider-error";
import { OpenIssue } from "./issue-plan";

export class IssuesError extends ProviderError {
  constructor(message: string) {
    super(message, "IssuesError");
  }
}

export interface IssuesOptions {
  /** `owner/name` of the repository the issues are opened in (this one). */
  readonly repository: string;
  readonly token: string;
  readonly apiUrl?: string;
  readonly timeouts?: NetTimeouts;
}

export class WatchIssues {
  private readonly owner: string;
  private readonly repo: string;

  constructor(private readonly options: IssuesOptions) {
    [this.owner, this.repo] = options.repository.split("/");
  }

  private async call<T>(doing: string, request: (octokit: Awaited<ReturnType<typeof githubClient>>) => Promise<T>): Promise<T> {
    const octokit = await githubClient({ token: this.options.token, baseUrl: this.options.apiUrl, timeouts: this.options.timeouts });
    try {
      return await request(octokit);
    } catch (err) {
      const network = networkFailure(err);
      const status = (err as { status?: number }).status;
      const why = network ? network.message : `HTTP ${status}: ${(err as Error).message}`;
      const hint = status === 403 || status === 404 ? "; the token needs issues: write on the repository" : "";
      throw new IssuesError(`${this.options.repository}: ${doing} failed (${why})${hint}`);
    }
  }

  /**
   * Every open issue, pull requests excluded (the issues API lists both). Not filtered by the
   * label: GitHub silently drops labels set by a token without push access, and an issue a human
   * relabelled is still the watch's; the marker in the body decides.
   */
  async listOpen(): Promise<OpenIssue[]> {
    const issues = await this.call("listing open issues", (o) =>
      o.paginate(o.rest.issues.listForRepo, { owner: this.owner, repo: this.repo, state: "open", per_page: 100 }),
    );
    return issues.filter((i) => !i.pull_request).map((i) => ({ number: i.number, body: i.body ?? "", url: i.html_url }));
  }

  async open(title: string, body: string, label: string): Promise<{ number: number; url: string }> {
    const res = await this.call(`opening "${title}"`, (o) => o.rest.issues.create({ owner: this.owner, repo: this.repo, title, body, labels: [label] }));
    return { number: res.data.number, url: res.data.html_url };
  }

  async edit(number: number, title: string, body: string): Promise<void> {
    await this.call(`editing issue #${number}`, (o) => o.rest.issues.update({ owner: this.owner, repo: this.repo, issue_number: number, title, body }));
  }

  async comment(number: number, body: string): Promise<void> {
    await this.call(`commenting on issue #${number}`, (o) => o.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: number, body }));
  }

  async close(number: number): Promise<void> {
    await this.call(`closing issue #${number}`, (o) =>
      o.rest.issues.update({ owner: this.owner, repo: this.repo, issue_number: number, state: "closed", state_reason: "completed" }),
    );
  }
}
