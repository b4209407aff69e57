// The edge's index.html, rendered from the declared ISO releases (handbook 11.2/11.3): the newest
// release with its IA details page, .torrent, direct HTTP download and SHA256SUMS, plus the 7-day
// edge copy; older releases link to IA, which keeps them forever. No magnet link: handbook 11.3
// retired the magnet button because the preinstalled torrent client rejected valid magnets.
import { IsoRelease, ReleaseState, latestIso } from "../../config/release-state";
import { ISO_RETENTION_DAYS } from "./edge-layout";
import { fallbackUntil, releaseLinks } from "./release-links";

export interface IndexPageOptions {
  readonly release: ReleaseState;
  /** The DNS-only host that serves the 7-day ISO copy (never through Cloudflare's proxy). */
  readonly fallbackHost: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

function humanSize(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function dashed(date: string): string {
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
}

function latestSection(iso: IsoRelease, fallbackHost: string): string {
  const links = releaseLinks(iso);
  const edgeCopy = `https://${fallbackHost}/${encodeURIComponent(links.iso.name)}`;
  const a = (href: string, id: string, text: string) => `<a id="${id}" href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
  return `    <section id="latest">
      <h2>Margine ${dashed(iso.date)}</h2>
      <p>${escapeHtml(links.iso.name)} &middot; ${humanSize(links.iso.size)} &middot; sha256 <code>${links.iso.sha256}</code></p>
      <ul class="downloads">
        <li>${a(links.torrent, "torrent", "Torrent (.torrent, seeded by the Internet Archive)")}</li>
        <li>${a(links.download, "download", "Direct HTTP download (Internet Archive)")}</li>
        <li>${a("SHA256SUMS", "sha256sums", "SHA256SUMS")} &mdash; download it next to the ISO and run <code>sha256sum -c SHA256SUMS</code></li>
        <li>${a(links.details, "details", "Internet Archive details page (all mirrors)")}</li>
        <li>${a(edgeCopy, "edge-copy", `Edge copy (kept until ${fallbackUntil(iso.date, ISO_RETENTION_DAYS)})`)}</li>
      </ul>
    </section>`;
}

function olderSection(isos: readonly IsoRelease[]): string {
  if (isos.length === 0) return "";
  const items = isos
    .map((iso) => `        <li><a href="${escapeHtml(releaseLinks(iso).details)}">Margine ${dashed(iso.date)}</a></li>`)
    .join("\n");
  return `
    <section id="older">
      <h2>Older releases (Internet Archive)</h2>
      <ul>
${items}
      </ul>
    </section>`;
}

export function renderIndexHtml(options: IndexPageOptions): string {
  const newest = latestIso(options.release);
  const older = [...options.release.isos].filter((i) => i !== newest).sort((a, b) => b.date.localeCompare(a.date));
  const body = newest
    ? latestSection(newest, options.fallbackHost) + olderSection(older)
    : `    <section id="latest">\n      <p>No ISO has been released yet.</p>\n    </section>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Margine ISO downloads</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
      code { word-break: break-all; }
      .downloads li { margin: 0.4rem 0; }
    </style>
  </head>
  <body>
    <h1>Margine ISO downloads</h1>
${body}
  </body>
</html>
`;
}
