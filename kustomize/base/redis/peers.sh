# Shared by the Redis pod's scripts (sourced, not run): the password, asking peers, and the
# guarded start of a primary. Env: PASSWORD_FILE, LISTEN_PORT, DATA_DIR, ANNOUNCE_HOST (this pod's
# address as its peers reach it), PEERS (every pod's host:port, this one included).

password=$(cat "$PASSWORD_FILE")
if [ -z "$password" ]; then
  echo "$script: $PASSWORD_FILE is empty" >&2
  exit 1
fi
export REDISCLI_AUTH="$password" # redis-cli reads it from the env: not on any command line
self="$ANNOUNCE_HOST:$LISTEN_PORT"

log() {
  echo "$script: $*" >&2
}

# cli HOST:PORT COMMAND...: one command, bounded in time (a vanished pod must not hang a start).
cli() {
  target=$1
  shift
  timeout 3 redis-cli --no-auth-warning -h "${target%:*}" -p "${target##*:}" "$@" 2>/dev/null
}

# field NAME: a value from the INFO text on stdin.
field() {
  tr -d '\r' | sed -n "s/^$1://p"
}

# True when the data dir holds an append-only file: this pod kept its data.
has_data() {
  [ -n "$(ls -A "$DATA_DIR/appendonlydir" 2>/dev/null)" ] || [ -s "$DATA_DIR/appendonly.aof" ]
}

other_peers() {
  for peer in $PEERS; do
    [ "$peer" = "$self" ] || echo "$peer"
  done
}

# Prints "HOST:PORT OFFSET" of the peer that holds data with the highest replication offset;
# nothing if no peer answers with data. Logs what each peer said.
peer_with_most_data() {
  best=""
  best_offset=-1
  for peer in $(other_peers); do
    keys=$(cli "$peer" DBSIZE) || keys=""
    case $keys in
      '' | *[!0-9]*) log "peer $peer does not answer"; continue ;;
    esac
    offset=$(cli "$peer" INFO replication | field master_repl_offset)
    log "peer $peer holds ${keys:-0} keys (replication offset ${offset:-0})"
    if [ "${keys:-0}" -gt 0 ] && [ "${offset:-0}" -gt "$best_offset" ]; then
      best=$peer
      best_offset=${offset:-0}
    fi
  done
  [ -z "$best" ] || echo "$best $best_offset"
}

# Blocks until this pod's Redis has finished a full sync with its primary (link up, not loading).
# Gives up once the server is gone: 10 s without an answer after it answered, or 10 minutes
# before it ever did (loading a large append-only file comes first).
wait_for_first_sync() {
  failures=0
  limit=600
  while :; do
    info=$(cli "$self" INFO) || {
      failures=$((failures + 1))
      [ "$failures" -lt "$limit" ] || return 1
      sleep 1
      continue
    }
    failures=0
    limit=10
    if [ "$(echo "$info" | field master_link_status)" = up ] && [ "$(echo "$info" | field loading)" = 0 ]; then
      return 0
    fi
    sleep 0.5
  done
}

# The guarded start of the pod meant to be primary: sets `primary_source` to "" (start as the
# primary) or to "HOST PORT" of a peer to copy first, while `take_primary_role_back` waits in the
# background. The rule: never start as primary with an empty data set while a peer holds data:
# its replicas would copy the empty data set and erase the journal everywhere.
guard_primary_start() {
  primary_source=""
  if has_data; then
    log "the data dir holds an append-only file: starting as the primary"
    return
  fi
  best=$(peer_with_most_data)
  if [ -z "$best" ]; then
    log "the data dir is empty and no peer holds data: starting as the primary of a new, empty data set"
    return
  fi
  source=${best% *}
  log "the data dir is empty but $source holds data: NOT starting as an empty primary (that would erase the replicas);" \
    "making $source a primary, copying its data, then taking the primary role back"
  cli "$source" REPLICAOF NO ONE >/dev/null || log "could not make $source a primary; retrying through the restart of this pod"
  take_primary_role_back "$source" &
  primary_source="${source%:*} ${source##*:}"
}

take_primary_role_back() {
  source=$1
  wait_for_first_sync || return 0
  cli "$self" REPLICAOF NO ONE >/dev/null
  cli "$source" REPLICAOF "$ANNOUNCE_HOST" "$LISTEN_PORT" >/dev/null
  log "copied the data of $source: this pod is the primary again and $source its replica"
}
