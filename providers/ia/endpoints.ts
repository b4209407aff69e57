// Where the Internet Archive lives, and the public URLs of an item. Both hosts come from the
// environment at call time (IA_S3_URL, IA_URL) so tests and the benchmark point everything -
// including the provider running inside Pulumi's host process - at a local emulator.

export interface IaEndpoints {
  /** The S3-like upload endpoint, https://s3.us.archive.org. */
  readonly s3Url: string;
  /** The site: metadata API, tasks API, details and download pages, https://archive.org. */
  readonly iaUrl: string;
}

/** The public Internet Archive: what rendered files (edge index, redirects) always link to. */
export const PUBLIC_IA: IaEndpoints = { s3Url: "https://s3.us.archive.org", iaUrl: "https://archive.org" };

export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): IaEndpoints {
  return {
    s3Url: (env.IA_S3_URL || PUBLIC_IA.s3Url).replace(/\/+$/, ""),
    iaUrl: (env.IA_URL || PUBLIC_IA.iaUrl).replace(/\/+$/, ""),
  };
}

/** Item URLs need only the site half of the endpoints. */
type IaSite = Pick<IaEndpoints, "iaUrl">;

export function itemDetailsUrl(endpoints: IaSite, identifier: string): string {
  return `${endpoints.iaUrl}/details/${identifier}`;
}

export function itemFileUrl(endpoints: IaSite, identifier: string, name: string): string {
  return `${endpoints.iaUrl}/download/${identifier}/${encodeURIComponent(name)}`;
}

/** The derive task writes the torrent under this name; it appears in the item's file list. */
export function torrentFileName(identifier: string): string {
  return `${identifier}_archive.torrent`;
}
