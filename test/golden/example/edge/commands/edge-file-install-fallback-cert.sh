# margine-edge-file: /usr/local/libexec/margine-install-fallback-cert
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sudo install -D -m 0755 -o root -g root "$tmp" /usr/local/libexec/margine-install-fallback-cert.new
sudo mv -f /usr/local/libexec/margine-install-fallback-cert.new /usr/local/libexec/margine-install-fallback-cert
