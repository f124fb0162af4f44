/*
 * calib.c: see calib.h.
 */
#include "calib.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double calib_max(const struct stats_act *a)
{
	return a->absmax;
}

/* The number of |x| bins that hold data: up to the bin of absmax. */
static int used_bins(const struct stats_act *a, double w)
{
	int n = (int)ceil((double)a->absmax / w);
	if (n < 1)
		n = 1;
	if (n > STATS_HIST_HALF)
		n = STATS_HIST_HALF;
	return n;
}

double calib_percentile(const struct stats_act *a, double p)
{
	if (a->absmax <= 0)
		return 0;
	uint64_t h[STATS_HIST_HALF];
	stats_hist_abs(a, h);
	double w = stats_bin_width(a);
	uint64_t total = 0;
	for (int k = 0; k < STATS_HIST_HALF; k++)
		total += h[k];
	if (!total)
		return a->absmax;
	/* the first bin where the cumulative count reaches p of all values:
	 * its upper edge, no further than the maximum itself */
	double want = p * (double)total;
	uint64_t cum = 0;
	for (int k = 0; k < STATS_HIST_HALF; k++) {
		cum += h[k];
		if ((double)cum >= want) {
			double t = (k + 1) * w;
			return t < a->absmax ? t : a->absmax;
		}
	}
	return a->absmax;
}

/* KL(P || Q) of two histograms after TensorRT's smoothing: zero bins get
 * eps and the mass is taken from the non-zero ones. */
static double smooth_kl(const double *p, const double *q, int n)
{
	const double eps = 0.0001;
	double sp = 0, sq = 0;
	int zp = 0, zq = 0;
	for (int i = 0; i < n; i++) {
		sp += p[i];
		sq += q[i];
		zp += p[i] == 0;
		zq += q[i] == 0;
	}
	if (sp == 0 || sq == 0 || zp == n || zq == n)
		return INFINITY;
	double ep = eps * zp / (n - zp), eq = eps * zq / (n - zq);
	double kl = 0;
	for (int i = 0; i < n; i++) {
		double pi = p[i] / sp, qi = q[i] / sq;
		pi = pi == 0 ? eps : pi - ep;
		qi = qi == 0 ? eps : qi - eq;
		if (pi <= 0 || qi <= 0)
			continue;
		kl += pi * log(pi / qi);
	}
	return kl;
}

double calib_kl_hist(const uint64_t *hist, int nbins, double w)
{
	const int levels = 128;
	if (nbins <= levels)
		return nbins * w;
	double *p = xmalloc(sizeof(double) * nbins), *q = xmalloc(sizeof(double) * nbins);
	double best = INFINITY;
	int best_i = nbins;
	/* the tail beyond each cut, summed once from the right */
	double *tail = xmalloc(sizeof(double) * (nbins + 1));
	tail[nbins] = 0;
	for (int i = nbins - 1; i >= 0; i--)
		tail[i] = tail[i + 1] + (double)hist[i];
	for (int i = levels; i <= nbins; i++) {
		/* P: the first i bins, the outliers folded into the last */
		for (int j = 0; j < i; j++)
			p[j] = (double)hist[j];
		p[i - 1] += tail[i];
		/* Q: the first i bins merged into 128 levels, each level's count
		 * spread back over its non-empty bins */
		int merged = i / levels;
		for (int l = 0; l < levels; l++) {
			int start = l * merged, stop = l == levels - 1 ? i : start + merged;
			double sum = 0;
			int nonzero = 0;
			for (int j = start; j < stop; j++) {
				sum += (double)hist[j];
				nonzero += hist[j] != 0;
			}
			for (int j = start; j < stop; j++)
				q[j] = hist[j] != 0 && nonzero ? sum / nonzero : 0;
		}
		double kl = smooth_kl(p, q, i);
		if (kl < best) {
			best = kl;
			best_i = i;
		}
	}
	free(p);
	free(q);
	free(tail);
	return (best_i + 0.5) * w;
}

double calib_kl(const struct stats_act *a)
{
	if (a->absmax <= 0)
		return 0;
	uint64_t h[STATS_HIST_HALF];
	stats_hist_abs(a, h);
	double w = stats_bin_width(a);
	double t = calib_kl_hist(h, used_bins(a, w), w);
	return t < a->absmax ? t : a->absmax;
}
