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
