set -eu
# Rendered by margine-pipeline (components/edge/remote-scripts.ts).
sudo certbot certonly --webroot -w /srv/margine/acme -d direct.files.the-empty.place \
  --non-interactive --agree-tos --register-unsafely-without-email --keep-until-expiring \
  --deploy-hook /usr/local/libexec/margine-install-fallback-cert
sudo /usr/local/libexec/margine-install-fallback-cert
