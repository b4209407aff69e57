// Debian's docker-registry (CNCF distribution 2.8) on loopback with a throwaway storage directory,
// and a test image pusher that writes an OCI layout by hand and pushes it with skopeo
// (docs/protocols.md, "Local test registry"). No docker daemon needed.
import { ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { requireTool, runTool } from "../support/system-tool";
import { onFreePort } from "../support/ports";

export interface LocalRegistry {
  /** 127.0.0.1:PORT */
  readonly host: string;
  stop(): Promise<void>;
}


export async function startRegistry(): Promise<LocalRegistry> {
  const binary = requireTool("docker-registry", "docker-registry");
  return onFreePort((port) => startRegistryOn(binary, port));
}

async function startRegistryOn(binary: string, port: number): Promise<LocalRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "margine-registry-"));
  const host = `127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: {level: error}",
      "storage:",
      `  filesystem: {rootdirectory: ${path.join(dir, "storage")}}`,
      "  delete: {enabled: true}",
      `http: {addr: "${host}"}`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(binary, ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    }
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`docker-registry did not answer on ${host} within 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestImageOptions {
  /** ISO time written as the config's `created` (what the staleness watchdog reads). */
  readonly created?: string;
  /** e.g. ["linux/amd64", "linux/arm64"]: more than one makes an OCI index. */
  readonly platforms?: string[];
  /** Varies the layer bytes, hence every digest: two seeds, two different images. */
  readonly seed?: string;
}

function sha(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes a blob into the layout and returns its descriptor. */
function writeBlob(layout: string, mediaType: string, bytes: Buffer): { mediaType: string; digest: string; size: number } {
  const hex = sha(bytes);
  fs.writeFileSync(path.join(layout, "blobs", "sha256", hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** A one-file tar archive, enough for a layer that any registry and skopeo accept. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(content.length.toString(8).padStart(11, "0") + "\0", 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0" + "00", 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

export async function pushTestImage(host: string, repository: string, tag: string, options: TestImageOptions = {}): Promise<{ digest: string }> {
  const skopeo = requireTool("skopeo", "skopeo");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-image-"));
  try {
    const layout = path.join(work, "layout");
    fs.mkdirSync(path.join(layout, "blobs", "sha256"), { recursive: true });
    fs.writeFileSync(path.join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const created = options.created ?? new Date().toISOString();
    const platforms = options.platforms ?? ["linux/amd64"];
    const manifests = platforms.map((platform) => {
      const [osName, architecture] = platform.split("/");
      const tar = tarOf("etc/os-release", Buffer.from(`NAME=Margine\nVARIANT=${options.seed ?? "test"}\nPLATFORM=${platform}\n`));
      const layer = writeBlob(layout, "application/vnd.oci.image.layer.v1.tar+gzip", gzipSync(tar));
      const config = writeBlob(layout, "application/vnd.oci.image.config.v1+json", Buffer.from(JSON.stringify({
        created, architecture, os: osName, config: { Labels: { "containers.bootc": "1" } },
        rootfs: { type: "layers", diff_ids: [`sha256:${sha(tar)}`] },
      })));
      const manifest = writeBlob(layout, "application/vnd.oci.image.manifest.v1+json", Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer],
      })));
      return { ...manifest, platform: { architecture, os: osName } };
    });
    const top = manifests.length === 1
      ? { mediaType: manifests[0].mediaType, digest: manifests[0].digest, size: manifests[0].size }
      : writeBlob(layout, "application/vnd.oci.image.index.v1+json", Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests,
      })));
    fs.writeFileSync(path.join(layout, "index.json"), JSON.stringify({
      schemaVersion: 2, manifests: [{ ...top, annotations: { "org.opencontainers.image.ref.name": tag } }],
    }));
    fs.writeFileSync(path.join(work, "policy.json"), JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
    const digestFile = path.join(work, "digest");
    runTool(skopeo, [
      "--policy", path.join(work, "policy.json"), "copy", ...(manifests.length > 1 ? ["--all"] : []),
      "--dest-tls-verify=false", "--preserve-digests", "--digestfile", digestFile,
      `oci:${layout}:${tag}`, `docker://${host}/${repository}:${tag}`,
    ]);
    const digest = fs.readFileSync(digestFile, "utf8").trim();
    if (digest !== top.digest) throw new Error(`skopeo pushed ${digest}, the layout's manifest is ${top.digest}`);
    return { digest };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
