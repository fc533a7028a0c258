# Shared by the backup component's scripts (sourced, not run): the password, talking to Redis,
# and what "the journal's entries" are, counted and checksummed the same way at backup, restore
# and verification. Env: PASSWORD_FILE.

# The journal's entries: the hash of id -> entry JSON (the timeline sorted set is an index of it).
ENTRIES_KEY=journal:entry

password=$(cat "$PASSWORD_FILE")
if [ -z "$password" ]; then
  echo "${script:-backup}: $PASSWORD_FILE is empty" >&2
  exit 1
fi
export REDISCLI_AUTH="$password" # redis-cli reads it from the env: not on any command line

log() {
  echo "$script: $*" >&2
}

# cli TARGET COMMAND...: one command to HOST:PORT, or to a Unix socket (a path), bounded in time
# (a vanished pod must not hang a run); slow_cli for the commands that read every entry.
cli() {
  cli_within 10 "$@"
}

slow_cli() {
  cli_within 600 "$@"
}

cli_within() {
  seconds=$1
  target=$2
  shift 2
  case $target in
    /*) timeout "$seconds" redis-cli --no-auth-warning -s "$target" "$@" 2>/dev/null ;;
    *) timeout "$seconds" redis-cli --no-auth-warning -h "${target%:*}" -p "${target##*:}" "$@" 2>/dev/null ;;
  esac
}

# field NAME: a value from the INFO text on stdin.
field() {
  tr -d '\r' | sed -n "s/^$1://p"
}

# journal_digest TARGET: prints "COUNT SHA256" of the entries on that Redis: the count, and the
# SHA-256 of every "id entry-JSON" line in byte order, so the same entries give the same digest
# whatever the server's internal order. Fails if it cannot tell.
journal_digest() {
  type=$(cli "$1" TYPE "$ENTRIES_KEY") || return 1
  case $type in
    hash | none) count=$(cli "$1" HLEN "$ENTRIES_KEY") ;;
    *) log "$ENTRIES_KEY on $1 is a $type, not the journal's entries"; return 1 ;;
  esac
  case $count in '' | *[!0-9]*) return 1 ;; esac
  sum=$(slow_cli "$1" --raw HGETALL "$ENTRIES_KEY" | awk 'NR % 2 { key = $0; next } { print key " " $0 }' | LC_ALL=C sort | sha256sum) || return 1
  echo "$count ${sum%% *}"
}

# scratch_start DIR [ARGS...]: a private Redis on a Unix socket in DIR (nothing else can reach it),
# with the data set of DIR; waits until it has loaded. Sets `scratch` to the socket's path.
scratch_start() {
  dir=$1
  shift
  scratch=$dir/redis.sock
  redis-server --port 0 --unixsocket "$scratch" --unixsocketperm 700 --dir "$dir" --save "" \
    --logfile "$dir/redis.log" --requirepass "$password" "$@" &
  scratch_pid=$!
  until [ "$(cli "$scratch" INFO persistence | field loading)" = 0 ]; do
    kill -0 "$scratch_pid" 2>/dev/null || { scratch_pid=""; return 1; }
    sleep 0.1
  done
}

scratch_stop() {
  [ -n "${scratch_pid:-}" ] || return 0
  cli "$scratch" SHUTDOWN >/dev/null
  wait "$scratch_pid" 2>/dev/null || true
  scratch_pid=""
}
