// The edge's Cloudflare origin CA certificate: Cloudflare (Full strict) trusts it, browsers do
// not, which is right for a host only Cloudflare may reach. The key is made by Pulumi (@pulumi/tls)
// and stays in state as a secret; Cloudflare only sees the CSR.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as tls from "@pulumi/tls";

/** 15 years, Cloudflare's longest origin CA validity: no renewal job to forget. */
export const ORIGIN_CERT_VALIDITY_DAYS = 5475;

export interface OriginCertificate {
  readonly certificatePem: pulumi.Output<string>;
  readonly privateKeyPem: pulumi.Output<string>;
}

export function createOriginCertificate(name: string, hostnames: string[], parent: pulumi.Resource): OriginCertificate {
  const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const csr = new tls.CertRequest(
    `${name}-csr`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: hostnames[0], organization: "Margine" },
      dnsNames: hostnames,
    },
    { parent },
  );
  const cert = new cloudflare.OriginCaCertificate(
    name,
    {
      csr: csr.certRequestPem,
      hostnames,
      requestType: "origin-ecc",
      requestedValidity: ORIGIN_CERT_VALIDITY_DAYS,
    },
    { parent },
  );
  return { certificatePem: cert.certificate, privateKeyPem: pulumi.secret(key.privateKeyPem) };
}
