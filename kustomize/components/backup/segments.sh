# Shared by archive.sh, fetch.sh and archive-check.sh (sourced): the point-in-time archive's
# shipments, as archive.sh tags them. The caller of archived_segments defines fail. Env:
# ARCHIVE_REPOSITORY, ARCHIVE_PODS (and the store's credentials).

# The last line restic printed on stderr, as one line for a log.
reason() {
  tail -n 1 restic.err | sed 's/^Fatal: //'
}

# shipments REPOSITORY: "ID START SHIPPED OFFSET SEGMENT" of each shipment in it, one a line
# (SEGMENT may be missing; a shipment whose times are not whole seconds is left out). Read without
# a lock: a sidecar killed with its pod may have left one, and listing needs none.
shipments() {
  RESTIC_REPOSITORY=$1 restic --no-lock snapshots --json --tag aof 2>restic.err >shipments.json || return 1
  sed 's/},{/}\n{/g' shipments.json | awk -F'"' '{
    id = start = shipped = segment = ""
    offset = 0
    for (i = 1; i < NF; i++) {
      if ($i == "id") id = $(i + 2)
      if ($i ~ /^start:/) start = substr($i, 7)
      if ($i ~ /^shipped:/) shipped = substr($i, 9)
      if ($i ~ /^offset:/) offset = substr($i, 8)
      if ($i ~ /^segment:/) segment = $i
    }
    if (id != "" && start ~ /^[0-9]+$/ && shipped ~ /^[0-9]+$/) print id, start, shipped, offset, segment
  }'
}

# "POD ID START SHIPPED OFFSET SEGMENT" of every shipment, one a line, from each pod's repository
# under ARCHIVE_REPOSITORY (a pod that never was a replica has none). Call it as a command of its
# own, not in a pipeline: its fail must end the script.
archived_segments() {
  for pod in $ARCHIVE_PODS; do
    shipments "$ARCHIVE_REPOSITORY/$pod" >pod-shipments.txt || {
      grep -q 'Is there a repository at the following location' restic.err && continue
      fail "cannot open the archive $ARCHIVE_REPOSITORY/$pod: $(reason)"
    }
    sed "s/^/$pod /" pod-shipments.txt
  done
}
