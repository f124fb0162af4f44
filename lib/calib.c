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

void calib_percentile_range(const struct stats_act *a, double p, double *lo, double *hi)
{
	*lo = a->min < 0 ? a->min : 0;
	*hi = a->max > 0 ? a->max : 0;
	uint64_t total = 0;
	for (int k = 0; k < STATS_HIST_BINS; k++)
		total += a->hist[k];
	if (!total || a->absmax <= 0)
		return;
	/* each side gives up at most half of the 1 - p share: whole bins from
	 * the outside in, the cut at the edge of the first bin kept */
	double tail = (1.0 - p) / 2 * (double)total, w = stats_bin_width(a);
	uint64_t cum = 0;
	int i = 0;
	while (i < STATS_HIST_BINS && (double)(cum + a->hist[i]) <= tail)
		cum += a->hist[i++];
	double l = (i - STATS_HIST_HALF) * w;
	cum = 0;
	int j = STATS_HIST_BINS - 1;
	while (j >= 0 && (double)(cum + a->hist[j]) <= tail)
		cum += a->hist[j--];
	double h = (j - STATS_HIST_HALF + 1) * w;
	if (l > *lo)
		*lo = l < 0 ? l : 0;
	if (h < *hi)
		*hi = h > 0 ? h : 0;
}

/*
 * Entropy calibration as TensorRT describes it and NVIDIA's
 * pytorch-quantization implements it (_compute_amax_entropy): for every cut
 * i from 128 bins to all of them, P is the first i bins with everything
 * beyond folded into the last; Q maps those i bins onto 128 equal-width
 * levels and spreads each level's count evenly over its non-empty bins;
 * the cut with the least KL(P || Q) wins (the largest such cut on ties)
 * and the threshold is its upper edge. The zero bin of a |x| histogram is
 * replaced by its neighbour first: after a ReLU it holds most values and
 * would decide everything.
 */
double calib_kl_hist(const uint64_t *hist, int nbins, double w)
{
	const int levels = 128;
	if (nbins <= levels)
		return nbins * w;
	double *bins = xmalloc(sizeof(double) * nbins);
	for (int j = 0; j < nbins; j++)
		bins[j] = (double)hist[j];
	bins[0] = bins[1];
	double *tail = xmalloc(sizeof(double) * (nbins + 1));
	tail[nbins] = 0;
	for (int j = nbins - 1; j >= 0; j--)
		tail[j] = tail[j + 1] + bins[j];
	double *q = xmalloc(sizeof(double) * nbins);
	int *level = xmalloc(sizeof(int) * nbins);
	double lsum[128];
	int lcount[128];
	double best = INFINITY;
	int best_i = nbins;
	for (int i = levels; i <= nbins; i++) {
		/* level of bin j: which of 128 equal slices of [0, i) holds it
		 * (numpy's digitize over linspace(0, i, 129)) */
		for (int l = 0; l < levels; l++) {
			lsum[l] = 0;
			lcount[l] = 0;
		}
		for (int j = 0; j < i; j++) {
			int l = (int)((double)j * levels / i);
			if (l >= levels)
				l = levels - 1;
			level[j] = l;
			if (bins[j] != 0) {
				lsum[l] += bins[j];
				lcount[l]++;
			}
		}
		double sq = 0, sp = tail[0];
		for (int j = 0; j < i; j++) {
			int l = level[j];
			q[j] = bins[j] != 0 ? lsum[l] / lcount[l] : 0;
			sq += q[j];
		}
		/* KL(P || Q), P = bins[0..i) with the tail in bin i-1 */
		double kl = 0;
		int finite = sq > 0;
		for (int j = 0; j < i && finite; j++) {
			double pj = j == i - 1 ? bins[j] + tail[i] : bins[j];
			if (pj == 0)
				continue;
			if (q[j] == 0) {
				finite = 0;
				break;
			}
			double pn = pj / sp, qn = q[j] / sq;
			kl += pn * log(pn / qn);
		}
		if (finite && kl <= best) {
			best = kl;
			best_i = i;
		}
	}
	free(bins);
	free(tail);
	free(q);
	free(level);
	return best_i * w;
}

double calib_kl(const struct stats_act *a, int *too_few)
{
	if (too_few)
		*too_few = 0;
	if (a->absmax <= 0)
		return 0;
	uint64_t h[STATS_HIST_HALF];
	stats_hist_abs(a, h);
	double w = stats_bin_width(a);
	int n = used_bins(a, w);
	/* TensorRT's resolution: at most CALIB_KL_BINS bins over [0, absmax],
	 * by merging neighbours (power-of-two factors keep this exact) */
	int f = 1;
	while ((n + f - 1) / f > CALIB_KL_BINS)
		f *= 2;
	int nb = (n + f - 1) / f;
	uint64_t total = 0;
	for (int k = 0; k < nb; k++) {
		uint64_t c = 0;
		for (int j = k * f; j < (k + 1) * f && j < STATS_HIST_HALF; j++)
			c += h[j];
		h[k] = c;
		total += c;
	}
	if (total < (uint64_t)CALIB_KL_MIN_PER_BIN * nb) {
		if (too_few)
			*too_few = 1;
		return a->absmax;
	}
	double t = calib_kl_hist(h, nb, w * f);
	return t < a->absmax ? t : a->absmax;
}
