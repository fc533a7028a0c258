#!/bin/sh
# The backup's cost to writes: the API's POST latency (autocannon, 10 connections, 15 s) on a primary
# and a replica holding N entries, first alone, then while the backup component's scripts
# (snapshot.sh + store.sh) copy the replica and store the copy in a local restic repository, one
# backup after another. Prints both p50/p99 and the backups taken.
#   npm run build && sh bench/backup-cost.sh 100000
set -eu
n=${1:-100000}
repo=$(cd "$(dirname "$0")/.." && pwd)
scripts=$repo/kustomize/components/backup
root=$(mktemp -d)
api_port=17120
trap 'kill $api 2>/dev/null || true; for p in 17121 17122; do redis-cli -p $p -a pw --no-auth-warning shutdown nosave >/dev/null 2>&1 || true; done; rm -rf "$root"' EXIT
mkdir -p "$root/p" "$root/r" "$root/work"
printf pw >"$root/passwd"
printf key >"$root/key"
common="--requirepass pw --masterauth pw --appendonly yes --save '' --daemonize yes --repl-diskless-sync-delay 0"
eval redis-server --port 17121 --dir "$root/p" $common
eval redis-server --port 17122 --dir "$root/r" $common --replicaof 127.0.0.1 17121
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) {
  id = sprintf("01JEBENCH%017d", i)
  printf "HSET journal:entry %s \"{\\\"id\\\":\\\"%s\\\",\\\"text\\\":\\\"Entry %d: a preloaded line of about the length people write, with a few more words.\\\",\\\"createdAt\\\":\\\"2026-12-06T10:00:00.000Z\\\"}\"\n", id, id, i
  printf "ZADD journal:timeline %d %s\nZADD journal:public %d %s\n", 1796551200000 + i, id, 1796551200000 + i, id
} }' | redis-cli -p 17121 -a pw --no-auth-warning --pipe >/dev/null
until [ "$(REDISCLI_AUTH=pw redis-cli -p 17122 HLEN journal:entry)" = "$n" ]; do sleep 0.2; done
PORT=$api_port HOST=127.0.0.1 METRICS_PORT=17123 LOG_LEVEL=warn AUTH_MODE=off REDIS_PASSWORD_FILE="$root/passwd" \
  REDIS_WRITE_URL=redis://127.0.0.1:17121 REDIS_READ_URL=redis://127.0.0.1:17122 node "$repo/dist/main.js" >"$root/api.log" 2>&1 &
api=$!
until curl -sf "http://127.0.0.1:$api_port/healthz/ready" >/dev/null; do sleep 0.1; done
# The API indexes the preloaded entries for search in the background: measure after it is done.
until [ "$(REDISCLI_AUTH=pw redis-cli -p 17121 HLEN journal:entry-words)" = "$n" ]; do sleep 0.5; done
load() {
  "$repo/node_modules/.bin/autocannon" -c 10 -d 15 -m POST -H content-type=application/json \
    -b '{"text":"a line written while measuring"}' --json "http://127.0.0.1:$api_port/api/entries" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(`${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}`)})'
}
echo "POST without a backup: $(load)"
export PASSWORD_FILE="$root/passwd" RESTIC_REPOSITORY="$root/repo" RESTIC_PASSWORD_FILE="$root/key" RESTIC_CACHE_DIR="$root/cache" TMPDIR="$root"
: >"$root/backups"
(
  end=$(($(date +%s) + 15))
  while [ "$(date +%s)" -lt "$end" ]; do
    PEERS="127.0.0.1:17121 127.0.0.1:17122" WORK_DIR="$root/work" sh "$scripts/snapshot.sh" >>"$root/backups" 2>&1 &&
      WORK_DIR="$root/work" KEEP_HOURLY=48 KEEP_DAILY=30 sh "$scripts/store.sh" >>"$root/backups" 2>&1
  done
) &
backing_up=$!
echo "POST during backups: $(load)"
wait $backing_up
echo "backups taken during the run: $(grep -c 'entries=' "$root/backups" || true)"
