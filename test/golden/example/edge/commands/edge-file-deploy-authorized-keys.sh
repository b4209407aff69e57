# margine-edge-file: /etc/ssh/margine-deploy.authorized_keys
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sudo install -D -m 0644 -o root -g root "$tmp" /etc/ssh/margine-deploy.authorized_keys.new
sudo mv -f /etc/ssh/margine-deploy.authorized_keys.new /etc/ssh/margine-deploy.authorized_keys
