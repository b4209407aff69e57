// Redirect rules (phase http_request_dynamic_redirect), evaluated at Cloudflare's edge:
// - a stable "latest ISO" URL that points at the newest declared release's IA download, from the
//   same release state as LATEST_ISO_DATE (handbook 11.3: one source of truth);
// - any other .iso on the proxied host goes to the DNS-only fallback host, so ISO bytes never
//   cross the proxy (handbook 11.2, Cloudflare Free).
import { ReleaseState, latestIso } from "../../config/release-state";
import { releaseLinks } from "../edge/release-links";
import { ISO_PATH } from "./cache-rules";
import { ZoneHosts } from "./hosts";

export const LATEST_ISO_PATH = "/latest.iso";

export interface RedirectRule {
  readonly ref: string;
  readonly description: string;
  readonly expression: string;
  readonly action: "redirect";
  readonly actionParameters: {
    readonly fromValue: {
      readonly statusCode: 302;
      readonly preserveQueryString: false;
      readonly targetUrl: { readonly value?: string; readonly expression?: string };
    };
  };
  readonly enabled: true;
}

export function redirectRules(hosts: ZoneHosts, release: ReleaseState): RedirectRule[] {
  const rules: RedirectRule[] = [];
  const newest = latestIso(release);
  if (newest) {
    rules.push({
      ref: "margine_latest_iso",
      description: `latest ISO: ${newest.date} on the Internet Archive (${newest.identifier})`,
      expression: `(http.host eq "${hosts.filesHost}" and http.request.uri.path eq "${LATEST_ISO_PATH}")`,
      action: "redirect",
      actionParameters: { fromValue: { statusCode: 302, preserveQueryString: false, targetUrl: { value: releaseLinks(newest).download } } },
      enabled: true,
    });
  }
  rules.push({
    ref: "margine_iso_off_proxy",
    description: "ISOs are served by the DNS-only fallback host, never through the proxy",
    expression: `(http.host eq "${hosts.filesHost}" and ${ISO_PATH})`,
    action: "redirect",
    actionParameters: {
      fromValue: { statusCode: 302, preserveQueryString: false, targetUrl: { expression: `concat("https://${hosts.fallbackHost}", http.request.uri.path)` } },
    },
    enabled: true,
  });
  return rules;
}
