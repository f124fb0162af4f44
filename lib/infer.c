/*
 * infer.c: shape and dtype inference, one function per operator family.
 * Each checks what formats/ir.md ("Operators") requires of the node's inputs
 * and attributes and sets its outputs' dtype and shape. Messages name the
 * node and the offending value.
 */
#include "infer.h"
#include "ops.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define T(i) (g->tensors[n->in[i]])
#define O(i) (g->tensors[n->out[i]])
#define HAS(i) (n->n_in > (i) && n->in[i] >= 0)
#define SHP(t, b) ir_shape_str((t)->rank, (t)->dims, b, sizeof b)

static int set_out(struct ir_graph *g, struct ir_node *n, int i, enum ir_dtype dt,
		   int rank, const int64_t *dims)
{
	if (i >= n->n_out || n->out[i] < 0)
		return 0;
	struct ir_tensor *o = O(i);
	o->dtype = dt;
	ir_tensor_set_shape(o, rank, dims);
	return 0;
}

/* The output type of one of ir-quant's integer ops (formats/ir.md "Integer
 * ops"): i32 for a conv that hands the CPU its accumulators, else the type
 * its output's quant names (i8 or i16: mixed int8/int16 models), else def,
 * its input's. */
static enum ir_dtype q_out_dtype(struct ir_graph *g, struct ir_node *n, enum ir_dtype def)
{
	if (ir_attr_int(n, "output_int32", 0))
		return IR_DTYPE_I32;
	if (n->n_out > 0 && n->out[0] >= 0 && O(0)->quant &&
	    (O(0)->quant->dtype == IR_DTYPE_I8 || O(0)->quant->dtype == IR_DTYPE_I16))
		return O(0)->quant->dtype;
	return def;
}

/* A float op's output is f32; an integer op's as q_out_dtype says. */
static enum ir_dtype out_dtype(struct ir_graph *g, struct ir_node *n, const struct ir_tensor *x)
{
	if (!ir_op_is_quantized(n->op))
		return IR_DTYPE_F32;
	return q_out_dtype(g, n, x->dtype);
}

static int same_as_input(struct ir_graph *g, struct ir_node *n)
{
	return set_out(g, n, 0, T(0)->dtype, T(0)->rank, T(0)->dims);
}

/* The data type the float ops take (f32), or for ir-quant's integer ops the
 * quantized types: i8/i16 activations and weights, i32 biases. */
static int need_float(struct ir_graph *g, struct ir_node *n, int i)
{
	if (ir_op_is_quantized(n->op)) {
		enum ir_dtype t = T(i)->dtype;
		if (t == IR_DTYPE_I8 || t == IR_DTYPE_I16 || t == IR_DTYPE_I32)
			return 0;
		return ir_error("%sinput \"%s\" is %s; this integer op takes i8, i16 or i32",
				ir_node_ctx(n), T(i)->name, ir_dtype_name(T(i)->dtype));
	}
	if (T(i)->dtype != IR_DTYPE_F32)
		return ir_unsupported("%sinput \"%s\" is %s; this operator takes f32", ir_node_ctx(n),
				T(i)->name, ir_dtype_name(T(i)->dtype));
	return 0;
}

static int need_numeric(struct ir_node *n, const struct ir_tensor *t)
{
	switch (t->dtype) {
	case IR_DTYPE_F32: case IR_DTYPE_F64: case IR_DTYPE_I8: case IR_DTYPE_U8:
	case IR_DTYPE_I16: case IR_DTYPE_U16: case IR_DTYPE_I32: case IR_DTYPE_U32:
	case IR_DTYPE_I64: case IR_DTYPE_U64:
		return 0;
	default:
		return ir_unsupported("%sinput \"%s\" is %s; this operator takes numeric tensors "
				"(f32, f64, integers)", ir_node_ctx(n), t->name,
				ir_dtype_name(t->dtype));
	}
}

/* Reads an ints attribute of exactly `want` entries (or `def` when absent). */
static int get_ints(const struct ir_node *n, const char *name, int want, int64_t *out,
		    int64_t def)
{
	struct ir_attr *a = ir_attr_find(n, name);
	if (!a) {
		for (int i = 0; i < want; i++)
			out[i] = def;
		return 0;
	}
	if (a->type != IR_ATTR_INTS)
		return ir_error("%sattribute %s must be a list of integers", ir_node_ctx(n), name);
	if (a->n != want)
		return ir_error("%sattribute %s has %d values; %d expected", ir_node_ctx(n), name,
				a->n, want);
	memcpy(out, a->ints, sizeof(int64_t) * want);
	return 0;
}

int ir_norm_axis(int64_t a, int rank)
{
	if (a < -rank || a >= rank)
		return -1;
	return (int)(a < 0 ? a + rank : a);
}

static int axis_attr(const struct ir_node *n, const char *name, int64_t def, int rank,
		     int *axis)
{
	int64_t a = ir_attr_int(n, name, def);
	int r = ir_norm_axis(a, rank);
	if (r < 0)
		return ir_error("%s%s %lld is out of range for rank %d", ir_node_ctx(n), name,
				(long long)a, rank);
	*axis = r;
	return 0;
}

int ir_broadcast_shape(int ra, const int64_t *da, int rb, const int64_t *db, int *rout,
		       int64_t *dout)
{
	int r = ra > rb ? ra : rb;
	for (int i = 0; i < r; i++) {
		int64_t a = i - (r - ra) >= 0 ? da[i - (r - ra)] : 1;
		int64_t b = i - (r - rb) >= 0 ? db[i - (r - rb)] : 1;
		if (a != b && a != 1 && b != 1)
			return -1;
		dout[i] = a == 1 ? b : a;
	}
	*rout = r;
	return 0;
}

/* ---- elementwise ------------------------------------------------------- */

int infer_binary(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *a = T(0), *b = T(1);
	if (need_numeric(n, a) < 0 || need_numeric(n, b) < 0)
		return -1;
	if (ir_op_is_quantized(n->op) && (need_float(g, n, 0) < 0 || need_float(g, n, 1) < 0))
		return -1;
	if (n->op != IR_OP_POW && !ir_op_is_quantized(n->op) && a->dtype != b->dtype)
		return ir_error("%sinputs \"%s\" (%s) and \"%s\" (%s) differ in dtype",
				ir_node_ctx(n), a->name, ir_dtype_name(a->dtype), b->name,
				ir_dtype_name(b->dtype));
	int r;
	int64_t d[IR_MAX_RANK];
	char s1[128], s2[128];
	if (ir_broadcast_shape(a->rank, a->dims, b->rank, b->dims, &r, d) < 0)
		return ir_error("%sshapes %s of \"%s\" and %s of \"%s\" do not broadcast",
				ir_node_ctx(n), SHP(a, s1), a->name, SHP(b, s2), b->name);
	return set_out(g, n, 0, ir_op_is_quantized(n->op) ? q_out_dtype(g, n, a->dtype) : a->dtype, r,
		       d);
}

int infer_unary(struct ir_graph *g, struct ir_node *n)
{
	enum ir_op op = n->op;
	if (op == IR_OP_SILU || op == IR_OP_GELU) {
		if (need_float(g, n, 0) < 0)
			return -1;
	} else if (op == IR_OP_RELU || op == IR_OP_ABS || op == IR_OP_NEG) {
		if (need_numeric(n, T(0)) < 0)
			return -1;
	} else if (T(0)->dtype != IR_DTYPE_F32 && T(0)->dtype != IR_DTYPE_F64) {
		return ir_unsupported("%sinput \"%s\" is %s; this operator takes f32 or f64",
				ir_node_ctx(n), T(0)->name, ir_dtype_name(T(0)->dtype));
	}
	return same_as_input(g, n);
}

int infer_clip(struct ir_graph *g, struct ir_node *n)
{
	if (need_numeric(n, T(0)) < 0)
		return -1;
	struct ir_attr *mn = ir_attr_find(n, "min"), *mx = ir_attr_find(n, "max");
	if ((mn && mn->type != IR_ATTR_FLOAT) || (mx && mx->type != IR_ATTR_FLOAT))
		return ir_error("%sattributes min and max must be floats", ir_node_ctx(n));
	return same_as_input(g, n);
}

int infer_prelu(struct ir_graph *g, struct ir_node *n)
{
	if (need_float(g, n, 0) < 0 || need_float(g, n, 1) < 0)
		return -1;
	int r;
	int64_t d[IR_MAX_RANK];
	char s1[128], s2[128];
	if (ir_broadcast_shape(T(0)->rank, T(0)->dims, T(1)->rank, T(1)->dims, &r, d) < 0 ||
	    r != T(0)->rank || memcmp(d, T(0)->dims, sizeof(int64_t) * r))
		return ir_error("%sslope shape %s does not broadcast to the input's %s",
				ir_node_ctx(n), SHP(T(1), s1), SHP(T(0), s2));
	return same_as_input(g, n);
}

int infer_softmax(struct ir_graph *g, struct ir_node *n)
{
	int axis = 0;
	if (need_float(g, n, 0) < 0 || axis_attr(n, "axis", -1, T(0)->rank, &axis) < 0)
		return -1;
	return same_as_input(g, n);
}

/* ---- convolution and pooling ------------------------------------------- */

/* Reads kernel/stride/dilation/pad attributes for `sp` spatial dims. */
static int window_attrs(struct ir_node *n, int sp, int64_t *k, int64_t *s, int64_t *d,
			int64_t *p, int need_kernel)
{
	if (need_kernel && !ir_attr_find(n, "kernel_shape"))
		return ir_error("%sattribute kernel_shape is missing", ir_node_ctx(n));
	if ((k && get_ints(n, "kernel_shape", sp, k, 1) < 0) ||
	    get_ints(n, "strides", sp, s, 1) < 0 ||
	    (d && get_ints(n, "dilations", sp, d, 1) < 0) ||
	    get_ints(n, "pads", 2 * sp, p, 0) < 0)
		return -1;
	for (int i = 0; i < sp; i++) {
		if ((k && k[i] < 1) || s[i] < 1 || (d && d[i] < 1))
			return ir_error("%skernel_shape, strides and dilations must be >= 1",
					ir_node_ctx(n));
		if (p[i] < 0 || p[i + sp] < 0)
			return ir_error("%spads must be >= 0", ir_node_ctx(n));
	}
	return 0;
}

int infer_conv(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0), *w = T(1);
	char s1[128], s2[128];
	if (need_float(g, n, 0) < 0 || need_float(g, n, 1) < 0)
		return -1;
	if (x->rank < 3 || w->rank != x->rank)
		return ir_error("%sinput %s and weight %s: need [N,C,spatial...] and a weight "
				"of the same rank", ir_node_ctx(n), SHP(x, s1), SHP(w, s2));
	int sp = x->rank - 2;
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	int64_t group = ir_attr_int(n, "group", 1);
	if (window_attrs(n, sp, k, s, d, p, 0) < 0)
		return -1;
	if (!ir_attr_find(n, "kernel_shape"))
		for (int i = 0; i < sp; i++)
			k[i] = w->dims[2 + i];
	for (int i = 0; i < sp; i++)
		if (k[i] != w->dims[2 + i])
			return ir_error("%skernel_shape does not match weight \"%s\" %s",
					ir_node_ctx(n), w->name, SHP(w, s1));
	if (group < 1 || x->dims[1] % group || w->dims[0] % group ||
	    w->dims[1] * group != x->dims[1])
		return ir_error("%sgroup %lld does not fit input channels %lld and weight %s",
				ir_node_ctx(n), (long long)group, (long long)x->dims[1],
				SHP(w, s1));
	if (HAS(2)) {
		if (need_float(g, n, 2) < 0)
			return -1;
		if (T(2)->rank != 1 || T(2)->dims[0] != w->dims[0])
			return ir_error("%sbias \"%s\" %s must be [%lld]", ir_node_ctx(n),
					T(2)->name, SHP(T(2), s1), (long long)w->dims[0]);
	}
	struct ir_attr *lo = ir_attr_find(n, "act_min"), *hi = ir_attr_find(n, "act_max");
	if ((lo && lo->type != IR_ATTR_FLOAT) || (hi && hi->type != IR_ATTR_FLOAT))
		return ir_error("%sact_min and act_max must be floats", ir_node_ctx(n));
	int64_t od[IR_MAX_RANK];
	od[0] = x->dims[0];
	od[1] = w->dims[0];
	for (int i = 0; i < sp; i++) {
		int64_t ext = (k[i] - 1) * d[i] + 1;
		int64_t in = x->dims[2 + i] + p[i] + p[i + sp];
		if (in < ext)
			return ir_error("%sspatial dim %d: padded input %lld is smaller than the "
					"dilated kernel %lld", ir_node_ctx(n), i, (long long)in,
					(long long)ext);
		od[2 + i] = (in - ext) / s[i] + 1;
	}
	return set_out(g, n, 0, out_dtype(g, n, x), x->rank, od);
}

int infer_conv_transpose(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0), *w = T(1);
	char s1[128], s2[128];
	if (need_float(g, n, 0) < 0 || need_float(g, n, 1) < 0)
		return -1;
	if (x->rank < 3 || w->rank != x->rank)
		return ir_error("%sinput %s and weight %s: need [N,C,spatial...] and a weight "
				"of the same rank", ir_node_ctx(n), SHP(x, s1), SHP(w, s2));
	int sp = x->rank - 2;
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	int64_t op[IR_MAX_RANK];
	int64_t group = ir_attr_int(n, "group", 1);
	if (window_attrs(n, sp, k, s, d, p, 0) < 0 ||
	    get_ints(n, "output_padding", sp, op, 0) < 0)
		return -1;
	if (!ir_attr_find(n, "kernel_shape"))
		for (int i = 0; i < sp; i++)
			k[i] = w->dims[2 + i];
	for (int i = 0; i < sp; i++)
		if (k[i] != w->dims[2 + i])
			return ir_error("%skernel_shape does not match weight \"%s\" %s",
					ir_node_ctx(n), w->name, SHP(w, s1));
	if (group < 1 || w->dims[0] != x->dims[1] || x->dims[1] % group)
		return ir_error("%sgroup %lld and weight %s do not fit input channels %lld",
				ir_node_ctx(n), (long long)group, SHP(w, s1),
				(long long)x->dims[1]);
	int64_t m = w->dims[1] * group;
	if (HAS(2) && (T(2)->rank != 1 || T(2)->dims[0] != m))
		return ir_error("%sbias \"%s\" %s must be [%lld]", ir_node_ctx(n), T(2)->name,
				SHP(T(2), s1), (long long)m);
	int64_t od[IR_MAX_RANK];
	od[0] = x->dims[0];
	od[1] = m;
	for (int i = 0; i < sp; i++) {
		od[2 + i] = s[i] * (x->dims[2 + i] - 1) + op[i] + (k[i] - 1) * d[i] + 1 - p[i] -
			    p[i + sp];
		if (od[2 + i] < 1)
			return ir_error("%sspatial dim %d: output size %lld < 1", ir_node_ctx(n), i,
					(long long)od[2 + i]);
	}
	return set_out(g, n, 0, out_dtype(g, n, x), x->rank, od);
}

int infer_pool(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	char s1[128];
	if (need_numeric(n, x) < 0)
		return -1;
	if ((n->op == IR_OP_AVERAGE_POOL || n->op == IR_OP_QAVERAGE_POOL) &&
	    need_float(g, n, 0) < 0)
		return -1;
	if (x->rank < 3)
		return ir_error("%sinput \"%s\" %s must be [N,C,spatial...]", ir_node_ctx(n),
				x->name, SHP(x, s1));
	int sp = x->rank - 2;
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	if (window_attrs(n, sp, k, s, d, p, 1) < 0)
		return -1;
	int ceil_mode = (int)ir_attr_int(n, "ceil_mode", 0);
	int64_t od[IR_MAX_RANK];
	od[0] = x->dims[0];
	od[1] = x->dims[1];
	for (int i = 0; i < sp; i++) {
		int64_t ext = (k[i] - 1) * d[i] + 1;
		int64_t in = x->dims[2 + i] + p[i] + p[i + sp];
		if (in < ext)
			return ir_error("%sspatial dim %d: padded input %lld is smaller than the "
					"window %lld", ir_node_ctx(n), i, (long long)in, (long long)ext);
		int64_t o = ceil_mode ? (in - ext + s[i] - 1) / s[i] + 1 : (in - ext) / s[i] + 1;
		/* ceil mode: the last window must start inside the input or left pad */
		if (ceil_mode && (o - 1) * s[i] >= x->dims[2 + i] + p[i])
			o--;
		od[2 + i] = o;
	}
	set_out(g, n, 0, n->op == IR_OP_QAVERAGE_POOL ? q_out_dtype(g, n, x->dtype) : x->dtype,
		x->rank, od);
	return set_out(g, n, 1, IR_DTYPE_I64, x->rank, od);
}

int infer_global_pool(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	char s1[128];
	/* GlobalMaxPool also takes integers (a quantized graph's) */
	if (n->op == IR_OP_GLOBAL_MAX_POOL ? need_numeric(n, x) < 0 : need_float(g, n, 0) < 0)
		return -1;
	if (x->rank < 3)
		return ir_error("%sinput \"%s\" %s must be [N,C,spatial...]", ir_node_ctx(n),
				x->name, SHP(x, s1));
	int64_t od[IR_MAX_RANK];
	for (int i = 0; i < x->rank; i++)
		od[i] = i < 2 ? x->dims[i] : 1;
	return set_out(g, n, 0,
		       n->op == IR_OP_QGLOBAL_AVERAGE_POOL ? q_out_dtype(g, n, x->dtype) : x->dtype,
		       x->rank, od);
}

/* ---- linear algebra ---------------------------------------------------- */

int infer_gemm(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *a = T(0), *b = T(1);
	char s1[128], s2[128];
	if (need_float(g, n, 0) < 0 || need_float(g, n, 1) < 0)
		return -1;
	if (a->rank != 2 || b->rank != 2)
		return ir_error("%sA %s and B %s must be 2-D", ir_node_ctx(n), SHP(a, s1),
				SHP(b, s2));
	int ta = (int)ir_attr_int(n, "transA", 0), tb = (int)ir_attr_int(n, "transB", 0);
	int64_t m = ta ? a->dims[1] : a->dims[0], ka = ta ? a->dims[0] : a->dims[1];
	int64_t kb = tb ? b->dims[1] : b->dims[0], nn = tb ? b->dims[0] : b->dims[1];
	if (ka != kb)
		return ir_error("%sinner dimensions differ: A %s%s, B %s%s", ir_node_ctx(n),
				SHP(a, s1), ta ? " (transposed)" : "", SHP(b, s2),
				tb ? " (transposed)" : "");
	int64_t od[2] = {m, nn};
	if (HAS(2)) {
		int r;
		int64_t d[IR_MAX_RANK];
		if (need_float(g, n, 2) < 0)
			return -1;
		if (ir_broadcast_shape(T(2)->rank, T(2)->dims, 2, od, &r, d) < 0 || r != 2 ||
		    d[0] != m || d[1] != nn)
			return ir_error("%sC %s does not broadcast to [%lld,%lld]", ir_node_ctx(n),
					SHP(T(2), s1), (long long)m, (long long)nn);
	}
	return set_out(g, n, 0, IR_DTYPE_F32, 2, od);
}

int infer_matmul(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *a = T(0), *b = T(1);
	char s1[128], s2[128];
	if (need_float(g, n, 0) < 0 || need_float(g, n, 1) < 0)
		return -1;
	if (a->rank < 1 || b->rank < 1)
		return ir_error("%soperands must have rank >= 1", ir_node_ctx(n));
	int64_t ad[IR_MAX_RANK], bd[IR_MAX_RANK];
	int ra = a->rank, rb = b->rank;
	memcpy(ad, a->dims, sizeof(int64_t) * ra);
	memcpy(bd, b->dims, sizeof(int64_t) * rb);
	if (ra == 1) {
		ad[1] = ad[0];
		ad[0] = 1;
		ra = 2;
	}
	if (rb == 1) {
		bd[1] = 1;
		rb = 2;
	}
	if (ad[ra - 1] != bd[rb - 2])
		return ir_error("%sinner dimensions differ: %s x %s", ir_node_ctx(n), SHP(a, s1),
				SHP(b, s2));
	int r;
	int64_t od[IR_MAX_RANK];
	if (ir_broadcast_shape(ra - 2, ad, rb - 2, bd, &r, od) < 0)
		return ir_error("%sbatch dims of %s and %s do not broadcast", ir_node_ctx(n),
				SHP(a, s1), SHP(b, s2));
	if (a->rank > 1)
		od[r++] = ad[ra - 2];
	if (b->rank > 1)
		od[r++] = bd[rb - 1];
	return set_out(g, n, 0, IR_DTYPE_F32, r, od);
}

int infer_batch_norm(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	char s1[128];
	if (need_float(g, n, 0) < 0)
		return -1;
	if (x->rank < 2)
		return ir_error("%sinput %s must have a channel axis", ir_node_ctx(n), SHP(x, s1));
	for (int i = 1; i < 5; i++) {
		if (need_float(g, n, i) < 0)
			return -1;
		if (T(i)->rank != 1 || T(i)->dims[0] != x->dims[1])
			return ir_error("%s\"%s\" %s must be [%lld] (one per channel)",
					ir_node_ctx(n), T(i)->name, SHP(T(i), s1),
					(long long)x->dims[1]);
	}
	set_out(g, n, 0, IR_DTYPE_F32, x->rank, x->dims);
	set_out(g, n, 1, IR_DTYPE_F32, 1, &x->dims[1]);
	return set_out(g, n, 2, IR_DTYPE_F32, 1, &x->dims[1]);
}

/* ---- data movement ----------------------------------------------------- */

int infer_concat(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	char s1[128], s2[128];
	int axis = 0;
	if (axis_attr(n, "axis", 0, x->rank, &axis) < 0)
		return -1;
	int64_t od[IR_MAX_RANK];
	memcpy(od, x->dims, sizeof(int64_t) * x->rank);
	od[axis] = 0;
	for (int i = 0; i < n->n_in; i++) {
		const struct ir_tensor *t = T(i);
		if (t->dtype != x->dtype || t->rank != x->rank)
			return ir_error("%sinput \"%s\" %s%s does not match \"%s\" %s%s",
					ir_node_ctx(n), t->name, ir_dtype_name(t->dtype), SHP(t, s1),
					x->name, ir_dtype_name(x->dtype), SHP(x, s2));
		for (int j = 0; j < x->rank; j++)
			if (j != axis && t->dims[j] != x->dims[j])
				return ir_error("%sinput \"%s\" %s differs from \"%s\" %s outside "
						"axis %d", ir_node_ctx(n), t->name, SHP(t, s1),
						x->name, SHP(x, s2), axis);
		od[axis] += t->dims[axis];
	}
	return set_out(g, n, 0, x->dtype, x->rank, od);
}

int infer_split(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int axis = 0;
	if (axis_attr(n, "axis", 0, x->rank, &axis) < 0)
		return -1;
	int64_t sp[64];
	int cnt = ir_attr_ints(n, "split", sp, 64);
	if (cnt > 64)
		return ir_error("%smore than 64 outputs", ir_node_ctx(n));
	if (cnt < 0) {
		cnt = n->n_out;
		int64_t len = x->dims[axis], each = (len + cnt - 1) / cnt;
		for (int i = 0; i < cnt; i++) {
			sp[i] = len >= each ? each : len;
			len -= sp[i];
		}
	}
	if (cnt != n->n_out)
		return ir_error("%ssplit has %d parts for %d outputs", ir_node_ctx(n), cnt,
				n->n_out);
	int64_t sum = 0;
	for (int i = 0; i < cnt; i++) {
		if (sp[i] < 0)
			return ir_error("%ssplit sizes must be >= 0", ir_node_ctx(n));
		sum += sp[i];
	}
	if (sum != x->dims[axis])
		return ir_error("%ssplit sizes add up to %lld; axis %d has %lld", ir_node_ctx(n),
				(long long)sum, axis, (long long)x->dims[axis]);
	int64_t od[IR_MAX_RANK];
	memcpy(od, x->dims, sizeof(int64_t) * x->rank);
	for (int i = 0; i < cnt; i++) {
		od[axis] = sp[i];
		set_out(g, n, i, x->dtype, x->rank, od);
	}
	return 0;
}

int ir_slice_params(const struct ir_node *n, int rank, const int64_t *dims, int64_t *start,
		    int64_t *step, int64_t *count)
{
	int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], ax[IR_MAX_RANK], sp[IR_MAX_RANK];
	int ns = ir_attr_ints(n, "starts", st, IR_MAX_RANK);
	int ne = ir_attr_ints(n, "ends", en, IR_MAX_RANK);
	if (ns < 0 || ne < 0 || ns != ne || ns > rank)
		return ir_error("%sstarts and ends must be lists of equal length <= rank %d",
				ir_node_ctx(n), rank);
	int na = ir_attr_ints(n, "axes", ax, IR_MAX_RANK);
	if (na < 0) {
		for (int i = 0; i < ns; i++)
			ax[i] = i;
	} else if (na != ns) {
		return ir_error("%saxes has %d entries, starts %d", ir_node_ctx(n), na, ns);
	}
	int nsp = ir_attr_ints(n, "steps", sp, IR_MAX_RANK);
	if (nsp < 0) {
		for (int i = 0; i < ns; i++)
			sp[i] = 1;
	} else if (nsp != ns) {
		return ir_error("%ssteps has %d entries, starts %d", ir_node_ctx(n), nsp, ns);
	}
	for (int d = 0; d < rank; d++) {
		start[d] = 0;
		step[d] = 1;
		count[d] = dims[d];
	}
	unsigned seen = 0;
	for (int i = 0; i < ns; i++) {
		int a = ir_norm_axis(ax[i], rank);
		if (a < 0 || (seen >> a & 1))
			return ir_error("%saxis %lld is out of range or repeated", ir_node_ctx(n),
					(long long)ax[i]);
		seen |= 1u << a;
		int64_t dim = dims[a], s = st[i], e = en[i], k = sp[i];
		if (k == 0)
			return ir_error("%sstep 0 on axis %d", ir_node_ctx(n), a);
		if (s < 0)
			s += dim;
		if (e < 0)
			e += dim;
		if (k > 0) {
			s = s < 0 ? 0 : s > dim ? dim : s;
			e = e < 0 ? 0 : e > dim ? dim : e;
			count[a] = e > s ? (e - s + k - 1) / k : 0;
		} else {
			s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
			e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
			count[a] = s > e ? (s - e + (-k) - 1) / (-k) : 0;
		}
		start[a] = s;
		step[a] = k;
	}
	return 0;
}

int infer_slice(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int64_t st[IR_MAX_RANK], sp[IR_MAX_RANK], cnt[IR_MAX_RANK];
	if (ir_slice_params(n, x->rank, x->dims, st, sp, cnt) < 0)
		return -1;
	return set_out(g, n, 0, x->dtype, x->rank, cnt);
}

int infer_gather(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0), *idx = T(1);
	int axis = 0;
	if (axis_attr(n, "axis", 0, x->rank, &axis) < 0)
		return -1;
	if (idx->dtype != IR_DTYPE_I64 && idx->dtype != IR_DTYPE_I32)
		return ir_error("%sindices \"%s\" are %s; i32 or i64 expected", ir_node_ctx(n),
				idx->name, ir_dtype_name(idx->dtype));
	int r = x->rank - 1 + idx->rank;
	if (r > IR_MAX_RANK)
		return ir_error("%soutput rank %d exceeds %d", ir_node_ctx(n), r, IR_MAX_RANK);
	int64_t od[IR_MAX_RANK];
	int k = 0;
	for (int i = 0; i < axis; i++)
		od[k++] = x->dims[i];
	for (int i = 0; i < idx->rank; i++)
		od[k++] = idx->dims[i];
	for (int i = axis + 1; i < x->rank; i++)
		od[k++] = x->dims[i];
	return set_out(g, n, 0, x->dtype, r, od);
}

int infer_reshape(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	char s1[128];
	int64_t sh[IR_MAX_RANK];
	int r = ir_attr_ints(n, "shape", sh, IR_MAX_RANK);
	if (r < 0)
		return ir_error("%sattribute shape is missing", ir_node_ctx(n));
	if (r > IR_MAX_RANK)
		return ir_error("%sshape has rank %d > %d", ir_node_ctx(n), r, IR_MAX_RANK);
	int allowzero = (int)ir_attr_int(n, "allowzero", 0);
	int neg = -1;
	int64_t known = 1;
	for (int i = 0; i < r; i++) {
		if (sh[i] == 0 && !allowzero) {
			if (i >= x->rank)
				return ir_error("%sshape entry %d is 0 (copy) but the input has rank %d",
						ir_node_ctx(n), i, x->rank);
			sh[i] = x->dims[i];
		}
		if (sh[i] == -1) {
			if (neg >= 0)
				return ir_error("%sshape has more than one -1", ir_node_ctx(n));
			neg = i;
		} else if (sh[i] < 0) {
			return ir_error("%sshape entry %lld is invalid", ir_node_ctx(n),
					(long long)sh[i]);
		} else {
			known *= sh[i];
		}
	}
	int64_t total = ir_tensor_numel(x);
	if (neg >= 0) {
		if (known == 0 || total % known)
			return ir_error("%scannot infer the -1 of shape: %lld elements into "
					"blocks of %lld", ir_node_ctx(n), (long long)total,
					(long long)known);
		sh[neg] = total / known;
	} else if (known != total) {
		char s2[128];
		return ir_error("%scannot reshape %s (%lld elements) to %s", ir_node_ctx(n),
				SHP(x, s1), (long long)total, ir_shape_str(r, sh, s2, sizeof s2));
	}
	return set_out(g, n, 0, x->dtype, r, sh);
}

int infer_transpose(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int64_t perm[IR_MAX_RANK];
	int r = ir_attr_ints(n, "perm", perm, IR_MAX_RANK);
	if (r < 0) {
		r = x->rank;
		for (int i = 0; i < r; i++)
			perm[i] = r - 1 - i;
	}
	if (r != x->rank)
		return ir_error("%sperm has %d entries for rank %d", ir_node_ctx(n), r, x->rank);
	unsigned seen = 0;
	int64_t od[IR_MAX_RANK];
	for (int i = 0; i < r; i++) {
		int a = ir_norm_axis(perm[i], r);
		if (a < 0 || (seen >> a & 1))
			return ir_error("%sperm is not a permutation of 0..%d", ir_node_ctx(n), r - 1);
		seen |= 1u << a;
		od[i] = x->dims[a];
	}
	return set_out(g, n, 0, x->dtype, r, od);
}

int infer_flatten(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int64_t a = ir_attr_int(n, "axis", 1);
	if (a < 0)
		a += x->rank;
	if (a < 0 || a > x->rank)
		return ir_error("%saxis %lld is out of range for rank %d", ir_node_ctx(n),
				(long long)ir_attr_int(n, "axis", 1), x->rank);
	int64_t od[2] = {ir_shape_numel((int)a, x->dims),
			 ir_shape_numel(x->rank - (int)a, x->dims + a)};
	return set_out(g, n, 0, x->dtype, 2, od);
}

int infer_squeeze(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int64_t ax[IR_MAX_RANK];
	int na = ir_attr_ints(n, "axes", ax, IR_MAX_RANK);
	unsigned drop = 0;
	if (na < 0) {
		for (int i = 0; i < x->rank; i++)
			if (x->dims[i] == 1)
				drop |= 1u << i;
	} else {
		for (int i = 0; i < na; i++) {
			int a = ir_norm_axis(ax[i], x->rank);
			if (a < 0)
				return ir_error("%saxis %lld is out of range", ir_node_ctx(n),
						(long long)ax[i]);
			if (x->dims[a] != 1)
				return ir_error("%scannot squeeze axis %d of size %lld", ir_node_ctx(n),
						a, (long long)x->dims[a]);
			drop |= 1u << a;
		}
	}
	int64_t od[IR_MAX_RANK];
	int r = 0;
	for (int i = 0; i < x->rank; i++)
		if (!(drop >> i & 1))
			od[r++] = x->dims[i];
	return set_out(g, n, 0, x->dtype, r, od);
}

int infer_unsqueeze(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int64_t ax[IR_MAX_RANK];
	int na = ir_attr_ints(n, "axes", ax, IR_MAX_RANK);
	if (na < 0)
		return ir_error("%sattribute axes is missing", ir_node_ctx(n));
	int r = x->rank + na;
	if (r > IR_MAX_RANK)
		return ir_error("%soutput rank %d exceeds %d", ir_node_ctx(n), r, IR_MAX_RANK);
	unsigned ins = 0;
	for (int i = 0; i < na; i++) {
		int a = ir_norm_axis(ax[i], r);
		if (a < 0 || (ins >> a & 1))
			return ir_error("%saxis %lld is out of range or repeated", ir_node_ctx(n),
					(long long)ax[i]);
		ins |= 1u << a;
	}
	int64_t od[IR_MAX_RANK];
	for (int i = 0, k = 0; i < r; i++)
		od[i] = (ins >> i & 1) ? 1 : x->dims[k++];
	return set_out(g, n, 0, x->dtype, r, od);
}

int infer_expand(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int64_t sh[IR_MAX_RANK], od[IR_MAX_RANK];
	char s1[128], s2[128];
	int r = ir_attr_ints(n, "shape", sh, IR_MAX_RANK);
	if (r < 0 || r > IR_MAX_RANK)
		return ir_error("%sattribute shape is missing or too long", ir_node_ctx(n));
	int ro;
	if (ir_broadcast_shape(x->rank, x->dims, r, sh, &ro, od) < 0)
		return ir_error("%scannot expand %s to %s", ir_node_ctx(n), SHP(x, s1),
				ir_shape_str(r, sh, s2, sizeof s2));
	return set_out(g, n, 0, x->dtype, ro, od);
}

int infer_resize(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	if (need_float(g, n, 0) < 0)
		return -1;
	const char *mode = ir_attr_string(n, "mode", "nearest");
	const char *ctm = ir_attr_string(n, "coordinate_transformation_mode", "half_pixel");
	const char *nm = ir_attr_string(n, "nearest_mode", "round_prefer_floor");
	if (strcmp(mode, "nearest") && strcmp(mode, "linear") && strcmp(mode, "cubic"))
		return ir_error("%smode \"%s\" is not nearest, linear or cubic", ir_node_ctx(n), mode);
	static const char *ctms[] = {"half_pixel", "asymmetric", "align_corners",
				     "pytorch_half_pixel", "tf_half_pixel_for_nn",
				     "tf_crop_and_resize"};
	int ok = 0;
	for (size_t i = 0; i < sizeof ctms / sizeof *ctms; i++)
		ok |= strcmp(ctm, ctms[i]) == 0;
	if (!ok)
		return ir_error("%scoordinate_transformation_mode \"%s\" is not supported",
				ir_node_ctx(n), ctm);
	if (strcmp(nm, "round_prefer_floor") && strcmp(nm, "round_prefer_ceil") &&
	    strcmp(nm, "floor") && strcmp(nm, "ceil"))
		return ir_error("%snearest_mode \"%s\" is not supported", ir_node_ctx(n), nm);
	struct ir_attr *sc = ir_attr_find(n, "scales"), *sz = ir_attr_find(n, "sizes");
	if (!sc || sc->type != IR_ATTR_FLOATS || sc->n != x->rank || !sz ||
	    sz->type != IR_ATTR_INTS || sz->n != x->rank)
		return ir_error("%sattributes scales (floats) and sizes (ints) must both have "
				"one entry per input dim (%d)", ir_node_ctx(n), x->rank);
	if (strcmp(ctm, "tf_crop_and_resize") == 0) {
		struct ir_attr *roi = ir_attr_find(n, "roi");
		if (!roi || roi->type != IR_ATTR_FLOATS || roi->n != 2 * x->rank)
			return ir_error("%stf_crop_and_resize needs roi with %d floats",
					ir_node_ctx(n), 2 * x->rank);
	}
	for (int i = 0; i < x->rank; i++)
		if (sz->ints[i] < 0 || !(sc->floats[i] > 0))
			return ir_error("%ssizes must be >= 0 and scales > 0", ir_node_ctx(n));
	return set_out(g, n, 0, n->op == IR_OP_QRESIZE ? q_out_dtype(g, n, x->dtype) : x->dtype,
		       x->rank, sz->ints);
}

int infer_pad(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int64_t p[2 * IR_MAX_RANK], od[IR_MAX_RANK];
	if (get_ints(n, "pads", 2 * x->rank, p, 0) < 0)
		return -1;
	const char *mode = ir_attr_string(n, "mode", "constant");
	if (strcmp(mode, "constant") && strcmp(mode, "reflect") && strcmp(mode, "edge"))
		return ir_error("%smode \"%s\" is not constant, reflect or edge", ir_node_ctx(n),
				mode);
	for (int i = 0; i < x->rank; i++) {
		int64_t b = p[i], e = p[i + x->rank];
		od[i] = x->dims[i] + b + e;
		if (od[i] < 0)
			return ir_error("%spads remove more than axis %d holds", ir_node_ctx(n), i);
		/* negative pads crop first; edge and reflect then need a cell left */
		int64_t len = x->dims[i] - (b < 0 ? -b : 0) - (e < 0 ? -e : 0);
		if (strcmp(mode, "constant") && (b > 0 || e > 0) && len < 1)
			return ir_error("%s%s padding of axis %d, which is empty after cropping",
					ir_node_ctx(n), mode, i);
	}
	return set_out(g, n, 0, x->dtype, x->rank, od);
}

/* Which axes a Reduce* or ArgMax reduces, as a bit mask. */
int ir_reduce_mask(const struct ir_node *n, int rank, unsigned *mask)
{
	int64_t ax[IR_MAX_RANK];
	int na = ir_attr_ints(n, "axes", ax, IR_MAX_RANK);
	*mask = 0;
	if (na < 0 || na == 0) {
		if (na == 0 && ir_attr_int(n, "noop_with_empty_axes", 0))
			return 0;
		*mask = rank ? (1u << rank) - 1 : 0;
		return 0;
	}
	for (int i = 0; i < na; i++) {
		int a = ir_norm_axis(ax[i], rank);
		if (a < 0)
			return ir_error("%saxis %lld is out of range for rank %d", ir_node_ctx(n),
					(long long)ax[i], rank);
		*mask |= 1u << a;
	}
	return 0;
}

int infer_reduce(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	unsigned mask;
	if (need_numeric(n, x) < 0 || ir_reduce_mask(n, x->rank, &mask) < 0)
		return -1;
	int keep = (int)ir_attr_int(n, "keepdims", 1);
	int64_t od[IR_MAX_RANK];
	int r = 0;
	for (int i = 0; i < x->rank; i++) {
		if (mask >> i & 1) {
			if (keep)
				od[r++] = 1;
		} else {
			od[r++] = x->dims[i];
		}
	}
	return set_out(g, n, 0, x->dtype, r, od);
}

int infer_argmax(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	int axis = 0;
	if (need_numeric(n, x) < 0 || axis_attr(n, "axis", 0, x->rank, &axis) < 0)
		return -1;
	int keep = (int)ir_attr_int(n, "keepdims", 1);
	int64_t od[IR_MAX_RANK];
	int r = 0;
	for (int i = 0; i < x->rank; i++) {
		if (i == axis) {
			if (keep)
				od[r++] = 1;
		} else {
			od[r++] = x->dims[i];
		}
	}
	return set_out(g, n, 0, IR_DTYPE_I64, r, od);
}

int infer_identity(struct ir_graph *g, struct ir_node *n)
{
	same_as_input(g, n);
	return set_out(g, n, 1, IR_DTYPE_BOOL, T(0)->rank, T(0)->dims);
}

int infer_cast(struct ir_graph *g, struct ir_node *n)
{
	int64_t to = ir_attr_int(n, "to", 0);
	if (to <= 0 || to >= IR_DTYPE_LIMIT || ir_dtype_size((enum ir_dtype)to) == 0)
		return ir_error("%sattribute to = %lld is not a supported dtype", ir_node_ctx(n),
				(long long)to);
	if (ir_dtype_size(T(0)->dtype) == 0)
		return ir_error("%sinput dtype is not supported", ir_node_ctx(n));
	return set_out(g, n, 0, (enum ir_dtype)to, T(0)->rank, T(0)->dims);
}

void ir_shape_range(const struct ir_node *n, int rank, int64_t *start, int64_t *end)
{
	int64_t s = ir_attr_int(n, "start", 0), e = ir_attr_int(n, "end", rank);
	if (s < 0)
		s += rank;
	if (e < 0)
		e += rank;
	*start = s < 0 ? 0 : s > rank ? rank : s;
	*end = e < 0 ? 0 : e > rank ? rank : e;
}

int infer_shape(struct ir_graph *g, struct ir_node *n)
{
	int64_t s, e;
	ir_shape_range(n, T(0)->rank, &s, &e);
	int64_t len = e > s ? e - s : 0;
	return set_out(g, n, 0, IR_DTYPE_I64, 1, &len);
}

int infer_constant_of_shape(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *s = T(0);
	if (!s->data || s->dtype != IR_DTYPE_I64 || s->rank != 1)
		return ir_error("%sthe shape input must be a constant 1-D i64 tensor",
				ir_node_ctx(n));
	if (s->dims[0] > IR_MAX_RANK)
		return ir_error("%srank %lld exceeds %d", ir_node_ctx(n), (long long)s->dims[0],
				IR_MAX_RANK);
	struct ir_attr *v = ir_attr_find(n, "value");
	enum ir_dtype dt = IR_DTYPE_F32;
	if (v) {
		if (v->type != IR_ATTR_TENSOR || ir_tensor_numel(v->t) != 1)
			return ir_error("%svalue must be a one-element tensor", ir_node_ctx(n));
		dt = v->t->dtype;
	}
	const int64_t *d = s->data;
	for (int i = 0; i < s->dims[0]; i++)
		if (d[i] < 0)
			return ir_error("%snegative dimension %lld", ir_node_ctx(n), (long long)d[i]);
	return set_out(g, n, 0, dt, (int)s->dims[0], d);
}

int infer_layer_norm(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0);
	char s1[128], s2[128];
	int axis;
	if (need_float(g, n, 0) < 0 || axis_attr(n, "axis", -1, x->rank, &axis) < 0)
		return -1;
	/* scale (and bias) cover the normalized dims [axis:] */
	for (int i = 1; i < n->n_in; i++) {
		if (n->in[i] < 0)
			continue;
		if (need_float(g, n, i) < 0)
			return -1;
		const struct ir_tensor *t = T(i);
		int r;
		int64_t d[IR_MAX_RANK];
		if (ir_broadcast_shape(t->rank, t->dims, x->rank - axis, x->dims + axis, &r, d) < 0 ||
		    r != x->rank - axis || memcmp(d, x->dims + axis, sizeof(int64_t) * r))
			return ir_error("%s\"%s\" %s does not broadcast to the normalized dims %s",
					ir_node_ctx(n), t->name, SHP(t, s1),
					ir_shape_str(x->rank - axis, x->dims + axis, s2, sizeof s2));
	}
	/* Mean and InvStdDev: one per row, the normalized dims kept as 1s */
	int64_t sd[IR_MAX_RANK];
	for (int i = 0; i < x->rank; i++)
		sd[i] = i < axis ? x->dims[i] : 1;
	set_out(g, n, 1, IR_DTYPE_F32, x->rank, sd);
	set_out(g, n, 2, IR_DTYPE_F32, x->rank, sd);
	return same_as_input(g, n);
}

int infer_size(struct ir_graph *g, struct ir_node *n)
{
	return set_out(g, n, 0, IR_DTYPE_I64, 0, NULL);
}

/* Quantize and Dequantize mark BPU/CPU boundaries (ir-partition); before
 * ir-quant gives them scales they pass f32 through unchanged. */
int infer_quantize(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0), *y = O(0);
	if (n->op == IR_OP_QUANTIZE && y->quant) {
		if (x->dtype != IR_DTYPE_F32)
			return ir_error("%sinput \"%s\" is %s; Quantize takes f32", ir_node_ctx(n),
					x->name, ir_dtype_name(x->dtype));
		return set_out(g, n, 0, y->quant->dtype, x->rank, x->dims);
	}
	if (n->op == IR_OP_DEQUANTIZE && x->quant)
		return set_out(g, n, 0, IR_DTYPE_F32, x->rank, x->dims);
	return same_as_input(g, n);
}

/* QLut: an i8 input and a 256-entry table, or an i16 input and a 1025-knot
 * one (formats/numerics.md "Lookup-table ops"); the table is a constant of
 * the output's type, i8 or i16. */
int infer_qlut(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_tensor *x = T(0), *t = T(1);
	if (x->dtype != IR_DTYPE_I8 && x->dtype != IR_DTYPE_I16)
		return ir_error("%sinput \"%s\" is %s; a table lookup takes i8 or i16", ir_node_ctx(n),
				x->name, ir_dtype_name(x->dtype));
	int64_t want = x->dtype == IR_DTYPE_I8 ? 256 : 1025;
	if (!t->data || (t->dtype != IR_DTYPE_I8 && t->dtype != IR_DTYPE_I16) || t->rank != 1 ||
	    ir_tensor_numel(t) != want)
		return ir_error("%sthe table \"%s\" must be a constant i8[%lld] or i16[%lld] for an "
				"%s input", ir_node_ctx(n), t->name, (long long)want, (long long)want,
				ir_dtype_name(x->dtype));
	return set_out(g, n, 0, t->dtype, x->rank, x->dims);
}

int infer_qrequant(struct ir_graph *g, struct ir_node *n)
{
	if (need_float(g, n, 0) < 0)
		return -1;
	return set_out(g, n, 0, q_out_dtype(g, n, T(0)->dtype), T(0)->rank, T(0)->dims);
}
