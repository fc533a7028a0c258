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
# Full storage: past MAXMEMORY (well below the container's memory limit) Redis refuses new data
# instead of being OOM-killed or dropping entries (noeviction); reads and deletes keep working.
set -- "$@" --maxmemory "$MAXMEMORY" --maxmemory-policy noeviction
pod=${HOSTNAME:-$(hostname)}
if [ "$pod" != "redis-0" ]; then
  set -- "$@" --replicaof "$PRIMARY_HOST" "$PRIMARY_PORT"
fi

# The same password on every pod, as requirepass and masterauth, so any pod can serve as a
# replica. (Redis replaces its process title, so `ps` does not show these arguments.)
# exec: redis-server becomes the container's main process and gets SIGTERM itself.
exec redis-server "$@" --requirepass "$password" --masterauth "$password"
