#!/bin/sh
# scenes.sh N SEED PHOTOS DIR: N calibration images for the PaddleOCR text
# detector (ch_PP-OCRv4_det, input 1x3x640x640): each a 640x640 view of one
# of the photos in PHOTOS (cover-scaled, a random window) with 3-6 lines of
# text laid over it, some on plates like signs, some straight on the scene,
# a few turned a little; preprocessed as PaddleOCR does for a fixed
# 640x640 input (BGR, ImageNet mean and std) into DIR/scene_NNNN.npy.
#
# A detector's calibration needs text in its samples: on a photo without
# any, the probability map is near 0 everywhere, and neither the
# activations' ranges nor the output's cosine say what text would do. The
# words, fonts and Pango rendering are those of textlines.sh. The same N,
# SEED and photos give the same files; with KEEP=DIR set, the images are
# also written there as PNG, to look at. Needs imagemagick and the fonts
# (make deps), img2npy on PATH.
set -eu
n=$1 seed=$2 photos=$3 dir=$4
CONVERT=${CONVERT:-/usr/bin/convert}
# ImageMagick 6.9's Pango coder sometimes aborts (SIGABRT, no message):
# about 1 run in 20 on a 2-core machine, 1 in 100 with one thread, which is
# as fast for these sizes; `im` runs convert again, up to 4 times, when it
# dies of a signal
export MAGICK_THREAD_LIMIT=1
im() {
	for try in 1 2 3 4; do
		"$CONVERT" "$@" && return 0
		rc=$?
		[ $rc -gt 128 ] || return $rc
	done
	return $rc
}
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ls "$photos" | grep -E '\.(png|jpg|jpeg|ppm)$' | sort > "$tmp/photos"
[ -s "$tmp/photos" ] || { echo "scenes.sh: no .png/.jpg photos in $photos" >&2; exit 1; }
# one line per image: photo, window offsets, then its text overlays as
# "text|font|size|x|y|angle|ink|plate" fields separated by tabs
awk -v n="$n" -v seed="$seed" -v np="$(wc -l < "$tmp/photos")" 'BEGIN {
	srand(seed)
	split("发票 金额 合计 日期 名称 地址 电话 订单 收据 数量 单价 北京 上海 有限公司 " \
	      "total amount date invoice order receipt name address phone price qty " \
	      "No. Tel: ID# 2024-06-18 17:45 $12.50 ¥88.00 0049 CN-88 (VAT) 12% 1,280 " \
	      "EXIT OPEN SALE 出口 营业中 停车场", w, " ")
	nw = length(w)
	split("DejaVu Sans,DejaVu Serif,DejaVu Sans Mono,DejaVu Sans Bold", f, ",")
	for (i = 0; i < n; i++) {
		printf "%d\t%d\t%d", 1 + int(rand() * np), int(rand() * 100), int(rand() * 100)
		k = 3 + int(rand() * 4)
		for (j = 0; j < k; j++) {
			m = 1 + int(rand() * 4); s = ""
			for (q = 0; q < m; q++) s = s (q ? " " : "") w[1 + int(rand() * nw)]
			size = 14 + int(rand() * 50)
			x = int(rand() * 420); y = 10 + int(rand() * 560)
			ang = rand() < 0.7 ? 0 : int(rand() * 30) - 15
			plate = rand() < 0.5
			if (plate) { ink = int(rand() * 60); bg = 190 + int(rand() * 66) }
			else if (rand() < 0.5) { ink = 235 + int(rand() * 20); bg = -1 }
			else { ink = int(rand() * 40); bg = -1 }
			printf "\t%s|%s|%d|%d|%d|%d|%d|%d", s, f[1 + int(rand() * 4)], size, x, y, ang, ink, bg
		}
		printf "\n"
	}
}' > "$tmp/scenes"
i=0
while IFS= read -r line; do
	set -f
	oldifs=$IFS
	IFS='	'
	set -- $line
	IFS=$oldifs
	set +f
	photo=$(sed -n "${1}p" "$tmp/photos") ox=$2 oy=$3
	shift 3
	# the window: scale to cover 800x800, then a 640x640 crop at (ox%, oy%)
	im -quiet "$photos/$photo" -background white -alpha remove -resize '800x800^' \
		-crop "640x640+$((ox * 160 / 100))+$((oy * 160 / 100))" +repage \
		-gravity northwest -extent 640x640 "$tmp/base.png" ||
		{ echo "scenes.sh: convert failed on $photos/$photo" >&2; exit 1; }
	for ov; do
		oldifs=$IFS
		IFS='|'
		set -- $ov
		IFS=$oldifs
		text=$1 font=$2 size=$3 x=$4 y=$5 ang=$6 ink=$7 bg=$8
		if [ "$bg" -ge 0 ]; then
			back="rgb($bg,$bg,$bg)"
		else
			back=none
		fi
		im "$tmp/base.png" \( -background "$back" -fill "rgb($ink,$ink,$ink)" \
			-font "$font" -pointsize "$size" pango:"$text" -bordercolor "$back" \
			-border 4 -background none -rotate "$ang" \) -gravity northwest \
			-geometry "+$x+$y" -composite "$tmp/next.png" ||
			{ echo "scenes.sh: convert failed drawing \"$text\" ($font)" >&2; exit 1; }
		mv "$tmp/next.png" "$tmp/base.png"
	done
	im "$tmp/base.png" -depth 8 ppm:"$tmp/img.ppm"
	[ -z "${KEEP:-}" ] || cp "$tmp/base.png" "$KEEP/scene_$i.png"
	img2npy --size 640x640 --bgr --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 \
		-o "$(printf '%s/scene_%04d.npy' "$dir" "$i")" "$tmp/img.ppm"
	i=$((i + 1))
done < "$tmp/scenes"
