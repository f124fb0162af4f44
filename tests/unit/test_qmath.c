/*
 * test_qmath.c: the integer primitives of formats/numerics.md against
 * independent references: multipliers against their real factor,
 * requantization against exact 128-bit rational rounding (random values
 * and the edges: 0, +-1, INT32_MIN/MAX, exact ties), Quantize against f64
 * round-to-nearest-even, and every LUT function's table against the
 * formula entry by entry. int16 (formats/numerics.md): the 128-bit
 * requantization of int64 accumulators (q_requant_wide, q_requant_out)
 * against the exact rational rounding up to +-2^63, int16 Quantize with its
 * saturation edges, the 1025-knot tables and their interpolation (q_lut16)
 * against the formula in f64, the bound that y lies between its two knots,
 * and the interpolation error against the float function.
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

/* a random int64 of random magnitude (2^0 .. 2^63) */
static int64_t rnd_i64(void)
{
	int bits = (int)(rnd() % 64);
	uint64_t v = rnd();
	int64_t x = bits == 63 ? (int64_t)v : (int64_t)(v & (((uint64_t)1 << bits) - 1));
	return rnd() % 2 ? x : -x;
}

static void test_requant_wide(void)
{
	int bad = 0, bad_narrow = 0, bad_out = 0;
	int64_t edges[] = {0, 1, -1, 4294967295ll, -4294967295ll, 4294967296ll, -4294967296ll,
			   (int64_t)1 << 40, -((int64_t)1 << 40), INT64_MAX, INT64_MIN, INT64_MAX - 1,
			   INT64_MIN + 1, (int64_t)1 << 62, -((int64_t)1 << 62)};
	int ne = (int)(sizeof edges / sizeof *edges);
	for (int i = 0; i < 400000; i++) {
		double M = ldexp(1.0 + (double)(rnd() % 1000000) / 1000000.0,
				 (int)(rnd() % 90) - 60);
		struct qmul q;
		if (q_multiplier(M, &q) < 0)
			continue;
		if (i % 7 == 0)
			q.r = (int)(rnd() % 63); /* any shift, r = 0 included */
		int64_t acc = i < ne * 40 ? edges[i % ne] : rnd_i64();
		/* the exact value, then the int64 bound */
		__int128 p = (__int128)acc * q.m;
		__int128 e = q.r ? floor_div_pow2(2 * p + ((__int128)1 << q.r), q.r + 1) : p;
		int64_t want = e > INT64_MAX ? INT64_MAX : e < INT64_MIN ? INT64_MIN : (int64_t)e;
		if (q_requant_wide(acc, q) != want)
			bad++;
		if (acc >= -2147483648ll && acc <= 2147483648ll && q_requant(acc, q) != want)
			bad_narrow++;
		/* sat(requant + z, lo, hi) for an int16 output */
		int32_t z = (int32_t)(rnd() % 257) - 128, lo = -32768 + (int32_t)(rnd() % 100),
			hi = 32767 - (int32_t)(rnd() % 100);
		__int128 v = e + z;
		int32_t wo = v < lo ? lo : v > hi ? hi : (int32_t)v;
		if (q_requant_out(acc, q, z, lo, hi) != wo)
			bad_out++;
	}
	CHECK(bad == 0, "%d wide requantizations differ from the exact 128-bit rounding", bad);
	CHECK(bad_narrow == 0, "%d: q_requant and q_requant_wide differ up to 2^31", bad_narrow);
	CHECK(bad_out == 0, "%d q_requant_out results differ from sat(exact + z)", bad_out);
	/* ties toward +infinity on both sides of 2^32 */
	struct qmul h = {1 << 30, 31}; /* M = 0.5 */
	int64_t big = ((int64_t)1 << 40) + 1;
	CHECK(q_requant_wide(big, h) == ((int64_t)1 << 39) + 1 &&
	      q_requant_wide(-big, h) == -((int64_t)1 << 39), "ties at M = 0.5 beyond 2^32");
	/* an int64 accumulator far past 2^32 by an exact factor, 3/4: a tie */
	struct qmul q1;
	q_multiplier(0.75, &q1);
	int64_t a = ((int64_t)1 << 41) + 2;
	CHECK(q1.m == 1610612736 && q1.r == 31 && q_requant_wide(a, q1) == 3 * ((int64_t)1 << 39) + 2 &&
	      q_requant_wide(-a, q1) == -3 * ((int64_t)1 << 39) - 1,
	      "2^41 + 2 by 3/4: the tie 1.5 rounds up (and -1.5 to -1)");
}

static void test_quantize16(void)
{
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		float s = ldexpf(1.0f + (float)(rnd() % 1000) / 1000.0f, -(int)(rnd() % 20));
		float x = ((float)(int32_t)rnd() / 2147483648.0f) * 40000.0f * s;
		float v = x / s;
		double want = nearbyint((double)v);
		want = want < -32768 ? -32768 : want > 32767 ? 32767 : want;
		if (q_quantize(x, s, 0, -32768, 32767) != (int32_t)want)
			bad++;
	}
	CHECK(bad == 0, "%d int16 quantizations differ from rne(x / s)", bad);
	CHECK(q_quantize(32767.5f, 1.0f, 0, -32768, 32767) == 32767 &&
	      q_quantize(32768.0f, 1.0f, 0, -32768, 32767) == 32767 &&
	      q_quantize(-32768.5f, 1.0f, 0, -32768, 32767) == -32768 &&
	      q_quantize(-32767.5f, 1.0f, 0, -32768, 32767) == -32768 &&
	      q_quantize(-32766.5f, 1.0f, 0, -32768, 32767) == -32766 &&
	      q_quantize(1e30f, 1.0f, 0, -32768, 32767) == 32767 &&
	      q_quantize(NAN, 1.0f, 0, -32768, 32767) == 0,
	      "int16 saturation edges, ties to even at -32767.5, NaN to 0");
	CHECK(q_dequantize(-32768, 0.5f, 0) == -16384.0f && q_dequantize(32767, 1.0f, 0) == 32767.0f,
	      "int16 dequantize is exact for every integer");
}

/* The interpolation as numerics.md writes it, in f64 (exact here):
 * t[i] + floor((t[i+1] - t[i]) * f / 64 + 1/2). */
static int32_t ref_lut16(const int32_t *t, int32_t x)
{
	int32_t u = x + 32768, i = u / 64, f = u % 64;
	return t[i] + (int32_t)floor((double)(t[i + 1] - t[i]) * f / 64.0 + 0.5);
}

static void test_lut16(void)
{
	/* random tables, every input */
	int bad = 0, outside = 0;
	int32_t t[Q_LUT16_N];
	for (int k = 0; k < 6; k++) {
		for (int j = 0; j < Q_LUT16_N; j++)
			t[j] = k == 0   ? (j % 2 ? 32767 : -32768) /* the widest steps */
			       : k == 1 ? (j % 2 ? 127 : -128)
					: (int32_t)(rnd() % 65536) - 32768;
		for (int32_t x = -32768; x <= 32767; x++) {
			int32_t y = q_lut16(t, x);
			int32_t i = (x + 32768) >> 6;
			bad += y != ref_lut16(t, x);
			outside += y < (t[i] < t[i + 1] ? t[i] : t[i + 1]) ||
				   y > (t[i] > t[i + 1] ? t[i] : t[i + 1]);
		}
	}
	CHECK(bad == 0, "%d interpolations differ from the formula", bad);
	CHECK(outside == 0, "%d interpolations outside their two knots", outside);
	for (int j = 0; j < Q_LUT16_N; j++)
		t[j] = 3 * j - 1000;
	CHECK(q_lut16(t, -32768) == -1000 && q_lut16(t, 32767) == t[1023] + (3 * 63 + 32) / 64 &&
	      q_lut16(t, -32768 + 64) == t[1] && q_lut16(t, -32768 + 32) == -1000 + 2,
	      "the ends of the range, a knot, a tie (3 * 32 / 64 = 1.5 -> 2)");
	/* knots of real functions against the formula, and the interpolation
	 * against the function: within the knots' half unit, one more for the
	 * interpolation's rounding, and h^2/8 max|f''| (smooth) */
	struct fn fns[] = {{"Sigmoid", q_fn_sigmoid, ref_sigmoid},
			   {"Tanh", q_fn_tanh, tanh},
			   {"SiLU", q_fn_silu, ref_silu},
			   {"GELU", q_fn_gelu, ref_gelu}};
	for (size_t k = 0; k < sizeof fns / sizeof *fns; k++) {
		float s_in = 8.0f / 32767, s_out = k == 0 ? 1.0f / 32767 : 8.0f / 32767;
		q_lut_entries(fns[k].f, NULL, s_in, 0, s_out, 0, -32768, 32767, -32768, 64,
			      Q_LUT16_N, t);
		int kb = 0;
		for (int j = 0; j < Q_LUT16_N; j++) {
			double y = nearbyint(fns[k].ref((double)(64 * j - 32768) * s_in) / s_out);
			y = y < -32768 ? -32768 : y > 32767 ? 32767 : y;
			kb += fabs(t[j] - y) > 1; /* a tie computed another way: one unit */
		}
		CHECK(kb == 0, "%s 1025-knot table: %d knots differ from the formula", fns[k].name, kb);
		double worst = 0;
		for (int32_t x = -32768; x <= 32767; x++) {
			double want = fns[k].ref((double)x * s_in) / s_out;
			worst = fmax(worst, fabs(q_lut16(t, x) - want));
		}
		/* max|f''| <= 1 for these on [-8, 8], h = 64 s_in */
		double h = 64.0 * s_in, bound = 1.0 + h * h / 8 / s_out;
		CHECK(worst <= bound, "%s: interpolation %.3f units from the function (bound %.3f)",
		      fns[k].name, worst, bound);
	}
	/* HardSwish: kinks between knots cost |slope change| h / 4 */
	{
		float s_in = 8.0f / 32767, s_out = 8.0f / 32767;
		q_lut_entries(q_fn_hard_swish, NULL, s_in, 0, s_out, 0, -32768, 32767, -32768, 64,
			      Q_LUT16_N, t);
		double worst = 0;
		for (int32_t x = -32768; x <= 32767; x++)
			worst = fmax(worst, fabs(q_lut16(t, x) - ref_hswish((double)x * s_in) / s_out));
		double h = 64.0 * s_in, bound = 1.0 + 0.5 * h / 4 / s_out + h * h / 8 / 3 / s_out;
		CHECK(worst <= bound, "HardSwish: interpolation %.3f units off (bound %.3f)", worst,
		      bound);
	}
	/* an int16 clamp carried by the knots ([0, 32767]: Relu-narrowed) */
	q_lut_entries(q_fn_tanh, NULL, 4.0f / 32767, 0, 1.0f / 32767, 0, 0, 32767, -32768, 64,
		      Q_LUT16_N, t);
	int neg = 0;
	for (int32_t x = -32768; x <= 32767; x++)
		neg += q_lut16(t, x) < 0;
	CHECK(neg == 0, "a 1025-knot table clamped to [0, 32767] interpolates no negative value");
	/* the int8 table is the same entries at step 1 */
	int8_t t8[256];
	int32_t t32[256];
	q_lut_build(q_fn_sigmoid, NULL, 0.05f, 3, 0.004f, -128, -128, 127, t8);
	q_lut_entries(q_fn_sigmoid, NULL, 0.05f, 3, 0.004f, -128, -128, 127, -128, 1, 256, t32);
	int diff = 0;
	for (int i = 0; i < 256; i++)
		diff += t8[i] != t32[i];
	CHECK(diff == 0, "q_lut_build is q_lut_entries at step 1 (%d differ)", diff);
}

int main(void)
{
	test_multiplier();
	test_requant();
	test_requant_wide();
	test_quantize();
	test_quantize16();
	test_lut();
	test_lut16();
	printf("test_qmath: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
