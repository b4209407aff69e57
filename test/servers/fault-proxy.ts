// A reverse proxy in front of a local registry that records every request (the benchmark's
// request counter) and can answer chosen requests with a fault instead of forwarding them (a 503 with
// Retry-After on the first PUT, as GHCR does under bursts), to prove the client ends consistent.
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface InjectedFault {
  readonly method: string;
  /** Matched against the request path; any path when absent. */
  readonly path?: RegExp;
  readonly status: number;
  readonly retryAfter?: string;
  /** Accept the request and never answer (a hung registry); recorded with status 0. */
  readonly hang?: boolean;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Milliseconds since the proxy started, when the request arrived. */
  readonly at: number;
  /** Milliseconds since the proxy started, when the answer was sent (the benchmark's round trips). */
  end?: number;
}

/** Sequential round trips: a new one starts with a request that arrives after every earlier one was answered. */
export function roundTrips(requests: readonly ProxiedRequest[]): number {
  let rounds = 0;
  let answered = -Infinity;
  for (const r of [...requests].sort((a, b) => a.at - b.at)) {
    if (r.at >= answered) rounds++;
    answered = Math.max(answered, r.end ?? r.at);
  }
  return rounds;
}

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  readonly faults: InjectedFault[] = [];
  host = "";
  private server!: http.Server;
  private readonly started = Date.now();

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const at = Date.now() - this.started;
      const fault = this.faults.find((f) => f.method === req.method && (!f.path || f.path.test(req.url ?? "")) && (f.times ?? 1) > 0);
      if (fault) {
        fault.times = (fault.times ?? 1) - 1;
        req.resume();
        if (fault.hang) {
          this.requests.push({ method: req.method ?? "", path: req.url ?? "", status: 0, at });
          return;
        }
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", status: fault.status, at, end: Date.now() - this.started });
        res.writeHead(fault.status, { "content-type": "application/json", ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}) });
        res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "injected by the fault proxy" }] }));
        return;
      }
      const [hostname, port] = this.target.split(":");
      const upstream = http.request({ hostname, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: this.target } }, (up) => {
        const record: ProxiedRequest = { method: req.method ?? "", path: req.url ?? "", status: up.statusCode ?? 0, at };
        this.requests.push(record);
        up.on("end", () => { record.end = Date.now() - this.started; });
        const headers = { ...up.headers };
        // Upload locations point at the registry itself; keep clients talking through the proxy.
        if (typeof headers.location === "string") headers.location = headers.location.replace(`//${this.target}`, `//${this.host}`);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      });
      upstream.on("error", (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
