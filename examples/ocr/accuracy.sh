#!/bin/sh
# accuracy.sh [OUT]: the README's accuracy table (make accuracy). Builds
# the PaddleOCR direction classifier (cls) and text detector (det) with
# pipelines/ptq.mk once per calibration method, per-channel weights, and
# prints what ir-diff measures on held-out samples the calibration never saw:
#
#   cls  50 rendered text lines to calibrate (textlines.sh, seed 1), 200
#        others to judge (seed 2): output cosine and top-1 agreement.
#   det  640x640, calibrated on 24 views (whole, top-left and bottom-right
#        60%) of 8 photos of scikit-image's sample set; judged on 14 other
#        photos, and on the 3 of them that hold text (a map with no text is
#        near 0 everywhere and its cosine says little).
#
# Needs the models (make models), the tools on PATH, imagemagick and fonts
# (make deps). Takes about 1.5 minutes on 2 cores; writes everything under OUT (default
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
	rm -rf "$out/det-cal.tmp" && mkdir -p "$out/det-cal.tmp"
	for p in $cal_photos; do
		b=${p%.*}
		photo "$p" | img2npy $det_prep -o "$out/det-cal.tmp/${b}_0.npy"
		photo "$p" northwest | img2npy $det_prep -o "$out/det-cal.tmp/${b}_1.npy"
		photo "$p" southeast | img2npy $det_prep -o "$out/det-cal.tmp/${b}_2.npy"
	done
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
methods="max percentile kl"
# build MODEL-NAME ONNX SHAPE MARCH: one ptq.mk build per method and form
build() {
	for m in $methods; do
		for form in sym asym; do
			flags=--per-channel
			[ $form = asym ] && flags="$flags --asymmetric"
			make --no-print-directory -s -f "$repo/pipelines/ptq.mk" MODEL="$models/$2.onnx" \
				INPUT_SHAPE="x=$3" MARCH="$4" CAL="$out/$1-cal" HELD="$out/$1-held" \
				METHOD=$m TAG="$m-$form" CALIB_FLAGS="$flags" OUT="$out/$1" 2>"$out/$1.log" ||
				{ cat "$out/$1.log" >&2; exit 1; }
		done
	done
}
# last line of an ir-diff table: "output NAME: cosine C over N samples[; top-1 ... (P%)]"
cosine() { sed -n 's/^output [^:]*: cosine \([0-9.-]*\).*/\1/p' "$1" | tail -n 1; }
top1() { sed -n 's/.*agrees in [0-9]* of [0-9]* rows (\([0-9.]*%\)).*/\1/p' "$1" | tail -n 1; }

build cls ch_ppocr_mobile_v2.0_cls_infer 1x3x48x192 bpu-s
build det ch_PP-OCRv4_det_infer 1x3x640x640 bpu-s
for m in $methods; do
	for form in sym asym; do
		d=$out/det/$m-$form
		[ -s "$d/accuracy-text.txt" ] ||
			ir-diff "$out/det/part.ir" "$d/quant.ir" --data "$out/det-held/text" > "$d/accuracy-text.txt"
	done
done

{
	echo "| calibration (per-channel weights) | cls cosine | cls top-1 agreement | det cosine, 14 photos | det cosine, 3 text photos |"
	echo "|---|---|---|---|---|"
	for m in $methods; do
		for form in sym asym; do
			t=$m-$form
			label=$m
			[ $m = percentile ] && label="percentile 0.99995"
			[ $form = asym ] && label="$label, asymmetric"
			echo "| $label | $(cosine "$out/cls/$t/accuracy.txt") | $(top1 "$out/cls/$t/accuracy.txt") |" \
				"$(cosine "$out/det/$t/accuracy.txt") | $(cosine "$out/det/$t/accuracy-text.txt") |"
		done
	done
} > "$out/summary.md"
cat "$out/summary.md"
