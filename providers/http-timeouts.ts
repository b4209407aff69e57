// The one network layer of every protocol client (OCI registry, IA, GitHub REST): a connect
// timeout and an idle (read) timeout per request, and network failures turned into values that say
// which URL failed and why (refused, no such host, timed out, TLS, reset), never a bare
// "fetch failed". No @pulumi/pulumi here: the providers and the CLIs share it.
//
// - `armTimeouts` puts both timeouts on a node:http request (the IA client streams its bodies
//   through node:http and uses it directly).
// - `timedFetch` is a fetch-compatible function over node:http with the same timeouts, for the
//   clients written against fetch (the registry transport, Octokit's `request.fetch`).
// - `networkError` classifies a failure, and its kind alone decides whether waiting can help and
//   whether the server answered at all: the retry loop (providers/retry.ts) gives a request that got
//   no answer a small budget, so a dead or hung server fails a CLI within about a minute.
import * as http from "node:http";
import * as https from "node:https";
import { ProviderError } from "./provider-error";

export interface NetTimeouts {
  /** From the request's start until the TCP (and TLS) connection is up. */
  readonly connectMs: number;
  /** Longest silence on an open connection: no byte sent or received for this long. */
  readonly idleMs: number;
}

export const DEFAULT_TIMEOUTS: NetTimeouts = { connectMs: 10_000, idleMs: 20_000 };

/**
 * Every way a request can get no (complete) HTTP answer, and what each means for a retry:
 * `retryable` is false where waiting does not help (TLS, DNS); `noAnswer` is true when the server
 * never answered (down or hung), as opposed to a connection cut mid-way.
 */
export const NETWORK_FAILURES = {
  refused: { retryable: true, noAnswer: true },
  dns: { retryable: false, noAnswer: true },
  unreachable: { retryable: true, noAnswer: true },
  "connect-timeout": { retryable: true, noAnswer: true },
  "idle-timeout": { retryable: true, noAnswer: true },
  tls: { retryable: false, noAnswer: true },
  reset: { retryable: true, noAnswer: false },
  other: { retryable: true, noAnswer: false },
} as const satisfies Record<string, { readonly retryable: boolean; readonly noAnswer: boolean }>;

export type NetworkFailureKind = keyof typeof NETWORK_FAILURES;

/** True for a code that names a network failure: IA's errors keep the kind as their code (ia/ia-error.ts). */
export function isNetworkFailureKind(code: string): code is NetworkFailureKind {
  return Object.prototype.hasOwnProperty.call(NETWORK_FAILURES, code);
}

/**
 * A request that got no (complete) HTTP answer, with its kind's `retryable` and `noAnswer`. Plain
 * fields, not getters: the closure serializer keeps fields of provider errors.
 */
export class NetworkError extends ProviderError {
  readonly retryable: boolean;
  readonly noAnswer: boolean;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly kind: NetworkFailureKind,
    readonly reason: string,
    readonly code: string | undefined,
  ) {
    super(`${method} ${url}: ${reason}`, "NetworkError");
    this.retryable = NETWORK_FAILURES[kind].retryable;
    this.noAnswer = NETWORK_FAILURES[kind].noAnswer;
  }
}

const TLS_CODES =
  /^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID)/;

function seconds(ms: number): string {
  return `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
}

/** A node or fetch failure (or an already classified one) as a NetworkError naming the URL. */
export function networkError(err: unknown, method: string, url: string, timeouts: NetTimeouts = DEFAULT_TIMEOUTS): NetworkError {
  if (err instanceof NetworkError) return err;
  const e = err as NodeJS.ErrnoException & { cause?: unknown };
  const inner = (e?.cause && typeof e.cause === "object" ? e.cause : e) as NodeJS.ErrnoException;
  const code = inner?.code ?? e?.code;
  const target = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const loopback = /^(127\.|localhost|\[::1\])/.test(target);
  if (code === "ECONNREFUSED") return new NetworkError(method, url, "refused", `connection refused: nothing listens on ${target}`, code);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new NetworkError(method, url, "dns", `no such host: ${target.replace(/:\d+$/, "")} does not resolve (${code})`, code);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return new NetworkError(method, url, "unreachable", `${target} is unreachable (${code})`, code);
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") {
    return new NetworkError(method, url, "connect-timeout", `no connection to ${target} within ${seconds(timeouts.connectMs)} (connect timeout)`, code);
  }
  if (code && TLS_CODES.test(code)) {
    const hint =
      code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "EPROTO"
        ? loopback
          ? "; the server speaks plain HTTP: pass --insecure for a loopback registry"
          : "; the server does not speak TLS on this port"
        : "";
    return new NetworkError(
      method,
      url,
      "tls",
      `TLS handshake with ${target} failed (${code}${inner?.message && !inner.message.includes(code) ? `: ${inner.message}` : ""})${hint}`,
      code,
    );
  }
  if (code === "ECONNRESET" || code === "EPIPE" || /socket hang up|other side closed/i.test(inner?.message ?? "")) {
    return new NetworkError(method, url, "reset", `the server closed the connection before answering (${code ?? "socket hang up"})`, code);
  }
  return new NetworkError(method, url, "other", `request failed: ${inner?.message ?? e?.message ?? String(err)}${code ? ` (${code})` : ""}`, code);
}

/**
 * Arms both timeouts on a node:http request: `onTimeout` gets a classified NetworkError and the
 * request is destroyed with it. The connect timer stops once the socket (and TLS) is up; the idle
 * timer is the socket's inactivity timeout, so a slow but moving upload never trips it.
 */
export function armTimeouts(request: http.ClientRequest, method: string, url: string, timeouts: NetTimeouts): void {
  const connectTimer = setTimeout(() => {
    request.destroy(
      new NetworkError(
        method,
        url,
        "connect-timeout",
        `no connection to ${new URL(url).host} within ${seconds(timeouts.connectMs)} (connect timeout)`,
        "ETIMEDOUT",
      ),
    );
  }, timeouts.connectMs);
  const connected = () => {
    clearTimeout(connectTimer);
    request.setTimeout(timeouts.idleMs, () => {
      request.destroy(
        new NetworkError(
          method,
          url,
          "idle-timeout",
          `no answer for ${seconds(timeouts.idleMs)} (read timeout): the server accepted the connection but went silent`,
          "ETIMEDOUT",
        ),
      );
    });
  };
  request.once("socket", (socket) => {
    const tls = url.startsWith("https:");
    // A kept-alive socket is already connected.
    if (!socket.connecting && (!tls || (socket as unknown as { encrypted?: boolean; authorized?: boolean }).encrypted)) connected();
    else socket.once(tls ? "secureConnect" : "connect", connected);
  });
  request.once("close", () => clearTimeout(connectTimer));
}

export interface TimedFetchInit {
  readonly method?: string;
  readonly headers?: Record<string, string> | Headers | [string, string][];
  readonly body?: string | Buffer | Uint8Array | null;
  readonly redirect?: "follow" | "manual" | "error";
}

const MAX_REDIRECTS = 5;

/**
 * A fetch-compatible function with the connect and idle timeouts: the whole body is read before it
 * returns (registry and REST answers are small), so the idle timeout covers the body too. Network
 * failures reject with a NetworkError. Redirects are followed like fetch does (303 turns into GET,
 * Authorization is dropped across origins).
 */
export function timedFetch(timeouts: NetTimeouts = DEFAULT_TIMEOUTS): (input: string | URL | { url: string }, init?: TimedFetchInit) => Promise<Response> {
  return async (input, init = {}) => {
    let url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    let method = (init.method ?? "GET").toUpperCase();
    let headers = Object.fromEntries(new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).entries());
    let body: Buffer | undefined = init.body === undefined || init.body === null ? undefined : Buffer.from(init.body as string | Uint8Array);
    for (let hop = 0; ; hop++) {
      const res = await sendBuffered(method, url, headers, body, timeouts);
      const location = res.headers.location;
      if ((init.redirect ?? "follow") === "follow" && [301, 302, 303, 307, 308].includes(res.status) && typeof location === "string") {
        if (hop >= MAX_REDIRECTS) throw new NetworkError(method, url, "other", `more than ${MAX_REDIRECTS} redirects`, undefined);
        const next = new URL(location, url);
        if (next.origin !== new URL(url).origin) {
          const { authorization: _dropped, ...rest } = headers;
          headers = rest;
        }
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
        }
        url = next.toString();
        continue;
      }
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
      }
      const nullBody = method === "HEAD" || [101, 204, 205, 304].includes(res.status);
      const response = new Response(nullBody ? null : res.body, { status: res.status < 200 || res.status > 599 ? 502 : res.status, headers: responseHeaders });
      Object.defineProperty(response, "url", { value: url });
      return response;
    }
  };
}

function sendBuffered(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  timeouts: NetTimeouts,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new NetworkError(method, url, "other", "not a valid URL", undefined));
      return;
    }
    const lib = target.protocol === "https:" ? https : http;
    const request = lib.request(target, { method, headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("error", (err) => reject(networkError(err, method, url, timeouts)));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    armTimeouts(request, method, url, timeouts);
    request.on("error", (err) => reject(networkError(err, method, url, timeouts)));
    request.end(body);
  });
}

/** A failure's one-line text when the answer was not what a JSON API sends (an HTML error page, a portal). */
export function notJsonReason(contentType: string | null | undefined, body: string | Buffer): string {
  const text = (Buffer.isBuffer(body) ? body.toString("utf8") : body).replace(/\s+/g, " ").trim();
  const html = /html/i.test(contentType ?? "") || /^<(!doctype|html)/i.test(text);
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  return html
    ? `answered an HTML page${title ? ` ("${title.slice(0, 80)}")` : ""}, not JSON: is the URL right, or is a proxy or captive portal in the way?`
    : `answered something that is not JSON (${JSON.stringify(text.slice(0, 80))})`;
}
