/*
 * fuse_patterns.c: ir-fuse's pattern passes, which recognize the
 * subgraphs exporters write for one activation or normalization and put
 * back the operator they came from (formats/ir.md, "Operators"):
 *
 *   hard-sigmoid  Div(Clip(Add(x, 3), 0, 6), 6), Mul(Clip(Add(x, 3), 0, 6), 1/6)
 *                 -> HardSigmoid(x) alpha=1/6 beta=0.5;
 *                 Clip(Add(Mul(x, a), b), 0, 1) -> HardSigmoid(x) alpha=a beta=b
 *   hard-swish    Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6) (PaddleOCR, PyTorch's
 *                 old export), Mul(Mul(x, Clip(..)), 1/6), Mul(x, Div(Clip(..), 6)),
 *                 Mul(x, Mul(Clip(..), 1/6)), Mul(Div(x, 6), Clip(..)),
 *                 Mul(Mul(x, 1/6), Clip(..)), Mul(x, HardSigmoid(x) alpha=1/6
 *                 beta=0.5) -> HardSwish(x)
 *   silu          Mul(x, Sigmoid(x)), and Paddle's swish Mul(x, Sigmoid(Mul(x, 1)))
 *                 -> SiLU(x)
 *   gelu          Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5),
 *                 Mul(Mul(x, 0.5), Add(Erf(..), 1)), Mul(x, Mul(Add(Erf(..), 1), 0.5)),
 *                 with Div by sqrt 2 or Mul by 1/sqrt 2 -> GELU(x)
 *   layer-norm    m = ReduceMean(x, last k axes); d = Sub(x, m);
 *                 v = ReduceMean(Pow(d, 2) or Mul(d, d)); y = Div(d, Sqrt(Add(v, eps)));
 *                 optionally Mul(y, gamma), Add(., beta)
 *                 -> LayerNormalization(x, gamma [, beta]) axis=-k epsilon=eps
 *
 * Binary operands match in either order where the operator commutes (Add,
 * Mul), and Div/Sub only with the constant on the right. A pattern fires
 * only when every value inside it is read by nothing else: each interior
 * tensor has exactly one use (fuse_uses() == 1) and is not a model output.
 * The tensor the pattern reads (x) may have any other readers, which is
 * what HardSwish's and GELU's x, read twice, needs.
 *
 * Constants must be exact: 3, 0, 6, 0.5, 1 and 2 as written; 1/6 as the
 * f32 or f64 nearest 1/6; sqrt 2 and 1/sqrt 2 within 1e-6 (exporters print
 * them with 7 or 8 digits). The chain's output must have x's shape and
 * dtype f32 (a constant that broadcasts x to a larger shape is not an
 * activation).
 *
 * The replacement node takes the name of the pattern's last node and
 * writes its output tensor, so a model output keeps its name; its origin
 * lists the nodes it replaces. Every replacement computes the same function
 * up to float rounding (the kernels in k_eltwise.c and k_norm.c).
 */
#include "fuse.h"
#include "ops.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- matching ------------------------------------------------------------ */

#define MATCH_MAX 16

/* A pattern being matched: the nodes it would replace (root first) and the
 * tensors inside it that must have no reader outside it. */
struct match {
	int nodes[MATCH_MAX], n_nodes;
	int tensors[MATCH_MAX], n_tensors;
};

static void match_begin(struct match *m, int root)
{
	m->nodes[0] = root;
	m->n_nodes = 1;
	m->n_tensors = 0;
}

/* The nodes and tensors added since a mark are dropped to try another
 * alternative. */
struct mark {
	int n_nodes, n_tensors;
};

static struct mark match_mark(const struct match *m)
{
	return (struct mark){m->n_nodes, m->n_tensors};
}

static void match_reset(struct match *m, struct mark k)
{
	m->n_nodes = k.n_nodes;
	m->n_tensors = k.n_tensors;
}

/* Tensor t must be produced by a live node of type op with n_in inputs;
 * that node joins the pattern and t becomes an interior tensor. Returns
 * the node's index, or -1. */
static int take(const struct ir_graph *g, struct match *m, int t, enum ir_op op, int n_in)
{
	int p = fuse_producer(g, t);
	if (p < 0 || g->nodes[p].op != op || g->nodes[p].n_in != n_in ||
	    g->nodes[p].n_out != 1 || m->n_nodes == MATCH_MAX || m->n_tensors == MATCH_MAX)
		return -1;
	for (int i = 0; i < n_in; i++)
		if (g->nodes[p].in[i] < 0)
			return -1;
	m->nodes[m->n_nodes++] = p;
	m->tensors[m->n_tensors++] = t;
	return p;
}

/* Is every interior tensor read once, by the pattern, and not a model
 * output, and every node still live? Tensor `shared` must have `uses`
 * readers instead (LayerNorm's difference, read by Pow and Div); -1 for
 * none. */
static int match_private(const struct ir_graph *g, const struct match *m, int shared, int uses)
{
	for (int i = 0; i < m->n_tensors; i++) {
		int t = m->tensors[i];
		if (ir_graph_is_output(g, t) || fuse_uses(g, t) != (t == shared ? uses : 1))
			return 0;
	}
	for (int i = 0; i < m->n_nodes; i++)
		if (fuse_is_dead(g, m->nodes[i]))
			return 0;
	return 1;
}

/* Does the chain from x to tensor y keep x's shape, in f32? */
static int same_shape_f32(const struct ir_graph *g, int x, int y)
{
	const struct ir_tensor *a = g->tensors[x], *b = g->tensors[y];
	return a->dtype == IR_DTYPE_F32 && b->dtype == IR_DTYPE_F32 && a->rank >= 0 &&
	       a->rank == b->rank && !memcmp(a->dims, b->dims, sizeof(int64_t) * a->rank);
}

static int is_const(const struct ir_graph *g, int t)
{
	return t >= 0 && g->tensors[t]->data != NULL;
}

/* A constant of one value, within tol of v (tol 0: exactly v). */
static int const_near(const struct ir_graph *g, int t, double v, double tol)
{
	double c;
	if (tol == 0)
		return fuse_const_all(g, t, v);
	return fuse_const_scalar(g, t, &c) && fabs(c - v) < tol;
}

/* 1/6 as an f32 constant holds it (0.16666667f), or as an f64 one. */
static int const_sixth(const struct ir_graph *g, int t)
{
	return fuse_const_all(g, t, (double)(1.0f / 6.0f)) || fuse_const_all(g, t, 1.0 / 6.0);
}

/* Node n is a binary op with one operand the constant v (either side for
 * Add and Mul, the right for Sub and Div): the other operand, or -1. */
static int other_than_const(const struct ir_graph *g, int n, double v, double tol)
{
	const struct ir_node *nd = &g->nodes[n];
	if (const_near(g, nd->in[1], v, tol))
		return nd->in[0];
	if ((nd->op == IR_OP_ADD || nd->op == IR_OP_MUL) && const_near(g, nd->in[0], v, tol))
		return nd->in[1];
	return -1;
}

/* The same for a scalar constant of any value, returned in *v. */
static int other_than_scalar(const struct ir_graph *g, int n, double *v)
{
	const struct ir_node *nd = &g->nodes[n];
	for (int s = 1; s >= 0; s--)
		if (fuse_const_scalar(g, nd->in[s], v) && !is_const(g, nd->in[1 - s]))
			return nd->in[1 - s];
	return -1;
}

static int other_than_sixth(const struct ir_graph *g, int n)
{
	const struct ir_node *nd = &g->nodes[n];
	if (const_sixth(g, nd->in[1]))
		return nd->in[0];
	if (const_sixth(g, nd->in[0]))
		return nd->in[1];
	return -1;
}

static int clip_is(const struct ir_node *n, float lo, float hi)
{
	const struct ir_attr *a = ir_attr_find(n, "min"), *b = ir_attr_find(n, "max");
	return a && b && a->type == IR_ATTR_FLOAT && b->type == IR_ATTR_FLOAT && a->f == lo &&
	       b->f == hi;
}

/* ---- replacing ------------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Replaces the matched nodes by one node of type op reading in[0..n_in)
 * and writing the root's output; returns its index. It takes the root's
 * name (the root, dead, gets another) and lists what it replaces, in graph
 * order, as its origin. */
static int replace(struct ir_graph *g, const struct match *m, enum ir_op op, const int *in,
		   int n_in)
{
	int root = m->nodes[0], y = g->nodes[root].out[0];
	int order[MATCH_MAX];
	memcpy(order, m->nodes, sizeof(int) * m->n_nodes);
	qsort(order, m->n_nodes, sizeof(int), cmp_int);
	size_t len = 1;
	for (int i = 0; i < m->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[order[i]];
		len += strlen(n->origin ? n->origin : n->name) + 1;
	}
	char *origin = xmalloc(len);
	origin[0] = 0;
	for (int i = 0; i < m->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[order[i]];
		const char *s = n->origin ? n->origin : n->name;
		/* nodes an importer split from one ONNX node share their origin */
		if (i > 0) {
			const struct ir_node *p = &g->nodes[order[i - 1]];
			if (!strcmp(p->origin ? p->origin : p->name, s))
				continue;
		}
		if (origin[0])
			strcat(origin, ",");
		strcat(origin, s);
	}
	char *name = g->nodes[root].name;
	g->nodes[root].name = xasprintf("%s/replaced", name);
	for (int i = 0; i < m->n_nodes; i++)
		fuse_kill(g, m->nodes[i]);
	struct ir_node *n = fuse_add_node(g, name, op, origin);
	free(name);
	free(origin);
	for (int i = 0; i < n_in; i++)
		ir_node_add_input(n, in[i]);
	ir_node_add_output(n, y);
	int ni = g->n_nodes - 1;
	g->tensors[y]->producer = ni;
	return ni;
}

/* ---- HardSigmoid ------------------------------------------------------------ */

/* t = Clip(Add(x, 3), 0, 6): x, or -1. */
static int m_relu6_shift(const struct ir_graph *g, struct match *m, int t)
{
	struct mark k = match_mark(m);
	int c = take(g, m, t, IR_OP_CLIP, 1);
	if (c < 0 || !clip_is(&g->nodes[c], 0.0f, 6.0f))
		goto fail;
	int a = take(g, m, g->nodes[c].in[0], IR_OP_ADD, 2);
	int x = a < 0 ? -1 : other_than_const(g, a, 3.0, 0);
	if (x < 0)
		goto fail;
	return x;
fail:
	match_reset(m, k);
	return -1;
}

/* The root (node r) is Div(Clip(Add(x, 3), 0, 6), 6) or
 * Mul(Clip(Add(x, 3), 0, 6), 1/6): x, or -1. */
static int m_hsig_root(const struct ir_graph *g, struct match *m, int r)
{
	const struct ir_node *n = &g->nodes[r];
	int c = -1;
	if (n->op == IR_OP_DIV && n->n_in == 2)
		c = other_than_const(g, r, 6.0, 0);
	else if (n->op == IR_OP_MUL && n->n_in == 2)
		c = other_than_sixth(g, r);
	return c < 0 ? -1 : m_relu6_shift(g, m, c);
}

/* t is one of m_hsig_root's forms, or HardSigmoid(x) with alpha 1/6 and
 * beta 0.5: x, or -1. */
static int m_hsig(const struct ir_graph *g, struct match *m, int t)
{
	struct mark k = match_mark(m);
	int p = fuse_producer(g, t);
	if (p < 0)
		return -1;
	if (g->nodes[p].op == IR_OP_HARD_SIGMOID) {
		const struct ir_node *n = &g->nodes[p];
		if (ir_attr_float(n, "alpha", 0.2f) != 1.0f / 6.0f ||
		    ir_attr_float(n, "beta", 0.5f) != 0.5f)
			return -1;
		return take(g, m, t, IR_OP_HARD_SIGMOID, 1) < 0 ? -1 : g->nodes[p].in[0];
	}
	if ((g->nodes[p].op != IR_OP_DIV && g->nodes[p].op != IR_OP_MUL) ||
	    take(g, m, t, g->nodes[p].op, 2) < 0)
		return -1;
	int x = m_hsig_root(g, m, p);
	if (x < 0)
		match_reset(m, k);
	return x;
}

static int pass_hard_sigmoid_at(struct ir_graph *g, int r)
{
	struct match m;
	match_begin(&m, r);
	int y = g->nodes[r].out[0];
	float alpha = 1.0f / 6.0f, beta = 0.5f;
	int x = m_hsig_root(g, &m, r);
	if (x < 0 && g->nodes[r].op == IR_OP_CLIP && clip_is(&g->nodes[r], 0.0f, 1.0f)) {
		/* Clip(Add(Mul(x, a), b), 0, 1) */
		double a = 0, b = 0;
		int s = take(g, &m, g->nodes[r].in[0], IR_OP_ADD, 2);
		int mt = s < 0 ? -1 : other_than_scalar(g, s, &b);
		int ml = mt < 0 ? -1 : take(g, &m, mt, IR_OP_MUL, 2);
		x = ml < 0 ? -1 : other_than_scalar(g, ml, &a);
		alpha = (float)a;
		beta = (float)b;
		/* HardSigmoid's attributes are f32: the constants must be too */
		if ((double)alpha != a || (double)beta != b)
			x = -1;
	}
	if (x < 0 || !same_shape_f32(g, x, y) || !match_private(g, &m, -1, 0))
		return 0;
	int n = replace(g, &m, IR_OP_HARD_SIGMOID, &x, 1);
	ir_attr_set_float(&g->nodes[n], "alpha", alpha);
	ir_attr_set_float(&g->nodes[n], "beta", beta);
	return 1;
}

int pass_hard_sigmoid(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		enum ir_op op = g->nodes[i].op;
		if (fuse_is_dead(g, i) || (op != IR_OP_DIV && op != IR_OP_MUL && op != IR_OP_CLIP))
			continue;
		if (pass_hard_sigmoid_at(g, i))
			*changed = 1;
	}
	return 0;
}

/* ---- HardSwish -------------------------------------------------------------- */

/* t = Mul(x, Clip(Add(x, 3), 0, 6)), either order: x, or -1. */
static int m_x_relu6(const struct ir_graph *g, struct match *m, int t)
{
	struct mark k = match_mark(m);
	int p = take(g, m, t, IR_OP_MUL, 2);
	if (p < 0)
		return -1;
	for (int s = 0; s < 2; s++) {
		struct mark k2 = match_mark(m);
		int x = g->nodes[p].in[s];
		if (m_relu6_shift(g, m, g->nodes[p].in[1 - s]) == x)
			return x;
		match_reset(m, k2);
	}
	match_reset(m, k);
	return -1;
}

/* The root r is a HardSwish form: x, or -1. */
static int m_hswish_root(const struct ir_graph *g, struct match *m, int r)
{
	const struct ir_node *n = &g->nodes[r];
	if (n->n_in != 2)
		return -1;
	struct mark k = match_mark(m);
	int t, x;
	/* Div(Mul(x, Clip(..)), 6), Mul(Mul(x, Clip(..)), 1/6) */
	t = n->op == IR_OP_DIV ? other_than_const(g, r, 6.0, 0) : other_than_sixth(g, r);
	if (t >= 0 && (x = m_x_relu6(g, m, t)) >= 0)
		return x;
	match_reset(m, k);
	if (n->op != IR_OP_MUL)
		return -1;
	for (int s = 0; s < 2; s++) {
		int a = n->in[s], b = n->in[1 - s];
		/* Mul(x, hard sigmoid of x) */
		if (m_hsig(g, m, b) == a)
			return a;
		match_reset(m, k);
		/* Mul(Div(x, 6), Clip(Add(x, 3), 0, 6)), Mul(Mul(x, 1/6), ..) */
		int p = fuse_producer(g, a);
		if (p >= 0 && (g->nodes[p].op == IR_OP_DIV || g->nodes[p].op == IR_OP_MUL) &&
		    take(g, m, a, g->nodes[p].op, 2) >= 0) {
			x = g->nodes[p].op == IR_OP_DIV ? other_than_const(g, p, 6.0, 0)
							: other_than_sixth(g, p);
			if (x >= 0 && m_relu6_shift(g, m, b) == x)
				return x;
		}
		match_reset(m, k);
	}
	return -1;
}

int pass_hard_swish(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		enum ir_op op = g->nodes[i].op;
		if (fuse_is_dead(g, i) || (op != IR_OP_DIV && op != IR_OP_MUL))
			continue;
		struct match m;
		match_begin(&m, i);
		int x = m_hswish_root(g, &m, i);
		if (x < 0 || !same_shape_f32(g, x, g->nodes[i].out[0]) || !match_private(g, &m, -1, 0))
			continue;
		replace(g, &m, IR_OP_HARD_SWISH, &x, 1);
		*changed = 1;
	}
	return 0;
}

/* ---- SiLU ------------------------------------------------------------------ */

int pass_silu(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		if (fuse_is_dead(g, i) || g->nodes[i].op != IR_OP_MUL || g->nodes[i].n_in != 2)
			continue;
		struct match m;
		match_begin(&m, i);
		int x = -1;
		for (int s = 0; s < 2 && x < 0; s++) {
			int a = g->nodes[i].in[s];
			int sg = take(g, &m, g->nodes[i].in[1 - s], IR_OP_SIGMOID, 1);
			if (sg < 0)
				continue;
			int v = g->nodes[sg].in[0];
			if (v == a) {
				x = a;
				break;
			}
			/* Paddle's swish: x * sigmoid(beta * x) with beta = 1 */
			int b = take(g, &m, v, IR_OP_MUL, 2);
			if (b >= 0 && other_than_const(g, b, 1.0, 0) == a) {
				x = a;
				break;
			}
			match_begin(&m, i);
		}
		if (x < 0 || !same_shape_f32(g, x, g->nodes[i].out[0]) || !match_private(g, &m, -1, 0))
			continue;
		replace(g, &m, IR_OP_SILU, &x, 1);
		*changed = 1;
	}
	return 0;
}

/* ---- GELU ------------------------------------------------------------------ */

#define SQRT2 1.41421356
#define SQRT1_2 0.70710678

/* t = Add(Erf(Div(x, sqrt 2)), 1) (or Mul(x, 1/sqrt 2)), either order: x,
 * or -1. */
static int m_erf_part(const struct ir_graph *g, struct match *m, int t)
{
	struct mark k = match_mark(m);
	int a = take(g, m, t, IR_OP_ADD, 2);
	int e = a < 0 ? -1 : other_than_const(g, a, 1.0, 0);
	int er = e < 0 ? -1 : take(g, m, e, IR_OP_ERF, 1);
	int s = er < 0 ? -1 : g->nodes[er].in[0];
	int p = s < 0 ? -1 : fuse_producer(g, s);
	int x = -1;
	if (p >= 0 && g->nodes[p].op == IR_OP_DIV && take(g, m, s, IR_OP_DIV, 2) >= 0)
		x = other_than_const(g, p, SQRT2, 1e-6);
	else if (p >= 0 && g->nodes[p].op == IR_OP_MUL && take(g, m, s, IR_OP_MUL, 2) >= 0)
		x = other_than_const(g, p, SQRT1_2, 1e-6);
	if (x < 0)
		match_reset(m, k);
	return x;
}

/* The root r = Mul(..) is one of the GELU forms: x, or -1. */
static int m_gelu_root(const struct ir_graph *g, struct match *m, int r)
{
	const struct ir_node *n = &g->nodes[r];
	struct mark k = match_mark(m);
	for (int s = 0; s < 2; s++) {
		int a = n->in[s], b = n->in[1 - s];
		/* Mul(Mul(x, erf part), 0.5) */
		if (fuse_const_all(g, b, 0.5)) {
			int p = take(g, m, a, IR_OP_MUL, 2);
			for (int s2 = 0; p >= 0 && s2 < 2; s2++) {
				struct mark k2 = match_mark(m);
				int x = g->nodes[p].in[s2];
				if (m_erf_part(g, m, g->nodes[p].in[1 - s2]) == x)
					return x;
				match_reset(m, k2);
			}
			match_reset(m, k);
		}
		/* Mul(Mul(x, 0.5), erf part) */
		int p = take(g, m, a, IR_OP_MUL, 2);
		int x = p < 0 ? -1 : other_than_const(g, p, 0.5, 0);
		if (x >= 0 && m_erf_part(g, m, b) == x)
			return x;
		match_reset(m, k);
		/* Mul(x, Mul(erf part, 0.5)) */
		p = take(g, m, b, IR_OP_MUL, 2);
		int e = p < 0 ? -1 : other_than_const(g, p, 0.5, 0);
		if (e >= 0 && m_erf_part(g, m, e) == a)
			return a;
		match_reset(m, k);
	}
	return -1;
}

int pass_gelu(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		if (fuse_is_dead(g, i) || g->nodes[i].op != IR_OP_MUL || g->nodes[i].n_in != 2)
			continue;
		struct match m;
		match_begin(&m, i);
		int x = m_gelu_root(g, &m, i);
		if (x < 0 || !same_shape_f32(g, x, g->nodes[i].out[0]) || !match_private(g, &m, -1, 0))
			continue;
		replace(g, &m, IR_OP_GELU, &x, 1);
		*changed = 1;
	}
	return 0;
}

/* ---- LayerNormalization ------------------------------------------------------ */

/* The first axis of a ReduceMean over the last k axes of a rank-r input,
 * keeping dims; -1 for any other reduction. */
static int trailing_axes(const struct ir_node *n, int r)
{
	unsigned mask;
	if (ir_attr_int(n, "keepdims", 1) != 1 || ir_reduce_mask(n, r, &mask) < 0 || !mask)
		return -1;
	int first = __builtin_ctz(mask);
	return mask == ((1u << r) - 1) >> first << first ? first : -1;
}

/* Is constant c an f32 that broadcasts against x (rank r) along the dims
 * [axis:] only? */
static int row_const(const struct ir_graph *g, int c, int x, int axis)
{
	const struct ir_tensor *t = g->tensors[c], *xt = g->tensors[x];
	if (!t->data || t->dtype != IR_DTYPE_F32 || t->rank > xt->rank)
		return 0;
	for (int i = 0; i < t->rank; i++) {
		int xi = xt->rank - t->rank + i;
		int64_t d = t->dims[i];
		if (d != 1 && (xi < axis || d != xt->dims[xi]))
			return 0;
	}
	return 1;
}

/* A constant for LayerNormalization's scale or bias: c itself when it
 * holds the whole row ([axis:] with at most that rank), else a new one of
 * the row's shape with c broadcast into it (k_layer_norm's row_operand
 * expands only some partial shapes), or all `fill` when c < 0. */
static int row_operand(struct ir_graph *g, int c, int x, int axis, float fill, const char *base)
{
	const struct ir_tensor *xt = g->tensors[x];
	int rr = xt->rank - axis;
	const int64_t *rd = xt->dims + axis;
	int64_t len = ir_shape_numel(rr, rd);
	if (c >= 0 && g->tensors[c]->rank <= rr && ir_tensor_numel(g->tensors[c]) == len)
		return c;
	float *v = xmalloc(sizeof(float) * (size_t)(len ? len : 1));
	if (c < 0) {
		for (int64_t j = 0; j < len; j++)
			v[j] = fill;
	} else {
		/* element j of the row: index c by the dims aligned on the right */
		const struct ir_tensor *t = g->tensors[c];
		const float *d = t->data;
		for (int64_t j = 0; j < len; j++) {
			int64_t rem = j, off = 0, stride = 1;
			for (int i = rr - 1; i >= 0; i--) {
				int64_t idx = rem % rd[i];
				rem /= rd[i];
				int ti = t->rank - (rr - i);
				if (ti >= 0) {
					if (t->dims[ti] != 1)
						off += idx * stride;
					stride *= t->dims[ti];
				}
			}
			v[j] = d[off];
		}
	}
	return fuse_add_const(g, base, rr, rd, v);
}

static int pass_layer_norm_at(struct ir_graph *g, int dv)
{
	struct match m;
	match_begin(&m, dv);
	const struct ir_node *div = &g->nodes[dv];
	if (div->n_in != 2)
		return 0;
	int d = div->in[0];
	/* s = Sqrt(Add(v, eps)) */
	int sq = take(g, &m, div->in[1], IR_OP_SQRT, 1);
	int ad = sq < 0 ? -1 : take(g, &m, g->nodes[sq].in[0], IR_OP_ADD, 2);
	double eps;
	int v = ad < 0 ? -1 : other_than_scalar(g, ad, &eps);
	/* v = ReduceMean(Pow(d, 2) or Mul(d, d)) */
	int rv = v < 0 ? -1 : take(g, &m, v, IR_OP_REDUCE_MEAN, 1);
	int sqd = rv < 0 ? -1 : g->nodes[rv].in[0];
	int pw = sqd < 0 ? -1 : fuse_producer(g, sqd);
	int d_uses = 2;
	if (pw < 0)
		return 0;
	if (g->nodes[pw].op == IR_OP_POW) {
		if (take(g, &m, sqd, IR_OP_POW, 2) < 0 || g->nodes[pw].in[0] != d ||
		    !fuse_const_all(g, g->nodes[pw].in[1], 2.0))
			return 0;
	} else if (g->nodes[pw].op == IR_OP_MUL) {
		if (take(g, &m, sqd, IR_OP_MUL, 2) < 0 || g->nodes[pw].in[0] != d ||
		    g->nodes[pw].in[1] != d)
			return 0;
		d_uses = 3;
	} else {
		return 0;
	}
	/* d = Sub(x, m), m = ReduceMean(x) over the same trailing axes */
	int sb = take(g, &m, d, IR_OP_SUB, 2);
	int rm = sb < 0 ? -1 : take(g, &m, g->nodes[sb].in[1], IR_OP_REDUCE_MEAN, 1);
	if (rm < 0)
		return 0;
	int x = g->nodes[sb].in[0];
	if (g->nodes[rm].in[0] != x || !same_shape_f32(g, x, d))
		return 0;
	int r = g->tensors[x]->rank;
	int axis = trailing_axes(&g->nodes[rm], r);
	if (axis < 0 || trailing_axes(&g->nodes[rv], r) != axis)
		return 0;
	/* then Mul(y, gamma) and Add(., beta), when they are constants of the row */
	int y = g->nodes[dv].out[0], gamma = -1, beta = -1, root = dv;
	int mu = fuse_sole_consumer(g, y);
	if (mu >= 0 && g->nodes[mu].op == IR_OP_MUL && g->nodes[mu].n_in == 2) {
		int s = g->nodes[mu].in[0] == y ? 1 : 0;
		int c = g->nodes[mu].in[s];
		if (g->nodes[mu].in[1 - s] == y && c != y && row_const(g, c, x, axis)) {
			gamma = c;
			m.tensors[m.n_tensors++] = y;
			m.nodes[m.n_nodes++] = root = mu;
			y = g->nodes[mu].out[0];
		}
	}
	int ab = fuse_sole_consumer(g, y);
	if (ab >= 0 && g->nodes[ab].op == IR_OP_ADD && g->nodes[ab].n_in == 2) {
		int s = g->nodes[ab].in[0] == y ? 1 : 0;
		int c = g->nodes[ab].in[s];
		if (g->nodes[ab].in[1 - s] == y && c != y && row_const(g, c, x, axis)) {
			beta = c;
			m.tensors[m.n_tensors++] = y;
			m.nodes[m.n_nodes++] = root = ab;
			y = g->nodes[ab].out[0];
		}
	}
	if (!same_shape_f32(g, x, y) || (float)eps < 0 || !match_private(g, &m, d, d_uses))
		return 0;
	/* the pattern's last node (the last one taken) goes first: it names
	 * the result */
	if (root != dv) {
		m.nodes[m.n_nodes - 1] = dv;
		m.nodes[0] = root;
	}
	char base[256];
	snprintf(base, sizeof base, "%.200s.scale", g->nodes[root].name);
	int sc = row_operand(g, gamma, x, axis, 1.0f, base);
	int bi = -1;
	if (beta >= 0) {
		snprintf(base, sizeof base, "%.200s.bias", g->nodes[root].name);
		bi = row_operand(g, beta, x, axis, 0.0f, base);
	}
	int in[3] = {x, sc, bi};
	int n = replace(g, &m, IR_OP_LAYER_NORM, in, bi >= 0 ? 3 : 2);
	ir_attr_set_int(&g->nodes[n], "axis", axis - r);
	ir_attr_set_float(&g->nodes[n], "epsilon", (float)eps);
	return 1;
}

int pass_layer_norm(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		if (fuse_is_dead(g, i) || g->nodes[i].op != IR_OP_DIV)
			continue;
		if (pass_layer_norm_at(g, i))
			*changed = 1;
	}
	return 0;
}
