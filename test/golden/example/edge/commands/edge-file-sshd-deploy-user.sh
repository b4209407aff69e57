# margine-edge-file: /etc/ssh/sshd_config.d/margine-deploy.conf
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
if sudo test -e /etc/ssh/sshd_config.d/margine-deploy.conf; then sudo cp -p /etc/ssh/sshd_config.d/margine-deploy.conf /etc/ssh/sshd_config.d/margine-deploy.conf.previous; fi
sudo install -D -m 0644 -o root -g root "$tmp" /etc/ssh/sshd_config.d/margine-deploy.conf.new
sudo mv -f /etc/ssh/sshd_config.d/margine-deploy.conf.new /etc/ssh/sshd_config.d/margine-deploy.conf
if ! { sudo sshd -t; }; then
  echo "/etc/ssh/sshd_config.d/margine-deploy.conf rejected by: sudo sshd -t; previous version restored" >&2
  if sudo test -e /etc/ssh/sshd_config.d/margine-deploy.conf.previous; then sudo mv -f /etc/ssh/sshd_config.d/margine-deploy.conf.previous /etc/ssh/sshd_config.d/margine-deploy.conf; else
    sudo rm -f /etc/ssh/sshd_config.d/margine-deploy.conf
  fi
  exit 1
fi
sudo rm -f /etc/ssh/sshd_config.d/margine-deploy.conf.previous
sudo systemctl reload ssh
