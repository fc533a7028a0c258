#!/bin/sh
# Starts Redis in a pod of the redis StatefulSet without Sentinel: redis-0 is the primary, every
# other pod replicates it. Settings come from the pod's env (see statefulset.yaml).
set -eu
script=launch.sh
. "$(dirname "$0")/peers.sh"

# AOF on the pod's volume: a primary that restarts comes back with its data. RDB snapshots off:
# AOF already covers it. No delay before a full sync: a replica that rejoins is served at once.
set -- --port "$LISTEN_PORT" --dir "$DATA_DIR" --appendonly yes --appendfsync everysec --save "" \
  --repl-diskless-sync-delay 0
# Full storage: past MAXMEMORY (well below the container's memory limit) Redis refuses new data
# instead of being OOM-killed or dropping entries (noeviction); reads and deletes keep working.
set -- "$@" --maxmemory "$MAXMEMORY" --maxmemory-policy noeviction
if [ "$POD_NAME" = redis-0 ]; then
  guard_primary_start
  # shellcheck disable=SC2086 # "HOST PORT": two arguments
  [ -z "$primary_source" ] || set -- "$@" --replicaof $primary_source
else
  set -- "$@" --replicaof "$PRIMARY_HOST" "$PRIMARY_PORT"
fi

# The same password on every pod, as requirepass and masterauth, so any pod can serve as a
# replica. (Redis replaces its process title, so `ps` does not show these arguments.)
# exec: redis-server becomes the container's main process and gets SIGTERM itself.
exec redis-server "$@" --requirepass "$password" --masterauth "$password"
