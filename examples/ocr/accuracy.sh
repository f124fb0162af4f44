#!/bin/sh
# accuracy.sh [OUT]: the README's accuracy table (make accuracy). Builds
# the PaddleOCR direction classifier (cls) and text detector (det) with
# pipelines/ptq.mk once per calibration method, per-channel weights, and
# prints what ir-diff measures on held-out samples the calibration never saw:
#
#   cls  50 rendered text lines to calibrate (textlines.sh, seed 1), 200
#        others to judge (seed 2): output cosine and top-1 agreement.
#   det  640x640, calibrated on 32 scenes (scenes.sh: text laid over views
#        of 8 photos of scikit-image's sample set); judged on 14 other
#        photos, and on the 3 of them that hold text (a map with no text is
#        near 0 everywhere and its cosine says little).
#
# Each row is a ptq.mk TAG: max, percentile, kl and mse with per-channel
# weights, symmetric and asymmetric, and the default and mix strategies
# (calib-search judges their candidates on the first 8 calibration samples),
# then the best single method with bias correction. det is built a second
# time for bpu-l, which has int16: every activation int16 (--int16), with
# and without bias correction, and mix lifting its 32 most sensitive
# activations to int16.
#
# Needs the models (make models), the tools on PATH, imagemagick and fonts
# (make deps). Takes about 5 minutes on 2 cores; writes everything under OUT (default
# build/accuracy) and the table to OUT/summary.md.
set -eu
out=${1:-build/accuracy}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
models=${MODELS:-$repo/models/package/assets}
CONVERT=${CONVERT:-/usr/bin/convert}
# ImageMagick 6.9's threads race in its Pango coder (about 1 convert in 20
# aborts on a 2-core machine); one thread each is as fast for these sizes
export MAGICK_THREAD_LIMIT=1
mkdir -p "$out"

# ---- data -----------------------------------------------------------------
if [ ! -d "$out/cls-cal" ]; then
	sh "$here/textlines.sh" 50 1 "$out/cls-cal.tmp" && mv "$out/cls-cal.tmp" "$out/cls-cal"
fi
if [ ! -d "$out/cls-held" ]; then
	sh "$here/textlines.sh" 200 2 "$out/cls-held.tmp" && mv "$out/cls-held.tmp" "$out/cls-held"
fi

cal_photos="astronaut.png camera.png coins.png rocket.jpg motorcycle_left.png ihc.png brick.png retina.jpg"
text_photos="text.png page.png bw_text.png"
held_photos="$text_photos logo.png coffee.png chelsea.png clock_motion.png hubble_deep_field.jpg
	moon.png gravel.png grass.png motorcycle_right.png color.png cell.png"
sh "$repo/tests/fetch-images.sh" "$out/photos" $cal_photos $held_photos
det_prep="--size 640x640 --bgr --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225"
# photo FILE [CROP] > ppm on stdout
photo() {
	"$CONVERT" -quiet "$out/photos/$1" -background white -alpha remove ${2:+-gravity "$2" -crop 60%x60%+0+0 +repage} \
		-depth 8 ppm:-
}
if [ ! -d "$out/det-cal" ]; then
	rm -rf "$out/det-cal.tmp" "$out/cal-photos" && mkdir -p "$out/cal-photos"
	for p in $cal_photos; do cp "$out/photos/$p" "$out/cal-photos/"; done
	sh "$here/scenes.sh" 32 1 "$out/cal-photos" "$out/det-cal.tmp"
	mv "$out/det-cal.tmp" "$out/det-cal"
fi
if [ ! -d "$out/det-held" ]; then
	rm -rf "$out/det-held.tmp" && mkdir -p "$out/det-held.tmp/text"
	for p in $held_photos; do
		photo "$p" | img2npy $det_prep -o "$out/det-held.tmp/${p%.*}.npy"
	done
	for p in $text_photos; do
		cp "$out/det-held.tmp/${p%.*}.npy" "$out/det-held.tmp/text/"
	done
	mv "$out/det-held.tmp" "$out/det-held"
fi

# ---- builds -----------------------------------------------------------------
# TAG METHOD FLAGS: the single methods with per-channel weights, symmetric
# and asymmetric, then the two strategies (which choose those themselves)
runs="max-sym max --per-channel
max-asym max --per-channel --asymmetric
percentile-sym percentile --per-channel
percentile-asym percentile --per-channel --asymmetric
kl-sym kl --per-channel
kl-asym kl --per-channel --asymmetric
mse-sym mse --per-channel
mse-asym mse --per-channel --asymmetric
default default -j 2
mix mix -j 2
percentile-asym-bc percentile --per-channel --asymmetric --bias-correction"
# on bpu-l (det only)
runs_l="int16 max --per-channel --int16
int16-bc max --per-channel --int16 --bias-correction
mix16-bc mix -j 2 --int16-sensitive 32 --bias-correction"
# build NAME DATA ONNX SHAPE MARCH RUNS: one ptq.mk build per run into
# OUT/NAME, calibrated on OUT/DATA-cal, judged on OUT/DATA-held
build() {
	echo "$6" | while read -r tag m flags; do
		case "$m $flags" in
		default* | mix* | *--bias-correction*) flags="$flags --data $out/$2-cal" ;;
		esac
		make --no-print-directory -s -f "$repo/pipelines/ptq.mk" MODEL="$models/$3.onnx" \
			INPUT_SHAPE="x=$4" MARCH="$5" CAL="$out/$2-cal" HELD="$out/$2-held" \
			METHOD="$m" TAG="$tag" CALIB_FLAGS="$flags" OUT="$out/$1" 2>"$out/$1.log" ||
			{ cat "$out/$1.log" >&2; exit 1; }
	done
}
# last line of an ir-diff table: "output NAME: cosine C over N samples[; top-1 ... (P%)]"
cosine() { sed -n 's/^output [^:]*: cosine \([0-9.-]*\).*/\1/p' "$1" | tail -n 1; }
top1() { sed -n 's/.*agrees in [0-9]* of [0-9]* rows (\([0-9.]*%\)).*/\1/p' "$1" | tail -n 1; }
# "...; mask > 0.3: IoU I (...)" of ir-diff --mask
iou() { sed -n 's/.*mask > [0-9.]*: IoU \([0-9.]*\).*/\1/p' "$1" | tail -n 1; }
# what a strategy chose: the `choice` line of its thresholds file
chosen() { sed -n 's/^choice "\(.*\)"$/\1/p' "$1"; }
# the same, short: "percentile=0.99995 per-channel asymmetric, 9 sensitive chosen per node"
what() { chosen "$1" | sed 's/, cosine.*//; s/^default: //; s/^mix: //'; }

build cls cls ch_ppocr_mobile_v2.0_cls_infer 1x3x48x192 bpu-s "$runs"
build det det ch_PP-OCRv4_det_infer 1x3x640x640 bpu-s "$runs"
build det-l det ch_PP-OCRv4_det_infer 1x3x640x640 bpu-l "$runs_l"
for dir in det det-l; do
	for d in "$out/$dir"/*/; do
		d=${d%/}
		[ -s "$d/accuracy-text.txt" ] ||
			ir-diff "$out/$dir/part.ir" "$d/quant.ir" --data "$out/det-held/text" > "$d/accuracy-text.txt"
		# the text mask as PaddleOCR's DB post-processing binarizes it
		[ -s "$d/accuracy-mask.txt" ] ||
			ir-diff "$out/$dir/part.ir" "$d/quant.ir" --data "$out/det-held" --mask 0.3 \
				> "$d/accuracy-mask.txt"
	done
done

{
	echo "| calibration | cls cosine | cls top-1 agreement | det cosine, 14 photos | det cosine, 3 text photos | det mask (> 0.3) IoU, 14 photos |"
	echo "|---|---|---|---|---|---|"
	for tag in $(echo "$runs" | cut -d ' ' -f 1); do
		case $tag in
		*-sym) label="${tag%-sym}, per-channel" ;;
		*-asym) label="${tag%-asym}, per-channel, asymmetric" ;;
		*-asym-bc) label="${tag%-asym-bc}, per-channel, asymmetric, bias correction" ;;
		*) label="$tag strategy (cls chose: $(what "$out/cls/$tag/thresholds.txt"); det chose: $(what "$out/det/$tag/thresholds.txt"))" ;;
		esac
		label=$(echo "$label" | sed 's/^percentile/percentile 0.99995/')
		echo "| $label | $(cosine "$out/cls/$tag/accuracy.txt") | $(top1 "$out/cls/$tag/accuracy.txt") |" \
			"$(cosine "$out/det/$tag/accuracy.txt") | $(cosine "$out/det/$tag/accuracy-text.txt") |" \
			"$(iou "$out/det/$tag/accuracy-mask.txt") |"
	done
	for tag in $(echo "$runs_l" | cut -d ' ' -f 1); do
		case $tag in
		int16) label="bpu-l: every activation int16 (--int16, max)" ;;
		int16-bc) label="bpu-l: every activation int16, bias correction" ;;
		mix16-bc) label="bpu-l: mix, 32 most sensitive int16, bias correction (chose: $(what "$out/det-l/$tag/thresholds.txt"))" ;;
		esac
		echo "| $label | | | $(cosine "$out/det-l/$tag/accuracy.txt") |" \
			"$(cosine "$out/det-l/$tag/accuracy-text.txt") | $(iou "$out/det-l/$tag/accuracy-mask.txt") |"
	done
} > "$out/summary.md"
cat "$out/summary.md"
