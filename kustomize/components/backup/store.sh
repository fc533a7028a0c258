#!/bin/sh
# Backup, second step (restic image): stores the checked snapshot that snapshot.sh left in
# WORK_DIR in the restic repository (encrypted, compressed, deduplicated, every blob checksummed),
# its count and checksums as tags; applies the retention policy; logs one line. Env: WORK_DIR,
# RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, RESTIC_CACHE_DIR, KEEP_HOURLY, KEEP_DAILY (and the
# repository's credentials, e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for S3).
set -eu
script=store.sh
export TZ=UTC
cd "$WORK_DIR"
. ./snapshot.env

fail() {
  log "backup failed: $*"
  exit 1
}
log() {
  echo "$script: $*" >&2
}
# The last line restic printed on failure (its "Fatal: ..."), without the prefix.
reason() {
  tail -n 1 restic.err | sed 's/^Fatal: //'
}

# A repository that does not exist yet is created (the first backup); one that does not open (a
# wrong key, no access) is an error, never replaced.
if ! restic cat config >/dev/null 2>restic.err; then
  grep -q 'Is there a repository at the following location' restic.err ||
    fail "cannot open the repository $RESTIC_REPOSITORY: $(reason)"
  restic init >/dev/null 2>restic.err || fail "cannot create the repository $RESTIC_REPOSITORY: $(reason)"
fi

# One host name for every run (each run is a new pod): the retention policy sees one series.
summary=$(restic backup --json --host journal --tag journal --time "$(date -u -d "@$TAKEN_AT" '+%Y-%m-%d %H:%M:%S')" \
  --tag "source:$SOURCE" --tag "taken:$TAKEN_AT" --tag "entries:$ENTRIES" --tag "digest:$DIGEST" \
  --tag "sha256:$RDB_SHA256" --stdin --stdin-filename dump.rdb <dump.rdb 2>restic.err | tail -n 1) ||
  fail "storing the snapshot in $RESTIC_REPOSITORY: $(reason)"
json() {
  echo "$summary" | sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}
snapshot=$(json snapshot_id)
[ -n "$snapshot" ] || fail "restic stored no snapshot: $summary"

restic forget --host journal --tag journal --keep-hourly "$KEEP_HOURLY" --keep-daily "$KEEP_DAILY" --prune \
  >/dev/null 2>restic.err || fail "stored snapshot $snapshot, but applying the retention policy failed: $(reason)"

log "backup $snapshot stored: entries=$ENTRIES size=$(wc -c <dump.rdb) added=$(json data_added)" \
  "duration=$(($(date +%s) - TAKEN_AT))s sha256=$RDB_SHA256 digest=$DIGEST source=$SOURCE" \
  "taken=$(date -u -d "@$TAKEN_AT" '+%Y-%m-%dT%H:%M:%SZ')"
