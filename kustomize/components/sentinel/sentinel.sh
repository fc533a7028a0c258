#!/bin/sh
# Starts the Sentinel beside Redis in a pod of the redis StatefulSet. Its config file is written
# here, in an emptyDir (Sentinel rewrites it as it learns), from the pod's env.
set -eu
script=sentinel.sh
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/sentinels.sh"

# A Sentinel connects to a primary it has just switched to up to a second later (it reconnects to
# an instance at most once a second): with a down-after near a second it judges that new primary
# down before its first answer and fails it over again.
case $DOWN_AFTER_MS in
  '' | *[!0-9]*) log "DOWN_AFTER_MS=$DOWN_AFTER_MS is not a number of milliseconds"; exit 1 ;;
esac
if [ "$DOWN_AFTER_MS" -lt 1500 ]; then
  log "DOWN_AFTER_MS=$DOWN_AFTER_MS is below 1500: a Sentinel would judge a just-promoted primary down before it has connected to it"
  exit 1
fi

# Monitor the primary the other Sentinels know; else the one a peer says it is; else redis-0.
master=$(sentinel_master)
[ -n "$master" ] || master=$(peer_primary)
[ -n "$master" ] || master=$PRIMARY_HOST:$PRIMARY_PORT
log "monitoring $master as the primary $MASTER_NAME"

# Redis config strings: backslash and double quote escaped.
quoted=$(printf '%s' "$password" | sed 's/[\\"]/\\&/g')
config=$SENTINEL_DIR/sentinel.conf
umask 077
cat > "$config" <<CONF
port $LISTEN_PORT
dir "$SENTINEL_DIR"
# The same password as Redis: for clients of this Sentinel, and for it to reach the others.
requirepass "$quoted"
sentinel sentinel-pass "$quoted"
# Stable DNS names instead of pod IPs, which change on every restart.
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $ANNOUNCE_HOST
sentinel announce-port $LISTEN_PORT
# A stable identity per pod: a restarted Sentinel is the same Sentinel, not a fourth voter.
sentinel myid $(printf '%s' "$POD_NAME" | sha1sum | cut -c1-40)
sentinel monitor $MASTER_NAME ${master%:*} ${master##*:} 2
sentinel auth-pass $MASTER_NAME "$quoted"
sentinel down-after-milliseconds $MASTER_NAME $DOWN_AFTER_MS
sentinel failover-timeout $MASTER_NAME 10000
# Both replicas follow a new primary at once: the failover ends (and clients switch) a second sooner.
sentinel parallel-syncs $MASTER_NAME 2
CONF
exec redis-server "$config" --sentinel
