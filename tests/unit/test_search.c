/*
 * test_search.c: calib-search's default strategy takes each of its three
 * branches on a model and data made for it, and the mix strategy's
 * sensitivity finds the tensor that matters.
 *
 *   step 1: a 1x1 conv of noise in [-1, 1]: max with per-tensor weights
 *           already keeps the output;
 *   step 2: one conv whose two output channels (separate model outputs,
 *           through a Split on the CPU) have weights 100 and 0.37: per
 *           tensor, 0.37 rounds to 0 and the second output is lost; per
 *           channel it is kept;
 *   step 3: an input whose first channel is small noise and whose second
 *           holds outliers 3 orders larger (1 value in 64, more than
 *           percentile 0.99995 leaves out), the output depending on both:
 *           max and percentile lose the noise, KL clips the outliers, and
 *           per-channel weights change neither, so no candidate of steps
 *           1 and 2 reaches the target.
 *
 * Each model is partitioned for bpu-s by the library (as ir-partition
 * does), its samples are written as .npy files to a temporary directory
 * and its statistics gathered as calib-stats gathers them.
 */
#include "calib.h"
#include "exec.h"
#include "ir.h"
#include "march.h"
#include "npy.h"
#include "partition.h"
#include "quantize.h"
#include "search.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond, ...)                                      \
	do {                                                  \
		if (cond) {                                   \
			passed++;                             \
		} else {                                      \
			failed++;                             \
			printf("test_search: FAIL: ");        \
			printf(__VA_ARGS__);                  \
			printf("\n");                         \
		}                                             \
	} while (0)

static uint64_t rs = 0x2545f4914f6cdd1dull;
static double uniform(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double)(rs >> 11) / 9007199254740992.0;
}

static struct march *bpu_s;

/* The model of text t, partitioned for bpu-s. */
static struct ir_graph *model(const char *t)
{
	struct ir_graph *g = ir_text_parse(t, strlen(t), "test");
	if (!g || partition_run(g, bpu_s, NULL) < 0) {
		printf("test_search: model: %s\n", ir_errmsg);
		exit(1);
	}
	return g;
}

static int observe(void *ctx, const struct ir_graph *g, int t, const void *data)
{
	struct stats *s = ctx;
	(void)g;
	int a = stats_find_act(s, g->tensors[t]->name);
	if (a >= 0)
		stats_observe(&s->act[a], data);
	return 0;
}

/* n samples of x's shape into dir (gen(i) for element i), and their
 * statistics, as calib-stats gathers them */
static struct stats *samples(struct ir_graph *g, const char *dir, int n, double (*gen)(int64_t))
{
	const struct ir_tensor *x = g->tensors[g->inputs[0]];
	int64_t m = ir_tensor_numel(x);
	struct stats *s = stats_new(g);
	struct ir_exec *e = ir_exec_new(g, &(struct ir_exec_opts){.threads = 1, .on_tensor = observe,
								  .ctx = s});
	float *v = xmalloc(sizeof(float) * m);
	for (int k = 0; k < n; k++) {
		for (int64_t i = 0; i < m; i++)
			v[i] = (float)gen(i);
		char *p = xasprintf("%s/s%02d.npy", dir, k);
		if (npy_write(p, IR_DTYPE_F32, x->rank, x->dims, v) < 0) {
			printf("test_search: %s\n", ir_errmsg);
			exit(1);
		}
		free(p);
		int a = stats_find_act(s, x->name);
		if (a >= 0)
			stats_observe(&s->act[a], v);
		const void *in[1] = {v};
		if (ir_exec_run(e, in) < 0) {
			printf("test_search: run: %s\n", ir_errmsg);
			exit(1);
		}
		s->samples++;
	}
	s->total_samples = s->samples;
	free(v);
	ir_exec_free(e);
	return s;
}

static double gen_noise(int64_t i)
{
	(void)i;
	return uniform() * 2 - 1;
}

static double gen_positive(int64_t i)
{
	(void)i;
	return 0.5 + uniform();
}

/* 2 channels of 64: small noise, and in the second an outlier of 50 at
 * one place in 64 */
static double gen_outliers(int64_t i)
{
	return i % 64 == 7 && i >= 64 ? 50.0 : (uniform() * 2 - 1) * 0.02;
}

static const char model_a[] =
	"ir 1.0\n"
	"graph \"a\"\n"
	"input x: f32[1,2,8,8]\n"
	"const w: f32[2,2,1,1] = [0.5, -0.25, 0.75, 1.0]\n"
	"const b: f32[2] = [0.1, -0.1]\n"
	"node conv Conv(x, w, b) -> (y: f32[1,2,8,8]) dilations=[1,1] group=1 "
	"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\n"
	"output y\n";

static const char model_b[] =
	"ir 1.0\n"
	"graph \"b\"\n"
	"input x: f32[1,1,8,8]\n"
	"const w: f32[2,1,1,1] = [100.0, 0.37]\n"
	"const b: f32[2] = [0.0, 0.0]\n"
	"node conv Conv(x, w, b) -> (y: f32[1,2,8,8]) dilations=[1,1] group=1 "
	"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\n"
	"node split Split(y) -> (y0: f32[1,1,8,8], y1: f32[1,1,8,8]) axis=1 split=[1,1]\n"
	"output y0\n"
	"output y1\n";

/* model c: the input goes through a ReLU-less 1x1 conv into a second one,
 * so that both the input and an intermediate tensor are quantized */
static const char model_c[] =
	"ir 1.0\n"
	"graph \"c\"\n"
	"input x: f32[1,1,8,8]\n"
	"const w1: f32[2,1,1,1] = [1.0, -1.0]\n"
	"const b1: f32[2] = [0.0, 0.0]\n"
	"const w2: f32[1,2,1,1] = [1.0, -0.5]\n"
	"const b2: f32[1] = [0.0]\n"
	"node c1 Conv(x, w1, b1) -> (h: f32[1,2,8,8]) dilations=[1,1] group=1 "
	"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\n"
	"node c2 Conv(h, w2, b2) -> (y: f32[1,1,8,8]) dilations=[1,1] group=1 "
	"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\n"
	"output y\n";

/* model d: the output is the first channel's noise plus a thousandth of
 * the second channel's outliers, so both matter */
static const char model_d[] =
	"ir 1.0\n"
	"graph \"d\"\n"
	"input x: f32[1,2,8,8]\n"
	"const w: f32[1,2,1,1] = [1.0, 0.001]\n"
	"const b: f32[1] = [0.0]\n"
	"node conv Conv(x, w, b) -> (y: f32[1,1,8,8]) dilations=[1,1] group=1 "
	"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\n"
	"output y\n";

static void run_default(const char *name, const char *text, double (*gen)(int64_t), int step,
			const char *dir)
{
	struct ir_graph *g = model(text);
	struct stats *s = samples(g, dir, 6, gen);
	struct search_ctx *x = search_new(g, s, dir, 4, 2);
	if (!x) {
		printf("test_search: %s: search_new: %s\n", name, ir_errmsg);
		failed++;
		return;
	}
	CHECK(search_n_eval(x) == 4, "%s: 4 evaluation samples of 6, got %d", name,
	      search_n_eval(x));
	struct search_result r;
	if (search_default(x, 0.995, &r) < 0) {
		printf("test_search: %s: search_default: %s\n", name, ir_errmsg);
		failed++;
	} else {
		char tab[2048] = "";
		for (int i = 0; i < r.n; i++)
			snprintf(tab + strlen(tab), sizeof tab - strlen(tab), "\n    %d %-40s %.6f",
				 r.cand[i].step, r.cand[i].label, r.cand[i].cosine);
		CHECK(r.end_step == step, "%s: the search ends at step %d, not %d (%s)%s", name,
		      r.end_step, step, r.why, tab);
		CHECK(r.n == (step == 1 ? 3 : step == 2 ? 4 : 5), "%s: %d candidates tried", name,
		      r.n);
		int b = 0;
		for (int i = 1; i < r.n; i++)
			if (r.cand[i].cosine > r.cand[b].cosine)
				b = i;
		CHECK(r.best == b, "%s: the chosen candidate (%d) is the best (%d)", name, r.best, b);
		if (step < 3)
			CHECK(r.cand[r.best].cosine >= 0.995, "%s: the choice reaches the target: %g",
			      name, r.cand[r.best].cosine);
		else
			CHECK(r.cand[4].choice.asym == 1 &&
			      r.cand[4].choice.method == r.cand[r.best == 4 ? 4 : r.best].choice.method,
			      "%s: the fifth candidate is the best method, asymmetric", name);
		if (step == 2)
			CHECK(r.cand[3].choice.per_channel && r.cand[3].cosine >= 0.995 &&
			      r.cand[0].cosine < 0.9,
			      "%s: per-channel weights keep the second output (%g), per tensor loses "
			      "it (%g)", name, r.cand[3].cosine, r.cand[0].cosine);
		/* the result does not depend on the number of jobs */
		struct search_ctx *x1 = search_new(g, s, dir, 4, 1);
		struct search_result r1;
		if (x1 && search_default(x1, 0.995, &r1) == 0) {
			int same = r1.n == r.n && r1.best == r.best;
			for (int i = 0; i < r.n && same; i++)
				same = r1.cand[i].cosine == r.cand[i].cosine;
			CHECK(same, "%s: -j 1 and -j 2 give the same scores", name);
			search_result_free(&r1);
		}
		search_free(x1);
		search_result_free(&r);
	}
	search_free(x);
	stats_free(s);
	ir_graph_free(g);
}

static void test_mix(const char *dir)
{
	struct ir_graph *g = model(model_c);
	struct stats *s = samples(g, dir, 6, gen_positive);
	struct search_ctx *x = search_new(g, s, dir, 4, 2);
	struct search_result r, mr;
	struct search_mix m;
	if (!x || search_default(x, 0.995, &r) < 0 ||
	    search_mix(x, &r.cand[r.best], 0.99999999, 1, 0, &mr, &m) < 0) {
		printf("test_search: mix: %s\n", ir_errmsg);
		failed++;
		return;
	}
	/* the quantized activations: x/q (the input), h */
	CHECK(m.n == 2, "mix: 2 quantized activations, got %d", m.n);
	CHECK(m.n_sensitive >= 1 && m.sens[0].sensitive, "mix: the top one is sensitive");
	for (int i = 1; i < m.n; i++)
		CHECK(m.sens[i - 1].cosine <= m.sens[i].cosine, "mix: sorted by cosine");
	CHECK(m.sens[0].choice_method >= 0, "mix: the sensitive one got a method");
	CHECK(mr.n == 4 && !strncmp(mr.cand[0].label, "mix", 3), "mix: mix, kl, max, percentile");
	int b = 0;
	for (int i = 1; i < mr.n; i++)
		if (mr.cand[i].cosine > mr.cand[b].cosine)
			b = i;
	CHECK(mr.best == b, "mix: the best of the four wins");
	/* int16 needs a march with int16 */
	struct search_result r16;
	struct search_mix m16;
	CHECK(search_mix(x, &r.cand[r.best], 0.999, 0, 1, &r16, &m16) < 0 &&
	      strstr(ir_errmsg, "no int16"), "mix: --int16-sensitive on bpu-s is refused: %s",
	      ir_errmsg);
	search_result_free(&mr);
	search_mix_free(&m);
	search_result_free(&r);
	search_free(x);
	stats_free(s);
	ir_graph_free(g);
}

/* model e: no bias; channel means of the input 2 and 3 exactly */
static const char model_e[] =
	"ir 1.0\n"
	"graph \"e\"\n"
	"input x: f32[1,2,4,4]\n"
	"const w: f32[2,2,1,1] = [1.0, 0.3, -0.5, 0.123]\n"
	"node conv Conv(x, w) -> (y: f32[1,2,4,4]) dilations=[1,1] group=1 "
	"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\n"
	"output y\n";

static double gen_two_three(int64_t i)
{
	return i < 16 ? 2.0 : 3.0;
}

/* Bias correction: B[c] = -sum (w_q s_w - w) E[x], by hand, and ir-quant
 * gives the node a bias holding it. */
static void test_bias_correction(const char *dir)
{
	struct ir_graph *g = model(model_e);
	struct stats *s = samples(g, dir, 3, gen_two_three);
	struct search_ctx *x = search_new(g, s, dir, 8, 1);
	int fb = 0;
	struct thresholds *th = x ? calib_thresholds(g, s, &(struct calib_choice){CALIB_MAX, 0.99995, 1, 0},
						     &fb) : NULL;
	if (!th || search_bias_correction(x, th) < 0) {
		printf("test_search: bias correction: %s\n", ir_errmsg);
		failed++;
		return;
	}
	const struct th_entry *e = thresholds_find(th, "w", 1);
	const double w[4] = {1.0, 0.3, -0.5, 0.123}, mean[2] = {2, 3};
	CHECK(e && e->n == 2 && e->n_bias == 2, "bias correction: two per-channel corrections");
	for (int c = 0; e && e->n_bias == 2 && c < 2; c++) {
		double sh = 0, sw = e->scale[c];
		for (int i = 0; i < 2; i++) {
			double wf = (double)(float)w[c * 2 + i];
			sh += (fmin(fmax(nearbyint(wf / sw), -127), 127) * sw - wf) * mean[i];
		}
		CHECK(fabs(e->bias[c] + sh) < 1e-7 && fabs(sh) > 1e-3,
		      "bias correction: channel %d: %.9g, expected %.9g", c, e->bias[c], -sh);
	}
	/* ir-quant: the node gets a bias b_q = rne(B / (s_in s_w)) */
	struct ir_graph *q = ir_graph_clone(g);
	CHECK(q && quantize_graph(q, th) == 0, "bias correction: quantizes: %s", ir_errmsg);
	const struct ir_node *n = q ? ir_node_find(q, "conv") : NULL;
	CHECK(n && n->op == IR_OP_QCONV && n->n_in == 3 && n->in[2] >= 0,
	      "bias correction: the QConv got a bias input");
	if (n && n->n_in == 3 && n->in[2] >= 0 && e && e->n_bias == 2) {
		const struct ir_tensor *b = q->tensors[n->in[2]], *xi = q->tensors[n->in[0]];
		const int32_t *bq = b->data;
		for (int c = 0; c < 2; c++) {
			double sb = (double)xi->quant->scale[0] * e->scale[c];
			CHECK(b->dtype == IR_DTYPE_I32 && bq[c] == (int32_t)nearbyint(e->bias[c] / sb),
			      "bias correction: b_q[%d] = %d, expected %.0f", c, bq[c],
			      nearbyint(e->bias[c] / sb));
		}
	}
	/* the file keeps it: written and read back */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	thresholds_write(f, th, NULL);
	fclose(f);
	struct thresholds *t2 = thresholds_parse(buf, len, "mem");
	const struct th_entry *e2 = t2 ? thresholds_find(t2, "w", 1) : NULL;
	CHECK(e2 && e2->n_bias == 2 && e && e2->bias[0] == e->bias[0] && e2->bias[1] == e->bias[1],
	      "bias correction: the file round-trips it: %s", buf);
	thresholds_free(t2);
	free(buf);
	ir_graph_free(q);
	thresholds_free(th);
	search_free(x);
	stats_free(s);
	ir_graph_free(g);
}

static void test_fake_quant(void)
{
	struct ir_graph *g = model(model_c);
	int h = ir_tensor_find(g, "h");
	struct th_entry e = {.n = 1, .scale = (float[]){0.5f}, .dtype = IR_DTYPE_I8};
	struct ir_graph *f = search_fake_quant(g, h, &e);
	CHECK(f && f->n_nodes == g->n_nodes + 2, "fake quant: two nodes more");
	if (f) {
		/* input 0.3 everywhere: h = (0.3, -0.3), quantized by 0.5 to (0.5, -0.5) */
		float in[64];
		for (int i = 0; i < 64; i++)
			in[i] = 0.3f;
		struct ir_exec *e1 = ir_exec_new(f, &(struct ir_exec_opts){.threads = 1});
		const void *p[1] = {in};
		CHECK(e1 && ir_exec_run(e1, p) == 0, "fake quant: runs: %s", ir_errmsg);
		if (e1) {
			const float *y = ir_exec_output(e1, 0);
			/* y = h0 - 0.5 h1 with h0 = 0.5, h1 = -0.5: 0.75, up to
			 * the input's own quantization */
			CHECK(fabsf(y[0] - 0.75f) < 0.02f, "fake quant: y = %g, expected 0.75", y[0]);
		}
		ir_exec_free(e1);
		ir_graph_free(f);
	}
	ir_graph_free(g);
}

int main(void)
{
	bpu_s = march_load("bpu-s");
	if (!bpu_s) {
		printf("test_search: %s\n", ir_errmsg);
		return 1;
	}
	char dir[] = "/tmp/test_search.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	const char *names[] = {"a", "b", "c", "m", "e"};
	char sub[5][64];
	for (int i = 0; i < 5; i++) {
		snprintf(sub[i], sizeof sub[i], "%s/%s", dir, names[i]);
		if (mkdir(sub[i], 0700) < 0) {
			perror(sub[i]);
			return 1;
		}
	}
	run_default("step 1 (benign)", model_a, gen_noise, 1, sub[0]);
	run_default("step 2 (per-channel weights)", model_b, gen_noise, 2, sub[1]);
	run_default("step 3 (outliers)", model_d, gen_outliers, 3, sub[2]);
	test_mix(sub[3]);
	test_fake_quant();
	test_bias_correction(sub[4]);
	char *rm = xasprintf("rm -rf '%s'", dir);
	if (system(rm) != 0)
		printf("test_search: could not remove %s\n", dir);
	free(rm);
	march_free(bpu_s);
	printf("test_search: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
