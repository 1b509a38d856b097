#!/usr/bin/env bash
# Installs, when missing, the tools that check the AWS deployment offline:
#   cfn-lint and moto[server]  into .local/python-tools (a venv; PyPI)
#   docker compose (v2 CLI plugin) into ~/.docker/cli-plugins, built from its Go module (no engine needed for
#                  `docker compose config`)
# Prints the venv's bin directory on stdout (the rest goes to stderr): PATH="$(scripts/aws/ensure-tools.sh):$PATH".
set -euo pipefail

CFN_LINT_VERSION=1.51.0
MOTO_VERSION=5.2.1
COMPOSE_VERSION=v5.6.0 # the newest whose go.mod accepts Go 1.26.8 (the machine's toolchain)

root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.local/python-tools"

python="${PYTHON:-}"
if [[ -z "$python" ]]; then python="$(command -v python3 || command -v python || true)"; fi
if [[ -z "$python" ]]; then
  echo "ensure-tools: no python3 on PATH (needed for cfn-lint and moto)" >&2
  exit 1
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv" >&2
fi
if ! "$venv/bin/cfn-lint" --version 2>/dev/null | grep -q "$CFN_LINT_VERSION" \
  || ! "$venv/bin/python" -c 'import moto.server, flask_cors' 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "cfn-lint==$CFN_LINT_VERSION" "moto[server]==$MOTO_VERSION" >&2
fi

if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1; then
  if ! command -v go >/dev/null; then
    echo "ensure-tools: docker compose is missing and there is no Go toolchain to build it" >&2
    exit 1
  fi
  echo "ensure-tools: building docker compose $COMPOSE_VERSION from its Go module (a few minutes, once)" >&2
  work="$(mktemp -d)"
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  (
    cd "$work"
    go mod init ensure-tools >/dev/null 2>&1
    src="$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v5@$COMPOSE_VERSION" |
      "$python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
    cp -r "$src" "$work/compose"
    chmod -R u+w "$work/compose"
    cd "$work/compose"
    mkdir -p "$HOME/.docker/cli-plugins"
    GOTOOLCHAIN=local go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" \
      -o "$HOME/.docker/cli-plugins/docker-compose" ./cmd >&2
  )
  docker compose version >&2
fi

echo "$venv/bin"
