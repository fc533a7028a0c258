#!/bin/sh
# Writes strong random secrets for an overlay's secretGenerator:
#   kustomize/make-secret.sh kustomize/overlays/prod            (keeps existing ones)
#   kustomize/make-secret.sh kustomize/overlays/prod --rotate   (replaces the Redis password)
# OVERLAY/secrets/passwd: the Redis password. OVERLAY/secrets/backup-key: the key of the backups
# (backup component), written once and never rotated here: backups made with it need it to be
# read. Both files are git-ignored; keep a copy in your secret store (the backup key outside the
# cluster, or a lost namespace takes the only copy with it).
set -eu

usage() { echo "usage: $0 OVERLAY_DIR [--rotate]" >&2; exit 2; }
[ $# -ge 1 ] || usage
overlay=$1
rotate=${2:-}
[ -z "$rotate" ] || [ "$rotate" = "--rotate" ] || usage
[ -f "$overlay/kustomization.yaml" ] || { echo "$0: $overlay has no kustomization.yaml" >&2; exit 2; }

mkdir -p "$overlay/secrets"
umask 077

# write FILE: 32 random bytes as 64 hex digits (256 bits, and no character that needs quoting anywhere).
write() {
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$1.tmp"
  mv "$1.tmp" "$1"
  echo "wrote $1"
}

file=$overlay/secrets/passwd
if [ -s "$file" ] && [ -z "$rotate" ]; then
  echo "$file exists; keeping it (pass --rotate to replace it)"
else
  write "$file"
fi
key=$overlay/secrets/backup-key
if [ -s "$key" ]; then
  echo "$key exists; keeping it"
else
  write "$key"
fi
