// The notes of an ISO release pull request: what was uploaded, how big it is against the previous
// ISO, the checksums a user will compare, and the links the site will publish. Pure: the caller
// reads the previous release from the stack file before it adds this one.
import { escapeText, formatBytes } from "./markdown";

export interface IsoReleaseFacts {
  readonly date: string;
  readonly identifier: string;
  readonly files: readonly { readonly name: string; readonly sha256: string; readonly size: number }[];
}

/** The .iso of a release: the file users download (SHA256SUMS and the rest ride along). */
const isoOf = (release: IsoReleaseFacts | undefined) => release?.files.find((f) => f.name.endsWith(".iso"));

export function renderIsoNotes(release: IsoReleaseFacts, previous: IsoReleaseFacts | undefined, torrent: string | undefined): string {
  const iso = isoOf(release);
  const before = isoOf(previous);
  const item = `https://archive.org/details/${encodeURIComponent(release.identifier)}`;
  const change =
    iso && before
      ? `${formatBytes(before.size)} → ${formatBytes(iso.size)} (${iso.size >= before.size ? "+" : "−"}${formatBytes(Math.abs(iso.size - before.size))} against ${escapeText(previous!.date)})`
      : iso
        ? `${formatBytes(iso.size)} (the first ISO release)`
        : "no .iso file in this release";
  return [
    `## ISO release ${escapeText(release.date)}`,
    "",
    `- **ISO size:** ${change}`,
    `- **Internet Archive item:** [${escapeText(release.identifier)}](${item})`,
    `- **Torrent:** ${torrent ? `[${escapeText(torrent.split("/").pop() ?? torrent)}](${torrent})` : "not derived by IA yet: HTTP links only until it is"}`,
    "",
    "| file | size | sha256 |",
    "|---|---|---|",
    ...release.files.map((f) => `| ${escapeText(f.name)} | ${formatBytes(f.size)} | \`${f.sha256}\` |`),
    "",
  ].join("\n");
}
