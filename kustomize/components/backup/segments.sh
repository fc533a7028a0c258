# Shared by fetch.sh and archive-check.sh (sourced, restic image): the point-in-time archive's
# shipments. The caller defines fail. Env: ARCHIVE_REPOSITORY, ARCHIVE_PODS (and the store's
# credentials).

# The last line restic printed on stderr, as one line for a log.
reason() {
  tail -n 1 restic.err | sed 's/^Fatal: //'
}

# "POD ID START SHIPPED OFFSET" of every archived segment, one a line, from each pod's repository
# (a pod that never was a replica has none). Call it as a command of its own, not in a pipeline:
# its fail must end the script. Read without a lock: a sidecar killed with its pod
# may have left one, and listing the shipments needs none.
archived_segments() {
  for pod in $ARCHIVE_PODS; do
    RESTIC_REPOSITORY=$ARCHIVE_REPOSITORY/$pod restic --no-lock snapshots --json --tag aof 2>restic.err >segments.json || {
      grep -q 'Is there a repository at the following location' restic.err && continue
      fail "cannot open the archive $ARCHIVE_REPOSITORY/$pod: $(reason)"
    }
    sed 's/},{/}\n{/g' segments.json | awk -F'"' -v pod="$pod" '{
      id = start = shipped = ""
      offset = 0
      for (i = 1; i < NF; i++) {
        if ($i == "short_id") id = $(i + 2)
        if ($i ~ /^start:/) start = substr($i, 7)
        if ($i ~ /^shipped:/) shipped = substr($i, 9)
        if ($i ~ /^offset:/) offset = substr($i, 8)
      }
      if (id != "" && start ~ /^[0-9]+$/ && shipped ~ /^[0-9]+$/) print pod, id, start, shipped, offset
    }'
  done
}

