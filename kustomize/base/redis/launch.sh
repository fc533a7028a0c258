#!/bin/sh
# Starts Redis in a pod of the redis StatefulSet: redis-0 is the primary, every other pod
# replicates it. Settings come from the pod's env (see statefulset.yaml).
set -eu

password=$(cat "$PASSWORD_FILE")
if [ -z "$password" ]; then
  echo "launch.sh: $PASSWORD_FILE is empty" >&2
  exit 1
fi

# AOF on the pod's volume: a primary that restarts comes back with its data instead of
# wiping its replicas with an empty data set. RDB snapshots off: AOF already covers it.
set -- --port "$LISTEN_PORT" --dir "$DATA_DIR" --appendonly yes --appendfsync everysec --save ""
pod=${HOSTNAME:-$(hostname)}
if [ "$pod" != "redis-0" ]; then
  set -- "$@" --replicaof "$PRIMARY_HOST" "$PRIMARY_PORT"
fi

# requirepass and masterauth (the same password on all pods, so any of them can serve as a
# replica) go in as config on stdin rather than as arguments, which any process could read.
# exec: redis-server becomes the container's main process and gets SIGTERM itself.
exec redis-server - "$@" <<CONFIG
requirepass "$password"
masterauth "$password"
CONFIG
