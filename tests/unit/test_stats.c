/*
 * test_stats: calibration statistics (lib/stats.c, formats/stats.md).
 *
 * On synthetic data whose range grows from sample to sample (so histograms
 * are re-binned on the way) with the awkward values included (both zeros,
 * subnormals, exact powers of two, the largest float, NaN and infinities):
 * every histogram equals a reference that bins all values at the final
 * exponent directly, computed from the float's bits with integers only;
 * the samples in another order, or split into shards and merged, give the
 * same bytes; a re-bin by 2^k equals direct binning at e + k; the |x|
 * fold; the file round trip and its errors; the shard checks of a merge;
 * weight statistics of Conv and grouped ConvTranspose.
 */
#include "ir.h"
#include "stats.h"
#include "util.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	if (ok) {
		passed++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "test_stats: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failed++;
}

/* A partitioned graph: a small input (the direct counting path) and a
 * large one (the sub-histogram path), each through a BPU Relu-free chain
 * so that values keep their sign: Quantize -> BPU Clip(-inf..inf) ->
 * Dequantize. Recorded: a, a/q, ya/q, b, b/q, yb/q. */
static const char *graph_text =
	"ir 1.0\n"
	"graph \"synthetic\"\n"
	"input a: f32[1,4,8,8]\n"
	"input b: f32[1,8,64,64]\n"
	"node a/quantize Quantize(a) -> (a/q: f32[1,4,8,8]) | place=cpu reason=\"b\"\n"
	"node ida Reshape(a/q) -> (ya/q: f32[1,4,8,8]) shape=[1,4,8,8] | place=bpu segment=0 "
	"reason=\"s\"\n"
	"node ya/dequantize Dequantize(ya/q) -> (ya: f32[1,4,8,8]) | place=cpu reason=\"b\"\n"
	"node b/quantize Quantize(b) -> (b/q: f32[1,8,64,64]) | place=cpu reason=\"b\"\n"
	"node idb Reshape(b/q) -> (yb/q: f32[1,8,64,64]) shape=[1,8,64,64] | place=bpu "
	"segment=1 reason=\"s\"\n"
	"node yb/dequantize Dequantize(yb/q) -> (yb: f32[1,8,64,64]) | place=cpu reason=\"b\"\n"
	"output ya\n"
	"output yb\n";

static uint64_t rng = 88172645463325252ull;

static uint64_t next_u64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Roughly normal, times scale. */
static float randn(float scale)
{
	double s = 0;
	for (int i = 0; i < 4; i++)
		s += (double)(next_u64() >> 11) / 9007199254740992.0 - 0.5;
	return (float)(s * scale);
}

/* The reference bin, from the float's bits with integers only: |x| =
 * mant * 2^(exp - 150); bin = floor(|x| * 2^(12 - e)). */
static int ref_bin(float x, int e)
{
	uint32_t b;
	memcpy(&b, &x, 4);
	int ex = (b >> 23) & 0xff;
	uint64_t mant = b & 0x7fffff;
	if (ex)
		mant |= 0x800000;
	else
		ex = 1;
	int shift = ex - 150 + 12 - e;
	uint64_t k = shift >= 0 ? (shift >= 40 ? ~0ull : mant << shift)
				: (shift <= -40 ? 0 : mant >> -shift);
	if (k >= STATS_HIST_HALF) {
		check(0, "reference bin of %a at e=%d is %llu", x, e, (unsigned long long)k);
		k = STATS_HIST_HALF - 1;
	}
	int neg = (b >> 31) && (b & 0x7fffffff);
	return neg ? STATS_HIST_HALF - 1 - (int)k : STATS_HIST_HALF + (int)k;
}

#define NS 9  /* samples */

/* Sample s of a tensor of n values: the range grows with s, and some
 * samples carry the awkward values. */
static void make_sample(float *x, int64_t n, int s, int small)
{
	/* 0: zeros of both signs (e = -149); 1: subnormals only, e about
	 * -128 (the double path: 2^(12-e) is no f32); 2: tiny normals with
	 * the awkward values; then growing by 2 each sample */
	float scale = s == 1 ? ldexpf(1.0f, -132) : s == 2 ? ldexpf(1.0f, -100)
							     : ldexpf(1.0f, s - 4);
	for (int64_t i = 0; i < n; i++)
		x[i] = s == 0 ? ((i & 1) ? 0.0f : -0.0f) : randn(scale);
	if (s == 2) {
		x[0] = -0.0f;
		x[1] = 0.0f;
		x[2] = 1e-45f;         /* the least subnormal */
		x[3] = -1e-45f;
		x[4] = 1e-39f;
		x[5] = NAN;
		x[6] = INFINITY;
		x[7] = -INFINITY;
	}
	if (s == 4) {
		x[n / 2] = 4.0f;       /* exact powers of two: e is one more */
		x[n / 3] = -2.0f;
		x[n / 5] = nextafterf(8.0f, 0.0f);
	}
	if (s == NS - 1 && !small) {
		x[7] = FLT_MAX;
		x[8] = -FLT_MAX;
		x[9] = nextafterf(FLT_MAX, 0.0f);
	}
}

static char *to_bytes(const struct stats *s, size_t *len)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, len);
	check(stats_write(s, f) == 0, "stats_write");
	fclose(f);
	return p;
}

static int same_bytes(const struct stats *a, const struct stats *b)
{
	size_t la, lb;
	char *pa = to_bytes(a, &la), *pb = to_bytes(b, &lb);
	int same = la == lb && memcmp(pa, pb, la) == 0;
	free(pa);
	free(pb);
	return same;
}

/* One sample into s: both inputs, and the tensors they flow through. */
static void observe_sample(struct stats *s, const int *map, const struct ir_graph *g,
			   float *const *data)
{
	for (int t = 0; t < g->n_tensors; t++) {
		if (map[t] < 0)
			continue;
		const char *name = g->tensors[t]->name;
		stats_observe(&s->act[map[t]], name[0] == 'a' || !strcmp(name, "ya/q") ? data[0]
										     : data[1]);
	}
	s->samples++;
}

static void test_exp(void)
{
	check(stats_exp_of(0.0f) == STATS_EXP_ZERO, "e(0)");
	check(stats_exp_of(1.0f) == 1, "e(1) = 1 (1 < 2^1)");
	check(stats_exp_of(0.75f) == 0, "e(0.75) = 0");
	check(stats_exp_of(4.0f) == 3, "e(4) = 3");
	check(stats_exp_of(nextafterf(4.0f, 0)) == 2, "e(4-) = 2");
	check(stats_exp_of(1e-45f) == -148, "e(2^-149) = -148");
	check(stats_exp_of(FLT_MAX) == 128, "e(FLT_MAX) = 128");
}

/* A re-bin by 2^k equals binning at e + k, on every side and every k. */
static void test_rebin(void)
{
	float v[5000];
	for (int i = 0; i < 5000; i++)
		v[i] = randn(3.0f);
	v[0] = 0.0f;
	v[1] = -0.0f;
	v[2] = -4.0f / 4096;   /* a bin edge on the negative side */
	v[3] = 4.0f / 4096;
	int e0 = 3;
	uint64_t *h = xcalloc(STATS_HIST_BINS, 8), *r = xcalloc(STATS_HIST_BINS, 8);
	for (int k = 0; k <= 14; k++) {
		memset(h, 0, 8 * STATS_HIST_BINS);
		memset(r, 0, 8 * STATS_HIST_BINS);
		for (int i = 0; i < 5000; i++) {
			if (fabsf(v[i]) >= 8.0f)
				continue;
			h[ref_bin(v[i], e0)]++;
			r[ref_bin(v[i], e0 + k)]++;
		}
		stats_hist_rebin(h, e0, e0 + k);
		check(memcmp(h, r, 8 * STATS_HIST_BINS) == 0, "rebin by 2^%d equals direct binning", k);
	}
	free(h);
	free(r);
}

static void test_collect(void)
{
	struct ir_graph *g = ir_read_mem(graph_text, strlen(graph_text), "synthetic");
	check(g != NULL, "graph parses: %s", ir_errmsg);
	if (!g)
		return;
	struct stats *one = stats_new(g);
	check(one != NULL, "stats_new: %s", ir_errmsg);
	if (!one) {
		ir_graph_free(g);
		return;
	}
	static const char *want[] = {"a", "b", "a/q", "ya/q", "b/q", "yb/q"};
	check(one->n_act == 6, "6 activations recorded, got %d", one->n_act);
	for (int i = 0; i < 6 && i < one->n_act; i++)
		check(!strcmp(one->act[i].name, want[i]), "activation %d is %s, got %s", i, want[i],
		      one->act[i].name);
	check(stats_find_act(one, "ya") < 0 && stats_find_act(one, "yb") < 0,
	      "CPU-side Dequantize outputs are not recorded");
	check(one->act[1].n_channels == 8, "per-channel along axis 1");
	int *map = stats_act_map(one, g);

	int64_t na = 256, nb = 8 * 64 * 64;
	float *data[NS][2];
	for (int s = 0; s < NS; s++) {
		data[s][0] = xmalloc(sizeof(float) * na);
		data[s][1] = xmalloc(sizeof(float) * nb);
		make_sample(data[s][0], na, s, 1);
		make_sample(data[s][1], nb, s, 0);
	}
	/* in order; in reverse; in three shards added in another order */
	struct stats *rev = stats_new_like(one), *sh[3], *merged = stats_new_like(one);
	for (int s = 0; s < NS; s++)
		observe_sample(one, map, g, data[s]);
	for (int s = NS - 1; s >= 0; s--)
		observe_sample(rev, map, g, data[s]);
	for (int k = 0; k < 3; k++) {
		sh[k] = stats_new_like(one);
		for (int s = k; s < NS; s += 3)
			observe_sample(sh[k], map, g, data[s]);
	}
	stats_add(merged, sh[2]);
	stats_add(merged, sh[0]);
	stats_add(merged, sh[1]);
	check(one->samples == NS && merged->samples == NS, "sample counts");
	one->total_samples = rev->total_samples = merged->total_samples = NS;
	check(same_bytes(one, rev), "reverse order gives the same bytes");
	check(same_bytes(one, merged), "three shards merged give the same bytes");

	/* against the reference, binned at the final exponent directly */
	for (int i = 0; i < one->n_act; i++) {
		const struct stats_act *a = &one->act[i];
		int small = a->rank == 4 && a->dims[1] == 4;
		int64_t n = small ? na : nb;
		uint64_t *ref = xcalloc(STATS_HIST_BINS, 8), bad = 0;
		float mn = INFINITY, mx = -INFINITY, cabs[8] = {0};
		for (int s = 0; s < NS; s++)
			for (int64_t j = 0; j < n; j++) {
				float v = data[s][small ? 0 : 1][j];
				if (!isfinite(v)) {
					bad++;
					continue;
				}
				mn = fminf(mn, v);
				mx = fmaxf(mx, v);
				int c = (int)(j / (n / a->dims[1]));
				cabs[c] = fmaxf(cabs[c], fabsf(v));
			}
		float am = fmaxf(-mn, mx);
		check(a->absmax == am && a->min == mn && a->max == mx, "%s: min %g max %g absmax %g",
		      a->name, a->min, a->max, a->absmax);
		check(a->hist_exp == stats_exp_of(am), "%s: e %d", a->name, a->hist_exp);
		check(a->count == (uint64_t)(n * NS) && a->nonfinite == bad, "%s: counts", a->name);
		for (int c = 0; c < a->n_channels; c++)
			check(a->channel_absmax[c] == cabs[c], "%s: channel %d absmax", a->name, c);
		for (int s = 0; s < NS; s++)
			for (int64_t j = 0; j < n; j++) {
				float v = data[s][small ? 0 : 1][j];
				if (isfinite(v))
					ref[ref_bin(v, a->hist_exp)]++;
			}
		check(memcmp(ref, a->hist, 8 * STATS_HIST_BINS) == 0,
		      "%s: histogram equals direct binning at e = %d", a->name, a->hist_exp);
		uint64_t fold[STATS_HIST_HALF], rfold[STATS_HIST_HALF] = {0};
		stats_hist_abs(a, fold);
		double w = stats_bin_width(a);
		for (int s = 0; s < NS; s++)
			for (int64_t j = 0; j < n; j++) {
				float v = data[s][small ? 0 : 1][j];
				if (isfinite(v))
					rfold[(int)floor(fabs((double)v) / w)]++;
			}
		check(memcmp(fold, rfold, sizeof fold) == 0, "%s: |x| histogram", a->name);
		free(ref);
	}
	check(one->act[stats_find_act(one, "b")].hist_exp == 128, "b reaches e = 128");

	/* a zero tensor: e = -149, all counts at bin 4096; merged into a
	 * non-zero one */
	struct stats *z = stats_new_like(one);
	observe_sample(z, map, g, data[0]);
	check(z->act[0].hist_exp == STATS_EXP_ZERO && z->act[0].hist[STATS_HIST_HALF] == 256 &&
	      z->act[0].min == 0 && !signbit(z->act[0].min) && !signbit(z->act[0].max),
	      "zeros: e -149, one bin, +0 for min and max");

	/* the file round trip and its errors */
	size_t len;
	char *bytes = to_bytes(one, &len);
	struct stats *back = stats_read_mem(bytes, len, "one.stats");
	check(back && same_bytes(back, one), "read back gives the same bytes: %s", ir_errmsg);
	check(back && stats_check_graph(back, g, "one.stats") == 0, "fingerprint matches");
	stats_free(back);
	check(!stats_read_mem(bytes, len - 1, "t.stats") && strstr(ir_errmsg, "truncated"),
	      "truncated: %s", ir_errmsg);
	check(!stats_read_mem(bytes, 10, "t.stats") && strstr(ir_errmsg, "truncated"),
	      "truncated header: %s", ir_errmsg);
	char *junk = xmalloc(len + 3);
	memcpy(junk, bytes, len);
	memcpy(junk + len, "xyz", 3);
	check(!stats_read_mem(junk, len + 3, "j.stats") && strstr(ir_errmsg, "3 bytes of junk"),
	      "junk: %s", ir_errmsg);
	junk[1] = 'X';
	check(!stats_read_mem(junk, len, "j.stats") && strstr(ir_errmsg, "bad magic"),
	      "magic: %s", ir_errmsg);
	/* change one histogram count: bin 4096 of the first activation is the
	 * 4097th varint of field 10; find it by re-encoding a copy */
	back = stats_read_mem(bytes, len, "one.stats");
	if (back) {
		back->act[0].hist[100] += 1;
		size_t l2;
		char *b2 = to_bytes(back, &l2);
		check(!stats_read_mem(b2, l2, "c.stats") && strstr(ir_errmsg, "do not add up"),
		      "counts that do not add up: %s", ir_errmsg);
		free(b2);
		stats_free(back);
	}
	free(junk);
	free(bytes);

	/* shards of a split: merge and its checks */
	struct stats *in[3];
	const char *names[3] = {"s1", "s2", "s3"};
	for (int k = 0; k < 3; k++) {
		sh[k]->shard_index = (uint32_t)k + 1;
		sh[k]->shard_count = 3;
		sh[k]->total_samples = NS;
		in[k] = sh[k];
	}
	struct stats *m = stats_merge_shards(in, names, 3);
	check(m && same_bytes(m, one), "stats_merge_shards equals one run: %s", ir_errmsg);
	stats_free(m);
	struct stats *two[2] = {sh[0], sh[2]};
	const char *two_names[2] = {"s1", "s3"};
	check(!stats_merge_shards(two, two_names, 2) && !strcmp(ir_errmsg, "shard 2/3 is missing"),
	      "missing shard: %s", ir_errmsg);
	two[1] = sh[0];
	check(!stats_merge_shards(two, two_names, 2) && strstr(ir_errmsg, "given twice"),
	      "duplicate shard: %s", ir_errmsg);
	sh[2]->shard_count = 4;
	two[1] = sh[2];
	check(!stats_merge_shards(two, two_names, 2) && strstr(ir_errmsg, "one split"),
	      "shards of two splits: %s", ir_errmsg);
	sh[2]->shard_count = 3;
	sh[2]->fingerprint ^= 1;
	check(!stats_merge_shards(two, two_names, 2) && strstr(ir_errmsg, "another model"),
	      "another model: %s", ir_errmsg);
	two[0] = one;
	check(!stats_merge_shards(two, two_names, 2) && strstr(ir_errmsg, "not a shard"),
	      "not a shard: %s", ir_errmsg);

	for (int s = 0; s < NS; s++) {
		free(data[s][0]);
		free(data[s][1]);
	}
	for (int k = 0; k < 3; k++)
		stats_free(sh[k]);
	stats_free(z);
	stats_free(one);
	stats_free(rev);
	stats_free(merged);
	free(map);
	ir_graph_free(g);
}

/* Weight statistics: Conv per output channel (axis 0); ConvTranspose with
 * group 2, W[C=4, M/g=1, 1, 1]: output channel (c / 2) * 1 + 0. */
static void test_weights(void)
{
	static const char *text =
		"ir 1.0\n"
		"graph \"w\"\n"
		"input x: f32[1,4,2,2]\n"
		"const w: f32[2,4,1,1] = [1.0, -3.0, 0.5, 0.25, -0.5, 2.0, 0.0, 1.5]\n"
		"const wt: f32[4,1,1,1] = [1.0, -5.0, 2.0, -0.5]\n"
		"node x/quantize Quantize(x) -> (x/q: f32[1,4,2,2]) | place=cpu reason=\"b\"\n"
		"node c Conv(x/q, w) -> (y: f32[1,2,2,2]) dilations=[1,1] group=1 kernel_shape=[1,1] "
		"pads=[0,0,0,0] strides=[1,1] | place=bpu segment=0 reason=\"s\"\n"
		"node c2 Conv(x/q, w) -> (y2: f32[1,2,2,2]) dilations=[1,1] group=1 "
		"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1] | place=bpu segment=0 reason=\"s\"\n"
		"node t ConvTranspose(x/q, wt) -> (z/q: f32[1,2,2,2]) dilations=[1,1] group=2 "
		"kernel_shape=[1,1] output_padding=[0,0] pads=[0,0,0,0] strides=[1,1] | place=bpu "
		"segment=0 reason=\"s\"\n"
		"node z/dequantize Dequantize(z/q) -> (z: f32[1,2,2,2]) | place=cpu reason=\"b\"\n"
		"node y/dequantize Dequantize(y) -> (yo: f32[1,2,2,2]) | place=cpu reason=\"b\"\n"
		"node y2/dequantize Dequantize(y2) -> (yo2: f32[1,2,2,2]) | place=cpu reason=\"b\"\n"
		"output z\noutput yo\noutput yo2\n";
	struct ir_graph *g = ir_read_mem(text, strlen(text), "w");
	check(g != NULL, "weights graph parses: %s", ir_errmsg);
	if (!g)
		return;
	struct stats *s = stats_new(g);
	check(s && s->n_weight == 2, "two weights (w once though two nodes read it): %s",
	      s ? "" : ir_errmsg);
	if (s && s->n_weight == 2) {
		const struct stats_weight *w = &s->weight[0], *t = &s->weight[1];
		check(!strcmp(w->name, "w") && !strcmp(w->node, "c") && !strcmp(w->op, "Conv"),
		      "w of node c");
		check(w->min == -3.0f && w->max == 2.0f && w->absmax == 3.0f, "w range");
		check(w->n_channels == 2 && w->channel_absmax[0] == 3.0f &&
		      w->channel_absmax[1] == 2.0f, "w per output channel");
		check(!strcmp(t->op, "ConvTranspose") && t->n_channels == 2 &&
		      t->channel_absmax[0] == 5.0f && t->channel_absmax[1] == 2.0f,
		      "grouped ConvTranspose per output channel: %g %g",
		      t->n_channels > 1 ? t->channel_absmax[0] : 0,
		      t->n_channels > 1 ? t->channel_absmax[1] : 0);
	}
	/* another model: change one weight value, the fingerprint changes */
	uint64_t f1 = stats_fingerprint(g);
	((float *)g->tensors[ir_tensor_find(g, "wt")]->data)[0] = 1.5f;
	check(stats_fingerprint(g) != f1, "the fingerprint covers the weights' values");
	check(s && stats_check_graph(s, g, "w.stats") < 0 && strstr(ir_errmsg, "another model"),
	      "stats_check_graph refuses: %s", ir_errmsg);
	stats_free(s);
	ir_graph_free(g);

	/* not partitioned */
	static const char *plain = "ir 1.0\ninput x: f32[1,2]\nnode r Relu(x) -> (y: f32[1,2])\n"
				   "output y\n";
	g = ir_read_mem(plain, strlen(plain), "p");
	check(g && !stats_new(g) && strstr(ir_errmsg, "run ir-partition"), "unpartitioned: %s",
	      ir_errmsg);
	ir_graph_free(g);
}

int main(void)
{
	test_exp();
	test_rebin();
	test_collect();
	test_weights();
	printf("test_stats: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
