/*
 * ir-fuse: the optimized float model. Reads IR, runs graph passes that keep
 * its numerics to a fixed point, writes IR.
 *
 *     ir-fuse [--passes A,B] [--disable A] [--stats] [-o FILE] [-S] [-f] [IR]
 *     ir-fuse --list-passes
 *
 * The passes (lib/fuse.c, fuse_patterns.c; formats/ir.md, "ir-fuse") remove
 * dead code, Identity and Dropout, fold constants, recognize the patterns
 * exporters decompose (HardSwish, HardSigmoid, SiLU, GELU, LayerNorm),
 * rewrite Gemm and MatMul by a constant as 1x1 Conv, fold
 * BatchNormalization and per-channel scales into the Conv before them and
 * fuse Relu/Clip into it. --stats prints node counts by op before and after
 * on stderr.
 */
#include "fuse.h"
#include "ir.h"
#include "ops.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"ir-fuse [--passes A,B] [--disable A] [--stats] [-o FILE] [-S] [-f] [IR]\n"
	"       ir-fuse --list-passes\n"
	"  --passes A,B    run only these passes (default: all, to a fixed point)\n"
	"  --disable A,B   run all passes but these\n"
	"  --stats         node counts by op before and after, and passes applied (stderr)\n"
	"  -o FILE  -S  -f output file, text form, binary to a terminal";

static void count_ops(const struct ir_graph *g, int *counts)
{
	memset(counts, 0, sizeof(int) * IR_OP_COUNT);
	for (int i = 0; i < g->n_nodes; i++)
		counts[g->nodes[i].op]++;
}

int main(int argc, char **argv)
{
	argv0 = "ir-fuse";
	const char *in = NULL, *out = NULL, *only = NULL, *disable = NULL;
	int text = 0, force = 0, stats = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--list-passes")) {
			for (int p = 0; p < fuse_n_passes; p++)
				printf("%-16s %s\n", fuse_passes[p].name, fuse_passes[p].doc);
			return 0;
		} else if (!strcmp(a, "--passes") || !strcmp(a, "--disable")) {
			if (++i >= argc)
				usage_die(usage, "%s needs a comma-separated list of passes", a);
			if (!strcmp(a, "--passes"))
				only = argv[i];
			else
				disable = argv[i];
		} else if (!strcmp(a, "--stats")) {
			stats = 1;
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
		} else if (in) {
			usage_die(usage, "more than one IR given (%s, %s)", in, a);
		} else {
			in = a;
		}
	}
	struct ir_graph *g = read_ir_input(in);
	for (int i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].place != IR_PLACE_UNPLACED)
			die("%s: the graph is already partitioned (node \"%s\" is placed); run "
			    "ir-fuse before ir-partition", in && strcmp(in, "-") ? in : "<stdin>",
			    g->nodes[i].name);
	int before[IR_OP_COUNT], after[IR_OP_COUNT];
	count_ops(g, before);
	int nodes_before = g->n_nodes;
	struct fuse_stats st;
	if (fuse_run(g, only, disable, 50, &st) < 0)
		die("%s", ir_errmsg);
	ir_graph_add_prov(g, "ir-fuse", argc - 1, argv + 1);
	if (stats) {
		count_ops(g, after);
		fprintf(stderr, "%-22s %7s %7s\n", "op", "before", "after");
		for (int o = 1; o < IR_OP_COUNT; o++)
			if (before[o] || after[o])
				fprintf(stderr, "%-22s %7d %7d\n", ir_op_name(o), before[o], after[o]);
		fprintf(stderr, "%-22s %7d %7d\n", "total", nodes_before, g->n_nodes);
		fprintf(stderr, "fixed point after %d round%s; passes that changed the graph:",
			st.iterations, st.iterations == 1 ? "" : "s");
		for (int p = 0; p < fuse_n_passes; p++)
			if (st.applied[p])
				fprintf(stderr, " %s", fuse_passes[p].name);
		fprintf(stderr, "\n");
	}
	write_ir_output(g, out, text, force);
	ir_graph_free(g);
	return 0;
}
