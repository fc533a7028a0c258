#!/bin/sh
# Readiness: Redis answers an authenticated PING. A replica whose primary is down stays
# ready on purpose: it still serves reads.
set -eu
REDISCLI_AUTH=$(cat "$PASSWORD_FILE") redis-cli -p "$LISTEN_PORT" ping | grep -qx PONG
