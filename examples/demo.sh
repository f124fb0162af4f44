#!/bin/sh
# demo.sh: the toolchain on the bundled example model (make demo).
# Each step prints the command it runs, then what it made.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${DEMO_OUT:-build/demo}
rm -rf "$out" && mkdir -p "$out"
step() { printf '\n$ %s\n' "$*"; "$@"; }

echo "== the example model: examples/tinynet/tinynet.onnx (input x: batch x 3 x 32 x 32)"
step onnx2ir --input-shape x=1x3x32x32 "$here/tinynet/tinynet.onnx" -o "$out/float.ir"
echo "wrote $out/float.ir ($(wc -c < "$out/float.ir") bytes); its text form:"
step ir-dis "$out/float.ir"
step ir-run -i x="$here/tinynet/input.npy" -o "$out/run" --dump-all "$out/float.ir"
echo "wrote $(ls "$out/run" | wc -l) tensors into $out/run (every intermediate, --dump-all)"
echo
echo "== against ONNX Runtime's output for the same input (examples/tinynet/expected-prob.npy):"
step npy-cmp --min-cosine 0.99999 --max-abs 1e-5 "$out/run/prob.npy" "$here/tinynet/expected-prob.npy"

echo
echo "== the optimized float model: patterns recognized, BN and activations folded into convs"
step ir-fuse --stats "$out/float.ir" -o "$out/fused.ir"
step ir-run -i x="$here/tinynet/input.npy" -o "$out/run-fused" "$out/fused.ir"
step npy-cmp --min-cosine 0.999999 "$out/run-fused/prob.npy" "$out/run/prob.npy"

echo
echo "== placement on the small int8 BPU (formats/march/bpu-s.march), as hb_mapper checker shows it"
step ir-partition --march bpu-s --report "$out/partition.txt" "$out/fused.ir" -o "$out/part.ir"
step cat "$out/partition.txt"

echo
echo "== calibration samples: 16 noise images through img2npy (netpbm's pgmnoise)"
mkdir -p "$out/calib"
for k in $(seq 1 16); do
	pgmnoise -randomseed "$k" 32 32 2>/dev/null |
		img2npy --size 32x32 --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 \
			-o "$out/calib/s_$(printf %02d "$k").npy"
done
echo "wrote $(ls "$out/calib" | wc -l) samples into $out/calib"
step calib-stats "$out/part.ir" --data "$out/calib" -o "$out/calib.stats"
echo
echo "== thresholds: the seed's default strategy judges max, percentile and KL on the int8 model"
step calib-search "$out/part.ir" --stats "$out/calib.stats" --data "$out/calib" --method default \
	--eval-samples 4 -o "$out/thresholds.txt"
echo
echo "== the int8 model, run bit-exactly as formats/numerics.md says"
step ir-quant --thresholds "$out/thresholds.txt" "$out/part.ir" -o "$out/quant.ir"
step ir-run -i x="$here/tinynet/input.npy" -o "$out/run-int8" "$out/quant.ir"
step npy-cmp --min-cosine 0.999 --atol 0.01 "$out/run-int8/prob.npy" "$out/run/prob.npy"
echo
echo "== where accuracy went, node by node (hb_mapper's table), on the photo input"
mkdir -p "$out/held" && cp "$here/tinynet/input.npy" "$out/held/"
step ir-diff "$out/part.ir" "$out/quant.ir" --data "$out/held"
echo
echo "Every stage's file is in $out: ir-dis any .ir, calib-stats --dump the statistics,"
echo "edit $out/thresholds.txt and feed it back with ir-quant --thresholds."
