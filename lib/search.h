/*
 * search.h: calib-search's strategies (formats/thresholds.md, "Strategies"):
 * choosing among calibrations by what they do to the model's outputs.
 *
 * A search context holds the partitioned float model, its statistics and a
 * fixed set of evaluation samples (the first N calibration samples) with
 * the float model's outputs on them. A candidate is judged by running the
 * integer model ir-quant makes of it (bit-exact, formats/numerics.md) on
 * those samples: its score is the cosine similarity of its outputs to the
 * float outputs, averaged over the samples (the lowest over the model's
 * outputs when it has several). Candidates are evaluated `jobs` at a time
 * on threads; the result never depends on the number of jobs.
 *
 *     struct search_ctx *x = search_new(g, stats, "calib/", 8, 2);
 *     struct search_result r;
 *     if (search_default(x, 0.995, &r) < 0) die("%s", ir_errmsg);
 *     ... r.cand[r.best].th is the chosen thresholds; r.cand[] the table ...
 */
#ifndef SEARCH_H
#define SEARCH_H

#include "calib.h"
#include "ir.h"
#include "stats.h"
#include "thresholds.h"

#include <stdio.h>

struct search_ctx;

/* n_eval samples of data (all if fewer, or if n_eval <= 0), jobs >= 1.
 * NULL + ir_errmsg on bad samples or a graph that does not run. */
struct search_ctx *search_new(const struct ir_graph *g, const struct stats *s,
			      const char *data, int n_eval, int jobs);
void search_free(struct search_ctx *x);
int search_n_eval(const struct search_ctx *x);

/* Bias correction of the weights' rounding (formats/thresholds.md): sets
 * the bias_correction of every BPU convolution's weight entry in th from
 * the float model's per-channel input means over the evaluation samples
 * (adding max per-channel weight entries where th has none). With
 * search_set_bias_correction(x, 1), search_score (and so every strategy)
 * corrects each candidate before judging it. */
int search_bias_correction(struct search_ctx *x, struct thresholds *th);
void search_set_bias_correction(struct search_ctx *x, int on);

/* Scores n thresholds sets: cos[i] for th[i]; -1 + ir_errmsg if one does
 * not quantize or run. */
int search_score(struct search_ctx *x, struct thresholds *const *th, int n, double *cos);

struct search_cand {
	char label[192];           /* "percentile=0.99995 per-channel" */
	struct calib_choice choice;
	struct thresholds *th;
	double cosine;
	int step;                  /* the strategy step that tried it */
};

struct search_result {
	int n;
	struct search_cand cand[16];
	int best;                  /* index of the chosen candidate */
	int end_step;              /* the step that ended the search */
	char why[160];             /* why it ended there */
};

/* The seed's default strategy, with target cosine t (0.995):
 *   1. max, percentile 0.99995 and kl, weights per tensor: if the best
 *      reaches t, it wins;
 *   2. else percentile 0.99995 with per-channel weights: if it reaches t,
 *      the best so far wins;
 *   3. else the best method so far gets asymmetric activations as a fifth
 *      candidate, and the best of the five wins. */
int search_default(struct search_ctx *x, double t, struct search_result *r);

/* One entry of the mix strategy's sensitivity table. */
struct search_sens {
	int tensor;                /* in the graph */
	const char *node;          /* its producer */
	double cosine;             /* output cosine with only this tensor quantized */
	int sensitive;
	int choice_method;         /* mix: the method kept for it (enum calib_method), or -1 */
	double choice_cosine;      /* the whole model's cosine with that choice */
	int int16;                 /* mix lifted it to int16 */
	int int16_refused;         /* ... would have, but the march does not allow it */
};

struct search_mix {
	int n;                     /* quantized activations */
	struct search_sens *sens;  /* sorted: most sensitive first */
	int n_sensitive;
	int int16;                 /* how many were lifted to int16 */
};

/* The seed's mix strategy on top of base (a candidate of search_default,
 * whose weights and symmetry it keeps):
 *   1. every quantized activation alone (the rest float) with base's
 *      parameters: the output cosine it leaves; sensitive = below
 *      sens_threshold, or among the top_k lowest (either);
 *   2. each sensitive one, most sensitive first, tries kl, max and
 *      percentile 0.99995 in the otherwise-base integer model and keeps
 *      the best: the mix model;
 *   3. mix, kl, max and percentile (with base's weights and symmetry) are
 *      compared on the output cosine; the best wins.
 * int16_k > 0 lifts the int16_k most sensitive activations to int16 in
 * the mix model (the march must allow it). r gets the four candidates of
 * step 3; m the table. */
int search_mix(struct search_ctx *x, const struct search_cand *base, double sens_threshold,
	       int top_k, int int16_k, struct search_result *r, struct search_mix *m);
void search_mix_free(struct search_mix *m);
/* Whether the march recorded in g computes int16. */
int search_march_has_int16(const struct ir_graph *g);
void search_result_free(struct search_result *r);

/* A float copy of g in which tensor t alone is quantized and dequantized
 * with e's parameters (a Quantize and a Dequantize after its producer): a
 * fake-quantized model, for sensitivity. */
struct ir_graph *search_fake_quant(const struct ir_graph *g, int t, const struct th_entry *e);

#endif
