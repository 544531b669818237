#!/usr/bin/env bash
# Fails when a file of the repository is a byte-for-byte copy of a file in
# the development data beside the clone (../shared by default, or the
# directory given as the first argument). That data is for development and
# tests only and must never be committed; tests read it from where it is.
#
#   scripts/check-no-copies.sh [SHARED_DIR]
#
# Run from anywhere; it checks the repository it lives in. Exit status: 0 no
# copies (or no shared directory: nothing to compare), 1 copies found (each
# is listed with the file it copies), 2 usage or tool errors.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
if [ ! -d "$shared" ]; then
  echo "check-no-copies: no $shared beside the clone; nothing to compare" >&2
  exit 0
fi
command -v sha256sum >/dev/null || { echo "check-no-copies: sha256sum not found" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Hashes of every non-empty file under the shared directory (links followed).
find -L "$shared/" -type f -size +0 -print0 | xargs -0 -r sha256sum | sort > "$tmp/shared"

# The repository's files: tracked ones, or every file outside .git when this
# is not a git checkout. Empty files are nobody's copy.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z
else
  find . -path ./.git -prune -o -type f -print0
fi | while IFS= read -r -d '' f; do
  [ -f "$f" ] && [ -s "$f" ] && printf '%s\0' "$f"
done | xargs -0 -r sha256sum | sort > "$tmp/repo"

# Join on the hash: "hash repo-file shared-file".
join -j 1 -o 1.1,1.2,2.2 <(sed 's/  /\t/' "$tmp/repo" | sort -t $'\t' -k1,1) \
  <(sed 's/  /\t/' "$tmp/shared" | sort -t $'\t' -k1,1) -t $'\t' > "$tmp/copies" || true
if [ -s "$tmp/copies" ]; then
  echo "check-no-copies: these files are byte-for-byte copies of files in $shared; remove them (tests read the data from $shared):" >&2
  awk -F '\t' '{ printf "  %s  (= %s)\n", $2, $3 }' "$tmp/copies" >&2
  exit 1
fi
echo "check-no-copies: no file of the repository is a copy of a file in $shared"
