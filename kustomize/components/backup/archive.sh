#!/bin/sh
# Point-in-time archive (sidecar of every Redis pod, Redis image plus the restic binary): while
# this pod is a replica in sync, every ARCHIVE_INTERVAL seconds it ships its current append-only
# files (the base and the incremental files after it, written with aof-timestamp-enabled so that a
# restore can cut them at any second) to its own restic repository, ARCHIVE_REPOSITORY/POD_NAME.
# Only the files that changed are read again; restic uploads only the new chunks. Per repository it
# keeps the newest shipment of each base ("segment": the base file, named and written at one
# second), for ARCHIVE_KEEP_DAYS. Each shipment records the replica's replication offset, which
# only grows while the journal goes on: a restore "as far as the archive reaches" compares it. It never stops on a
# failure (its pod's readiness would take Redis out of service): it logs one line and tries again.
# Env: POD_NAME, LISTEN_PORT, DATA_DIR, PASSWORD_FILE, WORK_DIR, ARCHIVE_REPOSITORY,
# ARCHIVE_INTERVAL, ARCHIVE_KEEP_DAYS, RESTIC_PASSWORD_FILE, RESTIC_CACHE_DIR (and the store's
# credentials).
set -u
script=archive.sh
# The container's first process ignores a signal it has no trap for: without this, every Redis pod
# would wait out its grace period when it goes. The round under way finishes (its shipment and
# retention stand), the pause between rounds does not.
trap 'stopping=yes; [ -z "${pause:-}" ] || kill "$pause" 2>/dev/null' TERM INT
rest() {
  sleep "$1" &
  pause=$!
  # A signal that came just before the pause began finds it here.
  [ -z "${stopping:-}" ] || kill "$pause" 2>/dev/null
  wait "$pause"
  pause=""
}
. "$(dirname "$0")/common.sh"
self=127.0.0.1:$LISTEN_PORT
aof=$DATA_DIR/appendonlydir
. "$(dirname "$0")/segments.sh"
cd "$WORK_DIR"

# The ids of the shipments a newer shipment of their segment holds in full (the files only grow).
superseded_shipments() {
  shipments "$RESTIC_REPOSITORY" >shipments.txt || return 1
  # "SEGMENT SHIPPED ID", newest first per segment: every line after a segment's first.
  awk '$5 != "" { print $5, $3, $1 }' shipments.txt | sort -k1,1 -k2,2nr | awk '$1 == segment { print $3 } { segment = $1 }'
}

# One shipment; returns 1 (and says why in `why`) if it did not happen.
ship() {
  export RESTIC_REPOSITORY="$ARCHIVE_REPOSITORY/$POD_NAME"
  # Every second in the files gets a "#TS:<unix time>" line before its first command.
  cli "$self" CONFIG SET aof-timestamp-enabled yes >/dev/null || { why="Redis on $self does not answer"; return 1; }
  info=$(cli "$self" INFO replication) || { why="Redis on $self does not answer"; return 1; }
  if [ "$(echo "$info" | field role)" != slave ] || [ "$(echo "$info" | field master_link_status)" != up ]; then
    why=""
    return 1 # not a replica in sync: the replicas archive
  fi
  # The current segment, as the manifest lists it (history files, type h, were shipped before).
  manifest=$(cat "$aof"/*.manifest 2>/dev/null)
  files=$(echo "$manifest" | awk '$1 == "file" && ($NF == "b" || $NF == "i") { print $2 }')
  base=$(echo "$files" | grep '\.base\.' || true)
  [ -n "$base" ] || { why="no append-only base file in $aof"; return 1; }
  start=$(stat -c %Y "$aof/$base" 2>/dev/null) || { why="$base went (an append-only rewrite): shipped next round"; return 1; }
  # Everything written before this second is in the files as they are read from now on.
  shipped=$(date +%s)
  if ! restic cat config >/dev/null 2>restic.err; then
    restic init >/dev/null 2>restic.err || { why="cannot open or create $RESTIC_REPOSITORY: $(reason)"; return 1; }
  fi
  # This pod is its repository's only writer: a lock there is one its killed predecessor left.
  [ -n "${unlocked:-}" ] || { restic unlock >/dev/null 2>restic.err && unlocked=yes; }
  # shellcheck disable=SC2086 # one path per file
  shipment=$(cd "$aof" && restic backup --json --host "$POD_NAME" --tag aof --tag "start:$start" --tag "segment:${base##*/}@$start" \
    --tag "offset:$(echo "$info" | field master_repl_offset)" --tag "shipped:$shipped" \
    --time "$(date -u -d "@$shipped" '+%Y-%m-%d %H:%M:%S')" $files 2>restic.err)
  status=$?
  # A rewrite while the files were read (a new manifest) may have left out or cut a file: restic
  # skips a path that went. Such a shipment must never stand for its segment.
  if [ "$status" -ne 0 ] || [ "$(cat "$aof"/*.manifest 2>/dev/null)" != "$manifest" ]; then
    id=$(echo "$shipment" | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')
    if [ "$status" -ne 0 ]; then
      why="shipping $files to $RESTIC_REPOSITORY: $(reason)"
    else
      why="the append-only files were rewritten while shipped: shipped again next round"
    fi
    [ -z "$id" ] || restic forget --quiet "$id" >/dev/null 2>restic.err || why="$why; the partial shipment $id stays: $(reason)"
    return 1
  fi
  # Keep the newest shipment per segment, and the segments shipped within the window. A segment is
  # not its paths: a pod on a new volume numbers its files from 1 again, and grouping by paths
  # would forget an older journal's segment for an empty one's.
  superseded=$(superseded_shipments) &&
    # shellcheck disable=SC2086 # one id per shipment
    { [ -z "$superseded" ] || restic forget --quiet $superseded >/dev/null 2>restic.err; } &&
    restic forget --quiet --tag aof --group-by host --keep-within "${ARCHIVE_KEEP_DAYS}d" >/dev/null 2>restic.err ||
    { why="shipped, but the retention policy failed in $RESTIC_REPOSITORY: $(reason)"; return 1; }
  # The forgotten shipments' chunks go once an hour (it rewrites pack files: not every round).
  if [ $((shipped - ${pruned:-0})) -ge 3600 ]; then
    restic prune --quiet >/dev/null 2>restic.err || { why="pruning $RESTIC_REPOSITORY: $(reason)"; return 1; }
    pruned=$shipped
  fi
  why=""
}

while [ -z "$ARCHIVE_REPOSITORY" ] && [ -z "${stopping:-}" ]; do
  [ -n "${said:-}" ] || log "no point-in-time archive: ARCHIVE_REPOSITORY is not set (docs/backup.md)"
  said=yes
  touch round # for the liveness probe
  rest 300
done
while [ -z "${stopping:-}" ]; do
  if ship; then
    # One line when shipping starts again after a pause or a failure, not one every round.
    [ "${state:-}" = shipping ] || log "archiving $aof to $RESTIC_REPOSITORY every ${ARCHIVE_INTERVAL}s"
    state=shipping
  elif [ -n "$why" ]; then
    log "archive failed: $why"
    state=failed
  else
    state=idle
  fi
  touch round # for the liveness probe
  [ -n "${stopping:-}" ] || rest "$ARCHIVE_INTERVAL"
done
