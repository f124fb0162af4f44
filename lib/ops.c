/*
 * ops.c: the operator table (ops.h) and what is defined by it: op names,
 * whole-graph shape inference, and single-node evaluation for folding.
 */
#include "ops.h"
#include "infer.h"
#include "util.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ELW IR_OPF_ELEMENTWISE
#define VIEW IR_OPF_VIEW
#define FOLD IR_OPF_FOLD_SHAPE

const struct ir_op_info ir_ops[IR_OP_COUNT] = {
	/* name, inputs min..max, outputs min..max, flags,
	 * attributes, infer, prepare, release, run */
	[IR_OP_ADD] = {"Add", 2, 2, 1, 1, FOLD,
		"",
		infer_binary, NULL, NULL, k_binary},
	[IR_OP_SUB] = {"Sub", 2, 2, 1, 1, FOLD,
		"",
		infer_binary, NULL, NULL, k_binary},
	[IR_OP_MUL] = {"Mul", 2, 2, 1, 1, FOLD,
		"",
		infer_binary, NULL, NULL, k_binary},
	[IR_OP_DIV] = {"Div", 2, 2, 1, 1, FOLD,
		"",
		infer_binary, NULL, NULL, k_binary},
	[IR_OP_POW] = {"Pow", 2, 2, 1, 1, 0,
		"",
		infer_binary, NULL, NULL, k_binary},
	[IR_OP_MIN] = {"Min", 2, 2, 1, 1, FOLD,
		"",
		infer_binary, NULL, NULL, k_binary},
	[IR_OP_MAX] = {"Max", 2, 2, 1, 1, FOLD,
		"",
		infer_binary, NULL, NULL, k_binary},
	[IR_OP_RELU] = {"Relu", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_LEAKY_RELU] = {"LeakyRelu", 1, 1, 1, 1, ELW,
		"alpha",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_PRELU] = {"PRelu", 2, 2, 1, 1, 0,
		"",
		infer_prelu, NULL, NULL, k_prelu},
	[IR_OP_CLIP] = {"Clip", 1, 1, 1, 1, ELW,
		"max,min",
		infer_clip, NULL, NULL, k_clip},
	[IR_OP_SIGMOID] = {"Sigmoid", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_TANH] = {"Tanh", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_HARD_SIGMOID] = {"HardSigmoid", 1, 1, 1, 1, ELW,
		"alpha,beta",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_HARD_SWISH] = {"HardSwish", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_ERF] = {"Erf", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_SQRT] = {"Sqrt", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_EXP] = {"Exp", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_LOG] = {"Log", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_ABS] = {"Abs", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_NEG] = {"Neg", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_RECIPROCAL] = {"Reciprocal", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_SOFTMAX] = {"Softmax", 1, 1, 1, 1, 0,
		"axis",
		infer_softmax, NULL, NULL, k_softmax},
	[IR_OP_CONV] = {"Conv", 2, 3, 1, 1, 0,
		"act_max,act_min,dilations,group,kernel_shape,output_int32,pads,strides",
		infer_conv, k_conv_prepare, k_conv_release, k_conv},
	[IR_OP_CONV_TRANSPOSE] = {"ConvTranspose", 2, 3, 1, 1, 0,
		"act_max,act_min,dilations,group,kernel_shape,output_int32,output_padding,pads,"
		"strides",
		infer_conv_transpose, NULL, NULL, k_conv_transpose},
	[IR_OP_GEMM] = {"Gemm", 2, 3, 1, 1, 0,
		"alpha,beta,transA,transB",
		infer_gemm, NULL, NULL, k_gemm},
	[IR_OP_MATMUL] = {"MatMul", 2, 2, 1, 1, 0,
		"",
		infer_matmul, NULL, NULL, k_matmul},
	[IR_OP_BATCH_NORM] = {"BatchNormalization", 5, 5, 1, 3, 0,
		"epsilon,momentum,training_mode",
		infer_batch_norm, NULL, NULL, k_batch_norm},
	[IR_OP_MAX_POOL] = {"MaxPool", 1, 1, 1, 2, 0,
		"ceil_mode,dilations,kernel_shape,pads,storage_order,strides",
		infer_pool, NULL, NULL, k_pool},
	[IR_OP_AVERAGE_POOL] = {"AveragePool", 1, 1, 1, 1, 0,
		"ceil_mode,count_include_pad,kernel_shape,pads,strides",
		infer_pool, NULL, NULL, k_pool},
	[IR_OP_GLOBAL_AVERAGE_POOL] = {"GlobalAveragePool", 1, 1, 1, 1, 0,
		"",
		infer_global_pool, NULL, NULL, k_global_pool},
	[IR_OP_GLOBAL_MAX_POOL] = {"GlobalMaxPool", 1, 1, 1, 1, 0,
		"",
		infer_global_pool, NULL, NULL, k_global_pool},
	[IR_OP_CONCAT] = {"Concat", 1, 1024, 1, 1, FOLD,
		"axis",
		infer_concat, NULL, NULL, k_concat},
	[IR_OP_SPLIT] = {"Split", 1, 1, 1, 64, FOLD,
		"axis,split",
		infer_split, NULL, NULL, k_split},
	[IR_OP_SLICE] = {"Slice", 1, 1, 1, 1, FOLD,
		"axes,ends,starts,steps",
		infer_slice, NULL, NULL, k_slice},
	[IR_OP_GATHER] = {"Gather", 2, 2, 1, 1, FOLD,
		"axis",
		infer_gather, NULL, NULL, k_gather},
	[IR_OP_RESHAPE] = {"Reshape", 1, 1, 1, 1, VIEW | FOLD,
		"allowzero,shape",
		infer_reshape, NULL, NULL, k_copy},
	[IR_OP_TRANSPOSE] = {"Transpose", 1, 1, 1, 1, FOLD,
		"perm",
		infer_transpose, NULL, NULL, k_transpose},
	[IR_OP_FLATTEN] = {"Flatten", 1, 1, 1, 1, VIEW | FOLD,
		"axis",
		infer_flatten, NULL, NULL, k_copy},
	[IR_OP_SQUEEZE] = {"Squeeze", 1, 1, 1, 1, VIEW | FOLD,
		"axes",
		infer_squeeze, NULL, NULL, k_copy},
	[IR_OP_UNSQUEEZE] = {"Unsqueeze", 1, 1, 1, 1, VIEW | FOLD,
		"axes",
		infer_unsqueeze, NULL, NULL, k_copy},
	[IR_OP_EXPAND] = {"Expand", 1, 1, 1, 1, FOLD,
		"shape",
		infer_expand, NULL, NULL, k_expand},
	[IR_OP_RESIZE] = {"Resize", 1, 1, 1, 1, 0,
		"coordinate_transformation_mode,cubic_coeff_a,exclude_outside,"
		"extrapolation_value,mode,nearest_mode,roi,scales,sizes",
		infer_resize, NULL, NULL, k_resize},
	[IR_OP_PAD] = {"Pad", 1, 1, 1, 1, 0,
		"mode,pads,value",
		infer_pad, NULL, NULL, k_pad},
	[IR_OP_REDUCE_MEAN] = {"ReduceMean", 1, 1, 1, 1, 0,
		"axes,keepdims,noop_with_empty_axes",
		infer_reduce, NULL, NULL, k_reduce},
	[IR_OP_REDUCE_MAX] = {"ReduceMax", 1, 1, 1, 1, 0,
		"axes,keepdims,noop_with_empty_axes",
		infer_reduce, NULL, NULL, k_reduce},
	[IR_OP_REDUCE_MIN] = {"ReduceMin", 1, 1, 1, 1, 0,
		"axes,keepdims,noop_with_empty_axes",
		infer_reduce, NULL, NULL, k_reduce},
	[IR_OP_REDUCE_SUM] = {"ReduceSum", 1, 1, 1, 1, 0,
		"axes,keepdims,noop_with_empty_axes",
		infer_reduce, NULL, NULL, k_reduce},
	[IR_OP_ARGMAX] = {"ArgMax", 1, 1, 1, 1, 0,
		"axis,keepdims,select_last_index",
		infer_argmax, NULL, NULL, k_argmax},
	[IR_OP_IDENTITY] = {"Identity", 1, 1, 1, 1, VIEW | FOLD,
		"",
		infer_identity, NULL, NULL, k_copy},
	[IR_OP_DROPOUT] = {"Dropout", 1, 1, 1, 2, VIEW,
		"",
		infer_identity, NULL, NULL, k_dropout},
	[IR_OP_CAST] = {"Cast", 1, 1, 1, 1, FOLD,
		"to",
		infer_cast, NULL, NULL, k_cast},
	[IR_OP_SHAPE] = {"Shape", 1, 1, 1, 1, FOLD,
		"end,start",
		infer_shape, NULL, NULL, k_shape},
	[IR_OP_CONSTANT_OF_SHAPE] = {"ConstantOfShape", 1, 1, 1, 1, FOLD,
		"value",
		infer_constant_of_shape, NULL, NULL, k_constant_of_shape},
	[IR_OP_SILU] = {"SiLU", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_GELU] = {"GELU", 1, 1, 1, 1, ELW,
		"",
		infer_unary, NULL, NULL, k_unary},
	[IR_OP_SIZE] = {"Size", 1, 1, 1, 1, FOLD,
		"",
		infer_size, NULL, NULL, k_size},
	[IR_OP_LAYER_NORM] = {"LayerNormalization", 2, 3, 1, 3, 0,
		"axis,epsilon",
		infer_layer_norm, NULL, NULL, k_layer_norm},
	[IR_OP_QUANTIZE] = {"Quantize", 1, 1, 1, 1, ELW,
		"",
		infer_quantize, NULL, NULL, k_quantize},
	[IR_OP_DEQUANTIZE] = {"Dequantize", 1, 1, 1, 1, ELW,
		"",
		infer_quantize, NULL, NULL, k_quantize},
	/* ir-quant's integer ops: formats/numerics.md gives their arithmetic */
	[IR_OP_QCONV] = {"QConv", 2, 3, 1, 1, 0,
		"dilations,group,kernel_shape,mult,out_max,out_min,output_int32,pads,shift,strides",
		infer_conv, NULL, NULL, k_qconv},
	[IR_OP_QCONV_TRANSPOSE] = {"QConvTranspose", 2, 3, 1, 1, 0,
		"dilations,group,kernel_shape,mult,out_max,out_min,output_int32,output_padding,"
		"pads,shift,strides",
		infer_conv_transpose, NULL, NULL, k_qconv_transpose},
	[IR_OP_QADD] = {"QAdd", 2, 2, 1, 1, 0,
		"mult_a,mult_b,out_max,out_min,shift",
		infer_binary, NULL, NULL, k_qadd},
	[IR_OP_QSUB] = {"QSub", 2, 2, 1, 1, 0,
		"mult_a,mult_b,out_max,out_min,shift",
		infer_binary, NULL, NULL, k_qadd},
	[IR_OP_QMUL] = {"QMul", 2, 2, 1, 1, 0,
		"mult,out_max,out_min,shift",
		infer_binary, NULL, NULL, k_qmul},
	[IR_OP_QLUT] = {"QLut", 2, 2, 1, 1, 0,
		"function",
		infer_qlut, NULL, NULL, k_qlut},
	[IR_OP_QREQUANT] = {"QRequant", 1, 1, 1, 1, 0,
		"mult,out_max,out_min,shift",
		infer_qrequant, NULL, NULL, k_qrequant},
	[IR_OP_QAVERAGE_POOL] = {"QAveragePool", 1, 1, 1, 1, 0,
		"ceil_mode,count_include_pad,kernel_shape,pads,strides",
		infer_pool, NULL, NULL, k_qpool},
	[IR_OP_QGLOBAL_AVERAGE_POOL] = {"QGlobalAveragePool", 1, 1, 1, 1, 0,
		"",
		infer_global_pool, NULL, NULL, k_qpool},
	[IR_OP_QRESIZE] = {"QResize", 1, 1, 1, 1, 0,
		"coordinate_transformation_mode,cubic_coeff_a,exclude_outside,"
		"extrapolation_value,mode,nearest_mode,roi,scales,sizes",
		infer_resize, NULL, NULL, k_qresize},
};

_Static_assert(IR_OP_COUNT == 71, "a new op needs its row in ir_ops[] and formats/ir.md");

const char *ir_op_name(enum ir_op op)
{
	if (op > IR_OP_INVALID && op < IR_OP_COUNT && ir_ops[op].name)
		return ir_ops[op].name;
	return "?";
}

int ir_op_is_quantized(enum ir_op op)
{
	return op >= IR_OP_QCONV && op <= IR_OP_QRESIZE;
}

enum ir_op ir_op_from_name(const char *s)
{
	for (int i = 1; i < IR_OP_COUNT; i++)
		if (ir_ops[i].name && strcmp(ir_ops[i].name, s) == 0)
			return (enum ir_op)i;
	return IR_OP_INVALID;
}

const char *ir_node_ctx(const struct ir_node *n)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "node \"%s\" (%s): ", n->name, ir_op_name(n->op));
	return buf;
}

int ir_act_range(const struct ir_node *n, float *lo, float *hi)
{
	struct ir_attr *a = ir_attr_find(n, "act_min"), *b = ir_attr_find(n, "act_max");
	*lo = a ? a->f : -INFINITY;
	*hi = b ? b->f : INFINITY;
	return a || b;
}

static __thread void *scratch_buf;
static __thread size_t scratch_cap;

void *ir_scratch(size_t bytes)
{
	if (bytes > scratch_cap) {
		free(scratch_buf);
		scratch_cap = bytes + bytes / 4;
		if (posix_memalign(&scratch_buf, 64, scratch_cap) != 0)
			die("out of memory allocating %zu bytes of scratch", scratch_cap);
	}
	return scratch_buf;
}

static int check_arity(const struct ir_graph *g, const struct ir_node *n)
{
	const struct ir_op_info *op = &ir_ops[n->op];
	if (n->n_in < op->min_in || n->n_in > op->max_in)
		return ir_error("%s%d inputs; the op takes %d to %d", ir_node_ctx(n), n->n_in,
				op->min_in, op->max_in);
	if (n->n_out < op->min_out || n->n_out > op->max_out)
		return ir_error("%s%d outputs; the op gives %d to %d", ir_node_ctx(n), n->n_out,
				op->min_out, op->max_out);
	for (int i = 0; i < op->min_in; i++)
		if (n->in[i] < 0)
			return ir_error("%sinput %d is required", ir_node_ctx(n), i);
	for (int i = 0; i < n->n_in; i++)
		if (n->in[i] >= 0 && g->tensors[n->in[i]]->rank < 0)
			return ir_error("%sthe shape of input \"%s\" is unknown", ir_node_ctx(n),
					g->tensors[n->in[i]]->name);
	if (n->out[0] < 0)
		return ir_error("%sthe first output is required", ir_node_ctx(n));
	return 0;
}

int ir_node_infer(struct ir_graph *g, struct ir_node *n)
{
	if (n->op <= IR_OP_INVALID || n->op >= IR_OP_COUNT || !ir_ops[n->op].infer)
		return ir_error("node \"%s\": unknown op", n->name);
	if (check_arity(g, n) < 0)
		return -1;
	return ir_ops[n->op].infer(g, n);
}

/* Is name in the comma-separated list? */
static int in_list(const char *list, const char *name)
{
	size_t l = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == l && !strncmp(p, name, l))
			return 1;
		p += n + (e ? 1 : 0);
	}
	return 0;
}

int ir_graph_verify(struct ir_graph *g, int *bad_node)
{
	for (int i = 0; i < g->n_nodes; i++) {
		struct ir_node *n = &g->nodes[i];
		*bad_node = i;
		const struct ir_op_info *op = &ir_ops[n->op];
		for (int j = 0; j < n->n_attr; j++)
			if (!in_list(op->attrs, n->attr[j].name))
				return ir_error("%s\"%s\" is not an attribute of %s (it takes: %s)",
						ir_node_ctx(n), n->attr[j].name, op->name,
						*op->attrs ? op->attrs : "none");
		struct ir_tensor decl[64];
		for (int j = 0; j < n->n_out && j < 64; j++)
			if (n->out[j] >= 0)
				decl[j] = *g->tensors[n->out[j]];
		if (ir_node_infer(g, n) < 0)
			return -1;
		for (int j = 0; j < n->n_out && j < 64; j++) {
			if (n->out[j] < 0)
				continue;
			const struct ir_tensor *d = &decl[j], *t = g->tensors[n->out[j]];
			if (d->rank < 0 || d->dtype == IR_DTYPE_UNDEFINED)
				continue; /* left for inference to fill in */
			if (d->dtype != t->dtype || d->rank != t->rank ||
			    memcmp(d->dims, t->dims, sizeof(int64_t) * t->rank)) {
				char a[160], b[160];
				return ir_error("%soutput \"%s\" is declared %s, but the op gives %s",
						ir_node_ctx(n), t->name, ir_tensor_type_str(d, a, sizeof a),
						ir_tensor_type_str(t, b, sizeof b));
			}
		}
	}
	return 0;
}

int ir_graph_infer(struct ir_graph *g)
{
	for (int i = 0; i < g->n_nodes; i++)
		if (ir_node_infer(g, &g->nodes[i]) < 0)
			return -1;
	return 0;
}

int ir_node_eval(const struct ir_graph *g, const struct ir_node *n, void **outs)
{
	const struct ir_tensor *ti[1024], *to[64];
	const void *in[1024];
	void *state = NULL;
	assert(n->n_in <= 1024 && n->n_out <= 64);
	for (int i = 0; i < n->n_in; i++) {
		ti[i] = n->in[i] >= 0 ? g->tensors[n->in[i]] : NULL;
		in[i] = ti[i] ? ti[i]->data : NULL;
	}
	for (int i = 0; i < n->n_out; i++) {
		to[i] = n->out[i] >= 0 ? g->tensors[n->out[i]] : NULL;
		outs[i] = to[i] ? xcalloc(1, ir_tensor_nbytes(to[i]) + 1) : NULL;
	}
	const struct ir_op_info *op = &ir_ops[n->op];
	if (op->prepare && op->prepare(g, n, &state) < 0)
		goto fail;
	struct ir_kctx k = {g, n, ti, to, in, (void *const *)outs, state, 1};
	int rc = op->run(&k);
	if (op->release)
		op->release(state);
	if (rc == 0)
		return 0;
fail:
	for (int i = 0; i < n->n_out; i++) {
		free(outs[i]);
		outs[i] = NULL;
	}
	return -1;
}
