// IA's metadata API: what an item holds (files with md5 and size, item metadata) and in-place
// metadata changes as JSON Patch. IA reports md5 and sha1, never sha256 (docs/protocols.md), so md5 is
// what proves an upload arrived intact.
import { IaCredentials } from "./credentials";
import { NetTimeouts, notJsonReason } from "../http-timeouts";
import { IaEndpoints } from "./endpoints";
import { IaError } from "./ia-error";
import { exchange } from "./http-exchange";
import { RetryPolicy } from "../backoff";
import { DEFAULT_RETRY_POLICY, withRetries } from "./retry-policy";
import { expectS3Success } from "./s3-answer";

export interface IaFileRecord {
  readonly name: string;
  readonly source?: string;
  readonly size?: number;
  readonly md5?: string;
  readonly format?: string;
}

export interface IaItemRecord {
  readonly files: readonly IaFileRecord[];
  readonly metadata: Record<string, unknown>;
}

export type JsonPatchOp = { op: "add" | "replace"; path: string; value: unknown } | { op: "remove"; path: string };

export class IaMetadataClient {
  private readonly retry: RetryPolicy;

  constructor(
    private readonly endpoints: IaEndpoints,
    private readonly credentials: IaCredentials | undefined,
    retry?: RetryPolicy,
    private readonly log?: (m: string) => void,
    private readonly timeouts?: NetTimeouts,
  ) {
    this.retry = retry ?? DEFAULT_RETRY_POLICY;
  }

  /** The item, or undefined when IA has no such item (its API answers `{}`). */
  async getItem(identifier: string): Promise<IaItemRecord | undefined> {
    const what = `read metadata of ${identifier}`;
    const res = await withRetries(
      this.retry,
      what,
      async () => expectS3Success(await exchange({ method: "GET", url: `${this.endpoints.iaUrl}/metadata/${identifier}`, timeouts: this.timeouts }), what),
      { onRetry: this.log },
    );
    let json: { files?: Array<Record<string, unknown>>; metadata?: Record<string, unknown> };
    try {
      json = JSON.parse(res.body);
    } catch {
      // A 200 that is not JSON is a wrong IA_URL or a portal, not a busy IA: waiting does not help.
      throw new IaError(`${what}: ${res.url} ${notJsonReason(contentType(res), res.body)}`, "BadJson", { status: res.status });
    }
    if (!json.metadata && !json.files) return undefined;
    const files = (json.files ?? []).map((f) => ({
      name: String(f.name),
      source: f.source === undefined ? undefined : String(f.source),
      // IA reports sizes as strings.
      size: f.size === undefined ? undefined : Number(f.size),
      md5: f.md5 === undefined ? undefined : String(f.md5),
      format: f.format === undefined ? undefined : String(f.format),
    }));
    return { files, metadata: json.metadata ?? {} };
  }

  /** Applies JSON Patch ops to the item metadata in place; IA's "no changes" is success. */
  async patchMetadata(identifier: string, ops: readonly JsonPatchOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (!this.credentials) throw new IaError(`change metadata of ${identifier}: no IA credentials`, "NoCredentials");
    const what = `change metadata of ${identifier}`;
    const form = new URLSearchParams({
      "-target": "metadata",
      "-patch": JSON.stringify(ops),
      access: this.credentials.access,
      secret: this.credentials.secret,
    });
    const body = Buffer.from(form.toString());
    const res = await withRetries(
      this.retry,
      what,
      async () =>
        expectS3Success(
          await exchange({
            method: "POST",
            url: `${this.endpoints.iaUrl}/metadata/${identifier}`,
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: () => body,
            contentLength: body.length,
            timeouts: this.timeouts,
          }),
          what,
        ),
      { onRetry: this.log },
    );
    let answer: { success?: boolean; error?: string };
    try {
      answer = JSON.parse(res.body) as { success?: boolean; error?: string };
    } catch {
      throw new IaError(`${what}: ${res.url} ${notJsonReason(contentType(res), res.body)}`, "BadJson", { status: res.status });
    }
    if (!answer.success && !/no changes/i.test(answer.error ?? "")) {
      throw new IaError(`${what}: IA refused the patch: ${answer.error ?? res.body.slice(0, 200)}`, "PatchRefused", { status: res.status });
    }
  }

  /** Derive/archive tasks of the item still queued or running (tasks API summary). */
  async pendingTasks(identifier: string): Promise<number> {
    const headers: Record<string, string> = this.credentials ? { authorization: `LOW ${this.credentials.access}:${this.credentials.secret}` } : {};
    const res = expectS3Success(
      await exchange({ method: "GET", url: `${this.endpoints.iaUrl}/services/tasks.php?identifier=${identifier}&summary=1`, headers, timeouts: this.timeouts }),
      `tasks of ${identifier}`,
    );
    let summary: Record<string, number>;
    try {
      summary = (JSON.parse(res.body) as { value?: { summary?: Record<string, number> } }).value?.summary ?? {};
    } catch {
      throw new IaError(`tasks of ${identifier}: ${res.url} ${notJsonReason(contentType(res), res.body)}`, "BadJson", { status: res.status });
    }
    return (summary.queued ?? 0) + (summary.running ?? 0);
  }
}

function contentType(res: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const v = res.headers["content-type"];
  return Array.isArray(v) ? v[0] : v;
}

/** JSON Patch that makes the item's metadata carry `desired` (keys not declared are left to IA). */
export function metadataPatch(current: Record<string, unknown>, desired: Record<string, string | readonly string[]>): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const [key, value] of Object.entries(desired)) {
    const want = typeof value === "string" ? value : [...value];
    if (JSON.stringify(current[key]) === JSON.stringify(want)) continue;
    ops.push({ op: key in current ? "replace" : "add", path: `/${key}`, value: want });
  }
  return ops;
}
