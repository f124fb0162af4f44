#!/usr/bin/env bats
# quant.bats: calib-search (thresholds files, formats/thresholds.md),
# ir-quant (the integer graph), ir-run on it (int8, bit-exact whatever the
# thread count) and ir-diff (the per-node accuracy table): what each writes,
# that the methods differ as documented, hand edits and load=, and every
# way their inputs can be bad.
#
# The fixture, made once: tinynet at 1x3x32x32, fused and partitioned for
# bpu-s, 12 noise images as samples, and their statistics.

load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR k
	onnx2ir --input-shape x=1x3x32x32 "$TINY/tinynet.onnx" -o "$d/float.ir"
	ir-fuse "$d/float.ir" | ir-partition --march bpu-s -o "$d/part.ir" 2>/dev/null
	mkdir -p "$d/data"
	for k in $(seq 1 12); do
		pgmnoise -randomseed "$k" 32 32 2>/dev/null |
			img2npy --size 32x32 --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 \
				-o "$d/data/s_$(printf %02d "$k").npy"
	done
	calib-stats "$d/part.ir" --data "$d/data" -o "$d/all.stats"
	calib-search "$d/part.ir" --stats "$d/all.stats" --method max --per-channel -o "$d/max.txt"
}

setup() {
	setup_scratch
	cp "$BATS_FILE_TMPDIR/part.ir" "$BATS_FILE_TMPDIR/all.stats" "$BATS_FILE_TMPDIR/max.txt" .
	cp -r "$BATS_FILE_TMPDIR/data" .
}

# field FILE NAME KEY: KEY's value on NAME's act (or weight) line.
field() {
	awk -v n="$2" -v k="$3" '($1 == "act" || $1 == "weight") && $2 == n {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); f = 1 } }
		END { exit !f }' "$1" || fail "no $3 for $2 in $1"
}

# assert_close A B TOL: |A - B| <= TOL.
assert_close() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }' ||
		fail "$1 and $2 differ by more than $3"
}

# dump_col STATS NAME COL: column COL of NAME's row in `calib-stats --dump`.
dump_col() {
	calib-stats --dump "$1" | awk -v n="$2" -v c="$3" '$1 == n { print $c; f = 1 }
		END { exit !f }' || fail "no row $2 in --dump of $1"
}

@test "calib-search: max: one act line per quantized tensor, threshold = absmax, scale = T/127" {
	run grep -c '^act ' max.txt
	assert_output 11
	# every BPU convolution's weight, per channel: 16 scales for conv1
	[ "$(grep -c '^weight ' max.txt)" -eq 6 ]
	[ "$(field max.txt conv1.w_folded scale | tr ',' '\n' | wc -l)" -eq 16 ]
	assert_close "$(field max.txt r1 threshold)" "$(dump_col all.stats r1 6)" 1e-4
	# the scale is stored as f32: equal to T/127 to f32 precision
	run awk -v t="$(field max.txt r1 threshold)" -v s="$(field max.txt r1 scale)" \
		'BEGIN { d = (t / 127 - s) / s; exit !(d < 1e-7 && d > -1e-7) }'
	assert_success
	grep -q '^model [0-9a-f]\{16\}$' max.txt
}

@test "calib-search: percentile and kl clip below max; kl says which tensors fell back to max" {
	calib-search part.ir --stats all.stats --method percentile=0.999 -o pc.txt
	run --separate-stderr calib-search part.ir --stats all.stats --method kl -o kl.txt
	assert_success
	assert_output ""
	# the SE block's small tensors have too few values for 2048 bins
	[[ $stderr == *"kl: 5 tensors have too few values"*"use max instead"* ]]
	assert_equal "$(field kl.txt se.gate method)" max
	assert_equal "$(field kl.txt se.gate threshold)" "$(field max.txt se.gate threshold)"
	assert_equal "$(field kl.txt r1 method)" kl
	for t in r1 d1 pw.r; do
		run awk -v a="$(field pc.txt $t threshold)" -v b="$(field kl.txt $t threshold)" \
			-v m="$(field max.txt $t threshold)" 'BEGIN { exit !(a < m && b < m && a > 0 && b > 0) }'
		assert_success
	done
}

@test "calib-search: --asymmetric gives a ReLU output zero point -128, and min/max" {
	calib-search part.ir --stats all.stats --method max --asymmetric -o as.txt
	assert_equal "$(field as.txt r1 zero_point)" -128
	assert_equal "$(field as.txt r1 min)" 0
	assert_close "$(field as.txt r1 max)" "$(dump_col all.stats r1 5)" 1e-4
	# x is normalized noise in [-2, 2]: zero point near 0
	z=$(field as.txt x/q zero_point)
	[ "$z" -ge -2 ] && [ "$z" -le 2 ]
	# --per-channel off: one weight scale per tensor
	[ "$(field as.txt conv1.w_folded scale | tr ',' '\n' | wc -l)" -eq 1 ]
}

@test "calib-search: skip needs no statistics and says loudly that accuracy means nothing" {
	run --separate-stderr calib-search part.ir --method skip -o skip.txt
	assert_success
	[[ $stderr == *"WARNING: --method skip"*"performance measurements only"* ]]
	grep -q 'WARNING: skip' skip.txt
	assert_equal "$(field skip.txt r1 method)" skip
}

@test "calib-search: load= reads a hand-edited file back; ir-quant takes the edited scale" {
	sed 's/^act r1 .*/act r1 scale=0.05  # by hand/' max.txt > hand.txt
	calib-search part.ir --method load=hand.txt -o loaded.txt
	assert_close "$(field loaded.txt r1 scale)" 0.05 1e-9
	assert_equal "$(field loaded.txt d1 scale)" "$(field max.txt d1 scale)"
	ir-quant --thresholds loaded.txt part.ir -o q.ir
	run ir-dis q.ir
	assert_output --partial '-> (r1: i8[1,16,16,16] quant(i8, scale=[0.05], axis=0))'
}

@test "calib-search: the same samples sharded 3 ways give the same thresholds, byte for byte" {
	for i in 1 2 3; do calib-stats part.ir --data data --shard $i/3 -o s$i.stats; done
	calib-stats --merge s1.stats s2.stats s3.stats -o m.stats
	calib-search part.ir --stats all.stats --method kl -o a.txt 2>/dev/null
	calib-search part.ir --stats m.stats --method kl -o b.txt 2>/dev/null
	cmp a.txt b.txt
}

@test "calib-search: a thresholds file naming a missing tensor, or malformed, is FILE:LINE" {
	{ cat max.txt; echo "act no_such_tensor scale=0.1"; } > bad1.txt
	run --separate-stderr calib-search part.ir --method load=bad1.txt -o out.txt
	assert_fails 1 "bad1.txt:" "no_such_tensor" "is not a tensor"
	sed '5s/scale=[^ ]*/scale=-1/' max.txt > bad2.txt
	run --separate-stderr calib-search part.ir --method load=bad2.txt -o out.txt
	assert_fails 1 "bad2.txt:5:" "scale"
	sed '6s/^act /act  r1 bogus /' max.txt > bad3.txt
	run --separate-stderr calib-search part.ir --method load=bad3.txt -o out.txt
	assert_fails 1 "bad3.txt:6:"
	grep -v '^act d1 ' max.txt > bad4.txt
	run --separate-stderr calib-search part.ir --method load=bad4.txt -o out.txt
	assert_fails 1 "no act entry" "d1"
	# ir-quant checks the same things
	run --separate-stderr ir-quant --thresholds bad1.txt part.ir -o q.ir
	assert_fails 1 "bad1.txt:" "no_such_tensor"
	assert_only_files all.stats bad1.txt bad2.txt bad3.txt bad4.txt data max.txt part.ir
}

@test "calib-search: statistics of another model, and usage errors" {
	onnx2ir --input-shape x=2x3x32x32 "$TINY/tinynet.onnx" | ir-fuse |
		ir-partition --march bpu-s -o other.ir 2>/dev/null
	run --separate-stderr calib-search other.ir --stats all.stats --method max -o out.txt
	assert_fails 1 "all.stats"
	run --separate-stderr calib-search part.ir --stats all.stats --method median
	assert_usage_error "median"
	run --separate-stderr calib-search part.ir --method max
	assert_usage_error "--stats"
	[ ! -e out.txt ]
}

@test "ir-quant: BPU nodes become integer ops with i8 weights and i32 biases; CPU nodes stay float" {
	ir-quant --thresholds max.txt part.ir -o q.ir
	run ir-dis q.ir
	assert_success
	assert_output --partial " QConv("
	assert_output --partial " QLut("
	assert_output --partial " QMul("
	assert_output --partial "conv1.w_folded/q: i8[16,3,3,3]"
	assert_output --regexp 'const [^ ]*/q: i32\[16\]'
	assert_output --regexp 'Softmax\(.*\) -> \(prob: f32'
	# the integer graph round-trips through the text form
	ir-dis --full q.ir > q.txt
	ir-as q.txt | ir-dis --full > q2.txt
	cmp q.txt q2.txt
}

@test "ir-quant: refuses an unpartitioned graph and an already quantized one" {
	onnx2ir --input-shape x=1x3x32x32 "$TINY/tinynet.onnx" -o float.ir
	run --separate-stderr ir-quant --thresholds max.txt float.ir -o q.ir
	assert_fails 1 "not partitioned" "ir-partition"
	ir-quant --thresholds max.txt part.ir -o q.ir
	run --separate-stderr ir-quant --thresholds max.txt q.ir -o q2.ir
	assert_fails 1 "already an integer op"
	run --separate-stderr ir-quant part.ir
	assert_usage_error "--thresholds"
}

@test "ir-run: the int8 model follows the float one and is bit-exact across thread counts" {
	ir-quant --thresholds max.txt part.ir -o q.ir
	ir-run -i x=data/s_03.npy -o f part.ir
	ir-run -i x=data/s_03.npy -o q1 q.ir
	ir-run -i x=data/s_03.npy -o q3 --threads 3 q.ir
	cmp q1/prob.npy q3/prob.npy
	npy-cmp --min-cosine 0.999 --atol 0.05 q1/prob.npy f/prob.npy
	# --dump-all writes the integer tensors as integers
	ir-run -i x=data/s_03.npy -o dump --dump-all q.ir
	run npy-info --dtype dump/r1.npy
	assert_output i8
}

@test "ir-diff: one row per shared node, worst nodes marked, the output's cosine last" {
	ir-quant --thresholds max.txt part.ir -o q.ir
	run --separate-stderr ir-diff part.ir q.ir --data data --samples 4 --worst 2
	assert_success
	assert_line --index 0 --regexp '^Node +ON +Subgraph +Type +Cosine +MaxAbs +RelL2 +Scale'
	assert_output --regexp 'conv1 +BPU +0 +QConv +0\.9[0-9]+'
	[ "$(grep -c '<< loses the most' <<<"$output")" -eq 2 ]
	assert_output --regexp 'output prob: cosine 0\.9[0-9]+ over 4 samples; top-1 \(argmax of the last axis\) agrees in [0-9] of 4 rows'
	# --tsv: 10 columns on every row, the header first
	ir-diff part.ir q.ir --data data --samples 2 --tsv > t.tsv
	assert_equal "$(head -n 1 t.tsv | cut -f 1,5)" "$(printf 'node\tcosine')"
	[ "$(awk -F '\t' 'NF != 10' t.tsv | wc -l)" -eq 0 ]
	[ "$(wc -l < t.tsv)" -gt 10 ]
}

@test "ir-diff: bad orders and bad data" {
	ir-quant --thresholds max.txt part.ir -o q.ir
	run --separate-stderr ir-diff q.ir part.ir --data data
	assert_fails 1 "quantized graph" "float graph first"
	mkdir empty
	run --separate-stderr ir-diff part.ir q.ir --data empty
	assert_fails 1 "empty"
	run --separate-stderr ir-diff part.ir q.ir
	assert_usage_error "--data"
}

@test "quant: PaddleOCR cls calibrated on 30 rendered text lines agrees with float on 40 others" {
	local m=$MODELS/$(model_file cls).onnx
	[ -f "$m" ] || skip "the PaddleOCR models are not here (make models)"
	sh "$REPO/examples/ocr/textlines.sh" 30 1 cal
	sh "$REPO/examples/ocr/textlines.sh" 40 2 held
	make -s -f "$REPO/pipelines/ptq.mk" MODEL="$m" INPUT_SHAPE=x=1x3x48x192 CAL=cal HELD=held \
		METHOD=max CALIB_FLAGS='--per-channel --asymmetric' OUT=cls 2>/dev/null
	run tail -n 1 cls/max/accuracy.txt
	assert_output --regexp 'cosine 0\.99[0-9]* over 40 samples; top-1 .* agrees in (39|40) of 40 rows'
	# the stages are all there for a user to inspect
	for f in float.ir fused.ir part.ir partition.txt calib.stats max/thresholds.txt max/quant.ir; do
		[ -s "cls/$f" ] || fail "cls/$f missing"
	done
}

@test "calib-search: default prints its candidates and decision, records the choice; ir-quant keeps it" {
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method default \
		--eval-samples 4 -j 2 -o def.txt
	assert_success
	[[ $stderr == *"judging candidates on 4 samples of data"* ]]
	[[ $stderr == *"step  candidate"* ]]
	[[ $stderr == *"<- chosen"* ]]
	[[ $stderr == *"ended at step "[123]* ]]
	grep -q '^method default$' def.txt
	grep -q '^choice "default: .*, cosine 0\.[0-9]*, ended at step [123]"$' def.txt
	grep -q '^# 1     max  ' def.txt
	# the same scores whatever -j
	calib-search part.ir --stats all.stats --data data --method default --eval-samples 4 \
		-o def1.txt 2>/dev/null
	cmp def.txt def1.txt
	ir-quant --thresholds def.txt part.ir -o q.ir
	run ir-dis q.ir
	assert_output --regexp 'meta "calibration" "default: default: [^"]*, cosine'
}

@test "calib-search: mix ranks every quantized activation and compares mix, kl, max, percentile" {
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method mix \
		--eval-samples 3 --sensitive-top 2 -o mix.txt
	assert_success
	[[ $stderr == *"1. sensitivity: each activation quantized alone"* ]]
	# 11 activations ranked, the first two sensitive
	[ "$(grep -cE '^# (1[01]|[1-9]) +[^ ]+ +[^ ]+ +[01]\.[0-9]{6}' mix.txt)" -eq 11 ]
	[ "$(grep -cE '^# [12] +[^ ]+ +[^ ]+ +[01]\.[0-9]{6} +yes' mix.txt)" -eq 2 ]
	[[ $stderr == *"3. the mix against whole-model methods"* ]]
	grep -q '^method mix$' mix.txt
	ir-quant --thresholds mix.txt part.ir -o q.ir
}

@test "calib-search: strategy usage errors, and int16 on a march without it" {
	run --separate-stderr calib-search part.ir --stats all.stats --method default
	assert_usage_error "--data"
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method default --per-channel
	assert_usage_error "chooses the weights"
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method max
	assert_usage_error "is for --method default and mix"
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method mix -j 0
	assert_usage_error "-j 0"
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method mix \
		--int16-sensitive 2 -o out.txt
	assert_fails 1 "march (bpu-s) has no int16"
	[ ! -e out.txt ]
}

@test "calib-search --bias-correction: one correction per output channel; ir-quant folds it into the i32 bias" {
	run --separate-stderr calib-search part.ir --stats all.stats --method max --per-channel \
		--bias-correction --data data --eval-samples 4 -o bc.txt
	assert_success
	head -n 1 bc.txt | grep -q -- '--bias-correction'
	# every weight line got one value per scale, and they are not all zero
	[ "$(grep -c '^weight .*bias_correction=' bc.txt)" -eq 6 ]
	n_s=$(field bc.txt conv1.w_folded scale | tr ',' '\n' | wc -l)
	n_b=$(field bc.txt conv1.w_folded bias_correction | tr ',' '\n' | wc -l)
	[ "$n_s" -eq "$n_b" ]
	field bc.txt conv1.w_folded bias_correction | tr -d '[]' | tr ',' '\n' |
		awk '{ s += ($1 < 0 ? -$1 : $1) } END { exit !(s > 0) }'
	# the act lines are max's, unchanged
	diff <(grep '^act ' max.txt) <(grep '^act ' bc.txt)
	# ir-quant: the biases differ from the uncorrected build's, nothing else does
	ir-quant --thresholds max.txt part.ir -o q0.ir
	ir-quant --thresholds bc.txt part.ir -o q1.ir
	ir-dis --full q0.ir | grep -v "^provenance" > q0.txt
	ir-dis --full q1.ir | grep -v "^provenance" > q1.txt
	run diff q0.txt q1.txt
	[ "$status" -eq 1 ]
	[[ $(diff q0.txt q1.txt | grep '^[<>]' | grep -vc '/q: i32\[') -eq 0 ]] ||
		fail "only i32 bias constants may differ: $(diff q0.txt q1.txt | head -5)"
	# and the corrected model runs
	ir-run q1.ir -i x=data/s_01.npy -o out
	[ -s out/*.npy ]
}

@test "calib-search --bias-correction: bad forms and usage" {
	run --separate-stderr calib-search part.ir --stats all.stats --method max --bias-correction
	assert_usage_error "needs --data"
	run --separate-stderr calib-search part.ir --method skip --bias-correction --data data
	assert_usage_error "calibrated methods"
	# a correction per channel: a wrong count is an ir-quant error naming the weight
	awk '$1 == "weight" && $2 == "conv1.w_folded" { $0 = $0 " bias_correction=[0.5,0.25]" } { print }' \
		max.txt > bad1.txt
	run --separate-stderr ir-quant --thresholds bad1.txt part.ir -o q.ir
	assert_fails 1 "bad1.txt:" "conv1.w_folded" "bias corrections"
	# malformed: FILE:LINE
	awk '$1 == "weight" && !f { $0 = $0 " bias_correction=[0.5,x]"; f = 1 } { print }' max.txt > bad2.txt
	line=$(grep -n 'bias_correction' bad2.txt | cut -d: -f1)
	run --separate-stderr ir-quant --thresholds bad2.txt part.ir -o q.ir
	assert_fails 1 "bad2.txt:$line:" "bias_correction"
	# on an act line it is an unknown key
	sed '5s/$/ bias_correction=1/' max.txt > bad3.txt
	run --separate-stderr ir-quant --thresholds bad3.txt part.ir -o q.ir
	assert_fails 1 "bad3.txt:5:" "unknown key"
	[ ! -e q.ir ]
}

@test "calib-search --int16: needs a march with int16, symmetric activations, a single method" {
	run --separate-stderr calib-search part.ir --stats all.stats --method max --int16 -o out.txt
	assert_fails 1 "--int16" "march (bpu-s) has no int16"
	run --separate-stderr calib-search part.ir --stats all.stats --method max --int16 --asymmetric
	assert_usage_error "symmetric"
	run --separate-stderr calib-search part.ir --stats all.stats --data data --method default --int16
	assert_usage_error "--int16-sensitive"
	[ ! -e out.txt ]
	# on bpu-l every act line is int16 at max: scale = absmax / 32767
	ir-partition --march bpu-l "$BATS_FILE_TMPDIR/float.ir" -o l.ir 2>/dev/null
	calib-stats l.ir --data data -o l.stats
	calib-search l.ir --stats l.stats --method percentile --int16 -o l16.txt
	[ "$(grep -c '^act ' l16.txt)" -eq "$(grep '^act ' l16.txt | grep -c 'dtype=int16')" ]
	run awk -v t="$(dump_col l.stats r1 6)" -v s="$(field l16.txt r1 scale)" \
		'BEGIN { d = t / 32767 - s; exit !(d < 1e-9 * t && -d < 1e-9 * t) }'
	assert_success
	ir-quant --thresholds l16.txt l.ir -o l16.ir
	ir-dis l16.ir | grep -q ': i16\['
}

@test "ir-diff --mask: IoU and agreement of the output masks y > T, pooled over samples" {
	ir-quant --thresholds max.txt part.ir -o q.ir
	run --separate-stderr ir-diff part.ir q.ir --data data --mask 0.1
	assert_success
	line=$(echo "$output" | tail -n 1)
	[[ $line == "output prob: cosine "*"; mask > 0.1: IoU "*" elements in either), agrees on "*"% of elements" ]]
	# the counts: the intersection is at most the union, at most 12 x 10 elements
	inter=$(echo "$line" | sed -n 's/.*IoU [0-9.]* (\([0-9]*\) of \([0-9]*\) .*/\1/p')
	uni=$(echo "$line" | sed -n 's/.*IoU [0-9.]* (\([0-9]*\) of \([0-9]*\) .*/\2/p')
	[ "$inter" -le "$uni" ] && [ "$uni" -le 120 ] && [ "$uni" -gt 0 ]
	# the same model against itself: IoU 1, every element agrees
	run --separate-stderr ir-diff part.ir part.ir --data data --mask 0.1
	[[ $(echo "$output" | tail -n 1) == *"IoU 1.000000"*"agrees on 100.0000% of elements" ]]
	# no mask above every value: nothing in either, IoU taken as 1
	run --separate-stderr ir-diff part.ir q.ir --data data --mask 2
	[[ $(echo "$output" | tail -n 1) == *"IoU 1.000000 (0 of 0 elements"* ]]
	run --separate-stderr ir-diff part.ir q.ir --data data --mask high
	assert_usage_error "--mask high"
}

@test "calib-search: mse keeps thresholds within max, and its asymmetric ranges within [min, max]" {
	calib-search part.ir --stats all.stats --method mse --per-channel -o mse.txt
	grep -q '^method mse$' mse.txt
	[ "$(grep -c '^act .*method=mse' mse.txt)" -ge 1 ]
	for t in r1 d1; do
		awk -v a="$(field mse.txt $t threshold)" -v m="$(field max.txt $t threshold)" \
			'BEGIN { exit !(a > 0 && a <= m) }' || fail "$t: mse $(field mse.txt $t threshold) > max"
	done
	calib-search part.ir --stats all.stats --method mse --per-channel --asymmetric -o mse-a.txt
	lo=$(field mse-a.txt r1 min) hi=$(field mse-a.txt r1 max)
	awk -v lo="$lo" -v hi="$hi" -v mn="$(dump_col all.stats r1 4)" -v mx="$(dump_col all.stats r1 5)" \
		'BEGIN { exit !(lo <= 0 && hi > 0 && lo >= mn - 1e-6 && hi <= mx + 1e-6) }' ||
		fail "r1's mse range [$lo, $hi] is not within [min, max]"
	ir-quant --thresholds mse-a.txt part.ir -o q.ir
}
