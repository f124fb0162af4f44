#!/usr/bin/env bats
# int16.bats: int16 activations end to end (formats/numerics.md "Mixed
# int8/int16 models", formats/thresholds.md "int16 activations",
# formats/node-info.md dtype=int16): a thresholds file made all-int16 with
# thresholds.md's own awk, node-info's dtype=int16 on single nodes, and
# calib-search's --int16-sensitive; what ir-quant makes of each, that
# ir-run's fast kernels give the reference's bits (BPU_QREF=1) whatever the
# thread count, that int16 follows float more closely than int8, and that
# an int16 entry on an int8-only march or with a zero point is refused.
#
# The fixture, made once: tinynet at 1x3x32x32, fused, partitioned for
# bpu-l (int8 and int16) and bpu-s (int8 only); 12 noise images as samples,
# their statistics, max thresholds (int8) and the all-int16 file derived
# from them by the awk in formats/thresholds.md, extracted from the doc.

load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR k
	onnx2ir --input-shape x=1x3x32x32 "$TINY/tinynet.onnx" | ir-fuse -o "$d/fused.ir"
	ir-partition --march bpu-l -o "$d/part.ir" "$d/fused.ir" 2>/dev/null
	ir-partition --march bpu-s -o "$d/part-s.ir" "$d/fused.ir" 2>/dev/null
	mkdir -p "$d/data"
	for k in $(seq 1 12); do
		pgmnoise -randomseed "$k" 32 32 2>/dev/null |
			img2npy --size 32x32 --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 \
				-o "$d/data/s_$(printf %02d "$k").npy"
	done
	calib-stats "$d/part.ir" --data "$d/data" -o "$d/all.stats"
	calib-search "$d/part.ir" --stats "$d/all.stats" --method max --per-channel -o "$d/max.txt"
	# the conversion exactly as the doc gives it: `awk '...' det.th > det16.th`
	sed -n '/^## int16 activations/,/^## /p' "$REPO/formats/thresholds.md" |
		awk '/^```/ { f = !f; next } f' > "$d/to16.sh"
	grep -q "det16.th" "$d/to16.sh"
	(cd "$d" && cp max.txt det.th && sh to16.sh && mv det16.th max16.txt && rm det.th)
}

setup() {
	setup_scratch
	local d=$BATS_FILE_TMPDIR
	cp "$d/fused.ir" "$d/part.ir" "$d/part-s.ir" "$d/all.stats" "$d/max.txt" "$d/max16.txt" .
	cp -r "$d/data" .
}

# field FILE NAME KEY: KEY's value on NAME's act line.
field() {
	awk -v n="$2" -v k="$3" '$1 == "act" && $2 == n {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); f = 1 } }
		END { exit !f }' "$1" || fail "no $3 for $2 in $1"
}

# types IR: "NAME: TYPE" for every output of every node (i8, i16, i32 only).
types() {
	ir-dis "$1" | grep '^node ' | sed 's/.*) -> (//' |
		grep -oE '(^|, )[^ ,]+: i(8|16|32)\[' | sed 's/^, //; s/\[$//'
}

# i16_names IR: the int16 node outputs, one line, sorted.
i16_names() {
	types "$1" | awk '$2 == "i16" { sub(/:$/, "", $1); print $1 }' | LC_ALL=C sort | tr '\n' ' ' |
		sed 's/ $//'
}

# cosine A.npy B.npy: npy-cmp's cosine of the two.
cosine() {
	npy-cmp --atol 1e9 "$1" "$2" | sed -n 's/.* cosine \([0-9.e+-]*\) .*/\1/p' | grep . ||
		fail "no cosine from npy-cmp $1 $2"
}

# ge A B: A >= B as numbers.
ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

# min_of A B: the smaller number.
min_of() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0 ? a : b) }'
}

# rel_close A B TOL: |A - B| <= TOL |B|.
rel_close() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
		exit !(d <= t * m) }' || fail "$1 and $2 differ by more than $3 relative"
}

# same_runs IR SAMPLE [THREADS]: ir-run --dump-all with the fast kernels and
# with BPU_QREF=1 (and with --threads THREADS when given): every tensor the
# same bits.
same_runs() {
	local ir=$1 s=$2 t=${3:-} f
	rm -rf fast ref thr
	ir-run -i x="$s" -o fast --dump-all "$ir"
	BPU_QREF=1 ir-run -i x="$s" -o ref --dump-all "$ir"
	if [ -n "$t" ]; then
		ir-run -i x="$s" -o thr --dump-all --threads "$t" "$ir"
	fi
	[ "$(ls fast | wc -l)" -gt 10 ] || fail "ir-run --dump-all wrote only: $(ls fast)"
	for f in fast/*.npy; do
		assert_same_bits "$f" "ref/${f#fast/}"
		[ -z "$t" ] || assert_same_bits "$f" "thr/${f#fast/}"
	done
}

@test "int16: thresholds.md's awk makes every act line int16; ir-quant on bpu-l gives i16 activations, i8 weights" {
	# every act line: dtype=int16, zero point 0, scale = threshold / 32767
	[ "$(grep -c '^act ' max16.txt)" -eq 11 ]
	[ "$(grep -c '^act .* zero_point=0 dtype=int16$' max16.txt)" -eq 11 ]
	diff <(grep -v '^act ' max.txt) <(grep -v '^act ' max16.txt)
	for t in x/q r1 d1 se.gate pw.r gap; do
		assert_equal "$(field max16.txt $t threshold)" "$(field max.txt $t threshold)"
		rel_close "$(field max16.txt $t scale)" "$(awk -v t="$(field max.txt $t threshold)" \
			'BEGIN { printf "%.9g", t / 32767 }')" 1e-7
	done
	# ir-quant reads the file as it is (calib-search load= too)
	ir-quant --thresholds max16.txt part.ir -o q16.ir
	calib-search part.ir --method load=max16.txt -o loaded.txt
	[ "$(grep -c '^act .*dtype=int16' loaded.txt)" -eq 11 ]
	run ir-dis q16.ir
	assert_success
	assert_output --partial '(x/q: i16[1,3,32,32] quant(i16, scale=[6.103702e-05]'
	assert_output --regexp 'QConv\(x/q, conv1\.w_folded/q, conv1\.b_folded/q\) -> \(r1: i16\[1,16,16,16\] quant\(i16, scale=\[0\.00027497'
	assert_output --regexp 'QLut\(d1, hswish\.div/table\) -> \(h1: i16\['
	assert_output --regexp 'QMul\(h1, se\.gate\) -> \(se\.out: i16\['
	assert_output --regexp 'QGlobalAveragePool\(pw\.r\) -> \(gap: i16\['
	assert_output --regexp 'MaxPool\(se\.out\) -> \(p1: i16\['
	# weights stay int8, biases int32; an int16 input's table has 1025 knots
	assert_output --partial "const conv1.w_folded/q: i8[16,3,3,3]"
	assert_output --partial "const dw.w/q: i8[16,1,3,3]"
	assert_output --partial "const hswish.div/table: i16[1025]"
	assert_output --partial "const se.gate/table: i16[1025]"
	assert_output --regexp 'const conv1\.b_folded/q: i32\[16\]'
	# no activation is left int8; the tail Conv hands the CPU int32
	run types q16.ir
	refute_output --partial ": i8"
	assert_line "fc/conv/q: i32"
	[ "$(grep -c ': i16$' <<<"$output")" -eq 14 ]
	assert_equal "$(i16_names q16.ir)" \
		"d1 fc/to_nchw flat gap h1 p1 pw.r r1 se.f2 se.gate se.out se.pool se.r1 x/q"
}

@test "int16: the all-int16 model follows float more closely than the all-int8 one, on every sample" {
	ir-quant --thresholds max.txt part.ir -o q8.ir
	ir-quant --thresholds max16.txt part.ir -o q16.ir
	local s c8 c16 l8 l16 min8=1 min16=1 lmin8=1 lmin16=1
	for s in data/*.npy; do
		rm -rf f a b
		ir-run -i x="$s" -o f --dump-all part.ir
		ir-run -i x="$s" -o a --dump-all q8.ir
		ir-run -i x="$s" -o b --dump-all q16.ir
		c8=$(cosine a/prob.npy f/prob.npy)
		c16=$(cosine b/prob.npy f/prob.npy)
		l8=$(cosine a/logits.npy f/logits.npy)
		l16=$(cosine b/logits.npy f/logits.npy)
		ge "$c16" "$c8" || fail "$s: int16's output cosine $c16 is below int8's $c8"
		ge "$l16" "$l8" || fail "$s: int16's logits cosine $l16 is below int8's $l8"
		# measured: prob >= 0.99997, logits >= 0.99994 (int8: 0.99984, 0.99948)
		# what is left is the int8 weights' rounding
		npy-cmp -q --min-cosine 0.99995 --atol 0.005 b/prob.npy f/prob.npy
		npy-cmp -q --min-cosine 0.9999 --atol 0.1 b/logits.npy f/logits.npy
		min8=$(min_of "$min8" "$c8") min16=$(min_of "$min16" "$c16")
		lmin8=$(min_of "$lmin8" "$l8") lmin16=$(min_of "$lmin16" "$l16")
	done
	echo "# lowest cosine to float over 12 samples: prob int8 $min8, int16 $min16;" \
		"logits int8 $lmin8, int16 $lmin16" >&3
}

@test "int16: BPU_QREF=1 and the fast kernels give the same bits, on 1 and 2 threads" {
	ir-quant --thresholds max16.txt part.ir -o q16.ir
	for s in 01 06 11; do
		same_runs q16.ir data/s_$s.npy 2
	done
	run npy-info --dtype fast/r1.npy fast/h1.npy fast/se.out.npy fast/gap.npy
	assert_output "$(printf 'i16\ni16\ni16\ni16')"
	# one 32x32 image is too small to be split over threads (ir_threads_for):
	# a batch of 32 is not, for the convolutions, the Mul and the tables
	onnx2ir --input-shape x=32x3x32x32 "$TINY/tinynet.onnx" | ir-fuse |
		ir-partition --march bpu-l -o big.ir 2>/dev/null
	make_npy hdr.npy '<f4' 32,3,32,32
	{
		head -c $(($(stat -c %s hdr.npy) - 32 * 3 * 32 * 32 * 4)) hdr.npy
		for k in $(seq 101 132); do
			pgmnoise -randomseed "$k" 32 32 2>/dev/null |
				img2npy --size 32x32 --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 -o one.npy
			tail -c $((3 * 32 * 32 * 4)) one.npy
		done
	} > big.npy
	run npy-info big.npy
	assert_output --regexp '^big\.npy: f32\[32,3,32,32\] min -2 max 2 '
	# the same tensor names; the model line is the 1x3x32x32 graph's fingerprint
	grep -v '^model ' max16.txt > big16.txt
	ir-quant --thresholds big16.txt big.ir -o qbig.ir
	same_runs qbig.ir big.npy 2
	ir-run -i x=big.npy -o thr3 --threads 3 qbig.ir
	assert_same_bits fast/prob.npy thr3/prob.npy
	run npy-info --dtype fast/d1.npy
	assert_output i16
}

@test "int16: node-info dtype=int16 on one node makes that node's output int16, and only it" {
	printf '# d1 in int16\ndwconv dtype=int16\n' > ni.txt
	ir-partition --march bpu-l --node-info ni.txt -o pn.ir fused.ir 2>/dev/null
	run ir-dis pn.ir
	assert_line --regexp '^node dwconv Conv\(.*qtype="int16"'
	[ "$(grep -c 'qtype=' <<<"$output")" -eq 1 ]
	# the int8 thresholds file: d1's int16 scale is its int8 line's threshold / 32767
	ir-quant --thresholds max.txt pn.ir -o qn.ir
	assert_equal "$(i16_names qn.ir)" "d1"
	run ir-dis qn.ir
	assert_output --partial '-> (d1: i16[1,16,16,16] quant(i16, scale=[0.0003246832]'
	rel_close 0.0003246832 "$(awk -v t="$(field max.txt d1 threshold)" 'BEGIN { printf "%.9g", t / 32767 }')" 1e-6
	# the HardSwish after it reads int16 (1025 knots) and writes int8
	assert_output --partial "const hswish.div/table: i8[1025]"
	assert_output --partial "const se.gate/table: i8[256]"
	assert_output --partial '-> (h1: i8[1,16,16,16] quant(i8, scale=[0.08377083]'
	# nothing inserted: the conv's own requantization goes to int16
	[ "$(grep -c '^node ' <<<"$output")" -eq "$(ir-dis pn.ir | grep -c '^node ')" ]
	same_runs qn.ir data/s_04.npy 2
	ir-run -i x=data/s_04.npy -o f part.ir
	npy-cmp -q --min-cosine 0.9995 --atol 0.02 fast/prob.npy f/prob.npy
}

@test "int16: mixed int8/int16 models run, bit-exact ref vs fast; a value-moving op asked for int16 widens its input" {
	ir-quant --thresholds max.txt part.ir -o q8.ir
	ir-run -i x=data/s_02.npy -o f part.ir
	local ni want same
	# node-info line | the int16 node outputs ir-quant gives | the output
	# against the all-int8 model's: "differs", or "int8" where the only
	# conversion is a widening (y = 256 q, exact), which leaves the int8
	# model's output up to the bias's rounding at the finer scale
	while IFS='|' read -r ni want same; do
		echo "$ni" > ni.txt
		ir-partition --march bpu-l --node-info ni.txt -o pn.ir fused.ir 2>/dev/null
		ir-quant --thresholds max.txt pn.ir -o qn.ir
		assert_equal "$ni: $(i16_names qn.ir)" "$ni: $want"
		same_runs qn.ir data/s_02.npy 2
		npy-cmp -q --min-cosine 0.9995 --atol 0.02 fast/prob.npy f/prob.npy
		rm -rf i8
		ir-run -i x=data/s_02.npy -o i8 --dump-all q8.ir
		if [ "$same" = differs ]; then
			run cmp -s fast/logits.npy i8/logits.npy
			[ "$status" -ne 0 ] || fail "$ni: the same output as the all-int8 model"
		else
			npy-cmp -q --min-cosine 0.9999999 --atol 1e-3 fast/logits.npy i8/logits.npy
		fi
	done <<-'EOF'
		hswish.div dtype=int16|h1|differs
		se.scale dtype=int16|p1 se.out|differs
		op:GlobalAveragePool dtype=int16|fc/to_nchw flat gap se.pool|differs
		op:Conv dtype=int16|d1 pw.r r1 se.f2 se.r1|differs
		se.gate dtype=int16|se.gate|differs
		pool1 dtype=int16|p1 se.out/i16|int8
		flatten dtype=int16|fc/to_nchw flat gap/i16|int8
	EOF
	# the MaxPool's int8 input is widened by a QRequant: s16 = s / 256 (M = 256)
	echo "pool1 dtype=int16" > ni.txt
	ir-partition --march bpu-l --node-info ni.txt -o pn.ir fused.ir 2>/dev/null
	ir-quant --thresholds max.txt pn.ir -o qn.ir
	run ir-dis qn.ir
	assert_output --regexp 'QRequant\(se\.out\) -> \(se\.out/i16: i16\[1,16,16,16\] quant\(i16, scale=\[0\.0001863215\].* mult=1073741824 .*shift=22 '
	assert_output --regexp 'MaxPool\(se\.out/i16\) -> \(p1: i16\['
	assert_output --regexp 'QConv\(p1, pw\.w/q, pw\.b/q\) -> \(pw\.r: i8\['
	# the same from a thresholds line on the MaxPool's output
	{ cat max.txt; echo "act p1 scale=0.001 dtype=int16"; } > p1.txt
	ir-quant --thresholds p1.txt part.ir -o qp.ir
	assert_equal "$(i16_names qp.ir)" "p1 se.out/i16"
	same_runs qp.ir data/s_09.npy
	# an asymmetric int8 line: T = max(-min, max), zero point 0
	calib-search part.ir --stats all.stats --method max --asymmetric -o as.txt
	assert_equal "$(field as.txt r1 zero_point)" -128
	echo "conv1 dtype=int16" > ni.txt
	ir-partition --march bpu-l --node-info ni.txt -o pc.ir fused.ir 2>/dev/null
	ir-quant --thresholds as.txt pc.ir -o qc.ir
	run ir-dis qc.ir
	assert_output --partial '-> (r1: i16[1,16,16,16] quant(i16, scale=[0.00027497587], axis=0'
	same_runs qc.ir data/s_09.npy
}

@test "int16: on bpu-s an int16 entry is refused, naming the tensor, the node and the march; nothing written" {
	awk '$1 == "act" && $2 == "d1" { $0 = $0 " dtype=int16" } { print }' max.txt > d16.txt
	line=$(grep -n '^act d1 ' d16.txt | cut -d: -f1)
	run --separate-stderr ir-quant --thresholds d16.txt part-s.ir -o q.ir
	assert_fails 1 "d16.txt:$line:" '"d1"' '"dwconv"' "bpu-s"
	# the all-int16 file: the graph's first int16 tensor, written by the input's Quantize
	run --separate-stderr ir-quant --thresholds max16.txt part-s.ir -o q.ir
	assert_fails 1 '"x/q"' '"x/quantize"' "bpu-s"
	# on bpu-l the same file is fine
	ir-quant --thresholds d16.txt part.ir -o ok.ir
	rm ok.ir
	# node-info's dtype=int16: ir-partition reports the entry's line
	printf '\ndwconv dtype=int16\n' > ni.txt
	run --separate-stderr ir-partition --march bpu-s --node-info ni.txt -o p.ir fused.ir
	assert_fails 1 "ni.txt:2:" "dwconv" "bpu-s" "int16"
	assert_only_files all.stats d16.txt data fused.ir max.txt max16.txt ni.txt part-s.ir part.ir
}

@test "int16: an int16 act line with a non-zero zero_point is FILE:LINE; int8 range limits stay" {
	line=$(grep -n '^act d1 ' max16.txt | cut -d: -f1)
	sed "${line}s/zero_point=0/zero_point=3/" max16.txt > zp.txt
	run --separate-stderr ir-quant --thresholds zp.txt part.ir -o q.ir
	assert_fails 1 "zp.txt:$line:" '"d1"' "zero_point"
	sed "${line}s/zero_point=0/zero_point=-1/" max16.txt > zn.txt
	run --separate-stderr ir-quant --thresholds zn.txt part.ir -o q.ir
	assert_fails 1 "zn.txt:$line:" '"d1"' "zero_point"
	# the key order does not matter
	sed "${line}s/zero_point=0 dtype=int16/dtype=int16 zero_point=5/" max16.txt > zo.txt
	run --separate-stderr ir-quant --thresholds zo.txt part.ir -o q.ir
	assert_fails 1 "zo.txt:$line:" "zero_point"
	# a bad dtype, and an int8 zero point outside int8
	sed "${line}s/dtype=int16/dtype=int32/" max16.txt > dt.txt
	run --separate-stderr ir-quant --thresholds dt.txt part.ir -o q.ir
	assert_fails 1 "dt.txt:$line:" "dtype"
	sed "${line}s/zero_point=0 dtype=int16/zero_point=300 dtype=int8/" max16.txt > z8.txt
	run --separate-stderr ir-quant --thresholds z8.txt part.ir -o q.ir
	assert_fails 1 "z8.txt:$line:" "zero_point"
	assert_only_files all.stats data dt.txt fused.ir max.txt max16.txt part-s.ir part.ir z8.txt \
		zn.txt zo.txt zp.txt
}

@test "int16: calib-search mix --int16-sensitive 2 makes the two most sensitive int16, at max; the result runs" {
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method mix \
		--int16-sensitive 2 --eval-samples 3 -o mix.txt
	assert_success
	assert_output ""
	[[ $stderr == *"int16 for the most sensitive"* ]]
	# exactly two int16 lines: ranks 1 and 2 of the sensitivity table
	[ "$(grep -c '^act .*dtype=int16' mix.txt)" -eq 2 ]
	top=$(grep -E '^# [12] +[^ ]+ +[^ ]+ +[01]\.[0-9]{6}( |$)' mix.txt | awk '{ print $4 }' |
		LC_ALL=C sort | tr '\n' ' ')
	got=$(awk '$1 == "act" && / dtype=int16/ { print $2 }' mix.txt | LC_ALL=C sort | tr '\n' ' ')
	assert_equal "$got" "$top"
	grep -q '^method mix$' mix.txt
	grep -q '^choice ".*int16 for the most sensitive' mix.txt
	# max: T = absmax from the statistics, scale T / 32767, zero point 0
	for t in $got; do
		assert_equal "$(field mix.txt $t method)" max
		assert_equal "$(field mix.txt $t zero_point)" 0
		absmax=$(calib-stats --dump all.stats | awk -v n="$t" '$1 == n { print $6 }')
		rel_close "$(field mix.txt $t threshold)" "$absmax" 1e-6
		rel_close "$(field mix.txt $t scale)" "$(awk -v a="$absmax" 'BEGIN { printf "%.9g", a / 32767 }')" 1e-6
	done
	# the other act lines are int8
	[ "$(grep '^act ' mix.txt | grep -vc 'dtype=int16')" -eq 9 ]
	ir-quant --thresholds mix.txt part.ir -o q.ir
	# int16 outputs: those two, and the value-moving ops after them (Reshape)
	for t in $got; do
		types q.ir | grep -qx "$t: i16" || fail "$t is not int16 in q.ir: $(types q.ir)"
	done
	run bash -c "ir-dis q.ir | grep '^node ' | grep -E ' -> \([^ ]+: i16\[' |
		grep -vE ' (Reshape|Flatten|Squeeze|Unsqueeze|Transpose|MaxPool)\(' | wc -l"
	assert_output 2
	run ir-dis q.ir
	assert_output --regexp 'meta "calibration" "mix: [^"]*int16 for the most sensitive'
	same_runs q.ir data/s_07.npy 2
	ir-run -i x=data/s_07.npy -o f part.ir
	npy-cmp -q --min-cosine 0.9999 --atol 0.01 fast/prob.npy f/prob.npy
}

@test "int16: node-info dtype=int16 on the tail Conv is a warning: it keeps its int32 output" {
	printf 'fc dtype=int16\n' > ni.txt
	run --separate-stderr ir-partition --march bpu-l --node-info ni.txt -o pn.ir fused.ir
	assert_success
	[[ $stderr == *'node "fc": node-info dtype=int16 has no effect'*'int32 accumulators'* ]]
	ir-dis pn.ir | grep -q '^node fc Conv(.*output_int32=1'
}

@test "int16: mix passes over a tensor the march cannot make int16 and lifts the next one" {
	# bpu-l without int16 for HardSigmoid: se.gate (rank 1 here) cannot be int16
	sed 's/^op HardSigmoid \(.*\) int16=yes/op HardSigmoid \1 int16=no/' \
		"$REPO/formats/march/bpu-l.march" > nohs.march
	grep -q '^op HardSigmoid .*int16=no' nohs.march
	ir-partition --march ./nohs.march -o pn.ir fused.ir 2>/dev/null
	calib-stats pn.ir --data data -o pn.stats
	run --separate-stderr calib-search pn.ir --stats pn.stats --data data --method mix \
		--int16-sensitive 2 --eval-samples 3 -o mix.txt
	assert_success
	[[ $stderr == *"(int16 not allowed by the march)"* ]]
	[ "$(grep -c '^act .*dtype=int16' mix.txt)" -eq 2 ]
	! grep -q '^act se.gate .*dtype=int16' mix.txt
	ir-quant --thresholds mix.txt pn.ir -o q.ir
}
