/*
 * k_eltwise.c: the elementwise kernels of the operator table (ops.h):
 * k_binary (Add, Sub, Mul, Div, Pow, Min, Max with numpy broadcasting),
 * k_unary (Relu, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Erf,
 * Sqrt, Exp, Log, Abs, Neg, Reciprocal), k_clip and k_prelu.
 *
 * Semantics are formats/ir.md, "Operators". infer.c has checked dtypes,
 * shapes and attributes before a kernel runs, so nothing here re-validates.
 *
 * Contract with the executor: an output may share its buffer with an input
 * of the same shape (ops run in place). Every loop walks forward and derives
 * output element i from input element i of that input, so a shared buffer
 * is read before it is overwritten.
 *
 * Speed: f32 is the calibration engine's hot path. At -O2, gcc 12 vectorizes
 * only loops whose trip count is a known multiple of the vector width (the
 * "very cheap" cost model), and never loops that may need an alias check.
 * So hot loops run in blocks of VB elements under "GCC ivdep" (ELW_LOOP)
 * with a scalar tail, and the math inside is free of branches and calls:
 * exp_f32, tanh_f32 and erf_f32 replace expf, tanhf and erff, which are a
 * call per element and never vectorize without -ffast-math (tanhf and erff
 * cost some 13 ns an element here, their replacements well under 1). Loops
 * that call logf, sqrtf or powf stay scalar; they are rare in the models we
 * calibrate.
 *
 * Broadcasting: both operands are mapped onto the output's shape with
 * element strides (0 where an operand is broadcast), size-1 axes are dropped
 * and neighbouring axes merged when both operands allow it. The innermost
 * remaining axis then has stride 1 or 0 in each operand, so one call of a
 * row function covers it with a contiguous or scalar loop. Same shapes
 * become one row; a scalar operand becomes one row with stride 0; the
 * squeeze-and-excitation pattern [N,C,H,W] x [1,C,1,1] becomes N*C rows of
 * H*W with a per-row scalar.
 */
#include "ops.h"
#include "vecmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* tanh x within 1.33 ulp (every float checked; glibc's tanhf: 2.19).
 * Below |x| = 0.625 Cephes' tanhf polynomial, where 1 - 2/(e^2x + 1)
 * would cancel; above it that formula, with e^2x from exp_f32 (+inf for
 * large |x|, giving exactly 1). The sign is copied back last so that -0
 * stays -0. */
static inline float tanh_f32(float x)
{
	float a = fabsf(x);
	float z = a * a;
	float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) *
			z + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * a + a;
	float big = 1.0f - 2.0f / (exp_f32(2.0f * a) + 1.0f);
	return copysignf(a < 0.625f ? small : big, x);   /* NaN: big is NaN */
}

/* erf x within 1.18 ulp (every float checked; glibc's erff: 0.97). Two
 * polynomials fitted for this file (least squares in double on Chebyshev
 * nodes, then checked in float): below |x| = 0.921875,
 * erf x = x + x q(x^2), the x + x q form keeping the last rounding small;
 * above, erf x = 1 - e^-g(x) with g a fit of -log(erfc x) on
 * [0.921875, 3.925]. Past 3.925, erf rounds to 1. */
static inline float erf_f32(float x)
{
	float a = fabsf(x);
	float t = a * a;
	float q = ((((-5.986210890e-04f * t + 4.992183298e-03f) * t - 2.676586434e-02f) * t +
		    1.128179282e-01f) * t - 3.761249185e-01f) * t + 1.283791512e-01f;
	float small = a + a * q;
	float b = a < 3.925f ? a : 3.925f;
	float g = (((((((-1.635543640e-06f * b + 4.599265958e-05f) * b - 5.959683913e-04f) * b +
		       4.754324444e-03f) * b - 2.640231140e-02f) * b + 1.100401729e-01f) * b +
		    6.318756342e-01f) * b + 1.130200267e+00f) * b - 3.109375539e-04f;
	float big = 1.0f - exp_f32(-g);
	float r = copysignf(a <= 0.921875f ? small : big, x);
	return x != x ? x : r;
}

/* ---- broadcasting ------------------------------------------------------ */

struct bcast {
	int rank;                     /* >= 1 */
	int64_t dim[IR_MAX_RANK];
	int64_t sa[IR_MAX_RANK];      /* element strides of A and B, 0 = broadcast */
	int64_t sb[IR_MAX_RANK];
};

static void bcast_strides(const struct ir_tensor *t, int r, int64_t *s)
{
	int64_t step = 1;
	for (int i = r - 1; i >= 0; i--) {
		int j = i - (r - t->rank);
		int64_t d = j >= 0 ? t->dims[j] : 1;
		s[i] = d == 1 ? 0 : step;
		step *= d;
	}
}

static void bcast_init(struct bcast *p, const struct ir_tensor *o, const struct ir_tensor *a,
		       const struct ir_tensor *b)
{
	int r = o->rank;
	int64_t sa[IR_MAX_RANK], sb[IR_MAX_RANK];
	bcast_strides(a, r, sa);
	bcast_strides(b, r, sb);
	p->rank = 0;
	for (int i = 0; i < r; i++) {
		int64_t d = o->dims[i];
		if (d == 1)
			continue;
		int k = p->rank - 1;
		/* The outer axis k folds into axis i when stepping k equals
		 * stepping i d times, in both operands. */
		if (k >= 0 && p->sa[k] == sa[i] * d && p->sb[k] == sb[i] * d) {
			p->dim[k] *= d;
			p->sa[k] = sa[i];
			p->sb[k] = sb[i];
			continue;
		}
		p->dim[p->rank] = d;
		p->sa[p->rank] = sa[i];
		p->sb[p->rank] = sb[i];
		p->rank++;
	}
	if (p->rank == 0) {
		p->rank = 1;
		p->dim[0] = 1;
		p->sa[0] = p->sb[0] = 1;
	}
}

struct bin_ctx {
	enum ir_op op;
	enum ir_dtype ta, tb;
};

/* One innermost row: n output elements; ia, ib are 1 when the operand
 * advances with the output and 0 when it is one broadcast element. */
typedef void bin_row(const struct bin_ctx *c, void *o, const void *a, const void *b,
		     int64_t n, int ia, int ib);

static void bcast_run(const struct bcast *p, const struct bin_ctx *c, bin_row *row, void *o,
		      const void *a, const void *b, size_t eo, size_t ea, size_t eb)
{
	int r = p->rank;
	int64_t n = p->dim[r - 1], rows = 1;
	int ia = p->sa[r - 1] != 0, ib = p->sb[r - 1] != 0;
	int64_t idx[IR_MAX_RANK] = {0}, oa = 0, ob = 0;
	for (int d = 0; d < r - 1; d++)
		rows *= p->dim[d];
	for (int64_t k = 0; k < rows; k++) {
		row(c, (char *)o + (size_t)(k * n) * eo, (const char *)a + (size_t)oa * ea,
		    (const char *)b + (size_t)ob * eb, n, ia, ib);
		for (int d = r - 2; d >= 0; d--) {
			oa += p->sa[d];
			ob += p->sb[d];
			if (++idx[d] < p->dim[d])
				break;
			oa -= p->sa[d] * p->dim[d];
			ob -= p->sb[d] * p->dim[d];
			idx[d] = 0;
		}
	}
}

/* ---- f32 binary rows --------------------------------------------------- */

/* One row function per op with its three stride patterns written out, so
 * that each is a plain counted loop over contiguous memory. */
#define F32_BIN(NAME, EXPR)                                                     \
	static void NAME(float *o, const float *a, const float *b, int64_t n,   \
			 int ia, int ib)                                        \
	{                                                                       \
		if (ia && ib) {                                                 \
			ELW_LOOP(n, float x = a[i]; float y = b[i];             \
				 o[i] = (EXPR));                                \
		} else if (ia) {                                                \
			const float y = b[0];                                   \
			ELW_LOOP(n, float x = a[i]; o[i] = (EXPR));             \
		} else {                                                        \
			const float x = a[0];                                   \
			ELW_LOOP(n, float y = b[i]; o[i] = (EXPR));             \
		}                                                               \
	}

F32_BIN(add_f32, x + y)
F32_BIN(sub_f32, x - y)
F32_BIN(mul_f32, x * y)
F32_BIN(div_f32, x / y)
/* NaN in either operand gives NaN, as numpy's minimum and maximum do. */
F32_BIN(min_f32, (x < y || x != x) ? x : y)
F32_BIN(max_f32, (x > y || x != x) ? x : y)

static void pow_f32(float *o, const float *a, const float *b, int64_t n, int ia, int ib)
{
	/* x^2 is the common case (variance, squared distances); x*x is the
	 * correctly rounded result and vectorizes. */
	if (ia && !ib && b[0] == 2.0f) {
		ELW_LOOP(n, float x = a[i]; o[i] = x * x);
		return;
	}
	for (int64_t i = 0; i < n; i++)
		o[i] = powf(a[i * ia], b[i * ib]);
}

static void row_f32(const struct bin_ctx *c, void *o, const void *a, const void *b, int64_t n,
		    int ia, int ib)
{
	switch (c->op) {
	case IR_OP_ADD: add_f32(o, a, b, n, ia, ib); break;
	case IR_OP_SUB: sub_f32(o, a, b, n, ia, ib); break;
	case IR_OP_MUL: mul_f32(o, a, b, n, ia, ib); break;
	case IR_OP_DIV: div_f32(o, a, b, n, ia, ib); break;
	case IR_OP_POW: pow_f32(o, a, b, n, ia, ib); break;
	case IR_OP_MIN: min_f32(o, a, b, n, ia, ib); break;
	case IR_OP_MAX: max_f32(o, a, b, n, ia, ib); break;
	default: break;
	}
}

void ir_f32_binary_row(enum ir_op op, float *o, const float *a, const float *b, int64_t n,
		       int ia, int ib)
{
	struct bin_ctx c = {.op = op};
	row_f32(&c, o, a, b, n, ia, ib);
}

/* ---- other dtypes ------------------------------------------------------ */

/* Same-dtype rows for f64 and the integers (Pow goes through row_pow).
 * ARITH combines with + - *: plain for f64, through the unsigned type U for
 * integers so that overflow wraps instead of being undefined. */
#define ARITH_F(T, U, x, OP, y) ((x) OP (y))
#define ARITH_I(T, U, x, OP, y) ((T)((U)(x) OP (U)(y)))
#define DIV_F(T, U, x, y) ((x) / (y))
/* Integer division truncates toward zero; by zero it gives 0 instead of
 * trapping; MIN / -1 wraps to MIN like the other overflows. */
#define DIV_S(T, U, x, y) ((y) == 0 ? (T)0 : (y) == -1 ? (T)(0 - (U)(x)) : (T)((x) / (y)))
#define DIV_U(T, U, x, y) ((y) == 0 ? (T)0 : (T)((x) / (y)))
#define MIN_F(x, y) (((x) < (y) || (x) != (x)) ? (x) : (y))
#define MAX_F(x, y) (((x) > (y) || (x) != (x)) ? (x) : (y))
#define MIN_I(x, y) ((x) < (y) ? (x) : (y))
#define MAX_I(x, y) ((x) > (y) ? (x) : (y))

#define ROW_LOOP(EXPR)                                                          \
	for (int64_t i = 0; i < n; i++) {                                       \
		T x = a[i * ia], y = b[i * ib];                                 \
		o[i] = (EXPR);                                                  \
	}                                                                       \
	break

#define GEN_ROW(NAME, T_, U_, ARITH, DIV, MIN, MAX)                             \
	static void NAME(const struct bin_ctx *c, void *vo, const void *va,     \
			 const void *vb, int64_t n, int ia, int ib)             \
	{                                                                       \
		typedef T_ T;                                                   \
		typedef U_ U __attribute__((unused));                           \
		T *o = vo;                                                      \
		const T *a = va, *b = vb;                                       \
		switch (c->op) {                                                \
		case IR_OP_ADD: ROW_LOOP(ARITH(T, U, x, +, y));                 \
		case IR_OP_SUB: ROW_LOOP(ARITH(T, U, x, -, y));                 \
		case IR_OP_MUL: ROW_LOOP(ARITH(T, U, x, *, y));                 \
		case IR_OP_DIV: ROW_LOOP(DIV(T, U, x, y));                      \
		case IR_OP_MIN: ROW_LOOP(MIN(x, y));                            \
		case IR_OP_MAX: ROW_LOOP(MAX(x, y));                            \
		default: break;                                                 \
		}                                                               \
	}

GEN_ROW(row_f64, double, double, ARITH_F, DIV_F, MIN_F, MAX_F)
GEN_ROW(row_i8, int8_t, uint32_t, ARITH_I, DIV_S, MIN_I, MAX_I)
GEN_ROW(row_u8, uint8_t, uint32_t, ARITH_I, DIV_U, MIN_I, MAX_I)
GEN_ROW(row_i16, int16_t, uint32_t, ARITH_I, DIV_S, MIN_I, MAX_I)
GEN_ROW(row_u16, uint16_t, uint32_t, ARITH_I, DIV_U, MIN_I, MAX_I)
GEN_ROW(row_i32, int32_t, uint32_t, ARITH_I, DIV_S, MIN_I, MAX_I)
GEN_ROW(row_u32, uint32_t, uint32_t, ARITH_I, DIV_U, MIN_I, MAX_I)
GEN_ROW(row_i64, int64_t, uint64_t, ARITH_I, DIV_S, MIN_I, MAX_I)
GEN_ROW(row_u64, uint64_t, uint64_t, ARITH_I, DIV_U, MIN_I, MAX_I)

/* ---- Pow with mixed dtypes --------------------------------------------- */

static double load_f64(const void *p, enum ir_dtype t, int64_t i)
{
	switch (t) {
	case IR_DTYPE_F32: return ((const float *)p)[i];
	case IR_DTYPE_F64: return ((const double *)p)[i];
	case IR_DTYPE_I8: return ((const int8_t *)p)[i];
	case IR_DTYPE_U8: return ((const uint8_t *)p)[i];
	case IR_DTYPE_I16: return ((const int16_t *)p)[i];
	case IR_DTYPE_U16: return ((const uint16_t *)p)[i];
	case IR_DTYPE_I32: return ((const int32_t *)p)[i];
	case IR_DTYPE_U32: return ((const uint32_t *)p)[i];
	case IR_DTYPE_I64: return (double)((const int64_t *)p)[i];
	case IR_DTYPE_U64: return (double)((const uint64_t *)p)[i];
	default: return 0;
	}
}

/* An integer element as its two's-complement bit pattern in 64 bits
 * (sign-extended), and whether it is negative. */
static uint64_t load_bits(const void *p, enum ir_dtype t, int64_t i, int *neg)
{
	int64_t s;
	*neg = 0;
	switch (t) {
	case IR_DTYPE_U8: return ((const uint8_t *)p)[i];
	case IR_DTYPE_U16: return ((const uint16_t *)p)[i];
	case IR_DTYPE_U32: return ((const uint32_t *)p)[i];
	case IR_DTYPE_U64: return ((const uint64_t *)p)[i];
	case IR_DTYPE_I8: s = ((const int8_t *)p)[i]; break;
	case IR_DTYPE_I16: s = ((const int16_t *)p)[i]; break;
	case IR_DTYPE_I32: s = ((const int32_t *)p)[i]; break;
	case IR_DTYPE_I64: s = ((const int64_t *)p)[i]; break;
	default: return 0;
	}
	*neg = s < 0;
	return (uint64_t)s;
}

/* Stores a double into an element of dtype t: floats round to nearest,
 * integers truncate toward zero and saturate at the type's limits; NaN
 * becomes 0 (C leaves out-of-range conversions undefined). */
static void store_f64(void *p, enum ir_dtype t, int64_t i, double d)
{
	double lo = 0, hi = 0;
	switch (t) {
	case IR_DTYPE_F32: ((float *)p)[i] = (float)d; return;
	case IR_DTYPE_F64: ((double *)p)[i] = d; return;
	case IR_DTYPE_I8: lo = INT8_MIN, hi = INT8_MAX; break;
	case IR_DTYPE_U8: hi = UINT8_MAX; break;
	case IR_DTYPE_I16: lo = INT16_MIN, hi = INT16_MAX; break;
	case IR_DTYPE_U16: hi = UINT16_MAX; break;
	case IR_DTYPE_I32: lo = INT32_MIN, hi = INT32_MAX; break;
	case IR_DTYPE_U32: hi = UINT32_MAX; break;
	case IR_DTYPE_I64: lo = -0x1p63, hi = 0x1p63; break;
	case IR_DTYPE_U64: hi = 0x1p64; break;
	default: return;
	}
	if (d != d)
		d = 0;
	d = trunc(d);
	if (t == IR_DTYPE_I64) {
		((int64_t *)p)[i] = d <= lo ? INT64_MIN : d >= hi ? INT64_MAX : (int64_t)d;
		return;
	}
	if (t == IR_DTYPE_U64) {
		((uint64_t *)p)[i] = d <= 0 ? 0 : d >= hi ? UINT64_MAX : (uint64_t)d;
		return;
	}
	d = d < lo ? lo : d > hi ? hi : d;
	switch (t) {
	case IR_DTYPE_I8: ((int8_t *)p)[i] = (int8_t)d; break;
	case IR_DTYPE_U8: ((uint8_t *)p)[i] = (uint8_t)d; break;
	case IR_DTYPE_I16: ((int16_t *)p)[i] = (int16_t)d; break;
	case IR_DTYPE_U16: ((uint16_t *)p)[i] = (uint16_t)d; break;
	case IR_DTYPE_I32: ((int32_t *)p)[i] = (int32_t)d; break;
	case IR_DTYPE_U32: ((uint32_t *)p)[i] = (uint32_t)d; break;
	default: break;
	}
}

static void store_bits(void *p, enum ir_dtype t, int64_t i, uint64_t v)
{
	switch (t) {
	case IR_DTYPE_I8: ((int8_t *)p)[i] = (int8_t)v; break;
	case IR_DTYPE_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case IR_DTYPE_I16: ((int16_t *)p)[i] = (int16_t)v; break;
	case IR_DTYPE_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case IR_DTYPE_I32: ((int32_t *)p)[i] = (int32_t)v; break;
	case IR_DTYPE_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	case IR_DTYPE_I64: ((int64_t *)p)[i] = (int64_t)v; break;
	case IR_DTYPE_U64: ((uint64_t *)p)[i] = v; break;
	default: break;
	}
}

/* base^e for an integer base and exponent, exact modulo 2^64 (so exact,
 * or wrapped like the other integer ops, once truncated to the type). A
 * negative exponent gives what truncating the real result gives: 1 and -1
 * stay on the unit circle, every other base goes to 0 (0 too, where the
 * real result is infinite: like integer division by zero). */
static uint64_t ipow(uint64_t base, int bneg, uint64_t e, int eneg)
{
	if (eneg) {
		if (base == 1)
			return 1;
		if (bneg && base == UINT64_MAX)   /* -1 */
			return (e & 1) ? UINT64_MAX : 1;
		return 0;
	}
	uint64_t r = 1;
	for (; e; e >>= 1) {
		if (e & 1)
			r *= base;
		base *= base;
	}
	return r;
}

/* Pow for every dtype pair but f32^f32. An integer base with an integer
 * exponent is computed exactly (pow(int 2, 3) must be 8, and a double is
 * not exact above 2^53); a float on either side computes in double and
 * converts to A's dtype. */
static void row_pow(const struct bin_ctx *c, void *o, const void *a, const void *b, int64_t n,
		    int ia, int ib)
{
	int aint = !ir_dtype_is_float(c->ta), bint = !ir_dtype_is_float(c->tb);
	for (int64_t i = 0; i < n; i++) {
		if (aint && bint) {
			int an, bn;
			uint64_t x = load_bits(a, c->ta, i * ia, &an);
			uint64_t y = load_bits(b, c->tb, i * ib, &bn);
			if (bn)
				y = 0 - y;
			store_bits(o, c->ta, i, ipow(x, an, y, bn));
		} else {
			double r = pow(load_f64(a, c->ta, i * ia), load_f64(b, c->tb, i * ib));
			store_f64(o, c->ta, i, r);
		}
	}
}

static bin_row *same_dtype_row(enum ir_dtype t)
{
	switch (t) {
	case IR_DTYPE_F32: return row_f32;
	case IR_DTYPE_F64: return row_f64;
	case IR_DTYPE_I8: return row_i8;
	case IR_DTYPE_U8: return row_u8;
	case IR_DTYPE_I16: return row_i16;
	case IR_DTYPE_U16: return row_u16;
	case IR_DTYPE_I32: return row_i32;
	case IR_DTYPE_U32: return row_u32;
	case IR_DTYPE_I64: return row_i64;
	case IR_DTYPE_U64: return row_u64;
	default: return NULL;
	}
}

int k_binary(const struct ir_kctx *k)
{
	const struct ir_tensor *a = k->ti[0], *b = k->ti[1], *o = k->to[0];
	if (ir_tensor_numel(o) == 0)
		return 0;
	struct bin_ctx c = {k->n->op, a->dtype, b->dtype};
	bin_row *row;
	if (c.op == IR_OP_POW && !(a->dtype == IR_DTYPE_F32 && b->dtype == IR_DTYPE_F32))
		row = row_pow;
	else
		row = same_dtype_row(a->dtype);
	if (!row)
		return ir_error("%sdtype %s is not supported", ir_node_ctx(k->n),
				ir_dtype_name(a->dtype));
	struct bcast p;
	bcast_init(&p, o, a, b);
	bcast_run(&p, &c, row, k->out[0], k->in[0], k->in[1], ir_dtype_size(o->dtype),
		  ir_dtype_size(a->dtype), ir_dtype_size(b->dtype));
	return 0;
}

/* ---- unary ------------------------------------------------------------- */

static void unary_f32(const struct ir_node *node, float *o, const float *x, int64_t n)
{
	switch (node->op) {
	case IR_OP_RELU:
		ELW_LOOP(n, float v = x[i]; o[i] = v < 0.0f ? 0.0f : v);
		break;
	case IR_OP_LEAKY_RELU: {
		const float alpha = ir_attr_float(node, "alpha", 0.01f);
		ELW_LOOP(n, float v = x[i]; o[i] = v < 0.0f ? alpha * v : v);
		break;
	}
	case IR_OP_SIGMOID:
		/* exp_f32(-v) is +inf for v < -89 and the quotient 0, as the
		 * exact sigmoid rounds; for v > 104 it is 0 and the quotient 1. */
		ELW_LOOP(n, float v = x[i]; o[i] = 1.0f / (1.0f + exp_f32(-v)));
		break;
	case IR_OP_HARD_SIGMOID: {
		const float alpha = ir_attr_float(node, "alpha", 0.2f);
		const float beta = ir_attr_float(node, "beta", 0.5f);
		ELW_LOOP(n, float h = alpha * x[i] + beta; h = h < 0.0f ? 0.0f : h;
			 o[i] = h > 1.0f ? 1.0f : h);
		break;
	}
	case IR_OP_HARD_SWISH:
		/* ONNX defines it as x * HardSigmoid(x) with alpha = 1/6, which
		 * is how ONNX Runtime computes it: multiply by the float 1/6. */
		ELW_LOOP(n, float v = x[i]; float h = v * (1.0f / 6.0f) + 0.5f;
			 h = h < 0.0f ? 0.0f : h; h = h > 1.0f ? 1.0f : h; o[i] = v * h);
		break;
	case IR_OP_SILU:
		/* x * sigmoid(x), as the Mul(x, Sigmoid(x)) it replaces */
		ELW_LOOP(n, float v = x[i]; o[i] = v * (1.0f / (1.0f + exp_f32(-v))));
		break;
	case IR_OP_GELU:
		/* x * 0.5 * (1 + erf(x / sqrt 2)), the Erf form exporters write */
		ELW_LOOP(n, float v = x[i];
			 o[i] = v * 0.5f * (1.0f + erf_f32(v * 0.70710678118654752f)));
		break;
	case IR_OP_EXP:
		ELW_LOOP(n, o[i] = exp_f32(x[i]));
		break;
	case IR_OP_ABS:
		ELW_LOOP(n, o[i] = fabsf(x[i]));
		break;
	case IR_OP_NEG:
		ELW_LOOP(n, o[i] = -x[i]);
		break;
	case IR_OP_RECIPROCAL:
		ELW_LOOP(n, o[i] = 1.0f / x[i]);
		break;
	case IR_OP_TANH:
		ELW_LOOP(n, o[i] = tanh_f32(x[i]));
		break;
	case IR_OP_ERF:
		ELW_LOOP(n, o[i] = erf_f32(x[i]));
		break;
	case IR_OP_SQRT:
		for (int64_t i = 0; i < n; i++)
			o[i] = sqrtf(x[i]);
		break;
	case IR_OP_LOG:
		for (int64_t i = 0; i < n; i++)
			o[i] = logf(x[i]);
		break;
	default:
		break;
	}
}

void ir_f32_clamp(float *y, int64_t n, float lo, float hi)
{
	ELW_LOOP(n, float v = y[i]; v = v < lo ? lo : v; y[i] = v > hi ? hi : v);
}

void ir_f32_unary_row(const struct ir_node *node, float *o, const float *x, int64_t n)
{
	if (node->op == IR_OP_CLIP) {
		struct ir_attr *mn = ir_attr_find(node, "min"), *mx = ir_attr_find(node, "max");
		const float lo = mn ? mn->f : -INFINITY, hi = mx ? mx->f : INFINITY;
		ELW_LOOP(n, float v = x[i]; v = v < lo ? lo : v; o[i] = v > hi ? hi : v);
		return;
	}
	unary_f32(node, o, x, n);
}

/* min(max(h, 0), 1), keeping NaN (fmin and fmax would drop it). */
static double clamp01(double h)
{
	h = h < 0 ? 0 : h;
	return h > 1 ? 1 : h;
}

static void unary_f64(const struct ir_node *node, double *o, const double *x, int64_t n)
{
	double alpha, beta;
	switch (node->op) {
	case IR_OP_RELU:
		for (int64_t i = 0; i < n; i++)
			o[i] = x[i] < 0 ? 0 : x[i];
		break;
	case IR_OP_LEAKY_RELU:
		alpha = ir_attr_float(node, "alpha", 0.01f);
		for (int64_t i = 0; i < n; i++)
			o[i] = x[i] < 0 ? alpha * x[i] : x[i];
		break;
	case IR_OP_SIGMOID:
		for (int64_t i = 0; i < n; i++)
			o[i] = 1.0 / (1.0 + exp(-x[i]));
		break;
	case IR_OP_HARD_SIGMOID:
		alpha = ir_attr_float(node, "alpha", 0.2f);
		beta = ir_attr_float(node, "beta", 0.5f);
		for (int64_t i = 0; i < n; i++)
			o[i] = clamp01(alpha * x[i] + beta);
		break;
	case IR_OP_HARD_SWISH:
		for (int64_t i = 0; i < n; i++)
			o[i] = x[i] * clamp01(x[i] / 6.0 + 0.5);
		break;
	case IR_OP_TANH:
		for (int64_t i = 0; i < n; i++)
			o[i] = tanh(x[i]);
		break;
	case IR_OP_ERF:
		for (int64_t i = 0; i < n; i++)
			o[i] = erf(x[i]);
		break;
	case IR_OP_SQRT:
		for (int64_t i = 0; i < n; i++)
			o[i] = sqrt(x[i]);
		break;
	case IR_OP_EXP:
		for (int64_t i = 0; i < n; i++)
			o[i] = exp(x[i]);
		break;
	case IR_OP_LOG:
		for (int64_t i = 0; i < n; i++)
			o[i] = log(x[i]);
		break;
	case IR_OP_ABS:
		for (int64_t i = 0; i < n; i++)
			o[i] = fabs(x[i]);
		break;
	case IR_OP_NEG:
		for (int64_t i = 0; i < n; i++)
			o[i] = -x[i];
		break;
	case IR_OP_RECIPROCAL:
		for (int64_t i = 0; i < n; i++)
			o[i] = 1.0 / x[i];
		break;
	default:
		break;
	}
}

/* Relu, Abs and Neg on integers; negation wraps (-MIN is MIN). */
#define UNARY_SIGNED(T, U)                                                      \
	{                                                                       \
		T *o = out;                                                     \
		const T *x = in;                                                \
		if (op == IR_OP_RELU)                                           \
			ELW_LOOP(n, o[i] = x[i] < 0 ? 0 : x[i]);                \
		else if (op == IR_OP_ABS)                                       \
			ELW_LOOP(n, o[i] = x[i] < 0 ? (T)(0 - (U)x[i]) : x[i]); \
		else                                                            \
			ELW_LOOP(n, o[i] = (T)(0 - (U)x[i]));                   \
		return 0;                                                       \
	}
#define UNARY_UNSIGNED(T, U)                                                    \
	{                                                                       \
		T *o = out;                                                     \
		const T *x = in;                                                \
		if (op == IR_OP_NEG)                                            \
			ELW_LOOP(n, o[i] = (T)(0 - (U)x[i]));                   \
		else                                                            \
			memmove(o, x, (size_t)n * sizeof(T));                   \
		return 0;                                                       \
	}

static int unary_int(enum ir_op op, enum ir_dtype t, void *out, const void *in, int64_t n)
{
	switch (t) {
	case IR_DTYPE_I8: UNARY_SIGNED(int8_t, uint32_t)
	case IR_DTYPE_I16: UNARY_SIGNED(int16_t, uint32_t)
	case IR_DTYPE_I32: UNARY_SIGNED(int32_t, uint32_t)
	case IR_DTYPE_I64: UNARY_SIGNED(int64_t, uint64_t)
	case IR_DTYPE_U8: UNARY_UNSIGNED(uint8_t, uint32_t)
	case IR_DTYPE_U16: UNARY_UNSIGNED(uint16_t, uint32_t)
	case IR_DTYPE_U32: UNARY_UNSIGNED(uint32_t, uint32_t)
	case IR_DTYPE_U64: UNARY_UNSIGNED(uint64_t, uint64_t)
	default: return -1;
	}
}

int k_unary(const struct ir_kctx *k)
{
	enum ir_dtype t = k->ti[0]->dtype;
	int64_t n = ir_tensor_numel(k->ti[0]);
	if (t == IR_DTYPE_F32)
		unary_f32(k->n, k->out[0], k->in[0], n);
	else if (t == IR_DTYPE_F64)
		unary_f64(k->n, k->out[0], k->in[0], n);
	else if (unary_int(k->n->op, t, k->out[0], k->in[0], n) < 0)
		return ir_error("%sdtype %s is not supported", ir_node_ctx(k->n),
				ir_dtype_name(t));
	return 0;
}

/* ---- Clip -------------------------------------------------------------- */

/* A float bound as a signed integer bound: rounded to the nearest integer
 * and clamped to [lo, hi]; def when the attribute is absent or NaN. */
static int64_t bound_s(const struct ir_node *n, const char *name, int64_t lo, int64_t hi,
		       int64_t def)
{
	struct ir_attr *a = ir_attr_find(n, name);
	if (!a || a->f != a->f)
		return def;
	double r = nearbyint((double)a->f);
	if (r <= (double)lo)
		return lo;
	if (r >= (double)hi)   /* (double)INT64_MAX is 2^63, out of range */
		return hi;
	return (int64_t)r;
}

static uint64_t bound_u(const struct ir_node *n, const char *name, uint64_t hi, uint64_t def)
{
	struct ir_attr *a = ir_attr_find(n, name);
	if (!a || a->f != a->f)
		return def;
	double r = nearbyint((double)a->f);
	if (r <= 0)
		return 0;
	if (r >= (double)hi)
		return hi;
	return (uint64_t)r;
}

#define CLIP_LOOP(T, LO, HI)                                                    \
	{                                                                       \
		T *o = k->out[0];                                               \
		const T *x = k->in[0];                                          \
		const T lo = (T)(LO), hi = (T)(HI);                             \
		ELW_LOOP(n, T v = x[i]; v = v < lo ? lo : v; o[i] = v > hi ? hi : v); \
		return 0;                                                       \
	}
#define CLIP_S(T, MIN, MAX)                                                     \
	CLIP_LOOP(T, bound_s(node, "min", MIN, MAX, MIN), bound_s(node, "max", MIN, MAX, MAX))
#define CLIP_U(T, MAX) CLIP_LOOP(T, bound_u(node, "min", MAX, 0), bound_u(node, "max", MAX, MAX))

int k_clip(const struct ir_kctx *k)
{
	const struct ir_node *node = k->n;
	int64_t n = ir_tensor_numel(k->ti[0]);
	struct ir_attr *mn = ir_attr_find(node, "min"), *mx = ir_attr_find(node, "max");
	/* NaN passes through: both comparisons are false. */
	switch (k->ti[0]->dtype) {
	case IR_DTYPE_F32: CLIP_LOOP(float, mn ? mn->f : -INFINITY, mx ? mx->f : INFINITY)
	case IR_DTYPE_F64:
		CLIP_LOOP(double, mn ? (double)mn->f : -INFINITY, mx ? (double)mx->f : INFINITY)
	case IR_DTYPE_I8: CLIP_S(int8_t, INT8_MIN, INT8_MAX)
	case IR_DTYPE_I16: CLIP_S(int16_t, INT16_MIN, INT16_MAX)
	case IR_DTYPE_I32: CLIP_S(int32_t, INT32_MIN, INT32_MAX)
	case IR_DTYPE_I64: CLIP_S(int64_t, INT64_MIN, INT64_MAX)
	case IR_DTYPE_U8: CLIP_U(uint8_t, UINT8_MAX)
	case IR_DTYPE_U16: CLIP_U(uint16_t, UINT16_MAX)
	case IR_DTYPE_U32: CLIP_U(uint32_t, UINT32_MAX)
	case IR_DTYPE_U64: CLIP_U(uint64_t, UINT64_MAX)
	default:
		return ir_error("%sdtype %s is not supported", ir_node_ctx(node),
				ir_dtype_name(k->ti[0]->dtype));
	}
}

/* ---- PRelu ------------------------------------------------------------- */

static void row_prelu(const struct bin_ctx *c, void *vo, const void *va, const void *vb,
		      int64_t n, int ia, int ib)
{
	float *o = vo;
	const float *x = va, *s = vb;
	(void)c;
	if (ia && ib) {
		ELW_LOOP(n, float v = x[i]; o[i] = v < 0.0f ? v * s[i] : v);
	} else if (ia) {
		const float sc = s[0];
		ELW_LOOP(n, float v = x[i]; o[i] = v < 0.0f ? v * sc : v);
	} else {
		/* X is never the broadcast side (infer_prelu), but stay total. */
		const float v = x[0];
		ELW_LOOP(n, o[i] = v < 0.0f ? v * s[i] : v);
	}
}

int k_prelu(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0], *s = k->ti[1], *o = k->to[0];
	if (ir_tensor_numel(o) == 0)
		return 0;
	struct bin_ctx c = {k->n->op, x->dtype, s->dtype};
	struct bcast p;
	bcast_init(&p, o, x, s);
	bcast_run(&p, &c, row_prelu, k->out[0], k->in[0], k->in[1], 4, 4, 4);
	return 0;
}
