/*
 * calib.c: see calib.h.
 */
#include "calib.h"
#include "quantize.h"
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
 * MSE calibration: the range whose int8 quantization has the least
 * expected squared error over the histogram, counting each value at its
 * bin's centre c: (c - T)^2 for a value clipped at T, and the rounding
 * noise step^2 / 12 for one inside. With prefix sums of count, c and c^2
 * every candidate edge costs O(1).
 */
struct moments {
	double *n, *s1, *s2;      /* prefix sums over bins [0, j) */
};

static void moments_init(struct moments *m, const uint64_t *h, int nb, double w, double off)
{
	m->n = xcalloc((size_t)nb + 1, sizeof(double));
	m->s1 = xcalloc((size_t)nb + 1, sizeof(double));
	m->s2 = xcalloc((size_t)nb + 1, sizeof(double));
	for (int j = 0; j < nb; j++) {
		double c = (j + 0.5) * w + off, k = (double)h[j];
		m->n[j + 1] = m->n[j] + k;
		m->s1[j + 1] = m->s1[j] + k * c;
		m->s2[j + 1] = m->s2[j] + k * c * c;
	}
}

static void moments_free(struct moments *m)
{
	free(m->n);
	free(m->s1);
	free(m->s2);
}

/* sum over bins [i, j) of count (c - t)^2 */
static double clip_err(const struct moments *m, int i, int j, double t)
{
	if (j <= i)
		return 0;
	double n = m->n[j] - m->n[i], s1 = m->s1[j] - m->s1[i], s2 = m->s2[j] - m->s2[i];
	double e = s2 - 2 * t * s1 + t * t * n;
	return e > 0 ? e : 0;
}

double calib_mse(const struct stats_act *a)
{
	if (a->absmax <= 0)
		return 0;
	uint64_t h[STATS_HIST_HALF];
	stats_hist_abs(a, h);
	double w = stats_bin_width(a);
	int nb = used_bins(a, w);
	struct moments m;
	moments_init(&m, h, nb, w, 0);
	double best = INFINITY, t_best = a->absmax;
	for (int i = 1; i <= nb; i++) {
		double t = i < nb ? i * w : a->absmax, step = t / 127;
		double e = m.n[i] * step * step / 12 + clip_err(&m, i, nb, t);
		if (e < best) {
			best = e;
			t_best = t;
		}
	}
	moments_free(&m);
	return t_best;
}

void calib_mse_range(const struct stats_act *a, double *lo, double *hi)
{
	*lo = a->min < 0 ? a->min : 0;
	*hi = a->max > 0 ? a->max : 0;
	if (a->absmax <= 0)
		return;
	double w = stats_bin_width(a);
	const int z = STATS_HIST_HALF;  /* bin z starts at 0 */
	struct moments m;
	moments_init(&m, a->hist, STATS_HIST_BINS, w, -z * w);
	/* candidate edges: bin edges e (value (e - z) w), lo's in [first, z],
	 * hi's in [z, last + 1]; start from the whole range */
	int first = z + (int)floor(*lo / w), last = z + (int)ceil(*hi / w) - 1;
	if (first < 0)
		first = 0;
	if (last > STATS_HIST_BINS - 1)
		last = STATS_HIST_BINS - 1;
	int el = first, eh = last + 1;
	for (int it = 0; it < 4; it++) {
		for (int side = 0; side < 2; side++) {
			double best = INFINITY;
			int from = side ? z : first, to = side ? last + 1 : z, arg = side ? eh : el;
			for (int e = from; e <= to; e++) {
				int l = side ? el : e, r = side ? e : eh;
				double vl = (l - z) * w, vr = (r - z) * w;
				if (vr <= vl)
					continue;
				double step = (vr - vl) / 255;
				double err = (m.n[r] - m.n[l]) * step * step / 12 +
					     clip_err(&m, 0, l, vl) + clip_err(&m, r, STATS_HIST_BINS, vr);
				if (err < best) {
					best = err;
					arg = e;
				}
			}
			if (side)
				eh = arg;
			else
				el = arg;
		}
	}
	moments_free(&m);
	double l = (el - z) * w, r = (eh - z) * w;
	*lo = fmax(*lo, l < 0 ? l : 0);
	*hi = fmin(*hi, r > 0 ? r : 0);
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

/* ---- whole models ---------------------------------------------------------- */

int calib_parse_method(const char *s, struct calib_choice *c)
{
	c->pct = 0.99995;
	if (!strcmp(s, "max")) {
		c->method = CALIB_MAX;
	} else if (!strcmp(s, "kl")) {
		c->method = CALIB_KL;
	} else if (!strcmp(s, "mse")) {
		c->method = CALIB_MSE;
	} else if (!strcmp(s, "skip")) {
		c->method = CALIB_SKIP;
	} else if (!strncmp(s, "percentile", 10) && (!s[10] || s[10] == '=')) {
		c->method = CALIB_PERCENTILE;
		if (s[10]) {
			char *end;
			c->pct = strtod(s + 11, &end);
			if (end == s + 11 || *end || !(c->pct > 0 && c->pct <= 1))
				return ir_error("%s: the percentile must be a number in (0, 1]", s);
		}
	} else {
		return ir_error("%s: not a calibration method", s);
	}
	return 0;
}

const char *calib_choice_str(const struct calib_choice *c, char *buf, size_t n)
{
	char m[48];
	switch (c->method) {
	case CALIB_MAX: snprintf(m, sizeof m, "max"); break;
	case CALIB_KL: snprintf(m, sizeof m, "kl"); break;
	case CALIB_MSE: snprintf(m, sizeof m, "mse"); break;
	case CALIB_SKIP: snprintf(m, sizeof m, "skip"); break;
	default: snprintf(m, sizeof m, "percentile=%.10g", c->pct); break;
	}
	snprintf(buf, n, "%s%s%s", m, c->per_channel ? " per-channel" : "",
		 c->asym ? " asymmetric" : "");
	return buf;
}

int calib_needs_act(const struct ir_graph *g, int t)
{
	int p = g->tensors[t]->producer;
	if (p < 0 || g->tensors[t]->data)
		return 0;
	const struct ir_node *n = &g->nodes[p];
	if (n->op == IR_OP_QUANTIZE)
		return 1;
	if (n->place != IR_PLACE_BPU)
		return 0;
	switch (n->op) {
	case IR_OP_RESHAPE: case IR_OP_FLATTEN: case IR_OP_SQUEEZE: case IR_OP_UNSQUEEZE:
	case IR_OP_TRANSPOSE: case IR_OP_SLICE: case IR_OP_SPLIT: case IR_OP_MAX_POOL:
	case IR_OP_GLOBAL_MAX_POOL: case IR_OP_IDENTITY: case IR_OP_EXPAND: case IR_OP_PAD:
		return 0;
	case IR_OP_RESIZE:
		return strcmp(ir_attr_string(n, "mode", "nearest"), "nearest") != 0;
	case IR_OP_CONV: case IR_OP_CONV_TRANSPOSE:
		return !ir_attr_int(n, "output_int32", 0);
	default:
		return 1;
	}
}

static void add_weight(struct thresholds *th, const char *name, int per_channel, int n,
		       const float *absmax_c, float absmax)
{
	float *s = xmalloc(sizeof(float) * (n + 1));
	for (int c = 0; c < n; c++) {
		float am = per_channel ? absmax_c[c] : absmax;
		s[c] = am > 0 ? (float)(am / 127.0) : 1.0f;
	}
	struct th_entry *e = thresholds_add(th, name, 1, per_channel ? n : 1, s, 0);
	e->method = xstrdup("max");
	free(s);
}

struct thresholds *calib_thresholds(const struct ir_graph *g, const struct stats *s,
				    const struct calib_choice *c, int *kl_fallbacks)
{
	int skip = c->method == CALIB_SKIP, fallbacks = 0;
	if (!skip && !s) {
		ir_error("calibration method needs statistics");
		return NULL;
	}
	struct thresholds *th = xcalloc(1, sizeof *th);
	char buf[96];
	th->method = xstrdup(skip ? "skip" : calib_choice_str(&(struct calib_choice){c->method,
								   c->pct, 0, 0}, buf, sizeof buf));
	th->model = xasprintf("%016llx", (unsigned long long)stats_fingerprint(g));
	th->path = xstrdup("<calib-search>");
	for (int t = 0; t < g->n_tensors; t++) {
		if (!calib_needs_act(g, t))
			continue;
		const char *name = g->tensors[t]->name;
		double thr = CALIB_SKIP_THRESHOLD, lo = -CALIB_SKIP_THRESHOLD, hi = CALIB_SKIP_THRESHOLD;
		int few = 0;
		if (!skip) {
			int k = stats_find_act(s, name);
			if (k < 0) {
				thresholds_free(th);
				ir_error("no statistics for tensor \"%s\" (were they made for another "
					 "partition of the model?)", name);
				return NULL;
			}
			const struct stats_act *a = &s->act[k];
			thr = c->method == CALIB_MAX ? calib_max(a)
			      : c->method == CALIB_PERCENTILE ? calib_percentile(a, c->pct)
			      : c->method == CALIB_MSE ? calib_mse(a)
							: calib_kl(a, &few);
			fallbacks += few;
			lo = a->min < 0 ? a->min : 0;
			hi = a->max > 0 ? a->max : 0;
			if (c->method == CALIB_PERCENTILE) {
				calib_percentile_range(a, c->pct, &lo, &hi);
			} else if (c->method == CALIB_MSE) {
				if (c->asym)
					calib_mse_range(a, &lo, &hi);
			} else if (c->method == CALIB_KL) {
				lo = fmax(lo, -thr);
				hi = fmin(hi, thr);
			}
		}
		float scale;
		int32_t zp = 0;
		int asym = c->asym && !skip;
		if (asym) {
			double sc = hi > lo ? (hi - lo) / 255.0 : 1.0;
			scale = (float)sc;
			double z = -128 - nearbyint(lo / (double)scale);
			zp = z < -128 ? -128 : z > 127 ? 127 : (int32_t)z;
		} else {
			scale = thr > 0 ? (float)(thr / 127.0) : 1.0f;
		}
		struct th_entry *e = thresholds_add(th, name, 0, 1, &scale, zp);
		if (skip)
			e->method = xstrdup("skip");
		else if (few || c->method == CALIB_MAX)
			e->method = xstrdup("max");
		else
			e->method = xstrdup(c->method == CALIB_KL ? "kl" : c->method == CALIB_MSE ? "mse" : calib_choice_str(
						    &(struct calib_choice){CALIB_PERCENTILE, c->pct, 0, 0},
						    buf, sizeof buf));
		if (asym) {
			e->has_range = 1;
			e->min = lo;
			e->max = hi;
		} else {
			e->has_threshold = 1;
			e->threshold = thr;
		}
	}
	/* weights of the BPU convolutions */
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->place != IR_PLACE_BPU ||
		    (n->op != IR_OP_CONV && n->op != IR_OP_CONV_TRANSPOSE))
			continue;
		const struct ir_tensor *w = g->tensors[n->in[1]];
		if (thresholds_find(th, w->name, 1))
			continue;
		int k = s ? stats_find_weight(s, w->name) : -1;
		if (k >= 0) {
			const struct stats_weight *sw = &s->weight[k];
			add_weight(th, w->name, c->per_channel, sw->n_channels, sw->channel_absmax,
				   sw->absmax);
			continue;
		}
		/* no statistics (skip): from the constant itself */
		struct conv_weight l;
		conv_weight_layout(n, w, &l);
		int mch = (int)l.m;
		float *am = xcalloc((size_t)mch + 1, sizeof(float)), all = 0;
		for (int64_t j = 0; j < ir_tensor_numel(w); j++) {
			int64_t ch = conv_weight_oc(&l, j);
			float v = fabsf(((const float *)w->data)[j]);
			am[ch] = v > am[ch] ? v : am[ch];
			all = v > all ? v : all;
		}
		add_weight(th, w->name, c->per_channel, mch, am, all);
		free(am);
	}
	if (kl_fallbacks)
		*kl_fallbacks = fallbacks;
	return th;
}

void calib_entry_int16(struct th_entry *e, const struct stats *s)
{
	int a = s ? stats_find_act(s, e->name) : -1;
	double t = a >= 0 ? s->act[a].absmax
		 : e->has_threshold ? e->threshold : fmax(fabs(e->min), fabs(e->max));
	e->dtype = IR_DTYPE_I16;
	e->zero_point = 0;
	e->scale[0] = t > 0 ? (float)(t / 32767.0) : 1.0f;
	e->has_threshold = 1;
	e->threshold = t;
	e->has_range = 0;
	free(e->method);
	e->method = xstrdup("max");
}

void calib_all_int16(struct thresholds *th, const struct stats *s)
{
	for (int i = 0; i < th->n; i++)
		if (!th->e[i].weight)
			calib_entry_int16(&th->e[i], s);
}
