// The edge's nginx site (Debian 12 nginx 1.22: `listen ... http2`, not the 1.25 `http2 on`).
// Two hosts, per the Cloudflare Free point of handbook 11.2:
// - filesHost is proxied by Cloudflare: index.html and SHA256SUMS only, TLS with the Cloudflare
//   origin certificate, and only Cloudflare's published ranges may connect (a locked origin). A
//   request for an .iso is redirected to the DNS-only host: ISO bytes never cross the proxy.
// - fallbackHost is DNS-only (grey cloud): the 7-day .iso copies, with its own Let's Encrypt
//   certificate, straight from the VM, one download at a time (the uplink, handbook 11.2).
// - siteHost, the website, is proxied like filesHost: Cloudflare's record points at this VM, so
//   the VM answers for it, under the same origin certificate and the same locked origin.
import { EDGE_PATHS, ISO_DOWNLOAD_LIMITS, ISO_RETENTION_DAYS, TLS_FILES } from "./edge-layout";

export interface NginxSiteOptions {
  readonly filesHost: string;
  /** The website's host; without it the VM answers only for the files hosts. */
  readonly siteHost?: string;
  readonly fallbackHost: string;
  /** Cloudflare's IPv4 and IPv6 ranges (getIpRanges): the only clients of the proxied host. */
  readonly cloudflareCidrs: readonly string[];
}

const CIDR = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-f:]+:[0-9a-f:]*)\/[0-9]{1,3}$/i;

/** HTTPS listener of one host; certificate and key come from the same PEM (edge-layout.ts). */
function tlsListener(host: string, pem: string): string {
  return `    listen 443 ssl http2;
    listen [::]:443 ssl http2;
    server_name ${host};

    ssl_certificate ${pem};
    ssl_certificate_key ${pem};
    ssl_protocols TLSv1.2 TLSv1.3;
`;
}

export function renderNginxSite(options: NginxSiteOptions): string {
  const allow = allowCloudflare(options.cloudflareCidrs);
  const { filesHost, fallbackHost, siteHost } = options;
  const servers = [
    preamble(options),
    redirectToHttps([filesHost, fallbackHost, ...(siteHost ? [siteHost] : [])]),
    filesServer(filesHost, fallbackHost, allow),
    fallbackServer(fallbackHost, filesHost),
  ];
  return servers.join("\n") + (siteHost ? siteServer(siteHost, allow) : "");
}

/** The locked origin's allow lines; an empty or malformed range list is refused, not rendered. */
function allowCloudflare(cidrs: readonly string[]): string {
  if (cidrs.length === 0) {
    throw new Error("no Cloudflare IP ranges: the proxied host would accept nobody; check the getIpRanges result");
  }
  const bad = cidrs.filter((c) => !CIDR.test(c));
  if (bad.length > 0) throw new Error(`not a CIDR range: ${bad.join(", ")}; expected e.g. 173.245.48.0/20 or 2400:cb00::/32`);
  return cidrs.map((c) => `    allow ${c};`).join("\n");
}

function preamble({ filesHost, fallbackHost, siteHost }: NginxSiteOptions): string {
  return `# Rendered by margine-pipeline (components/edge/nginx-site.ts); do not edit on the VM.
# ${filesHost}: Cloudflare-proxied, origin locked to Cloudflare's ranges, HTML and checksums only.
# ${fallbackHost}: DNS-only, the ${ISO_RETENTION_DAYS}-day ISO fallback (never through the Cloudflare proxy).
${siteHost ? `# ${siteHost}: the website, Cloudflare-proxied, origin locked like ${filesHost}.\n` : ""}
# One ISO download at a time on the DNS-only host: one already saturates the uplink (handbook 11.2).
limit_conn_zone $server_name zone=margine_iso_downloads:1m;
`;
}

/** Port 80 of every host: the ACME webroot, and a redirect to HTTPS for everything else. */
function redirectToHttps(hosts: readonly string[]): string {
  return `server {
    listen 80;
    listen [::]:80;
    server_name ${hosts.join(" ")};

    # HTTP-01 challenges for the DNS-only host's certificate (certbot --webroot).
    location /.well-known/acme-challenge/ {
        root ${EDGE_PATHS.acmeRoot};
    }
    location / {
        return 301 https://$host$request_uri;
    }
}
`;
}

/** The proxied files host: the index page and SHA256SUMS, never an ISO. */
function filesServer(filesHost: string, fallbackHost: string, allow: string): string {
  return `server {
${tlsListener(filesHost, TLS_FILES.origin)}
    # Locked origin: only Cloudflare's published ranges (getIpRanges) may connect.
${allow}
    deny all;

    root ${EDGE_PATHS.webRoot};
    index index.html;

    location = / {
        add_header Cache-Control "public, max-age=60" always;
        try_files /index.html =404;
    }
    location = /index.html {
        add_header Cache-Control "public, max-age=60" always;
    }
    location = /SHA256SUMS {
        default_type text/plain;
        add_header Cache-Control "public, max-age=60" always;
    }
    # Cloudflare Free: large binaries must not be served through the proxy.
    location ~* \\.iso$ {
        return 302 https://${fallbackHost}$request_uri;
    }
    location / {
        return 404;
    }
}
`;
}

/** The DNS-only host: the ISO copies, one download at a time, pointing the busy to IA. */
function fallbackServer(fallbackHost: string, filesHost: string): string {
  return `server {
${tlsListener(fallbackHost, TLS_FILES.fallback)}
    root ${EDGE_PATHS.isoDir};

    # Only final names: rsync's partial files are dot-files or sit in its partial directory.
    location ~ ^/[A-Za-z0-9][A-Za-z0-9._-]*\\.iso$ {
        add_header Cache-Control "public, max-age=3600" always;
        limit_conn margine_iso_downloads ${ISO_DOWNLOAD_LIMITS.concurrent};
        limit_conn_status 503;
        limit_rate ${ISO_DOWNLOAD_LIMITS.rate};
        error_page 503 @busy;
    }
    location @busy {
        default_type text/plain;
        add_header Retry-After 600 always;
        return 503 "The edge copy serves one download at a time. Use the Internet Archive (torrent or HTTP): https://${filesHost}/\\n";
    }
    location = /SHA256SUMS {
        root ${EDGE_PATHS.webRoot};
        default_type text/plain;
    }
    location / {
        return 302 https://${filesHost}/;
    }
}
`;
}

/** The website: static files the site's deploy publishes into siteRoot, locked to Cloudflare. */
function siteServer(siteHost: string, allow: string): string {
  return `
server {
${tlsListener(siteHost, TLS_FILES.origin)}
    # Locked origin, like the files host: Cloudflare (Full strict) is the only client.
${allow}
    deny all;

    root ${EDGE_PATHS.siteRoot};
    index index.html;

    location / {
        try_files $uri $uri/ /index.html =404;
    }
}
`;
}
