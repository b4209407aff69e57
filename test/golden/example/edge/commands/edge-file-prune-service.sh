# margine-edge-file: /etc/systemd/system/margine-prune-isos.service
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sudo install -D -m 0644 -o root -g root "$tmp" /etc/systemd/system/margine-prune-isos.service.new
sudo mv -f /etc/systemd/system/margine-prune-isos.service.new /etc/systemd/system/margine-prune-isos.service
sudo systemctl daemon-reload
