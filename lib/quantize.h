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

#endif
