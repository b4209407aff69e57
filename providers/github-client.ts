// The one way this project builds a GitHub REST client (GHCR package reads, the site bump).
import type { Octokit } from "@octokit/rest" with { "resolution-mode": "import" };

export interface GitHubClientOptions {
  readonly token?: string;
  /** REST API root; https://api.github.com unless GitHub Enterprise or a local stand-in. */
  readonly baseUrl?: string;
}

/**
 * A quiet Octokit (errors are reported by the caller, with context). @octokit/rest is ESM-only and
 * loaded on first use, so a provider serialized into state does not capture it.
 */
export async function githubClient(options: GitHubClientOptions): Promise<Octokit> {
  const { Octokit } = await import("@octokit/rest");
  return new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl ?? "https://api.github.com",
    userAgent: "margine-pipeline",
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}
