#!/usr/bin/env bash
# Builds the independent peers the signature tests run, from pinned Go modules, into the
# git-ignored .tools/peers/<name>-<version>/, and prints that folder's parent as the last line of
# stdout; progress goes to stderr. Each build is cached by a stamp of its pin and redone only when
# the pin changes. Typical use: scripts/install-peers.sh (scripts/ci.sh runs it before npm test).
#
# - cosign: the signer (and a second verifier), github.com/sigstore/cosign/v2/cmd/cosign at the
#   version build.yml installs (components/workflows/actions.ts: COSIGN_VERSION), built with the
#   module's own go.mod/go.sum, verified against Go's checksum database.
# - image-policy-copy: the client side as bootc sees it: containers/image's own signature policy
#   check (policy.json, sigstoreSigned, keyPath) around a copy, from tools/peers/image-policy-copy
#   (go.mod/go.sum pin go.podman.io/image/v5). skopeo itself is not served by the module proxy
#   this project can reach, and Debian's skopeo is built without sigstore support.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root="$repo/.tools/peers"

# Must equal COSIGN_VERSION in components/workflows/actions.ts (a test checks it).
COSIGN_VERSION=v2.6.1
# Build tags that keep containers/image free of C libraries.
IMAGE_TAGS="containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper"

log() { printf 'install-peers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null 2>&1 || die "no Go toolchain: install Go >= 1.24 (the golang-go package) to build the test peers"
mkdir -p "$root"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$root/.lock"
	flock 9
fi

# build NAME VERSION PIN COMMAND...: runs COMMAND STAGING (binaries go to STAGING/bin) unless
# .tools/peers/NAME-VERSION holds a stamp equal to PIN.
build() {
	local name=$1 version=$2 pin=$3
	shift 3
	local dir="$root/$name-$version"
	if [[ -f $dir/stamp && $(cat "$dir/stamp") == "$pin" && -x $dir/bin/$name ]]; then
		log "$name $version is up to date in ${dir#"$repo/"}"
		return
	fi
	local staging
	staging=$(mktemp -d "$root/.build-$name.XXXXXX")
	mkdir "$staging/bin"
	log "building $name $version with $(go env GOVERSION) (minutes on a cold Go build cache)"
	local started=$SECONDS
	if ! "$@" "$staging" >&2; then
		rm -rf "$staging"
		die "building $name $version failed"
	fi
	[[ -x $staging/bin/$name ]] || { rm -rf "$staging"; die "the $name build produced no binary"; }
	log "built $name $version in $((SECONDS - started))s"
	echo "$pin" >"$staging/stamp"
	rm -rf "$dir"
	mv "$staging" "$dir"
}

build_cosign() { # $1: the staging folder
	GOBIN="$1/bin" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
		"github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION"
	"$1/bin/cosign" version --json 2>/dev/null | grep -q "\"gitVersion\": \"$COSIGN_VERSION\"" ||
		{ log "the built cosign does not report $COSIGN_VERSION"; return 1; }
}

policy_mod="$repo/tools/peers/image-policy-copy"
build_policy_copy() { # $1: the staging folder
	(cd "$policy_mod" && go build -mod=readonly -trimpath -ldflags "-s -w" -tags "$IMAGE_TAGS" \
		-o "$1/bin/image-policy-copy" .)
}

build cosign "$COSIGN_VERSION" "$(printf 'cosign %s\n' "$COSIGN_VERSION" | sha256sum | cut -d' ' -f1)" build_cosign
policy_version=$(sed -n 's/^require go\.podman\.io\/image\/v5 \(v[^ ]*\)$/\1/p; s/^[[:space:]]*go\.podman\.io\/image\/v5 \(v[^ ]*\)$/\1/p' "$policy_mod/go.mod" | head -n 1)
[[ -n $policy_version ]] || die "tools/peers/image-policy-copy/go.mod does not require go.podman.io/image/v5"
policy_pin=$(cat "$policy_mod/go.mod" "$policy_mod/go.sum" "$policy_mod"/*.go | sha256sum | cut -d' ' -f1)
build image-policy-copy "$policy_version" "$policy_pin" build_policy_copy

echo "$root"
