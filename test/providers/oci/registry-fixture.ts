// Shared by the OCI tests: one local registry per file, images pushed with skopeo, and skopeo as the
// independent checker of where tags point (never our own client checking itself).
import { createHash } from "node:crypto";
import { requireTool, runTool } from "../../../fixtures/system-tool";

/** The raw manifest a tag resolves to, read by skopeo, with the digest of exactly those bytes. */
export function inspectRaw(host: string, repository: string, tag: string): { digest: string; manifest: { mediaType?: string; manifests?: unknown[] } } {
  const skopeo = requireTool("skopeo", "skopeo");
  const raw = runTool(skopeo, ["inspect", "--tls-verify=false", "--raw", `docker://${host}/${repository}:${tag}`]);
  return { digest: `sha256:${createHash("sha256").update(raw).digest("hex")}`, manifest: JSON.parse(raw) };
}

/** Where a tag points according to skopeo, or null when skopeo cannot find it. */
export function skopeoDigest(host: string, repository: string, tag: string): string | null {
  try {
    return inspectRaw(host, repository, tag).digest;
  } catch (err) {
    if (/manifest unknown|not found/i.test(String((err as { stderr?: string }).stderr ?? err))) return null;
    throw err;
  }
}
