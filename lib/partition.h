/*
 * partition.h: placing every node of a float graph on the BPU or the CPU
 * (ir-partition; formats/ir.md, "ir-partition").
 *
 * The rules, in the order they apply:
 *   1. a node-info entry (run_on=bpu|cpu) decides; forcing onto the BPU an
 *      op the march cannot run there is an error naming the limit;
 *   2. an op the march supports, within every limit, goes to the BPU, and
 *      anything else (or any tensor that is not f32) to the CPU;
 *   3. passive ops (data movement: Reshape, Transpose, ...) go to the BPU
 *      only when every node on both sides of them is on the BPU;
 *   4. the tail: only a Conv (or ConvTranspose) may hand the CPU int32
 *      results. Walking back from each model output, the BPU-capable ops
 *      met before the last Conv go to the CPU; that Conv keeps an int32
 *      output (output_int32) and, if ir-fuse fused a Relu/Relu6 into it,
 *      the activation is split off again onto the CPU;
 * then Quantize (CPU to BPU) and Dequantize (BPU to CPU) nodes are added at
 * every boundary and at model inputs and outputs, placed on the CPU, and
 * the BPU nodes are numbered by connected subgraph.
 */
#ifndef PARTITION_H
#define PARTITION_H

#include <stdio.h>

#include "ir.h"

struct march;
struct nodeinfo;

/* Partitions g in place; -1 with ir_errmsg on a node-info conflict. */
int partition_run(struct ir_graph *g, const struct march *m, const struct nodeinfo *ni);

enum report_format { REPORT_TEXT, REPORT_TSV, REPORT_JSON };
/* The report of a partitioned graph: one row per node (op, place,
 * subgraph, reason), then the subgraphs and every boundary conversion with
 * its element count. */
void partition_report(FILE *f, const struct ir_graph *g, enum report_format fmt);
/* One line: nodes on each side, subgraphs, conversions. */
void partition_summary(FILE *f, const struct ir_graph *g);

#endif
