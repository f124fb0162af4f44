/*
 * vecmath.h: what the elementwise and reduction kernels share to get gcc
 * -O2 to vectorize their loops (k_eltwise.c, k_reduce.c).
 *
 * gcc 12 vectorizes a loop whose trip count is a known multiple of the
 * vector width and whose iterations it may reorder; ELW_LOOP runs the body
 * in fixed blocks of VB under "GCC ivdep" (the executor may run an op in
 * place, which rules out restrict but creates no loop-carried dependence),
 * then the tail one element at a time. exp_f32 replaces a libm call that
 * would stop vectorization.
 */
#ifndef VECMATH_H
#define VECMATH_H

#include <stdint.h>
#include <string.h>

/* Block length: a multiple of every SIMD width in use (16 f32 = AVX-512). */
#define VB 16
#define IVDEP _Pragma("GCC ivdep")

/* Runs the statements for i = 0 .. n-1: whole blocks of VB first (the part
 * gcc vectorizes), then the tail one element at a time. */
#define ELW_LOOP(n, ...)                                                        \
	do {                                                                    \
		int64_t i_ = 0;                                                 \
		for (; i_ + VB <= (n); i_ += VB) {                              \
			IVDEP for (int j_ = 0; j_ < VB; j_++)                   \
			{                                                       \
				int64_t i = i_ + j_;                            \
				__VA_ARGS__;                                    \
			}                                                       \
		}                                                               \
		for (int64_t i = i_; i < (n); i++) {                            \
			__VA_ARGS__;                                            \
		}                                                               \
	} while (0)

/* ---- exp without a libm call ------------------------------------------- */

static inline float pow2i_f32(int k)
{
	int32_t bits = (k + 127) << 23;
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

/* e^x within about 1 ulp of the exact value (at most 1.008 ulp on every
 * 7th float; expf is within 0.5), including subnormal results, +inf above
 * ln(FLT_MAX) and NaN for NaN. Cephes' expf: e^x = 2^k e^r with k the
 * nearest integer to x/ln2 and |r| <= ln2/2, e^r from a degree-7
 * polynomial. 2^k is applied as two factors so that k from -150 to 128
 * stays representable; the first product is exact, the second rounds
 * once, so subnormal results are correctly scaled. Clamping first keeps
 * the float-to-int conversion defined for NaN and infinities. */
static inline float exp_f32(float x)
{
	float xc = x < 89.0f ? x : 89.0f;           /* NaN -> 89 */
	xc = xc > -104.0f ? xc : -104.0f;
	float kf = xc * 1.44269504f + 12582912.0f;  /* 1.5*2^23: rounds to integer */
	kf -= 12582912.0f;
	int k = (int)kf;
	float r = xc - kf * 0.693359375f;           /* ln2 split: exact product */
	r = r - kf * -2.12194440e-4f;
	float z = r * r;
	float p = (((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r +
		     4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f) * z +
		  r + 1.0f;
	int k1 = k / 2;
	float y = p * pow2i_f32(k1) * pow2i_f32(k - k1);
	return x != x ? x : y;
}

#endif
