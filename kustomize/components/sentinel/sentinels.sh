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

# True when every Sentinel that answers sees the primary up, with no failover under way.
sentinels_see_master_up() {
  answers=0
  for sentinel in $SENTINELS; do
    flags=$(cli "$sentinel" SENTINEL master "$MASTER_NAME" | tr -d '\r' | sed -n '/^flags$/{n;p;}') || continue
    [ -n "$flags" ] || continue
    [ "$flags" = master ] || return 1
    answers=$((answers + 1))
  done
  [ "$answers" -ge 2 ]
}

# Prints "HOST:PORT" of a peer that says it is a primary; nothing if none does.
peer_primary() {
  for peer in $PEERS; do
    [ "$(cli "$peer" ROLE | head -n 1)" = master ] && { echo "$peer"; return; }
  done
  return 0
}
