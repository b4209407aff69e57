// Where things live on the edge VM. One table, so the nginx site, the deploy user's rrsync
// directory, the prune timer and the file installers cannot disagree about a path.

/** The account the build-disk edge_sync job logs in as: rsync into ISO_DIR and nothing else. */
export const DEPLOY_USER = "margine-deploy";

/** Handbook 11.2: the edge keeps a 7-day .iso fallback; IA keeps every release forever. */
export const ISO_RETENTION_DAYS = 7;

/**
 * Where an interrupted upload waits, inside the ISO directory (rsync --partial-dir): never under
 * a final name nginx would serve (the location only matches top-level names).
 */
export const RSYNC_PARTIAL_DIR = ".rsync-partial";

export const EDGE_PATHS = {
  /** index.html and SHA256SUMS, rendered by Pulumi from the declared releases (root-owned). */
  webRoot: "/srv/margine/www",
  /** The only directory the deploy key may write to (rrsync); the prune timer empties it. */
  isoDir: "/srv/margine/iso",
  /**
   * The website (siteHost, Cloudflare-proxied): the site repository's deploy publishes its static
   * build here. Cloudflare points the site's record at this VM, so it must answer for it.
   */
  siteRoot: "/srv/margine/site",
  /** HTTP-01 challenges for the DNS-only host's Let's Encrypt certificate. */
  acmeRoot: "/srv/margine/acme",
  tlsDir: "/etc/margine-edge/tls",
  nginxSite: "/etc/nginx/sites-available/margine-edge.conf",
  nginxSiteEnabled: "/etc/nginx/sites-enabled/margine-edge.conf",
  pruneScript: "/usr/local/libexec/margine-prune-isos",
  installFallbackCert: "/usr/local/libexec/margine-install-fallback-cert",
  pruneService: "/etc/systemd/system/margine-prune-isos.service",
  pruneTimer: "/etc/systemd/system/margine-prune-isos.timer",
  /** Root-owned, outside the deploy user's home: the key cannot loosen its own restriction. */
  deployAuthorizedKeys: "/etc/ssh/margine-deploy.authorized_keys",
  sshdDropIn: "/etc/ssh/sshd_config.d/margine-deploy.conf",
} as const;

/**
 * TLS material the nginx site reads, certificate and key in one PEM file each, so a certificate
 * and its key are always replaced together (nginx -t never sees a new certificate with an old key).
 */
export const TLS_FILES = {
  /** The Cloudflare origin CA certificate of the proxied host. */
  origin: `${EDGE_PATHS.tlsDir}/origin.pem`,
  /** Let's Encrypt certificate of the DNS-only host (self-signed until certbot's first run). */
  fallback: `${EDGE_PATHS.tlsDir}/fallback.pem`,
} as const;

/**
 * Handbook 11.2: "an ADSL-class uplink dies under one concurrent ISO download". The DNS-only host
 * therefore serves one ISO download at a time, each held under a rate that leaves the uplink room
 * for the site; everyone else is told to use the Internet Archive (torrent or HTTP).
 */
export const ISO_DOWNLOAD_LIMITS = {
  /** Concurrent ISO downloads on the whole host (nginx limit_conn, keyed by server name). */
  concurrent: 1,
  /** Per-download rate (nginx limit_rate): 512 KiB/s, about 4 Mbit/s. */
  rate: "512k",
} as const;
