// SHA256SUMS for the edge, rendered from the declared release. Handbook 11.2 lesson: the paths
// must match the published layout, so every line names the basename only and `sha256sum -c`
// passes next to the files, on IA's item root and in the edge's ISO directory alike.
import { IsoRelease } from "../../config/release-state";
import { SHA256SUMS, sha256sumsText } from "../../providers/ia/sha256sums";

/**
 * `sha256sum` text format: "<hex>  <basename>\n" per file of the release, sorted by name, except
 * SHA256SUMS itself. build-disk declares its SHA256SUMS as a release file, but a checksum file
 * cannot list its own hash (writing the line changes the hash), so `sha256sum -c SHA256SUMS`
 * would always fail on that line: the handbook's end-user contract. The result is the same text
 * build-disk publishes on IA, so the two copies are byte-identical.
 */
export function renderSha256Sums(release: IsoRelease | undefined): string {
  if (!release) return "";
  const listed = release.files.filter((f) => f.name !== SHA256SUMS);
  return sha256sumsText([...listed].sort((a, b) => a.name.localeCompare(b.name)));
}
