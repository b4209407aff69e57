// The one way this project builds a GitHub REST client (GHCR package reads, the site bump).
import type { Octokit } from "@octokit/rest" with { "resolution-mode": "import" };
import { DEFAULT_TIMEOUTS, NetTimeouts, timedFetch } from "./http-timeouts";

export interface GitHubClientOptions {
  readonly token?: string;
  /** REST API root; https://api.github.com unless GitHub Enterprise or a local stand-in. */
  readonly baseUrl?: string;
  /** Connect and idle timeouts per request (providers/http-timeouts.ts defaults). */
  readonly timeouts?: NetTimeouts;
}

/**
 * A quiet Octokit (errors are reported by the caller, with context; `networkFailure` tells a request
 * that got no answer from one GitHub refused). @octokit/rest is ESM-only and
 * loaded on first use, so a provider serialized into state does not capture it.
 */
export async function githubClient(options: GitHubClientOptions): Promise<Octokit> {
  const { Octokit } = await import("@octokit/rest");
  return new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl ?? "https://api.github.com",
    userAgent: "margine-pipeline",
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    // The shared network layer: connect and idle timeouts, failures that name the URL and the cause.
    request: { fetch: timedFetch(options.timeouts ?? DEFAULT_TIMEOUTS) },
  });
}

/**
 * The network failure inside an Octokit error (Octokit reports a failed fetch as "HTTP 500" with
 * the fetch error as its cause), or undefined when GitHub did answer.
 */
export function networkFailure(err: unknown): { message: string } | undefined {
  const cause = (err as { cause?: unknown })?.cause as { name?: string; message?: string } | undefined;
  return cause?.name === "NetworkError" && typeof cause.message === "string" ? { message: cause.message } : undefined;
}
