# margine-edge-file: /srv/margine/www/index.html
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sudo install -D -m 0644 -o root -g root "$tmp" /srv/margine/www/index.html.new
sudo mv -f /srv/margine/www/index.html.new /srv/margine/www/index.html
