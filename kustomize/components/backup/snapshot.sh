#!/bin/sh
# Backup, first step (Redis image): a consistent snapshot of the journal, taken from a replica so
# that the primary does not fork for it, checked by loading it whole, its entries counted and
# checksummed. Leaves dump.rdb and snapshot.env in WORK_DIR for store.sh. Env: PEERS (every
# Redis pod's host:port), PASSWORD_FILE, WORK_DIR.
set -eu
script=snapshot.sh
. "$(dirname "$0")/common.sh"

fail() {
  log "backup failed: $*"
  exit 1
}

# A replica in sync: linked to its primary, no full sync under way (it would hold a partial copy).
in_sync() {
  info=$(cli "$1" INFO replication) || return 1
  [ "$(echo "$info" | field role)" = slave ] && [ "$(echo "$info" | field master_link_status)" = up ] &&
    [ "$(echo "$info" | field master_sync_in_progress)" = 0 ]
}

replica=""
for peer in $PEERS; do
  if in_sync "$peer"; then
    replica=$peer
    break
  fi
done
[ -n "$replica" ] || fail "no replica in sync with its primary among $PEERS"

cd "$WORK_DIR"
rm -rf dump.rdb snapshot.env redis.log
# Every write acknowledged before this instant is on the replica (the API waits for the replicas).
taken_at=$(date +%s)
# redis-cli asks the replica for a full copy, as a replica of it would: the replica forks and
# streams its data set as of that instant; redis-cli checks the transfer's length.
if ! timeout 3600 redis-cli --no-auth-warning -h "${replica%:*}" -p "${replica##*:}" --rdb dump.rdb >rdb.out 2>&1; then
  fail "copying the snapshot from $replica: $(tr -d '\r' <rdb.out | tail -n 1)"
fi
# A failover during the copy makes this replica a primary: the copy is not trusted.
in_sync "$replica" || fail "$replica is no longer a replica in sync (a failover during the copy?): snapshot discarded"

# The file is whole: a private Redis loads it (checking the RDB's own checksum) and counts.
scratch_start "$WORK_DIR" --dbfilename dump.rdb --appendonly no ||
  fail "the snapshot from $replica does not load: $(tail -n 1 redis.log)"
digest=$(journal_digest "$scratch") || fail "could not count the entries of the snapshot from $replica"
scratch_stop

cat >snapshot.env <<ENV
SOURCE=$replica
TAKEN_AT=$taken_at
ENTRIES=${digest% *}
DIGEST=${digest#* }
RDB_SHA256=$(sha256sum dump.rdb | cut -c1-64)
ENV
