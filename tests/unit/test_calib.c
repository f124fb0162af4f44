/*
 * test_calib.c: the calibration methods on synthetic distributions with a
 * known answer: percentile picks the bin where the cumulative count
 * crosses p; max is the maximum; KL on a Gaussian with a few far outliers
 * clips well below the maximum (and near where the bulk ends), on a
 * uniform distribution keeps almost everything, and on too few values
 * falls back to the maximum; the asymmetric percentile range leaves the
 * right count out on each side.
 */
#include "calib.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond, ...)                                      \
	do {                                                  \
		if (cond) {                                   \
			passed++;                             \
		} else {                                      \
			failed++;                             \
			printf("test_calib: FAIL: ");         \
			printf(__VA_ARGS__);                  \
			printf("\n");                         \
		}                                             \
	} while (0)

static uint64_t rs = 0x9e3779b97f4a7c15ull;
static double uniform(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double)(rs >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = uniform(), v = uniform();
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* A one-activation statistics record filled with n values from gen. */
static struct stats_act *make_act(int n, double (*gen)(int i))
{
	struct stats_act *a = xcalloc(1, sizeof *a);
	a->name = xstrdup("t");
	a->rank = 1;
	a->dims[0] = n;
	a->min = INFINITY;
	a->max = -INFINITY;
	a->hist_exp = STATS_EXP_ZERO;
	a->hist = xcalloc(STATS_HIST_BINS, sizeof(uint64_t));
	float *x = xmalloc(sizeof(float) * n);
	for (int i = 0; i < n; i++)
		x[i] = (float)gen(i);
	stats_observe(a, x);
	free(x);
	return a;
}

static void free_act(struct stats_act *a)
{
	free(a->name);
	free(a->hist);
	free(a->channel_absmax);
	free(a);
}

static double gen_gauss_outliers(int i)
{
	/* 200000 N(0,1) values, and 10 at +-50 */
	return i < 10 ? (i & 1 ? 50.0 : -50.0) : gauss();
}

static double gen_gauss(int i)
{
	(void)i;
	return gauss();
}

static double gen_half_gauss(int i)
{
	(void)i;
	return fabs(gauss());
}

static double gen_uniform(int i)
{
	(void)i;
	return uniform() * 2 - 1;
}

static double gen_shifted(int i)
{
	/* 0..9999 shifted to -2000..7999: asymmetric, known quantiles */
	return i - 2000;
}

static double gen_ramp(int i)
{
	return i; /* 0 .. n-1: the percentile is known exactly */
}

int main(void)
{
	struct stats_act *a = make_act(200010, gen_gauss_outliers);
	double w;
	double mx = calib_max(a), kl = calib_kl(a, NULL), pc = calib_percentile(a, 0.99995);
	CHECK(mx == 50.0, "max is the largest magnitude: %g", mx);
	CHECK(kl < 10.0 && kl > 2.0, "KL on a Gaussian with outliers at 50 clips well below "
	      "the max, near the bulk's end: %g", kl);
	CHECK(pc < mx && pc > 3.0, "percentile 0.99995 ignores the 10 outliers in 200010 "
	      "(a 5e-5 tail): %g", pc);
	free_act(a);

	a = make_act(100000, gen_uniform);
	kl = calib_kl(a, NULL);
	CHECK(kl > 0.9 && kl <= 1.0, "KL on a uniform [-1, 1] keeps nearly all of it: %g", kl);
	free_act(a);

	/* MSE: on N(0, 1) the least-error int8 threshold is near 4 sigma (Banner
	 * et al., ACIQ: 3.92 for 8 bits), below the maximum of 200000 draws; on
	 * a uniform distribution clipping only costs, so it keeps the whole */
	a = make_act(200000, gen_gauss);
	double ms = calib_mse(a);
	CHECK(ms > 3.2 && ms < 4.4 && ms < calib_max(a), "MSE on N(0,1): %g (max %g)", ms,
	      calib_max(a));
	free_act(a);
	a = make_act(100000, gen_uniform);
	ms = calib_mse(a);
	CHECK(ms > 0.97 && ms <= 1.0, "MSE on a uniform [-1, 1] keeps nearly all of it: %g", ms);
	free_act(a);
	a = make_act(10000, gen_shifted);
	w = stats_bin_width(a);
	double mlo, mhi;
	calib_mse_range(a, &mlo, &mhi);
	CHECK(mlo <= -1950 && mlo >= -2000 && mhi >= 7950 && mhi <= 7999,
	      "MSE range of the uniform -2000..7999 is nearly all of it: [%g, %g]", mlo, mhi);
	free_act(a);
	/* a lopsided one: N(0,1) on the right only (|x|), lo stays at 0, hi near
	 * the symmetric optimum's scale */
	a = make_act(200000, gen_half_gauss);
	calib_mse_range(a, &mlo, &mhi);
	CHECK(mlo == 0 && mhi > 2.5 && mhi < calib_max(a), "MSE range of |N(0,1)|: [%g, %g] "
	      "(max %g)", mlo, mhi, calib_max(a));
	free_act(a);

	/* too few values for KL's 2048 bins (an SE gate: channels x samples):
	 * it says so and keeps the maximum */
	a = make_act(3000, gen_gauss_outliers);
	int few = 0;
	kl = calib_kl(a, &few);
	CHECK(few == 1 && kl == calib_max(a), "KL on 3000 values falls back to max: few %d, "
	      "%g vs max %g", few, kl, calib_max(a));
	free_act(a);

	/* asymmetric percentile: -2000..7999; p = 0.999 leaves out at most 5
	 * values on each side: the range ends near -1995 and 7994 */
	a = make_act(10000, gen_shifted);
	double lo, hi;
	w = stats_bin_width(a);
	calib_percentile_range(a, 0.999, &lo, &hi);
	CHECK(lo >= -1996 - w && lo <= -1995 + w && hi >= 7994 - w && hi <= 7995 + w,
	      "percentile range 0.999 of -2000..7999: [%g, %g] (bin width %g)", lo, hi, w);
	calib_percentile_range(a, 1.0, &lo, &hi);
	CHECK(lo == -2000 && hi == 7999, "percentile range 1 is [min, max]: [%g, %g]", lo, hi);
	free_act(a);

	/* 0..9999: the 0.5 percentile of |x| lies in the bin holding 4999 */
	a = make_act(10000, gen_ramp);
	w = stats_bin_width(a);
	pc = calib_percentile(a, 0.5);
	CHECK(pc >= 4999 && pc <= 5000 + w, "percentile 0.5 of 0..9999 is the upper edge of "
	      "the bin of the 5000th value: %g (bin width %g)", pc, w);
	pc = calib_percentile(a, 1.0);
	CHECK(pc == 9999, "percentile 1 is the maximum: %g", pc);
	free_act(a);

	/* KL on a plain histogram: a half-Gaussian bulk (sigma 50 bins) and a
	 * few outliers at bin 2000 is cut after the bulk, far below 2000; a
	 * smooth distribution over all bins is kept whole */
	uint64_t h[2048] = {0};
	for (int i = 0; i < 400; i++)
		h[i] = (uint64_t)(100000 * exp(-(double)i * i / (2 * 50.0 * 50.0)));
	h[2000] = 5;
	double t = calib_kl_hist(h, 2048, 1.0);
	CHECK(t > 100 && t < 400, "KL cuts the outliers after the bulk: %g", t);
	for (int i = 0; i < 2048; i++)
		h[i] = 1000;
	t = calib_kl_hist(h, 2048, 1.0);
	CHECK(t > 2000, "KL keeps a uniform histogram whole: %g", t);

	printf("test_calib: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
