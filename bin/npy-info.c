/*
 * npy-info: describe tensor files (.npy, or ONNX TensorProto .pb).
 *
 *     npy-info [--name | --shape | --dtype] FILE...
 *
 * Default: one line per file: FILE, the tensor's name (TensorProto files
 * carry one; .npy files do not), dtype and shape, min, max and mean.
 * --name, --shape (as 1x3x48x192, what --input-shape takes) and --dtype
 * print just that field, one line per file, for scripts.
 */
#include "ir.h"
#include "npy.h"
#include "util.h"

#include <math.h>
#include <string.h>

static const char usage[] = "npy-info [--name | --shape | --dtype] FILE...";

int main(int argc, char **argv)
{
	argv0 = "npy-info";
	enum { ALL, NAME, SHAPE, DTYPE } what = ALL;
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(argv[i], "--name")) {
			what = NAME;
		} else if (!strcmp(argv[i], "--shape")) {
			what = SHAPE;
		} else if (!strcmp(argv[i], "--dtype")) {
			what = DTYPE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage_die(usage, "unknown option %s", argv[i]);
		} else {
			nfiles++;
		}
	}
	if (!nfiles)
		usage_die(usage, "no file given");
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		struct ir_tensor *t = tensor_file_read(argv[i]);
		if (!t) {
			warn("%s", ir_errmsg);
			rc = 1;
			continue;
		}
		int is_npy = !strcmp(t->name, argv[i]);
		if (what == NAME) {
			printf("%s\n", is_npy ? "" : t->name);
		} else if (what == DTYPE) {
			printf("%s\n", ir_dtype_name(t->dtype));
		} else if (what == SHAPE) {
			for (int d = 0; d < t->rank; d++)
				printf("%s%lld", d ? "x" : "", (long long)t->dims[d]);
			printf("\n");
		} else {
			size_t n = (size_t)ir_tensor_numel(t);
			double mn = INFINITY, mx = -INFINITY, sum = 0;
			for (size_t j = 0; j < n; j++) {
				double v = ir_elem_get(t->dtype, t->data, j);
				mn = v < mn ? v : mn;
				mx = v > mx ? v : mx;
				sum += v;
			}
			char s[160];
			printf("%s: %s%s%s%s min %.6g max %.6g mean %.6g\n", argv[i],
			       is_npy ? "" : "\"", is_npy ? "" : t->name, is_npy ? "" : "\" ",
			       ir_tensor_type_str(t, s, sizeof s), mn, mx, n ? sum / n : 0.0);
		}
		ir_tensor_free(t);
	}
	if (fflush(stdout) != 0)
		die("error writing to standard output:");
	return rc;
}
