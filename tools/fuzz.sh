#!/usr/bin/env bash
# Runs every Fuzz target in the module for $FUZZTIME each (default 10s).
# Crashers land in the package's testdata/fuzz and become regression tests.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-10s}
status=0
while IFS=: read -r file name; do
  pkg=./$(dirname "$file")
  echo "fuzz: $name in $pkg for $t"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg" 2>&1 | tail -3; then status=1; fi
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's/func //' | sort)
exit $status
