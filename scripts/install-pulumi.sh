#!/usr/bin/env bash
# Makes the Pulumi engine (the `pulumi` CLI and a Node.js language host)
# available to this project, and prints the directory holding them as the
# last line of stdout; progress goes to stderr. Typical use:
#
#   PATH="$(scripts/install-pulumi.sh | tail -1):$PATH"
#
# 1. A `pulumi` on PATH that reports PULUMI_VERSION is used as it is.
# 2. Otherwise the CLI is built with Go from the module pinned in
#    tools/pulumi (go.mod/go.sum), together with the language host in
#    tools/pulumi/cmd/pulumi-language-nodejs, into the git-ignored
#    .tools/pulumi/<version>/bin/. The build is cached: it is redone only when
#    the pin (this version, go.mod, go.sum or the host's source) changes.
# 3. The Node.js scripts the CLI starts as plugins ship in the @pulumi/pulumi
#    npm package; relative symlinks into node_modules are put beside the
#    binaries, so they work in any clone once `npm ci` has run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The engine version is the @pulumi/pulumi version package-lock.json pins (the one place; release.yml
# installs the official CLI of the same version). tools/pulumi/go.mod must require the same one.
PULUMI_VERSION=$(node -p 'require(process.argv[1]).packages["node_modules/@pulumi/pulumi"].version' "$repo/package-lock.json" 2>/dev/null) ||
	{ printf 'install-pulumi: error: cannot read the @pulumi/pulumi version from %s (is Node.js installed?)\n' "$repo/package-lock.json" >&2; exit 1; }
tools_mod="$repo/tools/pulumi"
install_root="$repo/.tools/pulumi"
install_dir="$install_root/$PULUMI_VERSION"
bin_dir="$install_dir/bin"

log() { printf 'install-pulumi: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Scripts from the @pulumi/pulumi npm package that the CLI looks for as
# plugins on PATH or beside its own executable.
node_scripts=(pulumi-resource-pulumi-nodejs)

link_node_scripts() { # $1: a bin directory three levels below the repo root's .tools
	local dir=$1 script
	for script in "${node_scripts[@]}"; do
		# bin -> <version> -> pulumi -> .tools -> repo root
		ln -sfn "../../../../node_modules/@pulumi/pulumi/$script" "$dir/$script"
	done
}

check_node_modules() {
	local pkg="$repo/node_modules/@pulumi/pulumi/package.json" have
	if [[ ! -f $pkg ]]; then
		log "warning: $repo/node_modules/@pulumi/pulumi is missing; run 'npm ci' (dynamic providers and programs need it)"
		return
	fi
	have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg" | head -n 1)
	if [[ $have != "$PULUMI_VERSION" ]]; then
		log "warning: node_modules has @pulumi/pulumi $have, the engine is pinned to $PULUMI_VERSION"
	fi
}

main() {
	# 1. A matching CLI on PATH.
	if on_path=$(command -v pulumi 2>/dev/null); then
		path_version=$(PULUMI_SKIP_UPDATE_CHECK=1 "$on_path" version 2>/dev/null || true)
		if [[ $path_version == "v$PULUMI_VERSION" ]]; then
			log "using pulumi $path_version found on PATH at $on_path"
			dirname "$on_path"
			exit 0
		fi
		log "pulumi on PATH ($on_path) reports '${path_version:-nothing}', not v$PULUMI_VERSION; using the pinned build"
	fi

	# 2. The pinned build, cached by a hash of everything that goes into it.
	grep -Eq "^[[:space:]]*(require[[:space:]]+)?github\.com/pulumi/pulumi/pkg/v3 v${PULUMI_VERSION//./\\.}\$" \
		"$tools_mod/go.mod" ||
		die "tools/pulumi/go.mod does not require github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION; update it together with PULUMI_VERSION"

	ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
	pin=$(
		{
			printf 'version %s\nldflags %s\n' "$PULUMI_VERSION" "$ldflags"
			cat "$tools_mod/go.mod" "$tools_mod/go.sum"
			find "$tools_mod/cmd" -type f -name '*.go' -print0 | LC_ALL=C sort -z | xargs -0 cat
		} | sha256sum | cut -d' ' -f1
	)

	is_current() { # $1: an install directory
		[[ -x $1/bin/pulumi && -x $1/bin/pulumi-language-nodejs && -f $1/stamp ]] &&
			[[ $(cat "$1/stamp") == "$pin" ]]
	}

	if is_current "$install_dir"; then
		link_node_scripts "$bin_dir"
		check_node_modules
		log "pulumi v$PULUMI_VERSION is up to date in ${bin_dir#"$repo/"}"
		echo "$bin_dir"
		exit 0
	fi

	command -v go >/dev/null 2>&1 ||
		die "no pulumi v$PULUMI_VERSION on PATH and no Go toolchain to build it: install Go >= 1.25 (https://go.dev/dl/, or the golang-go package) or Pulumi CLI v$PULUMI_VERSION"

	mkdir -p "$install_root"
	# Serialise concurrent builds; the rename below keeps readers safe either way.
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$install_root/.lock"
		flock 9
		if is_current "$install_dir"; then # another run finished the build meanwhile
			link_node_scripts "$bin_dir"
			check_node_modules
			echo "$bin_dir"
			exit 0
		fi
	fi

	staging=$(mktemp -d "$install_root/.build-$PULUMI_VERSION.XXXXXX")
	trap 'rm -rf "$staging"' EXIT
	chmod 755 "$staging"
	mkdir "$staging/bin"

	log "building pulumi v$PULUMI_VERSION and pulumi-language-nodejs with $(go env GOVERSION) (several minutes on a cold Go build cache)"
	started=$SECONDS
	(
		cd "$tools_mod"
		go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$staging/bin/" \
			github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
			./cmd/pulumi-language-nodejs
	) >&2
	built_version=$(PULUMI_SKIP_UPDATE_CHECK=1 "$staging/bin/pulumi" version)
	[[ $built_version == "v$PULUMI_VERSION" ]] ||
		die "the built pulumi reports '$built_version', expected v$PULUMI_VERSION"
	log "built in $((SECONDS - started))s"

	link_node_scripts "$staging/bin"
	echo "$pin" >"$staging/stamp"

	# Swap the finished directory into place.
	if [[ -e $install_dir ]]; then
		old="$install_root/.old-$PULUMI_VERSION.$$"
		mv "$install_dir" "$old"
		mv "$staging" "$install_dir"
		rm -rf "$old"
	else
		mv "$staging" "$install_dir"
	fi
	trap - EXIT

	check_node_modules
	echo "$bin_dir"
}

# Everything runs from main, so bash has read the whole file before it starts
# (editing the script during a long build cannot derail the running copy).
main "$@"
