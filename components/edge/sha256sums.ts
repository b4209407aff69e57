// SHA256SUMS for the edge, rendered from the declared release. Handbook 11.2 lesson: the paths
// must match the published layout, so every line names the basename only and `sha256sum -c`
// passes next to the files, on IA's item root and in the edge's ISO directory alike.
import { IsoRelease } from "../../config/release-state";
import { sha256sumsText } from "../../providers/ia/sha256sums";

/** `sha256sum` text format: "<hex>  <basename>\n" per file of the release, sorted by name. */
export function renderSha256Sums(release: IsoRelease | undefined): string {
  if (!release) return "";
  return sha256sumsText([...release.files].sort((a, b) => a.name.localeCompare(b.name)));
}
