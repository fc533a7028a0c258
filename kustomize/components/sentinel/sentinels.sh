# Shared by the Sentinel component's scripts (sourced after peers.sh): who the primary is.
# Env: SENTINELS (every Sentinel's host:port), MASTER_NAME.

# Prints "HOST:PORT" of the primary as the first Sentinel that knows it says; nothing if none
# answers (a new cluster, or every Sentinel restarted).
sentinel_master() {
  for sentinel in $SENTINELS; do
    [ "$sentinel" != "$self" ] || continue
    answer=$(cli "$sentinel" SENTINEL get-master-addr-by-name "$MASTER_NAME" | tr -d '\r' | tr '\n' : | sed 's/:$//') || continue
    case $answer in
      *:[0-9]*) echo "$answer"; return ;;
    esac
  done
}

# Prints "HOST:PORT" of a peer that says it is a primary; nothing if none does.
peer_primary() {
  for peer in $PEERS; do
    [ "$(cli "$peer" ROLE | head -n 1)" = master ] && { echo "$peer"; return; }
  done
  return 0
}
