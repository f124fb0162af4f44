/*
 * calib-search: choose the quantization scales of a partitioned model from
 * its calibration statistics, and write them as a thresholds file.
 *
 *     calib-search PART.ir --stats S --method M [--per-channel] [--asymmetric] [-o FILE]
 *
 * M is one method applied to every activation (formats/thresholds.md; the
 * methods in lib/calib.h): max, percentile[=P] (P default 0.99995), kl,
 * skip (no data: a fixed rule, for performance-only builds, and said so),
 * or load=FILE (a hand-edited thresholds file, checked against the model).
 * Weights are quantized by max, per tensor, or per output channel with
 * --per-channel. --asymmetric gives activations a zero point from their
 * [min, max] range (whatever M chose for the symmetric case is then unused).
 */
#include "calib.h"
#include "ir.h"
#include "stats.h"
#include "thresholds.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"calib-search PART.ir --stats S --method M [--per-channel] [--asymmetric] [-o FILE]\n"
	"  --method M     max | percentile[=P] | kl | skip | load=FILE\n"
	"  --stats S      statistics from calib-stats (not needed for skip and load)\n"
	"  --per-channel  one weight scale per output channel (else one per tensor)\n"
	"  --asymmetric   activations get a zero point from their [min, max]\n"
	"  -o FILE        the thresholds file (default: standard output)";

/* skip's fixed rule: every activation is taken to lie in [-8, 8]. */
#define SKIP_THRESHOLD 8.0

/* The tensors ir-quant gives parameters of their own: outputs of Quantize
 * and of BPU nodes that compute (not those that only move data, nor a tail
 * Conv's int32 accumulators). */
static int needs_act(const struct ir_graph *g, int t)
{
	int p = g->tensors[t]->producer;
	if (p < 0 || g->tensors[t]->data)
		return 0;
	const struct ir_node *n = &g->nodes[p];
	if (n->op == IR_OP_QUANTIZE)
		return 1;
	if (n->place != IR_PLACE_BPU)
		return 0;
	switch (n->op) {
	case IR_OP_RESHAPE: case IR_OP_FLATTEN: case IR_OP_SQUEEZE: case IR_OP_UNSQUEEZE:
	case IR_OP_TRANSPOSE: case IR_OP_SLICE: case IR_OP_SPLIT: case IR_OP_MAX_POOL:
	case IR_OP_GLOBAL_MAX_POOL: case IR_OP_IDENTITY: case IR_OP_EXPAND: case IR_OP_PAD:
		return 0;
	case IR_OP_RESIZE:
		return strcmp(ir_attr_string(n, "mode", "nearest"), "nearest") != 0;
	case IR_OP_CONV: case IR_OP_CONV_TRANSPOSE:
		return !ir_attr_int(n, "output_int32", 0);
	default:
		return 1;
	}
}

static void add_weight(struct thresholds *th, const char *name, int per_channel, int n,
		       const float *absmax_c, float absmax)
{
	float *s = xmalloc(sizeof(float) * (n + 1));
	for (int c = 0; c < n; c++) {
		float am = per_channel ? absmax_c[c] : absmax;
		s[c] = am > 0 ? (float)(am / 127.0) : 1.0f;
	}
	struct th_entry *e = thresholds_add(th, name, 1, per_channel ? n : 1, s, 0);
	e->method = xstrdup("max");
	free(s);
}

int main(int argc, char **argv)
{
	argv0 = "calib-search";
	const char *in = NULL, *statsp = NULL, *method = NULL, *out = NULL;
	int per_channel = 0, asym = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--stats") || !strcmp(a, "--method") || !strcmp(a, "-o")) {
			if (++i >= argc)
				usage_die(usage, "%s needs a value", a);
			if (a[1] == 'o')
				out = argv[i];
			else if (a[2] == 's')
				statsp = argv[i];
			else
				method = argv[i];
		} else if (!strcmp(a, "--per-channel")) {
			per_channel = 1;
		} else if (!strcmp(a, "--asymmetric")) {
			asym = 1;
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (in) {
			usage_die(usage, "more than one IR given (%s, %s)", in, a);
		} else {
			in = a;
		}
	}
	if (!method)
		usage_die(usage, "--method is required");
	enum { M_MAX, M_PCT, M_KL, M_SKIP, M_LOAD } m;
	double pct = 0.99995;
	const char *load = NULL;
	if (!strcmp(method, "max")) {
		m = M_MAX;
	} else if (!strcmp(method, "kl")) {
		m = M_KL;
	} else if (!strcmp(method, "skip")) {
		m = M_SKIP;
	} else if (!strncmp(method, "percentile", 10) && (!method[10] || method[10] == '=')) {
		m = M_PCT;
		if (method[10]) {
			char *end;
			pct = strtod(method + 11, &end);
			if (*end || !(pct > 0 && pct <= 1))
				usage_die(usage, "--method %s: the percentile must be in (0, 1]", method);
		}
	} else if (!strncmp(method, "load=", 5) && method[5]) {
		m = M_LOAD;
		load = method + 5;
	} else {
		usage_die(usage, "--method %s: expected max, percentile[=P], kl, skip or load=FILE",
			  method);
	}
	if (!statsp && m != M_SKIP && m != M_LOAD)
		usage_die(usage, "--method %s needs --stats (from calib-stats)", method);
	struct ir_graph *g = read_ir_input(in);
	const char *what = in && strcmp(in, "-") ? in : "<stdin>";
	int placed = 0;
	for (int i = 0; i < g->n_nodes; i++)
		placed += g->nodes[i].place != IR_PLACE_UNPLACED;
	if (!placed)
		die("%s: the graph is not partitioned; run ir-partition --march M first", what);
	struct thresholds *th = NULL;
	char fp[32];
	snprintf(fp, sizeof fp, "%016llx", (unsigned long long)stats_fingerprint(g));
	if (m == M_LOAD) {
		th = thresholds_load(load);
		if (!th)
			die("%s", ir_errmsg);
		if (th->model && strcmp(th->model, fp))
			die("%s: written for model %s; %s is model %s", load, th->model, what, fp);
		for (int i = 0; i < th->n; i++)
			if (ir_tensor_find(g, th->e[i].name) < 0)
				die("%s:%d: %s \"%s\" is not a tensor of %s", load, th->e[i].line,
				    th->e[i].weight ? "weight" : "act", th->e[i].name, what);
		for (int t = 0; t < g->n_tensors; t++)
			if (needs_act(g, t) && !thresholds_find(th, g->tensors[t]->name, 0))
				die("%s: no act entry for tensor \"%s\", which %s quantizes", load,
				    g->tensors[t]->name, what);
	} else {
		th = xcalloc(1, sizeof *th);
		th->path = xstrdup(out ? out : "<stdout>");
		struct stats *s = NULL;
		if (statsp) {
			s = stats_read(statsp);
			if (!s || stats_check_graph(s, g, statsp) < 0)
				die("%s", ir_errmsg);
			if (s->samples == 0)
				die("%s: the statistics hold no samples", statsp);
		}
		if (m == M_SKIP)
			fprintf(stderr, "calib-search: WARNING: --method skip: no calibration data; "
				"every activation is taken to lie in [-%g, %g]. The model's accuracy "
				"means nothing: build it for performance measurements only.\n",
				SKIP_THRESHOLD, SKIP_THRESHOLD);
		int kl_fallback = 0;
		for (int t = 0; t < g->n_tensors; t++) {
			if (!needs_act(g, t))
				continue;
			const char *name = g->tensors[t]->name;
			double thr = SKIP_THRESHOLD, lo = -SKIP_THRESHOLD, hi = SKIP_THRESHOLD;
			int few = 0;
			if (m != M_SKIP) {
				int k = stats_find_act(s, name);
				if (k < 0)
					die("%s: no statistics for tensor \"%s\" (were they made for "
					    "another partition of the model?)", statsp, name);
				const struct stats_act *a = &s->act[k];
				thr = m == M_MAX ? calib_max(a)
				      : m == M_PCT ? calib_percentile(a, pct)
						   : calib_kl(a, &few);
				kl_fallback += few;
				lo = a->min < 0 ? a->min : 0;
				hi = a->max > 0 ? a->max : 0;
				if (m == M_PCT) {
					calib_percentile_range(a, pct, &lo, &hi);
				} else if (m == M_KL) {
					lo = fmax(lo, -thr);
					hi = fmin(hi, thr);
				}
			}
			float scale;
			int32_t zp = 0;
			if (asym && m != M_SKIP) {
				double sc = hi > lo ? (hi - lo) / 255.0 : 1.0;
				scale = (float)sc;
				double z = -128 - nearbyint(lo / (double)scale);
				zp = z < -128 ? -128 : z > 127 ? 127 : (int32_t)z;
			} else {
				scale = thr > 0 ? (float)(thr / 127.0) : 1.0f;
			}
			struct th_entry *e = thresholds_add(th, name, 0, 1, &scale, zp);
			e->method = xstrdup(m == M_SKIP ? "skip" : few ? "max" : method);
			if (asym && m != M_SKIP) {
				e->has_range = 1;
				e->min = lo;
				e->max = hi;
			} else {
				e->has_threshold = 1;
				e->threshold = thr;
			}
		}
		/* weights of the BPU convolutions */
		for (int i = 0; i < g->n_nodes; i++) {
			const struct ir_node *n = &g->nodes[i];
			if (n->place != IR_PLACE_BPU ||
			    (n->op != IR_OP_CONV && n->op != IR_OP_CONV_TRANSPOSE))
				continue;
			const struct ir_tensor *w = g->tensors[n->in[1]];
			if (thresholds_find(th, w->name, 1))
				continue;
			if (s && stats_find_weight(s, w->name) >= 0) {
				const struct stats_weight *sw = &s->weight[stats_find_weight(s, w->name)];
				add_weight(th, w->name, per_channel, sw->n_channels, sw->channel_absmax,
					   sw->absmax);
				continue;
			}
			/* no statistics (skip): from the constant itself */
			int transpose = n->op == IR_OP_CONV_TRANSPOSE;
			int64_t group = ir_attr_int(n, "group", 1);
			int mch = (int)(transpose ? w->dims[1] * group : w->dims[0]);
			int64_t wn = ir_tensor_numel(w), inner = ir_shape_numel(w->rank - 2, w->dims + 2);
			int64_t cg = transpose ? w->dims[0] / group : 0, mg = transpose ? w->dims[1] : 0;
			float *am = xcalloc((size_t)mch + 1, sizeof(float)), all = 0;
			for (int64_t k = 0; k < wn; k++) {
				int64_t c = transpose ? (k / inner / mg / cg) * mg + k / inner % mg
						      : k / (wn / mch);
				float v = fabsf(((const float *)w->data)[k]);
				am[c] = v > am[c] ? v : am[c];
				all = v > all ? v : all;
			}
			add_weight(th, w->name, per_channel, mch, am, all);
			free(am);
		}
		if (kl_fallback)
			fprintf(stderr, "calib-search: kl: %d tensor%s too few values for a %d-bin "
				"histogram (under %d per bin): %s max instead (method=max in the "
				"file)\n", kl_fallback, kl_fallback == 1 ? " has" : "s have",
				CALIB_KL_BINS, CALIB_KL_MIN_PER_BIN, kl_fallback == 1 ? "it uses" : "they use");
		stats_free(s);
		free(th->method);
		th->method = xstrdup(m == M_SKIP ? "skip" : method);
	}
	free(th->model);
	th->model = xstrdup(fp);
	char *comment = xasprintf("thresholds for %s, written by calib-search --method %s%s%s%s",
				  what, method, per_channel ? " --per-channel" : "",
				  asym ? " --asymmetric" : "",
				  m == M_SKIP ? "  (WARNING: skip: not calibrated, performance only)" : "");
	struct outfile o;
	outfile_open(&o, out, 0, 0);
	if (thresholds_write(o.f, th, comment) < 0) {
		outfile_abort(&o);
		die("error writing %s:", out ? out : "standard output");
	}
	outfile_commit(&o);
	free(comment);
	thresholds_free(th);
	ir_graph_free(g);
	return 0;
}
