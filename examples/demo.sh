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
