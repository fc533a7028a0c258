#!/bin/sh
# Starts Redis in a pod of the redis StatefulSet with Sentinel (kustomize/components/sentinel):
# it follows the primary the Sentinels name. Settings come from the pod's env.
set -eu
script=launch.sh
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/sentinels.sh"

# AOF on the pod's volume; no delay before a full sync (a rejoining replica is served at once);
# peers and Sentinels reach this pod by its stable DNS name, not its changing IP. A primary
# refuses writes once no replica has confirmed the stream for 10 s: an old primary cut off from
# the others stops taking writes that the new primary would never see.
set -- --port "$LISTEN_PORT" --dir "$DATA_DIR" --appendonly yes --appendfsync everysec --save "" \
  --repl-diskless-sync-delay 0 --replica-announce-ip "$ANNOUNCE_HOST" \
  --min-replicas-to-write 1 --min-replicas-max-lag 10
# Full storage: past MAXMEMORY (well below the container's memory limit) Redis refuses new data
# instead of being OOM-killed or dropping entries (noeviction); reads and deletes keep working.
set -- "$@" --maxmemory "$MAXMEMORY" --maxmemory-policy noeviction

# A replica that has not finished its first full sync holds a partial or an old data set:
# Sentinel must not promote it (priority 0 = never), until the sync is done.
promotable_after_first_sync() {
  wait_for_first_sync || return 0
  cli "$self" CONFIG SET replica-priority 100 >/dev/null
  log "first sync with the primary done: this replica may now be promoted"
}

# A primary that restarts while the Sentinels see it down may be in the middle of a failover:
# it starts refusing writes (3 replicas can never confirm) and takes them only once every
# Sentinel that answers sees it up with no failover under way, twice a second apart.
# Otherwise it could take writes that the new primary never gets.
writes_once_confirmed() {
  confirmed=0
  while [ "$confirmed" -lt 2 ]; do
    sleep 1
    [ "$(sentinel_master)" = "$self" ] || break # demoted meanwhile: nothing to confirm
    if sentinels_see_master_up; then confirmed=$((confirmed + 1)); else confirmed=0; fi
  done
  cli "$self" CONFIG SET min-replicas-to-write 1 >/dev/null
  log "the Sentinels confirm this pod as the primary (or demoted it): writes allowed again"
}

primary=""
confirm=""
while :; do
  master=$(sentinel_master)
  if [ -n "$master" ]; then
    if [ "$master" != "$self" ]; then
      log "the Sentinels name $master as the primary: starting as its replica"
      primary=$master
    elif has_data; then
      log "the Sentinels name this pod as the primary and its data dir holds an append-only file: starting as the primary," \
        "refusing writes until they confirm it"
      confirm=yes
    else
      log "the Sentinels name this pod as the primary, but its data dir is empty: waiting for them to fail over" \
        "to a replica that holds the data (an empty primary would erase its replicas)"
      sleep 2
      continue
    fi
  else
    # No Sentinel knows a primary: a new cluster, or all Sentinels restarted at once.
    primary=$(peer_primary)
    if [ -n "$primary" ]; then
      log "no Sentinel names a primary; $primary says it is one: starting as its replica"
    elif [ "${POD_NAME}" = redis-0 ]; then
      log "no Sentinel names a primary and no peer is one: redis-0 starts as the primary, guarded"
      guard_primary_start
      [ -z "$primary_source" ] || set -- "$@" --replicaof $primary_source # shellcheck disable=SC2086
    else
      log "no Sentinel names a primary and no peer is one: starting as a replica of $PRIMARY_HOST:$PRIMARY_PORT"
      primary=$PRIMARY_HOST:$PRIMARY_PORT
    fi
  fi
  break
done
if [ -n "$primary" ]; then
  set -- "$@" --replicaof "${primary%:*}" "${primary##*:}" --replica-priority 0
  promotable_after_first_sync &
fi
if [ -n "$confirm" ]; then
  set -- "$@" --min-replicas-to-write 3
  writes_once_confirmed &
fi

# The same password on every pod, as requirepass and masterauth (any pod may become the primary).
# exec: redis-server becomes the container's main process and gets SIGTERM itself.
exec redis-server "$@" --requirepass "$password" --masterauth "$password"
