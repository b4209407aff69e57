// The host names the zone serves. The Cloudflare Free point of handbook 11.2 (its terms discourage
// large binaries through the proxy) decides the split: filesHost is proxied and serves HTML and
// checksums only; the 7-day .iso fallback has its own DNS-only (grey-cloud) host, derived here
// so it needs no extra config and cannot drift from filesHost.
import * as pulumi from "@pulumi/pulumi";
import { OPERATOR_KEYS, isoFallbackHost } from "../../config/stack";

export interface ZoneHosts {
  readonly zone: string;
  /** The website (Cloudflare-proxied). */
  readonly siteHost: string;
  /** The edge VM's proxied host: index.html, SHA256SUMS, the latest-ISO redirect. */
  readonly filesHost: string;
  /** DNS-only: the 7-day .iso fallback. */
  readonly fallbackHost: string;
}

export function zoneHosts(config: { zone: string; siteHost: string; filesHost: string }): ZoneHosts {
  return { zone: config.zone, siteHost: config.siteHost, filesHost: config.filesHost, fallbackHost: isoFallbackHost(config.filesHost) };
}

/** The hosts Cloudflare proxies to the edge VM: its origin certificate must name each of them. */
export function proxiedHosts(hosts: ZoneHosts): string[] {
  return [hosts.filesHost, hosts.siteHost];
}

/** The edge address the DNS records need; a missing `edgeAddress` fails here, before any record. */
export function requireEdgeAddress(edge: { address?: string }): string {
  if (edge.address === undefined) {
    throw new pulumi.RunError(`config margine-pipeline:edgeAddress: missing value; expected ${OPERATOR_KEYS.edgeAddress}`);
  }
  return edge.address;
}
