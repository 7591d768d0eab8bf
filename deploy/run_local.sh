#!/bin/sh
# MLP Lab on several Streamlit servers behind HAProxy, all on this machine, sharing one
# PostgreSQL database so every replica sees every student's saved work:
# REPLICAS (1-3, default 3) `streamlit run serve.py` (app.py with the Playground's live
# channel, as the README starts it) on 127.0.0.1:APP1_PORT.. (8601..),
# HAProxy on LB_ADDR:LB_PORT (127.0.0.1:8501) with sticky sessions (deploy/haproxy.cfg),
# and a PostgreSQL cluster of its own (deploy/postgres.sh) in PG_DIR. Open
# http://127.0.0.1:8501. Ctrl-C (or SIGTERM) stops everything; the database's data stays
# in PG_DIR for the next lesson.
#
# Supervised: a replica (or HAProxy) that exits is started again after a short pause
# (1 s, doubling up to 30 s while it keeps failing within a minute), each restart
# logged on stderr and in RUN_DIR/supervisor.log: a class survives a crashed replica
# without the teacher. Its students reconnect through HAProxy to a live replica and
# find their saved runs there.
#
# Environment:
#   MLP_LAB_DATABASE_URL  an existing database for the replicas; then no PostgreSQL is
#                         started here
#   PG_DIR                the cluster's folder (default: postgres/ in the app's data
#                         folder: $MLP_LAB_DATA, else ~/.local/share/mlp_lab); PG_PORT
#                         its port (default: the one it used before, or a free one)
#   MNIST_DIR             passed on to the replicas
#   MLP_LAB_WORKERS       worker processes per replica (mlp_fast/pool.py); default:
#                         this machine's cores shared out between the replicas, at least 1
#   RUN_DIR               each replica's log and pid (appN.log, appN.pid), haproxy's
#                         config, log (the access log) and pid (a temporary folder)
# Needs haproxy and postgresql (deploy/install.sh installs both) and requirements.txt.
set -eu
cd "$(dirname "$0")/.."
REPLICAS=${REPLICAS:-3}
export LB_ADDR=${LB_ADDR:-127.0.0.1} LB_PORT=${LB_PORT:-8501}
export APP1_PORT=${APP1_PORT:-8601} APP2_PORT=${APP2_PORT:-8602} APP3_PORT=${APP3_PORT:-8603}
export APP1_HOST=127.0.0.1 APP2_HOST=127.0.0.1 APP3_HOST=127.0.0.1
RUN_DIR=${RUN_DIR:-$(mktemp -d /tmp/mlp-lab-deploy.XXXXXX)}
PYTHON=${PYTHON:-python3}
export PYTHON
CORES=$(nproc 2>/dev/null || echo 1)
WORKERS=$((CORES / REPLICAS))
[ "$WORKERS" -ge 1 ] || WORKERS=1
export MLP_LAB_WORKERS=${MLP_LAB_WORKERS:-$WORKERS}
command -v haproxy >/dev/null || { echo "haproxy is not installed: run deploy/install.sh" >&2; exit 1; }
case "$REPLICAS" in 1|2|3) ;; *) echo "REPLICAS must be 1, 2 or 3 (got $REPLICAS)" >&2; exit 2;; esac
# One cookie secret for all replicas, so their signed cookies agree after a failover.
STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$($PYTHON -c 'import secrets; print(secrets.token_hex(32))')}
export STREAMLIT_SERVER_COOKIE_SECRET
mkdir -p "$RUN_DIR"

log() { echo "run_local.sh: $(date -u +%H:%M:%S) $*" | tee -a "$RUN_DIR/supervisor.log" >&2; }

# `supervise NAME COMMAND...` in the background: runs COMMAND, writes its pid to
# RUN_DIR/NAME.pid and its output to RUN_DIR/NAME.log, and starts it again when it
# exits, until it is sent TERM (then it stops COMMAND and waits for it).
supervise() {
    name=$1
    shift
    child=""
    trap '[ -z "$child" ] || kill "$child" 2>/dev/null; [ -z "$child" ] || wait "$child"; exit 0' TERM
    pause=1
    while :; do
        started=$(date +%s)
        "$@" >>"$RUN_DIR/$name.log" 2>&1 &
        child=$!
        echo "$child" >"$RUN_DIR/$name.pid"
        code=0
        wait "$child" || code=$?
        ran=$(($(date +%s) - started))
        [ "$ran" -lt 60 ] || pause=1
        log "$name (pid $child) exited with code $code after ${ran}s; starting it again in ${pause}s"
        child=""
        sleep "$pause" &
        wait $! || true
        pause=$((pause * 2))
        [ "$pause" -le 30 ] || pause=30
    done
}

PIDS=""
PG_STARTED=""
stop() {
    trap - INT TERM EXIT
    for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -z "$PG_STARTED" ] || sh deploy/postgres.sh stop "$PG_DIR" || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

if [ -z "${MLP_LAB_DATABASE_URL:-}" ]; then
    PG_DIR=${PG_DIR:-${MLP_LAB_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/mlp_lab}/postgres}
    MLP_LAB_DATABASE_URL=$(sh deploy/postgres.sh start "$PG_DIR" ${PG_PORT:+"$PG_PORT"})
    PG_STARTED=1
fi
export MLP_LAB_DATABASE_URL

i=1
while [ "$i" -le "$REPLICAS" ]; do
    port=$(eval echo "\$APP${i}_PORT")
    supervise "app$i" "$PYTHON" -m streamlit run serve.py --server.headless=true \
        --server.address=127.0.0.1 --server.port="$port" --browser.gatherUsageStats=false \
        --server.fileWatcherType=none &
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
supervise haproxy haproxy -db -f "$RUN_DIR/haproxy.cfg" &
PIDS="$PIDS $!"
echo "MLP Lab: http://$LB_ADDR:$LB_PORT ($REPLICAS replicas on ports $APP1_PORT..; logs in $RUN_DIR)"
wait
