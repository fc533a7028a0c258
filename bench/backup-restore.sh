#!/bin/sh
# Measures the backup component's scripts on this machine: a primary and a replica (redis-server,
# AOF on) holding N entries as the API stores them (hash journal:entry, sorted set
# journal:timeline), texts of 40 to 600 characters of varied words; one backup (snapshot.sh +
# store.sh into a local restic repository), then restore.sh's check (the restore drill: fetch.sh,
# prepare.sh, drill.sh), then one restore (fetch.sh + prepare.sh into an empty folder), then the
# restored pod set: a Redis started on that folder and two empty replicas
# copying it, timed until both hold every entry.
#   sh bench/backup-restore.sh 100000
set -eu
n=${1:-100000}
scripts=$(cd "$(dirname "$0")/../kustomize/components/backup" && pwd)
root=$(mktemp -d)
ports="17101 17102 17103 17104 17105"
trap 'for p in $ports; do redis-cli -p $p -a pw --no-auth-warning shutdown nosave >/dev/null 2>&1 || true; done; rm -rf "$root"' EXIT
mkdir -p "$root/p" "$root/r" "$root/work" "$root/check" "$root/checkdata" "$root/restore" "$root/data" "$root/r1" "$root/r2"
printf pw >"$root/passwd"
printf key >"$root/key"
common="--requirepass pw --masterauth pw --appendonly yes --save '' --daemonize yes --repl-diskless-sync-delay 0"
eval redis-server --port 17101 --dir "$root/p" $common
eval redis-server --port 17102 --dir "$root/r" $common --replicaof 127.0.0.1 17101
# Words of 1 to 4 syllables from 60 syllables (about 200,000 distinct words): text that compresses
# about as well as prose, not the far better of repeated sentences.
awk -v n="$n" 'BEGIN {
  srand(24)
  split("ka lo mi ne ta ri so pu de ge an be ci do el fa ha in jo ku la me no or pa qu re si tu ul va we xi yo za sh th ch st tr pr gr bl ea ou io ai er en on at is it as ar al le ve", syl, " ")
  for (i = 1; i <= n; i++) {
    id = sprintf("01JEBENCH%017d", i)
    len = 40 + int(rand() * 560)
    text = ""
    while (length(text) < len) {
      w = ""
      for (s = int(rand() * 4); s >= 0; s--) w = w syl[1 + int(rand() * 60)]
      text = text (text == "" ? "" : (rand() < 0.1 ? ". " : " ")) w
    }
    printf "HSET journal:entry %s \"{\\\"id\\\":\\\"%s\\\",\\\"text\\\":\\\"%s\\\",\\\"createdAt\\\":\\\"2026-12-06T10:00:00.000Z\\\"}\"\n", id, id, text
    printf "ZADD journal:timeline %d %s\n", 1796551200000 + i, id
  } }' |
  redis-cli -p 17101 -a pw --no-auth-warning --pipe >/dev/null
until [ "$(REDISCLI_AUTH=pw redis-cli -p 17102 HLEN journal:entry)" = "$n" ]; do sleep 0.2; done
export PASSWORD_FILE="$root/passwd" RESTIC_REPOSITORY="$root/repo" RESTIC_PASSWORD_FILE="$root/key" RESTIC_CACHE_DIR="$root/cache" TMPDIR="$root"
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
start=$(now)
PEERS="127.0.0.1:17101 127.0.0.1:17102" WORK_DIR="$root/work" sh "$scripts/snapshot.sh"
WORK_DIR="$root/work" KEEP_HOURLY=48 KEEP_DAILY=30 sh "$scripts/store.sh"
backup=$(since "$start")
rdb=$(wc -c <"$root/work/dump.rdb")
for p in 17101 17102; do redis-cli -p $p -a pw --no-auth-warning shutdown nosave >/dev/null; done
# restore.sh's check before it changes anything: the restore drill (fetch, prepare into its own
# folder, a fresh Redis started on it and checked).
start=$(now)
WORK_DIR="$root/check" SNAPSHOT=latest sh "$scripts/fetch.sh"
WORK_DIR="$root/check" DATA_DIR="$root/checkdata" sh "$scripts/prepare.sh"
WORK_DIR="$root/check" DATA_DIR="$root/checkdata" sh "$scripts/drill.sh"
check=$(since "$start")
rm -rf "$root/check" "$root/checkdata"
start=$(now)
WORK_DIR="$root/restore" SNAPSHOT=latest sh "$scripts/fetch.sh"
WORK_DIR="$root/restore" DATA_DIR="$root/data" sh "$scripts/prepare.sh"
restore=$(since "$start")
# The restored pod set: redis-0 loads the folder, redis-1 and redis-2 start empty and copy it.
eval redis-server --port 17103 --dir "$root/data" $common
eval redis-server --port 17104 --dir "$root/r1" $common --replicaof 127.0.0.1 17103
eval redis-server --port 17105 --dir "$root/r2" $common --replicaof 127.0.0.1 17103
for p in 17104 17105; do
  until [ "$(REDISCLI_AUTH=pw redis-cli -p $p HLEN journal:entry 2>/dev/null)" = "$n" ] &&
    REDISCLI_AUTH=pw redis-cli -p $p INFO replication | grep -q 'master_link_status:up'; do sleep 0.1; done
done
total=$(since "$start")
size=$(du -sb "$root/repo" | cut -f1)
echo "entries=$n backup=${backup}s check=${check}s restore=${restore}s restored_set_in_sync=${total}s snapshot=${rdb} bytes repository=${size} bytes ($((size * 1000 / n)) bytes per 1000 entries) load=$(cut -d' ' -f1-3 /proc/loadavg)"
