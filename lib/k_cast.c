/*
 * k_cast.c: the Cast kernel (ops.h), between every pair of the dtypes of
 * formats/ir.md: f32, f64, f16, bf16, the signed and unsigned integers of
 * 8 to 64 bits, and bool.
 *
 * Rules (formats/ir.md, "Operators"; ONNX Cast-13 where it is defined):
 * - float to integer truncates toward zero; out-of-range values saturate
 *   at the type's limits and NaN becomes 0 (ONNX leaves both undefined);
 * - integer to integer wraps (two's complement, as numpy's astype);
 * - anything to bool is x != 0 (so NaN is true); bool is 0 or 1;
 * - to f32, f64 and f16 rounds to nearest, ties to even, exactly once;
 *   to bf16 rounds to f32 and keeps its high 16 bits (ONNX 1.12 truncates);
 *   NaN stays NaN, overflow gives infinity; f16 and bf16 to a wider float
 *   are exact.
 *
 * Elements pass through a wide intermediate, a block at a time: double for
 * the float types (exact for all four), int64_t for the signed integers,
 * uint64_t for the unsigned ones and bool. Each conversion is then one
 * reader and one writer loop, and none rounds twice: 64-bit integers go
 * to f16 and bf16 through a sticky-bit reduction, not a rounded double.
 * Reading a whole block before writing it also keeps a cast between
 * dtypes of one size correct should the executor run it in place.
 */
#include "ops.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define BLOCK 256

enum cls { CLS_F, CLS_S, CLS_U };

union block {
	double f[BLOCK];
	int64_t s[BLOCK];
	uint64_t u[BLOCK];
};

/* ---- f16 and bf16 ------------------------------------------------------ */

/* Rounds |d| to a float format with `mant` stored significand bits, the
 * given exponent bias and maximum biased exponent, returning the bit
 * pattern without the sign. Scaling by powers of two is exact, so the one
 * rounding is nearbyint's (ties to even in the default rounding mode). */
static uint32_t round_small_float(double a, int mant, int bias, int emax)
{
	int e;
	/* below the smallest normal: count units of the smallest subnormal;
	 * a carry into 2^mant is exactly the smallest normal's pattern */
	if (a < ldexp(1.0, 1 - bias))
		return (uint32_t)nearbyint(ldexp(a, bias - 1 + mant));
	double f = frexp(a, &e);                      /* a = f * 2^e, f in [0.5,1) */
	double m = nearbyint(ldexp(f, mant + 1));     /* [2^mant, 2^(mant+1)] */
	int be = e - 1 + bias;
	if (m == ldexp(1.0, mant + 1)) {
		m = ldexp(1.0, mant);
		be++;
	}
	if (be > emax)
		return (uint32_t)(emax + 1) << mant;     /* infinity */
	return (uint32_t)be << mant | (uint32_t)(m - ldexp(1.0, mant));
}

static uint16_t f16_from_f64(double d)
{
	uint16_t sign = signbit(d) ? 0x8000 : 0;
	double a = fabs(d);
	if (a != a)
		return sign | 0x7e00;
	if (isinf(a))
		return sign | 0x7c00;
	return sign | (uint16_t)round_small_float(a, 10, 15, 30);
}

/* bf16 is the high half of the f32 (ONNX 1.12's reference Cast, which its
 * test data follow, truncates; so do we): the value is rounded to f32 once,
 * then cut. */
static uint16_t bf16_from_f64(double d)
{
	if (d != d)
		return signbit(d) ? 0xffc0 : 0x7fc0;
	float f = (float)d;
	uint32_t bits;
	memcpy(&bits, &f, sizeof bits);
	return (uint16_t)(bits >> 16);
}

static double f16_to_f64(uint16_t h)
{
	int e = h >> 10 & 0x1f, m = h & 0x3ff;
	double v;
	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return h >> 15 ? -v : v;
}

static double bf16_to_f64(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

/* A 64-bit magnitude as a double that rounds like it to any format of at
 * most 51 significand bits: above 2^53 the bits a double cannot hold are
 * folded into one sticky bit, so a tie can not appear where there was
 * none. */
static double u64_sticky(uint64_t m)
{
	if (m < (1ull << 53))
		return (double)m;
	int sh = 0;
	while ((m >> sh) >= (1ull << 53))
		sh++;
	uint64_t r = m >> sh | ((m & ((1ull << sh) - 1)) != 0);
	return ldexp((double)r, sh);
}

static double s64_sticky(int64_t v)
{
	return v < 0 ? -u64_sticky(0 - (uint64_t)v) : u64_sticky((uint64_t)v);
}

/* ---- readers ----------------------------------------------------------- */

static enum cls read_block(const void *src, enum ir_dtype t, int64_t at, int n,
			   union block *b)
{
	switch (t) {
	case IR_DTYPE_F32: {
		const float *x = (const float *)src + at;
		for (int i = 0; i < n; i++)
			b->f[i] = x[i];
		return CLS_F;
	}
	case IR_DTYPE_F64:
		memcpy(b->f, (const double *)src + at, sizeof(double) * n);
		return CLS_F;
	case IR_DTYPE_F16: {
		const uint16_t *x = (const uint16_t *)src + at;
		for (int i = 0; i < n; i++)
			b->f[i] = f16_to_f64(x[i]);
		return CLS_F;
	}
	case IR_DTYPE_BF16: {
		const uint16_t *x = (const uint16_t *)src + at;
		for (int i = 0; i < n; i++)
			b->f[i] = bf16_to_f64(x[i]);
		return CLS_F;
	}
#define RD(DT, T, FIELD, CLS)                                                   \
	case DT: {                                                              \
		const T *x = (const T *)src + at;                               \
		for (int i = 0; i < n; i++)                                     \
			b->FIELD[i] = x[i];                                     \
		return CLS;                                                     \
	}
	RD(IR_DTYPE_I8, int8_t, s, CLS_S)
	RD(IR_DTYPE_I16, int16_t, s, CLS_S)
	RD(IR_DTYPE_I32, int32_t, s, CLS_S)
	RD(IR_DTYPE_I64, int64_t, s, CLS_S)
	RD(IR_DTYPE_U8, uint8_t, u, CLS_U)
	RD(IR_DTYPE_U16, uint16_t, u, CLS_U)
	RD(IR_DTYPE_U32, uint32_t, u, CLS_U)
	RD(IR_DTYPE_U64, uint64_t, u, CLS_U)
#undef RD
	case IR_DTYPE_BOOL: {
		const uint8_t *x = (const uint8_t *)src + at;
		for (int i = 0; i < n; i++)
			b->u[i] = x[i] != 0;
		return CLS_U;
	}
	default:
		return CLS_U;
	}
}

/* ---- writers ----------------------------------------------------------- */

/* From double: saturating truncation into an integer type. (double)MAX is
 * 2^63 or 2^64 for the 64-bit types, itself out of range, hence >=. */
#define W_SAT(DT, T, MINV, MAXV)                                                \
	case DT: {                                                              \
		T *o = (T *)dst + at;                                           \
		for (int i = 0; i < n; i++) {                                   \
			double d = b->f[i];                                     \
			o[i] = d != d ? 0 : d <= (double)(MINV) ? (MINV)        \
			     : d >= (double)(MAXV) ? (MAXV) : (T)d;             \
		}                                                               \
		return;                                                         \
	}

static void write_from_f(void *dst, enum ir_dtype t, int64_t at, int n, const union block *b)
{
	switch (t) {
	case IR_DTYPE_F32: {
		float *o = (float *)dst + at;
		for (int i = 0; i < n; i++)
			o[i] = (float)b->f[i];
		return;
	}
	case IR_DTYPE_F64:
		memcpy((double *)dst + at, b->f, sizeof(double) * n);
		return;
	case IR_DTYPE_F16: {
		uint16_t *o = (uint16_t *)dst + at;
		for (int i = 0; i < n; i++)
			o[i] = f16_from_f64(b->f[i]);
		return;
	}
	case IR_DTYPE_BF16: {
		uint16_t *o = (uint16_t *)dst + at;
		for (int i = 0; i < n; i++)
			o[i] = bf16_from_f64(b->f[i]);
		return;
	}
	case IR_DTYPE_BOOL: {
		uint8_t *o = (uint8_t *)dst + at;
		for (int i = 0; i < n; i++)
			o[i] = b->f[i] != 0;
		return;
	}
	W_SAT(IR_DTYPE_I8, int8_t, INT8_MIN, INT8_MAX)
	W_SAT(IR_DTYPE_I16, int16_t, INT16_MIN, INT16_MAX)
	W_SAT(IR_DTYPE_I32, int32_t, INT32_MIN, INT32_MAX)
	W_SAT(IR_DTYPE_I64, int64_t, INT64_MIN, INT64_MAX)
	W_SAT(IR_DTYPE_U8, uint8_t, 0, UINT8_MAX)
	W_SAT(IR_DTYPE_U16, uint16_t, 0, UINT16_MAX)
	W_SAT(IR_DTYPE_U32, uint32_t, 0, UINT32_MAX)
	W_SAT(IR_DTYPE_U64, uint64_t, 0, UINT64_MAX)
	default:
		return;
	}
}

/* From a 64-bit integer (FIELD s or u): wrapping into integers, correctly
 * rounded into floats. STICKY is s64_sticky or u64_sticky. */
#define WRITE_FROM_INT(NAME, FIELD, STICKY)                                     \
	static void NAME(void *dst, enum ir_dtype t, int64_t at, int n,         \
			 const union block *b)                                  \
	{                                                                       \
		switch (t) {                                                    \
		case IR_DTYPE_F32: WI(float, (float)b->FIELD[i])                \
		case IR_DTYPE_F64: WI(double, (double)b->FIELD[i])              \
		case IR_DTYPE_F16: WI(uint16_t, f16_from_f64(STICKY(b->FIELD[i]))) \
		case IR_DTYPE_BF16: WI(uint16_t, bf16_from_f64(STICKY(b->FIELD[i]))) \
		case IR_DTYPE_BOOL: WI(uint8_t, b->FIELD[i] != 0)               \
		case IR_DTYPE_I8: WI(int8_t, (int8_t)b->FIELD[i])               \
		case IR_DTYPE_I16: WI(int16_t, (int16_t)b->FIELD[i])            \
		case IR_DTYPE_I32: WI(int32_t, (int32_t)b->FIELD[i])            \
		case IR_DTYPE_I64: WI(int64_t, (int64_t)b->FIELD[i])            \
		case IR_DTYPE_U8: WI(uint8_t, (uint8_t)b->FIELD[i])             \
		case IR_DTYPE_U16: WI(uint16_t, (uint16_t)b->FIELD[i])          \
		case IR_DTYPE_U32: WI(uint32_t, (uint32_t)b->FIELD[i])          \
		case IR_DTYPE_U64: WI(uint64_t, (uint64_t)b->FIELD[i])          \
		default: return;                                                \
		}                                                               \
	}
#define WI(T, EXPR)                                                             \
	{                                                                       \
		T *o = (T *)dst + at;                                           \
		for (int i = 0; i < n; i++)                                     \
			o[i] = (EXPR);                                          \
		return;                                                         \
	}

WRITE_FROM_INT(write_from_s, s, s64_sticky)
WRITE_FROM_INT(write_from_u, u, u64_sticky)

int k_cast(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	int64_t n = ir_tensor_numel(x);
	if (x->dtype == y->dtype) {
		memmove(k->out[0], k->in[0], ir_tensor_nbytes(x));
		return 0;
	}
	if (ir_dtype_size(x->dtype) == 0 || ir_dtype_size(y->dtype) == 0)
		return ir_error("%scannot cast %s to %s", ir_node_ctx(k->n),
				ir_dtype_name(x->dtype), ir_dtype_name(y->dtype));
	union block b;
	for (int64_t at = 0; at < n; at += BLOCK) {
		int m = n - at < BLOCK ? (int)(n - at) : BLOCK;
		switch (read_block(k->in[0], x->dtype, at, m, &b)) {
		case CLS_F: write_from_f(k->out[0], y->dtype, at, m, &b); break;
		case CLS_S: write_from_s(k->out[0], y->dtype, at, m, &b); break;
		case CLS_U: write_from_u(k->out[0], y->dtype, at, m, &b); break;
		}
	}
	return 0;
}
