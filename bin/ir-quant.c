/*
 * ir-quant: the quantized model. Reads a partitioned IR and a thresholds
 * file, writes the integer graph formats/numerics.md specifies.
 *
 *     ir-quant --thresholds FILE [-o FILE] [-S] [-f] [IR]
 *
 * CPU nodes stay float; BPU nodes become integer ops with their integer
 * weights, biases, multipliers and lookup tables; Quantize/Dequantize get
 * their scales. `ir-run` runs the result bit-exactly.
 */
#include "ir.h"
#include "quantize.h"
#include "thresholds.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"ir-quant --thresholds FILE [-o FILE] [-S] [-f] [IR]\n"
	"  --thresholds FILE  scales and zero points (formats/thresholds.md; calib-search)\n"
	"  -o FILE  -S  -f    output file, text form, binary to a terminal";

int main(int argc, char **argv)
{
	argv0 = "ir-quant";
	const char *in = NULL, *out = NULL, *thr = NULL;
	int text = 0, force = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--thresholds") || !strcmp(a, "-o")) {
			if (++i >= argc)
				usage_die(usage, "%s needs a file name", a);
			if (a[1] == 'o')
				out = argv[i];
			else
				thr = argv[i];
		} else if (!strcmp(a, "-S")) {
			text = 1;
		} else if (!strcmp(a, "-f")) {
			force = 1;
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (in) {
			usage_die(usage, "more than one IR given (%s, %s)", in, a);
		} else {
			in = a;
		}
	}
	if (!thr)
		usage_die(usage, "--thresholds is required");
	struct thresholds *th = thresholds_load(thr);
	if (!th)
		die("%s", ir_errmsg);
	struct ir_graph *g = read_ir_input(in);
	if (quantize_graph(g, th) < 0) {
		fprintf(stderr, "%s: %s: %s\n", argv0, in && strcmp(in, "-") ? in : "<stdin>",
			ir_errmsg);
		return ir_err_unsupported ? 3 : 1;
	}
	ir_graph_add_prov(g, "ir-quant", argc - 1, argv + 1);
	/* how the scales were chosen, from the thresholds file */
	if (th->method || th->choice) {
		char *v = xasprintf("%s%s%s", th->method ? th->method : "",
				    th->method && th->choice ? ": " : "", th->choice ? th->choice : "");
		ir_graph_set_meta(g, "calibration", v);
		free(v);
	}
	write_ir_output(g, out, text, force);
	ir_graph_free(g);
	thresholds_free(th);
	return 0;
}
