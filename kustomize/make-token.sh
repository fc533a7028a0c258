#!/bin/sh
# Makes a write token for one writer of an overlay's journal:
#   kustomize/make-token.sh kustomize/overlays/prod alice
# prints the new token (256 random bits, base64url) once, on stdout, and appends the line
# "alice sha256:<digest of the token>" to OVERLAY/secrets/tokens, which the overlay's
# secretGenerator turns into the journal-auth-tokens Secret. Only the digest is kept: store the
# token where the writer keeps secrets; a lost token is replaced, not recovered. A name may have
# several tokens (rotation); delete a line to revoke its token. docs/auth.md has the steps.
set -eu

usage() { echo "usage: $0 OVERLAY_DIR NAME   (NAME: 1-64 of A-Z a-z 0-9 . _ @ -)" >&2; exit 2; }
[ $# -eq 2 ] || usage
overlay=$1
name=$2
printf '%s' "$name" | grep -Eqx '[A-Za-z0-9._@-]{1,64}' || usage
[ -f "$overlay/kustomization.yaml" ] || { echo "$0: $overlay has no kustomization.yaml" >&2; exit 2; }

sha256() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi; }

file=$overlay/secrets/tokens
mkdir -p "$overlay/secrets"
umask 077
# 32 random bytes, base64url without padding: 43 characters.
token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
digest=$(printf '%s' "$token" | sha256 | cut -d' ' -f1)
[ -f "$file" ] || printf '# <name> sha256:<SHA-256 of the token, hex>; written by make-token.sh. Delete a line to revoke its token.\n' > "$file"
printf '%s sha256:%s\n' "$name" "$digest" >> "$file"
echo "appended $name's token digest to $file; the token, shown only now:" >&2
echo "$token"
