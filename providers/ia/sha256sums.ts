// SHA256SUMS for the published layout. Handbook 11.2, "SHA256SUMS paths must match the published
// layout": IA serves every file at the item root, so each line names the file by its basename only,
// and `sha256sum -c SHA256SUMS` passes when the user downloads the ISO and SHA256SUMS as siblings.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isSha256Hex } from "../../grammar/values";
import { ProviderError } from "../provider-error";

export const SHA256SUMS = "SHA256SUMS";

export interface ChecksumEntry {
  readonly name: string;
  readonly sha256: string;
}

/** The file text: `<hex>  <basename>` per entry, in the given order, coreutils' text-mode layout. */
export function sha256sumsText(entries: readonly ChecksumEntry[]): string {
  return entries
    .map((e) => {
      const base = path.basename(e.name);
      // A path (bootiso/install.iso) is published by its basename, never the build-side directory.
      if (/[\\\n]/.test(base)) throw new ProviderError(`${e.name}: a file name with a backslash or newline cannot be listed in SHA256SUMS`, "Sha256SumsError");
      if (!isSha256Hex(e.sha256)) throw new ProviderError(`${e.name}: sha256 ${e.sha256} is not 64 lowercase hex characters`, "Sha256SumsError");
      return `${e.sha256}  ${base}\n`;
    })
    .join("");
}

/** Streams a file through sha256 in large reads (the ISO is 5-9 GB; it is never held in memory). */
export async function fileSha256(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  const stream = fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
