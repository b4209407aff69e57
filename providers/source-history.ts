// The commits of the image repository between two images' source revisions, read anonymously from
// GitHub's compare API (GET /repos/{owner}/{repo}/compare/{base}...{head}): what a reviewer of a
// release wants to see first. Plain TypeScript over @octokit/rest, no @pulumi/pulumi.
import { githubClient, networkFailure } from "./github-client";
import { NetTimeouts } from "./http-timeouts";

export interface SourceCommit {
  readonly sha: string;
  /** The first line of the message. */
  readonly subject: string;
  readonly author: string;
  readonly url: string;
}

export interface SourceHistory {
  readonly repository: string;
  readonly compareUrl: string;
  /** GitHub's status of head against base: ahead, behind (a rollback), diverged or identical. */
  readonly status: string;
  readonly totalCommits: number;
  /** Oldest first; at most COMMIT_PAGE of them (totalCommits says how many there are). */
  readonly commits: readonly SourceCommit[];
}

/** Commits fetched per comparison: the notes list them and link to the compare page for the rest. */
export const COMMIT_PAGE = 250;

/** `owner/name` of a github.com source URL (the org.opencontainers.image.source label), or undefined. */
export function githubRepositoryOf(source: string | undefined): string | undefined {
  const m = /^(?:https:\/\/|git@)github\.com[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(source ?? "");
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** Why GitHub gave no comparison, in one line: which repository, which revisions, what to do. */
export class SourceHistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceHistoryError";
  }
}

export async function compareRevisions(
  repository: string,
  base: string,
  head: string,
  options: { baseUrl?: string; token?: string; timeouts?: NetTimeouts } = {},
): Promise<SourceHistory> {
  const [owner, repo] = repository.split("/");
  const octokit = await githubClient(options);
  try {
    const res = await octokit.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}`, per_page: COMMIT_PAGE });
    return {
      repository,
      compareUrl: res.data.html_url,
      status: res.data.status,
      totalCommits: res.data.total_commits,
      commits: res.data.commits.map((c) => ({
        sha: c.sha,
        subject: c.commit.message.split("\n")[0],
        author: c.commit.author?.name ?? c.author?.login ?? "unknown",
        url: c.html_url,
      })),
    };
  } catch (err) {
    const failure = networkFailure(err);
    if (failure) throw new SourceHistoryError(`GitHub could not be reached for ${repository} (${failure.message})`);
    const status = (err as { status?: number }).status;
    if (status === 404)
      throw new SourceHistoryError(
        `GitHub knows no comparison ${base.slice(0, 12)}...${head.slice(0, 12)} in ${repository} (a private repository, or a revision not pushed)`,
      );
    throw new SourceHistoryError(`GitHub refused the comparison of ${repository} (HTTP ${status ?? "?"}: ${(err as Error).message})`);
  }
}
