/*
 * exec.h: the float executor. ir_exec_new() plans a graph once: it prepares
 * every kernel (packs weights), works out each tensor's lifetime, lets views
 * (Reshape & co.) share their input's bytes and elementwise ops overwrite an
 * input that dies there, and packs all activations into one arena by
 * lifetime (greedy by size, as TFLite's planner does). Runs of consecutive
 * f32 elementwise nodes of one shape (an exporter's decomposed HardSwish:
 * Add, Clip, Mul, Div) are fused into chains that run a block at a time,
 * and values that never leave a chain take no memory. ir_exec_run() then
 * runs the nodes in order on caller-owned input buffers.
 *
 *     struct ir_exec *x = ir_exec_new(g, &(struct ir_exec_opts){.threads = 1});
 *     const void *in[] = {image};            // by model input index
 *     if (ir_exec_run(x, in) < 0) die("%s", ir_errmsg);
 *     const float *y = ir_exec_output(x, 0);  // by model output index
 *     ir_exec_free(x);
 */
#ifndef EXEC_H
#define EXEC_H

#include "ir.h"

struct ir_exec;

struct ir_exec_opts {
	int threads;
	/* Called after every node for each tensor it produced, before its memory
	 * can be reused (ir-run --dump-all); non-zero return stops the run. */
	int (*on_tensor)(void *ctx, const struct ir_graph *g, int tensor, const void *data);
	void *ctx;
	int profile;          /* record per-node wall time */
	int no_inplace;       /* give every tensor its own buffer (debugging) */
	int no_fuse;          /* run every node on its own (debugging) */
};

struct ir_exec *ir_exec_new(const struct ir_graph *g, const struct ir_exec_opts *o);
int ir_exec_run(struct ir_exec *x, const void *const *inputs);
const void *ir_exec_output(const struct ir_exec *x, int i);
void ir_exec_free(struct ir_exec *x);

/* Bytes of the activation arena (what the liveness planner achieved) and
 * the sum of all activation sizes (what it would be without reuse). */
size_t ir_exec_arena_bytes(const struct ir_exec *x);
size_t ir_exec_naive_bytes(const struct ir_exec *x);
/* Per-node accumulated seconds when profile was set; NULL otherwise. A
 * fused chain's time is all on its first node. */
const double *ir_exec_node_seconds(const struct ir_exec *x);
/* How many nodes run as one from node i: 1 alone, k > 1 for the first node
 * of a fused elementwise chain of k nodes, 0 for the chain's other nodes. */
int ir_exec_fused_len(const struct ir_exec *x, int node);

#endif
