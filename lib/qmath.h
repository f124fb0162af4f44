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
 * (acc*m when r == 0). |acc| < 2^32. */
static inline int64_t q_requant(int64_t acc, struct qmul q)
{
	int64_t p = acc * (int64_t)q.m;
	return q.r ? (p + ((int64_t)1 << (q.r - 1))) >> q.r : p;
}

static inline int32_t q_sat(int64_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int32_t)v;
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

/* The f64 functions the LUT ops tabulate (formats/ir.md semantics). */
double q_fn_sigmoid(double x, const void *ctx);
double q_fn_tanh(double x, const void *ctx);
double q_fn_hard_swish(double x, const void *ctx);
double q_fn_silu(double x, const void *ctx);
double q_fn_gelu(double x, const void *ctx);
/* ctx: const float[2] {alpha, beta} */
double q_fn_hard_sigmoid(double x, const void *ctx);

#endif
