// Cloudflare for the zone: the zone looked up by name, DNS for the site, the files host and the
// DNS-only ISO fallback, cache and redirect rules, the SSL mode (Full strict), the edge's origin
// certificate for both proxied hosts, and Cloudflare's IP ranges for the edge's locked origin. The API token is the provider's own `cloudflare:apiToken`.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import { ReleaseState } from "../../config/release-state";
import { cacheRules } from "./cache-rules";
import { plannedDnsRecords } from "./dns-records";
import { ZoneHosts, proxiedHosts } from "./hosts";
import { createOriginCertificate } from "./origin-certificate";
import { redirectRules } from "./redirect-rules";
import { createSslMode } from "./ssl-mode";

export interface CloudflareZoneArgs {
  readonly hosts: ZoneHosts;
  /** Public IPv4 address of the edge VM. */
  readonly edgeAddress: string;
  readonly release: ReleaseState;
}

export class CloudflareZone extends pulumi.ComponentResource {
  readonly zoneId: pulumi.Output<string>;
  readonly originCertificatePem: pulumi.Output<string>;
  readonly originPrivateKeyPem: pulumi.Output<string>;
  /** Cloudflare's published IPv4 and IPv6 ranges: the only clients the proxied origin accepts. */
  readonly cloudflareCidrs: pulumi.Output<string[]>;

  constructor(name: string, args: CloudflareZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("margine:cloudflare:Zone", name, {}, opts);
    const { hosts } = args;
    const invokeOpts = { parent: this };
    this.zoneId = cloudflare.getZoneOutput({ filter: { name: hosts.zone } }, invokeOpts).apply((z) => {
      if (!z.id) throw new pulumi.ResourceError(`Cloudflare zone ${hosts.zone} not found; is the token scoped to it?`, this);
      return z.id;
    });
    const zoneId = this.zoneId;

    for (const record of plannedDnsRecords(hosts, args.edgeAddress)) {
      new cloudflare.DnsRecord(
        `${name}-${record.role}`,
        {
          zoneId,
          name: record.name,
          type: record.type,
          content: record.content,
          proxied: record.proxied,
          ttl: record.ttl,
          comment: record.comment,
        },
        { parent: this },
      );
    }
    new cloudflare.Ruleset(
      `${name}-cache-rules`,
      {
        zoneId,
        kind: "zone",
        phase: "http_request_cache_settings",
        name: "margine cache rules",
        rules: cacheRules(hosts).map((r) => ({ ...r, actionParameters: { ...r.actionParameters } })),
      },
      { parent: this },
    );
    new cloudflare.Ruleset(
      `${name}-redirect-rules`,
      {
        zoneId,
        kind: "zone",
        phase: "http_request_dynamic_redirect",
        name: "margine redirect rules",
        rules: redirectRules(hosts, args.release).map((r) => ({ ...r, actionParameters: { ...r.actionParameters } })),
      },
      { parent: this },
    );

    createSslMode(`${name}-ssl-mode`, zoneId, this);
    // Both proxied hosts point at the edge VM, so its one origin certificate names both.
    const origin = createOriginCertificate(`${name}-origin-cert`, proxiedHosts(hosts), this);
    this.originCertificatePem = origin.certificatePem;
    this.originPrivateKeyPem = origin.privateKeyPem;

    this.cloudflareCidrs = cloudflare.getIpRangesOutput({}, invokeOpts).apply((r) => [...r.ipv4Cidrs, ...r.ipv6Cidrs]);
    this.registerOutputs({ zoneId: this.zoneId, cloudflareCidrs: this.cloudflareCidrs });
  }
}
