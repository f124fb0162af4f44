/*
 * test_qmath.c: the integer primitives of formats/numerics.md against
 * independent references: multipliers against their real factor,
 * requantization against exact 128-bit rational rounding (random values
 * and the edges: 0, +-1, INT32_MIN/MAX, exact ties), Quantize against f64
 * round-to-nearest-even, and every LUT function's table against the
 * formula entry by entry.
 */
#include "qmath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static uint64_t rs = 88172645463325252ull;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

#define CHECK(cond, ...)                                             \
	do {                                                         \
		if (cond) {                                          \
			passed++;                                    \
		} else {                                             \
			failed++;                                    \
			if (failed < 20) {                           \
				printf("test_qmath: FAIL: ");        \
				printf(__VA_ARGS__);                 \
				printf("\n");                        \
			}                                            \
		}                                                    \
	} while (0)

/* floor(a / 2^r) for any sign, exactly */
static __int128 floor_div_pow2(__int128 a, int r)
{
	__int128 d = (__int128)1 << r;
	__int128 q = a / d;
	if (a % d != 0 && a < 0)
		q--;
	return q;
}

/* round(acc * m / 2^r) with ties toward +infinity, exactly */
static int64_t ref_requant(int64_t acc, struct qmul q)
{
	__int128 p = (__int128)acc * q.m;
	if (q.r == 0)
		return (int64_t)p;
	return (int64_t)floor_div_pow2(2 * p + ((__int128)1 << q.r), q.r + 1);
}

static void test_multiplier(void)
{
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		double M = ldexp(1.0 + (double)(rnd() % 1000000) / 1000000.0,
				 (int)(rnd() % 70) - 50);
		struct qmul q;
		if (q_multiplier(M, &q) < 0) {
			bad++;
			continue;
		}
		double exact = ldexp(M, q.r);
		int in_range = q.r == 62 || q.m >= (1 << 30); /* m < 2^31 by its type */
		if (!in_range || fabs((double)q.m - exact) > 0.5 ||
		    (q.r < 62 && nearbyint(ldexp(M, q.r + 1)) < 2147483648.0))
			bad++;
	}
	CHECK(bad == 0, "%d multipliers out of range, off by more than half a unit, or not "
	      "using the largest shift", bad);
	struct qmul q;
	CHECK(q_multiplier(0, &q) < 0 && q_multiplier(-1, &q) < 0 &&
	      q_multiplier(4294967296.0, &q) < 0 && q_multiplier(NAN, &q) < 0,
	      "factors outside (0, 2^31) must be refused");
	CHECK(q_multiplier(1.0, &q) == 0 && q.m == 1 << 30 && q.r == 30, "M = 1 is 2^30 >> 30");
	CHECK(q_multiplier(0.5, &q) == 0 && q.m == 1 << 30 && q.r == 31, "M = 0.5");
	/* just below a power of two, rounding up would reach 2^31: one less
	 * shift */
	CHECK(q_multiplier(1.0 - ldexp(1.0, -40), &q) == 0 && q.m == 1 << 30 && q.r == 30,
	      "M just below 1 rounds to 2^30 at r 30, got m %d r %d", q.m, q.r);
}

static void test_requant(void)
{
	int bad = 0;
	int64_t edges[] = {0, 1, -1, 2, -2, 127, -128, 32767, -32768, 2147483647ll,
			   -2147483648ll, 4294967295ll, -4294967295ll};
	for (int i = 0; i < 300000; i++) {
		double M = ldexp(1.0 + (double)(rnd() % 1000000) / 1000000.0,
				 (int)(rnd() % 40) - 32);
		struct qmul q;
		q_multiplier(M, &q);
		int64_t acc = i < 13 * 50 ? edges[i % 13] : (int64_t)(int32_t)rnd();
		if (q_requant(acc, q) != ref_requant(acc, q))
			bad++;
	}
	CHECK(bad == 0, "%d requantizations differ from the 128-bit reference", bad);
	/* exact ties round toward +infinity: acc * m = (k + 1/2) * 2^r */
	struct qmul q = {1 << 30, 31};   /* M = 0.5 */
	CHECK(q_requant(1, q) == 1 && q_requant(-1, q) == 0 && q_requant(3, q) == 2 &&
	      q_requant(-3, q) == -1, "ties at M = 0.5: 1->1, -1->0, 3->2, -3->-1");
	/* the real-valued error of a requantization is at most half a unit
	 * plus the multiplier's own error */
	int far = 0;
	for (int i = 0; i < 100000; i++) {
		double M = ldexp(1.0 + (double)(rnd() % 1000) / 1000.0, -(int)(rnd() % 20));
		struct qmul qq;
		q_multiplier(M, &qq);
		int64_t acc = (int64_t)(int32_t)rnd() >> (rnd() % 16);
		double err = fabs((double)q_requant(acc, qq) - (double)acc * M);
		if (err > 0.5 + fabs((double)acc) * fabs(q_factor(qq) - M) + 1e-9)
			far++;
	}
	CHECK(far == 0, "%d requantizations further than half a unit from acc * M", far);
	CHECK(q_sat(300, -128, 127) == 127 && q_sat(-300, -128, 127) == -128 &&
	      q_sat(5, -128, 127) == 5, "saturation");
}

static void test_quantize(void)
{
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		float s = ldexpf(1.0f + (float)(rnd() % 1000) / 1000.0f, -(int)(rnd() % 10));
		float x = ((float)(int32_t)rnd() / 2147483648.0f) * 200.0f * s;
		int32_t z = (int32_t)(rnd() % 21) - 10;
		float v = x / s;
		double want = nearbyint((double)v) + z;
		want = want < -128 ? -128 : want > 127 ? 127 : want;
		if (q_quantize(x, s, z, -128, 127) != (int32_t)want)
			bad++;
	}
	CHECK(bad == 0, "%d quantizations differ from rne(x / s) + z", bad);
	CHECK(q_quantize(0.5f, 1.0f, 0, -128, 127) == 0 && q_quantize(1.5f, 1.0f, 0, -128, 127) == 2 &&
	      q_quantize(-0.5f, 1.0f, 0, -128, 127) == 0 && q_quantize(-2.5f, 1.0f, 0, -128, 127) == -2,
	      "ties to even");
	CHECK(q_quantize(NAN, 0.1f, 3, -128, 127) == 3 && q_quantize(INFINITY, 0.1f, 0, -128, 127) == 127 &&
	      q_quantize(-INFINITY, 0.1f, 0, -128, 127) == -128, "NaN gives z, infinities saturate");
	CHECK(q_dequantize(-128, 0.25f, -3) == -31.25f, "dequantize");
}

struct fn {
	const char *name;
	double (*f)(double, const void *);
	double (*ref)(double);
};

static double ref_sigmoid(double x) { return 1 / (1 + exp(-x)); }
static double ref_hswish(double x) { return x * fmin(fmax(x + 3, 0), 6) / 6; }
static double ref_silu(double x) { return x * ref_sigmoid(x); }
static double ref_gelu(double x) { return x * 0.5 * (1 + erf(x * M_SQRT1_2)); }
static double ref_hsig(double x) { return fmin(fmax((double)0.2f * x + 0.5, 0), 1); }

static void test_lut(void)
{
	struct fn fns[] = {{"Sigmoid", q_fn_sigmoid, ref_sigmoid},
			   {"Tanh", q_fn_tanh, tanh},
			   {"HardSwish", q_fn_hard_swish, ref_hswish},
			   {"SiLU", q_fn_silu, ref_silu},
			   {"GELU", q_fn_gelu, ref_gelu}};
	for (size_t k = 0; k < sizeof fns / sizeof *fns; k++) {
		int8_t t[256];
		float s_in = 0.05f, s_out = 0.02f;
		int32_t z_in = -7, z_out = 3;
		q_lut_build(fns[k].f, NULL, s_in, z_in, s_out, z_out, -128, 127, t);
		int bad = 0;
		for (int q = -128; q < 128; q++) {
			double x = (double)(q - z_in) * s_in;
			double y = nearbyint(fns[k].ref(x) / s_out) + z_out;
			y = y < -128 ? -128 : y > 127 ? 127 : y;
			/* a reference computed another way may land on the
			 * other side of a rounding tie: allow one unit there */
			if (fabs(t[q + 128] - y) > (fabs(fns[k].ref(x) / s_out -
							   floor(fns[k].ref(x) / s_out) - 0.5) < 1e-9 ? 1 : 0))
				bad++;
		}
		CHECK(bad == 0, "%s table: %d entries differ from the formula", fns[k].name, bad);
	}
	int8_t t[256];
	float ab[2] = {0.2f, 0.5f};
	q_lut_build(q_fn_hard_sigmoid, ab, 0.1f, 0, 1.0f / 127, -128, -128, 127, t);
	int bad = 0;
	for (int q = -128; q < 128; q++) {
		double y = nearbyint(ref_hsig(q * (double)0.1f) / (double)(1.0f / 127)) - 128;
		y = y < -128 ? -128 : y > 127 ? 127 : y;
		bad += t[q + 128] != (int8_t)y;
	}
	CHECK(bad == 0, "HardSigmoid table: %d entries differ", bad);
	/* Relu-narrowed range: a table clamps to [lo, hi] */
	q_lut_build(q_fn_tanh, NULL, 0.05f, 0, 0.01f, 0, 0, 127, t);
	int neg = 0;
	for (int q = 0; q < 256; q++)
		neg += t[q] < 0;
	CHECK(neg == 0, "a table built for [0, 127] holds no negative entry");
}

int main(void)
{
	test_multiplier();
	test_requant();
	test_quantize();
	test_lut();
	printf("test_qmath: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
