#!/usr/bin/env bash
# Makes the Pulumi CLI and its Node.js language host available for `pulumi up` in a
# Pulumi.yaml project, the demo and the end-to-end tests, downloading nothing but Go
# modules from the Go module proxy.
#
# The versions, named here and nowhere else:
# - `pulumi`: the version of @pulumi/pulumi in package-lock.json, so the engine and the
#   Node.js SDK that runs programs and our dynamic provider speak the same protocol.
# - `pulumi-language-nodejs` (the language host that runs a project's TypeScript
#   program): v3.68.0, the last release whose source is in the `sdk/v3` Go module the
#   proxy serves (later releases moved it to a nested module it does not serve). It
#   drives `pulumi up`, `preview`, `refresh`, `destroy` and `config` of the newer CLI;
#   what it lacks is listed in README.md ("Getting the Pulumi CLI").
#
# - A `pulumi` of that version already on PATH, with a language host beside it (a full
#   Pulumi installation), is used as is.
# - Otherwise both are built into a cache outside the repository, once per machine and
#   version, side by side: the engine takes a `pulumi-language-nodejs` next to the
#   `pulumi` binary as its bundled host.
# - `pulumi-resource-pulumi-nodejs`, the plugin the engine launches for dynamic
#   providers, is our own launcher (scripts/pulumi-resource-pulumi-nodejs), copied next
#   to `pulumi`.
#
# Progress goes to stderr; the last line on stdout is the directory to put on PATH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

version="${PULUMI_VERSION:-$(node -p "require('$root/package-lock.json').packages['node_modules/@pulumi/pulumi'].version")}"
host_version="${PULUMI_LANGUAGE_HOST_VERSION:-3.68.0}"
cache_root="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esa-routine-deployment/pulumi}"
bin_dir="$cache_root/v$version/bin"
host_stamp="$bin_dir/pulumi-language-nodejs.version"

log() { printf 'install-pulumi: %s\n' "$*" >&2; }

install_launcher() {
  cp "$here/pulumi-resource-pulumi-nodejs" "$1/pulumi-resource-pulumi-nodejs"
  chmod +x "$1/pulumi-resource-pulumi-nodejs"
}

# 1. A full installation of the right version on PATH.
if existing="$(command -v pulumi 2>/dev/null)" && [ "$(dirname "$existing")" != "$bin_dir" ]; then
  dir="$(dirname "$existing")"
  if [ "$("$existing" version 2>/dev/null)" = "v$version" ] && [ -x "$dir/pulumi-language-nodejs" ]; then
    if [ ! -x "$dir/pulumi-resource-pulumi-nodejs" ] && [ -w "$dir" ]; then install_launcher "$dir"; fi
    log "using $existing (v$version) and the language host beside it"
    echo "$dir"
    exit 0
  fi
fi

have_cli() { [ -x "$bin_dir/pulumi" ] && [ "$("$bin_dir/pulumi" version 2>/dev/null)" = "v$version" ]; }
have_host() { [ -x "$bin_dir/pulumi-language-nodejs" ] && [ "$(cat "$host_stamp" 2>/dev/null)" = "v$host_version" ]; }

# 2. Already built on this machine.
if have_cli && have_host; then
  install_launcher "$bin_dir"
  log "using $bin_dir (pulumi v$version, pulumi-language-nodejs v$host_version)"
  echo "$bin_dir"
  exit 0
fi

# 3. Build what is missing.
command -v go >/dev/null || {
  log "Go is required to build the Pulumi CLI (https://go.dev/dl; Go >= 1.26), or put a full Pulumi v$version installation on PATH"
  exit 1
}
mkdir -p "$bin_dir"
# One build at a time per cache: a second run (the demo and the tests started together)
# waits for the first and then finds everything built.
# (flock is util-linux; where it is missing, e.g. macOS, builds are not serialized.)
if command -v flock >/dev/null; then
  exec 9>"$bin_dir/.build.lock"
  if ! flock -n 9; then
    log "another build is running into $bin_dir; waiting for it"
    flock 9
  fi
fi
if have_cli && have_host; then
  install_launcher "$bin_dir"
  echo "$bin_dir"
  exit 0
fi

todo=()
have_cli || todo+=("pulumi v$version (about 8 minutes on 2 cores)")
have_host || todo+=("pulumi-language-nodejs v$host_version (about 1-3 minutes)")
what="${todo[0]}"
if [ "${#todo[@]}" -gt 1 ]; then what="$what and ${todo[1]}"; fi
log "one-time setup on this machine: building $what; cached in $bin_dir"

started=$(date +%s)
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOFLAGS="-mod=mod"

# The source directory of a module version in the Go module cache (downloaded if needed).
module_dir() {
  (cd "$work" && go mod download -json "$1@v$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')
}

# Runs a long command, printing a line every 30 s so a CI log shows it is alive.
with_progress() {
  local what="$1" since
  shift
  since=$(date +%s)
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do
      sleep 1
      kill -0 "$pid" 2>/dev/null || break
    done
    if kill -0 "$pid" 2>/dev/null; then log "  $what: $(($(date +%s) - since))s so far"; fi
  done
  wait "$pid"
}

# Copied out of the read-only module cache so that `go` may write go.sum entries.
copy_module() {
  rm -rf "$2"
  mkdir -p "$(dirname "$2")"
  cp -r "$1" "$2"
  chmod -R u+w "$2"
}

build_cli() {
  log "[pulumi] downloading the pkg/v3 and sdk/v3 modules v$version"
  copy_module "$(module_dir github.com/pulumi/pulumi/pkg/v3 "$version")" "$work/cli/pkg"
  copy_module "$(module_dir github.com/pulumi/pulumi/sdk/v3 "$version")" "$work/cli/sdk"
  # pkg's go.mod replaces sdk with ../sdk: the two are laid out side by side.
  (cd "$work/cli/pkg" && with_progress "[pulumi] downloading dependencies" go mod download)
  log "[pulumi] compiling"
  (cd "$work/cli/pkg" && with_progress "[pulumi] compiling" env CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$bin_dir/pulumi.new" ./cmd/pulumi)
  mv "$bin_dir/pulumi.new" "$bin_dir/pulumi"
  log "[pulumi] built: $("$bin_dir/pulumi" version)"
}

build_host() {
  log "[pulumi-language-nodejs] downloading the sdk/v3 module v$host_version"
  copy_module "$(module_dir github.com/pulumi/pulumi/sdk/v3 "$host_version")" "$work/host/sdk"
  (cd "$work/host/sdk" && with_progress "[pulumi-language-nodejs] downloading dependencies" go mod download)
  log "[pulumi-language-nodejs] compiling"
  (cd "$work/host/sdk" && with_progress "[pulumi-language-nodejs] compiling" env CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$host_version" \
    -o "$bin_dir/pulumi-language-nodejs.new" ./nodejs/cmd/pulumi-language-nodejs)
  mv "$bin_dir/pulumi-language-nodejs.new" "$bin_dir/pulumi-language-nodejs"
  echo "v$host_version" >"$host_stamp"
  log "[pulumi-language-nodejs] built v$host_version"
}

have_cli || build_cli
have_host || build_host
install_launcher "$bin_dir"
log "done in $(($(date +%s) - started))s; put $bin_dir on PATH to run \`pulumi\` yourself"
echo "$bin_dir"
