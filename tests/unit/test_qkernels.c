/*
 * test_qkernels.c: every fast integer kernel (lib/k_qconv.c, lib/k_quant.c)
 * against its reference (k_q*_ref, the loops formats/numerics.md is written
 * as), bit for bit, on random data: QConv through each path (pointwise with
 * few and many input channels, im2col with both micro-kernels, depthwise
 * 3x3/5x5 at strides 1 and 2 and the general depthwise loop, grouped,
 * dilated, 1x1 maps as MatMul, kernels 1x1 to 7x7, odd sizes, asymmetric
 * padding, output_int32, fused-activation clamps, non-zero zero points,
 * biases that wrap int32, weights of -128, int16 weights, which the fast
 * kernels hand to the reference) plus 60 random shapes, each case also with
 * output_int32 so that the sums themselves are compared; QConvTranspose;
 * QAdd/QSub and QMul with full, per-channel, last-dim and scalar
 * broadcasting and shifts on both sides of the int32 fast paths; QLut;
 * QRequant; QAveragePool (count_include_pad, ceil_mode) and
 * QGlobalAveragePool; QResize (nearest and linear, x2/x4/x8, align_corners
 * and the other coordinate rules, downscaling). Each fast kernel runs with 1
 * and with 2 threads (the large cases split into several work units); all
 * three outputs must equal the reference's bytes.
 *
 * Mixed int8/int16 models (numerics.md "Mixed int8/int16 models"): an int16
 * input (zero point 0) with int8 weights through QConv and QConvTranspose's
 * int16 passes, to int8 and int16 outputs (1x1, 3x3 to 7x7, depthwise and
 * grouped, padded, strides 2 and 3, dilated, rows wider than a band, more
 * than 511 taps so that the int32 lanes are carried into int64, and extreme
 * inputs whose sums pass 2^31, the 128-bit requantization; the fast paths
 * on either side of their thresholds: rows16 and dot16 at 127 and 128 taps,
 * sums that stay in int32 at 511 taps and carry at 512, huge biases that
 * take the int64 epilogue, depthwise 1x1, 3x3 and 5x5) plus 40 random
 * shapes; QConvTranspose with an int16 input (weights of -128, huge
 * biases); an int8 input to an int16 output; QAdd/QSub/QMul over every mix of
 * int8 and int16 operands and output with each broadcast; QLut with an int16
 * input (1025 knots, to int16 or int8 entries, the range's ends and the
 * knots) and an int8 input with int16 entries; QRequant int8 <-> int16 and
 * int16 -> int16 (the exact widening, shifts 0 and 62, clamps);
 * QAveragePool and QGlobalAveragePool between the types, with sums past
 * 2^31; QResize nearest on int16 and linear across the types.
 *
 * Also: QLut over every int16 input value (in order and shuffled) through
 * random, alternating and smooth tables to int16 and int8 entries; QResize
 * linear at the ends of its sums and shifts (int8 sums whose product with m
 * passes 2^63, int16 sums near 2^39, shifts below 32, the identity);
 * Quantize (f32 -> i8, i16, i32) against q_quantize element by element
 * (NaN, +-inf, ties, values beyond the range, zero points).
 */
#include "ir.h"
#include "k_quant.h"
#include "ops.h"
#include "qmath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int passed, failed;
static uint64_t rs = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

/* uniform in [lo, hi] */
static int64_t rint_in(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static void *rand_ints(enum ir_dtype dt, int64_t n, int64_t lo, int64_t hi)
{
	size_t sz = dt == IR_DTYPE_I8 ? 1 : dt == IR_DTYPE_I16 ? 2 : 4;
	void *p = malloc(sz * (size_t)(n ? n : 1));
	for (int64_t i = 0; i < n; i++) {
		int64_t v = rint_in(lo, hi);
		if (dt == IR_DTYPE_I8)
			((int8_t *)p)[i] = (int8_t)v;
		else if (dt == IR_DTYPE_I16)
			((int16_t *)p)[i] = (int16_t)v;
		else
			((int32_t *)p)[i] = (int32_t)v;
	}
	return p;
}

static void set_q(struct ir_tensor *t, float s, int32_t z)
{
	struct ir_quant *q = calloc(1, sizeof *q);
	q->dtype = t->dtype;
	q->n = 1;
	q->scale = malloc(sizeof(float));
	q->scale[0] = s;
	q->zero_point = malloc(sizeof(int32_t));
	q->zero_point[0] = z;
	q->axis = 1;
	t->quant = q;
}

/* The quant of an op's output, with its integer type, set before inference:
 * an integer op's output type is the one its output's quant names (mixed
 * int8/int16 models, lib/infer.c), whatever its inputs' types. */
static void set_qt(struct ir_tensor *t, enum ir_dtype dt, float s, int32_t z)
{
	enum ir_dtype keep = t->dtype;
	t->dtype = dt;
	set_q(t, s, z);
	t->dtype = keep;
}

static int64_t tmin(enum ir_dtype dt)
{
	return dt == IR_DTYPE_I8 ? -128 : dt == IR_DTYPE_I16 ? -32768 : INT32_MIN;
}

static int64_t tmax(enum ir_dtype dt)
{
	return dt == IR_DTYPE_I8 ? 127 : dt == IR_DTYPE_I16 ? 32767 : INT32_MAX;
}

/* An activation input: random values of its type, a quant with zero point z. */
static int add_act(struct ir_graph *g, const char *name, enum ir_dtype dt, int rank,
		   const int64_t *dims, int32_t z, float s)
{
	int64_t n = ir_shape_numel(rank, dims);
	int t = ir_const_add(g, name, dt, rank, dims, rand_ints(dt, n, tmin(dt), tmax(dt)));
	set_q(g->tensors[t], s, z);
	return t;
}

/* Runs node n of g (inputs all constants) with the fast kernel on 1 and 2
 * threads and with the reference; reports any byte that differs. */
static void run_and_compare(const char *what, struct ir_graph *g, struct ir_node *n,
			    int (*fast)(const struct ir_kctx *), int (*ref)(const struct ir_kctx *))
{
	const struct ir_tensor *ti[8], *to[1];
	const void *in[8];
	for (int i = 0; i < n->n_in; i++) {
		ti[i] = n->in[i] >= 0 ? g->tensors[n->in[i]] : NULL;
		in[i] = ti[i] ? ti[i]->data : NULL;
	}
	to[0] = g->tensors[n->out[0]];
	size_t bytes = ir_tensor_nbytes(to[0]);
	unsigned char *out[3];
	for (int v = 0; v < 3; v++) {
		out[v] = malloc(bytes + 1);
		memset(out[v], 0xa5 + v, bytes + 1);
		void *o[1] = {out[v]};
		struct ir_kctx k = {g, n, ti, to, in, o, NULL, v == 2 ? 2 : 1};
		int rc = v == 0 ? ref(&k) : fast(&k);
		if (rc < 0) {
			printf("test_qkernels: FAIL %s: %s returned an error: %s\n", what,
			       v ? "fast" : "reference", ir_errmsg);
			failed++;
			goto done;
		}
	}
	for (int v = 1; v < 3; v++)
		if (memcmp(out[0], out[v], bytes)) {
			size_t i = 0;
			while (out[0][i] == out[v][i])
				i++;
			printf("test_qkernels: FAIL %s: %d thread(s) differs from the reference "
			       "at byte %zu of %zu (%d vs %d)\n",
			       what, v, i, bytes, (int8_t)out[v][i], (int8_t)out[0][i]);
			failed++;
			goto done;
		}
	passed++;
done:
	for (int v = 0; v < 3; v++)
		free(out[v]);
}

static int add_out(struct ir_graph *g, struct ir_node *n)
{
	int y = ir_tensor_add(g, "y", IR_DTYPE_UNDEFINED, -1, NULL);
	ir_node_add_output(n, y);
	return y;
}

static int infer_ok(const char *what, struct ir_graph *g, struct ir_node *n)
{
	if (ir_node_infer(g, n) < 0) {
		printf("test_qkernels: FAIL %s: infer: %s\n", what, ir_errmsg);
		failed++;
		return 0;
	}
	return 1;
}

/* A requantization shift that spreads outputs of typical size mag over
 * the int8 range (with m in [2^30, 2^31)), give or take a few bits. */
static int shift_for(double mag)
{
	int r = 31 + (int)lround(log2(mag / 100.0 + 1.0)) + (int)rint_in(-2, 2);
	return r < 1 ? 1 : r > 62 ? 62 : r;
}

/* ---- QConv ----------------------------------------------------------------- */

struct conv_case {
	const char *name;
	int n, c, h, w, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group;
	int bias;      /* 0 none, 1 moderate, 2 huge (wraps int32) */
	int int32_out;
	int clamp;     /* out_min/out_max narrowed */
	enum ir_dtype dt;
	int zx, zy;
	int w128;      /* weights include -128 */
};

/* What the int16 cases add: the weights' and the output's types (0: dt, the
 * input's), and extreme inputs: 1, every x = Tmin and every w = -128 (the
 * largest positive sums: with an int16 input they pass 2^31 after 512 taps);
 * 2, x = Tmax and w = -128 (the most negative). */
struct conv_x {
	enum ir_dtype wdt, ydt;
	int extreme;
};

static void conv_case1(const struct conv_case *cc, const struct conv_x *ex)
{
	static const struct conv_x none = {0, 0, 0};
	if (!ex)
		ex = &none;
	struct ir_graph *g = ir_graph_new("t");
	enum ir_dtype dt = cc->dt ? cc->dt : IR_DTYPE_I8, wdt = ex->wdt ? ex->wdt : dt;
	enum ir_dtype ydt = ex->ydt ? ex->ydt : dt;
	int64_t xd[4] = {cc->n, cc->c, cc->h, cc->w};
	int64_t wd[4] = {cc->m, cc->c / cc->group, cc->kh, cc->kw}, bd[1] = {cc->m};
	int x = add_act(g, "x", dt, 4, xd, cc->zx, 0.05f);
	int64_t wmax = tmax(wdt) == 127 ? 127 : 32767;
	int64_t nw = ir_shape_numel(4, wd);
	int wt = ir_const_add(g, "w", wdt, 4, wd,
			      ex->extreme ? rand_ints(wdt, nw, -128, -128)
					  : rand_ints(wdt, nw, cc->w128 ? -128 : -wmax, wmax));
	if (ex->extreme) {
		int64_t v = ex->extreme == 1 ? tmin(dt) : tmax(dt);
		struct ir_tensor *xt = g->tensors[x];
		free(xt->data);
		xt->data = rand_ints(dt, ir_shape_numel(4, xd), v, v);
	}
	int64_t kk = (int64_t)(cc->c / cc->group) * cc->kh * cc->kw;
	int b = -1;
	if (cc->bias)
		b = ir_const_add(g, "b", IR_DTYPE_I32, 1, bd,
				 cc->bias == 2 ? rand_ints(IR_DTYPE_I32, cc->m, INT32_MIN, INT32_MAX)
					       : rand_ints(IR_DTYPE_I32, cc->m, -50000 * kk, 50000 * kk));
	struct ir_node *n = ir_node_add(g, "conv", IR_OP_QCONV);
	ir_node_add_input(n, x);
	ir_node_add_input(n, wt);
	if (b >= 0)
		ir_node_add_input(n, b);
	int y = add_out(g, n);
	if (ex->ydt && !cc->int32_out)
		set_qt(g->tensors[y], ex->ydt, 0.1f, cc->zy);
	int64_t k[2] = {cc->kh, cc->kw}, s[2] = {cc->sh, cc->sw}, d[2] = {cc->dh, cc->dw};
	int64_t p[4] = {cc->pt, cc->pl, cc->pb, cc->pr};
	ir_attr_set_ints(n, "kernel_shape", 2, k);
	ir_attr_set_ints(n, "strides", 2, s);
	ir_attr_set_ints(n, "dilations", 2, d);
	ir_attr_set_ints(n, "pads", 4, p);
	ir_attr_set_int(n, "group", cc->group);
	if (cc->int32_out)
		ir_attr_set_int(n, "output_int32", 1);
	int64_t *mult = malloc(sizeof(int64_t) * cc->m), *shift = malloc(sizeof(int64_t) * cc->m);
	double mag = sqrt((double)kk) * (dt == IR_DTYPE_I8 ? 75.0 : 19000.0) *
		     (wdt == IR_DTYPE_I8 ? 73.0 : 19000.0);
	if (ex->extreme)
		mag = (double)kk * 4194304.0;
	if (ydt == IR_DTYPE_I16)
		mag /= 256; /* outputs spread over the int16 range */
	for (int i = 0; i < cc->m; i++) {
		mult[i] = rint_in(1 << 30, INT32_MAX);
		shift[i] = shift_for(mag);
	}
	if (cc->m > 2) { /* the edges of the shift range */
		shift[0] = 62;
		shift[1] = 1;
	}
	if (!cc->int32_out) {
		ir_attr_set_ints(n, "mult", cc->m, mult);
		ir_attr_set_ints(n, "shift", cc->m, shift);
	}
	free(mult);
	free(shift);
	if (cc->clamp) {
		ir_attr_set_int(n, "out_min", cc->zy);
		ir_attr_set_int(n, "out_max", ydt == IR_DTYPE_I16 ? 20000
					      : cc->zy + 90 < 127 ? cc->zy + 90 : 127);
	}
	if (infer_ok(cc->name, g, n)) {
		if (!cc->int32_out && g->tensors[y]->dtype != ydt) {
			printf("test_qkernels: FAIL %s: output inferred as %s, not %s\n", cc->name,
			       ir_dtype_name(g->tensors[y]->dtype), ir_dtype_name(ydt));
			failed++;
		}
		set_q(g->tensors[y], 0.1f, cc->int32_out ? 0 : cc->zy);
		run_and_compare(cc->name, g, n, ir_ops[IR_OP_QCONV].run, k_qconv_ref);
	}
	ir_graph_free(g);
}

/* Each case as given, and with output_int32: the accumulators themselves,
 * where any difference shows (requantization maps many sums to one value). */
static void conv_case_x(const struct conv_case *cc, const struct conv_x *ex)
{
	conv_case1(cc, ex);
	if (!cc->int32_out) {
		struct conv_case c = *cc;
		char name[160];
		snprintf(name, sizeof name, "%s (int32 out)", cc->name);
		c.name = name;
		c.int32_out = 1;
		c.clamp = 0;
		conv_case1(&c, ex);
	}
}

static void conv_case(const struct conv_case *cc)
{
	conv_case_x(cc, NULL);
}

static void test_qconv(void)
{
	static const struct conv_case cases[] = {
		/* name, n c h w m, kh kw sh sw dh dw, pads t l b r, group, bias, i32, clamp, dt, zx, zy */
		{"pointwise K=16", 1, 16, 7, 9, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 5, -3, 0},
		{"pointwise K=13 M=5 odd tail", 2, 13, 5, 7, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, -128, 7, 0},
		{"pointwise K=127", 1, 127, 6, 11, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 127, 0, 0},
		{"pointwise K=128 dot", 1, 128, 6, 11, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, -7, 12, 0},
		{"pointwise K=200 dot", 1, 200, 5, 7, 30, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 3, -9, 0},
		{"pointwise dot huge bias", 1, 300, 9, 9, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 100, 1, 0},
		{"pointwise rows huge bias", 1, 40, 9, 9, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, -100, 1, 0},
		{"pointwise int32 out", 1, 24, 9, 10, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 11, 0, 0},
		{"pointwise dot int32 out", 1, 160, 9, 10, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, -11, 0, 0},
		{"pointwise no bias", 1, 20, 4, 4, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
		{"pointwise big (units)", 1, 32, 64, 70, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 4, -4, 0},
		{"pointwise dot big (units)", 1, 192, 40, 40, 64, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, -20, -30, 0},
		{"pointwise grouped", 1, 16, 5, 5, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 4, 1, 0, 0, 0, 9, 2, 0},
		{"pointwise grouped dot", 1, 256, 5, 6, 10, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 1, 0, 0, 0, 9, 2, 0},
		{"1x1 maps, 3 images", 3, 120, 1, 1, 300, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 2, 3, 0},
		{"1x1 maps K=24", 2, 24, 1, 1, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, -2, 3, 0},
		{"1x1 maps, 41 images (MatMul)", 41, 360, 1, 1, 239, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 7, -3, 0},
		{"1x1 maps grouped", 3, 16, 1, 1, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 1, 0, 0, 0, 7, -3, 0},
		{"3x3 over 3x3 maps", 2, 16, 3, 3, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 7, -3, 0},
		{"1x1 stride 2", 1, 8, 9, 11, 6, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0},
		{"1x1 padded", 1, 8, 5, 6, 6, 1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 1, 1, 0, 0, 0, 30, 1, 0},
		{"3x3 s1 p1 K=72", 1, 8, 13, 17, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, -50, 20, 0},
		{"3x3 s1 p1 K=864 dot", 1, 96, 19, 23, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 13, -5, 0},
		{"3x3 s1 p1 dot big", 1, 48, 40, 41, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, -13, -5, 0},
		{"3x3 s2 asym pads, 3 ch", 1, 3, 17, 15, 16, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 60, -60, 0},
		{"3x3 s2 p1, 3 ch, big", 1, 3, 64, 64, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, -60, 60, 0},
		{"3x3 s2 dot", 1, 64, 12, 13, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 5, 5, 0},
		{"3x3 int32 out", 1, 6, 8, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, -1, 0, 0},
		{"5x5 s1 p2 K=500", 1, 20, 9, 10, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 77, 0, 0},
		{"5x5 s2 p2 K=100", 1, 4, 13, 12, 7, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, -77, 0, 0},
		{"7x7 s2 p3 K=147", 1, 3, 23, 21, 8, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 1, 0, 0, 0, 8, 8, 0},
		{"7x7 s1 p3 K=98", 1, 2, 11, 12, 5, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1, 1, 0, 0, 0, -8, 8, 0},
		{"3x3 dilated 2 K=36", 1, 4, 12, 12, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0, 0, 3, 3, 0},
		{"3x3 dilated 2 dot", 1, 16, 12, 13, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0, 0, 0, 0, 3, 3, 0},
		{"3x3 dilated 3 s2 dot", 1, 20, 15, 14, 6, 3, 3, 2, 2, 3, 3, 1, 2, 3, 0, 1, 1, 0, 0, 0, -3, 3, 0},
		{"1x3 K=2880 dot", 1, 960, 1, 40, 12, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, -1, 0},
		{"2x2 s2 pad0, 2 images", 2, 8, 10, 10, 8, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 2, 2, 0},
		{"grouped 3x3", 1, 16, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 0, 0, 0, -4, 4, 0},
		{"grouped 3x3 dot", 1, 64, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 0, 0, 0, -4, 4, 0},
		{"dw 3x3 s1 p1", 2, 6, 9, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, 0, 0, 0, 10, -2, 0},
		{"dw 3x3 s2 p1", 1, 5, 10, 11, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 1, 0, 1, 0, -10, 2, 0},
		{"dw 3x3 s2 asym", 1, 4, 9, 8, 4, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 4, 0, 0, 0, 0, 127, 0, 0},
		{"dw 5x5 s1 p2", 1, 7, 12, 10, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 7, 1, 0, 0, 0, -128, 0, 0},
		{"dw 5x5 s2 p2", 1, 3, 13, 15, 3, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 3, 1, 0, 0, 0, 33, 0, 0},
		{"dw 5x5 s1 nopad", 1, 3, 7, 9, 3, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1, 1, 0},
		{"dw 5x5 s2x1", 1, 8, 6, 96, 8, 5, 5, 2, 1, 1, 1, 2, 2, 2, 2, 8, 1, 0, 0, 0, 1, 1, 0},
		{"dw 3x3 s1x2", 1, 8, 9, 33, 8, 3, 3, 1, 2, 1, 1, 1, 0, 1, 1, 8, 1, 0, 0, 0, -1, 1, 0},
		{"dw 5x5 20 wide", 1, 16, 20, 20, 16, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 16, 1, 0, 0, 0, 9, 1, 0},
		{"dw 3x3 dilated", 1, 4, 11, 11, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 4, 1, 0, 0, 0, -5, 5, 0},
		{"dw 7x7", 1, 4, 11, 12, 4, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 4, 1, 0, 0, 0, 5, 5, 0},
		{"dw 3x3 s3", 1, 4, 11, 12, 4, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 4, 1, 0, 0, 0, 5, 5, 0},
		{"dw 1x1", 1, 24, 20, 20, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 24, 1, 0, 0, 0, 5, -5, 0},
		{"dw 3x3 big (units)", 1, 32, 64, 64, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32, 1, 0, 0, 0, -3, 3, 0},
		{"dw 5x5 int32 out", 1, 6, 10, 10, 6, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 6, 1, 1, 0, 0, 4, 0, 0},
		{"dw multiplier 2", 1, 4, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 0, 0, 0, 6, 6, 0},
		{"weights with -128 (rows)", 1, 16, 6, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 2, 2, 1},
		{"weights with -128 (1x1)", 1, 40, 6, 7, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, -2, 2, 1},
		{"int16 pointwise", 1, 16, 5, 6, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, IR_DTYPE_I16, 0, 0, 0},
		{"int16 3x3", 1, 4, 7, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, IR_DTYPE_I16, 0, 0, 0},
		{"int16 dw 3x3", 1, 4, 7, 6, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4, 1, 0, 0, IR_DTYPE_I16, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		conv_case(&cases[i]);
	static const struct {
		struct conv_case c;
		struct conv_x x;
	} cases16[] = {
		/* an int16 input with int8 weights (numerics.md "Convolution"): the
		 * fast kernels' int16 passes, to int8 and int16 outputs */
#define X16 IR_DTYPE_I16, 0
#define W8 IR_DTYPE_I8
		{{"i16 pointwise K=16 -> i8", 1, 16, 7, 9, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, -3, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 pointwise K=16 -> i16", 1, 16, 7, 9, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 pointwise K=200 no bias -> i16", 2, 200, 5, 7, 30, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 1x1 stride 2 -> i8", 1, 8, 9, 11, 6, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 5, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 1x1 padded -> i16", 1, 8, 5, 6, 6, 1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 1x1 maps (MatMul) -> i16", 9, 120, 1, 1, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 s1 p1 -> i16", 1, 8, 13, 17, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 s1 p1 -> i8", 2, 8, 13, 17, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 20, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 3x3 s2 p1 -> i16", 1, 3, 17, 15, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 s2 p1 -> i8", 1, 3, 17, 15, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, -60, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 3x3 s2 asym pads -> i16", 1, 5, 16, 13, 7, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 s2x1 pads 2/0 -> i16", 1, 4, 11, 10, 5, 3, 3, 2, 1, 1, 1, 2, 0, 0, 2, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 relu clamp -> i16", 1, 6, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 clamp -> i8", 1, 6, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, X16, -10, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 3x3 huge bias -> i16", 1, 16, 9, 9, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 weights -128 -> i16", 1, 16, 6, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 1}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 K=864 (carried) -> i16", 1, 96, 11, 12, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 K=1152 s2 (carried) -> i8", 1, 128, 9, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 extreme + 3x3 K=864 -> i16", 1, 96, 6, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 1}},
		{{"i16 extreme - 1x1 K=1500 -> i16", 1, 1500, 3, 4, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 2}},
		{{"i16 extreme + 5x5 K=1600 s2 -> i8", 1, 64, 9, 9, 4, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 1, 0, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I8, 1}},
		{{"i16 extreme dw 3x3 -> i16", 1, 8, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 0, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 1}},
		{{"i16 5x5 s1 p2 -> i16", 1, 20, 9, 10, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 7x7 s2 p3, 3 ch -> i16", 1, 3, 23, 21, 8, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 dilated 2 -> i16", 1, 4, 12, 12, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 dilated 3 s2 -> i8", 1, 20, 15, 14, 6, 3, 3, 2, 2, 3, 3, 1, 2, 3, 0, 1, 1, 0, 0, X16, 3, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 grouped 3x3 g4 -> i16", 1, 16, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 grouped 3x3 g2 s2 -> i8", 1, 64, 9, 9, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1, 0, 0, X16, 4, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 grouped 1x1 g2 -> i16", 3, 16, 4, 5, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 3x3 s1 p1 -> i16", 2, 6, 9, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 3x3 s1 p1 -> i8", 2, 6, 9, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, 0, 0, X16, -2, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 dw 3x3 s2 p1 -> i16", 1, 5, 10, 11, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 1, 0, 1, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 3x3 s2 p1 -> i8", 1, 5, 10, 11, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 1, 0, 0, X16, 2, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 dw 3x3 s2 asym -> i16", 1, 4, 9, 8, 4, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 4, 0, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 5x5 s2 p2 -> i16", 1, 3, 13, 15, 3, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 3, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw multiplier 2 -> i16", 1, 4, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 3x3 dilated -> i8", 1, 4, 11, 11, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 4, 1, 0, 0, X16, 5, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 1x3 rows wider than a band -> i16", 1, 2, 3, 5000, 3, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 big (units) -> i16", 2, 32, 64, 70, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 3x3 big (units) -> i8", 1, 32, 64, 64, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32, 1, 0, 0, X16, -3, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 3x3 s2 big (units) -> i16", 1, 3, 128, 128, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		/* the int16 paths of k_qconv.c: rows16 below 128 taps, dot16 from
		 * 128 (carrying only when 2^15 sum |w| passes 2^31), depthwise;
		 * channels whose bias and sums may pass int32 (huge bias, extreme
		 * inputs) take the int64 epilogue */
		{{"i16 pointwise K=127 (rows16) -> i8", 1, 127, 9, 11, 10, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 3, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 pointwise K=128 (dot16) -> i16", 1, 128, 9, 11, 10, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 pointwise K=16 huge bias -> i16", 1, 16, 7, 9, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 pointwise K=200 huge bias -> i8", 1, 200, 5, 7, 30, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 0, 0, X16, 9, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 pointwise K=320 big (bands) -> i16", 1, 320, 40, 40, 36, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 pointwise K=24 big (bands) -> i16", 2, 24, 50, 70, 20, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 1x1 maps K=24 (rows16) -> i16", 3, 24, 1, 1, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 1x1 maps K=600 carried -> i8", 2, 600, 1, 1, 30, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I8, 1}},
		{{"i16 3x3 4 ch weights -128 (rows16) -> i8", 1, 4, 9, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 5, 1}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 3x3 K=1152 carried huge bias -> i16", 1, 128, 9, 10, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 3x3 K=288 s2 dot16 big (bands) -> i8", 1, 32, 70, 90, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, -7, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 extreme + 1x1 K=511 no bias (sums near 2^31) -> i16", 1, 511, 3, 4, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 1}},
		{{"i16 extreme + 1x1 K=511 bias (past 2^31) -> i16", 1, 511, 3, 4, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 1}},
		{{"i16 extreme - 1x1 K=512 (carried) -> i8", 1, 512, 3, 4, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I8, 2}},
		{{"i16 extreme - pointwise K=127 (rows16) -> i16", 1, 127, 5, 9, 6, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 2}},
		{{"i16 extreme + 3x3 K=54 (rows16) -> i16", 1, 6, 7, 8, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 1}},
		{{"i16 dw 3x3 huge bias -> i8", 1, 6, 9, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 2, 0, 0, X16, -2, 0}, {W8, IR_DTYPE_I8, 0}},
		{{"i16 extreme - dw 5x5 s2 -> i16", 1, 4, 11, 12, 4, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 4, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 2}},
		{{"i16 dw 5x5 s1 p2 -> i16", 1, 7, 12, 10, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 7, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 1x1 (scale) -> i16", 1, 24, 20, 21, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 24, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i16 dw 3x3 s2 big (units) -> i16", 1, 8, 65, 67, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 8, 1, 0, 0, X16, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i8 3x3 -> i16", 1, 8, 13, 17, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, IR_DTYPE_I8, 7, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i8 dw 3x3 s2 -> i16", 1, 5, 10, 11, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 1, 0, 0, IR_DTYPE_I8, -7, 0, 0}, {W8, IR_DTYPE_I16, 0}},
		{{"i8 1x1 K=200 -> i16", 1, 200, 5, 7, 30, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, IR_DTYPE_I8, 3, 0, 0}, {W8, IR_DTYPE_I16, 0}},
#undef X16
#undef W8
	};
	for (size_t i = 0; i < sizeof cases16 / sizeof *cases16; i++)
		conv_case_x(&cases16[i].c, &cases16[i].x);
	/* random shapes */
	for (int t = 0; t < 60; t++) {
		struct conv_case c = {0};
		char name[96];
		c.n = (int)rint_in(1, 2);
		c.kh = (int)rint_in(1, 7), c.kw = rnd() % 3 ? c.kh : (int)rint_in(1, 7);
		c.sh = (int)rint_in(1, 2), c.sw = rnd() % 4 ? c.sh : (int)rint_in(1, 3);
		c.dh = c.dw = rnd() % 5 ? 1 : 2;
		int dwise = rnd() % 3 == 0;
		c.group = dwise ? (int)rint_in(1, 12) : rnd() % 4 == 0 ? 2 : 1;
		c.c = dwise ? c.group : c.group * (int)rint_in(1, 70);
		c.m = dwise ? c.c : c.group * (int)rint_in(1, 20);
		c.pt = (int)rint_in(0, c.kh / 2 + 1), c.pb = (int)rint_in(0, c.kh / 2);
		c.pl = (int)rint_in(0, c.kw / 2 + 1), c.pr = (int)rint_in(0, c.kw / 2);
		c.h = (int)rint_in(c.kh * c.dh, 30), c.w = (int)rint_in(c.kw * c.dw, 40);
		c.bias = (int)rint_in(0, 2);
		c.int32_out = rnd() % 6 == 0;
		c.clamp = !c.int32_out && rnd() % 3 == 0;
		c.zx = (int)rint_in(-128, 127), c.zy = (int)rint_in(-128, 127);
		snprintf(name, sizeof name, "random %d: %dx%d s%dx%d d%d g%d c%d m%d %dx%d", t, c.kh, c.kw,
			 c.sh, c.sw, c.dh, c.group, c.c, c.m, c.h, c.w);
		c.name = name;
		conv_case(&c);
	}
	/* random shapes with an int16 input, int8 weights, either output */
	for (int t = 0; t < 40; t++) {
		struct conv_case c = {0};
		char name[128];
		c.n = (int)rint_in(1, 2);
		c.kh = (int)rint_in(1, 7), c.kw = rnd() % 3 ? c.kh : (int)rint_in(1, 7);
		c.sh = (int)rint_in(1, 3), c.sw = rnd() % 4 ? c.sh : (int)rint_in(1, 3);
		c.dh = rnd() % 5 ? 1 : 2, c.dw = rnd() % 4 ? c.dh : (int)rint_in(1, 3);
		int dwise = rnd() % 3 == 0;
		c.group = dwise ? (int)rint_in(1, 12) : rnd() % 4 == 0 ? (int)rint_in(2, 3) : 1;
		c.c = dwise ? c.group : c.group * (int)rint_in(1, 70);
		c.m = dwise ? c.c * (int)rint_in(1, 2) : c.group * (int)rint_in(1, 20);
		c.pt = (int)rint_in(0, c.kh / 2 + 1), c.pb = (int)rint_in(0, c.kh / 2);
		c.pl = (int)rint_in(0, c.kw / 2 + 1), c.pr = (int)rint_in(0, c.kw / 2);
		c.h = (int)rint_in((c.kh - 1) * c.dh + 1, 30), c.w = (int)rint_in((c.kw - 1) * c.dw + 1, 40);
		c.bias = (int)rint_in(0, 2);
		c.int32_out = rnd() % 6 == 0;
		c.clamp = !c.int32_out && rnd() % 3 == 0;
		struct conv_x x = {IR_DTYPE_I8, rnd() % 3 ? IR_DTYPE_I16 : IR_DTYPE_I8, 0};
		c.dt = IR_DTYPE_I16;
		c.zy = x.ydt == IR_DTYPE_I8 ? (int)rint_in(-128, 127) : 0;
		c.w128 = rnd() % 4 == 0;
		snprintf(name, sizeof name, "random i16 %d: %dx%d s%dx%d d%dx%d g%d c%d m%d %dx%d -> %s", t,
			 c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.group, c.c, c.m, c.h, c.w,
			 ir_dtype_name(x.ydt));
		c.name = name;
		conv_case_x(&c, &x);
	}
}

/* ---- QConvTranspose ------------------------------------------------------------ */

/* xdt, ydt: the input's and the output's types (ydt 0: the input's); w128:
 * weights include -128; huge: biases anywhere in int32. */
static void convt_case1(const char *name, int nb, int c, int h, int w, int m, int kh, int kw,
			int s, int d, int pad, int opad, int group, int int32_out, int zx, int zy,
			enum ir_dtype xdt, enum ir_dtype ydt, int w128, int huge)
{
	struct ir_graph *g = ir_graph_new("t");
	int64_t xd[4] = {nb, c, h, w}, wd[4] = {c, m / group, kh, kw}, bd[1] = {m};
	if (!ydt)
		ydt = xdt;
	int x = add_act(g, "x", xdt, 4, xd, zx, 0.05f);
	int wt = ir_const_add(g, "w", IR_DTYPE_I8, 4, wd,
			      rand_ints(IR_DTYPE_I8, ir_shape_numel(4, wd), w128 ? -128 : -127, 127));
	int b = ir_const_add(g, "b", IR_DTYPE_I32, 1, bd,
			     huge ? rand_ints(IR_DTYPE_I32, m, INT32_MIN, INT32_MAX)
				  : rand_ints(IR_DTYPE_I32, m, -200000, 200000));
	struct ir_node *n = ir_node_add(g, "convt", IR_OP_QCONV_TRANSPOSE);
	ir_node_add_input(n, x);
	ir_node_add_input(n, wt);
	ir_node_add_input(n, b);
	int y = add_out(g, n);
	if (!int32_out)
		set_qt(g->tensors[y], ydt, 0.1f, zy);
	int64_t k[2] = {kh, kw}, st[2] = {s, s}, dl[2] = {d, d}, p[4] = {pad, pad, pad, pad};
	int64_t op[2] = {opad, opad};
	ir_attr_set_ints(n, "kernel_shape", 2, k);
	ir_attr_set_ints(n, "strides", 2, st);
	ir_attr_set_ints(n, "dilations", 2, dl);
	ir_attr_set_ints(n, "pads", 4, p);
	ir_attr_set_ints(n, "output_padding", 2, op);
	ir_attr_set_int(n, "group", group);
	if (int32_out) {
		ir_attr_set_int(n, "output_int32", 1);
	} else {
		int64_t *mult = malloc(sizeof(int64_t) * m), *shift = malloc(sizeof(int64_t) * m);
		for (int i = 0; i < m; i++) {
			mult[i] = rint_in(1 << 30, INT32_MAX);
			shift[i] = shift_for(sqrt((double)c / group * kh * kw / (s * s)) * 73 *
					     (xdt == IR_DTYPE_I16 ? 19000.0 : 75.0) /
					     (ydt == IR_DTYPE_I16 ? 256 : 1));
		}
		ir_attr_set_ints(n, "mult", m, mult);
		ir_attr_set_ints(n, "shift", m, shift);
		free(mult);
		free(shift);
	}
	if (infer_ok(name, g, n)) {
		set_q(g->tensors[y], 0.1f, int32_out ? 0 : zy);
		run_and_compare(name, g, n, ir_ops[IR_OP_QCONV_TRANSPOSE].run, k_qconv_transpose_ref);
	}
	ir_graph_free(g);
}

static void convt_case16x(const char *name, int nb, int c, int h, int w, int m, int kh, int kw,
			  int s, int d, int pad, int opad, int group, int int32_out, int zx, int zy,
			  enum ir_dtype xdt, enum ir_dtype ydt, int w128, int huge)
{
	char n32[160];
	convt_case1(name, nb, c, h, w, m, kh, kw, s, d, pad, opad, group, int32_out, zx, zy, xdt,
		    ydt, w128, huge);
	snprintf(n32, sizeof n32, "%s (int32 out)", name);
	if (!int32_out)
		convt_case1(n32, nb, c, h, w, m, kh, kw, s, d, pad, opad, group, 1, zx, zy, xdt, ydt,
			    w128, huge);
}

static void convt_case16(const char *name, int nb, int c, int h, int w, int m, int kh, int kw,
			 int s, int d, int pad, int opad, int group, int int32_out, int zx, int zy,
			 enum ir_dtype xdt, enum ir_dtype ydt)
{
	convt_case16x(name, nb, c, h, w, m, kh, kw, s, d, pad, opad, group, int32_out, zx, zy, xdt,
		      ydt, 0, 0);
}

static void convt_case(const char *name, int nb, int c, int h, int w, int m, int kh, int kw,
		       int s, int d, int pad, int opad, int group, int int32_out, int zx, int zy)
{
	convt_case16(name, nb, c, h, w, m, kh, kw, s, d, pad, opad, group, int32_out, zx, zy,
		     IR_DTYPE_I8, 0);
}

static void test_qconv_transpose(void)
{
	convt_case("convT 2x2 s2", 1, 24, 20, 21, 24, 2, 2, 2, 1, 0, 0, 1, 0, 3, -3);
	convt_case("convT 2x2 s2 int32 out", 1, 24, 33, 35, 1, 2, 2, 2, 1, 0, 0, 1, 1, -3, 0);
	convt_case("convT 3x3 s2 p1 opad1", 2, 8, 7, 9, 6, 3, 3, 2, 1, 1, 1, 1, 0, 10, 5);
	convt_case("convT 4x4 s2 p1", 1, 5, 6, 7, 3, 4, 4, 2, 1, 1, 0, 1, 0, -128, 127);
	convt_case("convT 3x3 s1 dilated", 1, 4, 6, 6, 4, 3, 3, 1, 2, 2, 0, 1, 0, 127, -128);
	convt_case("convT grouped", 1, 8, 5, 6, 6, 3, 3, 2, 1, 0, 0, 2, 0, 0, 0);
	convt_case("convT many channels", 1, 200, 5, 6, 7, 2, 2, 2, 1, 0, 0, 1, 0, 17, 1);
	convt_case("convT big (units)", 1, 16, 40, 40, 16, 2, 2, 2, 1, 0, 0, 1, 0, -1, 1);
	/* an int16 input (zero point 0) with int8 weights, to either output */
	const enum ir_dtype I8 = IR_DTYPE_I8, I16 = IR_DTYPE_I16;
	convt_case16("convT i16 2x2 s2 -> i16", 1, 24, 20, 21, 24, 2, 2, 2, 1, 0, 0, 1, 0, 0, 0, I16, I16);
	convt_case16("convT i16 2x2 s2 -> i8", 1, 24, 20, 21, 24, 2, 2, 2, 1, 0, 0, 1, 0, 0, -3, I16, I8);
	convt_case16("convT i16 3x3 s2 p1 opad1 -> i16", 2, 8, 7, 9, 6, 3, 3, 2, 1, 1, 1, 1, 0, 0, 0, I16, I16);
	convt_case16("convT i16 4x4 s2 p1 -> i8", 1, 5, 6, 7, 3, 4, 4, 2, 1, 1, 0, 1, 0, 0, 127, I16, I8);
	convt_case16("convT i16 3x3 s1 dilated -> i16", 1, 4, 6, 6, 4, 3, 3, 1, 2, 2, 0, 1, 0, 0, 0, I16, I16);
	convt_case16("convT i16 3x3 s3 p2 -> i16", 1, 4, 6, 5, 5, 3, 3, 3, 1, 2, 2, 1, 0, 0, 0, I16, I16);
	convt_case16("convT i16 grouped -> i16", 1, 8, 5, 6, 6, 3, 3, 2, 1, 0, 0, 2, 0, 0, 0, I16, I16);
	convt_case16("convT i16 depthwise 4x4 s2 p1 -> i16", 1, 8, 9, 7, 8, 4, 4, 2, 1, 1, 0, 8, 0, 0, 0, I16, I16);
	convt_case16("convT i16 many channels (carried) -> i16", 1, 700, 5, 6, 7, 2, 2, 2, 1, 0, 0, 1, 0, 0, 0, I16, I16);
	convt_case16("convT i16 big (units) -> i16", 1, 16, 40, 40, 16, 2, 2, 2, 1, 0, 0, 1, 0, 0, 0, I16, I16);
	convt_case16("convT i8 2x2 s2 -> i16", 1, 24, 20, 21, 24, 2, 2, 2, 1, 0, 0, 1, 0, 7, 0, I8, I16);
	/* the int16 rows path: weights of -128, biases that pass int32 with the
	 * sums (the int64 epilogue), one output channel over a wide plane */
	convt_case16x("convT i16 2x2 s2 weights -128 -> i16", 1, 24, 20, 21, 24, 2, 2, 2, 1, 0, 0, 1, 0, 0, 0, I16, I16, 1, 0);
	convt_case16x("convT i16 3x3 s2 p1 huge bias -> i8", 1, 16, 9, 8, 12, 3, 3, 2, 1, 1, 1, 1, 0, 0, 5, I16, I8, 0, 1);
	convt_case16x("convT i16 4x4 s2 p1 huge bias, -128 -> i16", 2, 8, 7, 9, 6, 4, 4, 2, 1, 1, 0, 2, 0, 0, 0, I16, I16, 1, 1);
	convt_case16("convT i16 2x2 s2 one channel -> i16", 1, 24, 33, 70, 1, 2, 2, 2, 1, 0, 0, 1, 0, 0, 0, I16, I16);
}

/* ---- QAdd, QSub, QMul -------------------------------------------------------- */

static void binary_case(const char *name, enum ir_op op, int ra, const int64_t *da, int rb,
			const int64_t *db, enum ir_dtype dta, enum ir_dtype dtb, int r0)
{
	struct ir_graph *g = ir_graph_new("t");
	int a = add_act(g, "a", dta, ra, da, (int32_t)rint_in(-128, 127), 0.1f);
	int b = add_act(g, "b", dtb, rb, db, (int32_t)rint_in(-128, 127), 0.1f);
	struct ir_node *n = ir_node_add(g, "bin", op);
	ir_node_add_input(n, a);
	ir_node_add_input(n, b);
	int y = add_out(g, n);
	if (op == IR_OP_QMUL) {
		/* around the int32 path's range (21..46) */
		int64_t m[1] = {rint_in(1 << 30, INT32_MAX)}, r[1] = {r0 ? 0 : rint_in(19, 48)};
		ir_attr_set_ints(n, "mult", 1, m);
		ir_attr_set_ints(n, "shift", 1, r);
	} else {
		ir_attr_set_int(n, "mult_a", rint_in(1, (1 << 30) - 1));
		ir_attr_set_int(n, "mult_b", rint_in(1, (1 << 30) - 1));
		/* the int32 path's range (16..40) and both sides of it */
		ir_attr_set_int(n, "shift", r0 ? 0 : rint_in(13, 44));
	}
	if (rnd() % 2) {
		ir_attr_set_int(n, "out_min", rint_in(-128, 0));
		ir_attr_set_int(n, "out_max", rint_in(0, 127));
	}
	if (infer_ok(name, g, n)) {
		set_q(g->tensors[y], 0.1f, (int32_t)rint_in(-128, 127));
		run_and_compare(name, g, n, ir_ops[op].run,
				op == IR_OP_QMUL ? k_qmul_ref : k_qadd_ref);
	}
	ir_graph_free(g);
}

/* bits of a type's magnitude: 7 for int8, 15 for int16 */
static int mag_bits(enum ir_dtype dt)
{
	return dt == IR_DTYPE_I16 ? 15 : 7;
}

/* QAdd/QSub/QMul over any mix of int8 and int16 operands and output, as
 * ir-quant makes them: int16 tensors symmetric, int8 ones with any zero
 * point; multipliers and shifts that spread the output over its type's range
 * (a few bits either way, so that some values saturate), or shift 0 (r0). */
static void binary16_case(const char *name, enum ir_op op, int ra, const int64_t *da, int rb,
			  const int64_t *db, enum ir_dtype dta, enum ir_dtype dtb, enum ir_dtype dty,
			  int r0, int clamp)
{
	struct ir_graph *g = ir_graph_new("t");
	int32_t za = dta == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	int32_t zb = dtb == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	int32_t zy = dty == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	int a = add_act(g, "a", dta, ra, da, za, 0.1f);
	int b = add_act(g, "b", dtb, rb, db, zb, 0.1f);
	struct ir_node *n = ir_node_add(g, "bin", op);
	ir_node_add_input(n, a);
	ir_node_add_input(n, b);
	int y = add_out(g, n);
	set_qt(g->tensors[y], dty, 0.1f, zy);
	int ba = mag_bits(dta), bb = mag_bits(dtb), by = mag_bits(dty);
	if (op == IR_OP_QMUL) {
		/* |p| ~ 2^(ba + bb), m ~ 2^30.5 */
		int64_t r = ba + bb + 31 - by + rint_in(-2, 2);
		int64_t m[1] = {rint_in(1 << 30, INT32_MAX)}, sh[1] = {r0 ? 0 : r};
		ir_attr_set_ints(n, "mult", 1, m);
		ir_attr_set_ints(n, "shift", 1, sh);
	} else {
		/* |t| ~ 2^(max(ba, bb) + 30) */
		int64_t r = (ba > bb ? ba : bb) + 30 - by + rint_in(-2, 1);
		ir_attr_set_int(n, "mult_a", rint_in(1, (1 << 30) - 1));
		ir_attr_set_int(n, "mult_b", rint_in(1, (1 << 30) - 1));
		ir_attr_set_int(n, "shift", r0 ? 0 : r);
	}
	if (clamp) {
		ir_attr_set_int(n, "out_min", rint_in(tmin(dty), zy));
		ir_attr_set_int(n, "out_max", rint_in(zy, tmax(dty)));
	}
	if (infer_ok(name, g, n)) {
		if (g->tensors[y]->dtype != dty) {
			printf("test_qkernels: FAIL %s: output inferred as %s\n", name,
			       ir_dtype_name(g->tensors[y]->dtype));
			failed++;
		} else {
			run_and_compare(name, g, n, ir_ops[op].run,
					op == IR_OP_QMUL ? k_qmul_ref : k_qadd_ref);
		}
	}
	ir_graph_free(g);
}

static void test_binary16(void)
{
	static const enum ir_op ops[] = {IR_OP_QADD, IR_OP_QSUB, IR_OP_QMUL};
	static const char *names[] = {"QAdd", "QSub", "QMul"};
	static const enum ir_dtype mix[][3] = {
		{IR_DTYPE_I16, IR_DTYPE_I16, IR_DTYPE_I16}, {IR_DTYPE_I16, IR_DTYPE_I8, IR_DTYPE_I16},
		{IR_DTYPE_I8, IR_DTYPE_I16, IR_DTYPE_I16},  {IR_DTYPE_I8, IR_DTYPE_I8, IR_DTYPE_I16},
		{IR_DTYPE_I16, IR_DTYPE_I16, IR_DTYPE_I8},  {IR_DTYPE_I16, IR_DTYPE_I8, IR_DTYPE_I8},
		{IR_DTYPE_I8, IR_DTYPE_I16, IR_DTYPE_I8},
	};
	int64_t full[4] = {2, 5, 7, 9}, ch[4] = {1, 5, 1, 1}, ch3[3] = {5, 1, 1}, one[1] = {1};
	int64_t last[1] = {9}, rowb[4] = {2, 1, 7, 1}, colb[4] = {1, 5, 1, 9};
	int64_t big[4] = {1, 16, 128, 130}, bigc[4] = {1, 16, 1, 1};
	for (int o = 0; o < 3; o++)
		for (size_t t = 0; t < sizeof mix / sizeof *mix; t++) {
			char nm[160], pre[64];
			enum ir_dtype ta = mix[t][0], tb = mix[t][1], ty = mix[t][2];
			snprintf(pre, sizeof pre, "%s %s,%s -> %s", names[o], ir_dtype_name(ta),
				 ir_dtype_name(tb), ir_dtype_name(ty));
#define BIN16(label, ra, da, rb, db, r0, cl)                                                  \
	snprintf(nm, sizeof nm, "%s %s", pre, label);                                            \
	binary16_case(nm, ops[o], ra, da, rb, db, ta, tb, ty, r0, cl);
			BIN16("same shape", 4, full, 4, full, 0, 0)
			BIN16("same shape, clamp", 4, full, 4, full, 0, 1)
			BIN16("same shape shift 0", 4, full, 4, full, 1, 0)
			BIN16("scalar b", 4, full, 1, one, 0, 0)
			BIN16("scalar a", 1, one, 4, full, 0, 1)
			BIN16("channel b", 4, full, 4, ch, 0, 0)
			BIN16("channel a", 4, ch, 4, full, 0, 0)
			BIN16("channel b rank 3", 4, full, 3, ch3, 0, 1)
			BIN16("last dim b", 4, full, 1, last, 0, 0)
			BIN16("both broadcast", 4, rowb, 4, colb, 0, 0)
			BIN16("scalar x scalar", 1, one, 1, one, 0, 0)
			BIN16("big same shape (units)", 4, big, 4, big, 0, 0)
			BIN16("big channel (units)", 4, big, 4, bigc, 0, 1)
#undef BIN16
		}
}

static void test_binary(void)
{
	static const enum ir_op ops[] = {IR_OP_QADD, IR_OP_QSUB, IR_OP_QMUL};
	static const char *names[] = {"QAdd", "QSub", "QMul"};
	for (int o = 0; o < 3; o++) {
		char nm[128];
		enum ir_op op = ops[o];
		const enum ir_dtype I8 = IR_DTYPE_I8;
		int64_t full[4] = {2, 5, 7, 9}, ch[4] = {1, 5, 1, 1}, ch3[3] = {5, 1, 1}, one[1] = {1};
		int64_t last[1] = {9}, rowb[4] = {2, 1, 7, 1}, colb[4] = {1, 5, 1, 9};
		int64_t big[4] = {1, 16, 128, 130}, bigc[4] = {1, 16, 1, 1};
#define BIN(label, ra, da, rb, db, ta, tb, r0)                                           \
	snprintf(nm, sizeof nm, "%s %s", names[o], label);                               \
	binary_case(nm, op, ra, da, rb, db, ta, tb, r0);
		BIN("same shape", 4, full, 4, full, I8, I8, 0)
		BIN("same shape shift 0", 4, full, 4, full, I8, I8, 1)
		BIN("scalar b", 4, full, 1, one, I8, I8, 0)
		BIN("scalar a", 1, one, 4, full, I8, I8, 0)
		BIN("channel b", 4, full, 4, ch, I8, I8, 0)
		BIN("channel a", 4, ch, 4, full, I8, I8, 0)
		BIN("channel b rank 3", 4, full, 3, ch3, I8, I8, 0)
		BIN("last dim b", 4, full, 1, last, I8, I8, 0)
		BIN("both broadcast", 4, rowb, 4, colb, I8, I8, 0)
		BIN("scalar x scalar", 1, one, 1, one, I8, I8, 0)
		BIN("big same shape (units)", 4, big, 4, big, I8, I8, 0)
		BIN("big channel (units)", 4, big, 4, bigc, I8, I8, 0)
		BIN("big scalar (units)", 4, big, 1, one, I8, I8, 0)
		BIN("int16 a", 4, full, 4, full, IR_DTYPE_I16, I8, 0)
		BIN("int16 both, channel", 4, full, 4, ch, IR_DTYPE_I16, IR_DTYPE_I16, 0)
	}
}

/* ---- QLut, QRequant --------------------------------------------------------- */

static void test_unary(void)
{
	int64_t shapes[3][4] = {{1, 3, 5, 7}, {1, 16, 128, 129}, {2, 1, 1, 1}};
	for (int s = 0; s < 3; s++) {
		char nm[64];
		struct ir_graph *g = ir_graph_new("t");
		int x = add_act(g, "x", IR_DTYPE_I8, 4, shapes[s], 0, 1.0f);
		int64_t td[1] = {256};
		int t = ir_const_add(g, "table", IR_DTYPE_I8, 1, td, rand_ints(IR_DTYPE_I8, 256, -128, 127));
		struct ir_node *n = ir_node_add(g, "lut", IR_OP_QLUT);
		ir_node_add_input(n, x);
		ir_node_add_input(n, t);
		add_out(g, n);
		snprintf(nm, sizeof nm, "QLut %d", s);
		if (infer_ok(nm, g, n))
			run_and_compare(nm, g, n, ir_ops[IR_OP_QLUT].run, k_qlut_ref);
		ir_graph_free(g);
	}
	for (int s = 0; s < 8; s++) {
		char nm[64];
		struct ir_graph *g = ir_graph_new("t");
		enum ir_dtype dt = s == 7 ? IR_DTYPE_I16 : IR_DTYPE_I8;
		int x = add_act(g, "x", dt, 4, shapes[s % 3], (int32_t)rint_in(-128, 127), 1.0f);
		struct ir_node *n = ir_node_add(g, "rq", IR_OP_QREQUANT);
		ir_node_add_input(n, x);
		int y = add_out(g, n);
		int64_t m[1] = {rint_in(1 << 30, INT32_MAX)}, r[1] = {s == 3 ? 0 : rint_in(28, 33)};
		ir_attr_set_ints(n, "mult", 1, m);
		ir_attr_set_ints(n, "shift", 1, r);
		if (s % 2) {
			ir_attr_set_int(n, "out_min", rint_in(-128, 0));
			ir_attr_set_int(n, "out_max", rint_in(0, 127));
		}
		snprintf(nm, sizeof nm, "QRequant %d", s);
		if (infer_ok(nm, g, n)) {
			set_q(g->tensors[y], 1.0f, (int32_t)rint_in(-128, 127));
			run_and_compare(nm, g, n, ir_ops[IR_OP_QREQUANT].run, k_qrequant_ref);
		}
		ir_graph_free(g);
	}
}

/* QLut with an int16 input (1025 knots, interpolated) to int16 or int8
 * entries, and an int8 input with int16 entries; QRequant between int8 and
 * int16 either way and int16 to int16, with clamps and the shift's edges. */
static void test_unary16(void)
{
	int64_t shapes[4][4] = {{1, 3, 5, 7}, {1, 16, 128, 129}, {2, 1, 1, 1}, {1, 1, 1, 70000}};
	const enum ir_dtype I8 = IR_DTYPE_I8, I16 = IR_DTYPE_I16;
	static const enum ir_dtype lut[][2] = {{IR_DTYPE_I16, IR_DTYPE_I16}, {IR_DTYPE_I16, IR_DTYPE_I8},
					       {IR_DTYPE_I8, IR_DTYPE_I16}};
	for (int l = 0; l < 3; l++)
		for (int s = 0; s < 4; s++) {
			char nm[96];
			enum ir_dtype xdt = lut[l][0], tdt = lut[l][1];
			struct ir_graph *g = ir_graph_new("t");
			int x = add_act(g, "x", xdt, 4, shapes[s], 0, 1.0f);
			int64_t nx = ir_shape_numel(4, shapes[s]);
			if (xdt == I16) { /* the ends of the range, the knots and around them */
				int16_t *xv = g->tensors[x]->data;
				static const int16_t edge[] = {-32768, 32767, 0, -1, 1, 64, 63, 65, -32705, 32704, 32703};
				for (int64_t i = 0; i < nx && i < (int64_t)(sizeof edge / sizeof *edge); i++)
					xv[i] = edge[i];
			}
			int64_t td[1] = {xdt == I16 ? 1025 : 256};
			/* a smooth table over the whole range (as ir-quant builds them)
			 * for the even shapes, random entries (the steepest segments)
			 * for the odd ones */
			void *tv = rand_ints(tdt, td[0], tmin(tdt), tmax(tdt));
			if (s % 2 == 0)
				for (int64_t j = 0; j < td[0]; j++) {
					double v = tanh(((double)j / (double)(td[0] - 1) - 0.5) * 6) * (double)tmax(tdt);
					if (tdt == I16)
						((int16_t *)tv)[j] = (int16_t)lrint(v);
					else
						((int8_t *)tv)[j] = (int8_t)lrint(v);
				}
			int t = ir_const_add(g, "table", tdt, 1, td, tv);
			struct ir_node *n = ir_node_add(g, "lut", IR_OP_QLUT);
			ir_node_add_input(n, x);
			ir_node_add_input(n, t);
			int y = add_out(g, n);
			snprintf(nm, sizeof nm, "QLut %s -> %s[%lld] %d", ir_dtype_name(xdt), ir_dtype_name(tdt),
				 (long long)td[0], s);
			if (infer_ok(nm, g, n)) {
				set_q(g->tensors[y], 1.0f, 0);
				run_and_compare(nm, g, n, ir_ops[IR_OP_QLUT].run, k_qlut_ref);
			}
			ir_graph_free(g);
		}
	/* every int16 input, in order in the first channel and shuffled in the
	 * second (2^17 elements: the fast kernel tabulates the interpolation
	 * at every input), through random tables (the steepest segments), ones
	 * alternating between the type's ends, and smooth ones, to int16 and
	 * int8 entries */
	for (int l = 0; l < 2; l++)
		for (int kind = 0; kind < 3; kind++) {
			char nm[96];
			enum ir_dtype tdt = l ? I8 : I16;
			struct ir_graph *g = ir_graph_new("t");
			int64_t xd[4] = {1, 2, 256, 256};
			int16_t *xv = malloc(sizeof(int16_t) << 17);
			for (int32_t v = 0; v < 65536; v++)
				xv[v] = xv[65536 + v] = (int16_t)(v - 32768);
			for (int64_t i = 65535; i > 0; i--) {
				int64_t r = rint_in(0, i);
				int16_t tmp = xv[65536 + i];
				xv[65536 + i] = xv[65536 + r];
				xv[65536 + r] = tmp;
			}
			int x = ir_const_add(g, "x", I16, 4, xd, xv);
			set_q(g->tensors[x], 1.0f, 0);
			int64_t td[1] = {1025};
			void *tv = rand_ints(tdt, 1025, tmin(tdt), tmax(tdt));
			for (int64_t j = 0; j < 1025 && kind > 0; j++) {
				int64_t v = kind == 1 ? (j % 2 ? tmax(tdt) : tmin(tdt))
						      : lrint(tanh(((double)j / 1024 - 0.5) * 6) * (double)tmax(tdt));
				if (tdt == I16)
					((int16_t *)tv)[j] = (int16_t)v;
				else
					((int8_t *)tv)[j] = (int8_t)v;
			}
			int t = ir_const_add(g, "table", tdt, 1, td, tv);
			struct ir_node *n = ir_node_add(g, "lut", IR_OP_QLUT);
			ir_node_add_input(n, x);
			ir_node_add_input(n, t);
			int y = add_out(g, n);
			snprintf(nm, sizeof nm, "QLut every i16 -> %s %s", ir_dtype_name(tdt),
				 kind == 0 ? "random" : kind == 1 ? "alternating" : "smooth");
			if (infer_ok(nm, g, n)) {
				set_q(g->tensors[y], 1.0f, 0);
				run_and_compare(nm, g, n, ir_ops[IR_OP_QLUT].run, k_qlut_ref);
			}
			ir_graph_free(g);
		}
	static const enum ir_dtype rq[][2] = {{IR_DTYPE_I8, IR_DTYPE_I16}, {IR_DTYPE_I16, IR_DTYPE_I8},
					      {IR_DTYPE_I16, IR_DTYPE_I16}};
	for (int q = 0; q < 3; q++)
		for (int s = 0; s < 10; s++) {
			char nm[96];
			enum ir_dtype xdt = rq[q][0], ydt = rq[q][1];
			struct ir_graph *g = ir_graph_new("t");
			int32_t zx = xdt == I8 ? (int32_t)rint_in(-128, 127) : 0;
			int32_t zy = ydt == I8 ? (int32_t)rint_in(-128, 127) : 0;
			int x = add_act(g, "x", xdt, 4, shapes[s % 4], zx, 1.0f);
			struct ir_node *n = ir_node_add(g, "rq", IR_OP_QREQUANT);
			ir_node_add_input(n, x);
			int y = add_out(g, n);
			set_qt(g->tensors[y], ydt, 1.0f, zy);
			/* M around 2^(by - bx): 256 widening, 1/256 narrowing; s == 0 is
			 * the exact widening (m = 2^30, r = 22), s == 3 shift 0, s == 4 shift 62 */
			int64_t r = 30 + mag_bits(xdt) - mag_bits(ydt) + rint_in(-1, 1);
			int64_t m[1] = {rint_in(1 << 30, INT32_MAX)}, sh[1] = {r};
			if (s == 0 && xdt == I8)
				m[0] = 1 << 30, sh[0] = 22;
			if (s == 3)
				sh[0] = 0;
			if (s == 4)
				sh[0] = 62;
			ir_attr_set_ints(n, "mult", 1, m);
			ir_attr_set_ints(n, "shift", 1, sh);
			if (s % 2) { /* a clamp: Relu's, or any narrower range */
				ir_attr_set_int(n, "out_min", s == 1 ? zy : rint_in(tmin(ydt), zy));
				ir_attr_set_int(n, "out_max", rint_in(zy, tmax(ydt)));
			}
			snprintf(nm, sizeof nm, "QRequant %s -> %s %d", ir_dtype_name(xdt), ir_dtype_name(ydt), s);
			if (infer_ok(nm, g, n))
				run_and_compare(nm, g, n, ir_ops[IR_OP_QREQUANT].run, k_qrequant_ref);
			ir_graph_free(g);
		}
}

/* Quantize (f32 -> i8, i16, i32): the operator table's kernel against
 * q_quantize, the primitive numerics.md's formula is written with, on every
 * kind of value: ties k + 0.5, values just around them, the saturation edges
 * and beyond (k runs past the type's range), infinities, NaN, -0 and random
 * ones, for zero points across the range (int16 ones are 0 in a model, but
 * the kernel takes any; one outside the type's range takes q_quantize
 * itself), and scales that make the quotients exact or inexact. */
static void quantize_case(enum ir_dtype dt, float s, int32_t z, int64_t kmax)
{
	enum { N = 4096 };
	float *x = malloc(sizeof(float) * N);
	for (int i = 0; i < N; i++) {
		int64_t k = rint_in(-kmax, kmax);
		switch (i % 7) {
		case 0: x[i] = ((float)k + 0.5f) * s; break;
		case 1: x[i] = nextafterf(((float)k + 0.5f) * s, INFINITY); break;
		case 2: x[i] = nextafterf(((float)k + 0.5f) * s, -INFINITY); break;
		case 3: x[i] = (float)((double)(rnd() >> 11) / 9007199254740992.0 * 2 - 1) * (float)kmax * s; break;
		case 4: x[i] = (float)k * s; break;
		case 5: x[i] = (float)(tmax(dt) - z + rint_in(-2, 2)) * s + (float)rint_in(-1, 1) * 0.5f * s; break;
		default: x[i] = (float)rint_in(-1000000, 1000000) * 1e30f; break;
		}
	}
	x[0] = NAN;
	x[1] = INFINITY;
	x[2] = -INFINITY;
	x[3] = -0.0f;
	x[4] = -NAN;
	x[5] = (float)(tmin(dt) - z) * s;
	x[6] = ((float)(tmin(dt) - z) - 0.5f) * s;
	int64_t dims[1] = {N};
	struct ir_graph *g = ir_graph_new("t");
	int xt = ir_const_add(g, "x", IR_DTYPE_F32, 1, dims, x);
	int yt = ir_tensor_add(g, "y", dt, 1, dims);
	set_q(g->tensors[yt], s, z);
	struct ir_node *n = ir_node_add(g, "q", IR_OP_QUANTIZE);
	ir_node_add_input(n, xt);
	ir_node_add_output(n, yt);
	int32_t *o = malloc(sizeof(int32_t) * N);
	const struct ir_tensor *ti[1] = {g->tensors[xt]}, *to[1] = {g->tensors[yt]};
	const void *in[1] = {g->tensors[xt]->data};
	void *out[1] = {o};
	struct ir_kctx k = {g, n, ti, to, in, out, NULL, 1};
	int bad = -1, rc = ir_ops[IR_OP_QUANTIZE].run(&k);
	int32_t got = 0, want = 0;
	for (int i = 0; i < N && bad < 0 && rc == 0; i++) {
		got = dt == IR_DTYPE_I8 ? ((int8_t *)o)[i] : dt == IR_DTYPE_I16 ? ((int16_t *)o)[i] : o[i];
		want = q_quantize(x[i], s, z, (int32_t)tmin(dt), (int32_t)tmax(dt));
		if (got != want)
			bad = i;
	}
	if (rc < 0) {
		printf("test_qkernels: FAIL Quantize %s z=%d: %s\n", ir_dtype_name(dt), z, ir_errmsg);
		failed++;
	} else if (bad >= 0) {
		printf("test_qkernels: FAIL Quantize %s s=%g z=%d: element %d (%.9g): %d, q_quantize %d\n",
		       ir_dtype_name(dt), s, z, bad, x[bad], got, want);
		failed++;
	} else {
		passed++;
	}
	free(o);
	ir_graph_free(g);
}

static void test_quantize(void)
{
	const int32_t zps[] = {0, -128, 127, -37, 90};
	for (int zi = 0; zi < 5; zi++)
		quantize_case(IR_DTYPE_I8, zi == 0 ? 0.0157480314f : 0.05f + (float)zi * 0.0123f, zps[zi],
			      300);
	/* int16: the model's input scale, 1/32767 (the threshold 1), an exact
	 * power of two, one with inexact quotients; then zero points */
	const float s16[] = {8.056887e-05f, 1.0f / 32767, 0.0078125f, 0.0123f};
	for (int si = 0; si < 4; si++)
		quantize_case(IR_DTYPE_I16, s16[si], 0, 40000);
	const int32_t zps16[] = {-32768, 32767, 1234, -5, 70000, -100000};
	for (int zi = 0; zi < 6; zi++)
		quantize_case(IR_DTYPE_I16, 0.0123f, zps16[zi], 40000);
	quantize_case(IR_DTYPE_I32, 0.0123f, 0, (int64_t)3 << 30);
	quantize_case(IR_DTYPE_I32, 1.0f, -7, (int64_t)3 << 30);
}

/* ---- pooling ----------------------------------------------------------------- */

/* xdt, ydt: the input's and output's types (int16 ones symmetric); high:
 * every input in the top fifth of its type's range, so that an int16
 * plane's sum passes 2^31 when it has more than 2^16 cells. */
static void pool_case16(const char *name, int global, int nb, int c, int h, int w, int kh, int kw,
			int sh, int sw, int pt, int pl, int pb, int pr, int cip, int ceil_mode,
			enum ir_dtype xdt, enum ir_dtype ydt, int high)
{
	struct ir_graph *g = ir_graph_new("t");
	int64_t xd[4] = {nb, c, h, w};
	int32_t zx = xdt == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	int32_t zy = ydt == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	int x = add_act(g, "x", xdt, 4, xd, zx, 0.1f);
	if (high) {
		struct ir_tensor *xt = g->tensors[x];
		free(xt->data);
		xt->data = rand_ints(xdt, ir_shape_numel(4, xd), tmax(xdt) * 4 / 5, tmax(xdt));
	}
	struct ir_node *n =
		ir_node_add(g, "pool", global ? IR_OP_QGLOBAL_AVERAGE_POOL : IR_OP_QAVERAGE_POOL);
	ir_node_add_input(n, x);
	int y = add_out(g, n);
	/* the output scale: 0.07, times 256 from int16 to int8, over 256 the
	 * other way (some values saturate) */
	float sy = 0.07f * (xdt == ydt ? 1.0f : xdt == IR_DTYPE_I16 ? 256.0f : 1.0f / 256);
	if (xdt != IR_DTYPE_I8 || ydt != IR_DTYPE_I8)
		set_qt(g->tensors[y], ydt, sy, zy);
	if (!global) {
		int64_t k[2] = {kh, kw}, s[2] = {sh, sw}, p[4] = {pt, pl, pb, pr};
		ir_attr_set_ints(n, "kernel_shape", 2, k);
		ir_attr_set_ints(n, "strides", 2, s);
		ir_attr_set_ints(n, "pads", 4, p);
		ir_attr_set_int(n, "count_include_pad", cip);
		ir_attr_set_int(n, "ceil_mode", ceil_mode);
	}
	if (infer_ok(name, g, n)) {
		if (xdt == IR_DTYPE_I8 && ydt == IR_DTYPE_I8)
			set_q(g->tensors[y], sy, zy);
		run_and_compare(name, g, n, ir_ops[n->op].run, k_qpool_ref);
	}
	ir_graph_free(g);
}

static void pool_case(const char *name, int global, int nb, int c, int h, int w, int kh, int kw,
		      int sh, int sw, int pt, int pl, int pb, int pr, int cip, int ceil_mode)
{
	pool_case16(name, global, nb, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr, cip, ceil_mode,
		    IR_DTYPE_I8, IR_DTYPE_I8, 0);
}

static void test_pool(void)
{
	pool_case("QAveragePool 3x3 s2 p1", 0, 1, 5, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0);
	pool_case("QAveragePool 3x3 s2 p1 cip", 0, 1, 5, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0);
	pool_case("QAveragePool 3x3 s2 p1 ceil", 0, 2, 3, 10, 13, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1);
	pool_case("QAveragePool 3x3 s2 p1 ceil cip", 0, 2, 3, 10, 13, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
	pool_case("QAveragePool 2x2 s2 ceil", 0, 1, 4, 9, 7, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1);
	pool_case("QAveragePool 2x2 s2 ceil cip", 0, 1, 4, 9, 7, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1);
	pool_case("QAveragePool 3x3 s1 p1", 0, 1, 6, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0);
	pool_case("QAveragePool 5x3 asym", 0, 1, 3, 12, 9, 5, 3, 2, 1, 2, 0, 1, 1, 1, 0);
	pool_case("QAveragePool 2x2 s2 (rec)", 0, 1, 64, 6, 80, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1);
	pool_case("QAveragePool 3x2 ceil asym", 0, 1, 4, 13, 11, 3, 2, 3, 2, 1, 0, 0, 1, 0, 1);
	pool_case("QGlobalAveragePool", 1, 2, 7, 9, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	pool_case("QGlobalAveragePool big", 1, 1, 96, 160, 160, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	pool_case("QGlobalAveragePool 1x1", 1, 1, 7, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	static const enum ir_dtype mix[][2] = {{IR_DTYPE_I16, IR_DTYPE_I16}, {IR_DTYPE_I16, IR_DTYPE_I8},
					       {IR_DTYPE_I8, IR_DTYPE_I16}};
	for (int t = 0; t < 3; t++) {
		enum ir_dtype xt = mix[t][0], yt = mix[t][1];
		char nm[128], pre[32];
		snprintf(pre, sizeof pre, "%s -> %s", ir_dtype_name(xt), ir_dtype_name(yt));
#define POOL16(label, ...)                                                                      \
	snprintf(nm, sizeof nm, "%s %s", label, pre);                                             \
	pool_case16(nm, __VA_ARGS__, xt, yt, 0);
		POOL16("QAveragePool 3x3 s2 p1", 0, 1, 5, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0)
		POOL16("QAveragePool 3x3 s2 p1 cip", 0, 1, 5, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0)
		POOL16("QAveragePool 3x3 s2 p1 ceil cip", 0, 2, 3, 10, 13, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1)
		POOL16("QAveragePool 2x2 s2 ceil", 0, 1, 4, 9, 7, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1)
		POOL16("QAveragePool 5x3 asym", 0, 1, 3, 12, 9, 5, 3, 2, 1, 2, 0, 1, 1, 1, 0)
		POOL16("QAveragePool 15x15 s1 p7", 0, 1, 2, 20, 21, 15, 15, 1, 1, 7, 7, 7, 7, 0, 0)
		POOL16("QAveragePool 2x2 s2 big (units)", 0, 1, 64, 40, 80, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0)
		POOL16("QGlobalAveragePool", 1, 2, 7, 9, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		POOL16("QGlobalAveragePool big (units)", 1, 1, 96, 100, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		POOL16("QGlobalAveragePool 1x1", 1, 1, 7, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
#undef POOL16
	}
	/* sums past 2^31: the 128-bit requantization (numerics.md "Pooling") */
	pool_case16("QGlobalAveragePool i16 300x300 high -> i16", 1, 1, 3, 300, 300, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, IR_DTYPE_I16, IR_DTYPE_I16, 1);
	pool_case16("QGlobalAveragePool i16 250x300 high -> i8", 1, 1, 3, 250, 300, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, IR_DTYPE_I16, IR_DTYPE_I8, 1);
	pool_case16("QGlobalAveragePool i16 200x200 high -> i16", 1, 1, 4, 200, 200, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, IR_DTYPE_I16, IR_DTYPE_I16, 1);
	pool_case16("QAveragePool i16 15x15 high -> i16", 0, 1, 3, 30, 31, 15, 15, 3, 3, 0, 0, 0, 0, 0,
		    0, IR_DTYPE_I16, IR_DTYPE_I16, 1);
}

/* ---- Resize ------------------------------------------------------------------- */

/* xdt, ydt: the input's and output's types (nearest: one type, one scale). */
static void resize_case16(const char *name, const char *mode, const char *ctm, const char *nm,
			  int c, int h, int w, float sy, float sx, int oh, int ow, enum ir_dtype xdt,
			  enum ir_dtype ydt)
{
	struct ir_graph *g = ir_graph_new("t");
	int64_t xd[4] = {1, c, h, w};
	int32_t zx = xdt == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	int x = add_act(g, "x", xdt, 4, xd, zx, 0.1f);
	struct ir_node *n = ir_node_add(g, "resize", IR_OP_QRESIZE);
	ir_node_add_input(n, x);
	int y = add_out(g, n);
	int lin = !strcmp(mode, "linear");
	float ys = lin ? 0.09f * (xdt == ydt ? 1.0f : xdt == IR_DTYPE_I16 ? 256.0f : 1.0f / 256) : 0.1f;
	int32_t zy = !lin ? zx : ydt == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	int mixed = xdt != IR_DTYPE_I8 || ydt != IR_DTYPE_I8;
	if (mixed)
		set_qt(g->tensors[y], ydt, ys, zy);
	float sc[4] = {1, 1, sy, sx};
	int64_t sz[4] = {1, c, oh, ow};
	ir_attr_set_floats(n, "scales", 4, sc);
	ir_attr_set_ints(n, "sizes", 4, sz);
	ir_attr_set_string(n, "mode", mode);
	ir_attr_set_string(n, "coordinate_transformation_mode", ctm);
	ir_attr_set_string(n, "nearest_mode", nm);
	if (infer_ok(name, g, n)) {
		if (!mixed) {
			set_q(g->tensors[y], strcmp(mode, "linear") ? 0.1f : 0.09f, (int32_t)rint_in(-128, 127));
			if (!strcmp(mode, "nearest"))
				g->tensors[y]->quant->zero_point[0] = g->tensors[x]->quant->zero_point[0];
		}
		run_and_compare(name, g, n, ir_ops[IR_OP_QRESIZE].run, k_qresize_ref);
	}
	ir_graph_free(g);
}

/* Linear at the ends of the sums and shifts: extreme inputs (int8 with
 * z_x = -128 and most inputs at 127, so |x_q - z_x| = 255 and the sums reach
 * 255 * 4096^2; int16 with most inputs at -32768 or 32767, sums near 2^39)
 * and an output scale `ratio` times the input's: for int8 just above 4 (m
 * just below 2^31, r = 57: sum * m + 2^(r-1) passes 2^63, which an int64
 * product would wrap) and 2 (r = 56); for int16 1 and 1/2, and 1e-8 (a
 * shift below 32, which the fast kernel hands to q_requant_out). */
static void resize_big_case(const char *name, enum ir_dtype xdt, enum ir_dtype ydt, float ratio)
{
	struct ir_graph *g = ir_graph_new("t");
	int64_t xd[4] = {1, 3, 6, 7};
	int x = add_act(g, "x", xdt, 4, xd, xdt == IR_DTYPE_I8 ? -128 : 0, 1.0f);
	void *xv = g->tensors[x]->data;
	for (int64_t i = 0; i < ir_shape_numel(4, xd); i++) {
		uint64_t r = rnd() % 8;
		if (xdt == IR_DTYPE_I8 && r)
			((int8_t *)xv)[i] = 127;
		else if (xdt == IR_DTYPE_I16 && r)
			((int16_t *)xv)[i] = r < 4 ? 32767 : -32768;
	}
	struct ir_node *n = ir_node_add(g, "resize", IR_OP_QRESIZE);
	ir_node_add_input(n, x);
	int y = add_out(g, n);
	int32_t zy = ydt == IR_DTYPE_I8 ? (int32_t)rint_in(-128, 127) : 0;
	set_qt(g->tensors[y], ydt, ratio, zy);
	float sc[4] = {1, 1, 2, 2};
	int64_t sz[4] = {1, 3, 12, 14};
	ir_attr_set_floats(n, "scales", 4, sc);
	ir_attr_set_ints(n, "sizes", 4, sz);
	ir_attr_set_string(n, "mode", "linear");
	ir_attr_set_string(n, "coordinate_transformation_mode", "half_pixel");
	if (infer_ok(name, g, n)) {
		if (xdt == IR_DTYPE_I8 && ydt == IR_DTYPE_I8)
			set_q(g->tensors[y], ratio, zy);
		run_and_compare(name, g, n, ir_ops[IR_OP_QRESIZE].run, k_qresize_ref);
	}
	ir_graph_free(g);
}

static void resize_case(const char *name, const char *mode, const char *ctm, const char *nm,
			int c, int h, int w, float sy, float sx, int oh, int ow)
{
	resize_case16(name, mode, ctm, nm, c, h, w, sy, sx, oh, ow, IR_DTYPE_I8, IR_DTYPE_I8);
}

static void test_resize(void)
{
	static const char *ctms[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"};
	static const char *nms[] = {"round_prefer_floor", "floor", "round_prefer_ceil", "ceil"};
	for (int f = 2; f <= 8; f *= 2)
		for (int i = 0; i < 4; i++) {
			char nm[128];
			snprintf(nm, sizeof nm, "QResize nearest x%d %s %s", f, ctms[i], nms[i]);
			resize_case(nm, "nearest", ctms[i], nms[i], 3, 7, 9, (float)f, (float)f, 7 * f, 9 * f);
			snprintf(nm, sizeof nm, "QResize linear x%d %s", f, ctms[i]);
			resize_case(nm, "linear", ctms[i], "round_prefer_floor", 3, 7, 9, (float)f, (float)f,
				    7 * f, 9 * f);
		}
	resize_case("QResize nearest det-like (units)", "nearest", "asymmetric", "floor", 96, 40, 40,
		    2, 2, 80, 80);
	resize_case("QResize linear big (units)", "linear", "half_pixel", "round_prefer_floor", 16, 40,
		    40, 2, 2, 80, 80);
	resize_case("QResize linear x2 H, x3 W", "linear", "half_pixel", "round_prefer_floor", 2, 5, 6,
		    2, 3, 10, 18);
	resize_case("QResize linear W only", "linear", "align_corners", "round_prefer_floor", 2, 5, 6,
		    1, 2, 5, 12);
	resize_case("QResize linear down", "linear", "half_pixel", "round_prefer_floor", 2, 16, 12,
		    0.5f, 0.5f, 8, 6);
	resize_case("QResize nearest down", "nearest", "half_pixel", "round_prefer_floor", 2, 16, 12,
		    0.5f, 0.25f, 8, 3);
	resize_case("QResize linear odd sizes", "linear", "pytorch_half_pixel", "floor", 2, 1, 7,
		    3, 1.5f, 3, 10);
	resize_big_case("QResize linear i8 sums * m past 2^63", IR_DTYPE_I8, IR_DTYPE_I8, 4.0000005f);
	resize_big_case("QResize linear i8 sums * m within 2^63", IR_DTYPE_I8, IR_DTYPE_I8, 2.0000002f);
	resize_big_case("QResize linear i16 extreme -> i16", IR_DTYPE_I16, IR_DTYPE_I16, 1.0f);
	resize_big_case("QResize linear i16 extreme -> i16 / 2", IR_DTYPE_I16, IR_DTYPE_I16, 0.5f);
	resize_big_case("QResize linear i16 extreme -> i8", IR_DTYPE_I16, IR_DTYPE_I8, 256.0f);
	resize_big_case("QResize linear i16 extreme -> i16 shift < 32", IR_DTYPE_I16, IR_DTYPE_I16, 1e-8f);
	resize_big_case("QResize linear i8 extreme -> i16 shift < 32", IR_DTYPE_I8, IR_DTYPE_I16, 1e-8f);
	/* linear leaving both dims alone: weights (1, 0), M = 0.1 / 0.09, shift 30 */
	resize_case16("QResize linear identity i8", "linear", "half_pixel", "round_prefer_floor", 3, 7,
		      9, 1, 1, 7, 9, IR_DTYPE_I8, IR_DTYPE_I8);
	resize_case16("QResize linear identity i16 -> i16", "linear", "half_pixel",
		      "round_prefer_floor", 3, 7, 9, 1, 1, 7, 9, IR_DTYPE_I16, IR_DTYPE_I16);
	/* int16: nearest moves int16 values; linear any mix of input and output */
	const enum ir_dtype I8 = IR_DTYPE_I8, I16 = IR_DTYPE_I16;
	for (int f = 2; f <= 8; f *= 2)
		for (int i = 0; i < 4; i++) {
			char nm[128];
			snprintf(nm, sizeof nm, "QResize i16 nearest x%d %s %s", f, ctms[i], nms[i]);
			resize_case16(nm, "nearest", ctms[i], nms[i], 3, 7, 9, (float)f, (float)f, 7 * f,
				      9 * f, I16, I16);
			snprintf(nm, sizeof nm, "QResize linear x%d %s i16 -> i16", f, ctms[i]);
			resize_case16(nm, "linear", ctms[i], "round_prefer_floor", 3, 7, 9, (float)f,
				      (float)f, 7 * f, 9 * f, I16, I16);
			snprintf(nm, sizeof nm, "QResize linear x%d %s i16 -> i8", f, ctms[i]);
			resize_case16(nm, "linear", ctms[i], "round_prefer_floor", 3, 7, 9, (float)f,
				      (float)f, 7 * f, 9 * f, I16, I8);
			snprintf(nm, sizeof nm, "QResize linear x%d %s i8 -> i16", f, ctms[i]);
			resize_case16(nm, "linear", ctms[i], "round_prefer_floor", 3, 7, 9, (float)f,
				      (float)f, 7 * f, 9 * f, I8, I16);
		}
	resize_case16("QResize i16 nearest det-like (units)", "nearest", "asymmetric", "floor", 96, 40,
		      40, 2, 2, 80, 80, I16, I16);
	resize_case16("QResize linear big (units) i16 -> i16", "linear", "half_pixel",
		      "round_prefer_floor", 16, 40, 40, 2, 2, 80, 80, I16, I16);
	resize_case16("QResize linear big (units) i8 -> i16", "linear", "half_pixel",
		      "round_prefer_floor", 16, 40, 40, 2, 2, 80, 80, I8, I16);
	resize_case16("QResize linear x2 H, x3 W i16 -> i16", "linear", "half_pixel",
		      "round_prefer_floor", 2, 5, 6, 2, 3, 10, 18, I16, I16);
	resize_case16("QResize linear W only i16 -> i16", "linear", "align_corners",
		      "round_prefer_floor", 2, 5, 6, 1, 2, 5, 12, I16, I16);
	resize_case16("QResize linear W only i16 -> i8", "linear", "asymmetric", "round_prefer_floor",
		      2, 5, 6, 1, 2, 5, 12, I16, I8);
	resize_case16("QResize linear down i16 -> i16", "linear", "half_pixel", "round_prefer_floor",
		      2, 16, 12, 0.5f, 0.5f, 8, 6, I16, I16);
	resize_case16("QResize i16 nearest down", "nearest", "half_pixel", "round_prefer_floor", 2, 16,
		      12, 0.5f, 0.25f, 8, 3, I16, I16);
	resize_case16("QResize linear odd sizes i16 -> i16", "linear", "pytorch_half_pixel", "floor",
		      2, 1, 7, 3, 1.5f, 3, 10, I16, I16);
}

int main(void)
{
	if (kq_use_ref()) {
		printf("test_qkernels: BPU_QREF is set; the fast kernels cannot be tested\n");
		return 1;
	}
	test_qconv();
	test_qconv_transpose();
	test_binary();
	test_binary16();
	test_unary();
	test_unary16();
	test_quantize();
	test_pool();
	test_resize();
	printf("test_qkernels: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
