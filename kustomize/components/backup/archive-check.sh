#!/bin/sh
# Point-in-time archive check (restic image, CronJob redis-archive-check, every 5 minutes): fails
# with one line when no Redis pod has shipped its append-only files for ARCHIVE_MAX_AGE seconds, so
# that the JournalArchiveStale alert fires. The sidecars only log their failures: exiting would
# make their Redis pods unready. Env: WORK_DIR, ARCHIVE_REPOSITORY, ARCHIVE_PODS, ARCHIVE_MAX_AGE,
# RESTIC_PASSWORD_FILE, RESTIC_CACHE_DIR (and the store's credentials).
set -eu
script=archive-check.sh
. "$(dirname "$0")/segments.sh"
cd "$WORK_DIR"

fail() {
  echo "$script: archive stale: $*" >&2
  exit 1
}

if [ -z "$ARCHIVE_REPOSITORY" ]; then
  echo "$script: no point-in-time archive (ARCHIVE_REPOSITORY is not set): nothing to check" >&2
  exit 0
fi
archived_segments >segments.raw
newest=$(sort -k4,4n segments.raw | tail -n 1)
[ -n "$newest" ] || fail "no Redis pod has shipped to $ARCHIVE_REPOSITORY yet"
set -- $newest # shellcheck disable=SC2086
age=$(($(date +%s) - $4))
[ "$age" -le "$ARCHIVE_MAX_AGE" ] ||
  fail "the newest shipment ($1's) is ${age}s old, over ARCHIVE_MAX_AGE=${ARCHIVE_MAX_AGE}s: see the aof-archive logs of the Redis pods"
echo "$script: the newest shipment ($1's) is ${age}s old" >&2
