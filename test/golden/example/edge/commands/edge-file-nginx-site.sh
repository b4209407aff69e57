# margine-edge-file: /etc/nginx/sites-available/margine-edge.conf
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
if sudo test -e /etc/nginx/sites-available/margine-edge.conf; then sudo cp -p /etc/nginx/sites-available/margine-edge.conf /etc/nginx/sites-available/margine-edge.conf.previous; fi
sudo install -D -m 0644 -o root -g root "$tmp" /etc/nginx/sites-available/margine-edge.conf.new
sudo mv -f /etc/nginx/sites-available/margine-edge.conf.new /etc/nginx/sites-available/margine-edge.conf
if ! { sudo ln -sfn /etc/nginx/sites-available/margine-edge.conf /etc/nginx/sites-enabled/margine-edge.conf && sudo nginx -t; }; then
  echo "/etc/nginx/sites-available/margine-edge.conf rejected by: sudo ln -sfn /etc/nginx/sites-available/margine-edge.conf /etc/nginx/sites-enabled/margine-edge.conf && sudo nginx -t; previous version restored" >&2
  if sudo test -e /etc/nginx/sites-available/margine-edge.conf.previous; then sudo mv -f /etc/nginx/sites-available/margine-edge.conf.previous /etc/nginx/sites-available/margine-edge.conf; else
    sudo rm -f /etc/nginx/sites-available/margine-edge.conf
    sudo rm -f /etc/nginx/sites-enabled/margine-edge.conf
  fi
  exit 1
fi
sudo rm -f /etc/nginx/sites-available/margine-edge.conf.previous
sudo systemctl reload-or-restart nginx
