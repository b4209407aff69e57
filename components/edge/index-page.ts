// The edge's index.html, rendered from the declared ISO releases (handbook 11.2/11.3): the newest
// release with its IA details page, direct HTTP download, SHA256SUMS and the edge copy, plus its
// .torrent once IA has derived it; older releases link to IA, which keeps them forever. No magnet
// link: handbook 11.3 retired the magnet button because the preinstalled torrent client rejected
// valid magnets.
import { IsoRelease, ReleaseState, latestIso } from "../../config/release-state";
import { IaEndpoints, PUBLIC_IA } from "../../providers/ia/endpoints";
import { ISO_RETENTION_DAYS } from "./edge-layout";
import { ReleaseLinks, releaseLinks } from "./release-links";

export interface IndexPageOptions {
  readonly release: ReleaseState;
  /** The DNS-only host that serves the ISO copy (never through Cloudflare's proxy). */
  readonly fallbackHost: string;
  /** The Internet Archive the links point at: the public one, or a local stand-in in tests. */
  readonly ia?: Pick<IaEndpoints, "iaUrl">;
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

/**
 * Handbook 11.2: IA derives the torrent some time after the upload, and until it has, the page
 * degrades to HTTP links with a warning. The page is rendered at release time and cannot know
 * when that happens, so it asks IA's metadata API in the browser: the torrent link appears only
 * once the item lists the file, never as a dead link. Without JavaScript the warning stays and
 * the details page lists the torrent once it exists.
 */
function torrentScript(links: ReleaseLinks): string {
  return `    <script>
      (async () => {
        try {
          const reply = await fetch(${JSON.stringify(links.metadata)}, { cache: "no-store" });
          const item = await reply.json();
          if (!(item.files || []).some((f) => f.name === ${JSON.stringify(links.torrentName)})) return;
          const a = document.createElement("a");
          a.id = "torrent";
          a.href = ${JSON.stringify(links.torrent)};
          a.textContent = "Torrent (.torrent, seeded by the Internet Archive)";
          const li = document.getElementById("torrent-item");
          li.replaceChildren(a);
          li.hidden = false;
          document.getElementById("torrent-pending").hidden = true;
        } catch (err) {
          // IA unreachable: the HTTP links and the warning stay.
        }
      })();
    </script>`;
}

function latestSection(iso: IsoRelease, fallbackHost: string, ia: Pick<IaEndpoints, "iaUrl">): string {
  const links = releaseLinks(iso, ia);
  const edgeCopy = `https://${fallbackHost}/${encodeURIComponent(links.iso.name)}`;
  const a = (href: string, id: string, text: string) => `<a id="${id}" href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
  return `    <section id="latest">
      <h2>Margine ${dashed(iso.date)}</h2>
      <p>${escapeHtml(links.iso.name)} &middot; ${humanSize(links.iso.size)} &middot; sha256 <code>${links.iso.sha256}</code></p>
      <ul class="downloads">
        <li id="torrent-item" hidden></li>
        <li id="torrent-pending" class="warning">The torrent is not listed yet: the Internet Archive makes it some time after the upload. Use the direct HTTP download meanwhile; the details page lists the torrent once it exists.</li>
        <li>${a(links.download, "download", "Direct HTTP download (Internet Archive)")}</li>
        <li>${a("SHA256SUMS", "sha256sums", "SHA256SUMS")} &mdash; download it next to the ISO and run <code>sha256sum -c SHA256SUMS</code></li>
        <li>${a(links.details, "details", "Internet Archive details page (all mirrors)")}</li>
        <li>${a(
          edgeCopy,
          "edge-copy",
          "Edge copy (our own server: one download at a time, slower; kept until " + `${ISO_RETENTION_DAYS} days after the next release)`,
        )}</li>
      </ul>
${torrentScript(links)}
    </section>`;
}

function olderSection(isos: readonly IsoRelease[], ia: Pick<IaEndpoints, "iaUrl">): string {
  if (isos.length === 0) return "";
  const items = isos.map((iso) => `        <li><a href="${escapeHtml(releaseLinks(iso, ia).details)}">Margine ${dashed(iso.date)}</a></li>`).join("\n");
  return `
    <section id="older">
      <h2>Older releases (Internet Archive)</h2>
      <ul>
${items}
      </ul>
    </section>`;
}

export function renderIndexHtml(options: IndexPageOptions): string {
  const ia = options.ia ?? PUBLIC_IA;
  const newest = latestIso(options.release);
  const older = [...options.release.isos].filter((i) => i !== newest).sort((a, b) => b.date.localeCompare(a.date));
  const body = newest
    ? latestSection(newest, options.fallbackHost, ia) + olderSection(older, ia)
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
      .warning { color: #8a5a00; }
    </style>
  </head>
  <body>
    <h1>Margine ISO downloads</h1>
${body}
  </body>
</html>
`;
}
