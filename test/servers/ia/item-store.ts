// The emulator's items: files on disk (a 1 GiB benchmark upload must not live in memory), their md5
// and sha1 computed while streaming in, item metadata, kept old versions, derive tasks.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface StoredFile {
  name: string;
  size: number;
  md5: string;
  sha1: string;
  source: "original" | "derivative" | "metadata";
  format: string;
  mtime: number;
  /** Where the bytes are on disk (undefined for synthetic derivatives such as the torrent). */
  path?: string;
}

export interface StoredItem {
  identifier: string;
  /** The access key that created the item: another key gets IA's 403 "lack sufficient privileges". */
  owner: string;
  created: number;
  metadata: Record<string, string | string[]>;
  files: Map<string, StoredFile>;
  /** Derive tasks queued/running; the torrent appears when one finishes. */
  pendingTasks: number;
  derives: number;
}

export interface Blob {
  /** Undefined when the store keeps no bytes (benchmark mode: hashes only). */
  path?: string;
  size: number;
  md5: string;
  sha1: string;
}

export class ItemStore {
  readonly items = new Map<string, StoredItem>();
  private counter = 0;

  /**
   * The most bytes per second one upload connection may deliver (0: unlimited). IA's S3 ingest is
   * slow per connection - 6-8 MiB/s from a gigabit server (internetarchive#415) - which is what
   * makes parts in flight pay off; the benchmark models it with this.
   */
  bytesPerSecond = 0;

  /** keepBytes false makes the store a hashing sink, so a benchmark measures the client, not the disk. */
  constructor(readonly dir: string, readonly keepBytes = true) {}

  create(identifier: string, owner: string, metadata: Record<string, string | string[]>): StoredItem {
    const item: StoredItem = { identifier, owner, created: Math.floor(Date.now() / 1000), metadata: { identifier, ...metadata }, files: new Map(), pendingTasks: 0, derives: 0 };
    this.items.set(identifier, item);
    return item;
  }

  /** Streams `body` to a new blob, hashing as it goes; `also` are extra hashes fed the same bytes. */
  async receive(body: Readable, also: crypto.Hash[] = [], options: { sha1?: boolean; md5?: boolean; fromNetwork?: boolean } = {}): Promise<Blob> {
    const file = this.keepBytes ? path.join(this.dir, `blob-${++this.counter}`) : undefined;
    const md5 = options.md5 === false ? undefined : crypto.createHash("md5");
    // sha1 costs CPU the emulator shares with the client under test: skipped for parts (the whole
    // file's is kept by the caller) and in the benchmark's hashing-sink mode.
    const sha1 = (options.sha1 ?? this.keepBytes) ? crypto.createHash("sha1") : undefined;
    let size = 0;
    body.on("data", (c: Buffer) => { md5?.update(c); sha1?.update(c); for (const h of also) h.update(c); size += c.length; });
    const sink = file ? fs.createWriteStream(file) : new Writable({ write: (_c, _e, done) => done() });
    await this.ingest(body, sink, options.fromNetwork ?? true);
    return { path: file, size, md5: md5?.digest("hex") ?? "", sha1: sha1?.digest("hex") ?? "" };
  }

  /** Reads a request body into memory at the ingest pace (a part that must wait for its turn). */
  async hold(body: Readable): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    const keep = new Writable({ write: (c: Buffer, _e, done) => { chunks.push(c); done(); } });
    await this.ingest(body, keep, true);
    return chunks;
  }

  /** Pipes a body into `sink`, at the ingest pace when it comes off the network. */
  private ingest(body: Readable, sink: Writable, fromNetwork: boolean): Promise<void> {
    return this.bytesPerSecond > 0 && fromNetwork ? pipeline(body, paced(this.bytesPerSecond), sink) : pipeline(body, sink);
  }

  /**
   * Joins part blobs into one (CompleteMultipartUpload). `digests` are whole-file hashes the
   * emulator kept while parts arrived in order; without them the parts are hashed again.
   */
  async concat(parts: readonly Blob[], digests?: { md5: string; sha1: string }): Promise<Blob> {
    const size = parts.reduce((s, p) => s + p.size, 0);
    if (!this.keepBytes) {
      if (!digests) throw new Error("emulator without stored bytes needs parts in order");
      return { size, ...digests };
    }
    async function* all() {
      for (const p of parts) yield* fs.createReadStream(p.path!, { highWaterMark: 1024 * 1024 });
    }
    let joined: Blob;
    if (digests) {
      joined = { path: path.join(this.dir, `blob-${++this.counter}`), size, ...digests };
      await pipeline(Readable.from(all()), fs.createWriteStream(joined.path!));
    } else {
      joined = await this.receive(Readable.from(all()), [], { fromNetwork: false });
    }
    for (const p of parts) fs.rmSync(p.path!, { force: true });
    return joined;
  }

  /** Stores a file in the item; with keepOld, the previous copy moves to history/files/<name>.~N~. */
  put(item: StoredItem, name: string, blob: Blob, keepOld: boolean): void {
    const old = item.files.get(name);
    if (old && keepOld) {
      let n = 1;
      while (item.files.has(`history/files/${name}.~${n}~`)) n++;
      item.files.set(`history/files/${name}.~${n}~`, { ...old, name: `history/files/${name}.~${n}~` });
    } else if (old?.path) {
      fs.rmSync(old.path, { force: true });
    }
    item.files.set(name, { name, size: blob.size, md5: blob.md5, sha1: blob.sha1, source: "original", format: formatOf(name), mtime: Math.floor(Date.now() / 1000), path: blob.path });
  }

  /** The metadata API's JSON for an item ({} when missing, as IA answers). */
  metadataJson(identifier: string): unknown {
    const item = this.items.get(identifier);
    if (!item) return {};
    const files = [...item.files.values()].map((f) => ({
      name: f.name, source: f.source, format: f.format, mtime: String(f.mtime), size: String(f.size), md5: f.md5, sha1: f.sha1,
      ...(f.format === "Archive BitTorrent" ? { btih: f.sha1 } : {}),
    }));
    return {
      created: item.created,
      d1: "ia800000.us.archive.org",
      dir: `/0/items/${identifier}`,
      files,
      files_count: files.length,
      item_size: files.reduce((s, f) => s + Number(f.size), 0),
      metadata: item.metadata,
      server: "ia800000.us.archive.org",
      uniq: 1,
      workable_servers: ["ia800000.us.archive.org"],
    };
  }
}

/** Passes bytes on no faster than `bytesPerSecond`; backpressure holds the sender back through TCP. */
function paced(bytesPerSecond: number): Transform {
  const started = Date.now();
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      passed += chunk.length;
      // The schedule is cumulative, so waking only when 5 ms ahead keeps the average exact
      // without a timer per 64 KiB chunk.
      const ahead = started + (passed / bytesPerSecond) * 1000 - Date.now();
      if (ahead < 5) done(null, chunk);
      else setTimeout(() => done(null, chunk), ahead);
    },
  });
}

function formatOf(name: string): string {
  if (name.endsWith(".iso")) return "ISO Image";
  if (name.endsWith(".torrent")) return "Archive BitTorrent";
  return "Unknown";
}
