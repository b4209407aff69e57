// The HTTP layer of the registry client: scheme, token auth (distribution token spec, GHCR's realm),
// retries on 429/5xx and on network failures (the shared loop of providers/retry.ts, which honors
// Retry-After), and a request counter. Operations (registry-client.ts) never see a 401 or a 503:
// they get the final answer or a RegistryError.
import { DEFAULT_TIMEOUTS, NetTimeouts, NetworkError, networkError, notJsonReason, timedFetch } from "../http-timeouts";
import { AttemptOutcome, retrying, RetryTerms } from "../retry";
import { retryAfterMs } from "../retry-after";
import { RegistryAuthError, RegistryError } from "./errors";

export interface RegistryEndpoint {
  /** host[:port], e.g. ghcr.io or 127.0.0.1:5000. */
  readonly registry: string;
  /** Plain HTTP; only for loopback registries (the caller checks). */
  readonly insecure?: boolean;
  readonly username?: string;
  readonly password?: string;
  /** Attempts per request on 429/5xx/network errors (default 4). */
  readonly maxAttempts?: number;
  /** First backoff step when the registry sends no Retry-After (default 250 ms, doubled each time). */
  readonly backoffMs?: number;
  /** Connect and idle timeouts per request (providers/http-timeouts.ts defaults). */
  readonly timeouts?: NetTimeouts;
}

export interface RegistryRequest {
  readonly method: "GET" | "HEAD" | "PUT" | "DELETE";
  /** Path below the registry root, starting with /v2/. */
  readonly path: string;
  /** Repository the request acts on: decides the token scope. */
  readonly repository: string;
  /** What the request is about, for error messages: host/repo:tag or host/repo@digest. */
  readonly reference: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

export interface RegistryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** Parsed `WWW-Authenticate` header: scheme and its parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[m[1].toLowerCase()] = m[2];
  return { scheme, params };
}

const MAX_WAIT_MS = 60_000;

export class RegistryTransport {
  /** Every HTTP request sent, token requests and retries included: what the benchmark reports. */
  requestCount = 0;
  private readonly base: string;
  /** Bearer tokens by scope (promises, so parallel requests share one token request). */
  private readonly tokens = new Map<string, Promise<string>>();
  /** The registry's last challenge: later requests authenticate up front instead of taking a 401. */
  private challenge: { scheme: string; params: Record<string, string> } | undefined;

  private readonly timeouts: NetTimeouts;
  private readonly fetch: ReturnType<typeof timedFetch>;

  constructor(private readonly endpoint: RegistryEndpoint) {
    this.base = `${endpoint.insecure ? "http" : "https"}://${endpoint.registry}`;
    this.timeouts = endpoint.timeouts ?? DEFAULT_TIMEOUTS;
    this.fetch = timedFetch(this.timeouts);
  }

  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const scope = `repository:${req.repository}:${req.method === "GET" || req.method === "HEAD" ? "pull" : "pull,push"}`;
    let res = await this.sendWithRetry(req, await this.authorization(scope, req.reference));
    if (res.status === 401) {
      const header = res.headers.get("www-authenticate");
      if (!header) throw new RegistryAuthError(req.reference, "the registry answered 401 without a WWW-Authenticate challenge");
      this.challenge = parseChallenge(header);
      const challengeScope = this.challenge.params.scope ?? scope;
      this.tokens.delete(challengeScope);
      res = await this.sendWithRetry(req, await this.authorization(challengeScope, req.reference));
      if (res.status === 401 || res.status === 403) {
        throw new RegistryAuthError(req.reference, `the registry refused the credentials (HTTP ${res.status}); ${this.credentialHint()}`);
      }
    }
    return res;
  }

  private credentialHint(): string {
    return this.endpoint.registry === "ghcr.io"
      ? "set GITHUB_TOKEN (or REGISTRY_PASSWORD) to a token with read/write:packages"
      : "set REGISTRY_USERNAME and REGISTRY_PASSWORD";
  }

  private basic(): string | undefined {
    const { username, password } = this.endpoint;
    if (!password) return undefined;
    return `Basic ${Buffer.from(`${username ?? "token"}:${password}`).toString("base64")}`;
  }

  private async authorization(scope: string, reference: string): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === "basic") return this.basic();
    if (this.challenge.scheme !== "bearer") throw new RegistryAuthError(reference, `unsupported auth scheme ${this.challenge.scheme}`);
    let token = this.tokens.get(scope);
    if (!token) {
      token = this.fetchToken(scope, reference);
      this.tokens.set(scope, token);
      token.catch(() => this.tokens.delete(scope));
    }
    return `Bearer ${await token}`;
  }

  private async fetchToken(scope: string, reference: string): Promise<string> {
    const { realm, service } = this.challenge!.params;
    if (!realm) throw new RegistryAuthError(reference, "the Bearer challenge has no realm");
    const url = new URL(realm);
    if (service) url.searchParams.set("service", service);
    url.searchParams.set("scope", scope);
    const basic = this.basic();
    this.requestCount++;
    let res: Response;
    try {
      res = await this.fetch(url, { headers: basic ? { authorization: basic } : {} });
    } catch (err) {
      throw new RegistryError(reference, undefined, `token request failed: ${networkError(err, "GET", `${url.origin}${url.pathname}`, this.timeouts).message}`);
    }
    if (!res.ok) {
      throw new RegistryAuthError(reference, `token request to ${url.origin}${url.pathname} failed with HTTP ${res.status}; ${this.credentialHint()}`);
    }
    const text = await res.text();
    let body: { token?: string; access_token?: string };
    try {
      body = JSON.parse(text) as { token?: string; access_token?: string };
    } catch {
      throw new RegistryAuthError(reference, `token request to ${url.origin}${url.pathname} ${notJsonReason(res.headers.get("content-type"), text)}`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryAuthError(reference, `token response from ${url.origin} carries no token`);
    return token;
  }

  /** One request, retried; a transient answer that outlasts the attempts is returned as it is, a network failure is a RegistryError. */
  private sendWithRetry(req: RegistryRequest, authorization: string | undefined): Promise<RegistryResponse> {
    const url = `${this.base}${req.path}`;
    return retrying<RegistryResponse>(
      {
        policy: { attempts: this.endpoint.maxAttempts ?? 4, baseDelayMs: this.endpoint.backoffMs ?? 250, maxDelayMs: MAX_WAIT_MS },
        jitter: false,
        retryWhen: registryRetryTerms,
        settle: (o, end) => {
          if (o.ok) return o.value;
          if (!(o.error instanceof NetworkError)) throw o.error;
          throw new RegistryError(req.reference, undefined, `${o.error.message}${end.attempts > 1 ? ` (${end.attempts} attempts)` : ""}`, o.error.code);
        },
      },
      async () => {
        this.requestCount++;
        let res: Response;
        try {
          res = await this.fetch(url, {
            method: req.method,
            headers: { ...req.headers, ...(authorization ? { authorization } : {}) },
            body: req.body,
            redirect: "follow",
          });
        } catch (err) {
          throw networkError(err, req.method, url, this.timeouts);
        }
        return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
      },
    );
  }
}

/**
 * A registry's answer or failure worth another try: 429 and 5xx, paced by the registry's own
 * Retry-After first (GHCR's 429 toomanyrequests: hammering it prolongs the limit), and network
 * failures but TLS and DNS ones; a dead or hung registry gets the small no-answer budget.
 */
function registryRetryTerms(outcome: AttemptOutcome<RegistryResponse>): RetryTerms | undefined {
  if (outcome.ok) {
    const { status, headers } = outcome.value;
    return status === 429 || status >= 500 ? { retryAfterMs: retryAfterMs(headers.get("retry-after")) } : undefined;
  }
  return outcome.error instanceof NetworkError && outcome.error.retryable ? { noAnswer: outcome.error.noAnswer } : undefined;
}
