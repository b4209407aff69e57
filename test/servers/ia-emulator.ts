// A local Internet Archive: the S3-like upload endpoint (single PUT and multipart), check_limit, the
// metadata API (read and JSON-Patch write), the tasks summary, downloads, and a derive that produces
// `<id>_archive.torrent` after a configurable delay - shaped as in docs/protocols.md.
// It also works as an HTTP forward proxy that dispatches on the Host (archive.org,
// s3.us.archive.org), which is how the real `ia` client (hard-coded hosts) is pointed at it.
// Request bodies are always read to the end before answering, so a client sees IA's answer rather
// than a reset; the `drop` fault and `atByte` faults cut a transfer mid-body on purpose.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { decodeHeaderValue } from "../../providers/ia/metadata-headers";
import { Fault, FaultPlan } from "./ia/fault-plan";
import { Blob, ItemStore, StoredItem } from "./ia/item-store";

export interface EmulatorRequest {
  readonly method: string;
  /** archive.org / s3.us.archive.org when proxied; "" when called directly. */
  readonly host: string;
  readonly service: "s3" | "site";
  /** Path with query. */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Body bytes received, counted as they arrive (includes bytes of failed attempts). */
  bodyBytes: number;
  /** True when it arrived on the second listener (the target of cross-origin 307s). */
  readonly viaRedirect: boolean;
  /** Arrival time (ms since epoch): the benchmark measures transfer windows from it. */
  readonly at: number;
  /** When the answer was sent or the connection closed (ms since epoch): shows parts in flight. */
  doneAt?: number;
}

interface MultipartUpload {
  identifier: string;
  name: string;
  owner: string;
  parts: Map<number, Blob>;
  /** Whole-file digests fed while parts arrive in order; undefined once they did not. */
  running: { md5: crypto.Hash; sha1: crypto.Hash | undefined; next: number } | undefined;
  /** Parts waiting for their turn (hashing-sink mode). */
  waiting: Set<() => void>;
}

interface Answer { status: number; body?: string | Buffer; headers?: Record<string, string>; file?: string }

const IDENTIFIER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{4,100}$/;
const xml = (code: string, message: string, resource = "") =>
  `<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>${resource}</Resource><RequestId>emulator</RequestId></Error>`;

export class IaEmulator {
  readonly requests: EmulatorRequest[] = [];
  readonly faults = new FaultPlan();
  /** S3 keys: access -> secret. */
  readonly accounts = new Map<string, string>();
  /** How long a queued derive takes before `<id>_archive.torrent` appears. */
  torrentDelayMs = 0;
  /**
   * How long after the multipart start IA takes to create a new item: parts sent earlier get
   * 404 NoSuchBucket, as third-party multipart clients saw (internetarchive#386).
   */
  newItemDelayMs = 0;
  private itemReadyAt = new Map<string, number>();
  /** The next N check_limit calls answer over_limit 1. */
  overLimitAnswers = 0;
  store!: ItemStore;
  url = "";
  /** A second origin on the same emulator: 307s point here to prove Authorization survives them. */
  altUrl = "";
  private servers: http.Server[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private uploads = new Map<string, MultipartUpload>();
  private uploadCounter = 0;
  private altPort = 0;
  private dir = "";

  private readonly keepBytes: boolean;

  /** keepBytes false: hash uploads without storing them (the benchmark; downloads then 404). */
  constructor(options: { dir?: string; keepBytes?: boolean } = {}) {
    if (options.dir) this.dir = options.dir;
    this.keepBytes = options.keepBytes ?? true;
  }

  async start(): Promise<this> {
    this.dir ||= fs.mkdtempSync(path.join(os.tmpdir(), "ia-emulator-"));
    this.store = new ItemStore(this.dir, this.keepBytes);
    for (let i = 0; i < 2; i++) {
      const server = http.createServer((req, res) => { void this.handle(req, res); });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      this.servers.push(server);
    }
    this.url = `http://127.0.0.1:${(this.servers[0].address() as AddressInfo).port}`;
    this.altPort = (this.servers[1].address() as AddressInfo).port;
    this.altUrl = `http://127.0.0.1:${this.altPort}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Multipart uploads started and neither completed nor aborted: what an interrupted client left open. */
  openUploads(): { uploadId: string; identifier: string; name: string; parts: number[] }[] {
    return [...this.uploads].map(([uploadId, u]) => ({ uploadId, identifier: u.identifier, name: u.name, parts: [...u.parts.keys()].sort((a, b) => a - b) }));
  }

  item(identifier: string): StoredItem | undefined {
    return this.store.items.get(identifier);
  }

  /** Seeds an item as if uploaded earlier (adoption tests). */
  async seedFile(identifier: string, owner: string, name: string, data: Buffer, metadata: Record<string, string | string[]> = {}): Promise<void> {
    const item = this.item(identifier) ?? this.store.create(identifier, owner, metadata);
    this.store.put(item, name, await this.store.receive(Readable.from([data])), false);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const proxied = /^https?:\/\//.test(req.url ?? "");
    const url = proxied ? new URL(req.url!) : new URL(req.url ?? "/", "http://emulator");
    const host = proxied ? url.hostname : "";
    const site = host === "archive.org" || (host === "" && /^\/(metadata|services|download|details)\//.test(url.pathname));
    const rec: EmulatorRequest = {
      method: req.method ?? "GET", host, service: site ? "site" : "s3", path: url.pathname + url.search,
      headers: req.headers, bodyBytes: 0, viaRedirect: req.socket.localPort === this.altPort, at: Date.now(),
    };
    this.requests.push(rec);
    res.on("close", () => { rec.doneAt = Date.now(); });
    req.on("data", (c: Buffer) => { rec.bodyBytes += c.length; });
    const fault = this.faults.take(rec.method, rec.path, rec.viaRedirect);
    try {
      if (fault) return await this.injectFault(fault, req, res, rec);
      const answer = site ? await this.siteAnswer(req, url) : await this.s3Answer(req, url);
      this.reply(req, res, answer);
    } catch (err) {
      this.reply(req, res, { status: 500, body: xml("InternalError", (err as Error).message) });
    }
  }

  private reply(req: http.IncomingMessage, res: http.ServerResponse, answer: Answer): void {
    if (answer.status === 0) { req.socket.destroy(); return; }
    const send = () => {
      if (answer.file) {
        res.writeHead(answer.status, { "content-length": String(fs.statSync(answer.file).size), "content-type": "application/octet-stream", ...answer.headers });
        fs.createReadStream(answer.file).pipe(res);
        return;
      }
      const body = answer.body ?? "";
      res.writeHead(answer.status, { "content-length": String(Buffer.byteLength(body)), ...answer.headers });
      res.end(body);
    };
    if (req.readableEnded) send();
    else { req.resume(); req.on("end", send); }
  }

  private async injectFault(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, rec: EmulatorRequest): Promise<void> {
    if (fault.kind === "swallow") { req.resume(); return; }
    const answer = (): Answer => {
      switch (fault.kind) {
        case "slowdown": return { status: 503, body: xml("SlowDown", "Please reduce your request rate.", rec.path), headers: fault.retryAfter ? { "retry-after": fault.retryAfter } : {} };
        case "spam": return { status: 503, body: xml("SlowDown", "Your upload appears to be spam. If you believe this is an error, contact info@archive.org.", rec.path) };
        case "forbidden": return { status: 403, body: xml("AccessDenied", "Access Denied - You lack sufficient privileges to write to this item.", rec.path) };
        case "bad-request": return { status: 400, body: xml("InvalidArgument", fault.message, rec.path) };
        case "redirect": return { status: 307, body: "", headers: { location: `${this.altUrl}${rec.path}` } };
        case "drop": return { status: 0 };
      }
    };
    if (fault.atByte !== undefined || fault.kind === "drop") {
      const at = fault.atByte ?? 0;
      const cut = () => {
        const a = answer();
        if (a.status === 0) { req.socket.destroy(); return; }
        res.writeHead(a.status, { "content-length": String(Buffer.byteLength(a.body ?? "")), connection: "close", ...a.headers });
        res.end(a.body, () => req.socket.destroy());
      };
      if (rec.bodyBytes >= at) { cut(); return; }
      const onData = () => { if (rec.bodyBytes >= at) { req.off("data", onData); cut(); } };
      req.on("data", onData);
      req.on("end", () => { if (!res.headersSent && !req.socket.destroyed) { req.off("data", onData); cut(); } });
      return;
    }
    this.reply(req, res, answer());
  }

  /**
   * Resolves true when part n may be read - the parts before it are in, or order no longer
   * matters - and false when its client gave up waiting (its connection closed).
   */
  private turnOf(upload: MultipartUpload, n: number, req: http.IncomingMessage): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        const closed = req.socket.destroyed;
        if (!closed && upload.running && upload.running.next < n) return;
        upload.waiting.delete(check);
        req.socket.off("close", check);
        resolve(!closed);
      };
      upload.waiting.add(check);
      req.socket.on("close", check);
      check();
    });
  }

  /** A part was taken in (or the running digest abandoned): the waiting parts check their turn. */
  private turnTaken(upload: MultipartUpload): void {
    for (const check of [...upload.waiting]) check();
  }

  private account(req: http.IncomingMessage): string | undefined {
    const m = /^LOW ([^:]+):(.+)$/.exec(req.headers.authorization ?? "");
    return m && this.accounts.get(m[1]) === m[2] ? m[1] : undefined;
  }

  private derive(item: StoredItem): void {
    item.pendingTasks++;
    item.derives++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      item.pendingTasks--;
      const name = `${item.identifier}_archive.torrent`;
      const body = Buffer.from(`d8:announce36:http://bt1.archive.org/announce.php4:infod4:name${item.identifier.length}:${item.identifier}ee`);
      const blob = path.join(this.dir, `${item.identifier}.torrent`);
      fs.writeFileSync(blob, body);
      item.files.set(name, { name, size: body.length, md5: crypto.createHash("md5").update(body).digest("hex"), sha1: crypto.createHash("sha1").update(body).digest("hex"), source: "metadata", format: "Archive BitTorrent", mtime: Math.floor(Date.now() / 1000), path: blob });
    }, this.torrentDelayMs);
    this.timers.add(timer);
  }

  private async s3Answer(req: http.IncomingMessage, url: URL): Promise<Answer> {
    const q = url.searchParams;
    if (req.method === "GET" && url.pathname === "/" && q.has("check_limit")) {
      const over = this.overLimitAnswers > 0 ? (this.overLimitAnswers--, 1) : 0;
      return json({ over_limit: over, detail: { accesskey_ration: 1, bucket_ration: 1, limit_reason: over ? "bucket_tasks_queued" : "", rationing_engaged: over, total_tasks_queued: 0 } });
    }
    const [, identifier = "", ...rest] = url.pathname.split("/");
    const name = decodeURIComponent(rest.join("/"));
    if (!IDENTIFIER.test(identifier)) {
      return { status: 400, body: xml("InvalidBucketName", "Bucket names should be valid archive identifiers; try someting matching this regular expression: ^[a-zA-Z0-9][a-zA-Z0-9_.-]{4,100}$", url.pathname) };
    }
    const access = this.account(req);
    if (!access) return { status: 403, body: xml("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", url.pathname) };
    const item = this.item(identifier);
    if (item && item.owner !== access) return { status: 403, body: xml("AccessDenied", "Access Denied - You lack sufficient privileges to write to this item.", url.pathname) };
    if (req.method === "PUT" && req.headers["transfer-encoding"]) {
      return { status: 411, body: xml("MissingContentLength", "You must provide the Content-Length HTTP header.", url.pathname) };
    }
    const create = () => item ?? (req.headers["x-archive-auto-make-bucket"] === "1" ? this.store.create(identifier, access, headerMetadata(req.headers)) : undefined);

    if (req.method === "POST" && q.has("uploads")) {
      if (!create()) return noSuchBucket(url);
      if (!item && this.newItemDelayMs > 0) this.itemReadyAt.set(identifier, Date.now() + this.newItemDelayMs);
      const uploadId = `upload-${++this.uploadCounter}`;
      this.uploads.set(uploadId, { identifier, name, owner: access, parts: new Map(), running: { md5: crypto.createHash("md5"), sha1: this.keepBytes ? crypto.createHash("sha1") : undefined, next: 1 }, waiting: new Set() });
      return { status: 200, body: `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult><Bucket>${identifier}</Bucket><Key>${name}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>` };
    }
    const uploadId = q.get("uploadId");
    if (uploadId) {
      const upload = this.uploads.get(uploadId);
      if (!upload || upload.identifier !== identifier || upload.name !== name) return { status: 404, body: xml("NoSuchUpload", "The specified upload does not exist.", url.pathname) };
      if (req.method === "PUT") {
        if (Date.now() < (this.itemReadyAt.get(identifier) ?? 0)) return noSuchBucket(url);
        const n = Number(q.get("partNumber"));
        let body: Readable = req;
        if (!this.keepBytes && upload.running && upload.running.next < n) {
          // As a hashing sink the emulator keeps only a running digest, so it hashes parts in
          // order: a part that comes in early (a client with parts in flight) is received at the
          // usual pace into memory - a part or two at most - and hashed once the one before it is in.
          body = Readable.from(await this.store.hold(req));
          if (!(await this.turnOf(upload, n, req))) return { status: 0 };
        }
        // Whole-file digests are kept while parts arrive in order (the usual case), so completing
        // a 1 GiB upload does not hash it all again.
        const running = upload.running?.next === n ? upload.running : undefined;
        if (!running) upload.running = undefined;
        // As a hashing sink (benchmark) each byte is hashed once, as for a single PUT: the part's
        // ETag is then the running digest so far - opaque, unique, and what Complete must list.
        const sink = !this.keepBytes && running !== undefined;
        const blob = await this.store.receive(body, running ? [running.md5, ...(running.sha1 ? [running.sha1] : [])] : [], { sha1: false, md5: !sink, fromNetwork: body === req });
        if (sink) blob.md5 = running!.md5.copy().digest("hex");
        if (blob.size !== Number(req.headers["content-length"])) {
          upload.running = undefined;
          this.turnTaken(upload);
          return { status: 400, body: xml("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", url.pathname) };
        }
        if (running) { running.next++; this.turnTaken(upload); }
        const previous = upload.parts.get(n);
        if (previous?.path) fs.rmSync(previous.path, { force: true });
        upload.parts.set(n, blob);
        return { status: 200, headers: { etag: `"${blob.md5}"` } };
      }
      if (req.method === "POST") {
        const manifest = await readText(req);
        const listed = [...manifest.matchAll(/<PartNumber>(\d+)<\/PartNumber>\s*<ETag>"?([0-9a-f]+)"?<\/ETag>/g)].map((m) => ({ n: Number(m[1]), etag: m[2] }));
        const bad = listed.find((p) => upload.parts.get(p.n)?.md5 !== p.etag);
        if (listed.length === 0 || bad) return { status: 400, body: xml("InvalidPart", `One or more of the specified parts could not be found or its ETag did not match (part ${bad?.n}).`, url.pathname) };
        const inOrder = upload.running && listed.every((p, i) => p.n === i + 1) && upload.running.next === listed.length + 1;
        const blob = await this.store.concat(listed.map((p) => upload.parts.get(p.n)!), inOrder ? { md5: upload.running!.md5.digest("hex"), sha1: upload.running!.sha1?.digest("hex") ?? "" } : undefined);
        this.uploads.delete(uploadId);
        const target = this.item(identifier)!;
        this.store.put(target, name, blob, req.headers["x-archive-keep-old-version"] === "1");
        if (req.headers["x-archive-queue-derive"] !== "0") this.derive(target);
        return { status: 200, body: `<CompleteMultipartUploadResult><Key>${name}</Key><ETag>"${blob.md5}"</ETag></CompleteMultipartUploadResult>` };
      }
      if (req.method === "GET") {
        // ListParts, as S3 answers it: parts in order after part-number-marker, at most max-parts.
        const marker = Number(q.get("part-number-marker") ?? 0);
        const max = Math.min(1000, Number(q.get("max-parts") ?? 1000));
        const all = [...upload.parts.entries()].sort((a, b) => a[0] - b[0]).filter(([n]) => n > marker);
        const page = all.slice(0, max);
        const truncated = all.length > page.length;
        const parts = page.map(([n, b]) => `<Part><PartNumber>${n}</PartNumber><LastModified>${new Date().toISOString()}</LastModified><ETag>&quot;${b.md5}&quot;</ETag><Size>${b.size}</Size></Part>`).join("");
        return {
          status: 200, headers: { "content-type": "application/xml" },
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult><Bucket>${identifier}</Bucket><Key>${name}</Key><UploadId>${uploadId}</UploadId>` +
            `<PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${page.at(-1)?.[0] ?? marker}</NextPartNumberMarker><MaxParts>${max}</MaxParts>` +
            `<IsTruncated>${truncated}</IsTruncated>${parts}</ListPartsResult>`,
        };
      }
      if (req.method === "DELETE") {
        // AbortMultipartUpload: the parts are dropped, and the id is unknown from now on (404 NoSuchUpload).
        for (const p of upload.parts.values()) if (p.path) fs.rmSync(p.path, { force: true });
        this.uploads.delete(uploadId);
        return { status: 204 };
      }
    }
    if (req.method === "PUT" && name) {
      const target = create();
      if (!target) { req.resume(); return noSuchBucket(url); }
      const blob = await this.store.receive(req);
      if (blob.size !== Number(req.headers["content-length"])) return { status: 400, body: xml("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", url.pathname) };
      const declared = req.headers["content-md5"];
      if (declared && declared !== blob.md5) {
        if (blob.path) fs.rmSync(blob.path, { force: true });
        return { status: 400, body: xml("BadDigest", `The Content-MD5 you specified did not match what we received (${declared} != ${blob.md5}).`, url.pathname) };
      }
      this.store.put(target, name, blob, req.headers["x-archive-keep-old-version"] === "1");
      if (req.headers["x-archive-queue-derive"] !== "0") this.derive(target);
      return { status: 200, headers: { etag: `"${blob.md5}"` } };
    }
    if (req.method === "PUT" && !name) {
      return create() ? { status: 200 } : noSuchBucket(url);
    }
    return { status: 405, body: xml("MethodNotAllowed", `${req.method} ${url.pathname} is not emulated`, url.pathname) };
  }

  private async siteAnswer(req: http.IncomingMessage, url: URL): Promise<Answer> {
    const [, area, identifier = "", ...rest] = url.pathname.split("/");
    if (area === "metadata" && req.method === "GET") return json(this.store.metadataJson(identifier));
    if (area === "metadata" && req.method === "POST") {
      const form = new URLSearchParams(await readText(req));
      if (!form.get("access") || this.accounts.get(form.get("access")!) !== form.get("secret")) return json({ success: false, error: "Unauthorized" }, 401);
      const item = this.item(identifier);
      if (!item) return json({ success: false, error: `item ${identifier} does not exist` }, 400);
      if (item.owner !== form.get("access")) return json({ success: false, error: "You lack sufficient privileges to write to this item." }, 403);
      if (form.get("-target") !== "metadata") return json({ success: false, error: "only -target=metadata is emulated" }, 400);
      const ops = JSON.parse(form.get("-patch") ?? "[]") as { op: string; path: string; value?: string | string[] }[];
      const before = JSON.stringify(item.metadata);
      for (const op of ops) {
        const key = op.path.replace(/^\//, "");
        if (op.op === "remove") delete item.metadata[key];
        else if (op.op === "add" || op.op === "replace") item.metadata[key] = op.value!;
        else return json({ success: false, error: `unsupported op ${op.op}` }, 400);
      }
      if (JSON.stringify(item.metadata) === before) return json({ success: false, error: "no changes to _meta.xml" });
      return json({ success: true, task_id: 1000 + this.requests.length, log: `https://catalogd.archive.org/log/${1000 + this.requests.length}` });
    }
    if (area === "services" && identifier === "tasks.php") {
      const item = this.item(url.searchParams.get("identifier") ?? "");
      return json({ success: true, value: { summary: { queued: item?.pendingTasks ?? 0, running: 0, error: 0, paused: 0 } } });
    }
    if (area === "download" && req.method === "GET") {
      const file = this.item(identifier)?.files.get(decodeURIComponent(rest.join("/")));
      return file?.path ? { status: 200, file: file.path } : { status: 404, body: "not found" };
    }
    if (area === "details") return this.item(identifier) ? { status: 200, body: `<html><title>${identifier}</title></html>` } : { status: 404, body: "Item cannot be found." };
    return { status: 404, body: "not found" };
  }
}

/** Item metadata from `x-archive-meta[NN]-key` headers, as IA reads them. */
export function headerMetadata(headers: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const multi: Record<string, [number, string][]> = {};
  for (const [name, raw] of Object.entries(headers)) {
    const m = /^x-archive-meta(\d\d)?-(.+)$/.exec(name);
    if (!m || raw === undefined) continue;
    const key = m[2].replace(/--/g, "_");
    const value = decodeHeaderValue(Array.isArray(raw) ? raw[0] : raw);
    if (m[1] === undefined) out[key] = value;
    else (multi[key] ??= []).push([Number(m[1]), value]);
  }
  // IA stores a single value as a string, whichever header form carried it (`ia` sends meta00-title).
  for (const [key, values] of Object.entries(multi)) {
    const sorted = values.sort((a, b) => a[0] - b[0]).map((v) => v[1]);
    out[key] = sorted.length === 1 ? sorted[0] : sorted;
  }
  return out;
}

function json(value: unknown, status = 200): Answer {
  return { status, body: JSON.stringify(value), headers: { "content-type": "application/json" } };
}

function noSuchBucket(url: URL): Answer {
  return { status: 404, body: xml("NoSuchBucket", "The specified bucket does not exist. Send x-archive-auto-make-bucket: 1 to create it.", url.pathname) };
}

async function readText(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
