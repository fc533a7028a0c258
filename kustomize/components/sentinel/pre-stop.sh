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
# Writes block (and whatever a client sent after one); reads go on. Blocked writes run after the
# switch and get READONLY: nothing is written here that the new primary would not have.
cli "$self" CLIENT PAUSE $((HANDOVER_SECONDS * 1000)) WRITE >/dev/null
log "this pod is the primary: writes paused, waiting for the replicas to catch up"

# WAIT makes the replicas acknowledge at once; all of them confirming = all caught up.
replicas=$(echo "$info" | field connected_slaves)
acked=$(cli "$self" WAIT "$replicas" 2000)
log "$acked of $replicas replicas caught up"

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
