# helpers.bash: shared set-up for the bats suites in tests/bats.
#
# The tools are found on PATH (`make bats` puts build/bin first). Every test
# runs in its own $BATS_TEST_TMPDIR, which bats deletes afterwards, so a test
# writes its files under the current directory and never cleans up by hand.
# A .bats file with its own setup() calls setup_scratch first.
#
# Failure checks follow STYLE.md: a failing tool exits 1 (error), 2 (usage)
# or 3 (onnx2ir: unsupported feature), writes exactly one line on stderr that
# starts with its own name, writes nothing to stdout, and leaves no output
# file behind.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
DATA=$REPO/tests/data
TINY=$REPO/examples/tinynet
MODELS=${MODELS:-$REPO/models/package/assets}
IMAGES=${IMAGES:-$REPO/build/images}

# Every test starts in its own scratch directory, a subdirectory of
# $BATS_TEST_TMPDIR (where bats keeps its own files, such as the stderr of
# `run --separate-stderr`), so assert_only_files sees only the test's files.
setup_scratch() {
	mkdir -p "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work"
}
setup() {
	setup_scratch
}

# tinynet_ir FILE: imports the example model with a fixed input shape.
tinynet_ir() {
	onnx2ir --input-shape x=1x3x32x32 "$TINY/tinynet.onnx" -o "$1"
}

# assert_fails CODE TEXT...: after `run --separate-stderr TOOL ...`, checks
# that TOOL exited with CODE, printed nothing on stdout and exactly one line
# on stderr, starting with "TOOL: " and containing every TEXT.
assert_fails() {
	local code=$1 tool=${BATS_RUN_COMMAND%% *} t
	shift
	tool=${tool##*/}
	if [ "$status" -ne "$code" ]; then
		fail "expected exit $code, got $status; stderr: $stderr"
	fi
	if [ -n "$output" ]; then
		fail "expected nothing on stdout, got: $output"
	fi
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		fail "expected one line on stderr, got ${#stderr_lines[@]}: $stderr"
	fi
	case $stderr in
	"$tool: "*) ;;
	*) fail "stderr does not start with \"$tool: \": $stderr" ;;
	esac
	for t; do
		case $stderr in
		*"$t"*) ;;
		*) fail "stderr does not mention '$t': $stderr" ;;
		esac
	done
}

# assert_usage_error TEXT...: exit 2, nothing on stdout, the first stderr
# line names the problem (and contains every TEXT), a usage synopsis follows.
assert_usage_error() {
	local tool=${BATS_RUN_COMMAND%% *} t
	tool=${tool##*/}
	if [ "$status" -ne 2 ]; then
		fail "expected exit 2 (usage), got $status; stderr: $stderr"
	fi
	if [ -n "$output" ]; then
		fail "expected nothing on stdout, got: $output"
	fi
	case ${stderr_lines[0]} in
	"$tool: "*) ;;
	*) fail "first stderr line does not start with \"$tool: \": $stderr" ;;
	esac
	for t; do
		case ${stderr_lines[0]} in
		*"$t"*) ;;
		*) fail "first stderr line does not mention '$t': $stderr" ;;
		esac
	done
	case $stderr in
	*usage:*) ;;
	*) fail "no usage synopsis on stderr: $stderr" ;;
	esac
}

# assert_absent PATH...: nothing exists at any PATH.
assert_absent() {
	local p
	for p; do
		if [ -e "$p" ]; then
			fail "$p was left behind: $(ls -la "$p" 2>&1)"
		fi
	done
}

# assert_empty_dir DIR: DIR is absent or holds nothing.
assert_empty_dir() {
	if [ -d "$1" ] && [ -n "$(ls -A "$1")" ]; then
		fail "$1 is not empty: $(ls -A "$1" | tr '\n' ' ')"
	fi
}

# assert_only_files NAME...: the current directory holds exactly NAMEs
# (sorted), so a failed tool left neither its output nor a temporary file.
assert_only_files() {
	local want have
	want=$(printf '%s\n' "$@" | LC_ALL=C sort)
	have=$(ls -A | LC_ALL=C sort)
	if [ "$have" != "$want" ]; then
		fail "directory holds: $(echo $have); expected: $(echo $want)"
	fi
}

# assert_same_bits A.npy B.npy: the two tensors are bit for bit equal.
assert_same_bits() {
	if ! cmp -s "$1" "$2"; then
		fail "$1 and $2 differ: $(npy-cmp --rtol 0 --atol 0 "$1" "$2" 2>&1)"
	fi
}

# make_npy FILE DESCR D0,D1,...: writes an .npy of zeros with numpy dtype
# DESCR ('<f4', '<f8', '<i8', '|u1', ...) and the given shape, without numpy.
make_npy() {
	local file=$1 descr=$2 shape=$3 n=1 size d hdr len
	local -a dims
	IFS=, read -ra dims <<<"$shape"
	for d in "${dims[@]}"; do n=$((n * d)); done
	case $descr in
	*8) size=8 ;;
	*4) size=4 ;;
	*2) size=2 ;;
	*) size=1 ;;
	esac
	if [ "${#dims[@]}" -eq 1 ]; then shape="$shape,"; fi
	hdr="{'descr': '$descr', 'fortran_order': False, 'shape': (${shape//,/, }), }"
	hdr=${hdr//, )/,)}
	while [ $(((10 + ${#hdr} + 1) % 64)) -ne 0 ]; do hdr="$hdr "; done
	len=$((${#hdr} + 1))
	{
		printf '\223NUMPY\001\000'
		printf "\\$(printf %03o $((len & 255)))\\$(printf %03o $((len >> 8)))"
		printf '%s\n' "$hdr"
		head -c $((n * size)) /dev/zero
	} >"$file"
}

# node_outputs IR: prints "NAME TYPE" for every output of every node
# (absent outputs, written `_`, are skipped).
node_outputs() {
	ir-dis "$1" | awk '/^node / {
		s = $0; sub(/.*\) -> \(/, "", s); sub(/\).*/, "", s)
		n = split(s, a, ", ")
		for (i = 1; i <= n; i++) if (a[i] != "_") { split(a[i], b, ": "); print b[1], b[2] }
	}'
}

# The three PaddleOCR models: file name (in $MODELS, without .onnx), input
# dims, img2npy flags (PaddleOCR's preprocessing for each).
model_file() {
	case $1 in
	cls) echo ch_ppocr_mobile_v2.0_cls_infer ;;
	det) echo ch_PP-OCRv4_det_infer ;;
	rec) echo ch_PP-OCRv4_rec_infer ;;
	esac
}
model_dims() {
	case $1 in
	cls) echo 1x3x48x192 ;;
	det) echo 1x3x640x640 ;;
	rec) echo 1x3x48x320 ;;
	esac
}
model_prep() {
	case $1 in
	cls) echo --size 48x192 --keep-ratio --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 ;;
	det) echo --size 640x640 --bgr --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 ;;
	rec) echo --size 48x320 --keep-ratio --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 ;;
	esac
}
