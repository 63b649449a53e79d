#!/usr/bin/env bash
# Makes the Pulumi CLI and its language hosts available for `pulumi up` in a Pulumi.yaml
# project, the demo and the end-to-end tests, downloading nothing but Go modules from the
# Go module proxy.
#
# The versions, named here and nowhere else (the environment variable in parentheses
# overrides one):
# - `pulumi` (PULUMI_VERSION): the version of @pulumi/pulumi in package-lock.json, so the
#   engine and the Node.js SDK that runs programs and our dynamic provider speak the same
#   protocol.
# - The language hosts that run a project's program, each from a Go module the proxy
#   serves. The ones from github.com/pulumi/pulumi are each the last release whose source
#   is in its `sdk/v3` module: later releases moved them to nested modules
#   (sdk/nodejs/cmd/pulumi-language-nodejs, sdk/go/pulumi-language-go,
#   sdk/python/cmd/pulumi-language-python) that the proxy does not serve.
#   - `pulumi-language-nodejs` (PULUMI_LANGUAGE_NODEJS_VERSION, or the older name
#     PULUMI_LANGUAGE_HOST_VERSION): v3.68.0 from `sdk/v3`, for TypeScript and JavaScript
#     programs. It drives `pulumi up`, `preview`, `refresh`, `destroy` and `config` of the
#     newer CLI; what it lacks is listed in README.md ("Try it: `pulumi up` yourself").
#   - `pulumi-language-yaml` (PULUMI_LANGUAGE_YAML_VERSION): v1.25.0 of
#     github.com/pulumi/pulumi-yaml, the newest version the proxy serves, for YAML
#     programs (`runtime: yaml`). It is built with its own go.mod pins (pkg/v3 and sdk/v3
#     v3.206.0): it does not compile against the CLI's version of them.
#   - `pulumi-language-go` (PULUMI_LANGUAGE_GO_VERSION): v3.66.0 from `sdk/v3`, for Go
#     programs (it compiles them with the `go` on PATH).
#   - `pulumi-language-python` (PULUMI_LANGUAGE_PYTHON_VERSION): v3.79.0 from `sdk/v3`, for
#     Python programs, with `pulumi-language-python-exec`, the Python script from the same
#     module that the host runs with `python3` to run a program; it looks for it next to
#     itself. A program needs the `pulumi` Python package (pip) of its own.
#
# Which language hosts: all four by default (`npm test` runs a program in each language;
# `default_hosts` below); ESA_LANGUAGE_HOSTS, a space- or comma-separated list of host
# names, adds to that list.
#
# - A `pulumi` of that version already on PATH, with those language hosts beside it (a
#   full Pulumi installation), is used as is.
# - Otherwise the CLI and the hosts are built into a cache outside the repository, once per
#   machine and version, side by side: the engine takes a `pulumi-language-<name>` next to
#   the `pulumi` binary as its bundled host. Each host has a version stamp there
#   (`pulumi-language-<name>.version`): a host of another version is rebuilt, alone.
# - `pulumi-resource-pulumi-nodejs`, the plugin the engine launches for dynamic
#   providers, is our own launcher (scripts/pulumi-resource-pulumi-nodejs), copied next
#   to `pulumi`.
#
# Progress goes to stderr; the last line on stdout is the directory to put on PATH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

version="${PULUMI_VERSION:-$(node -p "require('$root/package-lock.json').packages['node_modules/@pulumi/pulumi'].version")}"
nodejs_version="${PULUMI_LANGUAGE_NODEJS_VERSION:-${PULUMI_LANGUAGE_HOST_VERSION:-3.68.0}}"
yaml_version="${PULUMI_LANGUAGE_YAML_VERSION:-1.25.0}"
go_version="${PULUMI_LANGUAGE_GO_VERSION:-3.66.0}"
python_version="${PULUMI_LANGUAGE_PYTHON_VERSION:-3.79.0}"
# The language hosts every run makes available (add `go` or `python` here to make them
# default); the others only when ESA_LANGUAGE_HOSTS names them.
default_hosts="nodejs yaml go python"
known_hosts="nodejs yaml go python"
cache_root="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esa-routine-deployment/pulumi}"
bin_dir="$cache_root/v$version/bin"

log() { printf 'install-pulumi: %s\n' "$*" >&2; }

# The language hosts to make available: the default ones and ESA_LANGUAGE_HOSTS, each once.
requested="${ESA_LANGUAGE_HOSTS:-}"
hosts=""
for h in $default_hosts ${requested//,/ }; do
  case " $known_hosts " in
    *" $h "*) ;;
    *)
      log "ESA_LANGUAGE_HOSTS: unknown language host \"$h\" (known: $known_hosts)"
      exit 1
      ;;
  esac
  case " $hosts " in
    *" $h "*) ;;
    *) hosts="${hosts:+$hosts }$h" ;;
  esac
done

# What language host $1 is built from. Sets h_version, h_module (the Go module),
# h_package (the package in it), h_version_var (the variable -X sets to the version),
# h_shim (a file of the module installed next to the host, or empty) and h_time (the
# estimated build time, for the log).
host_info() {
  h_module=github.com/pulumi/pulumi/sdk/v3
  h_version_var=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
  h_shim=""
  case "$1" in
    nodejs)
      h_version="$nodejs_version"
      h_package=./nodejs/cmd/pulumi-language-nodejs
      h_time="about 1-3 minutes"
      ;;
    yaml)
      h_version="$yaml_version"
      h_module=github.com/pulumi/pulumi-yaml
      h_package=./cmd/pulumi-language-yaml
      h_version_var=github.com/pulumi/pulumi-yaml/pkg/version.Version
      h_time="about 2-4 minutes"
      ;;
    go)
      h_version="$go_version"
      h_package=./go/pulumi-language-go
      h_time="about 1-3 minutes"
      ;;
    python)
      h_version="$python_version"
      h_package=./python/cmd/pulumi-language-python
      h_shim=python/cmd/pulumi-language-python-exec
      h_time="about 1-3 minutes"
      ;;
  esac
}

# The files of the requested language hosts (of any version) that directory $1 lacks.
hosts_lacking() {
  local h out=""
  for h in $hosts; do
    host_info "$h"
    [ -x "$1/pulumi-language-$h" ] || out="${out:+$out, }pulumi-language-$h"
    [ -z "$h_shim" ] || [ -e "$1/${h_shim##*/}" ] || out="${out:+$out, }${h_shim##*/}"
  done
  echo "$out"
}

install_launcher() {
  cp "$here/pulumi-resource-pulumi-nodejs" "$1/pulumi-resource-pulumi-nodejs"
  chmod +x "$1/pulumi-resource-pulumi-nodejs"
}

# 1. A full installation of the right version on PATH.
if existing="$(command -v pulumi 2>/dev/null)" && [ "$(dirname "$existing")" != "$bin_dir" ]; then
  dir="$(dirname "$existing")"
  if [ "$("$existing" version 2>/dev/null)" = "v$version" ]; then
    lacking="$(hosts_lacking "$dir")"
    if [ -z "$lacking" ]; then
      if [ ! -x "$dir/pulumi-resource-pulumi-nodejs" ] && [ -w "$dir" ]; then install_launcher "$dir"; fi
      log "using $existing (v$version) and the language hosts beside it ($hosts)"
      echo "$dir"
      exit 0
    fi
    log "not using $existing: no $lacking beside it"
  fi
fi

have_cli() { [ -x "$bin_dir/pulumi" ] && [ "$("$bin_dir/pulumi" version 2>/dev/null)" = "v$version" ]; }
have_host() {
  host_info "$1"
  [ -x "$bin_dir/pulumi-language-$1" ] &&
    [ "$(cat "$bin_dir/pulumi-language-$1.version" 2>/dev/null)" = "v$h_version" ] &&
    { [ -z "$h_shim" ] || [ -x "$bin_dir/${h_shim##*/}" ]; }
}
have_hosts() {
  local h
  for h in $hosts; do have_host "$h" || return 1; done
}
# "pulumi-language-nodejs v3.68.0, pulumi-language-yaml v1.25.0", for the log.
hosts_described() {
  local h out=""
  for h in $hosts; do
    host_info "$h"
    out="${out:+$out, }pulumi-language-$h v$h_version"
  done
  echo "$out"
}

# 2. Already built on this machine.
if have_cli && have_hosts; then
  install_launcher "$bin_dir"
  log "using $bin_dir (pulumi v$version, $(hosts_described))"
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
if have_cli && have_hosts; then
  install_launcher "$bin_dir"
  echo "$bin_dir"
  exit 0
fi

missing=""
for h in $hosts; do have_host "$h" || missing="${missing:+$missing }$h"; done
log "one-time setup on this machine: building, to be cached in $bin_dir:"
have_cli || log "  pulumi v$version (about 8 minutes on 2 cores)"
for h in $missing; do
  host_info "$h"
  log "  pulumi-language-$h v$h_version ($h_time)"
done

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

# Downloads the modules package $1 imports, quietly but for errors. (`go mod download`
# would fetch the whole module graph, test dependencies too: for pulumi-yaml 1.3 GB
# instead of 0.5 GB.)
download_deps() {
  local out
  if ! out="$(go list -deps "$1" 2>&1 >/dev/null)"; then
    printf '%s\n' "$out" | grep -v '^go: downloading ' >&2
    return 1
  fi
}

# Builds language host $1 within its module's source, with that module's own go.mod.
build_host() {
  host_info "$1"
  local name="pulumi-language-$1" src="$work/$1" module
  log "[$name] downloading the $h_module module v$h_version"
  module="$(module_dir "$h_module" "$h_version")"
  copy_module "$module" "$src"
  (cd "$src" && with_progress "[$name] downloading dependencies" download_deps "$h_package")
  log "[$name] compiling"
  (cd "$src" && with_progress "[$name] compiling" env CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X $h_version_var=v$h_version" \
    -o "$bin_dir/$name.new" "$h_package")
  if [ -n "$h_shim" ]; then
    cp "$src/$h_shim" "$bin_dir/${h_shim##*/}"
    chmod +x "$bin_dir/${h_shim##*/}"
  fi
  mv "$bin_dir/$name.new" "$bin_dir/$name"
  echo "v$h_version" >"$bin_dir/$name.version"
  log "[$name] built v$h_version"
}

have_cli || build_cli
for h in $missing; do build_host "$h"; done
install_launcher "$bin_dir"
log "done in $(($(date +%s) - started))s; put $bin_dir on PATH to run \`pulumi\` yourself"
echo "$bin_dir"
