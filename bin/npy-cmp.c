/*
 * npy-cmp: compare two tensors (.npy or ONNX TensorProto .pb files).
 *
 *     npy-cmp [--rtol R] [--atol A] [--min-cosine C] [--max-abs M] [-q] ACTUAL EXPECTED
 *
 * Prints one line: shapes, cosine similarity, max abs error, max relative
 * error, and how many elements fail |a - e| <= atol + rtol * |e| (numpy's
 * allclose, NaN equal to NaN). Integer and bool tensors must match exactly.
 * Exit 0 when everything passes, 1 when a check fails, 2 on usage errors.
 * Defaults are ONNX's backend-test tolerances: rtol 1e-3, atol 1e-7.
 */
#include "ir.h"
#include "npy.h"
#include "onnx.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"npy-cmp [--rtol R] [--atol A] [--min-cosine C] [--max-abs M] [-q] ACTUAL EXPECTED";

static struct ir_tensor *load(const char *path)
{
	struct ir_tensor *t = tensor_file_read(path);
	if (!t)
		die("%s", ir_errmsg);
	return t;
}

static double num(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	double d = strtod(v ? v : "", &end);
	if (!v || *end || errno || d < 0)
		usage_die(usage, "%s needs a non-negative number", opt);
	return d;
}

int main(int argc, char **argv)
{
	argv0 = "npy-cmp";
	double rtol = 1e-3, atol = 1e-7, min_cos = -2, max_abs_allowed = -1;
	int quiet = 0;
	const char *files[2];
	int nf = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--rtol")) {
			rtol = num(a, i + 1 < argc ? argv[++i] : NULL);
		} else if (!strcmp(a, "--atol")) {
			atol = num(a, i + 1 < argc ? argv[++i] : NULL);
		} else if (!strcmp(a, "--min-cosine")) {
			min_cos = num(a, i + 1 < argc ? argv[++i] : NULL);
		} else if (!strcmp(a, "--max-abs")) {
			max_abs_allowed = num(a, i + 1 < argc ? argv[++i] : NULL);
		} else if (!strcmp(a, "-q")) {
			quiet = 1;
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (nf == 2) {
			usage_die(usage, "more than two files given");
		} else {
			files[nf++] = a;
		}
	}
	if (nf != 2)
		usage_die(usage, "need ACTUAL and EXPECTED files");
	struct ir_tensor *a = load(files[0]), *e = load(files[1]);
	char sa[160], se[160];
	ir_tensor_type_str(a, sa, sizeof sa);
	ir_tensor_type_str(e, se, sizeof se);
	/* bf16 is stored in .npy as u16 bits: compare those as bits */
	int bits16 = (a->dtype == IR_DTYPE_BF16 && e->dtype == IR_DTYPE_U16) ||
		     (a->dtype == IR_DTYPE_U16 && e->dtype == IR_DTYPE_BF16);
	if (a->rank != e->rank || memcmp(a->dims, e->dims, sizeof(int64_t) * a->rank) ||
	    (a->dtype != e->dtype && !bits16)) {
		printf("FAIL %s vs %s: %s vs %s\n", files[0], files[1], sa, se);
		return 1;
	}
	size_t n = (size_t)ir_tensor_numel(a), bad = 0;
	int exact = !ir_dtype_is_float(e->dtype) || bits16;
	double dot = 0, na = 0, ne = 0, max_abs = 0, max_rel = 0;
	size_t worst = 0;
	for (size_t i = 0; i < n; i++) {
		double x = exact && bits16 ? ((uint16_t *)a->data)[i] : ir_elem_get(a->dtype, a->data, i);
		double y = exact && bits16 ? ((uint16_t *)e->data)[i] : ir_elem_get(e->dtype, e->data, i);
		if (isnan(x) || isnan(y)) {
			if (!(isnan(x) && isnan(y)))
				bad++;
			continue;
		}
		if (isinf(x) || isinf(y)) {
			if (x != y)
				bad++;
			continue;
		}
		double d = fabs(x - y);
		dot += x * y;
		na += x * x;
		ne += y * y;
		if (d > max_abs) {
			max_abs = d;
			worst = i;
		}
		if (y != 0 && d / fabs(y) > max_rel)
			max_rel = d / fabs(y);
		if (exact ? x != y : d > atol + rtol * fabs(y))
			bad++;
	}
	double cos = na > 0 && ne > 0 ? dot / sqrt(na * ne) : (na == ne ? 1.0 : 0.0);
	int fail = bad > 0;
	if (min_cos > -2 && cos < min_cos)
		fail = 1;
	if (max_abs_allowed >= 0 && max_abs > max_abs_allowed)
		fail = 1;
	if (!quiet || fail)
		printf("%s %s: %s cosine %.9f max_abs %.3g (at %zu) max_rel %.3g mismatches %zu/%zu "
		       "(rtol %g atol %g)\n", fail ? "FAIL" : "ok", files[0], sa, cos, max_abs, worst,
		       max_rel, bad, n, rtol, atol);
	if (fflush(stdout) != 0)
		die("error writing to standard output:");
	ir_tensor_free(a);
	ir_tensor_free(e);
	return fail;
}
