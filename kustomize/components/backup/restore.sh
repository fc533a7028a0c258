#!/bin/sh
# Restores the journal from its backups (backup component), run by an operator with kubectl:
#   kustomize/components/backup/restore.sh [-n NAMESPACE] [--before TIME | --at TIME | --at last] [--force]
# --before TIME: the journal as the last backup taken at or before it held it ("2026-12-06 09:59:00",
# UTC, or a unix time); default the latest backup. --at TIME: the journal as it was at that second,
# from the point-in-time archive; --at last: as far as the archive reaches (a whole cluster lost).
# The steps (docs/backup.md): backups paused; the chosen backup restored and checked where it
# harms nothing (a restore drill Job), which if it fails leaves the journal as it was; writes
# refused (the API scaled to 0); Redis stopped (its Sentinels' state goes with the pods); fresh
# volumes; the restore Job (fetch.sh, prepare.sh) fills redis-0's volume, checked; Redis started:
# redis-0 the primary, the replicas copy it; every pod's entries checked against the backup; then
# the API and the backups resume. Refuses to replace a journal that holds entries unless --force.
set -eu
here=$(dirname "$0")
namespace=journal
snapshot=latest
force=no
usage() {
  echo "usage: $0 [-n NAMESPACE] [--before TIME | --at TIME | --at last] [--force]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    -n) namespace=${2:?}; shift 2 ;;
    --before | --at) when=$(date -u -d "${2:?}" +%s 2>/dev/null || echo "$2")
      [ "$1 $2" != "--at last" ] || when=last
      case $when in '' | last) ;; *[!0-9]*) echo "$0: $1 $2: not a time (e.g. \"2026-12-06 09:59:00\")" >&2; exit 2 ;; esac
      snapshot=${1#--}:$when; shift 2 ;;
    --force) force=yes; shift ;;
    *) usage ;;
  esac
done
say() { echo "restore.sh: $*" >&2; }
# Says why it stops, undoes what the steps so far changed (`undo`, a command), and stops.
die() {
  say "$*"
  [ -z "${undo:-}" ] || $undo
  exit 1
}
k() { kubectl -n "$namespace" "$@"; }
# The entries ("COUNT SHA256") of a Redis pod, counted in the pod by common.sh's journal_digest.
entries_of() {
  k exec "$1" -c redis -- sh -c "script=restore.sh; $(cat "$here/common.sh")
journal_digest 127.0.0.1:\$LISTEN_PORT" 2>/dev/null
}
# Runs until `check` succeeds, or fails after SECONDS: until_ok SECONDS WHAT COMMAND...
until_ok() {
  deadline=$(($(date +%s) + $1)); what=$2; shift 2
  until "$@"; do [ "$(date +%s)" -lt "$deadline" ] || die "gave up waiting for $what"; sleep 2; done
}

# 1. A journal with entries is not replaced unless told to.
claims=$(k get pvc -o name | grep '^persistentvolumeclaim/data-redis-[0-9]*$' || true)
if [ -n "$claims" ] && [ "$force" != yes ]; then
  held=$(entries_of redis-0 || true)
  [ "${held%% *}" = 0 ] ||
    die "the journal in namespace $namespace holds ${held%% *} entries (or could not be read): refusing to replace it (--force replaces it)"
fi

# run_job CRONJOB WHAT: a Job from the CronJob with the chosen SNAPSHOT, until it ends; if it
# fails, its logs and one line saying so (and that WHAT). Sets `job`.
run_job() {
  job=$1-$(date +%s)
  k create job "$job" --from="cronjob/$1" --dry-run=client -o yaml |
    kubectl set env --local -f - -c fetch "SNAPSHOT=$snapshot" -o yaml | k apply -f - >/dev/null
  job_ended() {
    status=$(k get job "$job" -o jsonpath='{.status.succeeded}/{.status.failed}')
    case $status in 1/*) return 0 ;; */[1-9]*) k logs "job/$job" --all-containers >&2 || true; die "the $1 Job failed: $2" ;; esac
    return 1
  }
  until_ok 3600 "the $1 Job" job_ended "$1" "$2"
}

# 2. No backup runs from now on: the backup checked next is the one restored.
resume_backups() { k patch cronjob redis-backup -p '{"spec":{"suspend":false}}' >/dev/null; }
k patch cronjob redis-backup -p '{"spec":{"suspend":true}}' >/dev/null
undo=resume_backups
no_backup_running() { [ -z "$(k get pods -l app.kubernetes.io/name=redis-backup --field-selector=status.phase=Running -o name)" ]; }
until_ok 3600 "the running backup to end" no_backup_running

# 3. The chosen backup restored first where it harms nothing (the restore drill's emptyDir) and
# checked: one that cannot be read, or does not hold what it recorded, stops here.
run_job redis-restore-drill "the backup cannot be restored; nothing was changed"
say "checked: $(k logs "job/$job" -c drill | tail -n 1)"
undo=

# 4. Writes refused: no API pod.
api_replicas=$(k get deployment frontend -o jsonpath='{.spec.replicas}')
k scale deployment frontend --replicas=0 >/dev/null
say "writes refused (the API is scaled to 0, was $api_replicas) and backups paused"

# 5. Redis stopped (the Sentinels' state is in the pods' emptyDirs: it goes too), fresh volumes.
k scale statefulset redis --replicas=0 >/dev/null
k wait --for=delete pod/redis-0 pod/redis-1 pod/redis-2 --timeout=300s >/dev/null 2>&1 || true
[ -z "$claims" ] || k delete $claims --wait=true >/dev/null # shellcheck disable=SC2086
storage=$(k get statefulset redis -o jsonpath='{.spec.volumeClaimTemplates[0].spec.resources.requests.storage}')
class=$(k get statefulset redis -o jsonpath='{.spec.volumeClaimTemplates[0].spec.storageClassName}')
k apply -f - >/dev/null <<PVC
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-redis-0
  labels: {app.kubernetes.io/name: redis}
spec:
  accessModes: ["ReadWriteOnce"]
  ${class:+storageClassName: $class}
  resources: {requests: {storage: $storage}}
PVC
say "Redis stopped; fresh volume data-redis-0 ($storage)"

# 6. The restore Job fills it, checked; its last line says what it restored.
run_job redis-restore "nothing was started on the volume; writes stay refused (docs/backup.md)"
restored=$(k logs "job/$job" -c prepare | tail -n 1)
echo "$restored"
expected=$(echo "$restored" | sed -n 's/.*: \([0-9]*\) entries, checksum \([0-9a-f]*\),.*/\1 \2/p')
[ -n "$expected" ] || die "could not read the restored count and checksum from: $restored"

# 7. Redis started: redis-0 (with the data) first, as the primary; the replicas copy it.
k scale statefulset redis --replicas=3 >/dev/null
k rollout status statefulset/redis --timeout=900s >/dev/null
all_verified() {
  for pod in redis-0 redis-1 redis-2; do [ "$(entries_of "$pod")" = "$expected" ] || return 1; done
}
until_ok 600 "every Redis pod to hold the restored entries ($expected)" all_verified
say "verified: redis-0, redis-1 and redis-2 each hold ${expected% *} entries with checksum ${expected#* }"

# 8. Writes and backups resume.
k scale deployment frontend --replicas="$api_replicas" >/dev/null
resume_backups
say "done: the API is back ($api_replicas pods) and backups resume. $restored"
