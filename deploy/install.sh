#!/bin/sh
# Installs what deploy/run_local.sh needs beyond requirements.txt, from Debian's
# packages: HAProxy (the load balancer in front of the Streamlit replicas) and
# PostgreSQL (the database they share; deploy/postgres.sh runs a cluster of its own, so
# the package's default cluster is not needed). Run as root.
set -eu
missing=""
command -v haproxy >/dev/null 2>&1 || missing="$missing haproxy"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ]; then
    apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
haproxy -v | head -n 1
ls -d /usr/lib/postgresql/*/bin
