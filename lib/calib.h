/*
 * calib.h: calibration methods: from an activation's statistics to a
 * threshold (the largest magnitude int8 represents), as calib-search applies
 * them (formats/thresholds.md).
 *
 *   max         the absolute maximum seen;
 *   percentile  the smallest histogram bin edge below which the fraction
 *               p (default 0.99995) of the magnitudes lie;
 *   kl          TensorRT's entropy calibration (as NVIDIA's
 *               pytorch-quantization implements it): the cut of the
 *               magnitude histogram whose 128-level quantization loses the
 *               least information (Kullback-Leibler divergence);
 *
 * With --asymmetric each gives a range [lo, hi] for a scale and a zero
 * point: max the [min, max] seen, percentile the range leaving out (1 - p)/2
 * on each side, kl [min, max] cut to [-T, T] by its threshold T.
 *
 * All work on the exactly mergeable histograms of stats.h, so the same
 * samples give the same thresholds however they were sharded.
 */
#ifndef CALIB_H
#define CALIB_H

#include "stats.h"

double calib_max(const struct stats_act *a);
double calib_percentile(const struct stats_act *a, double p);
/* The asymmetric form: [lo, hi] (lo <= 0 <= hi, within [min, max]) leaving
 * out at most (1 - p) / 2 of the values on each side. */
void calib_percentile_range(const struct stats_act *a, double p, double *lo, double *hi);
/* KL works on at most CALIB_KL_BINS bins over [0, absmax] (TensorRT's 2048;
 * the statistics' finer bins are merged in pairs until they fit) and needs
 * on average CALIB_KL_MIN_PER_BIN values per bin: a sparse histogram has
 * empty bins everywhere and its divergence rewards cutting off almost
 * everything (an SE block's gate has only channels x samples values). Then
 * it returns the absolute maximum and sets *too_few (which may be NULL). */
#define CALIB_KL_BINS 2048
#define CALIB_KL_MIN_PER_BIN 16
double calib_kl(const struct stats_act *a, int *too_few);

/* The KL search on a plain |x| histogram of nbins bins of width w (for
 * calib_kl and the unit tests): returns the threshold. */
double calib_kl_hist(const uint64_t *hist, int nbins, double w);

#endif
