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
#include "thresholds.h"

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
/* MSE: the threshold (symmetric) or range (asymmetric, within [min, max])
 * whose int8 quantization has the least squared error over the histogram,
 * clipping and rounding noise together (formats/thresholds.md). */
double calib_mse(const struct stats_act *a);
void calib_mse_range(const struct stats_act *a, double *lo, double *hi);

/* The KL search on a plain |x| histogram of nbins bins of width w (for
 * calib_kl and the unit tests): returns the threshold. */
double calib_kl_hist(const uint64_t *hist, int nbins, double w);

/* ---- whole models ---------------------------------------------------------- */

enum calib_method { CALIB_MAX, CALIB_PERCENTILE, CALIB_KL, CALIB_SKIP, CALIB_MSE };

/* One calibration choice: a method for every activation, the weights per
 * tensor or per output channel, activations symmetric or not. */
struct calib_choice {
	enum calib_method method;
	double pct;          /* percentile's P */
	int per_channel;
	int asym;
};

/* Parses "max", "percentile", "percentile=P", "kl", "mse", "skip" into c->method
 * and c->pct; -1 if it is none of them (ir_errmsg says why). */
int calib_parse_method(const char *s, struct calib_choice *c);
/* "percentile=0.99995 per-channel asymmetric": the choice as words, in buf. */
const char *calib_choice_str(const struct calib_choice *c, char *buf, size_t n);

/* Whether tensor t of the partitioned graph g gets parameters of its own
 * from ir-quant: outputs of Quantize and of BPU nodes that compute (not
 * those that only move data, nor a tail Conv's int32 accumulators). */
int calib_needs_act(const struct ir_graph *g, int t);

/* skip's fixed rule: every activation is taken to lie in [-8, 8]. */
#define CALIB_SKIP_THRESHOLD 8.0

/* The thresholds of choice c for g: an act entry for every tensor
 * calib_needs_act() names, in graph order, from the statistics s (NULL for
 * skip), and a weight entry for every BPU Conv and ConvTranspose (from s
 * when it has them, else from the constant). *kl_fallbacks (may be NULL)
 * counts KL entries that fell back to max. NULL + ir_errmsg when s lacks a
 * tensor. The model fingerprint and method name are set. */
struct thresholds *calib_thresholds(const struct ir_graph *g, const struct stats *s,
				    const struct calib_choice *c, int *kl_fallbacks);

/* Makes every act entry of th int16 at max: T = the statistics' absmax
 * (65 536 levels need no clipping), scale T / 32767, zero point 0,
 * method=max (formats/thresholds.md, "int16 activations"). */
void calib_all_int16(struct thresholds *th, const struct stats *s);
/* The same for one act entry (mix's --int16-sensitive). */
void calib_entry_int16(struct th_entry *e, const struct stats *s);

#endif
