/*
 * quantize.h: ir-quant's rewrite of a partitioned float graph into the
 * integer graph formats/numerics.md specifies.
 *
 * CPU nodes stay float. Every tensor the BPU reads or writes becomes int8
 * with the scale and zero point of its thresholds entry (or, for ops that
 * only move data, its input's); every BPU node becomes the integer op that
 * computes it (formats/ir.md, "Integer ops") with its integer weights,
 * biases, requantization multipliers and lookup tables; a Conv that hands
 * the CPU its accumulators writes int32 with per-channel scales; Quantize
 * and Dequantize get their scales from the tensors they convert.
 */
#ifndef QUANTIZE_H
#define QUANTIZE_H

#include "ir.h"
#include "thresholds.h"

/* Rewrites g in place; -1 with ir_errmsg (naming the node or tensor) when
 * a tensor has no thresholds entry, a BPU op has no integer form, or the
 * graph is not a partitioned float graph. */
int quantize_graph(struct ir_graph *g, const struct thresholds *th);

/* The layout of the weight of a Conv (W[M, C/g, k...]) or ConvTranspose
 * (W[C, M/g, k...]): which output and input channel each element feeds. */
struct conv_weight {
	int transpose;
	int64_t group, m;      /* groups, output channels */
	int64_t d0, d1, inner; /* W's first two dims, and the elements per (d0, d1) */
};

void conv_weight_layout(const struct ir_node *n, const struct ir_tensor *w, struct conv_weight *l);

static inline int64_t conv_weight_oc(const struct conv_weight *l, int64_t i)
{
	int64_t a = i / l->inner / l->d1, b = i / l->inner % l->d1;
	return l->transpose ? (a / (l->d0 / l->group)) * l->d1 + b : a;
}

static inline int64_t conv_weight_ic(const struct conv_weight *l, int64_t i)
{
	int64_t a = i / l->inner / l->d1, b = i / l->inner % l->d1;
	return l->transpose ? a : (a / (l->m / l->group)) * l->d1 + b;
}

/* The weight scales ir-quant uses, one per output channel (l->m values,
 * malloc'd): the thresholds entry's (one for all, or one each), else
 * absmax_c / 127 (1 for an all-zero channel); NULL + ir_errmsg when the
 * entry's scale count is neither. */
float *quantize_weight_scales(const struct conv_weight *l, const struct ir_tensor *w,
			      const struct th_entry *we);

#endif
