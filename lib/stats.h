/*
 * stats.h: calibration statistics (formats/stats.md): collecting them while
 * the float executor runs a partitioned graph over samples, merging them
 * exactly, and reading and writing statistics files.
 *
 * A `struct stats` is both the accumulator and the file's content: one
 * entry per activation the quantizer will give a scale (count, min, max,
 * absmax, per-channel absmax, an 8192-bin histogram over (-2^e, 2^e)) and
 * one per constant weight of a BPU Conv/ConvTranspose. Histograms use
 * power-of-two ranges, so rebinning to a larger range and adding two of
 * them are exact: whatever order the samples come in, however they are
 * split into shards or threads, the merged result is the same bits.
 *
 * Reading statistics (calib-search):
 *
 *     struct stats *s = stats_read("det.stats");
 *     if (!s || stats_check_graph(s, g, "det.stats") < 0) die("%s", ir_errmsg);
 *     for (int i = 0; i < s->n_act; i++) {
 *         const struct stats_act *a = &s->act[i];
 *         uint64_t h[STATS_HIST_HALF];          // |x| histogram
 *         stats_hist_abs(a, h);                 // bin k: |x| in [k w, (k+1) w)
 *         double w = stats_bin_width(a);        // 2^(e-12)
 *         ... a->absmax, a->min, a->max, a->channel_absmax[c] ...
 *     }
 *     int j = stats_find_weight(s, "conv1.w");   // weights by tensor name
 *     stats_free(s);
 *
 * Collecting them (calib-stats): stats_new(g) makes empty accumulators and
 * computes the weight statistics; per sample, stats_observe() each recorded
 * tensor (stats_act_map gives a graph tensor's activation) and count the
 * sample; per-thread accumulators are combined with stats_add().
 *
 * Errors: functions returning a pointer return NULL, others -1, after one
 * sentence in ir_errmsg (ir.h).
 */
#ifndef STATS_H
#define STATS_H

#include "ir.h"

#include <stdint.h>
#include <stdio.h>

#define STATS_VERSION_MAJOR 1
#define STATS_VERSION_MINOR 0

/* Bins per sign: the |x| histogram has STATS_HIST_HALF bins over [0, 2^e),
 * the signed one STATS_HIST_BINS over (-2^e, 2^e). */
#define STATS_HIST_HALF 4096
#define STATS_HIST_BINS 8192
#define STATS_HIST_BITS 12        /* STATS_HIST_HALF = 2^12 */
/* The exponent of a histogram that has seen no non-zero value; every
 * non-zero f32 gives a larger one (the least, 2^-149, gives -148). */
#define STATS_EXP_ZERO (-149)

struct stats_act {
	char *name;
	int rank;
	int64_t dims[IR_MAX_RANK];
	uint64_t count;           /* elements seen, NaN and infinities included */
	uint64_t nonfinite;       /* NaN and infinite elements (ignored below) */
	float min, max;           /* +inf / -inf while no finite value was seen */
	float absmax;             /* max |x|, 0 while none */
	int n_channels;           /* dims[1] for rank 2 and 4, else 0 */
	float *channel_absmax;    /* n_channels values: max |x| per index of axis 1 */
	int hist_exp;             /* e: smallest integer with absmax < 2^e */
	/* STATS_HIST_BINS counts, bin width w = 2^(e-12): hist[4096 + k]
	 * counts x in [k w, (k+1) w) (zeros of either sign in bin 4096),
	 * hist[4095 - k] counts x < 0 in (-(k+1) w, -k w]. */
	uint64_t *hist;
};

struct stats_weight {
	char *name;
	char *node;               /* the first BPU node reading it */
	char *op;                 /* "Conv" or "ConvTranspose" */
	int rank;
	int64_t dims[IR_MAX_RANK];
	float min, max, absmax;
	int n_channels;           /* the node's output channels */
	float *channel_absmax;    /* max |w| per output channel */
};

struct stats {
	char *graph;              /* the graph's name */
	uint64_t fingerprint;     /* stats_fingerprint() of the graph */
	uint64_t samples;         /* samples seen */
	uint64_t total_samples;   /* samples in the whole set (= samples when complete) */
	uint32_t shard_index;     /* i of shard i/n (1-based); 0 for all samples */
	uint32_t shard_count;     /* n; 0 for all samples */
	int n_act, n_weight;
	struct stats_act *act;    /* graph order: model inputs, then node outputs */
	struct stats_weight *weight; /* node order */
};

/* ---- files: formats/stats.md -------------------------------------------- */

/* Reads and checks a statistics file; what names it in messages. */
struct stats *stats_read(const char *path);
struct stats *stats_read_mem(const void *buf, size_t len, const char *what);
/* Writes the header and the payload; -1 on a write error. Output is a
 * function of the content alone (no time, no host). */
int stats_write(const struct stats *s, FILE *f);
void stats_free(struct stats *s);
/* The content as a table for people (calib-stats --dump). */
void stats_print(const struct stats *s, FILE *f);

/* Index of the activation / weight named name, or -1. */
int stats_find_act(const struct stats *s, const char *name);
int stats_find_weight(const struct stats *s, const char *name);

/* ---- model identity ----------------------------------------------------- */

/* 64-bit FNV-1a over the graph name and the sorted names, dtypes and shapes
 * of the tensors statistics cover, and the weights' bytes
 * (formats/stats.md, "Model identity"). */
uint64_t stats_fingerprint(const struct ir_graph *g);
/* 0 when s was computed for g; else -1 with a message naming `what` and
 * both graphs. */
int stats_check_graph(const struct stats *s, const struct ir_graph *g, const char *what);

/* ---- histograms ---------------------------------------------------------- */

/* The exponent e for an absolute maximum: the smallest integer with
 * absmax < 2^e, or STATS_EXP_ZERO for 0. */
int stats_exp_of(float absmax);
/* 2^(e-12): the width of one bin. */
double stats_bin_width(const struct stats_act *a);
/* The |x| histogram: out[k] = hist[4096 + k] + hist[4095 - k], the count of
 * |x| in [k w, (k+1) w). */
void stats_hist_abs(const struct stats_act *a, uint64_t out[STATS_HIST_HALF]);
/* Re-bins hist (STATS_HIST_BINS counts) from exponent from_e to to_e >=
 * from_e by adding groups of 2^(to_e - from_e) bins on each side: the
 * result is what binning the values at to_e directly gives. */
void stats_hist_rebin(uint64_t *hist, int from_e, int to_e);

/* ---- collecting ---------------------------------------------------------- */

/* Empty statistics for a partitioned graph: the activations it records
 * (formats/stats.md, "What is recorded") with nothing seen, the weights'
 * statistics computed, the fingerprint, shard 0/0. NULL if g is not
 * partitioned or is already quantized. */
struct stats *stats_new(const struct ir_graph *g);
/* The same activation and weight entries as s, with nothing seen. */
struct stats *stats_new_like(const struct stats *s);
/* For every tensor of g, the index of its activation in s or -1
 * (g->n_tensors entries; free() it). */
int *stats_act_map(const struct stats *s, const struct ir_graph *g);
/* Adds one tensor's values (numel of a's dims, f32) to a. */
void stats_observe(struct stats_act *a, const float *x);
/* Adds src's activations and samples into dst, exactly; both must have the
 * same entries (from one stats_new, or files with one fingerprint). */
void stats_add(struct stats *dst, const struct stats *src);
/* Merges shards: every file must carry one fingerprint and shard count n,
 * each shard i/n exactly once, adding up to the set they were cut from.
 * The result says 0/0 (all samples) and is byte for byte what one run
 * over all the samples writes. what[i] names in[i] in messages. */
struct stats *stats_merge_shards(struct stats *const *in, const char *const *what, int n);

/* ---- calibration samples -------------------------------------------------- */

/* The samples of a --data argument: a directory of .npy files (sorted by
 * name), a list file (one path per line, relative to the list's
 * directory), or for a model with several inputs a directory with one
 * sub-directory per input name holding the same file names. */
struct stats_samples {
	int n;                    /* samples */
	int n_inputs;             /* the model's inputs */
	char **path;              /* path[i * n_inputs + j]: sample i, input j */
};
struct stats_samples *stats_samples_find(const struct ir_graph *g, const char *data);
void stats_samples_free(struct stats_samples *s);
/* Reads sample i's tensor for model input j and checks that its dtype and
 * shape are exactly the input's: NULL + "FILE is f32[..]; input "x" is
 * f32[..]" otherwise. */
struct ir_tensor *stats_sample_read(const struct stats_samples *s, const struct ir_graph *g,
				    int i, int j);

#endif
