// OCI distribution operations (manifest get/head/put/delete, blob get, tag list) over the transport.
// Plain TypeScript, no @pulumi/pulumi: used by the Promotion provider, the promote and retention
// CLIs and the staleness watchdog. Manifests travel as raw bytes: re-serialized JSON has another
// digest (docs/protocols.md), and the digest is what cosign signed and smoke-boot booted.
import { createHash } from "node:crypto";
import { notJsonReason } from "../http-timeouts";
import { RegistryError } from "./errors";
import { MANIFEST_ACCEPT, manifestMediaType } from "./media-types";
import { RegistryEndpoint, RegistryResponse, RegistryTransport } from "./transport";

export interface Manifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

export interface ManifestDescriptor {
  readonly digest: string;
  readonly mediaType: string;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The OCI error body's first code and message, for error texts. */
function registryErrorText(res: RegistryResponse): { code?: string; text: string } {
  try {
    const first = (JSON.parse(res.body.toString("utf8")) as { errors?: { code?: string; message?: string; detail?: unknown }[] }).errors?.[0];
    if (first) return { code: first.code, text: `HTTP ${res.status} ${first.code ?? ""}: ${first.message ?? ""}`.trim() };
  } catch {
    // not an OCI error body
  }
  const html = /html/i.test(res.headers.get("content-type") ?? "") || /^\s*<(!doctype|html)/i.test(res.body.subarray(0, 64).toString("utf8"));
  return { text: html ? `HTTP ${res.status}, ${notJsonReason(res.headers.get("content-type"), res.body)}` : `HTTP ${res.status}` };
}

/** A JSON answer, or a RegistryError saying what came instead (an HTML page, garbage). */
function jsonOf<T>(res: RegistryResponse, ref: string, what: string): T {
  try {
    return JSON.parse(res.body.toString("utf8")) as T;
  } catch {
    throw new RegistryError(ref, res.status, `${what}: the registry ${notJsonReason(res.headers.get("content-type"), res.body)}`);
  }
}

export class RegistryClient {
  private readonly transport: RegistryTransport;

  constructor(readonly endpoint: RegistryEndpoint) {
    this.transport = new RegistryTransport(endpoint);
  }

  /** HTTP requests sent so far, token requests and retries included. */
  get requestCount(): number {
    return this.transport.requestCount;
  }

  private ref(repository: string, reference: string): string {
    return `${this.endpoint.registry}/${repository}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`;
  }

  private fail(what: string, ref: string, res: RegistryResponse): never {
    const { code, text } = registryErrorText(res);
    throw new RegistryError(ref, res.status, `${what} failed: ${text}`, code);
  }

  /** The manifest's raw bytes; when fetched by digest, the bytes are checked against it. */
  async getManifest(repository: string, reference: string): Promise<Manifest> {
    const ref = this.ref(repository, reference);
    const res = await this.transport.send({
      method: "GET",
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      reference: ref,
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status !== 200) this.fail("getting the manifest", ref, res);
    jsonOf(res, ref, "getting the manifest");
    const digest = sha256Digest(res.body);
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new RegistryError(ref, res.status, `the registry returned bytes with digest ${digest}`);
    }
    return { bytes: res.body, mediaType: manifestMediaType(res.body, res.headers.get("content-type")), digest };
  }

  /** Where a tag (or digest) points, or undefined when it does not exist. */
  async headManifest(repository: string, reference: string): Promise<ManifestDescriptor | undefined> {
    const ref = this.ref(repository, reference);
    const res = await this.transport.send({
      method: "HEAD",
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      reference: ref,
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) this.fail("resolving the manifest", ref, res);
    const digest = res.headers.get("docker-content-digest");
    // Docker-Content-Digest is optional per spec: without it, hash the body ourselves.
    if (!digest) return this.getManifest(repository, reference);
    return { digest, mediaType: manifestMediaType(Buffer.alloc(0), res.headers.get("content-type")) };
  }

  /** Stores `bytes` under `tag` with their own media type; returns the digest the registry reports. */
  async putManifest(repository: string, tag: string, manifest: { bytes: Buffer; mediaType: string }): Promise<string> {
    const ref = this.ref(repository, tag);
    const res = await this.transport.send({
      method: "PUT",
      path: `/v2/${repository}/manifests/${tag}`,
      repository,
      reference: ref,
      headers: { "content-type": manifest.mediaType },
      body: manifest.bytes,
    });
    if (res.status !== 201 && res.status !== 200) this.fail("putting the manifest", ref, res);
    return res.headers.get("docker-content-digest") ?? sha256Digest(manifest.bytes);
  }

  /** Deletes a manifest by digest: on a plain registry this removes EVERY tag pointing at it. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const ref = this.ref(repository, digest);
    const res = await this.transport.send({ method: "DELETE", path: `/v2/${repository}/manifests/${digest}`, repository, reference: ref });
    if (res.status !== 202 && res.status !== 200 && res.status !== 404) this.fail("deleting the manifest", ref, res);
  }

  /** A blob (e.g. the image config, whose `created` the staleness watchdog reads), checked against its digest. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const ref = this.ref(repository, digest);
    const res = await this.transport.send({ method: "GET", path: `/v2/${repository}/blobs/${digest}`, repository, reference: ref });
    if (res.status !== 200) this.fail("getting the blob", ref, res);
    if (sha256Digest(res.body) !== digest) throw new RegistryError(ref, res.status, `blob bytes hash to ${sha256Digest(res.body)}`);
    return res.body;
  }

  /** Every tag of the repository, following `Link: rel="next"` pages; [] for an unknown repository. */
  async listTags(repository: string): Promise<string[]> {
    const ref = `${this.endpoint.registry}/${repository}`;
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    while (path) {
      const res = await this.transport.send({ method: "GET", path, repository, reference: ref });
      if (res.status === 404) return tags;
      if (res.status !== 200) this.fail("listing tags", ref, res);
      tags.push(...(jsonOf<{ tags?: string[] | null }>(res, ref, "listing tags").tags ?? []));
      const next = /<([^>]+)>;\s*rel="?next"?/.exec(res.headers.get("link") ?? "");
      path = next ? new URL(next[1], "http://registry").pathname + new URL(next[1], "http://registry").search : undefined;
    }
    return tags;
  }
}
