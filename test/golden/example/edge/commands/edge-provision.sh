set -eu
# Rendered by margine-pipeline (components/edge/remote-scripts.ts): edge VM provisioning.
missing=""
for pkg in nginx-light rsync certbot openssl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086 # one word per package
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi
# The deploy user: no password (sshd keys only), a shell for rrsync's forced command.
if ! id -u margine-deploy >/dev/null 2>&1; then
  sudo useradd --system --create-home --shell /bin/sh margine-deploy
fi
sudo usermod -p '*' margine-deploy
sudo install -d -m 0755 -o root -g root /srv/margine /srv/margine/www /srv/margine/site /srv/margine/acme /etc/margine-edge
sudo install -d -m 0700 -o root -g root /etc/margine-edge/tls
sudo install -d -m 0755 -o margine-deploy -g margine-deploy /srv/margine/iso
# nginx must start before certbot can answer its first HTTP-01 challenge: a short-lived
# self-signed certificate holds the place until margine-install-fallback-cert replaces it.
if ! sudo test -s /etc/margine-edge/tls/fallback.pem; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=direct.files.the-empty.place" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
  cat "$tmp/cert.pem" "$tmp/key.pem" | sudo install -m 0600 -o root -g root /dev/stdin /etc/margine-edge/tls/fallback.pem
fi
