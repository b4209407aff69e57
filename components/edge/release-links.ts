// The public URLs of an ISO release on the Internet Archive. One function, used by the edge
// index page and the Cloudflare "latest ISO" redirect, so both follow the declared releases
// (handbook 11.3: every release URL derives from one source of truth, like LATEST_ISO_DATE).
import { IsoFile, IsoRelease } from "../../config/release-state";
import { IaEndpoints, PUBLIC_IA, itemDetailsUrl, itemFileUrl, torrentFileName } from "../../providers/ia/endpoints";
import { SHA256SUMS } from "../../providers/ia/sha256sums";

export interface ReleaseLinks {
  /** IA details page: the item, its mirrors and its history. */
  readonly details: string;
  /** The torrent IA derives and seeds forever. No magnet: handbook 11.3 retired the button. */
  readonly torrent: string;
  /** Its file name in the item, which exists only once IA's derive has made it. */
  readonly torrentName: string;
  /** The item's metadata API (file list): where a page learns whether the torrent exists yet. */
  readonly metadata: string;
  /** Direct HTTP download of the ISO from IA. */
  readonly download: string;
  /** SHA256SUMS next to the ISO at the item root (the published layout, basename only). */
  readonly sha256sums: string;
  readonly iso: IsoFile;
}

/** The .iso file of a release: exactly one is expected; the other files are companions. */
export function isoFileOf(release: IsoRelease): IsoFile {
  const isos = release.files.filter((f) => f.name.endsWith(".iso"));
  if (isos.length !== 1) {
    throw new Error(
      `ISO release ${release.date} (${release.identifier}) declares ${isos.length} .iso files ` +
        `(${release.files.map((f) => f.name).join(", ")}); declare exactly one .iso per release`,
    );
  }
  return isos[0];
}

/** `ia` is the public Internet Archive except in tests, which point a page at a local stand-in. */
export function releaseLinks(release: IsoRelease, ia: Pick<IaEndpoints, "iaUrl"> = PUBLIC_IA): ReleaseLinks {
  // Identifiers are [A-Za-z0-9._-] (grammar/values.ts): nothing in them needs URL encoding.
  const id = release.identifier;
  const iso = isoFileOf(release);
  return {
    details: itemDetailsUrl(ia, id),
    torrent: itemFileUrl(ia, id, torrentFileName(id)),
    torrentName: torrentFileName(id),
    metadata: `${ia.iaUrl}/metadata/${id}`,
    download: itemFileUrl(ia, id, iso.name),
    sha256sums: itemFileUrl(ia, id, SHA256SUMS),
    iso,
  };
}
