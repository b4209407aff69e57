// Cache rules (phase http_request_cache_settings). The index page and SHA256SUMS change with each
// release, so Cloudflare keeps them only briefly; an .iso is never cached or served by the proxy
// (handbook 11.2, Cloudflare Free) - the redirect rules send it to the DNS-only host, and this
// rule makes sure that if one ever slips through it is not stored.
import { ZoneHosts } from "./hosts";

/** Edge TTL of index.html and SHA256SUMS: a release shows up within five minutes. */
export const SHORT_EDGE_TTL_SECONDS = 300;
export const SHORT_BROWSER_TTL_SECONDS = 60;

export interface CacheRule {
  readonly ref: string;
  readonly description: string;
  readonly expression: string;
  readonly action: "set_cache_settings";
  readonly actionParameters: {
    readonly cache: boolean;
    readonly edgeTtl?: { readonly mode: "override_origin"; readonly default: number };
    readonly browserTtl?: { readonly mode: "override_origin"; readonly default: number };
  };
  readonly enabled: true;
}

/**
 * Any ISO download. The standard field (lowercased extension) rather than ends_with(), whose
 * availability in filter expressions depends on the plan: this zone is on Cloudflare Free.
 */
export const ISO_PATH = 'http.request.uri.path.extension eq "iso"';

export function cacheRules(hosts: ZoneHosts): CacheRule[] {
  return [
    {
      ref: "margine_index_and_sums_short",
      description: "index.html and SHA256SUMS: cached briefly, they change with every release",
      expression: `(http.host eq "${hosts.filesHost}" and http.request.uri.path in {"/" "/index.html" "/SHA256SUMS"})`,
      action: "set_cache_settings",
      actionParameters: {
        cache: true,
        edgeTtl: { mode: "override_origin", default: SHORT_EDGE_TTL_SECONDS },
        browserTtl: { mode: "override_origin", default: SHORT_BROWSER_TTL_SECONDS },
      },
      enabled: true,
    },
    {
      ref: "margine_iso_never_cached",
      description: "ISOs never through the proxy (Cloudflare Free terms): bypass the cache",
      expression: `(${ISO_PATH})`,
      action: "set_cache_settings",
      actionParameters: { cache: false },
      enabled: true,
    },
  ];
}
