#!/usr/bin/env bats
# calib-stats.bats: calibration statistics (formats/stats.md): what is
# recorded, merge exactness (shards merged = one run, byte for byte),
# independence from sample order and thread count, the payload against
# formats/stats.proto, multi-input data directories, and every way the
# samples, the IR or the statistics files can be bad.
#
# The fixture, made once: tinynet imported at 1x3x32x32, fused and
# partitioned for bpu-s, and 12 noise images as samples (pgmnoise, img2npy).

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
}

setup() {
	setup_scratch
	cp "$BATS_FILE_TMPDIR/part.ir" "$BATS_FILE_TMPDIR/all.stats" .
	cp -r "$BATS_FILE_TMPDIR/data" .
}

# rand_npy FILE D0,D1,... [SEED]: an f32 .npy of seeded values in [-4, 4).
rand_npy() {
	local n=$((${2//,/*}))
	make_npy "$1" '<f4' "$2"
	truncate -s $(($(stat -c %s "$1") - n * 4)) "$1"
	perl -e 'srand($ARGV[0]); print pack("f<*", map { rand(8) - 4 } 1 .. $ARGV[1])' \
		"${3:-1}" "$n" >>"$1"
}

# dump_col STATS NAME COL: column COL of NAME's row in `calib-stats --dump`.
dump_col() {
	calib-stats --dump "$1" | awk -v n="$2" -v c="$3" '$1 == n { print $c; f = 1 }
		END { exit !f }' || fail "no row $2 in --dump of $1"
}

@test "calib-stats: records the BPU nodes' tensors, the Quantize inputs and the weights" {
	run --separate-stderr calib-stats --dump all.stats
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 1 "# all 12 samples (shard 0/0)"
	acts=$(echo "$output" | awk '/^activation/ { a = 1; next } /^$/ { a = 0 } a { printf "%s ", $1 }')
	assert_equal "$acts" "x x/q r1 d1 h1 se.pool se.r1 se.f2 se.gate se.out p1 pw.r gap flat fc/to_nchw fc/conv/q "
	weights=$(echo "$output" | awk '/^weight/ { a = 1; next } a { printf "%s ", $1 }')
	assert_equal "$weights" "conv1.w_folded dw.w se.fc1.w se.fc2.w pw.w fc.w_conv "
	# counts are numel x samples; per-channel along axis 1 (4-D and 2-D)
	assert_equal "$(dump_col all.stats r1 3)" $((16 * 16 * 16 * 12))
	assert_equal "$(dump_col all.stats r1 8)" 16
	assert_equal "$(dump_col all.stats flat 8)" 32
	# r1 is a Relu'd Conv: min 0; x's range is that of the normalized noise
	assert_equal "$(dump_col all.stats r1 4)" 0
	assert_equal "$(dump_col all.stats x 4)" -2
	assert_equal "$(dump_col all.stats x 5)" 2
	assert_equal "$(dump_col all.stats x 7)" 2
}

@test "calib-stats: merge exactness: 3 shards merged are the unsharded run, byte for byte" {
	for i in 1 2 3; do
		calib-stats part.ir --data data --shard "$i/3" -o "s$i.stats"
	done
	run --separate-stderr calib-stats --dump s2.stats
	assert_line --index 1 "# shard 2/3: 4 of 12 samples"
	calib-stats --merge s3.stats s1.stats s2.stats -o merged.stats
	cmp merged.stats all.stats
	# stdout too, and any order of the shards
	calib-stats --merge s2.stats s3.stats s1.stats > merged2.stats
	cmp merged2.stats all.stats
}

@test "calib-stats: uneven and empty shards merge exactly as well (5 and 16 of 12 samples)" {
	for i in 1 2 3 4 5; do
		calib-stats part.ir --data data --shard "$i/5" -o "f$i.stats"
	done
	calib-stats --merge f*.stats -o m5.stats
	cmp m5.stats all.stats
	for i in $(seq 1 16); do
		calib-stats part.ir --data data --shard "$i/16" -o "g$i.stats"
	done
	assert_equal "$(calib-stats --dump g14.stats | sed -n 2p)" "# shard 14/16: 0 of 12 samples"
	calib-stats --merge g*.stats -o m16.stats
	cmp m16.stats all.stats
}

@test "calib-stats: the same samples listed in another order give the same bytes" {
	ls data/*.npy | sort -r > rev.txt
	calib-stats part.ir --data rev.txt -o rev.stats
	cmp rev.stats all.stats
	# relative to the list's directory, with comments and blank lines
	mkdir lists
	{
		echo "# shuffled"
		ls data | shuf --random-source=<(yes) | sed 's|^|../data/|'
		echo
	} > lists/shuf.txt
	calib-stats part.ir --data lists/shuf.txt -o shuf.stats
	cmp shuf.stats all.stats
	# and shards cut from a shuffled list merge to the same bytes
	for i in 1 2 3; do
		calib-stats part.ir --data lists/shuf.txt --shard "$i/3" -o "r$i.stats"
	done
	calib-stats --merge r1.stats r2.stats r3.stats -o rm.stats
	cmp rm.stats all.stats
}

@test "calib-stats: --threads 1, 2 and 5 give the same bytes; the IR may come on stdin" {
	calib-stats --threads 1 part.ir --data data -o t1.stats
	calib-stats --threads 2 part.ir --data data -o t2.stats
	calib-stats --threads 5 --data data < part.ir > t5.stats
	cmp t1.stats all.stats
	cmp t2.stats all.stats
	cmp t5.stats all.stats
}

@test "calib-stats: the payload is canonical bpustats.Stats (protoc-c decodes and re-encodes it)" {
	command -v protoc-c >/dev/null || skip "protoc-c is not installed"
	tail -c +25 all.stats > payload.bin
	protoc-c --decode=bpustats.Stats -I"$REPO/formats" "$REPO/formats/stats.proto" \
		< payload.bin > payload.txt
	grep -q '^graph: "tinynet"$' payload.txt
	grep -q '^samples: 12$' payload.txt
	assert_equal "$(grep -c '^activations {' payload.txt)" 16
	protoc-c --encode=bpustats.Stats -I"$REPO/formats" "$REPO/formats/stats.proto" \
		< payload.txt > again.bin
	cmp payload.bin again.bin
	# the header: magic, version 1.0, payload length
	assert_equal "$(head -c 16 all.stats | od -An -tx1 | tr -d ' \n')" \
		"8942505553540d0a0100000000000000"
	assert_equal "$(($(stat -c %s all.stats) - 24))" "$(stat -c %s payload.bin)"
}

@test "calib-stats: progress on a terminal only" {
	run --separate-stderr calib-stats part.ir --data data -o p.stats
	assert_success
	assert_equal "$stderr" ""
	command -v script >/dev/null || skip "script(1) is not installed"
	script -qec "calib-stats part.ir --data data -o q.stats" /dev/null > tty.txt
	grep -q 'sample 12/12, [0-9.]* samples/s' tty.txt
	cmp q.stats all.stats
}

@test "calib-stats: a multi-input model takes one sub-directory per input" {
	cat > two.ir.txt <<-'EOF'
	ir 1.0
	graph "two"
	input x: f32[1,4,2,2]
	input y: f32[1,4,2,2]
	const w: f32[4,4,1,1] = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -2.0]
	node add Add(x, y) -> (s: f32[1,4,2,2])
	node conv Conv(s, w) -> (z: f32[1,4,2,2]) dilations=[1,1] group=1 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]
	node relu Relu(z) -> (r: f32[1,4,2,2])
	output r
	EOF
	ir-partition --march bpu-s -o two.ir two.ir.txt 2>/dev/null
	mkdir -p d/x d/y
	for k in 1 2 3 4; do
		rand_npy "d/x/$k.npy" 1,4,2,2 "$k"
		rand_npy "d/y/$k.npy" 1,4,2,2 "$((k + 10))"
	done
	calib-stats two.ir --data d -o two.stats
	run --separate-stderr calib-stats --dump two.stats
	assert_line --index 1 "# all 4 samples (shard 0/0)"
	assert_equal "$(dump_col two.stats x/q 3)" 64
	assert_equal "$(dump_col two.stats y/q 3)" 64
	assert_equal "$(dump_col two.stats w 3)" Conv
	# the file names must pair up
	rm d/y/3.npy
	run --separate-stderr calib-stats two.ir --data d -o bad.stats
	assert_fails 1 "d/x/3.npy has no counterpart d/y/3.npy"
	# a list file is for a single-input model
	ls d/x/*.npy > list.txt
	run --separate-stderr calib-stats two.ir --data list.txt -o bad.stats
	assert_fails 1 "list.txt" "single-input" "2 inputs"
	rm -rf d/y
	run --separate-stderr calib-stats two.ir --data d -o bad.stats
	assert_fails 1 'the model has 2 inputs ("x", "y")' "d/y is not a directory"
	assert_absent bad.stats
}

@test "calib-stats: a sample of the wrong shape is named with both shapes; nothing is written" {
	pgmnoise -randomseed 7 16 32 2>/dev/null | img2npy --size 32x16 -o data/s_07.npy
	run --separate-stderr calib-stats part.ir --data data -o out.stats
	assert_fails 1 'data/s_07.npy is f32[1,3,32,16]; input "x" is f32[1,3,32,32]'
	assert_only_files all.stats data part.ir
	# with several threads the first bad sample is the one named
	pgmnoise -randomseed 9 16 32 2>/dev/null | img2npy --size 32x16 -o data/s_09.npy
	run --separate-stderr calib-stats --threads 4 part.ir --data data -o out.stats
	assert_fails 1 'data/s_07.npy is f32[1,3,32,16]'
	assert_only_files all.stats data part.ir
}

@test "calib-stats: a sample of the wrong dtype (f64) is an error" {
	make_npy data/s_05.npy '<f8' 1,3,32,32
	run --separate-stderr calib-stats part.ir --data data -o out.stats
	assert_fails 1 'data/s_05.npy is f64[1,3,32,32]; input "x" is f32[1,3,32,32]'
	assert_only_files all.stats data part.ir
}

@test "calib-stats: an empty data directory, an empty list, a missing listed file" {
	mkdir empty
	run --separate-stderr calib-stats part.ir --data empty -o out.stats
	assert_fails 1 "empty holds no .npy files"
	printf '# nothing\n\n' > none.txt
	run --separate-stderr calib-stats part.ir --data none.txt -o out.stats
	assert_fails 1 "none.txt names no samples"
	printf 'data/s_01.npy\ndata/nope.npy\n' > missing.txt
	run --separate-stderr calib-stats part.ir --data missing.txt -o out.stats
	assert_fails 1 "missing.txt:2: data/nope.npy"
	run --separate-stderr calib-stats part.ir --data nowhere -o out.stats
	assert_fails 1 "nowhere"
	assert_absent out.stats
}

@test "calib-stats: an IR that is not partitioned says to run ir-partition" {
	run --separate-stderr calib-stats "$BATS_FILE_TMPDIR/float.ir" --data data -o out.stats
	assert_fails 1 "float.ir" "no placement" "run ir-partition"
	run --separate-stderr calib-stats "$TINY/tinynet.onnx" --data data -o out.stats
	assert_fails 1 "onnx2ir"
	assert_absent out.stats
}

@test "calib-stats: --merge names the missing shards" {
	for i in 1 3; do
		calib-stats part.ir --data data --shard "$i/3" -o "s$i.stats"
	done
	run --separate-stderr calib-stats --merge s1.stats s3.stats -o m.stats
	assert_fails 1 "shard 2/3 is missing"
	calib-stats part.ir --data data --shard 1/5 -o f1.stats
	run --separate-stderr calib-stats --merge f1.stats -o m.stats
	assert_fails 1 "shards 2/5, 3/5, 4/5, 5/5 are missing"
	run --separate-stderr calib-stats --merge s1.stats s1.stats s3.stats -o m.stats
	assert_fails 1 "shard 1/3 is given twice (s1.stats and s1.stats)"
	run --separate-stderr calib-stats --merge s1.stats f1.stats -o m.stats
	assert_fails 1 "f1.stats is shard 1/5 but s1.stats is shard 1/3"
	run --separate-stderr calib-stats --merge all.stats s1.stats -o m.stats
	assert_fails 1 "all.stats holds all 12 samples, not a shard"
	assert_absent m.stats
}

@test "calib-stats: --merge refuses shards of another model" {
	onnx2ir --input-shape x=2x3x32x32 "$TINY/tinynet.onnx" | ir-fuse |
		ir-partition --march bpu-s -o big.ir 2>/dev/null
	mkdir big
	rand_npy big/1.npy 2,3,32,32 1
	rand_npy big/2.npy 2,3,32,32 2
	calib-stats big.ir --data big --shard 2/2 -o other.stats
	calib-stats part.ir --data data --shard 1/2 -o mine.stats
	run --separate-stderr calib-stats --merge mine.stats other.stats -o m.stats
	assert_fails 1 "other.stats: statistics of another model" "mine.stats"
	assert_absent m.stats
}

@test "calib-stats: truncated, empty or foreign statistics files" {
	calib-stats part.ir --data data --shard 1/2 -o s1.stats
	calib-stats part.ir --data data --shard 2/2 -o s2.stats
	head -c -100 s2.stats > cut.stats
	run --separate-stderr calib-stats --merge s1.stats cut.stats -o m.stats
	assert_fails 1 "cut.stats: truncated statistics file" "announces"
	head -c 20 s2.stats > head.stats
	run --separate-stderr calib-stats --dump head.stats
	assert_fails 1 "head.stats: truncated statistics file: 20 bytes"
	: > empty.stats
	run --separate-stderr calib-stats --dump empty.stats
	assert_fails 1 "empty.stats: empty file"
	run --separate-stderr calib-stats --dump part.ir
	assert_fails 1 "part.ir: this is an IR stream, not calibration statistics"
	{ cat s2.stats; echo junk; } > junk.stats
	run --separate-stderr calib-stats --dump junk.stats
	assert_fails 1 "junk.stats: 5 bytes of junk"
	assert_absent m.stats
}

@test "calib-stats: usage errors exit 2" {
	run --separate-stderr calib-stats part.ir -o out.stats
	assert_usage_error "--data"
	run --separate-stderr calib-stats part.ir --data data --shard 4/3 -o out.stats
	assert_usage_error "--shard 4/3"
	run --separate-stderr calib-stats part.ir --data data --shard 0/3 -o out.stats
	assert_usage_error "--shard 0/3"
	run --separate-stderr calib-stats part.ir --data data --threads 0 -o out.stats
	assert_usage_error "--threads 0"
	run --separate-stderr calib-stats --merge -o out.stats
	assert_usage_error "--merge needs"
	run --separate-stderr calib-stats --merge all.stats --data data -o out.stats
	assert_usage_error "--merge takes"
	run --separate-stderr calib-stats part.ir part.ir --data data -o out.stats
	assert_usage_error "more than one IR"
	assert_absent out.stats
}

@test "calib-stats: refuses to write binary statistics to a terminal" {
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "calib-stats part.ir --data data" /dev/null
	assert_failure 1
	assert_output --partial "refusing to write binary output to a terminal"
}

@test "calib-stats: PaddleOCR cls: 2 shards merged equal one run" {
	local m=$MODELS/$(model_file cls).onnx
	[ -f "$m" ] || skip "the PaddleOCR models are not here (make models)"
	onnx2ir --input-shape x=1x3x48x192 "$m" | ir-fuse | ir-partition --march bpu-s -o cls.ir 2>/dev/null
	mkdir cdata
	for k in 1 2 3 4 5; do
		pgmnoise -randomseed "$k" 192 48 2>/dev/null |
			img2npy $(model_prep cls) -o "cdata/$k.npy"
	done
	calib-stats cls.ir --data cdata --threads 2 -o cls.stats
	calib-stats cls.ir --data cdata --shard 1/2 -o c1.stats
	calib-stats cls.ir --data cdata --shard 2/2 -o c2.stats
	calib-stats --merge c1.stats c2.stats -o cm.stats
	cmp cm.stats cls.stats
	[ "$(calib-stats --dump cls.stats | awk '/^activation/ { a = 1; next } /^$/ { a = 0 } a' | wc -l)" -gt 50 ]
}
