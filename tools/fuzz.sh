#!/usr/bin/env bash
# Runs every Fuzz target in the module for $FUZZTIME each (default 10s).
# Crashers land in the package's testdata/fuzz and become regression tests.
# A passing target prints go test's last lines; a failing one prints all of
# its output, so the failing input and the reason reach the CI log.
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when -fuzztime ends while a worker is busy (golang/go#75804,
# fixed in Go 1.27); such a run wrote no failing input, and is run again
# (twice at most) rather than reported.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-10s}
status=0
log=$(mktemp)
stamp=$(mktemp)
trap 'rm -f "$log" "$stamp"' EXIT
while IFS=: read -r file name; do
  pkg=./$(dirname "$file")
  echo "fuzz: $name in $pkg for $t"
  touch "$stamp"
  ok=0
  for attempt in 1 2 3; do
    if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg" >"$log" 2>&1; then
      ok=1; break
    fi
    if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log" && ! grep -qE 'panic:|_test\.go:[0-9]+:' "$log"; then
      echo "fuzz: $name: the coordinator's deadline race (golang/go#75804), no failing input: running it again"
      continue
    fi
    break
  done
  if [ $ok = 1 ]; then
    tail -3 "$log"
  else
    status=1
    grep -v '^fuzz: elapsed' "$log" | tail -60
    dir=$(dirname "$file")/testdata/fuzz/$name
    if [ -d "$dir" ]; then
      find "$dir" -type f -newer "$stamp" | while read -r f; do
        echo "--- new failing input $f:"; head -c 4000 "$f"; echo
      done
    fi
  fi
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's/func //' | sort)
exit $status
