// The zone's SSL mode. The edge presents a Cloudflare origin CA certificate, which only Cloudflare
// trusts; the design relies on Full (strict): Cloudflare then verifies that certificate on every
// connection to the origin. Left unset, a zone stays on the dashboard default (Flexible or Full),
// where Cloudflare accepts any certificate, or talks plain HTTP to the origin.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";

/** Setting id and value of Full (strict) in the zone settings API. */
export const SSL_MODE = { settingId: "ssl", value: "strict" } as const;

export function createSslMode(name: string, zoneId: pulumi.Input<string>, parent: pulumi.Resource): cloudflare.ZoneSetting {
  return new cloudflare.ZoneSetting(name, { zoneId, settingId: SSL_MODE.settingId, value: SSL_MODE.value }, { parent });
}
