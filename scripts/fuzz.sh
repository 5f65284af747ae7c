#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 30s), one
# after the other, and prints one line per target. New crashers land in the
# package's testdata/fuzz/FuzzXxx/, where `go test` replays them from then on.
#   scripts/fuzz.sh            every target, 30 s each
#   FUZZTIME=5m scripts/fuzz.sh
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
status=0
while IFS=: read -r file _ line; do
  pkg=$(dirname "$file")
  name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$line")
  out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" 2>&1)
  rc=$?
  execs=$(grep -oE 'execs: [0-9]+' <<<"$out" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "ok    $pkg $name ($fuzztime, ${execs:-execs: ?})"
  else
    echo "FAIL  $pkg $name"
    echo "$out" | tail -30
    status=1
  fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | sort)
exit $status
