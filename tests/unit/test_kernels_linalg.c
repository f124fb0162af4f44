/*
 * test_kernels_linalg.c: checks the pooling and matrix kernels (k_pool.c,
 * k_linalg.c) one node at a time: MaxPool, AveragePool, Gemm, MatMul and
 * ConvTranspose.
 *
 * Each case builds a one-node graph with constant inputs, runs shape
 * inference and ir_node_eval, and compares with a naive reference loop
 * written here from formats/ir.md (floats within rtol 1e-4, integers and
 * Indices exactly). Then the ONNX backend cases for these ops (node/ and
 * pytorch-converted/ under /usr/share/libonnx-testdata/data, skipped when
 * absent) run through the same path: the test does the importer's part,
 * resolving auto_pad and output_shape into explicit pads and
 * output_padding, and supplying ConvTranspose's kernel_shape from W.
 *
 * Prints "test_kernels_linalg: N passed" and exits 0, or names every
 * failure on stderr and exits 1.
 */
#include "ir.h"
#include "ops.h"
#include "onnx.pb-c.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int n_pass, n_fail;

static void fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "test_kernels_linalg: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	n_fail++;
}

/* ---- data -------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double urand(void) /* [-1, 1) */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / (double)(1ull << 52) - 1.0;
}

static float *rand_f32(int64_t n)
{
	float *p = xmalloc(sizeof(float) * (n ? n : 1));
	for (int64_t i = 0; i < n; i++)
		p[i] = (float)urand();
	return p;
}

static double get_elem(enum ir_dtype dt, const void *p, int64_t i)
{
	switch (dt) {
	case IR_DTYPE_F32: return ((const float *)p)[i];
	case IR_DTYPE_F64: return ((const double *)p)[i];
	case IR_DTYPE_U8: return ((const uint8_t *)p)[i];
	case IR_DTYPE_I8: return ((const int8_t *)p)[i];
	case IR_DTYPE_U16: return ((const uint16_t *)p)[i];
	case IR_DTYPE_I16: return ((const int16_t *)p)[i];
	case IR_DTYPE_I32: return ((const int32_t *)p)[i];
	case IR_DTYPE_U32: return ((const uint32_t *)p)[i];
	case IR_DTYPE_I64: return (double)((const int64_t *)p)[i];
	case IR_DTYPE_U64: return (double)((const uint64_t *)p)[i];
	default: return NAN;
	}
}

static void set_elem(enum ir_dtype dt, void *p, int64_t i, double v)
{
	switch (dt) {
	case IR_DTYPE_F32: ((float *)p)[i] = (float)v; break;
	case IR_DTYPE_F64: ((double *)p)[i] = v; break;
	case IR_DTYPE_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case IR_DTYPE_I8: ((int8_t *)p)[i] = (int8_t)v; break;
	case IR_DTYPE_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case IR_DTYPE_I16: ((int16_t *)p)[i] = (int16_t)v; break;
	case IR_DTYPE_I32: ((int32_t *)p)[i] = (int32_t)v; break;
	case IR_DTYPE_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	case IR_DTYPE_I64: ((int64_t *)p)[i] = (int64_t)v; break;
	case IR_DTYPE_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
	default: break;
	}
}

/* Random values the dtype holds exactly; integers in a small range so
 * that ties occur and the first-maximum rule is exercised. */
static void *rand_typed(enum ir_dtype dt, int64_t n)
{
	void *p = xmalloc(ir_dtype_size(dt) * (n ? n : 1));
	for (int64_t i = 0; i < n; i++) {
		double v = urand();
		if (dt == IR_DTYPE_F32 || dt == IR_DTYPE_F64)
			set_elem(dt, p, i, v);
		else if (ir_dtype_is_signed_int(dt))
			set_elem(dt, p, i, floor(v * 20));
		else
			set_elem(dt, p, i, floor((v + 1) * 20));
	}
	return p;
}

/* Floats within rtol 1e-4 (plus a tiny atol for values near 0); anything
 * else exactly. Returns 0 when they agree. */
static int compare(const char *what, enum ir_dtype dt, const void *got, const double *want,
		   int64_t n)
{
	int is_f = dt == IR_DTYPE_F32 || dt == IR_DTYPE_F64;
	for (int64_t i = 0; i < n; i++) {
		double g = get_elem(dt, got, i), w = want[i];
		int ok = is_f ? (isinf(w) ? g == w : fabs(g - w) <= 1e-4 * fabs(w) + 1e-5)
			      : g == w;
		if (!ok) {
			fail("%s: element %lld is %.9g, expected %.9g", what, (long long)i, g, w);
			return -1;
		}
	}
	return 0;
}

static int compare_dims(const char *what, const struct ir_tensor *t, int rank,
			const int64_t *dims)
{
	char a[128], b[128];
	if (t->rank != rank || memcmp(t->dims, dims, sizeof(int64_t) * rank)) {
		fail("%s: shape %s, expected %s", what, ir_shape_str(t->rank, t->dims, a, sizeof a),
		     ir_shape_str(rank, dims, b, sizeof b));
		return -1;
	}
	return 0;
}

/* ---- one-node graphs ---------------------------------------------------- */

struct one {
	struct ir_graph *g;
	int node;
	void *outs[2];
};

static void one_init(struct one *o, enum ir_op op)
{
	memset(o, 0, sizeof *o);
	o->g = ir_graph_new("t");
	ir_node_add(o->g, "n", op);
	o->node = 0;
}

static struct ir_node *one_node(struct one *o)
{
	return &o->g->nodes[o->node];
}

/* Adds a constant input (copying data); data NULL = an absent input. */
static void one_input(struct one *o, enum ir_dtype dt, int rank, const int64_t *dims,
		      const void *data)
{
	struct ir_node *n = one_node(o);
	if (!data) {
		ir_node_add_input(n, -1);
		return;
	}
	char name[16];
	snprintf(name, sizeof name, "in%d", n->n_in);
	size_t bytes = ir_dtype_size(dt) * (size_t)ir_shape_numel(rank, dims);
	void *copy = xmalloc(bytes + 1);
	memcpy(copy, data, bytes);
	ir_node_add_input(n, ir_const_add(o->g, name, dt, rank, dims, copy));
}

static void one_outputs(struct one *o, int cnt)
{
	struct ir_node *n = one_node(o);
	for (int i = 0; i < cnt; i++) {
		char name[16];
		snprintf(name, sizeof name, "out%d", i);
		ir_node_add_output(n, ir_tensor_add(o->g, name, IR_DTYPE_UNDEFINED, 0, NULL));
	}
}

/* Infers and evaluates; -1 (after reporting) on failure. */
static int one_run(struct one *o, const char *what)
{
	struct ir_node *n = one_node(o);
	if (ir_node_infer(o->g, n) < 0) {
		fail("%s: inference: %s", what, ir_errmsg);
		return -1;
	}
	if (ir_node_eval(o->g, n, o->outs) < 0) {
		fail("%s: eval: %s", what, ir_errmsg);
		return -1;
	}
	return 0;
}

static const struct ir_tensor *one_out(struct one *o, int i)
{
	return o->g->tensors[one_node(o)->out[i]];
}

static void one_free(struct one *o)
{
	for (int i = 0; i < 2; i++)
		free(o->outs[i]);
	ir_graph_free(o->g);
}

/* ---- pooling ------------------------------------------------------------ */

struct pool_case {
	const char *name;
	enum ir_op op;
	enum ir_dtype dt;
	int sp;
	int64_t nc[2], in[3], k[3], s[3], d[3], pb[3], pe[3];
	int ceil_mode, cip, storage, indices;
	int omit; /* leave strides/pads/dilations out when they are defaults */
};

/* The output size rule: floor or ceil, and with ceil a last window must
 * start inside the input or the left pad (PyTorch, ONNX >= 1.16). */
static int64_t pool_out_len(const struct pool_case *c, int i)
{
	int64_t ext = (c->k[i] - 1) * c->d[i] + 1, span = c->in[i] + c->pb[i] + c->pe[i] - ext;
	int64_t o = (c->ceil_mode ? (span + c->s[i] - 1) / c->s[i] : span / c->s[i]) + 1;
	if (c->ceil_mode && (o - 1) * c->s[i] >= c->in[i] + c->pb[i])
		o--;
	return o;
}

static void ref_pool(const struct pool_case *c, const void *x, int64_t *od, double *y,
		     double *ind)
{
	int sp = c->sp;
	int64_t insz = 1, outsz = 1;
	for (int i = 0; i < sp; i++) {
		od[i] = pool_out_len(c, i);
		insz *= c->in[i];
		outsz *= od[i];
	}
	int64_t taps = 1;
	for (int i = 0; i < sp; i++)
		taps *= c->k[i];
	for (int64_t pl = 0; pl < c->nc[0] * c->nc[1]; pl++) {
		for (int64_t q = 0; q < outsz; q++) {
			int64_t o[3], r = q;
			for (int i = sp - 1; i >= 0; i--) {
				o[i] = r % od[i];
				r /= od[i];
			}
			double best = -INFINITY, sum = 0;
			int64_t bi = -1, cnt_in = 0, cnt_pad = 0;
			for (int64_t t = 0; t < taps; t++) {
				int64_t tt = t, pos[3], inside = 1, inpad = 1, rm = 0, cm = 0, mul = 1;
				for (int i = sp - 1; i >= 0; i--) {
					int64_t ki = tt % c->k[i];
					tt /= c->k[i];
					pos[i] = o[i] * c->s[i] - c->pb[i] + ki * c->d[i];
					inside &= pos[i] >= 0 && pos[i] < c->in[i];
					inpad &= pos[i] >= -c->pb[i] && pos[i] < c->in[i] + c->pe[i];
				}
				cnt_pad += inpad;
				if (!inside)
					continue;
				for (int i = 0; i < sp; i++)
					rm = rm * c->in[i] + pos[i];
				for (int i = 0; i < sp; i++) {
					cm += pos[i] * mul;
					mul *= c->in[i];
				}
				double v = get_elem(c->dt, x, pl * insz + rm);
				cnt_in++;
				sum += v;
				if (bi < 0 || v > best) {
					best = v;
					bi = pl * insz + (c->storage ? cm : rm);
				}
			}
			if (c->op == IR_OP_MAX_POOL) {
				y[pl * outsz + q] = best;
				if (ind)
					ind[pl * outsz + q] = (double)bi;
			} else {
				int64_t cnt = c->cip ? cnt_pad : cnt_in;
				y[pl * outsz + q] = cnt ? sum / (double)cnt : 0.0;
			}
		}
	}
}

static void run_pool(const struct pool_case *c)
{
	struct one o;
	int sp = c->sp;
	int64_t xd[5] = {c->nc[0], c->nc[1]}, od[5] = {c->nc[0], c->nc[1]};
	for (int i = 0; i < sp; i++)
		xd[2 + i] = c->in[i];
	int64_t xn = ir_shape_numel(2 + sp, xd);
	void *x = rand_typed(c->dt, xn);

	one_init(&o, c->op);
	one_input(&o, c->dt, 2 + sp, xd, x);
	one_outputs(&o, c->indices ? 2 : 1);
	struct ir_node *n = one_node(&o);
	int64_t pads[6];
	int dflt_s = 1, dflt_d = 1, dflt_p = 1;
	for (int i = 0; i < sp; i++) {
		pads[i] = c->pb[i];
		pads[sp + i] = c->pe[i];
		dflt_s &= c->s[i] == 1;
		dflt_d &= c->d[i] == 1;
		dflt_p &= c->pb[i] == 0 && c->pe[i] == 0;
	}
	ir_attr_set_ints(n, "kernel_shape", sp, c->k);
	if (!(c->omit && dflt_s))
		ir_attr_set_ints(n, "strides", sp, c->s);
	if (!(c->omit && dflt_d) && c->op == IR_OP_MAX_POOL)
		ir_attr_set_ints(n, "dilations", sp, c->d);
	if (!(c->omit && dflt_p))
		ir_attr_set_ints(n, "pads", 2 * sp, pads);
	if (c->ceil_mode)
		ir_attr_set_int(n, "ceil_mode", 1);
	if (c->cip)
		ir_attr_set_int(n, "count_include_pad", 1);
	if (c->storage)
		ir_attr_set_int(n, "storage_order", 1);

	double *y = xmalloc(sizeof(double) * xn * 4 + 8), *ind = xmalloc(sizeof(double) * xn * 4 + 8);
	ref_pool(c, x, od + 2, y, ind);
	int failed = 0;
	if (one_run(&o, c->name) == 0) {
		failed |= compare_dims(c->name, one_out(&o, 0), 2 + sp, od);
		if (!failed)
			failed |= compare(c->name, c->dt, o.outs[0], y, ir_shape_numel(2 + sp, od));
		if (!failed && c->indices) {
			char what[160];
			snprintf(what, sizeof what, "%s (Indices)", c->name);
			failed |= one_out(&o, 1)->dtype != IR_DTYPE_I64;
			if (!failed)
				failed |= compare(what, IR_DTYPE_I64, o.outs[1], ind,
						  ir_shape_numel(2 + sp, od));
		}
		if (!failed)
			n_pass++;
	}
	free(x);
	free(y);
	free(ind);
	one_free(&o);
}

#define P2(a, b) {a, b, 0}
#define P1(a) {a, 0, 0}

static void test_pool(void)
{
	static const struct pool_case cases[] = {
		/* name, op, dtype, sp, nc, in, k, s, d, pb, pe, ceil, cip, storage, ind, omit */
		{"max 3x3 s2 p1", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {2, 3}, P2(13, 17), P2(3, 3),
		 P2(2, 2), P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 0, 0},
		{"max 2x2 s2", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 4}, P2(16, 20), P2(2, 2),
		 P2(2, 2), P2(1, 1), P2(0, 0), P2(0, 0), 0, 0, 0, 0, 1},
		{"max 3x3 s1 p1", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(9, 11), P2(3, 3),
		 P2(1, 1), P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 0, 0},
		{"max 5x3 s3x2 asym pads", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {2, 2}, P2(14, 9),
		 P2(5, 3), P2(3, 2), P2(1, 1), P2(2, 0), P2(1, 2), 0, 0, 0, 0, 0},
		{"max dilated", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 3}, P2(12, 13), P2(3, 2),
		 P2(1, 2), P2(2, 3), P2(1, 2), P2(2, 1), 0, 0, 0, 0, 0},
		{"max ceil", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(10, 11), P2(3, 3),
		 P2(2, 2), P2(1, 1), P2(0, 0), P2(0, 0), 1, 0, 0, 0, 0},
		{"max ceil pads", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(6, 7), P2(3, 2),
		 P2(2, 3), P2(1, 1), P2(1, 1), P2(1, 0), 1, 0, 0, 0, 0},
		{"max 1x2 s1x2 (rec)", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 5}, P2(4, 40),
		 P2(1, 2), P2(1, 2), P2(1, 1), P2(0, 0), P2(0, 0), 0, 0, 0, 0, 0},
		{"max kernel 1 copy", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(3, 4), P2(1, 1),
		 P2(1, 1), P2(1, 1), P2(0, 0), P2(0, 0), 0, 0, 0, 0, 1},
		{"max window = input", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {2, 2}, P2(4, 5), P2(4, 5),
		 P2(1, 1), P2(1, 1), P2(0, 0), P2(0, 0), 0, 0, 0, 0, 1},
		{"max 1-D", IR_OP_MAX_POOL, IR_DTYPE_F32, 1, {2, 3}, P1(31), P1(4), P1(3), P1(2),
		 P1(2), P1(1), 0, 0, 0, 0, 0},
		{"max 1-D ceil", IR_OP_MAX_POOL, IR_DTYPE_F32, 1, {1, 3}, P1(10), P1(3), P1(4),
		 P1(1), P1(1), P1(1), 1, 0, 0, 0, 0},
		{"max 1-D long (chunks)", IR_OP_MAX_POOL, IR_DTYPE_F32, 1, {1, 2}, P1(5000), P1(3),
		 P1(2), P1(1), P1(1), P1(1), 0, 0, 0, 0, 0},
		{"max 1-D long s1", IR_OP_MAX_POOL, IR_DTYPE_I16, 1, {1, 2}, P1(3000), P1(4), P1(1),
		 P1(2), P1(3), P1(0), 0, 0, 0, 0, 0},
		{"max 3-D", IR_OP_MAX_POOL, IR_DTYPE_F32, 3, {1, 2}, {5, 6, 7}, {2, 3, 2},
		 {2, 1, 2}, {1, 1, 2}, {0, 1, 1}, {1, 1, 0}, 0, 0, 0, 0, 0},
		{"max 3-D ceil", IR_OP_MAX_POOL, IR_DTYPE_F32, 3, {2, 1}, {5, 6, 7}, {3, 3, 3},
		 {2, 2, 2}, {1, 1, 1}, {1, 0, 1}, {0, 1, 1}, 1, 0, 0, 0, 0},
		{"max u8", IR_OP_MAX_POOL, IR_DTYPE_U8, 2, {1, 3}, P2(9, 10), P2(3, 3), P2(2, 2),
		 P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 0, 0},
		{"max i8", IR_OP_MAX_POOL, IR_DTYPE_I8, 2, {1, 3}, P2(9, 10), P2(3, 3), P2(2, 2),
		 P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 0, 0},
		{"max i32", IR_OP_MAX_POOL, IR_DTYPE_I32, 2, {1, 2}, P2(8, 9), P2(2, 3), P2(1, 2),
		 P2(1, 1), P2(0, 1), P2(1, 0), 1, 0, 0, 0, 0},
		{"max i64 1-D", IR_OP_MAX_POOL, IR_DTYPE_I64, 1, {1, 2}, P1(12), P1(3), P1(2),
		 P1(1), P1(1), P1(1), 0, 0, 0, 0, 0},
		{"max f64", IR_OP_MAX_POOL, IR_DTYPE_F64, 2, {1, 2}, P2(7, 8), P2(3, 3), P2(2, 2),
		 P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 0, 0},
		{"max u16 3-D", IR_OP_MAX_POOL, IR_DTYPE_U16, 3, {1, 2}, {4, 5, 6}, {2, 2, 2},
		 {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, 1, 0, 0, 0, 0},
		{"argmax 3x3 s2 p1", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {2, 3}, P2(9, 8), P2(3, 3),
		 P2(2, 2), P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 1, 0},
		{"argmax col-major", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {2, 3}, P2(9, 8), P2(3, 2),
		 P2(2, 2), P2(1, 1), P2(1, 0), P2(1, 1), 0, 0, 1, 1, 0},
		{"argmax dilated ceil", IR_OP_MAX_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(10, 9),
		 P2(2, 3), P2(3, 2), P2(2, 2), P2(1, 1), P2(0, 1), 1, 0, 0, 1, 0},
		{"argmax u8 ties", IR_OP_MAX_POOL, IR_DTYPE_U8, 2, {1, 2}, P2(8, 8), P2(3, 3),
		 P2(1, 1), P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 1, 0},
		{"argmax 1-D", IR_OP_MAX_POOL, IR_DTYPE_F32, 1, {2, 2}, P1(11), P1(3), P1(2),
		 P1(1), P1(1), P1(1), 0, 0, 1, 1, 0},
		{"argmax 3-D col-major", IR_OP_MAX_POOL, IR_DTYPE_F32, 3, {1, 2}, {4, 5, 6},
		 {2, 3, 2}, {1, 2, 2}, {1, 1, 1}, {0, 1, 0}, {1, 1, 1}, 0, 0, 1, 1, 0},
		{"argmax 3-D row-major", IR_OP_MAX_POOL, IR_DTYPE_I32, 3, {1, 2}, {4, 5, 6},
		 {2, 3, 2}, {1, 2, 2}, {1, 1, 1}, {0, 1, 0}, {1, 1, 1}, 0, 0, 0, 1, 0},
		{"avg 3x3 s2 p1", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {2, 3}, P2(13, 17), P2(3, 3),
		 P2(2, 2), P2(1, 1), P2(1, 1), P2(1, 1), 0, 0, 0, 0, 0},
		{"avg 3x3 s2 p1 cip", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {2, 3}, P2(13, 17),
		 P2(3, 3), P2(2, 2), P2(1, 1), P2(1, 1), P2(1, 1), 0, 1, 0, 0, 0},
		{"avg 2x2 s2", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {1, 4}, P2(16, 20), P2(2, 2),
		 P2(2, 2), P2(1, 1), P2(0, 0), P2(0, 0), 0, 0, 0, 0, 1},
		{"avg ceil", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(10, 11), P2(3, 3),
		 P2(2, 2), P2(1, 1), P2(0, 0), P2(0, 0), 1, 0, 0, 0, 0},
		{"avg ceil cip", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(10, 11), P2(3, 3),
		 P2(2, 2), P2(1, 1), P2(0, 0), P2(0, 0), 1, 1, 0, 0, 0},
		{"avg ceil pads cip", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(6, 7),
		 P2(3, 2), P2(2, 3), P2(1, 1), P2(1, 1), P2(1, 0), 1, 1, 0, 0, 0},
		{"avg ceil pads", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {1, 2}, P2(6, 7), P2(3, 2),
		 P2(2, 3), P2(1, 1), P2(1, 1), P2(1, 0), 1, 0, 0, 0, 0},
		{"avg 2x2 s2 ceil odd (rec)", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {1, 3},
		 P2(5, 25), P2(2, 2), P2(2, 2), P2(1, 1), P2(0, 0), P2(0, 0), 1, 1, 0, 0, 0},
		{"avg asym pads cip", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {2, 2}, P2(14, 9),
		 P2(5, 3), P2(3, 2), P2(1, 1), P2(2, 0), P2(1, 2), 0, 1, 0, 0, 0},
		{"avg 1-D", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 1, {2, 3}, P1(31), P1(4), P1(3), P1(1),
		 P1(2), P1(1), 0, 0, 0, 0, 0},
		{"avg 1-D ceil cip", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 1, {2, 3}, P1(10), P1(3),
		 P1(4), P1(1), P1(1), P1(1), 1, 1, 0, 0, 0},
		{"avg 1-D long (chunks)", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 1, {1, 2}, P1(5000), P1(3),
		 P1(2), P1(1), P1(1), P1(1), 0, 1, 0, 0, 0},
		{"avg 1-D long s1", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 1, {1, 2}, P1(3000), P1(5), P1(1),
		 P1(1), P1(2), P1(2), 0, 0, 0, 0, 0},
		{"avg 1-D s5", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 1, {1, 2}, P1(300), P1(7), P1(5),
		 P1(1), P1(3), P1(2), 1, 0, 0, 0, 0},
		{"avg 3-D", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 3, {1, 2}, {5, 6, 7}, {2, 3, 2},
		 {2, 1, 2}, {1, 1, 1}, {0, 1, 1}, {1, 1, 0}, 0, 0, 0, 0, 0},
		{"avg 3-D ceil cip", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 3, {2, 1}, {5, 6, 7},
		 {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 0, 1}, {0, 1, 1}, 1, 1, 0, 0, 0},
		{"avg kernel [2,1]", IR_OP_AVERAGE_POOL, IR_DTYPE_F32, 2, {2, 3}, P2(6, 1),
		 P2(2, 1), P2(2, 1), P2(1, 1), P2(0, 0), P2(0, 0), 0, 0, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_pool(&cases[i]);
}

/* ---- Gemm --------------------------------------------------------------- */

static void run_gemm(int64_t M, int64_t N, int64_t K, int ta, int tb, float alpha, float beta,
		     int crank, const int64_t *cdims, int set_defaults)
{
	char what[128];
	snprintf(what, sizeof what, "Gemm M%lld N%lld K%lld ta%d tb%d C rank %d", (long long)M,
		 (long long)N, (long long)K, ta, tb, crank);
	int64_t ad[2] = {ta ? K : M, ta ? M : K}, bd[2] = {tb ? N : K, tb ? K : N};
	float *A = rand_f32(M * K), *B = rand_f32(K * N);
	int64_t cn = crank >= 0 ? ir_shape_numel(crank, cdims) : 0;
	float *C = rand_f32(cn);
	struct one o;
	one_init(&o, IR_OP_GEMM);
	one_input(&o, IR_DTYPE_F32, 2, ad, A);
	one_input(&o, IR_DTYPE_F32, 2, bd, B);
	if (crank >= 0)
		one_input(&o, IR_DTYPE_F32, crank, cdims, C);
	one_outputs(&o, 1);
	struct ir_node *n = one_node(&o);
	if (set_defaults || alpha != 1.0f)
		ir_attr_set_float(n, "alpha", alpha);
	if (set_defaults || beta != 1.0f)
		ir_attr_set_float(n, "beta", beta);
	if (set_defaults || ta)
		ir_attr_set_int(n, "transA", ta);
	if (set_defaults || tb)
		ir_attr_set_int(n, "transB", tb);

	double *y = xmalloc(sizeof(double) * (M * N + 1));
	int64_t cr = crank >= 2 ? cdims[crank - 2] : 1, cc = crank >= 1 ? cdims[crank - 1] : 1;
	for (int64_t i = 0; i < M; i++)
		for (int64_t j = 0; j < N; j++) {
			double s = 0;
			for (int64_t p = 0; p < K; p++)
				s += (double)(ta ? A[p * M + i] : A[i * K + p]) *
				     (tb ? B[j * K + p] : B[p * N + j]);
			double c = crank >= 0 ? C[(cr == 1 ? 0 : i) * cc + (cc == 1 ? 0 : j)] : 0;
			y[i * N + j] = alpha * s + beta * c;
		}
	int64_t od[2] = {M, N};
	if (one_run(&o, what) == 0 && compare_dims(what, one_out(&o, 0), 2, od) == 0 &&
	    compare(what, IR_DTYPE_F32, o.outs[0], y, M * N) == 0)
		n_pass++;
	free(A);
	free(B);
	free(C);
	free(y);
	one_free(&o);
}

static void test_gemm(void)
{
	int64_t M = 7, N = 5, K = 9;
	int64_t cs[][2] = {{0, 0}, {1, 0}, {N, 0}, {1, N}, {M, 1}, {M, N}, {1, 1}};
	int cr[] = {0, 1, 1, 2, 2, 2, 2};
	for (int t = 0; t < 4; t++) {
		run_gemm(M, N, K, t & 1, t >> 1, 1.0f, 1.0f, -1, NULL, 0);
		for (size_t c = 0; c < sizeof cr / sizeof *cr; c++)
			run_gemm(M, N, K, t & 1, t >> 1, 0.75f, -1.5f, cr[c], cs[c], (int)c & 1);
	}
	int64_t c1[1] = {1};
	run_gemm(1, 1000, 64, 0, 1, 1.0f, 1.0f, 1, (int64_t[]){1000}, 0);
	run_gemm(1, 1, 3, 0, 0, 2.0f, 0.0f, 1, c1, 1);
	run_gemm(130, 70, 300, 1, 0, 1.0f, 0.5f, 2, (int64_t[]){130, 70}, 0);
}

/* ---- MatMul ------------------------------------------------------------- */

static void run_matmul(int ra, const int64_t *ad, int rb, const int64_t *bd)
{
	char what[256], s1[64], s2[64];
	snprintf(what, sizeof what, "MatMul %s x %s", ir_shape_str(ra, ad, s1, sizeof s1),
		 ir_shape_str(rb, bd, s2, sizeof s2));
	/* the reference works on promoted shapes with explicit broadcasting */
	int64_t pa[IR_MAX_RANK], pb[IR_MAX_RANK];
	int rpa = ra, rpb = rb;
	memcpy(pa, ad, sizeof(int64_t) * ra);
	memcpy(pb, bd, sizeof(int64_t) * rb);
	if (ra == 1) {
		pa[1] = pa[0];
		pa[0] = 1;
		rpa = 2;
	}
	if (rb == 1) {
		pb[1] = 1;
		rpb = 2;
	}
	int64_t M = pa[rpa - 2], K = pa[rpa - 1], N = pb[rpb - 1];
	int r = (rpa > rpb ? rpa : rpb) - 2;
	int64_t bat[IR_MAX_RANK], od[IR_MAX_RANK];
	int ro = 0;
	for (int i = 0; i < r; i++) {
		int ia = i - (r - (rpa - 2)), ib = i - (r - (rpb - 2));
		int64_t da = ia >= 0 ? pa[ia] : 1, db = ib >= 0 ? pb[ib] : 1;
		bat[i] = da > db ? da : db;
		od[ro++] = bat[i];
	}
	if (ra > 1)
		od[ro++] = M;
	if (rb > 1)
		od[ro++] = N;
	int64_t nb = ir_shape_numel(r, bat);
	float *A = rand_f32(ir_shape_numel(ra, ad)), *B = rand_f32(ir_shape_numel(rb, bd));
	double *y = xmalloc(sizeof(double) * (nb * M * N + 1));
	for (int64_t q = 0; q < nb; q++) {
		int64_t idx[IR_MAX_RANK], t = q, ao = 0, bo = 0;
		for (int i = r - 1; i >= 0; i--) {
			idx[i] = t % bat[i];
			t /= bat[i];
		}
		for (int i = 0; i < r; i++) {
			int ia = i - (r - (rpa - 2)), ib = i - (r - (rpb - 2));
			if (ia >= 0)
				ao = ao * pa[ia] + (pa[ia] == 1 ? 0 : idx[i]);
			if (ib >= 0)
				bo = bo * pb[ib] + (pb[ib] == 1 ? 0 : idx[i]);
		}
		for (int64_t i = 0; i < M; i++)
			for (int64_t j = 0; j < N; j++) {
				double s = 0;
				for (int64_t p = 0; p < K; p++)
					s += (double)A[ao * M * K + i * K + p] *
					     B[bo * K * N + p * N + j];
				y[q * M * N + i * N + j] = s;
			}
	}
	struct one o;
	one_init(&o, IR_OP_MATMUL);
	one_input(&o, IR_DTYPE_F32, ra, ad, A);
	one_input(&o, IR_DTYPE_F32, rb, bd, B);
	one_outputs(&o, 1);
	if (one_run(&o, what) == 0 && compare_dims(what, one_out(&o, 0), ro, od) == 0 &&
	    compare(what, IR_DTYPE_F32, o.outs[0], y, nb * M * N) == 0)
		n_pass++;
	free(A);
	free(B);
	free(y);
	one_free(&o);
}

static void test_matmul(void)
{
	static const struct {
		int ra;
		int64_t a[5];
		int rb;
		int64_t b[5];
	} cases[] = {
		{2, {3, 4}, 2, {4, 5}},
		{1, {4}, 2, {4, 5}},
		{2, {3, 4}, 1, {4}},
		{1, {4}, 1, {4}},
		{3, {2, 3, 4}, 2, {4, 5}},
		{4, {2, 3, 6, 4}, 1, {4}},
		{3, {2, 3, 4}, 3, {2, 4, 5}},
		{4, {2, 1, 3, 4}, 3, {5, 4, 6}},
		{2, {3, 4}, 3, {2, 4, 5}},
		{1, {4}, 3, {2, 4, 5}},
		{3, {1, 3, 4}, 3, {2, 4, 5}},
		{4, {2, 2, 3, 4}, 3, {1, 4, 5}},
		{4, {1, 2, 3, 4}, 4, {3, 1, 4, 2}},
		{5, {2, 1, 2, 3, 4}, 2, {4, 3}},
		{3, {8, 64, 48}, 3, {8, 48, 64}},
		{3, {4, 100, 96}, 2, {96, 200}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_matmul(cases[i].ra, cases[i].a, cases[i].rb, cases[i].b);
}

/* ---- ConvTranspose ------------------------------------------------------ */

struct ct_case {
	const char *name;
	int sp;
	int64_t n, c, m, group;
	int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], op[3];
	int bias, omit;
};

static void run_ct(const struct ct_case *c)
{
	int sp = c->sp;
	int64_t xd[5] = {c->n, c->c}, wd[5] = {c->c, c->m / c->group};
	int64_t od[5] = {c->n, c->m};
	for (int i = 0; i < sp; i++) {
		xd[2 + i] = c->in[i];
		wd[2 + i] = c->k[i];
		od[2 + i] = c->s[i] * (c->in[i] - 1) + c->op[i] + (c->k[i] - 1) * c->d[i] + 1 -
			    c->pb[i] - c->pe[i];
	}
	int64_t xn = ir_shape_numel(2 + sp, xd), wn = ir_shape_numel(2 + sp, wd);
	int64_t yn = ir_shape_numel(2 + sp, od);
	int64_t insz = ir_shape_numel(sp, c->in), outsz = ir_shape_numel(sp, od + 2);
	int64_t taps = ir_shape_numel(sp, c->k), cg = c->c / c->group, mg = c->m / c->group;
	float *X = rand_f32(xn), *W = rand_f32(wn), *Bv = rand_f32(c->m);

	double *y = xcalloc(yn + 1, sizeof(double));
	for (int64_t b = 0; b < c->n; b++)
		for (int64_t ci = 0; ci < c->c; ci++)
			for (int64_t mm = 0; mm < mg; mm++)
				for (int64_t q = 0; q < insz; q++)
					for (int64_t t = 0; t < taps; t++) {
						int64_t qq = q, tt = t, off = 0, ok = 1, pos[3], tap[3];
						for (int i = sp - 1; i >= 0; i--) {
							pos[i] = qq % c->in[i];
							qq /= c->in[i];
							tap[i] = tt % c->k[i];
							tt /= c->k[i];
						}
						for (int i = 0; i < sp; i++) {
							int64_t o = pos[i] * c->s[i] - c->pb[i] +
								    tap[i] * c->d[i];
							ok &= o >= 0 && o < od[2 + i];
							off = off * od[2 + i] + o;
						}
						if (!ok)
							continue;
						int64_t m = (ci / cg) * mg + mm;
						y[(b * c->m + m) * outsz + off] +=
							(double)X[(b * c->c + ci) * insz + q] *
							W[(ci * mg + mm) * taps + t];
					}
	if (c->bias)
		for (int64_t b = 0; b < c->n; b++)
			for (int64_t m = 0; m < c->m; m++)
				for (int64_t q = 0; q < outsz; q++)
					y[(b * c->m + m) * outsz + q] += Bv[m];

	struct one o;
	one_init(&o, IR_OP_CONV_TRANSPOSE);
	one_input(&o, IR_DTYPE_F32, 2 + sp, xd, X);
	one_input(&o, IR_DTYPE_F32, 2 + sp, wd, W);
	if (c->bias)
		one_input(&o, IR_DTYPE_F32, 1, &c->m, Bv);
	one_outputs(&o, 1);
	struct ir_node *n = one_node(&o);
	int64_t pads[6];
	int dflt = 1;
	for (int i = 0; i < sp; i++) {
		pads[i] = c->pb[i];
		pads[sp + i] = c->pe[i];
		dflt &= c->s[i] == 1 && c->d[i] == 1 && c->pb[i] == 0 && c->pe[i] == 0 &&
			c->op[i] == 0;
	}
	ir_attr_set_ints(n, "kernel_shape", sp, c->k);
	if (!(c->omit && dflt)) {
		ir_attr_set_ints(n, "strides", sp, c->s);
		ir_attr_set_ints(n, "dilations", sp, c->d);
		ir_attr_set_ints(n, "pads", 2 * sp, pads);
		ir_attr_set_ints(n, "output_padding", sp, c->op);
	}
	if (c->group != 1 || !c->omit)
		ir_attr_set_int(n, "group", c->group);
	if (one_run(&o, c->name) == 0 && compare_dims(c->name, one_out(&o, 0), 2 + sp, od) == 0 &&
	    compare(c->name, IR_DTYPE_F32, o.outs[0], y, yn) == 0)
		n_pass++;
	free(X);
	free(W);
	free(Bv);
	free(y);
	one_free(&o);
}

static void test_conv_transpose(void)
{
#define Z2 P2(0, 0)
#define O2 P2(1, 1)
	static const struct ct_case cases[] = {
		/* name, sp, n, c, m, group, in, k, s, d, pb, pe, op, bias, omit */
		{"ct 2x2 s2 (tiles)", 2, 2, 6, 5, 1, P2(7, 9), P2(2, 2), P2(2, 2), O2, Z2, Z2, Z2, 1, 0},
		{"ct 2x2 s2 no bias", 2, 1, 4, 3, 1, P2(5, 6), P2(2, 2), P2(2, 2), O2, Z2, Z2, Z2, 0, 0},
		{"ct 2x2 s2 group 2", 2, 2, 6, 4, 2, P2(5, 6), P2(2, 2), P2(2, 2), O2, Z2, Z2, Z2, 1, 0},
		{"ct 2x2 s2 blocks", 2, 1, 16, 64, 1, P2(25, 200), P2(2, 2), P2(2, 2), O2, Z2, Z2, Z2, 1,
		 0},
		{"ct 3x3 s3 (tiles)", 2, 1, 3, 4, 1, P2(4, 5), P2(3, 3), P2(3, 3), O2, Z2, Z2, Z2, 1, 0},
		{"ct 3x2 s3x2 (tiles)", 2, 1, 3, 4, 1, P2(4, 5), P2(3, 2), P2(3, 2), O2, Z2, Z2, Z2, 1,
		 0},
		{"ct 2x2 s2 pe=op (tiles)", 2, 1, 3, 2, 1, P2(4, 5), P2(2, 2), P2(2, 2), O2, Z2, O2, O2,
		 1, 0},
		{"ct 1x1 s1 (direct)", 2, 2, 5, 7, 1, P2(6, 4), P2(1, 1), P2(1, 1), O2, Z2, Z2, Z2, 1, 1},
		{"ct 1x1 s1 group 5", 2, 1, 5, 10, 5, P2(6, 4), P2(1, 1), P2(1, 1), O2, Z2, Z2, Z2, 0,
		 0},
		{"ct 1x1 s2", 2, 1, 3, 2, 1, P2(4, 5), P2(1, 1), P2(2, 2), O2, Z2, Z2, O2, 1, 0},
		{"ct 3x3 s1 defaults", 2, 1, 3, 2, 1, P2(5, 5), P2(3, 3), O2, O2, Z2, Z2, Z2, 0, 1},
		{"ct 3x3 s2 p1 op1", 2, 2, 4, 6, 1, P2(5, 6), P2(3, 3), P2(2, 2), O2, O2, O2, O2, 1, 0},
		{"ct 3x3 s3x2 pads", 2, 1, 1, 2, 1, P2(3, 3), P2(3, 3), P2(3, 2), O2, P2(1, 2),
		 P2(1, 2), Z2, 0, 0},
		{"ct 4x4 s2 p1 group 2", 2, 1, 4, 6, 2, P2(6, 7), P2(4, 4), P2(2, 2), O2, O2, O2, Z2, 1,
		 0},
		{"ct dilated", 2, 1, 3, 4, 1, P2(5, 4), P2(3, 2), P2(2, 1), P2(2, 3), P2(1, 0),
		 P2(2, 1), P2(1, 0), 1, 0},
		{"ct depthwise", 2, 2, 4, 4, 4, P2(5, 5), P2(3, 3), P2(2, 2), O2, O2, O2, O2, 1, 0},
		{"ct depthwise 3x3 s1 p1", 2, 1, 3, 3, 3, P2(6, 7), P2(3, 3), O2, O2, O2, O2, Z2, 1, 0},
		{"ct depthwise 4x4 s2 p1", 2, 1, 3, 3, 3, P2(6, 7), P2(4, 4), P2(2, 2), O2, O2, O2, Z2,
		 0, 0},
		{"ct 1 channel per group, 2x2 s2", 2, 2, 3, 6, 3, P2(4, 5), P2(2, 2), P2(2, 2), O2, Z2,
		 Z2, Z2, 1, 0},
		{"ct 1 input channel, dilated", 2, 1, 1, 3, 1, P2(4, 5), P2(3, 2), P2(1, 2), P2(2, 2),
		 P2(1, 0), P2(0, 2), P2(0, 1), 1, 0},
		{"ct 3x3 s2 blocks", 2, 1, 8, 32, 1, P2(40, 100), P2(3, 3), P2(2, 2), O2, O2, O2, O2, 1,
		 0},
		{"ct 1-D", 1, 2, 3, 4, 1, P1(7), P1(3), P1(2), P1(1), P1(1), P1(0), P1(1), 1, 0},
		{"ct 1-D tiles", 1, 1, 3, 4, 1, P1(7), P1(2), P1(2), P1(1), P1(0), P1(0), P1(0), 1, 0},
		{"ct 1-D dilated group", 1, 1, 4, 6, 2, P1(6), P1(3), P1(3), P1(2), P1(2), P1(1), P1(2),
		 0, 0},
		{"ct 1-D depthwise", 1, 2, 3, 3, 3, P1(9), P1(4), P1(2), P1(1), P1(1), P1(1), P1(0), 1,
		 0},
		{"ct 3-D", 3, 1, 2, 3, 1, {3, 4, 5}, {3, 3, 2}, {1, 2, 2}, {1, 1, 2}, {1, 0, 1},
		 {0, 1, 1}, {0, 1, 0}, 1, 0},
		{"ct 3-D group", 3, 2, 4, 2, 2, {3, 3, 4}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0},
		 {0, 0, 0}, {0, 0, 1}, 1, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_ct(&cases[i]);
#undef Z2
#undef O2
}

/* ---- ONNX backend test cases --------------------------------------------- */

#define ONNX_DATA "/usr/share/libonnx-testdata/data"

/* TensorProto into an IR dtype and a malloc'ed buffer; -1 if unsupported. */
static int onnx_tensor(const Onnx__TensorProto *t, enum ir_dtype *dt, int *rank, int64_t *dims,
		       void **data)
{
	*dt = (enum ir_dtype)t->data_type;
	size_t es = ir_dtype_size(*dt);
	if (!es || t->n_dims > IR_MAX_RANK)
		return -1;
	*rank = (int)t->n_dims;
	for (size_t i = 0; i < t->n_dims; i++)
		dims[i] = t->dims[i];
	int64_t n = ir_shape_numel(*rank, dims);
	*data = xcalloc(1, es * n + 1);
	if (t->has_raw_data && t->raw_data.len == es * n) {
		memcpy(*data, t->raw_data.data, es * n);
	} else if (*dt == IR_DTYPE_F32 && (int64_t)t->n_float_data == n) {
		memcpy(*data, t->float_data, es * n);
	} else if (*dt == IR_DTYPE_I64 && (int64_t)t->n_int64_data == n) {
		memcpy(*data, t->int64_data, es * n);
	} else if ((int64_t)t->n_int32_data == n) {
		for (int64_t i = 0; i < n; i++)
			set_elem(*dt, *data, i, t->int32_data[i]);
	} else if (n != 0) {
		free(*data);
		return -1;
	}
	return 0;
}

static Onnx__TensorProto *load_pb(const char *path)
{
	size_t len;
	void *buf = read_file(path, &len);
	if (!buf)
		return NULL;
	Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, len, buf);
	free(buf);
	return t;
}

static const struct ir_tensor *tensor_by_name(const struct ir_graph *g, const char *name)
{
	int i = ir_tensor_find(g, name);
	return i >= 0 ? g->tensors[i] : NULL;
}

/* The importer's job for the ops under test: auto_pad and output_shape into
 * pads/output_padding; ConvTranspose's kernel_shape from W. */
static void resolve_window(struct ir_graph *g, struct ir_node *n, const char *auto_pad,
			   const int64_t *oshape, int n_oshape)
{
	const struct ir_tensor *x = g->tensors[n->in[0]];
	int sp = x->rank - 2, ct = n->op == IR_OP_CONV_TRANSPOSE;
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	int64_t op[IR_MAX_RANK];
	if (ct && ir_attr_ints(n, "kernel_shape", k, sp) != sp) {
		const struct ir_tensor *w = g->tensors[n->in[1]];
		ir_attr_set_ints(n, "kernel_shape", sp, w->dims + 2);
	}
	ir_attr_ints(n, "kernel_shape", k, sp);
	if (ir_attr_ints(n, "strides", s, sp) != sp)
		for (int i = 0; i < sp; i++)
			s[i] = 1;
	if (ir_attr_ints(n, "dilations", d, sp) != sp)
		for (int i = 0; i < sp; i++)
			d[i] = 1;
	if (ir_attr_ints(n, "output_padding", op, sp) != sp)
		for (int i = 0; i < sp; i++)
			op[i] = 0;
	if (ir_attr_ints(n, "pads", p, 2 * sp) != 2 * sp)
		for (int i = 0; i < 2 * sp; i++)
			p[i] = 0;
	int upper = strcmp(auto_pad, "SAME_UPPER") == 0, lower = strcmp(auto_pad, "SAME_LOWER") == 0;
	if (!upper && !lower && !n_oshape) {
		if (strcmp(auto_pad, "VALID") == 0) {
			memset(p, 0, sizeof p);
			ir_attr_set_ints(n, "pads", 2 * sp, p);
		}
		return;
	}
	for (int i = 0; i < sp; i++) {
		int64_t in = x->dims[2 + i], ext = (k[i] - 1) * d[i] + 1, total;
		if (ct) {
			int64_t out = n_oshape ? oshape[n_oshape - sp + i] : in * s[i];
			total = s[i] * (in - 1) + op[i] + ext - out;
			if (total < 0) {
				op[i] -= total;
				total = 0;
			}
		} else {
			int64_t out = (in + s[i] - 1) / s[i];
			total = (out - 1) * s[i] + ext - in;
			total = total < 0 ? 0 : total;
		}
		p[i] = lower ? total - total / 2 : total / 2;
		p[sp + i] = total - p[i];
	}
	ir_attr_set_ints(n, "pads", 2 * sp, p);
	if (ct)
		ir_attr_set_ints(n, "output_padding", sp, op);
}

static int onnx_node(struct ir_graph *g, const Onnx__NodeProto *pn, const char *what)
{
	enum ir_op op = ir_op_from_name(pn->op_type);
	if (op == IR_OP_INVALID) {
		fail("%s: op %s is not in the IR", what, pn->op_type);
		return -1;
	}
	struct ir_node *n = ir_node_add(g, pn->name && *pn->name ? pn->name : pn->op_type, op);
	for (size_t i = 0; i < pn->n_input; i++)
		ir_node_add_input(n, *pn->input[i] ? ir_tensor_find(g, pn->input[i]) : -1);
	for (size_t i = 0; i < pn->n_output; i++)
		ir_node_add_output(n, ir_tensor_add(g, pn->output[i], IR_DTYPE_UNDEFINED, 0, NULL));
	const char *auto_pad = "NOTSET";
	int64_t oshape[IR_MAX_RANK];
	int n_oshape = 0;
	for (size_t i = 0; i < pn->n_attribute; i++) {
		const Onnx__AttributeProto *a = pn->attribute[i];
		if (strcmp(a->name, "auto_pad") == 0) {
			static char buf[32];
			snprintf(buf, sizeof buf, "%.*s", (int)a->s.len, (const char *)a->s.data);
			auto_pad = buf;
		} else if (strcmp(a->name, "output_shape") == 0) {
			n_oshape = (int)a->n_ints;
			memcpy(oshape, a->ints, sizeof(int64_t) * a->n_ints);
		} else if (a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) {
			ir_attr_set_int(n, a->name, a->i);
		} else if (a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT) {
			ir_attr_set_float(n, a->name, a->f);
		} else if (a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS) {
			ir_attr_set_ints(n, a->name, (int)a->n_ints, a->ints);
		} else {
			fail("%s: attribute %s has a type the test does not convert", what, a->name);
			return -1;
		}
	}
	if (op == IR_OP_MAX_POOL || op == IR_OP_AVERAGE_POOL || op == IR_OP_CONV_TRANSPOSE)
		resolve_window(g, n, auto_pad, oshape, n_oshape);
	if (ir_node_infer(g, n) < 0) {
		fail("%s: inference: %s", what, ir_errmsg);
		return -1;
	}
	void *outs[64] = {0};
	if (ir_ops[op].flags & IR_OPF_VIEW) {
		/* Squeeze/Unsqueeze around pytorch's 1-D pools: the bytes are X's */
		const struct ir_tensor *x = g->tensors[n->in[0]];
		outs[0] = xmalloc(ir_tensor_nbytes(x) + 1);
		memcpy(outs[0], x->data, ir_tensor_nbytes(x));
	} else if (ir_node_eval(g, n, outs) < 0) {
		fail("%s: eval: %s", what, ir_errmsg);
		return -1;
	}
	for (int i = 0; i < n->n_out; i++)
		if (n->out[i] >= 0)
			g->tensors[n->out[i]]->data = outs[i];
	return 0;
}

static void run_onnx_case(const char *dir, const char *name)
{
	char path[1024], what[256];
	snprintf(what, sizeof what, "onnx %s", name);
	snprintf(path, sizeof path, "%s/%s/model.onnx", dir, name);
	size_t len;
	void *buf = read_file(path, &len);
	if (!buf) {
		fail("%s: %s", what, ir_errmsg);
		return;
	}
	Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
	free(buf);
	if (!m || !m->graph) {
		fail("%s: model.onnx does not decode", what);
		return;
	}
	const Onnx__GraphProto *pg = m->graph;
	struct ir_graph *g = ir_graph_new(name);
	int ok = 1;
	for (size_t i = 0; i < pg->n_initializer && ok; i++) {
		enum ir_dtype dt;
		int rank;
		int64_t dims[IR_MAX_RANK];
		void *data;
		if (onnx_tensor(pg->initializer[i], &dt, &rank, dims, &data) < 0) {
			fail("%s: initializer %s unreadable", what, pg->initializer[i]->name);
			ok = 0;
		} else {
			ir_const_add(g, pg->initializer[i]->name, dt, rank, dims, data);
		}
	}
	/* input_K.pb are the graph inputs that are not initializers, in order */
	for (size_t i = 0, k = 0; i < pg->n_input && ok; i++) {
		if (tensor_by_name(g, pg->input[i]->name))
			continue;
		snprintf(path, sizeof path, "%s/%s/test_data_set_0/input_%zu.pb", dir, name, k++);
		Onnx__TensorProto *t = load_pb(path);
		enum ir_dtype dt;
		int rank;
		int64_t dims[IR_MAX_RANK];
		void *data;
		if (!t || onnx_tensor(t, &dt, &rank, dims, &data) < 0) {
			fail("%s: %s unreadable", what, path);
			ok = 0;
		} else {
			ir_const_add(g, pg->input[i]->name, dt, rank, dims, data);
		}
		if (t)
			onnx__tensor_proto__free_unpacked(t, NULL);
	}
	for (size_t i = 0; i < pg->n_node && ok; i++)
		ok = onnx_node(g, pg->node[i], what) == 0;
	for (size_t i = 0; i < pg->n_output && ok; i++) {
		snprintf(path, sizeof path, "%s/%s/test_data_set_0/output_%zu.pb", dir, name, i);
		Onnx__TensorProto *t = load_pb(path);
		enum ir_dtype dt;
		int rank;
		int64_t dims[IR_MAX_RANK];
		void *data = NULL;
		const struct ir_tensor *y = tensor_by_name(g, pg->output[i]->name);
		char w2[300];
		snprintf(w2, sizeof w2, "%s output %zu", what, i);
		if (!t || onnx_tensor(t, &dt, &rank, dims, &data) < 0 || !y) {
			fail("%s: expected data unreadable", w2);
			ok = 0;
		} else if (y->dtype != dt) {
			fail("%s: dtype %s, expected %s", w2, ir_dtype_name(y->dtype), ir_dtype_name(dt));
			ok = 0;
		} else if (compare_dims(w2, y, rank, dims) < 0) {
			ok = 0;
		} else {
			int64_t cnt = ir_shape_numel(rank, dims);
			double *want = xmalloc(sizeof(double) * (cnt + 1));
			for (int64_t j = 0; j < cnt; j++)
				want[j] = get_elem(dt, data, j);
			ok = compare(w2, dt, y->data, want, cnt) == 0;
			free(want);
		}
		free(data);
		if (t)
			onnx__tensor_proto__free_unpacked(t, NULL);
	}
	if (ok)
		n_pass++;
	ir_graph_free(g);
	onnx__model_proto__free_unpacked(m, NULL);
}

static void test_onnx(void)
{
	static const char *node_cases[] = {
		"test_maxpool_1d_default", "test_maxpool_2d_ceil", "test_maxpool_2d_default",
		"test_maxpool_2d_dilations", "test_maxpool_2d_pads",
		"test_maxpool_2d_precomputed_pads", "test_maxpool_2d_precomputed_same_upper",
		"test_maxpool_2d_precomputed_strides", "test_maxpool_2d_same_lower",
		"test_maxpool_2d_same_upper", "test_maxpool_2d_strides", "test_maxpool_2d_uint8",
		"test_maxpool_3d_default", "test_maxpool_with_argmax_2d_precomputed_pads",
		"test_maxpool_with_argmax_2d_precomputed_strides",
		"test_averagepool_1d_default", "test_averagepool_2d_ceil",
		"test_averagepool_2d_default", "test_averagepool_2d_pads",
		"test_averagepool_2d_pads_count_include_pad",
		"test_averagepool_2d_precomputed_pads",
		"test_averagepool_2d_precomputed_pads_count_include_pad",
		"test_averagepool_2d_precomputed_same_upper",
		"test_averagepool_2d_precomputed_strides", "test_averagepool_2d_same_lower",
		"test_averagepool_2d_same_upper", "test_averagepool_2d_strides",
		"test_averagepool_3d_default",
		"test_gemm_all_attributes", "test_gemm_alpha", "test_gemm_beta",
		"test_gemm_default_matrix_bias", "test_gemm_default_no_bias",
		"test_gemm_default_scalar_bias", "test_gemm_default_single_elem_vector_bias",
		"test_gemm_default_vector_bias", "test_gemm_default_zero_bias",
		"test_gemm_transposeA", "test_gemm_transposeB",
		"test_matmul_2d", "test_matmul_3d", "test_matmul_4d",
		"test_convtranspose", "test_convtranspose_1d", "test_convtranspose_3d",
		"test_convtranspose_autopad_same", "test_convtranspose_dilations",
		"test_convtranspose_kernel_shape", "test_convtranspose_output_shape",
		"test_convtranspose_pad", "test_convtranspose_pads",
		"test_convtranspose_with_kernel",
	};
	static const char *pytorch_cases[] = {
		"test_MaxPool1d", "test_MaxPool1d_stride", "test_MaxPool1d_stride_padding_dilation",
		"test_MaxPool2d", "test_MaxPool2d_stride_padding_dilation", "test_MaxPool3d",
		"test_MaxPool3d_stride", "test_MaxPool3d_stride_padding",
		"test_AvgPool1d", "test_AvgPool1d_stride", "test_AvgPool2d", "test_AvgPool2d_stride",
		"test_AvgPool3d", "test_AvgPool3d_stride", "test_AvgPool3d_stride1_pad0_gpu_input",
		"test_ConvTranspose2d", "test_ConvTranspose2d_no_bias",
	};
	FILE *f = fopen(ONNX_DATA "/node/test_gemm_alpha/model.onnx", "rb");
	if (!f) {
		fprintf(stderr, "test_kernels_linalg: %s not found; ONNX cases skipped\n", ONNX_DATA);
		return;
	}
	fclose(f);
	for (size_t i = 0; i < sizeof node_cases / sizeof *node_cases; i++)
		run_onnx_case(ONNX_DATA "/node", node_cases[i]);
	for (size_t i = 0; i < sizeof pytorch_cases / sizeof *pytorch_cases; i++)
		run_onnx_case(ONNX_DATA "/pytorch-converted", pytorch_cases[i]);
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	test_pool();
	test_gemm();
	test_matmul();
	test_conv_transpose();
	test_onnx();
	if (n_fail) {
		fprintf(stderr, "test_kernels_linalg: %d failed, %d passed\n", n_fail, n_pass);
		return 1;
	}
	printf("test_kernels_linalg: %d passed\n", n_pass);
	return 0;
}
