// Fault injection for the IA emulator: the ways IA fails in the handbook and the `ia` issues
// (503 SlowDown bursts with or without Retry-After, the spam 503, 403, 307 redirects, connections
// dropped mid-body). Tests queue faults; each fires `times` times on matching requests.

export type FaultKind =
  | { kind: "slowdown"; retryAfter?: string }
  | { kind: "spam" }
  | { kind: "forbidden" }
  | { kind: "bad-request"; message: string }
  | { kind: "redirect" }
  | { kind: "drop" }
  /** Reads the whole body and never answers: S3 swallowing an upload. */
  | { kind: "swallow" };

export type Fault = FaultKind & {
  method?: string;
  /** Matched against the request path with its query, e.g. /partNumber=9&/. */
  path?: RegExp;
  times: number;
  /** Fire once this many body bytes of the request have arrived (mid-transfer); default: after the body. */
  atByte?: number;
};

export class FaultPlan {
  readonly pending: Fault[] = [];
  readonly fired: { kind: string; method: string; path: string }[] = [];

  add(fault: Fault): this {
    this.pending.push(fault);
    return this;
  }

  /** The fault for this request, consuming one of its `times`, or undefined. */
  take(method: string, pathWithQuery: string, redirected: boolean): Fault | undefined {
    const fault = this.pending.find((f) => f.times > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(pathWithQuery)) && !(f.kind === "redirect" && redirected));
    if (!fault) return undefined;
    fault.times--;
    this.fired.push({ kind: fault.kind, method, path: pathWithQuery });
    return fault;
  }

  clear(): void {
    this.pending.length = 0;
    this.fired.length = 0;
  }
}
