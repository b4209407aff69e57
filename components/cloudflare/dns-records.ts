// The zone's DNS records, as plain data (tested as a table, created by CloudflareZone).
import { ZoneHosts } from "./hosts";

export interface PlannedDnsRecord {
  /** Resource-name suffix. */
  readonly role: string;
  readonly name: string;
  readonly type: "A";
  readonly content: string;
  /** Orange cloud (true) or DNS-only (false). */
  readonly proxied: boolean;
  /** 1 = automatic (required for proxied records). */
  readonly ttl: number;
  readonly comment: string;
}

export function plannedDnsRecords(hosts: ZoneHosts, address: string): PlannedDnsRecord[] {
  return [
    {
      role: "site",
      name: hosts.siteHost,
      type: "A",
      content: address,
      proxied: true,
      ttl: 1,
      comment: "margine-pipeline: the website, behind Cloudflare (origin locked to Cloudflare's ranges)",
    },
    {
      role: "files",
      name: hosts.filesHost,
      type: "A",
      content: address,
      proxied: true,
      ttl: 1,
      comment: "margine-pipeline: edge index.html and SHA256SUMS, cached briefly; .iso redirected off the proxy",
    },
    {
      role: "fallback",
      name: hosts.fallbackHost,
      type: "A",
      content: address,
      proxied: false,
      ttl: 300,
      comment: "margine-pipeline: DNS-only 7-day ISO fallback (Cloudflare Free: no large binaries through the proxy)",
    },
  ];
}
