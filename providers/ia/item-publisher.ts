// Publishing an ISO release to one IA item: skip files whose md5 already matches, upload the rest
// (derive queued once, on the last file), prove every file's md5 and size through the metadata API,
// bring the item metadata in line, and wait - bounded - for the derived torrent. Used by both
// `npm run publish-iso` and the IaItem provider, so the workflow and `pulumi up` behave the same.
import * as fs from "node:fs";
import { IaCredentials } from "./credentials";
import { itemDetailsUrl, itemFileUrl, torrentFileName } from "./endpoints";
import { IaVerificationError } from "./ia-error";
import { ItemMetadata, itemMetadataHeaders } from "./metadata-headers";
import { IaItemRecord, IaMetadataClient, metadataPatch } from "./metadata-api";
import { sleep } from "../backoff";
import { awaitFiles, ExpectedFile, verified } from "./upload-verification";
import { fileMd5, md5Hex } from "./file-md5";
import { IaS3Client, S3ClientOptions } from "./s3-upload";

export interface PublishFile {
  readonly name: string;
  /** A local path or an in-memory body; without it the file must already be on IA. */
  readonly source?: string | Buffer;
  readonly md5?: string;
  readonly size?: number;
}

export interface PublishRequest {
  readonly identifier: string;
  readonly files: readonly PublishFile[];
  readonly metadata: ItemMetadata;
  /** Queue IA's derive (torrent, mirrors) with the last file; default true. */
  readonly derive?: boolean;
}

export interface PublishedFile {
  readonly name: string;
  readonly md5: string;
  readonly size: number;
  readonly skipped: boolean;
  readonly bytesSent: number;
  /** Parts an interrupted earlier run had already put on IA (multipart resume). */
  readonly resumedParts?: number;
}

export interface PublishResult {
  readonly identifier: string;
  readonly files: readonly PublishedFile[];
  readonly detailsUrl: string;
  /** null when the derive had not produced the torrent within the wait: links degrade to HTTP. */
  readonly torrentUrl: string | null;
  readonly downloadUrls: Record<string, string>;
  readonly metadataChanges: number;
  readonly warnings: readonly string[];
}

/** The S3 client's options (credentials optional: adopting an item needs none), plus the waits. */
export interface PublisherOptions extends Omit<S3ClientOptions, "credentials"> {
  readonly credentials?: IaCredentials;
  /** How long IA may take to list an upload with its md5 (its metadata lags the S3 answer). */
  readonly verifyWaitMs?: number;
  /** How long to wait for `<id>_archive.torrent` (handbook: a 25-minute poll in publish_ia). */
  readonly torrentWaitMs?: number;
  readonly pollMs?: number;
}

/** A declared file, with what `publish` found out about it: its size, its md5 when known, and whether IA already holds it. */
interface PlannedFile {
  readonly name: string;
  readonly source: string | Buffer | undefined;
  readonly md5: string | undefined;
  readonly size: number;
  readonly skipped: boolean;
}

export class ItemPublisher {
  readonly metadataApi: IaMetadataClient;

  constructor(private readonly options: PublisherOptions) {
    this.metadataApi = new IaMetadataClient(options.endpoints, options.credentials, options.retry, options.log, options.timeouts);
  }

  async publish(req: PublishRequest): Promise<PublishResult> {
    const { identifier } = req;
    const before = await this.metadataApi.getItem(identifier);
    const plan = await Promise.all(req.files.map((f) => this.planFile(identifier, f, before)));
    const warnings: string[] = [];
    const send = this.sender(req, plan, warnings);
    const published: PublishedFile[] = [];
    for (const p of plan) {
      if (p.skipped) {
        this.options.log?.(`${identifier}/${p.name}: md5 ${p.md5} already on IA, skipped`);
        published.push({ name: p.name, md5: p.md5!, size: p.size, skipped: true, bytesSent: 0 });
        continue;
      }
      published.push(await send(p));
    }
    const after = await this.verifyUploads(identifier, plan, published, send);
    const patch = metadataPatch(after.metadata, req.metadata);
    await this.metadataApi.patchMetadata(identifier, patch);
    const torrentUrl = await this.awaitTorrent(identifier, after, warnings);
    return {
      identifier,
      files: published,
      detailsUrl: itemDetailsUrl(this.options.endpoints, identifier),
      torrentUrl,
      downloadUrls: Object.fromEntries(published.map((f) => [f.name, itemFileUrl(this.options.endpoints, identifier, f.name)])),
      metadataChanges: patch.length,
      warnings,
    };
  }

  /** What uploads one planned file with the item's headers; throws at once when files must go up and no keys are configured. */
  private sender(req: PublishRequest, plan: readonly PlannedFile[], warnings: string[]): (p: PlannedFile) => Promise<PublishedFile> {
    const { identifier } = req;
    const uploads = plan.filter((p) => !p.skipped);
    if (uploads.length > 0 && !this.options.credentials) {
      throw new IaVerificationError(
        `${identifier}: ${uploads.map((u) => u.name).join(", ")} must be uploaded but no IA credentials are configured (ia.ini [s3] or IA_ACCESS_KEY/IA_SECRET_KEY)`,
      );
    }
    const s3 = uploads.length > 0 ? new IaS3Client({ ...this.options, credentials: this.options.credentials! }) : undefined;
    const sizeHint = uploads.reduce((sum, u) => sum + u.size, 0);
    const metaHeaders = itemMetadataHeaders(req.metadata);
    return async (p) => {
      const last = p === uploads[uploads.length - 1];
      const report = await s3!.upload({
        identifier,
        name: p.name,
        source: p.source!,
        size: p.size,
        md5: p.md5,
        headers: {
          ...metaHeaders,
          "x-archive-auto-make-bucket": "1",
          "x-archive-size-hint": String(sizeHint),
          // Derive once, when the last file is in: an earlier derive would run on a partial item.
          "x-archive-queue-derive": last && req.derive !== false ? "1" : "0",
          // A replaced ISO stays in history/files/ rather than vanishing from under a download.
          "x-archive-keep-old-version": "1",
        },
      });
      if (report.multipartRefused && !warnings.some((w) => w.includes("refused multipart"))) {
        warnings.push(`${identifier}: IA refused multipart (${report.multipartRefused}); files went up in one PUT each, so an interrupted upload starts over`);
      }
      const resumed = report.resumedParts ? { resumedParts: report.resumedParts } : {};
      return { name: p.name, md5: report.md5, size: p.size, skipped: false, bytesSent: report.bytesSent, ...resumed };
    };
  }

  /**
   * Every file as the metadata API lists it. A file IA lists with another md5 after it accepted the
   * upload is sent again, once: a second wrong md5 is not a transfer accident, and the run fails saying so.
   */
  private async verifyUploads(
    identifier: string,
    plan: readonly PlannedFile[],
    published: PublishedFile[],
    send: (p: PlannedFile) => Promise<PublishedFile>,
  ): Promise<IaItemRecord> {
    const first = await awaitFiles(this.metadataApi, identifier, published, this.options);
    const garbled = first.wrong.filter((w) => w.garbled && published.some((f) => f.name === w.name && !f.skipped));
    for (const w of garbled) {
      this.options.log?.(`warning: ${identifier}/${w.text} after the upload; sending ${w.name} again, once`);
      const again = await send(plan.find((p) => p.name === w.name)!);
      const i = published.findIndex((f) => f.name === w.name);
      published[i] = { ...again, bytesSent: published[i].bytesSent + again.bytesSent };
    }
    return garbled.length > 0 ? this.verifyFiles(identifier, published) : verified(identifier, first);
  }

  private async planFile(identifier: string, file: PublishFile, item: IaItemRecord | undefined): Promise<PlannedFile> {
    const size = file.size ?? (Buffer.isBuffer(file.source) ? file.source.length : typeof file.source === "string" ? fs.statSync(file.source).size : undefined);
    const remote = item?.files.find((r) => r.name === file.name);
    let md5 = file.md5 ?? (Buffer.isBuffer(file.source) ? md5Hex(file.source) : undefined);
    // Hash a local file only when IA holds a same-sized copy that could make the upload unnecessary.
    if (!md5 && remote && remote.size === size && typeof file.source === "string") md5 = await fileMd5(file.source);
    const skipped = !!remote && !!md5 && remote.md5 === md5 && (size === undefined || remote.size === size);
    if (!skipped && file.source === undefined) {
      const state = remote ? `IA holds md5 ${remote.md5}, size ${remote.size}; declared md5 ${md5}, size ${size}` : "it is not on IA";
      throw new IaVerificationError(
        `${identifier}/${file.name}: ${state}, and no source file was given to upload. Run the publish_ia job (npm run publish-iso) or declare source`,
      );
    }
    if (size === undefined) throw new IaVerificationError(`${identifier}/${file.name}: size unknown`);
    // IA keeps items forever: an empty file (a failed build) must never become part of a release.
    if (size === 0 && !skipped) throw new IaVerificationError(`${identifier}/${file.name}: the file is empty (0 bytes); an empty file is never published`);
    return { name: file.name, source: file.source, md5, size, skipped };
  }

  /** Polls the metadata API until every file shows the expected md5 and size; throws when they do not in time. */
  async verifyFiles(identifier: string, files: readonly ExpectedFile[]): Promise<IaItemRecord> {
    return verified(identifier, await awaitFiles(this.metadataApi, identifier, files, this.options));
  }

  /** The torrent URL once the derive made it, or null (with a warning) after the bounded wait. */
  private async awaitTorrent(identifier: string, item: IaItemRecord, warnings: string[]): Promise<string | null> {
    const name = torrentFileName(identifier);
    const deadline = Date.now() + (this.options.torrentWaitMs ?? 25 * 60_000);
    let current = item;
    while (!current.files.some((f) => f.name === name)) {
      if (Date.now() >= deadline) {
        const pending = await this.metadataApi.pendingTasks(identifier).catch(() => undefined);
        const msg = `${identifier}: ${name} is not derived yet${pending ? ` (${pending} IA task(s) queued or running)` : ""}; publishing HTTP-only links. The torrent link appears on the next refresh once IA's derive finishes`;
        warnings.push(msg);
        this.options.log?.(`warning: ${msg}`);
        return null;
      }
      await sleep(this.options.pollMs ?? 10_000);
      current = (await this.metadataApi.getItem(identifier)) ?? current;
    }
    return itemFileUrl(this.options.endpoints, identifier, name);
  }
}
