// The independent peers of the signature tests, built from pinned Go modules by
// scripts/install-peers.sh into .tools/peers/<name>-<version>/bin: the real cosign (signer and
// second verifier) and image-policy-copy (containers/image's own policy check, as bootc pulls).
// A missing peer fails the test naming the install command: never a skip.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const PEERS = path.join(ROOT, ".tools", "peers");

/** The version scripts/install-peers.sh pins for a peer. */
function pinnedVersion(name: "cosign" | "image-policy-copy"): string {
  if (name === "cosign") {
    const m = /^COSIGN_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(ROOT, "scripts", "install-peers.sh"), "utf8"));
    if (!m) throw new Error("scripts/install-peers.sh pins no COSIGN_VERSION");
    return m[1];
  }
  const m = /go\.podman\.io\/image\/v5 (v\S+)/.exec(fs.readFileSync(path.join(ROOT, "tools", "peers", "image-policy-copy", "go.mod"), "utf8"));
  if (!m) throw new Error("tools/peers/image-policy-copy/go.mod requires no go.podman.io/image/v5");
  return m[1];
}

export function requirePeer(name: "cosign" | "image-policy-copy"): string {
  const binary = path.join(PEERS, `${name}-${pinnedVersion(name)}`, "bin", name);
  if (!fs.existsSync(binary))
    throw new Error(
      `${name} ${pinnedVersion(name)} is not built: run scripts/install-peers.sh (scripts/ci.sh does) to build it into ${path.relative(ROOT, path.dirname(binary))}`,
    );
  return binary;
}

export interface PeerResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a peer to completion within `timeoutMs` (killed past it, and the result says so). */
export function runPeer(binary: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      stderr += `\n[killed after ${options.timeoutMs ?? 60_000} ms]`;
    }, options.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Puts `cosign` and `skopeo` in `bin` for workflow steps run against the loopback registry: the real
 * tools, with only what a plain-HTTP registry and an offline machine need added (GHCR is https,
 * and a runner reaches Rekor). Every other argument is the step's own.
 */
export function loopbackRegistryTools(bin: string, skopeo: string): void {
  const cosign = requirePeer("cosign");
  const http = "--allow-insecure-registry --allow-http-registry";
  const wrapper = [
    "#!/usr/bin/env bash",
    'cmd="$1"; shift',
    'case "$cmd" in',
    `  sign | attest) exec ${cosign} "$cmd" ${http} --tlog-upload=false "$@" ;;`,
    `  verify) exec ${cosign} verify ${http} --insecure-ignore-tlog=true "$@" ;;`,
    `  *) exec ${cosign} "$cmd" "$@" ;;`,
    "esac",
    "",
  ].join("\n");
  fs.writeFileSync(path.join(bin, "cosign"), wrapper, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "skopeo"), `#!/usr/bin/env bash\ncmd="$1"; shift\nexec ${skopeo} "$cmd" --tls-verify=false "$@"\n`, { mode: 0o755 });
}
