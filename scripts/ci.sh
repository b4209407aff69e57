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
npm test
