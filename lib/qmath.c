/*
 * qmath.c: see qmath.h and formats/numerics.md.
 */
#include "qmath.h"
#include "ir.h"

#include <math.h>

int q_multiplier(double M, struct qmul *q)
{
	if (!(M > 0) || !(M < 2147483648.0))
		return ir_error("requantization factor %g is outside (0, 2^31)", M);
	int r = 62;
	double v = ldexp(M, r);
	/* the largest r whose rounded product still fits below 2^31 */
	while (r > 0 && nearbyint(v) >= 2147483648.0) {
		r--;
		v = ldexp(M, r);
	}
	q->r = r;
	q->m = (int32_t)nearbyint(v);
	return 0;
}

double q_factor(struct qmul q)
{
	return ldexp((double)q.m, -q.r);
}

int32_t q_quantize(float x, float s, int32_t z, int32_t lo, int32_t hi)
{
	if (x != x)
		return q_sat(z, lo, hi);
	float v = x / s;
	/* rne in f32; values beyond int64 saturate anyway */
	if (v > 4e18f)
		return hi;
	if (v < -4e18f)
		return lo;
	return q_sat((int64_t)nearbyintf(v) + z, lo, hi);
}

void q_lut_entries(double (*f)(double x, const void *ctx), const void *ctx, float s_in,
		   int32_t z_in, float s_out, int32_t z_out, int32_t lo, int32_t hi, int64_t q0,
		   int64_t step, int n, int32_t *table)
{
	for (int j = 0; j < n; j++) {
		int64_t q = q0 + j * step;
		double y = f((double)(q - z_in) * s_in, ctx) / s_out;
		int64_t r = y != y ? 0 : y > 1e18 ? INT64_MAX / 2 : y < -1e18 ? -INT64_MAX / 2
						      : (int64_t)nearbyint(y);
		table[j] = q_sat(r + z_out, lo, hi);
	}
}

void q_lut_build(double (*f)(double x, const void *ctx), const void *ctx, float s_in,
		 int32_t z_in, float s_out, int32_t z_out, int32_t lo, int32_t hi,
		 int8_t table[256])
{
	int32_t t[256];
	q_lut_entries(f, ctx, s_in, z_in, s_out, z_out, lo, hi, -128, 1, 256, t);
	for (int i = 0; i < 256; i++)
		table[i] = (int8_t)t[i];
}

double q_fn_sigmoid(double x, const void *ctx)
{
	(void)ctx;
	return 1.0 / (1.0 + exp(-x));
}

double q_fn_tanh(double x, const void *ctx)
{
	(void)ctx;
	return tanh(x);
}

double q_fn_hard_swish(double x, const void *ctx)
{
	(void)ctx;
	double h = x / 6.0 + 0.5;
	return x * (h < 0 ? 0 : h > 1 ? 1 : h);
}

double q_fn_silu(double x, const void *ctx)
{
	(void)ctx;
	return x / (1.0 + exp(-x));
}

double q_fn_gelu(double x, const void *ctx)
{
	(void)ctx;
	return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

double q_fn_hard_sigmoid(double x, const void *ctx)
{
	const float *ab = ctx;
	double h = ab[0] * x + ab[1];
	return h < 0 ? 0 : h > 1 ? 1 : h;
}
