#!/bin/sh
# Writes a strong random Redis password for an overlay's secretGenerator:
#   kustomize/make-secret.sh kustomize/overlays/prod            (keeps an existing password)
#   kustomize/make-secret.sh kustomize/overlays/prod --rotate   (replaces it)
# The file (OVERLAY/secrets/passwd) is git-ignored; keep a copy in your secret store.
set -eu

usage() { echo "usage: $0 OVERLAY_DIR [--rotate]" >&2; exit 2; }
[ $# -ge 1 ] || usage
overlay=$1
rotate=${2:-}
[ -z "$rotate" ] || [ "$rotate" = "--rotate" ] || usage
[ -f "$overlay/kustomization.yaml" ] || { echo "$0: $overlay has no kustomization.yaml" >&2; exit 2; }

file=$overlay/secrets/passwd
if [ -s "$file" ] && [ -z "$rotate" ]; then
  echo "$file exists; keeping it (pass --rotate to replace it)"
  exit 0
fi

mkdir -p "$overlay/secrets"
umask 077
# 32 random bytes as 64 hex digits: 256 bits, and no character that needs quoting anywhere.
password=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
printf '%s' "$password" > "$file.tmp"
mv "$file.tmp" "$file"
echo "wrote $file"
