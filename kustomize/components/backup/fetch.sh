#!/bin/sh
# Restore, first step (restic image): fetches what prepare.sh restores into WORK_DIR, with
# snapshot.env saying what it is. SNAPSHOT = "latest" or "before:<unix time>": a backup (dump.rdb,
# with the count and checksums recorded at backup time; "before": the last one taken at or before
# that second). SNAPSHOT = "at:<unix time>" or "at:last": the archived append-only files
# (archive.sh) of the segment that covers that second, or that reach furthest ("last": a whole
# cluster lost), in aof/appendonlydir, for prepare.sh to cut at that second. restic checks every blob it reads:
# a wrong key or a damaged repository stops here, before anything is overwritten. Env: WORK_DIR,
# SNAPSHOT, RESTIC_REPOSITORY, ARCHIVE_REPOSITORY, ARCHIVE_PODS, RESTIC_PASSWORD_FILE,
# RESTIC_CACHE_DIR (and the repositories' credentials).
set -eu
script=fetch.sh
export TZ=UTC
. "$(dirname "$0")/segments.sh"
cd "$WORK_DIR"
rm -rf dump.rdb snapshot.env aof

fail() {
  echo "$script: restore failed: $*" >&2
  exit 1
}
utc() {
  date -u -d "@$1" '+%Y-%m-%dT%H:%M:%SZ'
}

case $SNAPSHOT in at:*)
  archived_segments >segments.raw
  sort -k4,4n -k5,5n segments.raw >segments.txt
  case ${SNAPSHOT#at:} in
    last)
      chosen=$(tail -n 1 segments.txt)
      # The newest shipment is the journal's last state, unless shipments from before its segment
      # began had replicated further (offsets only grow while a journal goes on): a journal
      # started again on new volumes after the loss, or restored since, begins anew.
      set -- $chosen # shellcheck disable=SC2086
      furthest=$(awk -v start="${3:-0}" -v offset="${5:-0}" '$4 < start && $5 > offset' segments.txt | sort -k5,5n | tail -n 1)
      if [ -n "$furthest" ]; then
        newest_pod=$1 newest_shipped=$4
        set -- $furthest # shellcheck disable=SC2086
        fail "SNAPSHOT=at:last is ambiguous: the newest archive ($newest_pod's, shipped $(utc "$newest_shipped")) began after $1's, shipped $(utc "$4"), which had replicated further: a journal started again after the loss, or restored since? Choose: SNAPSHOT=at:$4 (restore.sh --at $4) for the earlier journal as far as it reaches, SNAPSHOT=at:$newest_shipped (restore.sh --at $newest_shipped) for the newest"
      fi
      ;;
    '' | *[!0-9]*) fail "SNAPSHOT=$SNAPSHOT: expected at:<unix time> or at:last" ;;
    *) chosen=$(awk -v t="${SNAPSHOT#at:}" '$3 <= t && t <= $4' segments.txt | tail -n 1) ;;
  esac
  if [ -z "$chosen" ]; then
    covered=$(while read -r pod id start shipped _; do echo "$pod $(utc "$start")..$(utc "$shipped")"; done <segments.txt | tr '\n' ';')
    fail "no archive covers SNAPSHOT=$SNAPSHOT in $ARCHIVE_REPOSITORY (archived: ${covered:-nothing})"
  fi
  set -- $chosen # shellcheck disable=SC2086
  at=${SNAPSHOT#at:}
  [ "$at" != last ] || at=$4
  RESTIC_REPOSITORY=$ARCHIVE_REPOSITORY/$1 restic --no-lock restore "$2" --target aof/appendonlydir >/dev/null 2>restic.err ||
    fail "the archive of $1 shipped at $(utc "$4") cannot be read from $ARCHIVE_REPOSITORY/$1: $(reason)"
  cat >snapshot.env <<ENV
ARCHIVE_AT=$at
TAKEN_AT=$at
SOURCE=$1
ENV
  exit 0
esac

restic snapshots --json --host journal --tag journal >snapshots.json 2>restic.err ||
  fail "cannot open the backup repository $RESTIC_REPOSITORY: $(reason)"
# One backup per line, oldest first: "TAKEN ENTRIES DIGEST SHA256 SOURCE", from the tags store.sh
# gave it (read by name: neither the tags' order nor restic's JSON layout matters).
grep -o '"tags":\[[^]]*\]' snapshots.json | awk -F'"' '{
  for (i = 1; i <= NF; i++) {
    split($i, tag, ":")
    value[tag[1]] = substr($i, length(tag[1]) + 2)
  }
  print value["taken"], value["entries"], value["digest"], value["sha256"], value["source"]
}' | sort -n >backups.txt
case $SNAPSHOT in
  latest) chosen=$(tail -n 1 backups.txt) ;;
  before:*) chosen=$(awk -v t="${SNAPSHOT#before:}" '$1 <= t' backups.txt | tail -n 1) ;;
  *) fail "SNAPSHOT=$SNAPSHOT: expected latest or before:<unix time>" ;;
esac
[ -n "$chosen" ] || fail "no backup matches SNAPSHOT=$SNAPSHOT in $RESTIC_REPOSITORY ($(wc -l <backups.txt) backups there)"
set -- $chosen # shellcheck disable=SC2086
restic dump --host journal --tag "taken:$1" latest /dump.rdb >dump.rdb 2>restic.err ||
  fail "the backup taken at $(utc "$1") cannot be read from $RESTIC_REPOSITORY: $(reason)"

cat >snapshot.env <<ENV
TAKEN_AT=$1
ENTRIES=$2
DIGEST=$3
RDB_SHA256=$4
SOURCE=$5
ENV
