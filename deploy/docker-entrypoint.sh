#!/bin/sh
# The image's entry point (Dockerfile): names /data/mnist as MNIST_DIR only when a folder
# holding MNIST files is mounted there (compose.yaml mounts ./mnist). Otherwise the app
# uses its cache (/data/cache, downloading full MNIST when it can) or its offline
# sample, instead of saying on every page that the folder named by MNIST_DIR is empty.
# MNIST_MOUNT moves the folder (the tests use it).
set -eu
MNIST_MOUNT=${MNIST_MOUNT:-/data/mnist}
if [ -z "${MNIST_DIR:-}" ] && ls "$MNIST_MOUNT"/*-ubyte* >/dev/null 2>&1; then
    MNIST_DIR=$MNIST_MOUNT
    export MNIST_DIR
fi
exec "$@"
