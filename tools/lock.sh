#!/usr/bin/env bash
# Remake the locks from the ranges: requirements.lock (the app) and requirements-dev.lock
# (the app and the development tools, with the same versions of everything they share).
# One lock serves Python 3.11 to 3.13 on Linux, macOS and Windows, x86-64 and ARM
# (`--universal`: a line whose version differs between them carries a marker).
# Needs uv (`python -m pip install uv`) and the package registry.
set -euo pipefail
cd "$(dirname "$0")/.."
compile() {
  python -m uv pip compile --universal --python-version 3.11 --quiet \
    --custom-compile-command "tools/lock.sh" "$@"
}
compile requirements.txt -o requirements.lock
compile requirements-dev.txt -c requirements.lock -o requirements-dev.lock
