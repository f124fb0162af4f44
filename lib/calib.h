/*
 * calib.h: calibration methods: from an activation's statistics to a
 * threshold (the largest magnitude int8 represents), as calib-search applies
 * them (formats/thresholds.md).
 *
 *   max         the absolute maximum seen;
 *   percentile  the smallest histogram bin edge below which the fraction
 *               p (default 0.99995) of the magnitudes lie;
 *   kl          TensorRT's entropy calibration: the cut of the magnitude
 *               histogram whose 128-level quantization loses the least
 *               information (Kullback-Leibler divergence);
 *   asymmetric  the [min, max] range, for a scale and a zero point.
 *
 * All work on the exactly mergeable histograms of stats.h, so the same
 * samples give the same thresholds however they were sharded.
 */
#ifndef CALIB_H
#define CALIB_H

#include "stats.h"

double calib_max(const struct stats_act *a);
double calib_percentile(const struct stats_act *a, double p);
double calib_kl(const struct stats_act *a);

/* The KL search on a plain |x| histogram of nbins bins of width w (for
 * calib_kl and the unit tests): returns the threshold. */
double calib_kl_hist(const uint64_t *hist, int nbins, double w);

#endif
