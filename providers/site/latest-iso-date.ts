// The site's single release variable (handbook 11.3): src/routes/index.tsx derives the four release
// URLs (IA details, .torrent, direct HTTP, SHA256SUMS) from one constant, LATEST_ISO_DATE. Release
// automation is a single-variable bump, so these functions touch that constant and nothing else.
// Pure text functions: no @pulumi/pulumi, used by the site-bump client, the provider and the tests.
import { ProviderError } from "../provider-error";

/** Where the site declares the constant, and whose API serves it (the SiteRelease and the watch read the same file). */
export const DEFAULT_SITE_PATH = "src/routes/index.tsx";
export const GITHUB_API_URL = "https://api.github.com";

// `LATEST_ISO_DATE = "20260608"`, optionally exported, typed and with any quote style.
const CONSTANT = /(\bLATEST_ISO_DATE\s*(?::\s*string\s*)?=\s*)(["'`])(\d{8})\2/g;

export class SiteSourceError extends ProviderError {
  constructor(message: string) {
    super(message, "SiteSourceError");
  }
}

/** The date the source declares; fails unless the constant appears exactly once. */
export function readLatestIsoDate(source: string, where: string): string {
  const matches = [...source.matchAll(CONSTANT)];
  if (matches.length !== 1) {
    throw new SiteSourceError(
      `${where}: expected exactly one \`LATEST_ISO_DATE = "YYYYMMDD"\`, found ${matches.length}; ` +
        "the site derives every release URL from that one constant, so fix the file by hand first",
    );
  }
  return matches[0][3];
}

/** The same source with only the constant's value replaced: the release PR's whole diff. */
export function withLatestIsoDate(source: string, date: string, where: string): string {
  readLatestIsoDate(source, where);
  return source.replace(CONSTANT, (_m, head: string, quote: string) => `${head}${quote}${date}${quote}`);
}
