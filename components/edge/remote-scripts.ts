// The shell run on the edge VM over SSH (@pulumi/command remote.Command). Every script is
// idempotent: running it twice changes nothing the second time, so `pulumi up` can always retry.
// The admin account needs passwordless sudo; nothing here asks for a password.
import { DEPLOY_USER, EDGE_PATHS, TLS_FILES } from "./edge-layout";

/** Debian packages the edge needs: nginx-light for the site, rsync for rrsync, certbot for the DNS-only host. */
export const EDGE_PACKAGES = ["nginx-light", "rsync", "certbot", "openssl"] as const;

/** Packages, the deploy user, directories, and a self-signed bootstrap certificate for the DNS-only host. */
export function renderProvisionScript(fallbackHost: string): string {
  const root = "-o root -g root";
  return `set -eu
# Rendered by margine-pipeline (components/edge/remote-scripts.ts): edge VM provisioning.
missing=""
for pkg in ${EDGE_PACKAGES.join(" ")}; do
  dpkg-query -W -f='\${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086 # one word per package
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi
# The deploy user: no password (sshd keys only), a shell for rrsync's forced command.
if ! id -u ${DEPLOY_USER} >/dev/null 2>&1; then
  sudo useradd --system --create-home --shell /bin/sh ${DEPLOY_USER}
fi
sudo usermod -p '*' ${DEPLOY_USER}
sudo install -d -m 0755 ${root} /srv/margine ${EDGE_PATHS.webRoot} ${EDGE_PATHS.siteRoot} ${EDGE_PATHS.acmeRoot} /etc/margine-edge
sudo install -d -m 0700 ${root} ${EDGE_PATHS.tlsDir}
sudo install -d -m 0755 -o ${DEPLOY_USER} -g ${DEPLOY_USER} ${EDGE_PATHS.isoDir}
# nginx must start before certbot can answer its first HTTP-01 challenge: a short-lived
# self-signed certificate holds the place until margine-install-fallback-cert replaces it.
if ! sudo test -s ${TLS_FILES.fallback}; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \\
    -subj "/CN=${fallbackHost}" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
  cat "$tmp/cert.pem" "$tmp/key.pem" | sudo install -m 0600 ${root} /dev/stdin ${TLS_FILES.fallback}
fi
`;
}

/** How one rendered file lands on the VM, and what must accept it before it stays there. */
export interface FileInstall {
  readonly path: string;
  readonly mode: string;
  readonly owner?: string;
  /**
   * A check that must pass with the new file in place; on failure the previous file is restored.
   * May be a list (`a && b`): it runs grouped, so its exit status is the whole list's.
   */
  readonly validate?: string;
  /** Undoes what `validate` set up, when a rejected file had no previous version (e.g. a symlink). */
  readonly undoFirstInstall?: string;
  /** Run after a successful install (reload, enable). */
  readonly activate?: string;
  /** Run before the file is removed when the resource is deleted. */
  readonly deactivate?: string;
}

/** First line of every install script: synth reads the target path back from it. */
export const FILE_MARKER = "# margine-edge-file: ";

/**
 * Installs stdin at `path` atomically (install, then rename), validates, restores the previous
 * version if validation fails, then activates. Runs only when this file's content changed.
 */
export function renderInstallScript(file: FileInstall): string {
  const owner = file.owner ?? "root";
  const lines = [`${FILE_MARKER}${file.path}`, "set -eu", "tmp=$(mktemp)", "trap 'rm -f \"$tmp\"' EXIT", 'cat > "$tmp"'];
  if (file.validate) {
    lines.push(`if sudo test -e ${file.path}; then sudo cp -p ${file.path} ${file.path}.previous; fi`);
  }
  lines.push(`sudo install -D -m ${file.mode} -o ${owner} -g ${owner} "$tmp" ${file.path}.new`);
  lines.push(`sudo mv -f ${file.path}.new ${file.path}`);
  if (file.validate) {
    lines.push(
      // Grouped: `! a && b` would negate only `a`, so a rejected file would be kept (a bug the edge tests caught).
      `if ! { ${file.validate}; }; then`,
      `  echo "${file.path} rejected by: ${file.validate.replace(/"/g, "'")}; previous version restored" >&2`,
      `  if sudo test -e ${file.path}.previous; then sudo mv -f ${file.path}.previous ${file.path}; else`,
      `    sudo rm -f ${file.path}`,
      ...(file.undoFirstInstall ? [`    ${file.undoFirstInstall}`] : []),
      "  fi",
      "  exit 1",
      "fi",
      `sudo rm -f ${file.path}.previous`,
    );
  }
  if (file.activate) lines.push(file.activate);
  return `${lines.join("\n")}\n`;
}

export function renderRemoveScript(file: FileInstall): string {
  const lines = [`${FILE_MARKER}${file.path}`, "set -eu"];
  if (file.deactivate) lines.push(file.deactivate);
  lines.push(`sudo rm -f ${file.path}`);
  return `${lines.join("\n")}\n`;
}

/** Copies certbot's certificate and key into the one PEM nginx reads; reloads only on change. */
export function renderInstallFallbackCert(fallbackHost: string): string {
  return `#!/bin/sh
# Rendered by margine-pipeline (components/edge/remote-scripts.ts). Run after certbot, and by
# certbot itself as --deploy-hook on every renewal.
set -eu
live="/etc/letsencrypt/live/${fallbackHost}"
target="${TLS_FILES.fallback}"
[ -s "$live/fullchain.pem" ] || { echo "no certificate in $live yet" >&2; exit 1; }
umask 077
cat "$live/fullchain.pem" "$live/privkey.pem" > "$target.new"
if cmp -s "$target.new" "$target"; then
  rm -f "$target.new"
  exit 0
fi
# A certificate nginx rejects never stays: the previous PEM goes back and nginx keeps serving it.
if [ -e "$target" ]; then cp -p "$target" "$target.previous"; fi
mv -f "$target.new" "$target"
if ! nginx -t; then
  if [ -e "$target.previous" ]; then mv -f "$target.previous" "$target"; else rm -f "$target"; fi
  echo "$target rejected by nginx -t; previous version restored" >&2
  exit 1
fi
rm -f "$target.previous"
systemctl reload nginx
`;
}

/** certbot for the DNS-only host (HTTP-01 through the nginx site's acme location); idempotent. */
export function renderCertificateScript(fallbackHost: string): string {
  return `set -eu
# Rendered by margine-pipeline (components/edge/remote-scripts.ts).
sudo certbot certonly --webroot -w ${EDGE_PATHS.acmeRoot} -d ${fallbackHost} \\
  --non-interactive --agree-tos --register-unsafely-without-email --keep-until-expiring \\
  --deploy-hook ${EDGE_PATHS.installFallbackCert}
sudo ${EDGE_PATHS.installFallbackCert}
`;
}
