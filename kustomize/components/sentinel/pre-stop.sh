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
# Writes block from here on (and whatever a client sent after one); reads go on. The pause is
# never lifted: this server stops right after, so nothing is written here that the new primary
# would not have.
cli "$self" CLIENT PAUSE $((HANDOVER_SECONDS * 1000 + 10000)) WRITE >/dev/null
log "this pod is the primary: writes paused, waiting for the replicas to catch up"

# Caught up: each online replica has processed the primary's whole stream. Asked directly: the
# primary learns their offsets only once a second, and sends no GETACK while paused.
offset=$(cli "$self" INFO replication | field master_repl_offset)
replicas=$(cli "$self" INFO replication | tr -d '\r' | sed -n 's/^slave[0-9]*:ip=\([^,]*\),port=\([0-9]*\),state=online.*/\1:\2/p')
for replica in $replicas; do
  until [ "$(cli "$replica" INFO replication | field slave_repl_offset)" = "$offset" ] || [ "$(date +%s)" -ge "$deadline" ]; do
    sleep 0.05
  done
done
log "replicas caught up with offset $offset: asking the Sentinels to fail over"

for sentinel in $SENTINELS; do
  answer=$(cli "$sentinel" SENTINEL FAILOVER "$MASTER_NAME") && [ "$answer" = OK ] && break
  log "$sentinel did not start a failover: ${answer:-no answer}"
done
# Done when the Sentinels name the new primary. This server stays paused until it stops: Sentinel
# makes an old primary that is still up a replica only seconds later.
until [ "$(sentinel_master)" != "$self" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.1; done
master=$(sentinel_master)
if [ "$master" != "$self" ]; then
  log "handed over: $master is the primary now"
else
  log "no handover within ${HANDOVER_SECONDS}s: stopping anyway (the Sentinels fail over after down-after)"
fi
