/*
 * ir-diff: where did the accuracy go? Runs a float IR and its quantized
 * version on the same samples and prints, for every tensor both write, in
 * graph order: node, op, placement, BPU subgraph, scale, cosine similarity,
 * max abs error and relative L2 error (means over the samples), the worst
 * nodes marked; the table hb_mapper prints after conversion.
 *
 *     ir-diff FLOAT.ir QUANT.ir --data DIR|LIST [--samples N] [--tsv] [--worst K]
 *
 * Integer tensors of the quantized model are compared after dequantizing
 * them with their own scales. A node is marked `<<` when it is among the K
 * (default 5) whose output loses the most cosine relative to its inputs:
 * the layers that lost the accuracy, not the ones that merely inherit it.
 * For each model output the mean cosine is printed last, with, when it has
 * at most 3 axes and its last one has several entries (a classifier's
 * scores [N, K], a sequence model's [N, T, K]), how often the top-scoring
 * index agrees with the float model's. With --mask T, for each output also
 * the agreement of the masks y > T (a detector's binarized probability map,
 * PaddleOCR's DB threshold being 0.3): the intersection over union of the
 * float and quantized masks, pooled over the samples, and the fraction of
 * elements on which they agree.
 */
#include "exec.h"
#include "ir.h"
#include "ops.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"ir-diff FLOAT.ir QUANT.ir --data DIR|LIST [--samples N] [--tsv] [--worst K] [--mask T]\n"
	"  --data DIR|LIST  samples, as calib-stats takes them\n"
	"  --samples N      use the first N samples (default: all)\n"
	"  --tsv            tab-separated values for scripts\n"
	"  --worst K        mark the K nodes that lose the most cosine (default 5)\n"
	"  --mask T         outputs: IoU and agreement of the masks y > T (float vs quantized)";

struct acc {
	double cos, maxabs, rel;  /* sums over samples */
	int n;
	long long top1, rows;     /* model outputs: argmax agreement over the last axis */
	long long inter, uni, agree, elems; /* model outputs: masks y > T */
};

static double mask_t = NAN;   /* --mask T */

struct run {
	const struct ir_graph *qg;    /* the quantized graph */
	int *qt_of;                   /* float tensor -> quantized tensor, -1 */
	float **ref;                  /* per float tensor: its values this sample */
	struct acc *acc;              /* per quantized tensor */
};

/* float run: keep every tensor the quantized graph also has */
static int keep_float(void *ctx, const struct ir_graph *g, int t, const void *data)
{
	struct run *r = ctx;
	if (r->qt_of[t] < 0 || g->tensors[t]->dtype != IR_DTYPE_F32)
		return 0;
	size_t nb = ir_tensor_nbytes(g->tensors[t]);
	free(r->ref[t]);
	r->ref[t] = xmalloc(nb + 1);
	memcpy(r->ref[t], data, nb);
	return 0;
}

/* element i of a quantized or float tensor, as a real number */
static double real_value(const struct ir_tensor *t, const void *d, int64_t i)
{
	double v = ir_elem_get(t->dtype, d, (size_t)i);
	const struct ir_quant *q = t->quant;
	if (!q || t->dtype == IR_DTYPE_F32)
		return v;
	int c = 0;
	if (q->n > 1) {
		int64_t inner = ir_shape_numel(t->rank - q->axis - 1, t->dims + q->axis + 1);
		c = (int)(i / inner % t->dims[q->axis]);
	}
	return (v - (q->zero_point ? q->zero_point[c] : 0)) * q->scale[c];
}

static int *qt_to_float;  /* quantized tensor -> float tensor */

static int compare(void *ctx, const struct ir_graph *qg, int t, const void *data)
{
	struct run *r = ctx;
	int ft = qt_to_float[t];
	if (ft < 0 || !r->ref[ft])
		return 0;
	const struct ir_tensor *qt = qg->tensors[t];
	const float *ref = r->ref[ft];
	int64_t n = ir_tensor_numel(qt);
	double dot = 0, na = 0, nb = 0, d2 = 0, maxabs = 0;
	for (int64_t i = 0; i < n; i++) {
		double a = real_value(qt, data, i), b = ref[i];
		dot += a * b;
		na += a * a;
		nb += b * b;
		d2 += (a - b) * (a - b);
		maxabs = fmax(maxabs, fabs(a - b));
	}
	struct acc *ac = &r->acc[t];
	if (ir_graph_is_output(qg, t) && qt->rank >= 1 && qt->rank <= 3 &&
	    qt->dims[qt->rank - 1] > 1) {
		/* classification outputs: does the top class agree, row by row? */
		int64_t k = qt->dims[qt->rank - 1];
		for (int64_t row = 0; row < n / k; row++) {
			int64_t ba = 0, bb = 0;
			for (int64_t j = 1; j < k; j++) {
				if (real_value(qt, data, row * k + j) > real_value(qt, data, row * k + ba))
					ba = j;
				if (ref[row * k + j] > ref[row * k + bb])
					bb = j;
			}
			ac->top1 += ba == bb;
			ac->rows++;
		}
	}
	if (ir_graph_is_output(qg, t) && !isnan(mask_t)) {
		for (int64_t i = 0; i < n; i++) {
			int a = real_value(qt, data, i) > mask_t, b = ref[i] > mask_t;
			ac->inter += a && b;
			ac->uni += a || b;
			ac->agree += a == b;
		}
		ac->elems += n;
	}
	ac->cos += na > 0 && nb > 0 ? dot / sqrt(na * nb) : (na == nb ? 1.0 : 0.0);
	ac->maxabs += maxabs;
	ac->rel += nb > 0 ? sqrt(d2 / nb) : sqrt(d2);
	ac->n++;
	free(r->ref[ft]);
	r->ref[ft] = NULL;
	return 0;
}

static const char *place_str(const struct ir_node *n)
{
	return n->place == IR_PLACE_BPU ? "BPU" : n->place == IR_PLACE_CPU ? "CPU" : "-";
}

int main(int argc, char **argv)
{
	argv0 = "ir-diff";
	const char *fpath = NULL, *qpath = NULL, *data = NULL;
	int tsv = 0, worst = 5;
	long max_samples = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--data") || !strcmp(a, "--samples") || !strcmp(a, "--worst")) {
			if (++i >= argc)
				usage_die(usage, "%s needs a value", a);
			if (a[2] == 'd') {
				data = argv[i];
			} else {
				char *end;
				long v = strtol(argv[i], &end, 10);
				if (*end || v < 0)
					usage_die(usage, "%s %s: expected a count", a, argv[i]);
				if (a[2] == 's')
					max_samples = v;
				else
					worst = (int)v;
			}
		} else if (!strcmp(a, "--tsv")) {
			tsv = 1;
		} else if (!strcmp(a, "--mask")) {
			if (++i >= argc)
				usage_die(usage, "%s needs a value", a);
			char *end;
			mask_t = strtod(argv[i], &end);
			if (*end || end == argv[i] || !isfinite(mask_t))
				usage_die(usage, "--mask %s: expected a number", argv[i]);
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (!fpath) {
			fpath = a;
		} else if (!qpath) {
			qpath = a;
		} else {
			usage_die(usage, "more than two IRs given");
		}
	}
	if (!fpath || !qpath || !data)
		usage_die(usage, "need FLOAT.ir, QUANT.ir and --data");
	struct ir_graph *fg = read_ir_input(fpath), *qg = read_ir_input(qpath);
	for (int i = 0; i < fg->n_nodes; i++)
		if (ir_op_is_quantized(fg->nodes[i].op))
			die("%s: this is a quantized graph (node \"%s\" is %s); give the float graph "
			    "first", fpath, fg->nodes[i].name, ir_op_name(fg->nodes[i].op));
	struct stats_samples *ss = stats_samples_find(fg, data);
	if (!ss)
		die("%s", ir_errmsg);
	int ns = max_samples >= 0 && max_samples < ss->n ? (int)max_samples : ss->n;
	if (ns == 0)
		die("%s: no samples", data);
	/* the tensors both models write, matched by name */
	struct run r = {.qg = qg};
	r.qt_of = xmalloc(sizeof(int) * (fg->n_tensors + 1));
	qt_to_float = xmalloc(sizeof(int) * (qg->n_tensors + 1));
	for (int t = 0; t < qg->n_tensors; t++)
		qt_to_float[t] = -1;
	int shared = 0;
	for (int t = 0; t < fg->n_tensors; t++) {
		int q = fg->tensors[t]->data ? -1 : ir_tensor_find(qg, fg->tensors[t]->name);
		if (q >= 0 && (qg->tensors[q]->data ||
			       ir_tensor_numel(qg->tensors[q]) != ir_tensor_numel(fg->tensors[t])))
			q = -1;
		r.qt_of[t] = q;
		if (q >= 0) {
			qt_to_float[q] = t;
			shared++;
		}
	}
	if (!shared)
		die("%s and %s share no tensor names: are they the same model?", fpath, qpath);
	r.ref = xcalloc(fg->n_tensors + 1, sizeof(float *));
	r.acc = xcalloc(qg->n_tensors + 1, sizeof *r.acc);
	struct ir_exec_opts fo = {.threads = 1, .on_tensor = keep_float, .ctx = &r};
	struct ir_exec_opts qo = {.threads = 1, .on_tensor = compare, .ctx = &r};
	struct ir_exec *fx = ir_exec_new(fg, &fo), *qx = ir_exec_new(qg, &qo);
	if (!fx || !qx)
		die("%s", ir_errmsg);
	const void **fin = xcalloc(fg->n_inputs + 1, sizeof(void *));
	const void **qin = xcalloc(qg->n_inputs + 1, sizeof(void *));
	for (int s = 0; s < ns; s++) {
		struct ir_tensor **held = xcalloc(fg->n_inputs + 1, sizeof(void *));
		for (int j = 0; j < fg->n_inputs; j++) {
			held[j] = stats_sample_read(ss, fg, s, j);
			if (!held[j])
				die("%s", ir_errmsg);
			fin[j] = held[j]->data;
			int q = ir_tensor_find(qg, fg->tensors[fg->inputs[j]]->name);
			int slot = -1;
			for (int k = 0; k < qg->n_inputs; k++)
				if (qg->inputs[k] == q)
					slot = k;
			if (slot < 0)
				die("%s has no input \"%s\"", qpath, fg->tensors[fg->inputs[j]]->name);
			qin[slot] = held[j]->data;
		}
		/* model inputs are compared too (trivially equal) */
		for (int j = 0; j < fg->n_inputs; j++)
			keep_float(&r, fg, fg->inputs[j], fin[j]);
		if (ir_exec_run(fx, fin) < 0 || ir_exec_run(qx, qin) < 0)
			die("%s", ir_errmsg);
		for (int t = 0; t < fg->n_tensors; t++) {
			free(r.ref[t]);
			r.ref[t] = NULL;
		}
		for (int j = 0; j < fg->n_inputs; j++)
			ir_tensor_free(held[j]);
		free(held);
		if (isatty(2))
			fprintf(stderr, "\rsample %d/%d", s + 1, ns);
	}
	if (isatty(2))
		fprintf(stderr, "\n");
	/* the cosine each node loses relative to its worst input */
	int nn = qg->n_nodes;
	double *loss = xcalloc(nn + 1, sizeof(double));
	char *mark = xcalloc(nn + 1, 1);
	for (int i = 0; i < nn; i++) {
		const struct ir_node *n = &qg->nodes[i];
		const struct acc *o = &r.acc[n->out[0]];
		if (!o->n) {
			loss[i] = -1;
			continue;
		}
		double in_cos = 1.0;
		for (int j = 0; j < n->n_in; j++) {
			int t = n->in[j];
			if (t >= 0 && r.acc[t].n)
				in_cos = fmin(in_cos, r.acc[t].cos / r.acc[t].n);
		}
		loss[i] = in_cos - o->cos / o->n;
	}
	for (int k = 0; k < worst; k++) {
		int b = -1;
		for (int i = 0; i < nn; i++)
			if (!mark[i] && loss[i] > 1e-6 && (b < 0 || loss[i] > loss[b]))
				b = i;
		if (b < 0)
			break;
		mark[b] = 1;
	}
	if (tsv)
		printf("node\ton\tsubgraph\ttype\tcosine\tmax_abs\trel_l2\tscale\tcosine_lost\tworst\n");
	else
		printf("%-34s %-4s %-8s %-18s %-12s %-11s %-10s %-12s\n", "Node", "ON", "Subgraph",
		       "Type", "Cosine", "MaxAbs", "RelL2", "Scale");
	for (int i = 0; i < nn; i++) {
		const struct ir_node *n = &qg->nodes[i];
		const struct acc *o = &r.acc[n->out[0]];
		if (!o->n)
			continue;
		const struct ir_tensor *t = qg->tensors[n->out[0]];
		char sg[16] = "-", sc[32] = "-";
		if (n->segment >= 0)
			snprintf(sg, sizeof sg, "%d", n->segment);
		if (t->quant)
			snprintf(sc, sizeof sc, t->quant->n > 1 ? "%.4g/ch" : "%.6g",
				 t->quant->scale[0]);
		if (tsv)
			printf("%s\t%s\t%s\t%s\t%.6f\t%.4g\t%.4g\t%s\t%.6f\t%s\n", n->name,
			       place_str(n), sg, ir_op_name(n->op), o->cos / o->n, o->maxabs / o->n,
			       o->rel / o->n, sc, loss[i] > 0 ? loss[i] : 0.0, mark[i] ? "yes" : "");
		else
			printf("%-34s %-4s %-8s %-18s %-12.6f %-11.4g %-10.4g %-12s%s\n", n->name,
			       place_str(n), sg, ir_op_name(n->op), o->cos / o->n, o->maxabs / o->n,
			       o->rel / o->n, sc, mark[i] ? " << loses the most" : "");
	}
	if (!tsv) {
		for (int o = 0; o < qg->n_outputs; o++) {
			const struct acc *a = &r.acc[qg->outputs[o]];
			if (!a->n)
				continue;
			printf("\noutput %s: cosine %.6f over %d sample%s", qg->tensors[qg->outputs[o]]->name,
			       a->cos / a->n, ns, ns == 1 ? "" : "s");
			if (a->rows)
				printf("; top-1 (argmax of the last axis) agrees in %lld of %lld rows "
				       "(%.2f%%)", a->top1, a->rows, 100.0 * a->top1 / a->rows);
			if (a->elems)
				printf("; mask > %g: IoU %.6f (%lld of %lld elements in either), agrees "
				       "on %.4f%% of elements", mask_t,
				       a->uni ? (double)a->inter / a->uni : 1.0, a->inter, a->uni,
				       100.0 * a->agree / a->elems);
			printf("\n");
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		die("error writing to standard output:");
	ir_exec_free(fx);
	ir_exec_free(qx);
	free(loss);
	free(mark);
	return 0;
}
