#!/bin/sh
# conformance.sh: the ONNX backend test cases (Debian libonnx-testdata) as a
# conformance suite for onnx2ir + ir-run.
#
# For every case directory under data/node, data/pytorch-converted and
# data/pytorch-operator: onnx2ir imports model.onnx; exit status 3 means the
# model uses something the toolchain does not support (an op, an attribute
# form, a dtype) and the case is skipped with onnx2ir's reason. Otherwise
# every test_data_set_N runs through ir-run, inputs bound by the model's input
# names in order, and each output is compared with output_K.pb by npy-cmp
# with ONNX's tolerance (rtol 1e-3, atol 1e-7; integers exactly). A case that
# imports but then fails anywhere is a failure.
#
# Usage: tests/conformance.sh [CASE-NAME-SUBSTRING]
# Prints failures as they happen and one summary line; the skip reasons are
# in $OUT/skipped.txt, failure logs in $OUT/<case>.log.
set -u
DATA=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
OUT=${OUT:-${BUILD:-build}/conformance}
filter=${1:-}
rm -rf "$OUT" && mkdir -p "$OUT"
: > "$OUT/skipped.txt"
pass=0 fail=0 skip=0

# names of the model's inputs or outputs, one per line, from the text form
io_names() { # $1 = input|output, $2 = ir file
	ir-dis "$2" | sed -n "s/^$1 \"\{0,1\}\([^\":]*\)\"\{0,1\}.*/\1/p"
}
sanitize() { printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '_'; }

for suite in node pytorch-converted pytorch-operator; do
	for dir in "$DATA/$suite"/*/; do
		dir=${dir%/}
		case=$(basename "$dir")
		[ -n "$filter" ] && case "$case" in *"$filter"*) ;; *) continue ;; esac
		[ -f "$dir/model.onnx" ] || continue
		work="$OUT/work/$case"
		mkdir -p "$work"
		log="$OUT/$case.log"
		onnx2ir "$dir/model.onnx" -o "$work/model.ir" 2> "$work/import.err"
		rc=$?
		if [ $rc = 3 ]; then
			skip=$((skip + 1))
			printf '%s: %s\n' "$case" "$(cat "$work/import.err")" >> "$OUT/skipped.txt"
			rm -rf "$work"
			continue
		fi
		ok=1
		if [ $rc != 0 ]; then
			ok=0
			cp "$work/import.err" "$log"
		else
			ins=$(io_names input "$work/model.ir")
			outs=$(io_names output "$work/model.ir")
			for ds in "$dir"/test_data_set_*; do
				[ -d "$ds" ] || continue
				set --
				k=0
				for name in $ins; do
					set -- "$@" -i "$name=$ds/input_$k.pb"
					k=$((k + 1))
				done
				rm -rf "$work/out"
				if ! ir-run "$@" -o "$work/out" "$work/model.ir" >> "$log" 2>&1; then
					ok=0
					break
				fi
				k=0
				for name in $outs; do
					if ! npy-cmp -q "$work/out/$(sanitize "$name").npy" "$ds/output_$k.pb" >> "$log" 2>&1; then
						ok=0
					fi
					k=$((k + 1))
				done
			done
		fi
		if [ $ok = 1 ]; then
			pass=$((pass + 1))
			rm -f "$log"
			rm -rf "$work"
		else
			fail=$((fail + 1))
			echo "FAIL $suite/$case: $(head -n 1 "$log")"
		fi
	done
done
rm -rf "$OUT/work"
echo "conformance: $pass passed, $fail failed, $skip skipped (unsupported; reasons in $OUT/skipped.txt)"
[ $fail = 0 ]
