/*
 * test_kernels_eltwise: the elementwise, reduction and cast kernels
 * (lib/k_eltwise.c, lib/k_reduce.c, lib/k_cast.c) against straightforward
 * reference loops written here.
 *
 * Each case builds a one-node graph over constant inputs, runs the op's
 * shape inference (ir_node_infer) and kernel (ir_node_eval), and compares
 * every output element: integers exactly, floats exactly where the kernel
 * does the same float operation as the reference, else within the stated
 * tolerance. Shapes cover the broadcast patterns the kernels special-case
 * (same shape, scalar, per-channel [C,1,1] / [1,C,1,1], trailing [W]) and
 * sizes that are not multiples of the SIMD block. The ops the executor may
 * run in place are also run with the output in an input's buffer.
 *
 * Prints "test_kernels_eltwise: N passed" and exits 0, or lists each
 * failure on stderr and exits 1.
 */
#include "ir.h"
#include "ops.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "test_kernels_eltwise: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failed++;
}

/* ---- random data ------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double urand(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rnd() >> 11) / 9007199254740992.0;
}

/* ---- one-node graphs --------------------------------------------------- */

static struct ir_graph *G;
static struct ir_node *N;   /* valid: the graph gets no second node */
static int n_in, n_out;

static void begin(enum ir_op op)
{
	G = ir_graph_new("t");
	N = ir_node_add(G, "n", op);
	n_in = n_out = 0;
}

static void input(enum ir_dtype dt, int rank, const int64_t *dims, const void *data)
{
	char name[16];
	size_t nb = (size_t)ir_shape_numel(rank, dims) * ir_dtype_size(dt);
	void *p = malloc(nb ? nb : 1);
	memcpy(p, data, nb);
	snprintf(name, sizeof name, "in%d", n_in++);
	ir_node_add_input(N, ir_const_add(G, name, dt, rank, dims, p));
}

static void output(void)
{
	char name[16];
	snprintf(name, sizeof name, "out%d", n_out++);
	ir_node_add_output(N, ir_tensor_add(G, name, IR_DTYPE_UNDEFINED, -1, NULL));
}

static const struct ir_tensor *out_tensor(int i)
{
	return G->tensors[N->out[i]];
}

/* Infers and evaluates; outs[] must hold n_out pointers. */
static int run(const char *what, void **outs)
{
	if (ir_node_infer(G, N) < 0 || ir_node_eval(G, N, outs) < 0) {
		fail("%s: %s", what, ir_errmsg);
		return -1;
	}
	return 0;
}

static void end(void **outs)
{
	for (int i = 0; i < n_out; i++)
		free(outs[i]);
	ir_graph_free(G);
	G = NULL;
}

/* ---- comparisons ------------------------------------------------------- */

static int close_to(double got, double ref, double rtol, double atol)
{
	if (ref != ref)
		return got != got;
	if (isinf(ref))
		return got == ref;
	return fabs(got - ref) <= atol + rtol * fabs(ref);
}

static void expect_f32(const char *what, const float *got, const double *ref, int64_t n,
		       double rtol, double atol)
{
	for (int64_t i = 0; i < n; i++)
		if (!close_to(got[i], ref[i], rtol, atol)) {
			fail("%s: element %lld is %.9g, expected %.9g", what, (long long)i,
			     got[i], ref[i]);
			return;
		}
	passed++;
}

static void expect_f64(const char *what, const double *got, const double *ref, int64_t n,
		       double rtol, double atol)
{
	for (int64_t i = 0; i < n; i++)
		if (!close_to(got[i], ref[i], rtol, atol)) {
			fail("%s: element %lld is %.17g, expected %.17g", what, (long long)i,
			     got[i], ref[i]);
			return;
		}
	passed++;
}

static void expect_bytes(const char *what, const void *got, const void *ref, size_t esize,
			 int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (memcmp((const char *)got + i * esize, (const char *)ref + i * esize, esize)) {
			uint64_t g = 0, r = 0;
			memcpy(&g, (const char *)got + i * esize, esize);
			memcpy(&r, (const char *)ref + i * esize, esize);
			fail("%s: element %lld is 0x%llx, expected 0x%llx", what, (long long)i,
			     (unsigned long long)g, (unsigned long long)r);
			return;
		}
	passed++;
}

static void expect_shape(const char *what, const struct ir_tensor *t, int rank,
			 const int64_t *dims)
{
	if (t->rank != rank || memcmp(t->dims, dims, sizeof(int64_t) * rank)) {
		char b1[128], b2[128];
		fail("%s: shape %s, expected %s", what, ir_shape_str(t->rank, t->dims, b1, sizeof b1),
		     ir_shape_str(rank, dims, b2, sizeof b2));
		return;
	}
	passed++;
}

/* ---- typed element access ---------------------------------------------- */

static const enum ir_dtype int_types[] = {
	IR_DTYPE_I8, IR_DTYPE_U8, IR_DTYPE_I16, IR_DTYPE_U16,
	IR_DTYPE_I32, IR_DTYPE_U32, IR_DTYPE_I64, IR_DTYPE_U64,
};

/* Signed integers are handled as int64_t values, unsigned as uint64_t;
 * storing wraps to the type as a C conversion does. */
static int64_t get_s(const void *p, enum ir_dtype t, int64_t i)
{
	switch (t) {
	case IR_DTYPE_I8: return ((const int8_t *)p)[i];
	case IR_DTYPE_I16: return ((const int16_t *)p)[i];
	case IR_DTYPE_I32: return ((const int32_t *)p)[i];
	case IR_DTYPE_I64: return ((const int64_t *)p)[i];
	case IR_DTYPE_U8: return ((const uint8_t *)p)[i];
	case IR_DTYPE_U16: return ((const uint16_t *)p)[i];
	case IR_DTYPE_U32: return ((const uint32_t *)p)[i];
	case IR_DTYPE_U64: return (int64_t)((const uint64_t *)p)[i];
	default: return 0;
	}
}

static void put_s(void *p, enum ir_dtype t, int64_t i, uint64_t v)
{
	switch (t) {
	case IR_DTYPE_I8: ((int8_t *)p)[i] = (int8_t)v; break;
	case IR_DTYPE_I16: ((int16_t *)p)[i] = (int16_t)v; break;
	case IR_DTYPE_I32: ((int32_t *)p)[i] = (int32_t)v; break;
	case IR_DTYPE_I64: ((int64_t *)p)[i] = (int64_t)v; break;
	case IR_DTYPE_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case IR_DTYPE_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case IR_DTYPE_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	case IR_DTYPE_U64: ((uint64_t *)p)[i] = v; break;
	default: break;
	}
}

static double get_d(const void *p, enum ir_dtype t, int64_t i)
{
	if (t == IR_DTYPE_F32)
		return ((const float *)p)[i];
	if (t == IR_DTYPE_F64)
		return ((const double *)p)[i];
	if (t == IR_DTYPE_U64)
		return (double)((const uint64_t *)p)[i];
	return (double)get_s(p, t, i);
}

/* ---- broadcasting reference -------------------------------------------- */

/* The offset in a tensor of rank r, dims d (numpy-aligned to the right),
 * of the element broadcast to output element `flat` of shape od. */
static int64_t bcast_off(int64_t flat, int ro, const int64_t *od, int r, const int64_t *d)
{
	int64_t off = 0, stride = 1;
	for (int i = ro - 1, j = r - 1; i >= 0; i--, j--) {
		int64_t c = flat % od[i];
		flat /= od[i];
		if (j >= 0) {
			if (d[j] != 1)
				off += c * stride;
			stride *= d[j];
		}
	}
	return off;
}

struct shape {
	int rank;
	int64_t dims[4];
};

static const struct shape bin_shapes[][2] = {
	{{4, {2, 3, 4, 5}}, {4, {2, 3, 4, 5}}},
	{{4, {2, 3, 4, 5}}, {3, {3, 1, 1}}},
	{{4, {2, 3, 4, 5}}, {4, {1, 3, 1, 1}}},
	{{4, {2, 3, 4, 5}}, {1, {5}}},
	{{4, {2, 3, 4, 5}}, {0, {0}}},
	{{0, {0}}, {4, {2, 3, 4, 5}}},
	{{4, {1, 3, 1, 1}}, {4, {2, 3, 4, 5}}},
	{{4, {2, 3, 4, 5}}, {4, {2, 1, 4, 1}}},
	{{4, {2, 3, 4, 5}}, {2, {4, 5}}},
	{{3, {3, 1, 5}}, {3, {1, 4, 1}}},
	{{4, {2, 3, 37, 41}}, {4, {1, 3, 1, 1}}},
	{{4, {1, 8, 32, 32}}, {4, {1, 8, 1, 1}}},
	{{4, {2, 6, 9, 7}}, {4, {2, 6, 1, 1}}},
	{{2, {7, 33}}, {2, {7, 1}}},
	{{1, {1000}}, {1, {1000}}},
	{{0, {0}}, {0, {0}}},
};
#define N_BIN_SHAPES (int)(sizeof bin_shapes / sizeof bin_shapes[0])

static const enum ir_op bin_ops[] = {IR_OP_ADD, IR_OP_SUB, IR_OP_MUL, IR_OP_DIV,
				     IR_OP_POW, IR_OP_MIN, IR_OP_MAX};

static void fill(void *p, enum ir_dtype t, int64_t n, enum ir_op op, int is_b)
{
	for (int64_t i = 0; i < n; i++) {
		if (t == IR_DTYPE_F32 || t == IR_DTYPE_F64) {
			double v = urand(-3, 3);
			if (op == IR_OP_POW)
				v = is_b ? urand(-2, 2) : urand(0.1, 3);
			if (op == IR_OP_DIV && is_b)
				v = (rnd() & 1 ? 1 : -1) * urand(0.5, 3);
			if (t == IR_DTYPE_F32)
				((float *)p)[i] = (float)v;
			else
				((double *)p)[i] = v;
			continue;
		}
		uint64_t r = rnd();
		if (op == IR_OP_POW)
			r = is_b ? rnd() % 6 : rnd() % 7 - 3;
		else if (op == IR_OP_DIV && is_b && rnd() % 5 == 0)
			r = 0;
		else if (rnd() % 3 == 0)
			r = rnd() % 9 - 4;   /* small values, including -1 */
		put_s(p, t, i, r);
	}
}

/* The reference result of one integer element: wrapping arithmetic,
 * division truncating toward zero and by zero giving 0, exact power. */
static uint64_t ref_int(enum ir_op op, enum ir_dtype t, int64_t x, int64_t y)
{
	int uns = ir_dtype_is_unsigned_int(t);
	uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
	switch (op) {
	case IR_OP_ADD: return ux + uy;
	case IR_OP_SUB: return ux - uy;
	case IR_OP_MUL: return ux * uy;
	case IR_OP_DIV:
		if (y == 0)
			return 0;
		if (uns)
			return ux / uy;
		if (y == -1)
			return 0 - ux;
		return (uint64_t)(x / y);
	case IR_OP_MIN: return uns ? (ux < uy ? ux : uy) : (uint64_t)(x < y ? x : y);
	case IR_OP_MAX: return uns ? (ux > uy ? ux : uy) : (uint64_t)(x > y ? x : y);
	case IR_OP_POW: {
		uint64_t r = 1;
		for (int64_t k = 0; k < y; k++)
			r *= ux;
		return r;
	}
	default: return 0;
	}
}

static double ref_float(enum ir_op op, enum ir_dtype t, double x, double y)
{
	if (t == IR_DTYPE_F32) {
		float a = (float)x, b = (float)y;
		switch (op) {
		case IR_OP_ADD: return a + b;
		case IR_OP_SUB: return a - b;
		case IR_OP_MUL: return a * b;
		case IR_OP_DIV: return a / b;
		case IR_OP_POW: return powf(a, b);
		case IR_OP_MIN: return a < b ? a : b;
		case IR_OP_MAX: return a > b ? a : b;
		default: return 0;
		}
	}
	switch (op) {
	case IR_OP_ADD: return x + y;
	case IR_OP_SUB: return x - y;
	case IR_OP_MUL: return x * y;
	case IR_OP_DIV: return x / y;
	case IR_OP_POW: return pow(x, y);
	case IR_OP_MIN: return x < y ? x : y;
	case IR_OP_MAX: return x > y ? x : y;
	default: return 0;
	}
}

static void test_binary_case(enum ir_op op, enum ir_dtype t, const struct shape *sa,
			     const struct shape *sb)
{
	char what[160], s1[64], s2[64];
	snprintf(what, sizeof what, "%s %s %s x %s", ir_op_name(op), ir_dtype_name(t),
		 ir_shape_str(sa->rank, sa->dims, s1, sizeof s1),
		 ir_shape_str(sb->rank, sb->dims, s2, sizeof s2));
	int64_t na = ir_shape_numel(sa->rank, sa->dims), nb = ir_shape_numel(sb->rank, sb->dims);
	size_t es = ir_dtype_size(t);
	void *a = malloc(na * es), *b = malloc(nb * es);
	fill(a, t, na, op, 0);
	fill(b, t, nb, op, 1);
	begin(op);
	input(t, sa->rank, sa->dims, a);
	input(t, sb->rank, sb->dims, b);
	output();
	void *outs[1];
	if (run(what, outs) == 0) {
		const struct ir_tensor *o = out_tensor(0);
		int64_t no = ir_tensor_numel(o);
		void *ref = malloc(no * es + 1);
		double *refd = malloc(no * sizeof(double) + 1);
		for (int64_t i = 0; i < no; i++) {
			int64_t ia = bcast_off(i, o->rank, o->dims, sa->rank, sa->dims);
			int64_t ib = bcast_off(i, o->rank, o->dims, sb->rank, sb->dims);
			if (t == IR_DTYPE_F32 || t == IR_DTYPE_F64)
				refd[i] = ref_float(op, t, get_d(a, t, ia), get_d(b, t, ib));
			else
				put_s(ref, t, i, ref_int(op, t, get_s(a, t, ia), get_s(b, t, ib)));
		}
		if (o->dtype != t)
			fail("%s: output dtype %s", what, ir_dtype_name(o->dtype));
		else if (t == IR_DTYPE_F32)
			/* x^2 runs as x*x, which may differ from powf by an ulp */
			expect_f32(what, outs[0], refd, no, op == IR_OP_POW ? 2.4e-7 : 0, 0);
		else if (t == IR_DTYPE_F64)
			expect_f64(what, outs[0], refd, no, 0, 0);
		else
			expect_bytes(what, outs[0], ref, es, no);
		free(ref);
		free(refd);
	}
	end(outs);
	free(a);
	free(b);
}

static void test_binary(void)
{
	for (int s = 0; s < N_BIN_SHAPES; s++)
		for (size_t o = 0; o < sizeof bin_ops / sizeof *bin_ops; o++) {
			test_binary_case(bin_ops[o], IR_DTYPE_F32, &bin_shapes[s][0],
					 &bin_shapes[s][1]);
			test_binary_case(bin_ops[o], IR_DTYPE_F64, &bin_shapes[s][0],
					 &bin_shapes[s][1]);
		}
	/* the integer types over a few patterns: same, per channel, scalar */
	static const int pick[] = {0, 1, 4, 5, 9};
	for (size_t t = 0; t < sizeof int_types / sizeof *int_types; t++)
		for (size_t s = 0; s < sizeof pick / sizeof *pick; s++)
			for (size_t o = 0; o < sizeof bin_ops / sizeof *bin_ops; o++)
				test_binary_case(bin_ops[o], int_types[t], &bin_shapes[pick[s]][0],
						 &bin_shapes[pick[s]][1]);
}

/* Runs op on two 1-D (or given-shape) inputs of possibly different dtypes
 * and compares the raw output with want. */
static void binary_exact(const char *what, enum ir_op op, enum ir_dtype ta, const void *a,
			 enum ir_dtype tb, const void *b, int64_t n, const void *want)
{
	begin(op);
	input(ta, 1, &n, a);
	input(tb, 1, &n, b);
	output();
	void *outs[1];
	if (run(what, outs) == 0)
		expect_bytes(what, outs[0], want, ir_dtype_size(ta), n);
	end(outs);
}

static void test_binary_special(void)
{
	/* ONNX test_pow_types_*: the exponent's dtype differs from the base's */
	float f123[] = {1, 2, 3}, f456[] = {4, 5, 6}, fw[] = {1, 32, 729};
	int32_t i123[] = {1, 2, 3}, i456[] = {4, 5, 6}, iw[] = {1, 32, 729};
	int64_t l123[] = {1, 2, 3}, l456[] = {4, 5, 6}, lw[] = {1, 32, 729};
	uint32_t u456[] = {4, 5, 6};
	uint64_t q456[] = {4, 5, 6};
	binary_exact("Pow f32^i64", IR_OP_POW, IR_DTYPE_F32, f123, IR_DTYPE_I64, l456, 3, fw);
	binary_exact("Pow f32^i32", IR_OP_POW, IR_DTYPE_F32, f123, IR_DTYPE_I32, i456, 3, fw);
	binary_exact("Pow f32^u32", IR_OP_POW, IR_DTYPE_F32, f123, IR_DTYPE_U32, u456, 3, fw);
	binary_exact("Pow f32^u64", IR_OP_POW, IR_DTYPE_F32, f123, IR_DTYPE_U64, q456, 3, fw);
	binary_exact("Pow f32^f32", IR_OP_POW, IR_DTYPE_F32, f123, IR_DTYPE_F32, f456, 3, fw);
	binary_exact("Pow i32^f32", IR_OP_POW, IR_DTYPE_I32, i123, IR_DTYPE_F32, f456, 3, iw);
	binary_exact("Pow i32^i32", IR_OP_POW, IR_DTYPE_I32, i123, IR_DTYPE_I32, i456, 3, iw);
	binary_exact("Pow i64^f32", IR_OP_POW, IR_DTYPE_I64, l123, IR_DTYPE_F32, f456, 3, lw);
	binary_exact("Pow i64^i64", IR_OP_POW, IR_DTYPE_I64, l123, IR_DTYPE_I64, l456, 3, lw);
	/* beyond 2^53 an integer power must not go through double */
	int64_t b3[] = {3}, e39[] = {39}, w339[] = {4052555153018976267ll};
	binary_exact("Pow i64 3^39", IR_OP_POW, IR_DTYPE_I64, b3, IR_DTYPE_I64, e39, 1, w339);
	/* negative integer exponents: the truncated real result */
	int32_t nb[] = {2, -2, 1, -1, -1, 0, 5}, ne[] = {-1, -1, -3, -3, -2, -1, 0};
	int32_t nw[] = {0, 0, 1, -1, 1, 0, 1};
	binary_exact("Pow i32 negative exponents", IR_OP_POW, IR_DTYPE_I32, nb, IR_DTYPE_I32, ne,
		     7, nw);
	/* integer base, float exponent: computed in double, truncated, saturated */
	uint8_t ub[] = {2, 3, 200};
	float ue[] = {7.0f, 0.5f, 2.0f};
	uint8_t uw[] = {128, 1, 255};
	binary_exact("Pow u8^f32", IR_OP_POW, IR_DTYPE_U8, ub, IR_DTYPE_F32, ue, 3, uw);
	/* integer division: toward zero, by zero 0, MIN / -1 wraps */
	int32_t da[] = {7, -7, 7, -7, 5, INT32_MIN, INT32_MIN};
	int32_t db[] = {2, 2, -2, -2, 0, -1, 1};
	int32_t dw[] = {3, -3, -3, 3, 0, INT32_MIN, INT32_MIN};
	binary_exact("Div i32", IR_OP_DIV, IR_DTYPE_I32, da, IR_DTYPE_I32, db, 7, dw);
	int64_t la[] = {INT64_MIN, -9, 9}, lb[] = {-1, 0, 4}, lw2[] = {INT64_MIN, 0, 2};
	binary_exact("Div i64", IR_OP_DIV, IR_DTYPE_I64, la, IR_DTYPE_I64, lb, 3, lw2);
	/* ONNX test_div_uint8 style */
	uint8_t qa[] = {16, 6, 0, 12, 255}, qb[] = {11, 5, 23, 0, 2}, qw[] = {1, 1, 0, 0, 127};
	binary_exact("Div u8", IR_OP_DIV, IR_DTYPE_U8, qa, IR_DTYPE_U8, qb, 5, qw);
	/* wrapping */
	int8_t wa[] = {127, -128, 100}, wb[] = {1, 1, 3}, ww[] = {-128, -127, 103};
	binary_exact("Add i8 wraps", IR_OP_ADD, IR_DTYPE_I8, wa, IR_DTYPE_I8, wb, 3, ww);
	uint16_t ma[] = {65535, 300}, mb[] = {65535, 300}, mw[] = {1, 24464};
	binary_exact("Mul u16 wraps", IR_OP_MUL, IR_DTYPE_U16, ma, IR_DTYPE_U16, mb, 2, mw);
	/* Min and Max with NaN give NaN either way round */
	float x[] = {NAN, 1, -0.5f}, y[] = {1, NAN, 2};
	const enum ir_op mm[] = {IR_OP_MIN, IR_OP_MAX};
	for (int k = 0; k < 2; k++) {
		int64_t n = 3;
		begin(mm[k]);
		input(IR_DTYPE_F32, 1, &n, x);
		input(IR_DTYPE_F32, 1, &n, y);
		output();
		void *outs[1];
		if (run("Min/Max NaN", outs) == 0) {
			const float *o = outs[0];
			double want = k ? 2 : -0.5;
			if (o[0] == o[0] || o[1] == o[1] || o[2] != want)
				fail("%s NaN: got %g %g %g", ir_op_name(mm[k]), o[0], o[1], o[2]);
			else
				passed++;
		}
		end(outs);
	}
}

/* ---- unary ------------------------------------------------------------- */

static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 100.0f, -100.0f,
				 1e-30f, -1e-30f, 88.0f, -88.0f, 89.0f, -105.0f, 3.0f, -3.0f,
				 6.0f, -6.0f, 0.5f};
#define N_SPECIALS (int)(sizeof specials / sizeof specials[0])

/* min(max(h, 0), 1) that keeps NaN, as the kernels do */
static double clamp01(double h)
{
	h = h < 0 ? 0 : h;
	return h > 1 ? 1 : h;
}

static double ref_unary(enum ir_op op, double x, double alpha, double beta, int f32)
{
	float xf = (float)x;
	switch (op) {
	case IR_OP_RELU: return x < 0 ? 0 : x;
	case IR_OP_LEAKY_RELU: return x < 0 ? (f32 ? (double)((float)alpha * xf) : alpha * x) : x;
	case IR_OP_SIGMOID: return 1 / (1 + exp(-x));
	case IR_OP_TANH: return tanh(x);
	case IR_OP_HARD_SIGMOID: return clamp01(alpha * x + beta);
	case IR_OP_HARD_SWISH: return x * clamp01(x / 6 + 0.5);
	case IR_OP_ERF: return erf(x);
	case IR_OP_SQRT: return f32 ? sqrtf(xf) : sqrt(x);
	case IR_OP_EXP: return f32 ? (float)exp(x) : exp(x);
	case IR_OP_LOG: return f32 ? logf(xf) : log(x);
	case IR_OP_ABS: return fabs(x);
	case IR_OP_NEG: return -x;
	case IR_OP_RECIPROCAL: return f32 ? 1.0f / xf : 1 / x;
	default: return 0;
	}
}

static void test_unary_float(enum ir_op op, enum ir_dtype t, int with_attrs)
{
	char what[96];
	int64_t n = 1000 + N_SPECIALS;
	int f32 = t == IR_DTYPE_F32;
	double *x = malloc(sizeof(double) * n), *ref = malloc(sizeof(double) * n);
	void *buf = malloc(ir_dtype_size(t) * n);
	for (int64_t i = 0; i < n; i++) {
		x[i] = i < N_SPECIALS ? specials[i] : urand(-8, 8);
		if (f32) {
			x[i] = (float)x[i];
			((float *)buf)[i] = (float)x[i];
		} else {
			((double *)buf)[i] = x[i];
		}
	}
	double alpha = op == IR_OP_LEAKY_RELU ? 0.01f : 0.2f, beta = 0.5f;
	begin(op);
	input(t, 1, &n, buf);
	output();
	if (with_attrs) {
		alpha = 0.375f;   /* exact in float, so the references agree */
		beta = 0.625f;
		ir_attr_set_float(N, "alpha", (float)alpha);
		if (op == IR_OP_HARD_SIGMOID)
			ir_attr_set_float(N, "beta", (float)beta);
	}
	snprintf(what, sizeof what, "%s %s%s", ir_op_name(op), ir_dtype_name(t),
		 with_attrs ? " with attributes" : "");
	for (int64_t i = 0; i < n; i++)
		ref[i] = ref_unary(op, x[i], alpha, beta, f32);
	void *outs[1];
	if (run(what, outs) == 0) {
		/* exact where the kernel performs the reference's operation;
		 * Sigmoid, Exp, Tanh and Erf use k_eltwise.c's own functions
		 * (within 1.4 ulp); HardSigmoid and HardSwish compute in float
		 * against a double reference */
		double rtol = 0, atol = 0;
		if ((op == IR_OP_TANH || op == IR_OP_ERF) && f32)
			rtol = 1.7e-7, atol = 1e-45;
		if (op == IR_OP_SIGMOID)
			rtol = f32 ? 1e-6 : 1e-15, atol = f32 ? 2e-7 : 0;
		if (op == IR_OP_EXP && f32)
			rtol = 2.4e-7, atol = 3e-45;   /* subnormal results */
		if ((op == IR_OP_HARD_SIGMOID || op == IR_OP_HARD_SWISH))
			rtol = f32 ? 1e-6 : 1e-15, atol = f32 ? 1e-7 : 1e-15;
		if (f32)
			expect_f32(what, outs[0], ref, n, rtol, atol);
		else
			expect_f64(what, outs[0], ref, n, rtol, atol);
	}
	end(outs);
	free(x);
	free(ref);
	free(buf);
}

static void test_unary_int(enum ir_op op, enum ir_dtype t)
{
	char what[96];
	int64_t n = 203;
	size_t es = ir_dtype_size(t);
	void *x = malloc(es * n), *ref = malloc(es * n);
	int uns = ir_dtype_is_unsigned_int(t);
	for (int64_t i = 0; i < n; i++)
		put_s(x, t, i, i == 0 ? (uns ? UINT64_MAX : (1ull << (8 * es - 1))) : rnd());
	for (int64_t i = 0; i < n; i++) {
		int64_t v = get_s(x, t, i);
		uint64_t r = (uint64_t)v;
		if (op == IR_OP_NEG)
			r = 0 - (uint64_t)v;
		else if (!uns && v < 0)
			r = op == IR_OP_RELU ? 0 : 0 - (uint64_t)v;
		put_s(ref, t, i, r);
	}
	snprintf(what, sizeof what, "%s %s", ir_op_name(op), ir_dtype_name(t));
	begin(op);
	input(t, 1, &n, x);
	output();
	void *outs[1];
	if (run(what, outs) == 0)
		expect_bytes(what, outs[0], ref, es, n);
	end(outs);
	free(x);
	free(ref);
}

static void test_unary(void)
{
	static const enum ir_op ops[] = {
		IR_OP_RELU, IR_OP_LEAKY_RELU, IR_OP_SIGMOID, IR_OP_TANH, IR_OP_HARD_SIGMOID,
		IR_OP_HARD_SWISH, IR_OP_ERF, IR_OP_SQRT, IR_OP_EXP, IR_OP_LOG, IR_OP_ABS,
		IR_OP_NEG, IR_OP_RECIPROCAL,
	};
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		test_unary_float(ops[i], IR_DTYPE_F32, 0);
		test_unary_float(ops[i], IR_DTYPE_F64, 0);
	}
	test_unary_float(IR_OP_LEAKY_RELU, IR_DTYPE_F32, 1);
	test_unary_float(IR_OP_HARD_SIGMOID, IR_DTYPE_F32, 1);
	test_unary_float(IR_OP_HARD_SIGMOID, IR_DTYPE_F64, 1);
	for (size_t t = 0; t < sizeof int_types / sizeof *int_types; t++) {
		test_unary_int(IR_OP_RELU, int_types[t]);
		test_unary_int(IR_OP_ABS, int_types[t]);
		test_unary_int(IR_OP_NEG, int_types[t]);
	}
	/* Sigmoid against 1/(1+expf(-x)) over a dense sweep: the accuracy the
	 * calibration needs to agree with ONNX Runtime */
	int64_t n = 200001;
	float *x = malloc(sizeof(float) * n);
	double *ref = malloc(sizeof(double) * n);
	for (int64_t i = 0; i < n; i++) {
		x[i] = -20.0f + 40.0f * (float)i / (float)(n - 1);
		ref[i] = 1.0f / (1.0f + expf(-x[i]));
	}
	begin(IR_OP_SIGMOID);
	input(IR_DTYPE_F32, 1, &n, x);
	output();
	void *outs[1];
	if (run("Sigmoid sweep", outs) == 0)
		expect_f32("Sigmoid sweep vs 1/(1+expf(-x))", outs[0], ref, n, 0, 2e-7);
	end(outs);
	free(x);
	free(ref);
}

/* ---- Clip -------------------------------------------------------------- */

static void clip_case(const char *what, enum ir_dtype t, int64_t n, const void *x,
		      const float *mn, const float *mx, const void *want)
{
	begin(IR_OP_CLIP);
	input(t, 1, &n, x);
	output();
	if (mn)
		ir_attr_set_float(N, "min", *mn);
	if (mx)
		ir_attr_set_float(N, "max", *mx);
	void *outs[1];
	if (run(what, outs) == 0)
		expect_bytes(what, outs[0], want, ir_dtype_size(t), n);
	end(outs);
}

static void test_clip(void)
{
	float lo = -1.0f, hi = 1.5f;
	float x[] = {-2, -1, 0, 1, 2, NAN, -INFINITY, INFINITY, 1.5f, 1.25f};
	float w_both[] = {-1, -1, 0, 1, 1.5f, NAN, -1, 1.5f, 1.5f, 1.25f};
	float w_min[] = {-1, -1, 0, 1, 2, NAN, -1, INFINITY, 1.5f, 1.25f};
	float w_max[] = {-2, -1, 0, 1, 1.5f, NAN, -INFINITY, 1.5f, 1.5f, 1.25f};
	clip_case("Clip f32", IR_DTYPE_F32, 10, x, &lo, &hi, w_both);
	clip_case("Clip f32 min only", IR_DTYPE_F32, 10, x, &lo, NULL, w_min);
	clip_case("Clip f32 max only", IR_DTYPE_F32, 10, x, NULL, &hi, w_max);
	clip_case("Clip f32 unbounded", IR_DTYPE_F32, 10, x, NULL, NULL, x);
	/* larger f32, against the reference loop */
	int64_t n = 1037;
	float *big = malloc(sizeof(float) * n), *want = malloc(sizeof(float) * n);
	float z = 0.0f, six = 6.0f;
	for (int64_t i = 0; i < n; i++) {
		big[i] = (float)urand(-10, 10);
		want[i] = big[i] < 0 ? 0 : big[i] > 6 ? 6 : big[i];
	}
	clip_case("Clip f32 relu6", IR_DTYPE_F32, n, big, &z, &six, want);
	free(big);
	free(want);
	double xd[] = {-3, 0.25, 3}, wd[] = {-1, 0.25, 1.5};
	clip_case("Clip f64", IR_DTYPE_F64, 3, xd, &lo, &hi, wd);
	/* integers: ONNX test_clip_default_int8_min, bounds rounded and
	 * clamped to the type */
	int8_t xi[] = {1, 0, -2, 127, -128, 5}, wi[] = {1, 0, 0, 127, 0, 5};
	clip_case("Clip i8 min 0", IR_DTYPE_I8, 6, xi, &z, NULL, wi);
	float m300 = 300.0f, mneg = -5.0f;
	uint8_t xu[] = {0, 7, 255, 128}, wu[] = {0, 7, 255, 128};
	clip_case("Clip u8 bounds beyond the type", IR_DTYPE_U8, 4, xu, &mneg, &m300, wu);
	float m2_4 = 2.4f, m6_6 = 6.6f;
	int32_t x32[] = {-5, 2, 3, 7, 8}, w32[] = {2, 2, 3, 7, 7};
	clip_case("Clip i32 rounded bounds", IR_DTYPE_I32, 5, x32, &m2_4, &m6_6, w32);
	float big_hi = 1e30f, big_lo = -1e30f;
	int64_t x64[] = {INT64_MIN, -1, INT64_MAX}, w64[] = {INT64_MIN, -1, INT64_MAX};
	clip_case("Clip i64 huge bounds", IR_DTYPE_I64, 3, x64, &big_lo, &big_hi, w64);
	uint64_t xq[] = {0, 5, UINT64_MAX}, wq[] = {3, 5, UINT64_MAX};
	float three = 3.0f;
	clip_case("Clip u64", IR_DTYPE_U64, 3, xq, &three, &big_hi, wq);
}

/* ---- PRelu ------------------------------------------------------------- */

static void test_prelu(void)
{
	static const struct shape xs = {4, {2, 3, 19, 5}};
	static const struct shape slopes[] = {
		{3, {3, 1, 1}}, {4, {1, 3, 1, 1}}, {1, {1}}, {1, {5}}, {0, {0}}, {4, {2, 3, 19, 5}},
	};
	int64_t n = ir_shape_numel(xs.rank, xs.dims);
	float *x = malloc(sizeof(float) * n);
	double *ref = malloc(sizeof(double) * n);
	for (int64_t i = 0; i < n; i++)
		x[i] = (float)urand(-3, 3);
	for (size_t s = 0; s < sizeof slopes / sizeof *slopes; s++) {
		const struct shape *ss = &slopes[s];
		int64_t ns = ir_shape_numel(ss->rank, ss->dims);
		float *sl = malloc(sizeof(float) * ns);
		for (int64_t i = 0; i < ns; i++)
			sl[i] = (float)urand(-1, 1);
		for (int64_t i = 0; i < n; i++) {
			float v = x[i], k = sl[bcast_off(i, xs.rank, xs.dims, ss->rank, ss->dims)];
			ref[i] = v < 0 ? v * k : v;
		}
		char what[96], b[64];
		snprintf(what, sizeof what, "PRelu slope %s",
			 ir_shape_str(ss->rank, ss->dims, b, sizeof b));
		begin(IR_OP_PRELU);
		input(IR_DTYPE_F32, xs.rank, xs.dims, x);
		input(IR_DTYPE_F32, ss->rank, ss->dims, sl);
		output();
		void *outs[1];
		if (run(what, outs) == 0)
			expect_f32(what, outs[0], ref, n, 0, 0);
		end(outs);
		free(sl);
	}
	free(x);
	free(ref);
}

/* ---- Softmax ----------------------------------------------------------- */

static void softmax_case(int rank, const int64_t *dims, int axis_attr, int64_t axis,
			 double spread)
{
	int64_t n = ir_shape_numel(rank, dims);
	int a = (int)(axis < 0 ? axis + rank : axis);
	float *x = malloc(sizeof(float) * n);
	double *ref = malloc(sizeof(double) * n);
	for (int64_t i = 0; i < n; i++)
		x[i] = (float)urand(-spread, spread);
	int64_t outer = ir_shape_numel(a, dims), len = dims[a];
	int64_t inner = ir_shape_numel(rank - a - 1, dims + a + 1);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < inner; j++) {
			const float *xr = x + o * len * inner + j;
			double m = -INFINITY, s = 0;
			for (int64_t c = 0; c < len; c++)
				m = fmax(m, xr[c * inner]);
			for (int64_t c = 0; c < len; c++)
				s += exp(xr[c * inner] - m);
			for (int64_t c = 0; c < len; c++)
				ref[o * len * inner + j + c * inner] = exp(xr[c * inner] - m) / s;
		}
	char what[96], b[64];
	snprintf(what, sizeof what, "Softmax %s axis %lld", ir_shape_str(rank, dims, b, sizeof b),
		 (long long)axis);
	begin(IR_OP_SOFTMAX);
	input(IR_DTYPE_F32, rank, dims, x);
	output();
	if (axis_attr)
		ir_attr_set_int(N, "axis", axis);
	void *outs[1];
	if (run(what, outs) == 0)
		expect_f32(what, outs[0], ref, n, 1e-6, 1e-9);
	end(outs);
	free(x);
	free(ref);
}

static void test_softmax(void)
{
	int64_t d4[] = {2, 3, 4, 5}, d2[] = {3, 1000}, d3[] = {1, 17, 33};
	softmax_case(4, d4, 0, -1, 5);
	softmax_case(4, d4, 1, 1, 5);
	softmax_case(4, d4, 1, 0, 5);
	softmax_case(4, d4, 1, -2, 5);
	softmax_case(2, d2, 1, 1, 30);
	softmax_case(3, d3, 1, 1, 10);
	softmax_case(3, d3, 1, 2, 10);
	/* ONNX test_softmax_large_number: stable for large inputs */
	float x[] = {0, 1, 2, 3, 10000, 10001, 10002, 10003};
	double w[] = {0.032058604, 0.08714432, 0.2368828, 0.6439143,
		      0.032058604, 0.08714432, 0.2368828, 0.6439143};
	int64_t d[] = {2, 4};
	begin(IR_OP_SOFTMAX);
	input(IR_DTYPE_F32, 2, d, x);
	output();
	void *outs[1];
	if (run("Softmax large numbers", outs) == 0)
		expect_f32("Softmax large numbers", outs[0], w, 8, 1e-6, 0);
	end(outs);
}

/* ---- Reduce* ----------------------------------------------------------- */

static void reduce_case(enum ir_op op, enum ir_dtype t, int rank, const int64_t *dims,
			int na, const int64_t *axes, int keep, int noop)
{
	int64_t n = ir_shape_numel(rank, dims);
	size_t es = ir_dtype_size(t);
	void *x = malloc(es * n + 1);
	int isf = t == IR_DTYPE_F32 || t == IR_DTYPE_F64;
	for (int64_t i = 0; i < n; i++) {
		if (t == IR_DTYPE_F32)
			((float *)x)[i] = (float)urand(-10, 10);
		else if (t == IR_DTYPE_F64)
			((double *)x)[i] = urand(-10, 10);
		else
			put_s(x, t, i, rnd());
	}
	unsigned mask = 0;
	for (int i = 0; i < na; i++)
		mask |= 1u << (axes[i] < 0 ? axes[i] + rank : axes[i]);
	if (na == 0 && !noop)
		mask = (1u << rank) - 1;
	int64_t od[IR_MAX_RANK], kd[IR_MAX_RANK];
	int orank = 0, krank = 0;
	for (int i = 0; i < rank; i++) {
		if (mask >> i & 1) {
			kd[krank++] = 1;
			if (keep)
				od[orank++] = 1;
		} else {
			kd[krank++] = dims[i];
			od[orank++] = dims[i];
		}
	}
	int64_t no = ir_shape_numel(krank, kd), cnt = n / no;
	double *accd = calloc(no, sizeof(double));
	uint64_t *acci = calloc(no, sizeof(uint64_t));
	int64_t *first = malloc(sizeof(int64_t) * no);
	for (int64_t i = 0; i < no; i++)
		first[i] = -1;
	for (int64_t i = 0; i < n; i++) {
		/* output index: the input's coordinates with reduced ones at 0 */
		int64_t rem = i, oi = 0, stride = 1;
		for (int d = rank - 1; d >= 0; d--) {
			int64_t c = rem % dims[d];
			rem /= dims[d];
			if (!(mask >> d & 1))
				oi += c * stride;
			stride *= kd[d];
		}
		if (op == IR_OP_REDUCE_MAX || op == IR_OP_REDUCE_MIN) {
			int mx = op == IR_OP_REDUCE_MAX;
			if (first[oi] < 0) {
				first[oi] = i;
				continue;
			}
			int64_t f = first[oi];
			int better;
			if (isf)
				better = mx ? get_d(x, t, i) > get_d(x, t, f)
					    : get_d(x, t, i) < get_d(x, t, f);
			else if (ir_dtype_is_unsigned_int(t))
				better = mx ? (uint64_t)get_s(x, t, i) > (uint64_t)get_s(x, t, f)
					    : (uint64_t)get_s(x, t, i) < (uint64_t)get_s(x, t, f);
			else
				better = mx ? get_s(x, t, i) > get_s(x, t, f)
					    : get_s(x, t, i) < get_s(x, t, f);
			if (better)
				first[oi] = i;
		} else if (isf) {
			accd[oi] += get_d(x, t, i);
		} else {
			acci[oi] += (uint64_t)get_s(x, t, i);
		}
	}
	void *ref = malloc(es * no + 1);
	double *refd = malloc(sizeof(double) * no + 1);
	for (int64_t i = 0; i < no; i++) {
		if (op == IR_OP_REDUCE_MAX || op == IR_OP_REDUCE_MIN) {
			memcpy((char *)ref + i * es, (char *)x + first[i] * es, es);
			refd[i] = get_d(x, t, first[i]);
		} else if (isf) {
			refd[i] = op == IR_OP_REDUCE_MEAN ? accd[i] / cnt : accd[i];
		} else if (op == IR_OP_REDUCE_MEAN) {
			put_s(ref, t, i, ir_dtype_is_unsigned_int(t) ? acci[i] / (uint64_t)cnt
					 : (uint64_t)((int64_t)acci[i] / cnt));
		} else {
			put_s(ref, t, i, acci[i]);
		}
	}
	char what[160], b[64];
	int p = snprintf(what, sizeof what, "%s %s %s axes [", ir_op_name(op), ir_dtype_name(t),
			 ir_shape_str(rank, dims, b, sizeof b));
	for (int i = 0; i < na; i++)
		p += snprintf(what + p, sizeof what - p, "%s%lld", i ? "," : "", (long long)axes[i]);
	snprintf(what + p, sizeof what - p, "] keepdims %d%s", keep, noop ? " noop" : "");
	begin(op);
	input(t, rank, dims, x);
	output();
	int64_t none[1] = {0};
	if (na > 0 || noop)
		ir_attr_set_ints(N, "axes", na, axes ? axes : none);
	if (noop)
		ir_attr_set_int(N, "noop_with_empty_axes", 1);
	ir_attr_set_int(N, "keepdims", keep);
	void *outs[1];
	if (run(what, outs) == 0) {
		expect_shape(what, out_tensor(0), orank, od);
		if (t == IR_DTYPE_F32)
			expect_f32(what, outs[0], refd, no, 1e-6, 1e-6);
		else if (t == IR_DTYPE_F64)
			expect_f64(what, outs[0], refd, no, 1e-12, 1e-12);
		else
			expect_bytes(what, outs[0], ref, es, no);
	}
	end(outs);
	free(x);
	free(accd);
	free(acci);
	free(first);
	free(ref);
	free(refd);
}

static void test_reduce(void)
{
	static const enum ir_op ops[] = {IR_OP_REDUCE_MEAN, IR_OP_REDUCE_MAX, IR_OP_REDUCE_MIN,
					 IR_OP_REDUCE_SUM};
	static const enum ir_dtype types[] = {IR_DTYPE_F32, IR_DTYPE_F64, IR_DTYPE_I32,
					      IR_DTYPE_U8, IR_DTYPE_I64, IR_DTYPE_U64,
					      IR_DTYPE_I8};
	int64_t d4[] = {2, 3, 4, 5}, ln[] = {1, 50, 384}, big[] = {2, 37, 129};
	int64_t a1[] = {1}, am1[] = {-1}, a02[] = {0, 2}, a123[] = {1, 2, 3}, a23[] = {2, 3};
	int64_t a0[] = {0}, a13[] = {1, 3};
	for (size_t o = 0; o < sizeof ops / sizeof *ops; o++)
		for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
			for (int keep = 0; keep < 2; keep++) {
				reduce_case(ops[o], types[t], 4, d4, 1, a1, keep, 0);
				reduce_case(ops[o], types[t], 4, d4, 1, am1, keep, 0);
				reduce_case(ops[o], types[t], 4, d4, 2, a02, keep, 0);
				reduce_case(ops[o], types[t], 4, d4, 0, NULL, keep, 0);
			}
			reduce_case(ops[o], types[t], 4, d4, 3, a123, 1, 0);
			reduce_case(ops[o], types[t], 4, d4, 2, a23, 1, 0);
			reduce_case(ops[o], types[t], 4, d4, 1, a0, 1, 0);
			reduce_case(ops[o], types[t], 4, d4, 2, a13, 1, 0);
			reduce_case(ops[o], types[t], 4, d4, 0, NULL, 1, 1);
			reduce_case(ops[o], types[t], 3, ln, 1, am1, 1, 0);
			reduce_case(ops[o], types[t], 3, big, 1, a1, 0, 0);
			reduce_case(ops[o], types[t], 3, big, 2, a02, 1, 0);
		}
	/* a mean over a 640x640 plane of values a float running sum would
	 * lose: 0.1 plus tiny noise, compared at 1e-7 relative */
	int64_t pd[] = {1, 1, 640, 640}, pa[] = {2, 3};
	int64_t n = 640 * 640;
	float *x = malloc(sizeof(float) * n);
	double s = 0;
	for (int64_t i = 0; i < n; i++) {
		x[i] = 0.1f + (float)urand(0, 1e-3);
		s += x[i];
	}
	double want = s / n;
	begin(IR_OP_REDUCE_MEAN);
	input(IR_DTYPE_F32, 4, pd, x);
	output();
	ir_attr_set_ints(N, "axes", 2, pa);
	void *outs[1];
	if (run("ReduceMean 640x640", outs) == 0)
		expect_f32("ReduceMean 640x640", outs[0], &want, 1, 1e-7, 0);
	end(outs);
	begin(IR_OP_GLOBAL_AVERAGE_POOL);
	input(IR_DTYPE_F32, 4, pd, x);
	output();
	if (run("GlobalAveragePool 640x640", outs) == 0)
		expect_f32("GlobalAveragePool 640x640", outs[0], &want, 1, 1e-7, 0);
	end(outs);
	free(x);
}

/* ---- ArgMax ------------------------------------------------------------ */

static void argmax_case(enum ir_dtype t, int rank, const int64_t *dims, int64_t axis, int keep,
			int last, int ties)
{
	int64_t n = ir_shape_numel(rank, dims);
	size_t es = ir_dtype_size(t);
	void *x = malloc(es * n);
	for (int64_t i = 0; i < n; i++) {
		int64_t v = ties ? (int64_t)(rnd() % 3) : (int64_t)(rnd() % 2001) - 1000;
		if (t == IR_DTYPE_F32)
			((float *)x)[i] = (float)v / 7;
		else
			put_s(x, t, i, (uint64_t)v);
	}
	int a = (int)(axis < 0 ? axis + rank : axis);
	int64_t outer = ir_shape_numel(a, dims), len = dims[a];
	int64_t inner = ir_shape_numel(rank - a - 1, dims + a + 1);
	int64_t *ref = malloc(sizeof(int64_t) * outer * inner);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < inner; j++) {
			int64_t best = 0;
			for (int64_t c = 1; c < len; c++) {
				double v = get_d(x, t, (o * len + c) * inner + j);
				double b = get_d(x, t, (o * len + best) * inner + j);
				if (last ? v >= b : v > b)
					best = c;
			}
			ref[o * inner + j] = best;
		}
	int64_t od[IR_MAX_RANK];
	int orank = 0;
	for (int i = 0; i < rank; i++)
		if (i != a)
			od[orank++] = dims[i];
		else if (keep)
			od[orank++] = 1;
	char what[128], b[64];
	snprintf(what, sizeof what, "ArgMax %s %s axis %lld keepdims %d last %d%s",
		 ir_dtype_name(t), ir_shape_str(rank, dims, b, sizeof b), (long long)axis, keep,
		 last, ties ? " ties" : "");
	begin(IR_OP_ARGMAX);
	input(t, rank, dims, x);
	output();
	ir_attr_set_int(N, "axis", axis);
	ir_attr_set_int(N, "keepdims", keep);
	ir_attr_set_int(N, "select_last_index", last);
	void *outs[1];
	if (run(what, outs) == 0) {
		expect_shape(what, out_tensor(0), orank, od);
		if (out_tensor(0)->dtype != IR_DTYPE_I64)
			fail("%s: output is not i64", what);
		expect_bytes(what, outs[0], ref, 8, outer * inner);
	}
	end(outs);
	free(x);
	free(ref);
}

static void test_argmax(void)
{
	int64_t d3[] = {3, 4, 5}, d2[] = {2, 1000};
	static const enum ir_dtype types[] = {IR_DTYPE_F32, IR_DTYPE_I32, IR_DTYPE_U8,
					      IR_DTYPE_I64};
	for (size_t t = 0; t < sizeof types / sizeof *types; t++)
		for (int axis = -1; axis < 3; axis++)
			for (int keep = 0; keep < 2; keep++)
				for (int last = 0; last < 2; last++)
					argmax_case(types[t], 3, d3, axis, keep, last, 1);
	argmax_case(IR_DTYPE_F32, 2, d2, 1, 1, 0, 0);
	argmax_case(IR_DTYPE_F32, 2, d2, 0, 0, 1, 0);
}

/* ---- GlobalAveragePool, GlobalMaxPool ---------------------------------- */

static void test_global_pool(void)
{
	static const struct shape shapes[] = {{4, {2, 3, 5, 7}}, {3, {2, 4, 33}},
					       {4, {1, 16, 1, 1}}};
	for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
		for (int mx = 0; mx < 2; mx++) {
			const struct shape *sh = &shapes[s];
			int64_t n = ir_shape_numel(sh->rank, sh->dims);
			int64_t planes = sh->dims[0] * sh->dims[1], size = n / planes;
			float *x = malloc(sizeof(float) * n);
			double *ref = malloc(sizeof(double) * planes);
			for (int64_t i = 0; i < n; i++)
				x[i] = (float)urand(-5, 5);
			for (int64_t p = 0; p < planes; p++) {
				double acc = mx ? -INFINITY : 0;
				for (int64_t i = 0; i < size; i++)
					acc = mx ? fmax(acc, x[p * size + i]) : acc + x[p * size + i];
				ref[p] = mx ? acc : acc / size;
			}
			int64_t od[IR_MAX_RANK];
			for (int i = 0; i < sh->rank; i++)
				od[i] = i < 2 ? sh->dims[i] : 1;
			char what[96], b[64];
			snprintf(what, sizeof what, "%s %s",
				 mx ? "GlobalMaxPool" : "GlobalAveragePool",
				 ir_shape_str(sh->rank, sh->dims, b, sizeof b));
			begin(mx ? IR_OP_GLOBAL_MAX_POOL : IR_OP_GLOBAL_AVERAGE_POOL);
			input(IR_DTYPE_F32, sh->rank, sh->dims, x);
			output();
			void *outs[1];
			if (run(what, outs) == 0) {
				expect_shape(what, out_tensor(0), sh->rank, od);
				expect_f32(what, outs[0], ref, planes, 1e-6, 1e-7);
			}
			end(outs);
			free(x);
			free(ref);
		}
}

/* ---- BatchNormalization ------------------------------------------------ */

static void batch_norm_case(int rank, const int64_t *dims, int training, float eps,
			    float momentum, int n_outputs)
{
	int64_t n = ir_shape_numel(rank, dims), nb = dims[0], ch = dims[1];
	int64_t size = n / (nb * ch);
	float *x = malloc(sizeof(float) * n), p[4][64];
	for (int64_t i = 0; i < n; i++)
		x[i] = (float)urand(-2, 3);
	for (int64_t c = 0; c < ch; c++) {
		p[0][c] = (float)urand(0.5, 1.5);   /* scale */
		p[1][c] = (float)urand(-1, 1);      /* B */
		p[2][c] = (float)urand(-1, 1);      /* mean */
		p[3][c] = (float)urand(0.1, 2);     /* var */
	}
	double *ref = malloc(sizeof(double) * n), rm[64], rv[64];
	for (int64_t c = 0; c < ch; c++) {
		double m = p[2][c], v = p[3][c];
		if (training) {
			double s = 0, q = 0;
			for (int64_t b = 0; b < nb; b++)
				for (int64_t i = 0; i < size; i++)
					s += x[(b * ch + c) * size + i];
			m = s / (nb * size);
			for (int64_t b = 0; b < nb; b++)
				for (int64_t i = 0; i < size; i++) {
					double d = x[(b * ch + c) * size + i] - m;
					q += d * d;
				}
			v = q / (nb * size);
			rm[c] = p[2][c] * (double)momentum + m * (1 - (double)momentum);
			rv[c] = p[3][c] * (double)momentum + v * (1 - (double)momentum);
		}
		for (int64_t b = 0; b < nb; b++)
			for (int64_t i = 0; i < size; i++) {
				int64_t k = (b * ch + c) * size + i;
				ref[k] = (x[k] - m) / sqrt(v + eps) * p[0][c] + p[1][c];
			}
	}
	char what[128], bs[64];
	snprintf(what, sizeof what, "BatchNormalization %s training %d outputs %d",
		 ir_shape_str(rank, dims, bs, sizeof bs), training, n_outputs);
	begin(IR_OP_BATCH_NORM);
	input(IR_DTYPE_F32, rank, dims, x);
	for (int i = 0; i < 4; i++)
		input(IR_DTYPE_F32, 1, &ch, p[i]);
	for (int i = 0; i < n_outputs; i++)
		output();
	ir_attr_set_float(N, "epsilon", eps);
	if (training) {
		ir_attr_set_int(N, "training_mode", 1);
		ir_attr_set_float(N, "momentum", momentum);
	}
	void *outs[3];
	if (run(what, outs) == 0) {
		expect_f32(what, outs[0], ref, n, 2e-6, 2e-6);
		if (n_outputs > 1)
			expect_f32(what, outs[1], rm, ch, 1e-6, 1e-7);
		if (n_outputs > 2)
			expect_f32(what, outs[2], rv, ch, 1e-6, 1e-7);
	}
	end(outs);
	free(x);
	free(ref);
}

static void test_batch_norm(void)
{
	int64_t d4[] = {2, 3, 4, 5}, d2[] = {7, 16}, d3[] = {2, 8, 37};
	batch_norm_case(4, d4, 0, 1e-5f, 0.9f, 1);
	batch_norm_case(2, d2, 0, 1e-3f, 0.9f, 1);
	batch_norm_case(3, d3, 0, 1e-5f, 0.9f, 1);
	batch_norm_case(4, d4, 1, 1e-5f, 0.9f, 3);
	batch_norm_case(4, d4, 1, 1e-2f, 0.7f, 3);
	batch_norm_case(3, d3, 1, 1e-5f, 0.9f, 1);
	batch_norm_case(2, d2, 1, 1e-5f, 0.9f, 2);
}

/* ---- Cast -------------------------------------------------------------- */

static void cast_case(const char *what, enum ir_dtype from, enum ir_dtype to, int64_t n,
		      const void *x, const void *want)
{
	begin(IR_OP_CAST);
	input(from, 1, &n, x);
	output();
	ir_attr_set_int(N, "to", to);
	void *outs[1];
	if (run(what, outs) == 0) {
		if (out_tensor(0)->dtype != to)
			fail("%s: output dtype %s", what, ir_dtype_name(out_tensor(0)->dtype));
		expect_bytes(what, outs[0], want, ir_dtype_size(to), n);
	}
	end(outs);
}

static void test_cast(void)
{
	/* float to integer: truncation toward zero, saturation, NaN -> 0 */
	float f[] = {1.9f, -1.9f, 300.0f, -300.0f, NAN, INFINITY, -INFINITY, 0.5f, -0.5f, 127.5f};
	int8_t f_i8[] = {1, -1, 127, -128, 0, 127, -128, 0, 0, 127};
	uint8_t f_u8[] = {1, 0, 255, 0, 0, 255, 0, 0, 0, 127};
	int32_t f_i32[] = {1, -1, 300, -300, 0, INT32_MAX, INT32_MIN, 0, 0, 127};
	int64_t f_i64[] = {1, -1, 300, -300, 0, INT64_MAX, INT64_MIN, 0, 0, 127};
	uint64_t f_u64[] = {1, 0, 300, 0, 0, UINT64_MAX, 0, 0, 0, 127};
	uint8_t f_b[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	cast_case("Cast f32->i8", IR_DTYPE_F32, IR_DTYPE_I8, 10, f, f_i8);
	cast_case("Cast f32->u8", IR_DTYPE_F32, IR_DTYPE_U8, 10, f, f_u8);
	cast_case("Cast f32->i32", IR_DTYPE_F32, IR_DTYPE_I32, 10, f, f_i32);
	cast_case("Cast f32->i64", IR_DTYPE_F32, IR_DTYPE_I64, 10, f, f_i64);
	cast_case("Cast f32->u64", IR_DTYPE_F32, IR_DTYPE_U64, 10, f, f_u64);
	cast_case("Cast f32->bool", IR_DTYPE_F32, IR_DTYPE_BOOL, 10, f, f_b);
	float fz[] = {0.0f, -0.0f, 2.0f};
	uint8_t fz_b[] = {0, 0, 1};
	cast_case("Cast f32 zeros->bool", IR_DTYPE_F32, IR_DTYPE_BOOL, 3, fz, fz_b);
	uint8_t b[] = {0, 1, 1};
	float b_f[] = {0, 1, 1};
	int64_t b_l[] = {0, 1, 1};
	cast_case("Cast bool->f32", IR_DTYPE_BOOL, IR_DTYPE_F32, 3, b, b_f);
	cast_case("Cast bool->i64", IR_DTYPE_BOOL, IR_DTYPE_I64, 3, b, b_l);
	/* integer to integer wraps; 64-bit values stay exact */
	int64_t l[] = {300, -1, INT64_MIN, 9007199254740993ll};
	int8_t l_i8[] = {44, -1, 0, 1};
	uint16_t l_u16[] = {300, 65535, 0, 1};
	uint64_t l_u64[] = {300, UINT64_MAX, 1ull << 63, 9007199254740993ull};
	double l_f64[] = {300, -1, -9223372036854775808.0, 9007199254740992.0};
	float l_f32[] = {300, -1, -9223372036854775808.0f, 9007199254740992.0f};
	cast_case("Cast i64->i8", IR_DTYPE_I64, IR_DTYPE_I8, 4, l, l_i8);
	cast_case("Cast i64->u16", IR_DTYPE_I64, IR_DTYPE_U16, 4, l, l_u16);
	cast_case("Cast i64->u64", IR_DTYPE_I64, IR_DTYPE_U64, 4, l, l_u64);
	cast_case("Cast i64->f64", IR_DTYPE_I64, IR_DTYPE_F64, 4, l, l_f64);
	cast_case("Cast i64->f32", IR_DTYPE_I64, IR_DTYPE_F32, 4, l, l_f32);
	uint64_t q[] = {UINT64_MAX, 5};
	float q_f[] = {18446744073709551616.0f, 5};
	int32_t q_i32[] = {-1, 5};
	cast_case("Cast u64->f32", IR_DTYPE_U64, IR_DTYPE_F32, 2, q, q_f);
	cast_case("Cast u64->i32", IR_DTYPE_U64, IR_DTYPE_I32, 2, q, q_i32);
	/* f32 -> f16: nearest even, overflow to inf, subnormals, NaN */
	float h[] = {1.0f, -2.0f, 65504.0f, 65519.0f, 65520.0f, 1e-8f, 5.9604645e-8f,
		     2.9802322e-8f, 2.98023259e-8f, 1.00048828125f, 1.00146484375f, 0.1f,
		     INFINITY, -0.0f, 6.1035156e-5f};
	uint16_t h_w[] = {0x3c00, 0xc000, 0x7bff, 0x7bff, 0x7c00, 0x0000, 0x0001,
			  0x0000, 0x0001, 0x3c00, 0x3c02, 0x2e66,
			  0x7c00, 0x8000, 0x0400};
	cast_case("Cast f32->f16", IR_DTYPE_F32, IR_DTYPE_F16, 15, h, h_w);
	float hn = NAN;
	begin(IR_OP_CAST);
	int64_t one = 1;
	input(IR_DTYPE_F32, 1, &one, &hn);
	output();
	ir_attr_set_int(N, "to", IR_DTYPE_F16);
	void *outs[1];
	if (run("Cast f32 NaN->f16", outs) == 0) {
		uint16_t v = *(uint16_t *)outs[0];
		if ((v & 0x7c00) != 0x7c00 || !(v & 0x3ff))
			fail("Cast f32 NaN->f16: 0x%04x is not a NaN", v);
		else
			passed++;
	}
	end(outs);
	/* f16 -> f32 and f64 exactly */
	uint16_t hh[] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x8000, 0x3555};
	float hh_f[] = {1, -2, 65504, 5.9604645e-8f, 6.0975552e-5f, INFINITY, -INFINITY, -0.0f,
			0.33325195f};
	double hh_d[] = {1, -2, 65504, 5.9604644775390625e-8, 6.097555160522461e-5, INFINITY,
			 -INFINITY, -0.0, 0.333251953125};
	cast_case("Cast f16->f32", IR_DTYPE_F16, IR_DTYPE_F32, 9, hh, hh_f);
	cast_case("Cast f16->f64", IR_DTYPE_F16, IR_DTYPE_F64, 9, hh, hh_d);
	/* f32 -> bf16 truncates: the inputs and expected outputs of ONNX
	 * test_cast_FLOAT_to_BFLOAT16, then ties that rounding would move */
	float bf[] = {0.47892547f, 0.48033667f, 0.49968487f, 0.81910545f, 0.47031248f,
		      0.816468f, 0.21087195f, 0.7229038f, NAN, INFINITY, -INFINITY,
		      1.00390625f, 1.01171875f, 3.4e38f};
	uint16_t bf_w[] = {16117, 16117, 16127, 16209, 16112, 16209, 15959, 16185,
			   32704, 32640, 65408, 0x3f80, 0x3f81, 0x7f7f};
	cast_case("Cast f32->bf16", IR_DTYPE_F32, IR_DTYPE_BF16, 14, bf, bf_w);
	uint16_t bb[] = {16117, 16127, 32640, 65408, 0x0001};
	float bb_f[] = {0.478515625f, 0.498046875f, INFINITY, -INFINITY, 9.18355e-41f};
	cast_case("Cast bf16->f32", IR_DTYPE_BF16, IR_DTYPE_F32, 5, bb, bb_f);
	/* f64 -> f16 rounds once, from the double */
	double dd[] = {1.0 + 1.0 / 2048 + 1e-12, 0.1};
	uint16_t dd_w[] = {0x3c01, 0x2e66};
	cast_case("Cast f64->f16", IR_DTYPE_F64, IR_DTYPE_F16, 2, dd, dd_w);
	/* i64 -> bf16: rounded to f32 (2^60 + 2^52 is exact there), then cut */
	int64_t lb[] = {(1ll << 60) + (1ll << 52) + 1, (1ll << 60) + (1ll << 52), 3};
	uint16_t lb_w[] = {0x5d80, 0x5d80, 0x4040};
	cast_case("Cast i64->bf16", IR_DTYPE_I64, IR_DTYPE_BF16, 3, lb, lb_w);
	/* f16 -> i8 and bf16 -> u8 go through the float value */
	uint16_t hs[] = {0x4500, 0xc500};   /* 5, -5 */
	int8_t hs_w[] = {5, -5};
	cast_case("Cast f16->i8", IR_DTYPE_F16, IR_DTYPE_I8, 2, hs, hs_w);
	/* same dtype is a copy; a long cast crosses the block boundary */
	int64_t n = 1000;
	int32_t *ii = malloc(sizeof(int32_t) * n);
	double *id = malloc(sizeof(double) * n);
	for (int64_t i = 0; i < n; i++) {
		ii[i] = (int32_t)rnd();
		id[i] = ii[i];
	}
	cast_case("Cast i32->f64 (1000)", IR_DTYPE_I32, IR_DTYPE_F64, n, ii, id);
	cast_case("Cast i32->i32", IR_DTYPE_I32, IR_DTYPE_I32, n, ii, ii);
	free(ii);
	free(id);
}

/* ---- running in place -------------------------------------------------- */

/* The executor may give an op's output the buffer of an input of the same
 * shape. Runs the node's kernel directly that way, output 0 sharing input
 * `alias`'s buffer, and compares with ir_node_eval's separate buffers. */
static void in_place_case(const char *what, enum ir_op op, int nin, const struct shape *sh,
			  int alias, int n_outputs, void (*attrs)(struct ir_node *))
{
	begin(op);
	for (int i = 0; i < nin; i++) {
		int64_t n = ir_shape_numel(sh[i].rank, sh[i].dims);
		float *x = malloc(sizeof(float) * n + 1);
		for (int64_t j = 0; j < n; j++)
			x[j] = (float)urand(i == 4 ? 0.1 : -4, 4);   /* BatchNorm var > 0 */
		input(IR_DTYPE_F32, sh[i].rank, sh[i].dims, x);
		free(x);
	}
	for (int i = 0; i < n_outputs; i++)
		output();
	if (attrs)
		attrs(N);
	void *outs[3];
	if (run(what, outs) == 0) {
		const struct ir_tensor *ti[8], *to[3];
		const void *in[8];
		void *out[3];
		for (int i = 0; i < nin; i++) {
			ti[i] = G->tensors[N->in[i]];
			in[i] = ti[i]->data;
		}
		size_t nb = ir_tensor_nbytes(ti[alias]);
		void *buf = malloc(nb + 1);
		memcpy(buf, ti[alias]->data, nb);
		in[alias] = buf;
		for (int i = 0; i < n_outputs; i++) {
			to[i] = out_tensor(i);
			out[i] = i == 0 ? buf : malloc(ir_tensor_nbytes(to[i]) + 1);
		}
		struct ir_kctx k = {G, N, ti, to, in, out, NULL, 1};
		if (ir_tensor_nbytes(to[0]) != nb)
			fail("%s: output and input %d differ in size", what, alias);
		else if (ir_ops[op].run(&k) < 0)
			fail("%s: %s", what, ir_errmsg);
		else
			for (int i = 0; i < n_outputs; i++)
				expect_bytes(what, out[i], outs[i], 1, ir_tensor_nbytes(to[i]));
		for (int i = 1; i < n_outputs; i++)
			free(out[i]);
		free(buf);
	}
	end(outs);
}

static void set_axis1(struct ir_node *n)
{
	ir_attr_set_int(n, "axis", 1);
}

static void set_bounds(struct ir_node *n)
{
	ir_attr_set_float(n, "min", -1.0f);
	ir_attr_set_float(n, "max", 2.0f);
}

static void set_training(struct ir_node *n)
{
	ir_attr_set_int(n, "training_mode", 1);
}

static void test_in_place(void)
{
	const struct shape fm = {4, {2, 3, 37, 41}}, ch = {4, {1, 3, 1, 1}}, c3 = {3, {3, 1, 1}};
	const struct shape vec = {1, {3}}, sc = {0, {0}};
	const struct shape same[2] = {fm, fm}, se[2] = {fm, ch}, es[2] = {ch, fm};
	const struct shape fs[2] = {fm, sc}, sf[2] = {sc, fm}, pr[2] = {fm, c3};
	const struct shape bn[5] = {fm, vec, vec, vec, vec};
	char what[96];
	for (size_t o = 0; o < sizeof bin_ops / sizeof *bin_ops; o++) {
		const char *name = ir_op_name(bin_ops[o]);
		snprintf(what, sizeof what, "%s in place of A", name);
		in_place_case(what, bin_ops[o], 2, same, 0, 1, NULL);
		snprintf(what, sizeof what, "%s in place of B", name);
		in_place_case(what, bin_ops[o], 2, same, 1, 1, NULL);
		snprintf(what, sizeof what, "%s per channel in place", name);
		in_place_case(what, bin_ops[o], 2, se, 0, 1, NULL);
		snprintf(what, sizeof what, "%s channel-first in place of B", name);
		in_place_case(what, bin_ops[o], 2, es, 1, 1, NULL);
		snprintf(what, sizeof what, "%s by scalar in place", name);
		in_place_case(what, bin_ops[o], 2, fs, 0, 1, NULL);
		snprintf(what, sizeof what, "%s scalar by tensor in place", name);
		in_place_case(what, bin_ops[o], 2, sf, 1, 1, NULL);
	}
	static const enum ir_op un[] = {
		IR_OP_RELU, IR_OP_LEAKY_RELU, IR_OP_SIGMOID, IR_OP_TANH, IR_OP_HARD_SIGMOID,
		IR_OP_HARD_SWISH, IR_OP_ERF, IR_OP_SQRT, IR_OP_EXP, IR_OP_LOG, IR_OP_ABS,
		IR_OP_NEG, IR_OP_RECIPROCAL,
	};
	for (size_t o = 0; o < sizeof un / sizeof *un; o++) {
		snprintf(what, sizeof what, "%s in place", ir_op_name(un[o]));
		in_place_case(what, un[o], 1, &fm, 0, 1, NULL);
	}
	in_place_case("Clip in place", IR_OP_CLIP, 1, &fm, 0, 1, set_bounds);
	in_place_case("PRelu in place", IR_OP_PRELU, 2, pr, 0, 1, NULL);
	in_place_case("Softmax in place", IR_OP_SOFTMAX, 1, &fm, 0, 1, NULL);
	in_place_case("Softmax axis 1 in place", IR_OP_SOFTMAX, 1, &fm, 0, 1, set_axis1);
	in_place_case("BatchNormalization in place", IR_OP_BATCH_NORM, 5, bn, 0, 1, NULL);
	in_place_case("BatchNormalization training in place", IR_OP_BATCH_NORM, 5, bn, 0, 3,
		      set_training);
}

int main(void)
{
	test_binary();
	test_binary_special();
	test_unary();
	test_clip();
	test_prelu();
	test_softmax();
	test_reduce();
	test_argmax();
	test_global_pool();
	test_batch_norm();
	test_cast();
	test_in_place();
	if (failed) {
		fprintf(stderr, "test_kernels_eltwise: %d failed, %d passed\n", failed, passed);
		return 1;
	}
	printf("test_kernels_eltwise: %d passed\n", passed);
	return 0;
}
