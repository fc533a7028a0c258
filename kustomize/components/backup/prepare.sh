#!/bin/sh
# Restore, second step (Redis image): turns the backup that fetch.sh left in WORK_DIR into the
# data folder of the primary-to-be, DATA_DIR, and checks it on the way. Archived append-only files
# (ARCHIVE_AT in snapshot.env) are first cut at that second (redis-check-aof
# --truncate-to-timestamp), loaded, counted and saved as the backup's file. Then: the file's checksum, then
# the entries' count and checksum once loaded, then again once loaded from the append-only files
# Redis will start from (with appendonly yes Redis ignores dump.rdb: a restore that left only a
# dump.rdb would come up empty). DATA_DIR is written last, and only if it holds no data set or
# FORCE=yes. Env: WORK_DIR, DATA_DIR, PASSWORD_FILE, FORCE.
set -eu
script=prepare.sh
. "$(dirname "$0")/common.sh"
cd "$WORK_DIR"
. ./snapshot.env

fail() {
  log "restore failed: $*"
  exit 1
}
taken=$(date -u -d "@$TAKEN_AT" '+%Y-%m-%dT%H:%M:%SZ')
what=backup
taken="taken at $taken"

# What a Redis would load from DATA_DIR (a fresh volume may hold lost+found, which is no journal).
held=$(cd "$DATA_DIR" && ls -d appendonlydir appendonly.aof dump.rdb 2>/dev/null | tr '\n' ' ')
if [ -n "$held" ] && [ "${FORCE:-no}" != yes ]; then
  fail "$DATA_DIR holds a data set (${held% }): refusing to overwrite it (FORCE=yes replaces it)"
fi

# The archive cut at ARCHIVE_AT: what it holds becomes the backup (its file, count and checksum).
if [ -n "${ARCHIVE_AT:-}" ]; then
  what=archive
  taken="cut at ${taken#taken at }"
  manifest=aof/appendonlydir/appendonly.aof.manifest
  # The manifest of the shipped segment: its base, then its incremental files in order.
  (cd aof/appendonlydir && ls | sed -n 's/^appendonly\.aof\.\([0-9]*\)\.base\..*/file & seq \1 type b/p'
    ls | sed -n 's/^appendonly\.aof\.\([0-9]*\)\.incr\.aof$/\1 &/p' | sort -n | awk '{ print "file " $2 " seq " $1 " type i" }') >"$manifest"
  # A shipment may end in the middle of a command being appended: that tail is dropped first.
  yes | redis-check-aof --fix "$manifest" >check.out 2>&1 &&
    redis-check-aof --truncate-to-timestamp "$ARCHIVE_AT" "$manifest" >check.out 2>&1 ||
    fail "the archive of $SOURCE cannot be $taken: $(tail -n 1 check.out)"
  scratch_start "$WORK_DIR/aof" --appendonly yes ||
    fail "the archive of $SOURCE $taken does not load: $(tail -n 1 aof/redis.log)"
  digest=$(journal_digest "$scratch") || fail "could not count the entries of the archive $taken"
  ENTRIES=${digest% *}
  DIGEST=${digest#* }
  # What the archive held at that second, as a backup records it (the drill checks against it).
  printf 'ENTRIES=%s\nDIGEST=%s\n' "$ENTRIES" "$DIGEST" >>snapshot.env
  cli "$scratch" SAVE >/dev/null || fail "could not save the archive $taken: $(tail -n 1 aof/redis.log)"
  scratch_stop
  mv aof/dump.rdb dump.rdb
  rm -rf aof
  RDB_SHA256=$(sha256sum dump.rdb | cut -c1-64)
fi

[ "$(sha256sum dump.rdb | cut -c1-64)" = "$RDB_SHA256" ] ||
  fail "the backup's file does not match its SHA-256 (truncated or damaged): nothing was overwritten"

# expect_entries WHAT: the private Redis holds exactly the entries the backup recorded.
expect_entries() {
  found=$(journal_digest "$scratch") || fail "could not count the entries $1"
  [ "$found" = "$ENTRIES $DIGEST" ] ||
    fail "the entries $1 are not those of the backup (${found% *} entries, checksum ${found#* }; the backup recorded $ENTRIES, $DIGEST)"
}

rm -rf restored
mkdir restored
mv dump.rdb restored/
scratch_start "$WORK_DIR/restored" --dbfilename dump.rdb --appendonly no ||
  fail "the backup's file does not load: $(tail -n 1 restored/redis.log)"
expect_entries "loaded from the backup"
# Append-only files from the loaded data set: the base file the rewrite writes, then fsynced.
cli "$scratch" CONFIG SET appendonly yes >/dev/null
until info=$(cli "$scratch" INFO persistence) && [ "$(echo "$info" | field aof_rewrite_in_progress)" = 0 ] &&
  [ "$(echo "$info" | field aof_rewrite_scheduled)" = 0 ]; do
  sleep 0.1
done
[ "$(echo "$info" | field aof_last_bgrewrite_status)" = ok ] || fail "writing the append-only files failed: $(tail -n 1 restored/redis.log)"
scratch_stop
rm restored/dump.rdb

# As the pod's Redis will start: from the append-only files alone.
scratch_start "$WORK_DIR/restored" --appendonly yes || fail "the append-only files do not load: $(tail -n 1 restored/redis.log)"
expect_entries "loaded from the append-only files"
scratch_stop

# Only now is DATA_DIR touched: the old data set goes, the checked one comes in (a rename, once copied).
(cd "$DATA_DIR" && rm -rf appendonlydir appendonly.aof dump.rdb temp-* .restoring)
cp -R restored/appendonlydir "$DATA_DIR/.restoring"
mv "$DATA_DIR/.restoring" "$DATA_DIR/appendonlydir"
rm -rf restored
echo "$script: restored the $what of $SOURCE $taken: $ENTRIES entries," \
  "checksum $DIGEST, verified in the append-only files now in $DATA_DIR"
