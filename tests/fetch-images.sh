#!/bin/sh
# fetch-images.sh [DIR [FILE...]]: puts real photos into DIR (default
# build/images): the FILEs named (e.g. rocket.jpg), by default text.png,
# coffee.png, page.png and chelsea.png; scikit-image's sample data as Debian
# ships it in python3-skimage. The package is fetched with
# `apt-get download` and unpacked with `dpkg-deb -x`, never installed; it is
# a data source, like libonnx-testdata. Does nothing if DIR already holds the
# files; on failure prints one line on stderr and exits 1, so callers
# (tests/bats/models.bats) can skip. Convert with netpbm:
#   pngtopnm DIR/coffee.png | img2npy --size 640x640 ... -o coffee.npy
set -eu
dir=${1:-build/images}
[ $# -gt 0 ] && shift
names=${*:-text.png coffee.png page.png chelsea.png}

missing=
for n in $names; do [ -s "$dir/$n" ] || missing="$missing $n"; done
[ -z "$missing" ] && exit 0

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# a machine whose package lists were never fetched needs them first (root only)
if ! (cd "$tmp" && apt-get download -q python3-skimage) > "$tmp/log" 2>&1 &&
	! { [ "$(id -u)" = 0 ] && apt-get update -qq > "$tmp/log" 2>&1 &&
	    (cd "$tmp" && apt-get download -q python3-skimage) > "$tmp/log" 2>&1; }; then
	echo "fetch-images.sh: apt-get download python3-skimage failed: $(tail -n 1 "$tmp/log")" >&2
	exit 1
fi
if ! dpkg-deb -x "$tmp"/python3-skimage_*.deb "$tmp/x" 2> "$tmp/log"; then
	echo "fetch-images.sh: dpkg-deb -x failed: $(tail -n 1 "$tmp/log")" >&2
	exit 1
fi
src=$tmp/x/usr/lib/python3/dist-packages/skimage/data
for n in $names; do
	if [ ! -s "$src/$n" ]; then
		echo "fetch-images.sh: python3-skimage has no skimage/data/$n" >&2
		exit 1
	fi
	# copy, then rename: a concurrent run never sees half a file
	cp "$src/$n" "$tmp/$n" && mv "$tmp/$n" "$dir/$n"
done
