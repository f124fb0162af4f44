#!/usr/bin/env bats
# ir-fuse.bats: the optimized float stage (formats/ir.md, "After ir-fuse";
# the passes are the table at the bottom of lib/fuse.c). Each pass runs on
# its own small text IR in tests/data/fuse (NAME.ir.txt, its `# passes:`
# line, the expected ops in NAME.ops, LC_ALL=C sorted): what it must rewrite
# and what it must leave alone, and that the rewritten graph computes the
# same (ir-run on seeded random inputs, npy-cmp --min-cosine 0.999999).
# Then the default run (to a fixed point), the options, bad input, and the
# PaddleOCR models (skipped, saying why, when `make models` was not run).

load helpers

FUSE=$DATA/fuse

setup_file() {
	local why=
	for m in ch_ppocr_mobile_v2.0_cls_infer ch_PP-OCRv4_det_infer ch_PP-OCRv4_rec_infer; do
		[ -f "$MODELS/$m.onnx" ] ||
			{ why="PaddleOCR models absent ($MODELS); fetch them with: make models"; break; }
	done
	if [ -z "$why" ] && ! command -v pngtopnm >/dev/null; then
		why="pngtopnm is not installed (Debian package netpbm; make deps)"
	fi
	if [ -z "$why" ] && ! sh "$REPO/tests/fetch-images.sh" "$IMAGES" >/dev/null 2>&1; then
		why="test photos unavailable: tests/fetch-images.sh (apt-get download python3-skimage) failed"
	fi
	export FUSE_MODELS_SKIP=$why
}

# rand_npy FILE D0,D1,... [SEED]: an f32 .npy of that shape holding seeded
# pseudo-random values in [-4, 4) (wide enough to cross HardSwish's and
# ReLU6's knees): make_npy's header, perl's rand for the data.
rand_npy() {
	local n=$((${2//,/*}))
	make_npy "$1" '<f4' "$2"
	truncate -s $(($(stat -c %s "$1") - n * 4)) "$1"
	perl -e 'srand($ARGV[0]); print pack("f<*", map { rand(8) - 4 } 1 .. $ARGV[1])' \
		"${3:-1}" "$n" >>"$1"
}

# ops_of IR: the op of every node, one a line, LC_ALL=C sorted.
ops_of() {
	ir-dis "$1" | awk '$1 == "node" { sub(/\(.*/, "", $3); print $3 }' | LC_ALL=C sort
}

# passes_of NAME: the `# passes:` line of tests/data/fuse/NAME.ir.txt.
passes_of() {
	sed -n 's/^# passes: //p' "$FUSE/$1.ir.txt"
}

# fuse_pass NAME: runs the passes of NAME.ir.txt on it into fused.ir (and
# its text, fused.txt) and checks the ops left against NAME.ops.
fuse_pass() {
	local passes
	passes=$(passes_of "$1")
	[ -n "$passes" ] || fail "$1.ir.txt has no '# passes:' line"
	ir-fuse --passes "$passes" -o fused.ir "$FUSE/$1.ir.txt"
	ir-dis fused.ir >fused.txt
	run -0 diff <(ops_of fused.ir) "$FUSE/$1.ops"
}

# same_numerics A B: binds every model input of A to seeded random data,
# runs A and B, and checks that they have the same outputs and that each
# has cosine >= 0.999999 against A's.
same_numerics() {
	local name dims f args=()
	while read -r name dims; do
		rand_npy "in.$name.npy" "$dims" 7
		args+=(-i "$name=in.$name.npy")
	done < <(ir-dis "$1" | sed -n 's/^input \([^:]*\): f32\[\(.*\)\]$/\1 \2/p')
	[ "${#args[@]}" -gt 0 ] || fail "$1 has no f32 input"
	ir-run "${args[@]}" -o want "$1"
	ir-run "${args[@]}" -o got "$2"
	assert_equal "$(ls got)" "$(ls want)"
	for f in want/*.npy; do
		run -0 npy-cmp --min-cosine 0.999999 "got/${f#want/}" "$f"
	done
}

# node_line NAME: the line of node NAME in fused.txt (fails if none).
node_line() {
	grep -m1 "^node $1 " fused.txt || fail "no node $1 in: $(grep '^node' fused.txt)"
}

# ---- the pattern passes ---------------------------------------------------

@test "ir-fuse: hard-swish fuses every HardSwish form, leaves the look-alikes (hardswish.ops)" {
	fuse_pass hardswish
	assert_equal "$(grep -c ' HardSwish(' fused.txt)" 5
	run -0 cat fused.txt
	# forms 1-5: one HardSwish of x0 writes each output, the chain is gone
	for i in 1 2 3 4 5; do
		assert_line --regexp "^node [^ ]+ HardSwish\(x0\) -> \(y$i: f32\[2,3,4,5\]\)"
	done
	refute_line --regexp '^node (add|clip)[1-5] '
	# forms 6-10 as they were
	for n in div6 relu6 div7 div8 mul9 div10; do assert_line --regexp "^node $n "; done
}

@test "ir-fuse: hard-swish keeps the numerics" {
	ir-fuse --passes "$(passes_of hardswish)" -o fused.ir "$FUSE/hardswish.ir.txt"
	same_numerics "$FUSE/hardswish.ir.txt" fused.ir
}

@test "ir-fuse: hard-sigmoid fuses every HardSigmoid form, leaves the look-alikes (hardsigmoid.ops)" {
	fuse_pass hardsigmoid
	run -0 grep -c ' HardSigmoid(' fused.txt
	assert_output 4
	# the Add whose output is a model output stays, and so does its chain
	node_line add5
	node_line div5
}

@test "ir-fuse: hard-sigmoid keeps the numerics" {
	ir-fuse --passes "$(passes_of hardsigmoid)" -o fused.ir "$FUSE/hardsigmoid.ir.txt"
	same_numerics "$FUSE/hardsigmoid.ir.txt" fused.ir
}

@test "ir-fuse: silu fuses x*Sigmoid(x) in every order, leaves the look-alikes (silu.ops)" {
	fuse_pass silu
	node_line sig4
	node_line sig5
	node_line sig6
}

@test "ir-fuse: silu keeps the numerics" {
	ir-fuse --passes "$(passes_of silu)" -o fused.ir "$FUSE/silu.ir.txt"
	same_numerics "$FUSE/silu.ir.txt" fused.ir
}

@test "ir-fuse: gelu fuses the Erf forms, leaves the look-alikes (gelu.ops)" {
	fuse_pass gelu
	node_line erf5
	node_line erf6
	node_line erf7
}

@test "ir-fuse: gelu keeps the numerics" {
	ir-fuse --passes "$(passes_of gelu)" -o fused.ir "$FUSE/gelu.ir.txt"
	same_numerics "$FUSE/gelu.ir.txt" fused.ir
}

@test "ir-fuse: layer-norm fuses the decomposed LayerNorm, leaves the look-alikes (layernorm.ops)" {
	fuse_pass layernorm
	# form 4 is fused up to the Div, the per-row Mul stays after it
	node_line mul4
	run -0 grep -c ' LayerNormalization(' fused.txt
	assert_output 4
}

@test "ir-fuse: layer-norm keeps the numerics" {
	ir-fuse --passes "$(passes_of layernorm)" -o fused.ir "$FUSE/layernorm.ir.txt"
	same_numerics "$FUSE/layernorm.ir.txt" fused.ir
}

# ---- the structural passes ---------------------------------------------

@test "ir-fuse: dce removes the dead chain at once and keeps every node something reads (dce.ops)" {
	fuse_pass dce
	run -0 cat fused.txt
	refute_line --regexp '^node (sig2|tanh2|abs2|dead4) '
	# a Split with one output unread stays; so does a model output's producer
	node_line split3
	node_line abs4
	run -0 grep '^output ' fused.txt
	assert_output "$(printf 'output y1\noutput y3\noutput y4')"
}

@test "ir-fuse: dce keeps the numerics" {
	ir-fuse --passes dce -o fused.ir "$FUSE/dce.ir.txt"
	same_numerics "$FUSE/dce.ir.txt" fused.ir
}

@test "ir-fuse: identity removes Identity and Dropout; an Identity's model output keeps its name" {
	fuse_pass identity
	run ! grep -E ' (Identity|Dropout)\(' fused.txt
	# readers now read the Identity's / Dropout's input
	assert_equal "$(node_line relu1)" 'node relu1 Relu(x) -> (r1: f32[1,4,3,3])'
	assert_equal "$(node_line neg1)" 'node neg1 Neg(r1) -> (y1: f32[1,4,3,3])'
	assert_equal "$(node_line sig2)" 'node sig2 Sigmoid(y1) -> (y2: f32[1,4,3,3])'
	# the node before an Identity / Dropout writing a model output writes it
	assert_equal "$(node_line tanh3)" 'node tanh3 Tanh(x) -> (y3: f32[1,4,3,3])'
	assert_equal "$(node_line abs4)" 'node abs4 Abs(x) -> (y4: f32[1,4,3,3])'
	run -0 grep '^output ' fused.txt
	assert_output "$(grep '^output ' "$FUSE/identity.ir.txt")"
}

@test "ir-fuse: identity keeps the numerics" {
	ir-fuse --passes identity -o fused.ir "$FUSE/identity.ir.txt"
	same_numerics "$FUSE/identity.ir.txt" fused.ir
}

# BUG: invariant 9 ("no Identity" after ir-fuse) does not hold when the
# Identity writes a model output and its input has another reader: pass
# identity skips it, though the producer could write the output name and
# the other reader read it.
@test "ir-fuse: an Identity to a model output goes even when its input has another reader" {
	cat >id.ir.txt <<-'EOF'
	ir 1.0
	input x: f32[1,4]
	node relu Relu(x) -> (r: f32[1,4])
	node id Identity(r) -> (y: f32[1,4])
	node neg Neg(r) -> (n: f32[1,4])
	output y
	output n
	EOF
	ir-fuse -o fused.ir id.ir.txt
	same_numerics id.ir.txt fused.ir
	run -0 ir-dis fused.ir
	assert_line 'output y'
	assert_line 'output n'
	refute_line --partial ' Identity('
}

@test "ir-fuse: fold-constants evaluates chains of constant nodes into constants (fold-constants.ops)" {
	fuse_pass fold-constants
	# Sqrt([1,4,9,16]) * 2 + [3,5,7,9]
	run -0 grep '^const c1: ' fused.txt
	assert_output 'const c1: f32[4] = [5.0, 9.0, 13.0, 17.0]'
	# the Transpose of w is w transposed
	run -0 grep '^const wt2: ' fused.txt
	assert_output 'const wt2: f32[3,4] = [0.31, 0.47, 0.35, -0.54, 0.14, 0.06, 0.71, -0.87, -0.9, 0.3, -0.24, -0.54]'
	assert_equal "$(node_line use1)" 'node use1 Add(x, c1) -> (y1: f32[1,4])'
	run -0 cat fused.txt
	refute_line --regexp '^const (a|b|two|s1|m1):'
}

@test "ir-fuse: fold-constants keeps the numerics" {
	ir-fuse --passes fold-constants -o fused.ir "$FUSE/fold-constants.ir.txt"
	same_numerics "$FUSE/fold-constants.ir.txt" fused.ir
}

@test "ir-fuse: fold-bn folds a BatchNormalization after a Conv into it, which gets a bias (fold-bn.ops)" {
	fuse_pass fold-bn
	run ! grep ' BatchNormalization(' fused.txt
	# conv1 had no bias: now it has one and new weights, and writes bn1's output
	run -0 node_line conv1
	assert_output --regexp '^node conv1 Conv\(x, conv1\.w_folded, conv1\.b_folded\) -> \(y1: f32\[1,3,4,4\]\) '
	run -0 grep '^const conv1.b_folded: f32\[3\] = ' fused.txt
	run -0 grep '^const conv1.w_folded: f32\[3,2,1,1\] = ' fused.txt
	refute_output --partial '[-0.92, -0.09, 0.67, -0.33, 0.13, -1.0]'
}

@test "ir-fuse: fold-bn folds a BatchNormalization after a ConvTranspose, plain and grouped" {
	fuse_pass fold-bn
	run -0 node_line deconv2
	assert_output --regexp '^node deconv2 ConvTranspose\(x, deconv2\.w_folded, deconv2\.b_folded\) -> \(y2: f32\[1,3,8,8\]\)'
	run -0 node_line deconv5
	assert_output --regexp '^node deconv5 ConvTranspose\(x, deconv5\.w_folded, deconv5\.b_folded\) -> \(y5: f32\[1,4,8,8\]\) .*group=2'
	run -0 grep '^const deconv5.b_folded: f32\[4\] = ' fused.txt
}

@test "ir-fuse: fold-bn folds a BatchNormalization after a Gemm into its weights and bias" {
	fuse_pass fold-bn
	run -0 node_line gemm3
	assert_output --regexp '^node gemm3 Gemm\(v, gemm3\.w_folded, gemm3\.b_folded\) -> \(y3: f32\[2,3\]\)'
	# beta is folded into the bias; alpha stays
	assert_output --partial 'alpha=0.5 beta=1.0'
}

@test "ir-fuse: fold-bn makes a lone 4-D BatchNormalization a depthwise 1x1 Conv (group = channels)" {
	fuse_pass fold-bn
	assert_equal "$(node_line bn4)" \
		'node bn4 Conv(x, bn4.scale, bn4.shift) -> (y4: f32[1,2,4,4]) dilations=[1,1] group=2 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1] | origin="bn4"'
	run -0 grep '^const bn4.scale: f32\[2,1,1,1\] = ' fused.txt
	run -0 grep '^const bn4.shift: f32\[2\] = ' fused.txt
	# a BN after a Conv whose output is read elsewhere too: a depthwise Conv
	# of its own, the Conv untouched
	assert_equal "$(node_line conv6)" \
		'node conv6 Conv(x, w1) -> (c6: f32[1,3,4,4]) dilations=[1,1] group=1 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]'
	run -0 node_line bn6
	assert_output --regexp '^node bn6 Conv\(c6, bn6\.scale, bn6\.shift\) -> \(y6: f32\[1,3,4,4\]\) .*group=3 kernel_shape=\[1,1\]'
}

@test "ir-fuse: fold-bn keeps the numerics" {
	ir-fuse --passes fold-bn -o fused.ir "$FUSE/fold-bn.ir.txt"
	same_numerics "$FUSE/fold-bn.ir.txt" fused.ir
}

@test "ir-fuse: fold-scale folds a Mul by a [C,1,1] constant after a Conv, not a full-shape one (fold-scale.ops)" {
	fuse_pass fold-scale
	run -0 node_line conv1
	assert_output --regexp '^node conv1 Conv\(x, conv1\.w_folded, conv1\.b_folded\) -> \(y1: f32\[1,3,4,4\]\)'
	run -0 cat fused.txt
	refute_line --regexp '^node mul1 '
	# Mul by a full-shape tensor: both nodes as they were
	assert_equal "$(node_line conv2)" \
		'node conv2 Conv(x, w, b) -> (c2: f32[1,3,4,4]) dilations=[1,1] group=1 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]'
	assert_equal "$(node_line mul2)" 'node mul2 Mul(c2, full) -> (y2: f32[1,3,4,4])'
}

@test "ir-fuse: fold-scale folds Add, Sub and a Div by 4, not a Div by 3, a shared Conv or const - Conv" {
	fuse_pass fold-scale
	# Add (constant first) then Sub: both into conv3, which gets a bias
	run -0 node_line conv3
	assert_output --regexp '^node conv3 Conv\(x, [^,]+, [^)]+\) -> \(y3: '
	run -0 node_line conv4
	assert_output --regexp '^node conv4 Conv\(x, [^,]+, [^)]+\) -> \(y4: '
	run -0 cat fused.txt
	refute_line --regexp '^node (add3|sub3|div4) '
	assert_equal "$(node_line div5)" 'node div5 Div(c5, three) -> (y5: f32[1,3,4,4])'
	assert_equal "$(node_line mul6)" 'node mul6 Mul(c6, chw) -> (y6: f32[1,3,4,4])'
	assert_equal "$(node_line sub7)" 'node sub7 Sub(scal, c7) -> (y7: f32[1,3,4,4])'
}

@test "ir-fuse: fold-scale keeps the numerics" {
	ir-fuse --passes fold-scale -o fused.ir "$FUSE/fold-scale.ir.txt"
	same_numerics "$FUSE/fold-scale.ir.txt" fused.ir
}

@test "ir-fuse: fuse-activation: Conv+Relu is act_min=0.0, Conv+Clip(0,6) act_min=0.0 act_max=6.0 (fuse-activation.ops)" {
	fuse_pass fuse-activation
	assert_equal "$(node_line conv1)" \
		'node conv1 Conv(x, w, b) -> (y1: f32[1,3,4,4]) act_min=0.0 dilations=[1,1] group=1 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]'
	assert_equal "$(node_line conv2)" \
		'node conv2 Conv(x, w, b) -> (y2: f32[1,3,4,4]) act_max=6.0 act_min=0.0 dilations=[1,1] group=1 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]'
	assert_equal "$(node_line deconv5)" \
		'node deconv5 ConvTranspose(x, wt) -> (y5: f32[1,3,8,8]) act_min=0.0 dilations=[1,1] group=1 kernel_shape=[2,2] output_padding=[0,0] pads=[0,0,0,0] strides=[2,2]'
	run -0 cat fused.txt
	refute_line --regexp '^node (relu1|clip2|relu5) '
}

@test "ir-fuse: fuse-activation: Conv+Clip(a,b), and Relu then Clip, take the intersected range" {
	fuse_pass fuse-activation
	run -0 node_line conv3
	assert_output --partial ' -> (y3: f32[1,3,4,4]) act_max=0.75 act_min=-0.5 '
	run -0 node_line conv6
	assert_output --partial ' -> (y6: f32[1,3,4,4]) act_max=0.5 act_min=0.0 '
}

@test "ir-fuse: fuse-activation leaves a Conv whose output is read elsewhere or is a model output" {
	fuse_pass fuse-activation
	assert_equal "$(node_line conv4)" \
		'node conv4 Conv(x, w, b) -> (c4: f32[1,3,4,4]) dilations=[1,1] group=1 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]'
	assert_equal "$(node_line relu4)" 'node relu4 Relu(c4) -> (y4: f32[1,3,4,4])'
	assert_equal "$(node_line relu7)" 'node relu7 Relu(c7) -> (y7: f32[1,3,4,4])'
	run -0 node_line conv7
	refute_output --partial act_min
}

@test "ir-fuse: fuse-activation keeps the numerics" {
	ir-fuse --passes fuse-activation -o fused.ir "$FUSE/fuse-activation.ir.txt"
	same_numerics "$FUSE/fuse-activation.ir.txt" fused.ir
}

@test "ir-fuse: gemm-to-conv makes a Gemm with constant B Reshape -> 1x1 Conv -> Reshape (gemm-to-conv.ops)" {
	fuse_pass gemm-to-conv
	assert_equal "$(node_line gemm1/to_nchw)" \
		'node gemm1/to_nchw Reshape(a) -> (gemm1/to_nchw: f32[2,4,1,1]) shape=[2,4,1,1] | origin="gemm1"'
	assert_equal "$(node_line gemm1)" \
		'node gemm1 Conv(gemm1/to_nchw, gemm1.w_conv, gemm1.b_conv) -> (gemm1/conv: f32[2,3,1,1]) dilations=[1,1] group=1 kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1] | origin="gemm1"'
	assert_equal "$(node_line gemm1/from_nchw)" \
		'node gemm1/from_nchw Reshape(gemm1/conv) -> (y1: f32[2,3]) shape=[2,3] | origin="gemm1"'
	# B [K,N] becomes the weight [N,K,1,1]: b43 transposed
	run -0 grep '^const gemm1.w_conv: ' fused.txt
	assert_output 'const gemm1.w_conv: f32[3,4,1,1] = [0.5, 0.98, -0.72, 0.16, 0.0, -0.11, -0.59, -0.19, -0.56, -0.68, 0.03, 0.54]'
	run -0 grep '^const gemm1.b_conv: ' fused.txt
	assert_output 'const gemm1.b_conv: f32[3] = [-0.02, 0.82, 0.39]'
}

@test "ir-fuse: gemm-to-conv takes transB, alpha and beta into the weight and bias" {
	fuse_pass gemm-to-conv
	run -0 node_line gemm2
	assert_output --regexp '^node gemm2 Conv\(gemm2/to_nchw, gemm2\.w_conv, gemm2\.b_conv\)'
	# B [N,K] with transB is already the weight's layout; alpha 0.5 scales it
	run -0 grep '^const gemm2.w_conv: ' fused.txt
	assert_output 'const gemm2.w_conv: f32[3,4,1,1] = [0.12, -0.295, 0.46, -0.045, -0.065, -0.125, 0.135, 0.33, -0.105, -0.3, -0.19, 0.49]'
	# beta 2 times C [1,N]
	run -0 grep '^const gemm2.b_conv: ' fused.txt
	assert_output 'const gemm2.b_conv: f32[3] = [0.6, -0.2, 0.9]'
}

@test "ir-fuse: gemm-to-conv rewrites MatMul by a constant 2-D weight, also of a 3-D activation [1,T,K]" {
	fuse_pass gemm-to-conv
	run -0 node_line mm3
	assert_output --regexp '^node mm3 Conv\(mm3/to_nchw, mm3\.w_conv\) -> \(mm3/conv: f32\[2,3,1,1\]\)'
	assert_equal "$(node_line mm4/to_nchw)" \
		'node mm4/to_nchw Reshape(t) -> (mm4/to_nchw: f32[5,4,1,1]) shape=[5,4,1,1] | origin="mm4"'
	assert_equal "$(node_line mm4/from_nchw)" \
		'node mm4/from_nchw Reshape(mm4/conv) -> (y4: f32[1,5,3]) shape=[1,5,3] | origin="mm4"'
}

@test "ir-fuse: gemm-to-conv takes the Add of a bias [N] (or a scalar) after a MatMul into the Conv" {
	fuse_pass gemm-to-conv
	run -0 cat fused.txt
	refute_line --regexp '^node (add5|add6) '
	run -0 node_line mm5
	assert_output --regexp '^node mm5 Conv\(mm5/to_nchw, mm5\.w_conv, mm5\.b_conv\) -> \(mm5/conv: f32\[5,3,1,1\]\)'
	run -0 grep '^const mm5.b_conv: ' fused.txt
	assert_output 'const mm5.b_conv: f32[3] = [-0.02, 0.82, 0.39]'
	run -0 node_line mm5/from_nchw
	assert_output --partial ' -> (y5: f32[1,5,3]) '
	run -0 grep '^const mm6.b_conv: ' fused.txt
	assert_output 'const mm6.b_conv: f32[3] = [0.5, 0.5, 0.5]'
}

@test "ir-fuse: gemm-to-conv leaves a MatMul of two activations, a Gemm with transA, a per-row bias" {
	fuse_pass gemm-to-conv
	assert_equal "$(node_line mm7)" 'node mm7 MatMul(a, u) -> (y7: f32[2,3])'
	assert_equal "$(node_line gemm8)" 'node gemm8 Gemm(at, b43) -> (y8: f32[2,3]) transA=1'
	assert_equal "$(node_line gemm9)" 'node gemm9 Gemm(a, b43, crow) -> (y9: f32[2,3])'
}

@test "ir-fuse: gemm-to-conv keeps the numerics" {
	ir-fuse --passes gemm-to-conv -o fused.ir "$FUSE/gemm-to-conv.ir.txt"
	same_numerics "$FUSE/gemm-to-conv.ir.txt" fused.ir
}

# BUG: invariant 10 says a BatchNormalization (or a per-channel Mul/Add/Sub)
# after a Gemm is folded into it. With all passes, gemm-to-conv (earlier in
# the pass table) turns the Gemm into Reshape -> Conv -> Reshape first, and
# fold-bn / fold-scale then find a Reshape before the BN and leave it.
@test "ir-fuse: with all passes, a BatchNormalization or a per-column Mul after a Gemm is folded" {
	cat >gemm-bn.ir.txt <<-'EOF'
	ir 1.0
	input a: f32[2,4]
	const b34: f32[3,4] = [0.24, -0.59, 0.92, -0.09, -0.13, -0.25, 0.27, 0.66, -0.21, -0.6, -0.38, 0.98]
	const s3: f32[3] = [1.5, -0.5, 0.8]
	const b3: f32[3] = [0.2, 0.1, -0.3]
	const m3: f32[3] = [0.05, -0.4, 0.6]
	const v3: f32[3] = [0.9, 0.3, 2.5]
	const k13: f32[1,3] = [2.0, -1.0, 0.5]
	node gemm1 Gemm(a, b34) -> (g1: f32[2,3]) alpha=0.5 transB=1
	node bn1 BatchNormalization(g1, s3, b3, m3, v3) -> (y1: f32[2,3])
	node gemm2 Gemm(a, b34) -> (g2: f32[2,3]) transB=1
	node mul2 Mul(g2, k13) -> (y2: f32[2,3])
	output y1
	output y2
	EOF
	ir-fuse -o fused.ir gemm-bn.ir.txt
	same_numerics gemm-bn.ir.txt fused.ir
	run -0 ir-dis fused.ir
	refute_line --regexp '^node (bn1|mul2) '
}

# ---- the default run, the options -----------------------------------------

@test "ir-fuse: all passes on tinynet: nothing invariants 9-11 forbid is left, same output" {
	tinynet_ir tiny.ir
	run --separate-stderr ir-fuse -o fused.ir tiny.ir
	assert_success
	assert_equal "$stderr" ""
	assert_output ""
	run -0 ops_of fused.ir
	refute_line --regexp '^(BatchNormalization|Relu|Clip|Div|Gemm|Identity|Dropout)$'
	assert_line HardSwish
	ir-run -i x="$TINY/input.npy" -o want tiny.ir
	ir-run -i x="$TINY/input.npy" -o got fused.ir
	run -0 npy-cmp --min-cosine 0.999999 got/prob.npy want/prob.npy
	run -0 npy-cmp --min-cosine 0.99999 --max-abs 1e-5 got/prob.npy "$TINY/expected-prob.npy"
}

@test "ir-fuse: the default run reaches a fixed point (ir-fuse | ir-fuse gives ir-fuse's text)" {
	tinynet_ir tiny.ir
	for f in tiny.ir "$FUSE"/*.ir.txt "$DATA"/partition/*.ir.txt; do
		ir-fuse "$f" | ir-dis --full | grep -v '^provenance' >once.txt
		ir-fuse "$f" | ir-fuse | ir-dis --full | grep -v '^provenance' >twice.txt
		[ -s once.txt ] || fail "ir-fuse $f printed nothing"
		cmp -s once.txt twice.txt || fail "$f: a second ir-fuse changed: $(diff once.txt twice.txt | head -5)"
	done
}

@test "ir-fuse: --list-passes lists every pass with a description, each accepted by --passes" {
	run --separate-stderr ir-fuse --list-passes
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(awk '{ print $1 }' <<<"$output" | tr '\n' ' ')" \
		"dce identity fold-constants hard-sigmoid hard-swish silu gelu layer-norm fold-bn fold-scale gemm-to-conv fuse-activation "
	refute_line --regexp '^[a-z-]+ *$'
	for p in $(awk '{ print $1 }' <<<"$output"); do
		ir-fuse --passes "$p" -o "$p.ir" "$DATA/small.ir.txt" || fail "--passes $p refused"
	done
	# every data file names listed passes only
	for f in "$FUSE"/*.ir.txt; do
		for p in $(sed -n 's/^# passes: //p' "$f" | tr ',' ' '); do
			assert_line --regexp "^$p "
		done
	done
}

@test "ir-fuse: --passes runs only the passes named, --disable all but those" {
	ir-fuse --passes hard-sigmoid -o only.ir "$FUSE/hardswish.ir.txt"
	run -0 ops_of only.ir
	refute_line HardSwish
	ir-fuse --disable hard-swish -o without.ir "$FUSE/hardswish.ir.txt"
	run -0 ops_of without.ir
	refute_line HardSwish
	ir-fuse -o all.ir "$FUSE/hardswish.ir.txt"
	run -0 ops_of all.ir
	assert_line HardSwish
	# two passes, comma-separated
	tinynet_ir tiny.ir
	ir-fuse --passes fold-bn,fuse-activation -o two.ir tiny.ir
	run -0 ops_of two.ir
	refute_line BatchNormalization
	assert_line Clip   # the HardSwish's Clip: hard-swish did not run
}

@test "ir-fuse: --passes with an unknown pass is an error naming it; no output file" {
	run --separate-stderr ir-fuse --passes dce,hard-swishh -o out.ir "$FUSE/dce.ir.txt"
	assert_fails 1 '--passes' '"hard-swishh"' '--list-passes'
	assert_only_files
}

@test "ir-fuse: --disable with an unknown pass is an error naming it; no output file" {
	run --separate-stderr ir-fuse --disable fold_bn -o out.ir "$FUSE/dce.ir.txt"
	assert_fails 1 '--disable' '"fold_bn"'
	assert_only_files
}

@test "ir-fuse: --stats prints op counts before and after on stderr, matching the graphs" {
	tinynet_ir tiny.ir
	run --separate-stderr ir-fuse --stats -o fused.ir tiny.ir
	assert_success
	assert_output ""
	printf '%s\n' "${stderr_lines[@]}" >stats.txt
	run -0 grep -E '^op +before +after$' stats.txt
	run -0 grep -E '^BatchNormalization +1 +0$' stats.txt
	run -0 grep -E '^HardSwish +0 +1$' stats.txt
	run -0 grep -E '^fixed point after [0-9]+ rounds?; passes that changed the graph: .*fold-bn' stats.txt
	# every count is the graph's
	ops_of tiny.ir | uniq -c | awk '{ print $2, $1 }' | sort >before.want
	ops_of fused.ir | uniq -c | awk '{ print $2, $1 }' | sort >after.want
	awk 'NR > 1 && $1 != "total" && NF == 3 && $2 > 0 { print $1, $2 }' stats.txt | sort >before.got
	awk 'NR > 1 && $1 != "total" && NF == 3 && $3 > 0 { print $1, $3 }' stats.txt | sort >after.got
	run -0 diff before.got before.want
	run -0 diff after.got after.want
	run -0 grep -E "^total +$(ops_of tiny.ir | wc -l) +$(ops_of fused.ir | wc -l)$" stats.txt
}

@test "ir-fuse: -S writes text, stdout and -o give the same graph; provenance is appended" {
	tinynet_ir tiny.ir
	ir-fuse -o file.ir tiny.ir
	ir-fuse tiny.ir >stdout.ir
	ir-fuse -S tiny.ir >text.txt
	run -0 diff <(ir-dis file.ir | grep -v '^provenance') <(ir-dis stdout.ir | grep -v '^provenance')
	run -0 diff <(ir-dis file.ir | grep -v '^provenance') <(grep -v '^provenance' text.txt)
	run -0 grep '^provenance' text.txt
	assert_line --index 0 --regexp '^provenance "onnx2ir" '
	assert_line --index 1 --regexp '^provenance "ir-fuse" "[^"]+" "-S" "tiny.ir"$'
}

# ---- bad input ----------------------------------------------------------------

@test "ir-fuse: a partitioned IR is refused: run ir-fuse before ir-partition" {
	ir-partition --march bpu-s -o part.ir "$DATA/partition/supported.ir.txt" 2>/dev/null
	run --separate-stderr ir-fuse -o out.ir part.ir
	assert_fails 1 "part.ir" "already partitioned" "run ir-fuse before ir-partition"
	assert_only_files part.ir
	run --separate-stderr bash -c 'ir-fuse -o out.ir < part.ir'
	BATS_RUN_COMMAND=ir-fuse assert_fails 1 "<stdin>" "already partitioned"
	assert_only_files part.ir
}

@test "ir-fuse: junk, ONNX and empty input fail as for every IR reader; no output file" {
	run --separate-stderr bash -c 'echo junk | ir-fuse -o out.ir'
	BATS_RUN_COMMAND=ir-fuse assert_fails 1 "<stdin>" "not an IR stream"
	run --separate-stderr ir-fuse -o out.ir "$TINY/tinynet.onnx"
	assert_fails 1 "tinynet.onnx" "ONNX model" "onnx2ir"
	run --separate-stderr ir-fuse -o out.ir < "$TINY/tinynet.onnx"
	assert_fails 1 "<stdin>" "ONNX model" "onnx2ir"
	run --separate-stderr ir-fuse -o out.ir < /dev/null
	assert_fails 1 "<stdin>" "empty" "did the tool before this one"
	run --separate-stderr ir-fuse -o out.ir nothere.ir
	assert_fails 1 "nothere.ir" "No such file"
	assert_only_files
}

@test "ir-fuse: usage errors exit 2 with a synopsis" {
	run --separate-stderr ir-fuse --frobnicate
	assert_usage_error "--frobnicate"
	run --separate-stderr ir-fuse a.ir b.ir
	assert_usage_error "a.ir" "b.ir"
	run --separate-stderr ir-fuse --passes
	assert_usage_error "--passes"
	assert_only_files
}

# BUG (lib/util.c, every tool's -o): the output is written to FILE.tmp.PID
# and renamed over FILE, so a FIFO (or, run as root, /dev/null: `ir-fuse -o
# /dev/null` replaces the device with a regular file) is replaced instead of
# written to.
@test "ir-fuse: -o to a FIFO writes into the FIFO, not over it" {
	mkfifo out.fifo
	timeout 10 cat out.fifo >got.ir &
	ir-fuse -o out.fifo "$DATA/small.ir.txt"
	local ok=0
	[ -p out.fifo ] && ok=1
	# unblock the reader if the FIFO was replaced, then collect it
	[ "$ok" = 1 ] || kill %1 2>/dev/null
	wait || true
	[ "$ok" = 1 ] || fail "out.fifo is no longer a FIFO: $(ls -l out.fifo)"
	run -0 ir-dis got.ir
}

# ---- the PaddleOCR models ---------------------------------------------------


# op_counts IR: "OP COUNT" per op, LC_ALL=C sorted by op.
op_counts() {
	ops_of "$1" | uniq -c | awk '{ print $2, $1 }'
}

# fused_model MODEL: m.ir (onnx2ir) and fused.ir (ir-fuse of it).
fused_model() {
	[ -z "$FUSE_MODELS_SKIP" ] || skip "$FUSE_MODELS_SKIP"
	onnx2ir --input-shape x="$(model_dims "$1")" -o m.ir "$MODELS/$(model_file "$1").onnx"
	ir-fuse -o fused.ir m.ir
}

# fused_ops MODEL: the op counts after ir-fuse are tests/data/fuse/MODEL.fused-ops,
# and nothing invariant 10-11 folds away is left.
fused_ops() {
	fused_model "$1"
	op_counts fused.ir >got.txt
	run -0 diff got.txt "$FUSE/$1.fused-ops"
	run -0 ops_of fused.ir
	refute_line --regexp '^(Clip|Div|BatchNormalization|Relu|Identity|Dropout)$'
	assert_line HardSwish
}

# fused_numerics MODEL IMAGE: ir-fuse keeps the output on a real photo.
fused_numerics() {
	fused_model "$1"
	set -o pipefail
	pngtopnm "$IMAGES/$2.png" 2>/dev/null | img2npy $(model_prep "$1") -o in.npy
	ir-run -i x=in.npy -o want m.ir
	ir-run -i x=in.npy -o got fused.ir
	assert_equal "$(ls got)" "$(ls want)"
	for f in want/*.npy; do
		run -0 npy-cmp --min-cosine 0.999999 "got/${f#want/}" "$f"
	done
}

@test "ir-fuse: cls op counts after fusing match cls.fused-ops" { fused_ops cls; }
@test "ir-fuse: det op counts after fusing match det.fused-ops" { fused_ops det; }
@test "ir-fuse: rec op counts after fusing match rec.fused-ops" { fused_ops rec; }
@test "ir-fuse: cls keeps the numerics on text.png" { fused_numerics cls text; }
@test "ir-fuse: det keeps the numerics on coffee.png" { fused_numerics det coffee; }
@test "ir-fuse: rec keeps the numerics on page.png" { fused_numerics rec page; }
