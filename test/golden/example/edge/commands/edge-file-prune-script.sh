# margine-edge-file: /usr/local/libexec/margine-prune-isos
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sudo install -D -m 0755 -o root -g root "$tmp" /usr/local/libexec/margine-prune-isos.new
sudo mv -f /usr/local/libexec/margine-prune-isos.new /usr/local/libexec/margine-prune-isos
