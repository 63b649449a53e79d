#!/usr/bin/env bash
# Makes the Pulumi CLI available for the end-to-end tests and the demo, without
# downloading anything but Go modules from the Go module proxy.
#
# The version is the one of @pulumi/pulumi in package-lock.json, so the engine and the
# Node.js SDK that runs our dynamic provider always speak the same protocol.
#
# - `pulumi` at a matching version already on PATH is used as is.
# - Otherwise `pulumi` is built from the `github.com/pulumi/pulumi/pkg/v3` and
#   `sdk/v3` modules, laid out side by side (pkg's go.mod replaces sdk with ../sdk),
#   into a cache outside the repository: built once per machine and version.
# - `pulumi-resource-pulumi-nodejs`, the plugin the engine launches for dynamic
#   providers, is our own launcher (scripts/pulumi-resource-pulumi-nodejs), copied
#   next to `pulumi`.
#
# Prints the directory to put on PATH as its last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

version="${PULUMI_VERSION:-$(node -p "require('$root/package-lock.json').packages['node_modules/@pulumi/pulumi'].version")}"
cache_root="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esa-routine-deployment/pulumi}"
bin_dir="$cache_root/v$version/bin"

log() { printf 'install-pulumi: %s\n' "$*" >&2; }

install_launcher() {
  cp "$here/pulumi-resource-pulumi-nodejs" "$1/pulumi-resource-pulumi-nodejs"
  chmod +x "$1/pulumi-resource-pulumi-nodejs"
}

# 1. A pulumi of the right version already on PATH.
if existing="$(command -v pulumi 2>/dev/null)"; then
  if [ "$("$existing" version 2>/dev/null)" = "v$version" ]; then
    dir="$(dirname "$existing")"
    if [ ! -x "$dir/pulumi-resource-pulumi-nodejs" ] && [ -w "$dir" ]; then install_launcher "$dir"; fi
    log "using $existing (v$version)"
    echo "$dir"
    exit 0
  fi
fi

# 2. Already built on this machine.
if [ -x "$bin_dir/pulumi" ] && [ "$("$bin_dir/pulumi" version 2>/dev/null)" = "v$version" ]; then
  install_launcher "$bin_dir"
  log "using cached $bin_dir/pulumi"
  echo "$bin_dir"
  exit 0
fi

# 3. Build it.
command -v go >/dev/null || { log "Go is required to build the Pulumi CLI (https://go.dev)"; exit 1; }
log "building pulumi v$version into $bin_dir (once per machine; several minutes)"
started=$(date +%s)
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

export GOFLAGS="-mod=mod"
module_dir() { (cd "$work" && go mod download -json "$1@v$version" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})'); }
pkg_src="$(module_dir github.com/pulumi/pulumi/pkg/v3)"
sdk_src="$(module_dir github.com/pulumi/pulumi/sdk/v3)"

mkdir -p "$work/src"
cp -r "$pkg_src" "$work/src/pkg"
cp -r "$sdk_src" "$work/src/sdk"
chmod -R u+w "$work/src"

mkdir -p "$bin_dir"
(
  cd "$work/src/pkg"
  go mod download
  CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$bin_dir/pulumi" ./cmd/pulumi
)
install_launcher "$bin_dir"
log "built in $(( $(date +%s) - started ))s: $("$bin_dir/pulumi" version)"
echo "$bin_dir"
