/*
 * qmath.h: the integer primitives of formats/numerics.md, implemented once
 * (qmath.c) for ir-quant, the int8 reference runner and the BPU simulator.
 *
 * A real factor M > 0 is carried as an integer multiplier m and a right
 * shift r, M ~= m * 2^-r; requantizing an accumulator is one 64-bit
 * product and one rounding shift:
 *
 *     struct qmul q;
 *     if (q_multiplier(s_in * s_w / s_out, &q) < 0) die("%s", ir_errmsg);
 *     int32_t y = q_sat(q_requant(acc, q) + z_out, qmin, qmax);
 */
#ifndef QMATH_H
#define QMATH_H

#include <stdint.h>

struct qmul {
	int32_t m;   /* in [2^30, 2^31) unless r == 62 (tiny factors) */
	int r;       /* 0 .. 62 */
};

/* Chooses (m, r) for M: r is the largest in 0..62 with rne(M * 2^r) <
 * 2^31, m = rne(M * 2^r). -1 with ir_errmsg if M is not in (0, 2^31). */
int q_multiplier(double M, struct qmul *q);
/* The real factor a (m, r) stands for. */
double q_factor(struct qmul q);

/* round(acc * m / 2^r), ties toward +infinity: (acc*m + 2^(r-1)) >> r
 * (acc*m when r == 0), in int64: |acc| <= 2^31 (every int32 accumulator;
 * then |acc * m| < 2^62 and adding 2^(r-1) cannot overflow). */
static inline int64_t q_requant(int64_t acc, struct qmul q)
{
	int64_t p = acc * (int64_t)q.m;
	return q.r ? (p + ((int64_t)1 << (q.r - 1))) >> q.r : p;
}

/* q_requant for any int64 acc (numerics.md "Requantization"): the product
 * formed exactly, in int64 when |acc| <= 2^31 and in 128 bits otherwise (the
 * int64 accumulators of int16 convolutions, pooling and Resize); a result
 * beyond int64 (only when r is small) is the int64 bound. Equal to
 * q_requant wherever that one is defined. */
static inline int64_t q_requant_wide(int64_t acc, struct qmul q)
{
	if (acc >= -((int64_t)1 << 31) && acc <= ((int64_t)1 << 31))
		return q_requant(acc, q);
	__int128 p = (__int128)acc * q.m;
	if (q.r)
		p = (p + ((__int128)1 << (q.r - 1))) >> q.r;
	return p > INT64_MAX ? INT64_MAX : p < INT64_MIN ? INT64_MIN : (int64_t)p;
}

static inline int32_t q_sat(int64_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* sat(requant(acc, q) + z, lo, hi) for any int64 acc (the product exact,
 * q_requant_wide); lo..hi within int32, |z| < 2^31. */
static inline int32_t q_requant_out(int64_t acc, struct qmul q, int32_t z, int32_t lo, int32_t hi)
{
	int64_t v = q_requant_wide(acc, q);
	/* beyond +-2^62 only the side matters, and then + z cannot wrap */
	v = v < -((int64_t)1 << 62) ? -((int64_t)1 << 62) : v > ((int64_t)1 << 62) ? ((int64_t)1 << 62) : v;
	return q_sat(v + z, lo, hi);
}

/* Quantize (CPU): sat(rne(x / s) + z, lo, hi), x / s one f32 division;
 * NaN gives z. */
int32_t q_quantize(float x, float s, int32_t z, int32_t lo, int32_t hi);
/* Dequantize (CPU): (float)(q - z) * s, one f32 multiplication. */
static inline float q_dequantize(int64_t q, float s, int32_t z)
{
	return (float)(q - z) * s;
}

/* A 256-entry table for an int8 unary op: table[q + 128] =
 * sat(rne(f((q - z_in) * s_in) / s_out) + z_out, lo, hi), f in f64. */
void q_lut_build(double (*f)(double x, const void *ctx), const void *ctx, float s_in,
		 int32_t z_in, float s_out, int32_t z_out, int32_t lo, int32_t hi,
		 int8_t table[256]);

/* The entries of any table (numerics.md "Lookup-table ops"): for j < n,
 * table[j] = sat(rne(f((q0 + j * step - z_in) * s_in) / s_out) + z_out, lo,
 * hi). An int8 input's table is q0 = -128, step 1, n = 256 (Q_LUT8_*); an
 * int16 input's q0 = -32768, step 64, n = 1025 (Q_LUT16_*). */
void q_lut_entries(double (*f)(double x, const void *ctx), const void *ctx, float s_in,
		   int32_t z_in, float s_out, int32_t z_out, int32_t lo, int32_t hi, int64_t q0,
		   int64_t step, int n, int32_t *table);

#define Q_LUT8_N 256
#define Q_LUT16_N 1025     /* knots every Q_LUT16_STEP input steps, the last at 32768 */
#define Q_LUT16_SHIFT 6
#define Q_LUT16_STEP (1 << Q_LUT16_SHIFT)

/* An int16 input x through a 1025-knot table t: the linear interpolation
 * between knots i = (x + 32768) >> 6 and i + 1, rounded to nearest with ties
 * toward +infinity; always between t[i] and t[i + 1]. */
static inline int32_t q_lut16(const int32_t *t, int32_t x)
{
	int32_t u = x + 32768, i = u >> Q_LUT16_SHIFT, f = u & (Q_LUT16_STEP - 1);
	return t[i] + (((t[i + 1] - t[i]) * f + (Q_LUT16_STEP / 2)) >> Q_LUT16_SHIFT);
}

/* The f64 functions the LUT ops tabulate (formats/ir.md semantics). */
double q_fn_sigmoid(double x, const void *ctx);
double q_fn_tanh(double x, const void *ctx);
double q_fn_hard_swish(double x, const void *ctx);
double q_fn_silu(double x, const void *ctx);
double q_fn_gelu(double x, const void *ctx);
/* ctx: const float[2] {alpha, beta} */
double q_fn_hard_sigmoid(double x, const void *ctx);

#endif
