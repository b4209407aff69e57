// IaItem: an ISO release on the Internet Archive as a resource (docs/contracts.md). `pulumi preview`
// shows a release as a diff; create adopts the item the publish_ia job uploaded (verifying md5 and
// size) or uploads from `source`; metadata changes are in-place updates; delete keeps the item,
// since IA keeps releases forever and users' torrents point at it (handbook 11.2).
import * as pulumi from "@pulumi/pulumi";
import { IA_IDENTIFIER_PATTERN, isMd5Hex, isSha256Hex } from "../../grammar/values";
import { credentialsFromEnv } from "./credentials";
import { endpointsFromEnv, itemDetailsUrl, itemFileUrl, torrentFileName } from "./endpoints";
import { ItemPublisher, PublishFile } from "./item-publisher";
import { MiB } from "./s3-upload";
import { SHA256SUMS, sha256sumsText } from "./sha256sums";

export interface IaItemFile {
  readonly name: string;
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
  /** Local path to upload from when IA does not hold the file yet (or holds another md5). */
  readonly source?: string;
}

export interface IaItemInputs {
  readonly identifier: string;
  readonly files: readonly IaItemFile[];
  readonly metadata: Record<string, string | string[]>;
}

export interface IaItemOutputs extends IaItemInputs {
  readonly detailsUrl: string;
  /** null while IA's derive has not produced `<id>_archive.torrent`: links degrade to HTTP only. */
  readonly torrentUrl: string | null;
  /** Direct HTTP URL of every declared file, by name. */
  readonly downloadUrls: Record<string, string>;
  readonly sha256sumsUrl: string;
  readonly warnings: string[];
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
const METADATA_KEY = /^[a-z][a-z0-9_-]{0,99}$/;

// Not named `check`: the closure serializer would resolve it to the provider method of that name.
/** Everything wrong with a declaration, found before any network call. */
export function iaItemFailures(inputs: IaItemInputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (typeof inputs.identifier !== "string" || !IA_IDENTIFIER_PATTERN.test(inputs.identifier)) {
    failures.push({
      property: "identifier",
      reason: `${JSON.stringify(inputs.identifier)} is not an IA identifier: 5-100 of [A-Za-z0-9._-], not starting with . _ -`,
    });
  }
  if (!Array.isArray(inputs.files) || inputs.files.length === 0) {
    failures.push({ property: "files", reason: "expected a non-empty list of {name, sha256, md5, size, source?}" });
  } else {
    const seen = new Set<string>();
    inputs.files.forEach((f, i) => {
      const at = `files[${i}]`;
      if (typeof f?.name !== "string" || !FILE_NAME.test(f.name))
        failures.push({
          property: `${at}.name`,
          reason: `${JSON.stringify(f?.name)} is not a file name at the item root ([A-Za-z0-9._-], no directories: IA serves files at the item root)`,
        });
      else if (seen.has(f.name)) failures.push({ property: `${at}.name`, reason: `${f.name} is declared twice` });
      seen.add(f?.name);
      if (!isSha256Hex(f?.sha256)) failures.push({ property: `${at}.sha256`, reason: "expected 64 lowercase hex characters" });
      if (!isMd5Hex(f?.md5)) failures.push({ property: `${at}.md5`, reason: "expected 32 lowercase hex characters (IA verifies uploads by md5)" });
      if (!Number.isSafeInteger(f?.size) || f.size <= 0)
        failures.push({ property: `${at}.size`, reason: `${JSON.stringify(f?.size)} is not a positive byte count` });
      if (f?.source !== undefined && (typeof f.source !== "string" || f.source === ""))
        failures.push({ property: `${at}.source`, reason: "expected a local file path" });
    });
  }
  if (typeof inputs.metadata !== "object" || inputs.metadata === null || Array.isArray(inputs.metadata)) {
    failures.push({ property: "metadata", reason: "expected a record of key -> string or list of strings" });
  } else {
    for (const [key, value] of Object.entries(inputs.metadata)) {
      if (!METADATA_KEY.test(key)) failures.push({ property: `metadata.${key}`, reason: "expected a lowercase IA metadata key such as title or mediatype" });
      const ok = typeof value === "string" || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string"));
      if (!ok) failures.push({ property: `metadata.${key}`, reason: "expected a string or a non-empty list of strings" });
    }
  }
  return failures;
}

/**
 * The SHA256SUMS the item publishes when the declaration does not list one (publish_ia uploads
 * its own and declares it like any file): generated from the declared sha256 values, basename layout.
 */
export function declaredSha256Sums(inputs: IaItemInputs): Buffer {
  return Buffer.from(sha256sumsText(inputs.files.filter((f) => f.name !== SHA256SUMS)));
}

/**
 * The dynamic provider. Keys come from IA_ACCESS_KEY/IA_SECRET_KEY and endpoints from
 * IA_S3_URL/IA_URL, read at call time: the release stack holds no secret (docs/stacks.md), and
 * nothing secret is a field at program time, so nothing secret is serialized into `__provider`.
 * Without keys, reads (preview, refresh) are anonymous, as IA's metadata API allows.
 */
export class IaItemProvider implements pulumi.dynamic.ResourceProvider<IaItemInputs, IaItemOutputs> {
  private publisher(): ItemPublisher {
    const wait = Number(process.env.IA_TORRENT_WAIT_SECONDS ?? "120");
    // Smaller parts cost less on a flaky link; the default suits a GitHub runner.
    const partMib = Number(process.env.IA_PART_SIZE_MIB ?? "64");
    return new ItemPublisher({
      partSize: Math.round((Number.isFinite(partMib) && partMib > 0 ? partMib : 64) * MiB),
      endpoints: endpointsFromEnv(),
      credentials: credentialsFromEnv(),
      torrentWaitMs: (Number.isFinite(wait) ? wait : 120) * 1000,
      pollMs: Number(process.env.IA_POLL_MS ?? "5000"),
      log: (m) => process.stderr.write(`IaItem: ${m}\n`),
    });
  }

  private async publish(inputs: IaItemInputs): Promise<IaItemOutputs> {
    const declaresSums = inputs.files.some((f) => f.name === SHA256SUMS);
    const files: PublishFile[] = [
      ...inputs.files.map((f) => ({ name: f.name, md5: f.md5, size: f.size, source: f.source })),
      ...(declaresSums ? [] : [{ name: SHA256SUMS, source: declaredSha256Sums(inputs) }]),
    ];
    const result = await this.publisher().publish({ identifier: inputs.identifier, files, metadata: inputs.metadata });
    // downloadUrls lists the release files; SHA256SUMS has its own output.
    const { [SHA256SUMS]: sha256sumsUrl, ...downloadUrls } = result.downloadUrls;
    return { ...inputs, detailsUrl: result.detailsUrl, torrentUrl: result.torrentUrl, downloadUrls, sha256sumsUrl, warnings: [...result.warnings] };
  }

  async check(_olds: IaItemInputs, news: IaItemInputs): Promise<pulumi.dynamic.CheckResult<IaItemInputs>> {
    return { inputs: news, failures: iaItemFailures(news) };
  }

  async diff(_id: string, olds: IaItemOutputs, news: IaItemInputs): Promise<pulumi.dynamic.DiffResult> {
    const changed = (["identifier", "files", "metadata"] as const).filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    // Another identifier is another item; the old one stays on IA (retainOnDelete, delete is a no-op).
    return { changes: changed.length > 0, replaces: changed.includes("identifier") ? ["identifier"] : [], deleteBeforeReplace: false };
  }

  async create(inputs: IaItemInputs): Promise<pulumi.dynamic.CreateResult<IaItemOutputs>> {
    return { id: inputs.identifier, outs: await this.publish(inputs) };
  }

  async update(_id: string, _olds: IaItemOutputs, news: IaItemInputs): Promise<pulumi.dynamic.UpdateResult<IaItemOutputs>> {
    // Same path as create: files whose md5 matches are skipped, a changed checksum uploads the new
    // file (the old one kept in history/), metadata is patched in place through the metadata API.
    return { outs: await this.publish(news) };
  }

  async read(id: string, props?: IaItemOutputs): Promise<pulumi.dynamic.ReadResult<IaItemOutputs>> {
    if (!props) throw new Error(`IaItem ${id}: import is not supported; declare the release in Pulumi.<stack>.yaml instead`);
    const endpoints = endpointsFromEnv();
    const item = await this.publisher().metadataApi.getItem(id);
    if (!item) return { id, props: { ...props, torrentUrl: null } };
    // Refresh shows what IA holds now: files whose md5 differs read back as IA's md5 and size, so
    // the next preview shows an update; the torrent link appears once the derive has finished.
    const files = props.files.map((f) => {
      const r = item.files.find((x) => x.name === f.name);
      return r?.md5 && r.md5 !== f.md5 ? { ...f, md5: r.md5, size: r.size ?? f.size } : f;
    });
    const metadata = Object.fromEntries(
      Object.keys(props.metadata)
        .filter((k) => k in item.metadata)
        .map((k) => [k, item.metadata[k] as string | string[]]),
    );
    const torrent = torrentFileName(id);
    return {
      id,
      props: {
        ...props,
        files,
        metadata: { ...props.metadata, ...metadata },
        detailsUrl: itemDetailsUrl(endpoints, id),
        torrentUrl: item.files.some((f) => f.name === torrent) ? itemFileUrl(endpoints, id, torrent) : null,
      },
    };
  }

  async delete(id: string): Promise<void> {
    // Items are kept forever: past releases stay downloadable and their torrents keep seeding.
    process.stderr.write(
      `IaItem ${id}: removed from the stack only; the Internet Archive item ${itemDetailsUrl(endpointsFromEnv(), id)} is kept (IA items are never deleted by this program)\n`,
    );
  }
}

export interface IaItemArgs {
  readonly identifier: pulumi.Input<string>;
  readonly files: pulumi.Input<pulumi.Input<IaItemFile>[]>;
  readonly metadata: pulumi.Input<Record<string, pulumi.Input<string | string[]>>>;
}

export class IaItem extends pulumi.dynamic.Resource {
  declare readonly identifier: pulumi.Output<string>;
  declare readonly detailsUrl: pulumi.Output<string>;
  declare readonly torrentUrl: pulumi.Output<string | null>;
  declare readonly downloadUrls: pulumi.Output<Record<string, string>>;
  declare readonly sha256sumsUrl: pulumi.Output<string>;
  declare readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: IaItemArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      new IaItemProvider(),
      name,
      { ...args, detailsUrl: undefined, torrentUrl: undefined, downloadUrls: undefined, sha256sumsUrl: undefined, warnings: undefined },
      opts,
      "margine",
      "IaItem",
    );
  }
}
