# margine-edge-file: /etc/systemd/system/margine-prune-isos.timer
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sudo install -D -m 0644 -o root -g root "$tmp" /etc/systemd/system/margine-prune-isos.timer.new
sudo mv -f /etc/systemd/system/margine-prune-isos.timer.new /etc/systemd/system/margine-prune-isos.timer
sudo systemctl daemon-reload && sudo systemctl enable margine-prune-isos.timer && sudo systemctl restart margine-prune-isos.timer
