// Answers to the Cloudflare invokes for offline evaluation (`npm run synth`, unit tests under
// mocks): no token, no network. OFFLINE VALUES, NOT AUTHORITATIVE: the zone id is a fake, and the
// IP ranges are a snapshot of https://www.cloudflare.com/ips/ kept so the rendered nginx site looks
// like the real one; `pulumi up` always asks Cloudflare (getIpRanges) for the current list.

export const OFFLINE_ZONE_ID = "0ff1ine0000000000000000000000000";

export const OFFLINE_CLOUDFLARE_RANGES = {
  ipv4Cidrs: [
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
  ],
  ipv6Cidrs: ["2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32"],
} as const;

/** The mock's answer for a Cloudflare invoke token, or undefined when the token is not one of ours. */
export function offlineCloudflareInvoke(token: string, inputs: Record<string, any>): Record<string, unknown> | undefined {
  switch (token) {
    case "cloudflare:index/getZone:getZone":
      return { id: OFFLINE_ZONE_ID, name: inputs.filter?.name, status: "offline" };
    case "cloudflare:index/getIpRanges:getIpRanges":
      return { etag: "offline", ipv4Cidrs: [...OFFLINE_CLOUDFLARE_RANGES.ipv4Cidrs], ipv6Cidrs: [...OFFLINE_CLOUDFLARE_RANGES.ipv6Cidrs], jdcloudCidrs: [] };
    default:
      return undefined;
  }
}
