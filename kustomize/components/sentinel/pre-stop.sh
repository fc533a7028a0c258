#!/bin/sh
# preStop of the Redis container (Sentinel component): a primary that is asked to stop (rolling
# update, drain) hands over first, so writes stop for about a second instead of down-after.
# Pause writes, let the replicas catch up, ask a Sentinel to fail over, wait for the new primary.
set -u
script=pre-stop.sh
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/sentinels.sh"

info=$(cli "$self" INFO replication) || exit 0
if [ "$(echo "$info" | field role)" != master ] || [ "$(echo "$info" | field connected_slaves)" = 0 ]; then
  log "not a primary with replicas: nothing to hand over"
  exit 0
fi
deadline=$(($(date +%s) + HANDOVER_SECONDS))
# Clients block on writes; reads go on. Queued writes run after the switch and get READONLY.
cli "$self" CLIENT PAUSE $((HANDOVER_SECONDS * 1000)) WRITE >/dev/null
log "this pod is the primary: writes paused, waiting for the replicas to catch up"

# Caught up: every online replica has acknowledged the primary's whole stream.
caught_up() {
  info=$(cli "$self" INFO replication) || return 1
  offset=$(echo "$info" | field master_repl_offset)
  lagging=$(echo "$info" | tr -d '\r' | grep '^slave[0-9]*:' | grep 'state=online' | grep -cv "offset=$offset,")
  [ "$lagging" = 0 ]
}
until caught_up || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.1; done

for sentinel in $SENTINELS; do
  answer=$(cli "$sentinel" SENTINEL FAILOVER "$MASTER_NAME") && [ "$answer" = OK ] && break
  log "$sentinel did not start a failover: ${answer:-no answer}"
done
until [ "$(sentinel_master)" != "$self" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.1; done
cli "$self" CLIENT UNPAUSE >/dev/null
master=$(sentinel_master)
if [ "$master" != "$self" ]; then
  log "handed over: $master is the primary now"
else
  log "no handover within ${HANDOVER_SECONDS}s: stopping anyway (the Sentinels fail over after down-after)"
fi
