#!/bin/sh
# Installs what deploy/run_local.sh needs beyond requirements.txt: HAProxy from Debian's
# packages (the load balancer in front of the Streamlit replicas). Run as root.
set -eu
if command -v haproxy >/dev/null 2>&1; then
    haproxy -v | head -n 1
    exit 0
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy
haproxy -v | head -n 1
