/*
 * calib-search: choose the quantization scales of a partitioned model from
 * its calibration statistics, and write them as a thresholds file.
 *
 *     calib-search PART.ir --stats S --method M [--per-channel] [--asymmetric] [-o FILE]
 *     calib-search PART.ir --stats S --data DIR --method default|mix [-j N] [-o FILE]
 *
 * M is one method applied to every activation (formats/thresholds.md; the
 * methods in lib/calib.h): max, percentile[=P] (P default 0.99995), kl,
 * skip (no data: a fixed rule, for performance-only builds, and said so),
 * or load=FILE (a hand-edited thresholds file, checked against the model).
 * Weights are quantized by max, per tensor, or per output channel with
 * --per-channel. --asymmetric gives activations a zero point from the
 * method's range.
 *
 * default and mix are the seed's strategies (lib/search.h): they quantize
 * candidates and judge them by the cosine of the integer model's outputs
 * to the float model's on the first --eval-samples samples of --data;
 * every candidate, its score and the decision go to stderr and into the
 * file's comments, the choice into its `choice` line.
 */
#include "calib.h"
#include "ir.h"
#include "search.h"
#include "stats.h"
#include "thresholds.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"calib-search PART.ir --stats S --method M [--per-channel] [--asymmetric] [-o FILE]\n"
	"       calib-search PART.ir --stats S --data DIR --method default|mix [options] [-o FILE]\n"
	"  --method M     max | percentile[=P] | kl | mse | skip | load=FILE | default | mix\n"
	"  --stats S      statistics from calib-stats (not needed for skip and load)\n"
	"  --per-channel  one weight scale per output channel (else one per tensor)\n"
	"  --asymmetric   activations get a zero point from the method's range\n"
	"  -o FILE        the thresholds file (default: standard output)\n"
	"  --int16        every activation int16, its range from max (a march with int16)\n"
	"  --bias-correction  correct every BPU convolution's bias for its weights'\n"
	"                 rounding, from input means over --eval-samples of --data\n"
	"default and mix (and --bias-correction):\n"
	"  --data DIR|LIST       the calibration samples (as calib-stats takes them)\n"
	"  --eval-samples N      judge candidates on the first N samples (default 8)\n"
	"  --target C            default: the output cosine that ends the search (default 0.995)\n"
	"  -j N                  evaluate N candidates at once (default 1)\n"
	"  --sensitive-threshold C  mix: an activation alone leaving the output cosine\n"
	"                        below C is sensitive (default 0.999)\n"
	"  --sensitive-top K     mix: the K most sensitive are, too (default 0)\n"
	"  --int16-sensitive K   mix: lift the K most sensitive to int16 (march with int16)";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* appends printf output to *buf */
static void cat(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(char **buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *add;
	if (vasprintf(&add, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	char *n = xasprintf("%s%s", *buf ? *buf : "", add);
	free(*buf);
	free(add);
	*buf = n;
}

/* the candidates table, as text */
static void cand_table(char **out, const struct search_result *r)
{
	cat(out, "%-4s  %-64s  %-10s\n", "step", "candidate", "cosine");
	for (int i = 0; i < r->n; i++)
		cat(out, "%-4d  %-64s  %.6f%s\n", r->cand[i].step, r->cand[i].label,
		    r->cand[i].cosine, i == r->best ? "  <- chosen" : "");
}

/* --int16 and --int16-sensitive need a march with int16: checked before
 * any work */
static void need_int16(const struct ir_graph *g, const char *what, const char *opt)
{
	if (!search_march_has_int16(g))
		die("%s: %s: the model's march (%s) has no int16; partition it for a march with "
		    "int16 (bpu-l)", what, opt, g->march_name ? g->march_name : "none recorded");
}

/* --bias-correction of a single method's thresholds or a loaded file's */
static void bias_correct(const struct ir_graph *g, const char *data, int eval, int jobs,
			 struct thresholds *th)
{
	struct search_ctx *x = search_new(g, NULL, data, eval, jobs);
	if (!x || search_bias_correction(x, th) < 0)
		die("%s", ir_errmsg);
	search_free(x);
}

static long count_arg(const char *opt, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || end == v || n < 0)
		usage_die(usage, "%s %s: expected a count", opt, v);
	return n;
}

static double cos_arg(const char *opt, const char *v)
{
	char *end;
	double c = strtod(v, &end);
	if (*end || end == v || !(c > 0 && c <= 1))
		usage_die(usage, "%s %s: expected a cosine in (0, 1]", opt, v);
	return c;
}

int main(int argc, char **argv)
{
	argv0 = "calib-search";
	const char *in = NULL, *statsp = NULL, *method = NULL, *out = NULL, *data = NULL;
	int per_channel = 0, asym = 0, jobs = 1, eval = 8, top_k = 0, int16_k = 0, bias_corr = 0,
	    all16 = 0;
	double target = 0.995, sens_thr = 0.999;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--per-channel")) {
			per_channel = 1;
		} else if (!strcmp(a, "--asymmetric")) {
			asym = 1;
		} else if (!strcmp(a, "--bias-correction")) {
			bias_corr = 1;
		} else if (!strcmp(a, "--int16")) {
			all16 = 1;
		} else if (a[0] == '-' && a[1]) {
			static const char *const valued[] = {
				"--stats", "--method", "-o", "--data", "--eval-samples", "--target", "-j",
				"--sensitive-threshold", "--sensitive-top", "--int16-sensitive", NULL};
			int k = 0;
			while (valued[k] && strcmp(valued[k], a))
				k++;
			if (!valued[k])
				usage_die(usage, "unknown option %s", a);
			if (++i >= argc)
				usage_die(usage, "%s needs a value", a);
			const char *v = argv[i];
			switch (k) {
			case 0: statsp = v; break;
			case 1: method = v; break;
			case 2: out = v; break;
			case 3: data = v; break;
			case 4:
				eval = (int)count_arg(a, v);
				if (eval < 1)
					usage_die(usage, "--eval-samples %s: at least 1", v);
				break;
			case 5: target = cos_arg(a, v); break;
			case 6:
				jobs = (int)count_arg(a, v);
				if (jobs < 1 || jobs > 256)
					usage_die(usage, "-j %s: expected 1 to 256", v);
				break;
			case 7: sens_thr = cos_arg(a, v); break;
			case 8: top_k = (int)count_arg(a, v); break;
			default: int16_k = (int)count_arg(a, v); break;
			}
		} else if (in) {
			usage_die(usage, "more than one IR given (%s, %s)", in, a);
		} else {
			in = a;
		}
	}
	if (!method)
		usage_die(usage, "--method is required");
	struct calib_choice choice = {CALIB_MAX, 0.99995, per_channel, asym};
	const char *load = NULL;
	int strategy = 0; /* 1 default, 2 mix */
	if (!strcmp(method, "default") || !strcmp(method, "mix")) {
		strategy = method[0] == 'd' ? 1 : 2;
		if (per_channel || asym)
			usage_die(usage, "--method %s chooses the weights and the symmetry itself; "
				  "drop --per-channel and --asymmetric", method);
		if (!data)
			usage_die(usage, "--method %s needs --data (the calibration samples) to judge "
				  "candidates on", method);
	} else if (!strncmp(method, "load=", 5) && method[5]) {
		load = method + 5;
	} else if (calib_parse_method(method, &choice) < 0) {
		usage_die(usage, "--method %s: expected max, percentile[=P], kl, mse, skip, load=FILE, "
			  "default or mix", method);
	}
	if (!strategy && (top_k || int16_k))
		usage_die(usage, "--sensitive-top and --int16-sensitive are for --method mix");
	if (!strategy && data && !bias_corr)
		usage_die(usage, "--data is for --method default and mix, and --bias-correction");
	if (all16 && (strategy || load || choice.method == CALIB_SKIP))
		usage_die(usage, "--int16 is for max, percentile and kl (mix has --int16-sensitive)");
	if (all16 && asym)
		usage_die(usage, "--int16 activations are symmetric; drop --asymmetric");
	if (bias_corr && !data)
		usage_die(usage, "--bias-correction needs --data (the calibration samples) for the "
			  "convolutions' input means");
	if (bias_corr && !load && choice.method == CALIB_SKIP)
		usage_die(usage, "--bias-correction is for calibrated methods, not %s", method);
	if (strategy == 1 && (top_k || int16_k))
		usage_die(usage, "--sensitive-top and --int16-sensitive are for --method mix");
	if (!statsp && !load && choice.method != CALIB_SKIP)
		usage_die(usage, "--method %s needs --stats (from calib-stats)", method);
	struct ir_graph *g = read_ir_input(in);
	const char *what = in && strcmp(in, "-") ? in : "<stdin>";
	int placed = 0;
	for (int i = 0; i < g->n_nodes; i++)
		placed += g->nodes[i].place != IR_PLACE_UNPLACED;
	if (!placed)
		die("%s: the graph is not partitioned; run ir-partition --march M first", what);
	if (all16)
		need_int16(g, what, "--int16");
	if (int16_k > 0)
		need_int16(g, what, "--int16-sensitive");
	char fp[32];
	snprintf(fp, sizeof fp, "%016llx", (unsigned long long)stats_fingerprint(g));
	struct thresholds *th = NULL;
	char *comment = NULL;
	if (load) {
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
			if (calib_needs_act(g, t) && !thresholds_find(th, g->tensors[t]->name, 0))
				die("%s: no act entry for tensor \"%s\", which %s quantizes", load,
				    g->tensors[t]->name, what);
		if (bias_corr)
			bias_correct(g, data, eval, jobs, th);
		cat(&comment, "thresholds for %s, written by calib-search --method %s%s", what, method,
		    bias_corr ? " --bias-correction" : "");
	} else {
		struct stats *s = NULL;
		if (statsp) {
			s = stats_read(statsp);
			if (!s || stats_check_graph(s, g, statsp) < 0)
				die("%s", ir_errmsg);
			if (s->samples == 0)
				die("%s: the statistics hold no samples", statsp);
		}
		if (!strategy) {
			if (choice.method == CALIB_SKIP)
				fprintf(stderr, "calib-search: WARNING: --method skip: no calibration data; "
					"every activation is taken to lie in [-%g, %g]. The model's "
					"accuracy means nothing: build it for performance measurements "
					"only.\n", CALIB_SKIP_THRESHOLD, CALIB_SKIP_THRESHOLD);
			int fallbacks = 0;
			th = calib_thresholds(g, s, &choice, &fallbacks);
			if (!th)
				die("%s: %s", statsp, ir_errmsg);
			if (fallbacks)
				fprintf(stderr, "calib-search: kl: %d tensor%s too few values for a %d-bin "
					"histogram (under %d per bin): %s max instead (method=max in "
					"the file)\n", fallbacks, fallbacks == 1 ? " has" : "s have",
					CALIB_KL_BINS, CALIB_KL_MIN_PER_BIN,
					fallbacks == 1 ? "it uses" : "they use");
			if (all16)
				calib_all_int16(th, s);
			if (bias_corr)
				bias_correct(g, data, eval, jobs, th);
			cat(&comment, "thresholds for %s, written by calib-search --method %s%s%s%s%s%s",
			    what, method, per_channel ? " --per-channel" : "",
			    asym ? " --asymmetric" : "", all16 ? " --int16" : "",
			    bias_corr ? " --bias-correction" : "",
			    choice.method == CALIB_SKIP
				    ? "  (WARNING: skip: not calibrated, performance only)" : "");
		} else {
			double t0 = now();
			struct search_ctx *x = search_new(g, s, data, eval, jobs);
			if (!x)
				die("%s", ir_errmsg);
			search_set_bias_correction(x, bias_corr);
			fprintf(stderr, "calib-search: %s: judging candidates on %d sample%s of %s "
				"(output cosine against float, int8 as ir-run runs it)\n", method,
				search_n_eval(x), search_n_eval(x) == 1 ? "" : "s", data);
			struct search_result r;
			if (search_default(x, target, &r) < 0)
				die("%s", ir_errmsg);
			cat(&comment, "thresholds for %s, written by calib-search --method %s%s on %d "
			    "samples of %s", what, method, bias_corr ? " --bias-correction" : "",
			    search_n_eval(x), data);
			cat(&comment, "\ndefault strategy (target cosine %g):\n", target);
			cand_table(&comment, &r);
			cat(&comment, "ended at %s\n", r.why);
			const struct search_cand *best = &r.cand[r.best];
			char *choice_txt = xasprintf("default: %s, cosine %.6f, ended at step %d",
						     best->label, best->cosine, r.end_step);
			if (strategy == 2) {
				struct search_result mr;
				struct search_mix m;
				if (search_mix(x, best, sens_thr, top_k, int16_k, &mr, &m) < 0)
					die("%s", ir_errmsg);
				cat(&comment, "\nmix strategy on top of %s:\n", best->label);
				cat(&comment, "1. sensitivity: each activation quantized alone "
				    "(the rest float); sensitive: cosine < %g%s\n", sens_thr,
				    top_k ? " or among the most sensitive" : "");
				cat(&comment, "%-4s  %-40s  %-34s  %-10s  %-9s  %s\n", "rank", "node",
				    "tensor", "cosine", "sensitive", "mix choice (whole-model cosine)");
				static const char *mname[] = {"max", "percentile", "kl", "skip"};
				for (int i = 0; i < m.n; i++) {
					const struct search_sens *e = &m.sens[i];
					char ch[112] = "-";
					if (e->choice_method >= 0)
						snprintf(ch, sizeof ch, "%s (%.6f)",
							 mname[e->choice_method], e->choice_cosine);
					if (e->int16)
						snprintf(ch + strlen(ch), sizeof ch - strlen(ch), " int16");
					else if (e->int16_refused)
						snprintf(ch + strlen(ch), sizeof ch - strlen(ch),
							 " (int16 not allowed by the march)");
					cat(&comment, "%-4d  %-40.40s  %-34.34s  %.6f    %-9s  %s\n", i + 1,
					    e->node, g->tensors[e->tensor]->name, e->cosine,
					    e->sensitive ? "yes" : "", ch);
				}
				cat(&comment, "3. the mix against whole-model methods:\n");
				cand_table(&comment, &mr);
				free(choice_txt);
				const struct search_cand *mb = &mr.cand[mr.best];
				choice_txt = xasprintf("%s, cosine %.6f (default alone: %s, %.6f)",
						       mb->label + (strncmp(mb->label, "mix: ", 5) ? 0 : 5),
						       mb->cosine, best->label, best->cosine);
				th = mr.cand[mr.best].th;
				mr.cand[mr.best].th = NULL;
				search_result_free(&mr);
				search_mix_free(&m);
			} else {
				th = r.cand[r.best].th;
				r.cand[r.best].th = NULL;
			}
			search_result_free(&r);
			search_free(x);
			free(th->method);
			th->method = xstrdup(method);
			th->choice = choice_txt;
			cat(&comment, "chose %s", th->choice);
			/* the same, for the person at the terminal, with the time */
			fprintf(stderr, "%s (%.1f s)\n", comment, now() - t0);
		}
		stats_free(s);
	}
	free(th->model);
	th->model = xstrdup(fp);
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
