#!/bin/sh
# Restore drill, last step (Redis image): the restore Job's fetch.sh and prepare.sh have put the
# latest backup (or the one restore.sh is about to restore) into DATA_DIR (an emptyDir, not the journal's volume); this starts a fresh Redis
# on it, as a Redis pod would start (from the append-only files), and checks that it holds
# exactly the count and checksum the backup recorded when it was taken. Env: WORK_DIR, DATA_DIR,
# PASSWORD_FILE.
set -eu
script=drill.sh
. "$(dirname "$0")/common.sh"
. "$WORK_DIR/snapshot.env"

fail() {
  log "restore drill failed: $*"
  exit 1
}
taken=$(date -u -d "@$TAKEN_AT" '+%Y-%m-%dT%H:%M:%SZ')
what="backup of $SOURCE taken at $taken"
[ -z "${ARCHIVE_AT:-}" ] || what="archive of $SOURCE cut at $taken"
scratch_start "$DATA_DIR" --appendonly yes || fail "the restored data set does not start: $(tail -n 1 "$DATA_DIR/redis.log")"
found=$(journal_digest "$scratch") || fail "could not count the entries of the restored Redis"
scratch_stop
[ "$found" = "$ENTRIES $DIGEST" ] ||
  fail "the restored Redis holds ${found% *} entries, checksum ${found#* }; the $what recorded $ENTRIES, $DIGEST"
log "restore drill passed: the $what restores into a fresh Redis with its $ENTRIES entries, checksum $DIGEST"
