#!/bin/sh
# MLP Lab on several Streamlit servers behind HAProxy, all on this machine:
# REPLICAS (1-3, default 3) `streamlit run app.py` on 127.0.0.1:APP1_PORT.. (8601..) and
# HAProxy on LB_ADDR:LB_PORT (127.0.0.1:8501) with sticky sessions (deploy/haproxy.cfg).
# Open http://127.0.0.1:8501. Ctrl-C (or SIGTERM) stops everything.
#
# Needs haproxy (deploy/install.sh) and requirements.txt. MNIST_DIR is passed on to the
# replicas. Each replica trains in its own pool of MLP_LAB_WORKERS worker processes
# (default: this machine's cores shared out between the replicas, at least one). RUN_DIR (a temporary folder by default) gets each replica's log and pid
# (appN.log, appN.pid), haproxy's config and pid.
set -eu
cd "$(dirname "$0")/.."
REPLICAS=${REPLICAS:-3}
export LB_ADDR=${LB_ADDR:-127.0.0.1} LB_PORT=${LB_PORT:-8501}
export APP1_PORT=${APP1_PORT:-8601} APP2_PORT=${APP2_PORT:-8602} APP3_PORT=${APP3_PORT:-8603}
export APP1_HOST=127.0.0.1 APP2_HOST=127.0.0.1 APP3_HOST=127.0.0.1
RUN_DIR=${RUN_DIR:-$(mktemp -d /tmp/mlp-lab-deploy.XXXXXX)}
PYTHON=${PYTHON:-python3}
CORES=$(nproc 2>/dev/null || echo 1)
WORKERS=$((CORES / REPLICAS))
[ "$WORKERS" -ge 1 ] || WORKERS=1
export MLP_LAB_WORKERS=${MLP_LAB_WORKERS:-$WORKERS}
command -v haproxy >/dev/null || { echo "haproxy is not installed: run deploy/install.sh" >&2; exit 1; }
case "$REPLICAS" in 1|2|3) ;; *) echo "REPLICAS must be 1, 2 or 3 (got $REPLICAS)" >&2; exit 2;; esac
# One cookie secret for all replicas, so their signed cookies agree after a failover.
STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$($PYTHON -c 'import secrets; print(secrets.token_hex(32))')}
export STREAMLIT_SERVER_COOKIE_SECRET

PIDS=""
stop() {
    trap - INT TERM EXIT
    for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

i=1
while [ "$i" -le "$REPLICAS" ]; do
    port=$(eval echo "\$APP${i}_PORT")
    "$PYTHON" -m streamlit run app.py --server.headless=true --server.address=127.0.0.1 \
        --server.port="$port" --browser.gatherUsageStats=false --server.fileWatcherType=none \
        >"$RUN_DIR/app$i.log" 2>&1 &
    echo $! >"$RUN_DIR/app$i.pid"
    PIDS="$PIDS $!"
    i=$((i + 1))
done

# The config without the servers of replicas not started.
cp deploy/haproxy.cfg "$RUN_DIR/haproxy.cfg"
k=$((REPLICAS + 1))
while [ "$k" -le 3 ]; do
    sed -i "/^ *server app$k /d" "$RUN_DIR/haproxy.cfg"
    k=$((k + 1))
done
haproxy -c -q -f "$RUN_DIR/haproxy.cfg"
haproxy -db -f "$RUN_DIR/haproxy.cfg" >"$RUN_DIR/haproxy.log" 2>&1 &
echo $! >"$RUN_DIR/haproxy.pid"
PIDS="$PIDS $!"
echo "MLP Lab: http://$LB_ADDR:$LB_PORT ($REPLICAS replicas on ports $APP1_PORT..; logs in $RUN_DIR)"
wait
