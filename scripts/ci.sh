#!/usr/bin/env bash
# The full test suite on a fresh machine: installs the Debian packages the tests use (only when
# missing), then `npm ci` and `npm test`. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each tool the tests run, with the Debian package that provides it.
packages=(
  docker-registry   # /usr/bin/docker-registry: the real OCI registry (promotion, retention, staleness)
  skopeo            # independent registry client (test image pushes, digest checks, benchmark)
  internetarchive   # the real `ia` client, proving the IA emulator speaks IA's protocol
  nginx-light       # nginx -t on the rendered edge configuration
  shellcheck        # every generated shell script and workflow `run:` block
  chromium          # headless check of the edge index.html
  openssh-server    # sshd on loopback for the rsync-only deploy key
  rsync             # the deploy key's only allowed command
  openssl           # test certificates for nginx -t
  git               # the release-PR jobs' scripts run against real git
  python3-venv      # the project-local venv zizmor is installed into
  util-linux        # unshare, nsenter, runuser: the stand-in edge VM (namespaces; the tests run as root)
  sudo              # the edge command scripts run as an admin account with passwordless sudo
  certbot           # the DNS-only host's certificate script, run for real on the stand-in edge VM
  pebble            # the ACME server certbot talks to there (Let's Encrypt's test server)
  iproute2          # loopback up in the stand-in edge VM's network namespace
  curl              # HTTP checks inside that namespace; build-disk's IA item check
  jq                # build-disk's scripts
  systemd           # systemd-analyze: verify/condition/calendar on the generated units
  rpm               # rpm's own version comparison: the release notes' package diff is checked against it
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Go builds the signature tests' peers (scripts/install-peers.sh); Debian's golang-go when none is on PATH.
command -v go >/dev/null 2>&1 || missing+=(golang-go)
if ((${#missing[@]})); then
  echo "ci: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# zizmor (GitHub Actions security linter) from PyPI, pinned, in a project-local venv: the
# least-privilege tests run it over every generated workflow.
ZIZMOR_VERSION=1.32.0
if [[ "$(.tools/zizmor/bin/zizmor --version 2>/dev/null)" != "zizmor $ZIZMOR_VERSION" ]]; then
  echo "ci: installing zizmor $ZIZMOR_VERSION into .tools/zizmor"
  python3 -m venv .tools/zizmor
  .tools/zizmor/bin/pip install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION"
fi

npm ci --no-audit --no-fund
# The independent peers of the signature tests (the real cosign, containers/image's policy check),
# built from pinned Go modules into .tools/peers; cached, so a rerun takes a second.
scripts/install-peers.sh >/dev/null

# The Pulumi engine the end-to-end tier runs (test/e2e/): a matching CLI on PATH, or built from the
# Go modules tools/pulumi pins (cached in .tools/pulumi; about 12 minutes cold on 2 cores).
scripts/install-pulumi.sh >/dev/null

# Everything: build, typecheck, lint, then every tier (the engine tier is also `npm run test:e2e`).
npm test
