/*
 * onnx2ir: read an ONNX model, write the float-stage IR.
 *
 *     onnx2ir [--input-shape NAME=DIMS]... [--freeze NAME=FILE]... [-o FILE] [-S] [-f]
 *             MODEL.onnx
 *     onnx2ir --list-ops
 *
 * Exit status: 0 done, 1 bad input (a malformed model, a dynamic dim left
 * unresolved), 2 usage, 3 the model uses something not supported (an op, an
 * attribute form, a dtype): the message names the node, op and opset.
 */
#include "ir.h"
#include "npy.h"
#include "onnx.h"
#include "ops.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"onnx2ir [--input-shape NAME=DIMS]... [--freeze NAME=FILE]... [-o FILE] [-S] [-f] "
	"MODEL.onnx\n"
	"       onnx2ir --list-ops\n"
	"  --input-shape NAME=1x3x48x192  fix the shape of a model input (repeatable)\n"
	"  --freeze NAME=FILE  make model input NAME a constant holding FILE (.npy or .pb),\n"
	"                      for models that take parameters (clip bounds, pads) as inputs\n"
	"  -o FILE   write the IR to FILE (default: standard output)\n"
	"  -S        write the text form instead of binary\n"
	"  -f        write binary to a terminal anyway";

int main(int argc, char **argv)
{
	argv0 = "onnx2ir";
	struct onnx_shape shapes[64];
	int n_shapes = 0, text = 0, force = 0;
	const char *out = NULL, *model = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--list-ops")) {
			for (int op = 1; op < IR_OP_COUNT; op++)
				printf("%s\n", ir_op_name((enum ir_op)op));
			printf("Constant\nUpsample\n");
			return 0;
		} else if (!strcmp(a, "--input-shape") || !strncmp(a, "--input-shape=", 14)) {
			const char *v = a[13] == '=' ? a + 14 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				usage_die(usage, "--input-shape needs NAME=DIMS");
			const char *eq = strrchr(v, '=');
			long long d[IR_MAX_RANK];
			int r;
			if (!eq || eq == v || (r = parse_dims(eq + 1, d, IR_MAX_RANK)) < 0)
				usage_die(usage, "--input-shape \"%s\": expected NAME=DIMS, e.g. "
					  "x=1x3x48x192", v);
			if (n_shapes == 64)
				usage_die(usage, "too many --input-shape options");
			struct onnx_shape *s = &shapes[n_shapes++];
			s->name = xstrdup(v);
			((char *)s->name)[eq - v] = 0;
			s->rank = r;
			s->used = 0;
			s->value = NULL;
			for (int k = 0; k < r; k++) {
				if (d[k] < 1)
					usage_die(usage, "--input-shape %s: dims must be >= 1", v);
				s->dims[k] = d[k];
			}
		} else if (!strcmp(a, "--freeze")) {
			const char *v = i + 1 < argc ? argv[++i] : NULL;
			const char *eq = v ? strchr(v, '=') : NULL;
			if (!eq || eq == v || !eq[1])
				usage_die(usage, "--freeze needs NAME=FILE");
			if (n_shapes == 64)
				usage_die(usage, "too many --input-shape/--freeze options");
			struct onnx_shape *s = &shapes[n_shapes++];
			s->name = xstrdup(v);
			((char *)s->name)[eq - v] = 0;
			s->value = tensor_file_read(eq + 1);
			if (!s->value)
				die("%s", ir_errmsg);
			s->rank = s->value->rank;
			memcpy(s->dims, s->value->dims, sizeof(int64_t) * s->rank);
			s->used = 0;
		} else if (!strcmp(a, "-o")) {
			if (++i >= argc)
				usage_die(usage, "-o needs a file name");
			out = argv[i];
		} else if (!strcmp(a, "-S")) {
			text = 1;
		} else if (!strcmp(a, "-f")) {
			force = 1;
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (model) {
			usage_die(usage, "more than one model given (%s, %s)", model, a);
		} else {
			model = a;
		}
	}
	if (!model)
		usage_die(usage, "no model given");
	for (int a = 0; a < n_shapes; a++)
		for (int b = 0; b < a; b++)
			if (!strcmp(shapes[a].name, shapes[b].name))
				usage_die(usage, "input \"%s\" is given twice (--input-shape/--freeze)",
					  shapes[a].name);
	struct ir_graph *g = onnx_import(model, n_shapes, shapes);
	if (!g) {
		fprintf(stderr, "%s: %s\n", argv0, ir_errmsg);
		return ir_err_unsupported ? 3 : 1;
	}
	ir_graph_add_prov(g, "onnx2ir", argc - 1, argv + 1);
	write_ir_output(g, out, text, force);
	ir_graph_free(g);
	return 0;
}
