# margine-edge-file: /srv/margine/www/SHA256SUMS
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sudo install -D -m 0644 -o root -g root "$tmp" /srv/margine/www/SHA256SUMS.new
sudo mv -f /srv/margine/www/SHA256SUMS.new /srv/margine/www/SHA256SUMS
