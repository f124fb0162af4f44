#!/bin/sh
# conformance.sh: the ONNX backend test cases (Debian libonnx-testdata) as a
# conformance suite for onnx2ir + ir-run.
#
# For every case directory under data/node, data/pytorch-converted and
# data/pytorch-operator, and each of its test_data_set_N:
#   1. onnx2ir imports model.onnx as a user would: when it says an input has
#      unresolved dims, the shape of that input's .pb file is given with
#      --input-shape; when it says a parameter input (Clip's min, Pad's pads)
#      is computed at run time and that input is a model input, its .pb value
#      is given with --freeze. Exit status 3 (something not supported: an op,
#      an attribute form, a dtype) skips the case with onnx2ir's reason.
#   2. ir-run runs the IR with every remaining input bound by name (the name
#      each input_K.pb carries, else the model's K-th input).
#   3. npy-cmp compares each output with output_K.pb with ONNX's tolerance
#      (rtol 1e-3, atol 1e-7; integers exactly).
# A case that imports but then fails anywhere is a failure, except one whose
# test data contradicts its own model (an input .pb of another shape than the
# model declares, as in the CastLike *_expanded cases): ir-run refuses those
# inputs, as it must, and they are counted apart, with the reason, in
# $OUT/inconsistent.txt.
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
pass=0 fail=0 skip=0 bad=0
: > "$OUT/inconsistent.txt"
nl='
'

# names of the IR's inputs or outputs, one per line, from the text form
io_names() { # $1 = input|output, $2 = ir file
	ir-dis "$2" | sed -n "s/^$1 \"\{0,1\}\([^\":]*\)\"\{0,1\}.*/\1/p"
}
sanitize() { printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '_'; }
# the input_K.pb of data set $1 whose TensorProto is named $2
pb_named() {
	for f in "$1"/input_*.pb; do
		[ "$(npy-info --name "$f")" = "$2" ] && { echo "$f"; return 0; }
	done
	return 1
}

# import_case MODEL DATASET IR ERRFILE: onnx2ir with whatever --input-shape /
# --freeze options the data set supplies; returns onnx2ir's status.
import_case() {
	opts=""
	tries=0
	while :; do
		# shellcheck disable=SC2086
		onnx2ir $opts "$1" -o "$3" 2> "$4"
		rc=$?
		[ $rc = 0 ] || [ $tries -ge 8 ] && return $rc
		tries=$((tries + 1))
		err=$(cat "$4")
		name=$(printf '%s' "$err" | sed -n 's/.*input "\([^"]*\)" has unresolved dims.*/\1/p')
		if [ -n "$name" ] && f=$(pb_named "$2" "$name"); then
			opts="$opts --input-shape $name=$(npy-info --shape "$f")"
			continue
		fi
		name=$(printf '%s' "$err" | sed -n 's/.*input "\([^"]*\)" ([^)]*) is computed at run time.*/\1/p')
		if [ -n "$name" ] && f=$(pb_named "$2" "$name"); then
			opts="$opts --freeze $name=$f"
			continue
		fi
		return $rc
	done
}

for suite in node pytorch-converted pytorch-operator; do
	for dir in "$DATA/$suite"/*/; do
		dir=${dir%/}
		case=$(basename "$dir")
		[ -n "$filter" ] && case "$case" in *"$filter"*) ;; *) continue ;; esac
		[ -f "$dir/model.onnx" ] || continue
		work="$OUT/work/$case"
		mkdir -p "$work"
		log="$OUT/$case.log"
		ok=1 skipped=0
		for ds in "$dir"/test_data_set_*; do
			[ -d "$ds" ] || continue
			import_case "$dir/model.onnx" "$ds" "$work/model.ir" "$work/import.err"
			rc=$?
			if [ $rc = 3 ]; then
				skipped=1
				break
			elif [ $rc != 0 ]; then
				ok=0
				cat "$work/import.err" >> "$log"
				break
			fi
			set --
			k=0
			ins=$(io_names input "$work/model.ir")
			IFS=$nl
			for name in $ins; do
				f=$(pb_named "$ds" "$name") || f="$ds/input_$k.pb"
				set -- "$@" -i "$name=$f"
				k=$((k + 1))
			done
			unset IFS
			rm -rf "$work/out"
			if ! ir-run "$@" -o "$work/out" "$work/model.ir" > "$work/run.err" 2>&1; then
				if grep -q "; the model expects" "$work/run.err"; then
					skipped=2
				else
					ok=0
				fi
				cat "$work/run.err" >> "$log"
				break
			fi
			k=0
			outs=$(io_names output "$work/model.ir")
			IFS=$nl
			for name in $outs; do
				if ! npy-cmp -q "$work/out/$(sanitize "$name").npy" "$ds/output_$k.pb" >> "$log" 2>&1; then
					ok=0
				fi
				k=$((k + 1))
			done
			unset IFS
		done
		if [ $skipped = 2 ]; then
			bad=$((bad + 1))
			printf '%s: %s\n' "$case" "$(cat "$work/run.err")" >> "$OUT/inconsistent.txt"
			rm -f "$log"
		elif [ $skipped = 1 ]; then
			skip=$((skip + 1))
			printf '%s: %s\n' "$case" "$(cat "$work/import.err")" >> "$OUT/skipped.txt"
			rm -f "$log"
		elif [ $ok = 1 ]; then
			pass=$((pass + 1))
			rm -f "$log"
		else
			fail=$((fail + 1))
			echo "FAIL $suite/$case: $(head -n 1 "$log")"
		fi
		rm -rf "$work"
	done
done
rm -rf "$OUT/work"
echo "conformance: $pass passed, $fail failed, $skip skipped (unsupported; reasons in $OUT/skipped.txt), $bad with test data that contradicts the model ($OUT/inconsistent.txt)"
[ $fail = 0 ]
