# margine-edge-file: /etc/margine-edge/tls/origin.pem
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
if sudo test -e /etc/margine-edge/tls/origin.pem; then sudo cp -p /etc/margine-edge/tls/origin.pem /etc/margine-edge/tls/origin.pem.previous; fi
sudo install -D -m 0600 -o root -g root "$tmp" /etc/margine-edge/tls/origin.pem.new
sudo mv -f /etc/margine-edge/tls/origin.pem.new /etc/margine-edge/tls/origin.pem
if ! { sudo nginx -t; }; then
  echo "/etc/margine-edge/tls/origin.pem rejected by: sudo nginx -t; previous version restored" >&2
  if sudo test -e /etc/margine-edge/tls/origin.pem.previous; then sudo mv -f /etc/margine-edge/tls/origin.pem.previous /etc/margine-edge/tls/origin.pem; else
    sudo rm -f /etc/margine-edge/tls/origin.pem
  fi
  exit 1
fi
sudo rm -f /etc/margine-edge/tls/origin.pem.previous
sudo systemctl reload-or-restart nginx
