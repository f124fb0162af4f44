#!/bin/sh
# textlines.sh N SEED DIR: renders N text-line images for the PaddleOCR
# direction classifier (ch_ppocr_mobile_v2.0_cls, input 1x3x48x192) and
# writes them, preprocessed as PaddleOCR does (height 48, width kept up to
# 192, padded, (x/255 - 0.5) / 0.5), as DIR/line_NNNN.npy.
#
# Each line is a pseudo-random run of Chinese and English words, numbers and
# punctuation, drawn by ImageMagick through Pango in one of Debian's fonts
# (DejaVu Sans, Serif, Mono; Pango falls back to Droid Sans Fallback for
# the Chinese characters, which DejaVu lacks), at 20-44 points, in a
# dark ink on a light ground, with a random margin; half of the lines are
# turned upside down: the two classes the model tells apart. The same N and
# SEED give the same files. Needs imagemagick and fonts-dejavu-core,
# fonts-droid-fallback (make deps).
set -eu
n=$1 seed=$2 dir=$3
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
awk -v n="$n" -v seed="$seed" 'BEGIN {
	srand(seed)
	split("发票 金额 合计 日期 名称 地址 电话 订单 收据 数量 单价 北京 上海 有限公司 " \
	      "total amount date invoice order receipt name address phone price qty " \
	      "No. Tel: ID# 2024-06-18 17:45 $12.50 ¥88.00 0049 CN-88 (VAT) 12% 1,280", w, " ")
	nw = length(w)
	split("DejaVu Sans,DejaVu Serif,DejaVu Sans Mono", f, ",")
	for (i = 0; i < n; i++) {
		k = 1 + int(rand() * 5); s = ""
		for (j = 0; j < k; j++) {
			x = w[1 + int(rand() * nw)]
			s = s (j ? " " : "") x
		}
		font = f[1 + int(rand() * 3)]
		ink = int(rand() * 80); ground = 200 + int(rand() * 56)
		printf "%s\t%s\t%d\t%d\t%d\t%d\t%d\n", s, font, 20 + int(rand() * 25), \
			2 + int(rand() * 12), ink, ground, rand() < 0.5
	}
}' > "$tmp/lines"
i=0
while IFS="	" read -r text font size margin ink ground flip; do
	f=$(printf '%s/line_%04d.npy' "$dir" "$i")
	rot=0
	[ "$flip" = 1 ] && rot=180
	im -background "rgb($ground,$ground,$ground)" -fill "rgb($ink,$ink,$ink)" \
		-font "$font" -pointsize "$size" pango:"$text" -bordercolor "rgb($ground,$ground,$ground)" \
		-border "$margin" -rotate "$rot" -depth 8 ppm:"$tmp/img.ppm" ||
		{ echo "textlines.sh: convert failed on line $i (\"$text\", $font)" >&2; exit 1; }
	img2npy --size 48x192 --keep-ratio --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 \
		-o "$f" "$tmp/img.ppm"
	i=$((i + 1))
done < "$tmp/lines"
