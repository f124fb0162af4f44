/*
 * fuse.h: ir-fuse's passes and the graph-editing helpers they share.
 *
 * A pass is a function that rewrites a graph in place and says whether it
 * changed anything; fuse_run() runs a list of passes in order, again and
 * again until none changes the graph (a fixed point), as `opt` runs its
 * pipeline. After every pass the graph is put back in order: nodes sorted
 * topologically, unused tensors dropped, shapes re-inferred and the
 * invariants checked, so a pass may append nodes anywhere and leave dead
 * ones behind.
 *
 * Every pass keeps the graph's numerics (formats/ir.md, "ir-fuse"): it
 * replaces a subgraph by one that computes the same function, up to float
 * rounding.
 *
 * Writing a pass:
 *
 *     static int pass_foo(struct ir_graph *g, int *changed)
 *     {
 *         for (int i = 0; i < g->n_nodes; i++) {
 *             struct ir_node *n = &g->nodes[i];
 *             if (n->op != IR_OP_FOO || fuse_uses(g, n->out[0]) != 1)
 *                 continue;
 *             ...rewire with fuse_replace_uses(), mark dead with fuse_kill()...
 *             *changed = 1;
 *         }
 *         return 0;
 *     }
 *
 * and add it to the table in fuse.c. Node pointers are invalidated by
 * ir_node_add (it may move the array): take indices, or re-fetch.
 */
#ifndef FUSE_H
#define FUSE_H

#include "ir.h"

struct fuse_pass {
	const char *name;
	const char *doc;    /* one line for --list-passes */
	int (*run)(struct ir_graph *g, int *changed);
};

extern const struct fuse_pass fuse_passes[];
extern const int fuse_n_passes;

struct fuse_stats {
	int iterations;          /* rounds until the fixed point */
	int applied[64];         /* per pass (fuse_passes order): rounds it changed the graph */
};

/* Runs the passes named in `only` (comma-separated; NULL = all, in table
 * order), minus those in `disable`, to a fixed point (at most max_rounds
 * rounds). -1 with ir_errmsg for an unknown pass name or a pass error. */
int fuse_run(struct ir_graph *g, const char *only, const char *disable, int max_rounds,
	     struct fuse_stats *st);

/* ---- helpers for passes (fuse.c) ---------------------------------------- */

/* How many node inputs read tensor t, plus one if it is a model output. */
int fuse_uses(const struct ir_graph *g, int t);
/* The index of the node producing t, or -1 (a model input or constant).
 * Valid after fuse_refresh(), which fuse_run does before every pass. */
int fuse_producer(const struct ir_graph *g, int t);
/* The only node reading t (-1 if none or several, or t is an output). */
int fuse_sole_consumer(const struct ir_graph *g, int t);
/* Makes every node input reading `from` read `to` instead. Model outputs
 * are not touched (their names are the model's interface). */
void fuse_replace_uses(struct ir_graph *g, int from, int to);
/* Marks node i dead; fuse_run removes dead nodes after the pass. */
void fuse_kill(struct ir_graph *g, int i);
int fuse_is_dead(const struct ir_graph *g, int i);
/* Recomputes producers and clears dead marks; done by fuse_run. */
void fuse_refresh(struct ir_graph *g);

/* Is t a constant whose every element equals v (any float or int dtype)? */
int fuse_const_all(const struct ir_graph *g, int t, double v);
/* The single value of a one-element constant t in *v; 0 if t is not one. */
int fuse_const_scalar(const struct ir_graph *g, int t, double *v);
/* A new f32 constant named from base, shape dims, taking ownership of data. */
int fuse_add_const(struct ir_graph *g, const char *base, int rank, const int64_t *dims,
		   float *data);
/* A new tensor (type to be inferred) named from base. */
int fuse_add_tensor(struct ir_graph *g, const char *base);
/* Appends a node named from base (made unique), recording origin. */
struct ir_node *fuse_add_node(struct ir_graph *g, const char *base, enum ir_op op,
			      const char *origin);

/* Makes node `keep` write tensor `out` (in place of its own output), so a
 * chain that ends in a model output can be replaced by its first node
 * without renaming the model's output. */
void fuse_retarget_output(struct ir_graph *g, int keep, int out);

#endif
