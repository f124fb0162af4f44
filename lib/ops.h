/*
 * ops.h: the operator table. One entry per enum ir_op, indexed by the enum:
 * its name, how many inputs and outputs it takes, its shape inference, and
 * its float kernel. formats/ir.md, "Operators", is the spec each entry
 * implements; the attributes a kernel reads are exactly those listed there,
 * already validated by the op's infer function.
 *
 * A kernel sees one node: the metadata of its inputs and outputs (dtype,
 * static shape), pointers to their bytes, the state its prepare function
 * built once per plan (packed weights, index tables), and scratch memory.
 * Kernels never allocate output memory: the planner (exec.c) did.
 */
#ifndef OPS_H
#define OPS_H

#include "ir.h"

struct ir_kctx {
	const struct ir_graph *g;
	const struct ir_node *n;
	/* n->n_in / n->n_out entries; ti[i] NULL and in[i] NULL for an absent
	 * optional input. */
	const struct ir_tensor *const *ti;
	const struct ir_tensor *const *to;
	const void *const *in;
	void *const *out;
	void *state;           /* from prepare, else NULL */
	int threads;           /* the --threads budget for this kernel */
};

/* Scratch memory for kernels: grows on demand, reused across nodes, owned by
 * the calling thread's executor. */
void *ir_scratch(size_t bytes);

enum {
	IR_OPF_ELEMENTWISE = 1 << 0, /* output[i] depends only on input[i] (same shape) */
	IR_OPF_VIEW = 1 << 1,        /* output bytes == input 0 bytes (Reshape & co.) */
	IR_OPF_FOLD_SHAPE = 1 << 2,  /* onnx2ir folds it when its inputs are constant */
	IR_OPF_NEEDS_DATA_OF_0 = 0   /* reserved */
};

struct ir_op_info {
	const char *name;
	int min_in, max_in, min_out, max_out;
	unsigned flags;
	const char *attrs;     /* the attribute names it takes, comma-separated */
	/* Sets dtype and shape of every output from the inputs and attributes,
	 * after checking them; -1 with ir_errmsg naming the node. */
	int (*infer)(struct ir_graph *g, struct ir_node *n);
	/* Optional: builds per-node state once (weights are constant by then). */
	int (*prepare)(const struct ir_graph *g, const struct ir_node *n, void **state);
	void (*release)(void *state);
	/* Runs the node; -1 with ir_errmsg only for data-dependent errors (an
	 * index out of range). */
	int (*run)(const struct ir_kctx *k);
};

extern const struct ir_op_info ir_ops[IR_OP_COUNT];

/* "node \"conv1\" (Conv): " into a static buffer, for messages. */
const char *ir_node_ctx(const struct ir_node *n);

/* Shape helpers shared by infer and kernels. */
/* numpy broadcasting of a and b into out; -1 if incompatible. */
int ir_broadcast_shape(int ra, const int64_t *da, int rb, const int64_t *db,
		       int *rout, int64_t *dout);
/* Normalized Slice for one tensor: per axis, first index, step and count. */
int ir_slice_params(const struct ir_node *n, int rank, const int64_t *dims,
		    int64_t *start, int64_t *step, int64_t *count);
/* The dims [start, end) a Shape node reports (attributes start, end,
 * negative from the end, clamped). */
void ir_shape_range(const struct ir_node *n, int rank, int64_t *start, int64_t *end);
/* Normalizes axis a into [0, rank); -1 if out of range. */
int ir_norm_axis(int64_t a, int rank);
/* The axes a Reduce* node reduces, as a bit mask (attribute axes,
 * noop_with_empty_axes). */
int ir_reduce_mask(const struct ir_node *n, int rank, unsigned *mask);

/* Checks arity and runs the op's shape inference for one node. */
int ir_node_infer(struct ir_graph *g, struct ir_node *n);
/* Invariants 3 and 4 of formats/ir.md for a graph read from a stream:
 * every attribute is one its op takes, and every output has the dtype and
 * shape the op's rule gives (an output whose shape the text left unknown
 * gets it). -1 with ir_errmsg naming the node, its index in *bad_node. */
int ir_graph_verify(struct ir_graph *g, int *bad_node);

/* Evaluates one node whose inputs all have data (constant folding, tests):
 * allocates and returns the outputs' data in outs[] (caller frees). */
int ir_node_eval(const struct ir_graph *g, const struct ir_node *n, void **outs);

/* Kernel entry points (k_*.c), referenced by the table in ops.c. */
#define IR_KERNEL(fn) int fn(const struct ir_kctx *k)
IR_KERNEL(k_binary);
IR_KERNEL(k_unary);
IR_KERNEL(k_clip);
IR_KERNEL(k_prelu);
IR_KERNEL(k_softmax);
IR_KERNEL(k_conv);
IR_KERNEL(k_conv_transpose);
IR_KERNEL(k_gemm);
IR_KERNEL(k_matmul);
IR_KERNEL(k_batch_norm);
IR_KERNEL(k_pool);
IR_KERNEL(k_global_pool);
IR_KERNEL(k_concat);
IR_KERNEL(k_split);
IR_KERNEL(k_slice);
IR_KERNEL(k_gather);
IR_KERNEL(k_copy);
IR_KERNEL(k_transpose);
IR_KERNEL(k_expand);
IR_KERNEL(k_resize);
IR_KERNEL(k_pad);
IR_KERNEL(k_reduce);
IR_KERNEL(k_argmax);
IR_KERNEL(k_dropout);
IR_KERNEL(k_cast);
IR_KERNEL(k_shape);
IR_KERNEL(k_constant_of_shape);
IR_KERNEL(k_layer_norm);
IR_KERNEL(k_qconv);
IR_KERNEL(k_qconv_transpose);
IR_KERNEL(k_qadd);
IR_KERNEL(k_qmul);
IR_KERNEL(k_qlut);
IR_KERNEL(k_qrequant);
IR_KERNEL(k_qpool);
IR_KERNEL(k_qresize);
IR_KERNEL(k_size);
IR_KERNEL(k_quantize);

/* f32 rows for the executor's fused elementwise chains (k_eltwise.c): a
 * binary op (Add, Sub, Mul, Div, Pow, Min, Max) where ia / ib 0 means a or b
 * is one value for the whole row; a unary op or Clip, with the node's
 * attributes. Exactly the arithmetic of k_binary, k_unary and k_clip. */
void ir_f32_binary_row(enum ir_op op, float *o, const float *a, const float *b, int64_t n,
		       int ia, int ib);
void ir_f32_unary_row(const struct ir_node *node, float *o, const float *x, int64_t n);
/* y = min(max(y, lo), hi) in place (k_eltwise.c). */
void ir_f32_clamp(float *y, int64_t n, float lo, float hi);
/* The activation ir-fuse folded into a Conv or ConvTranspose: its clamp
 * bounds (act_min, act_max; absent = unbounded). Returns 0 if it has none. */
int ir_act_range(const struct ir_node *n, float *lo, float *hi);

int k_conv_prepare(const struct ir_graph *g, const struct ir_node *n, void **state);
void k_conv_release(void *state);

#endif
