/*
 * fuse.c: the pass manager of ir-fuse, the helpers passes share, and the
 * structural passes (dead nodes, Identity/Dropout, constant folding,
 * BatchNormalization, activations, per-channel scales, Gemm/MatMul to 1x1
 * Conv). The pattern passes that recognize exporters' decompositions are in
 * fuse_patterns.c. See fuse.h and formats/ir.md, "ir-fuse".
 */
#include "fuse.h"
#include "ops.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

int fuse_uses(const struct ir_graph *g, int t)
{
	int n = ir_graph_is_output(g, t);
	for (int i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (int j = 0; j < g->nodes[i].n_in; j++)
			n += g->nodes[i].in[j] == t;
	}
	return n;
}

int fuse_producer(const struct ir_graph *g, int t)
{
	if (t < 0)
		return -1;
	int p = g->tensors[t]->producer;
	return p >= 0 && p < g->n_nodes && !g->nodes[p].dead ? p : -1;
}

int fuse_sole_consumer(const struct ir_graph *g, int t)
{
	if (ir_graph_is_output(g, t))
		return -1;
	int who = -1;
	for (int i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (int j = 0; j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] == t) {
				if (who >= 0 && who != i)
					return -1;
				who = i;
			}
	}
	return who;
}

void fuse_replace_uses(struct ir_graph *g, int from, int to)
{
	for (int i = 0; i < g->n_nodes; i++)
		for (int j = 0; j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] == from)
				g->nodes[i].in[j] = to;
}

void fuse_kill(struct ir_graph *g, int i)
{
	g->nodes[i].dead = 1;
}

int fuse_is_dead(const struct ir_graph *g, int i)
{
	return g->nodes[i].dead;
}

void fuse_refresh(struct ir_graph *g)
{
	for (int t = 0; t < g->n_tensors; t++)
		g->tensors[t]->producer = -1;
	for (int i = 0; i < g->n_nodes; i++) {
		g->nodes[i].dead = 0;
		for (int j = 0; j < g->nodes[i].n_out; j++)
			if (g->nodes[i].out[j] >= 0)
				g->tensors[g->nodes[i].out[j]]->producer = i;
	}
}

void fuse_retarget_output(struct ir_graph *g, int keep, int out)
{
	struct ir_node *n = &g->nodes[keep];
	n->out[0] = out;
	g->tensors[out]->producer = keep;
}

int fuse_const_scalar(const struct ir_graph *g, int t, double *v)
{
	if (t < 0 || !g->tensors[t]->data || ir_tensor_numel(g->tensors[t]) != 1)
		return 0;
	*v = ir_elem_get(g->tensors[t]->dtype, g->tensors[t]->data, 0);
	return 1;
}

int fuse_const_all(const struct ir_graph *g, int t, double v)
{
	if (t < 0 || !g->tensors[t]->data)
		return 0;
	const struct ir_tensor *c = g->tensors[t];
	int64_t n = ir_tensor_numel(c);
	for (int64_t i = 0; i < n; i++)
		if (ir_elem_get(c->dtype, c->data, (size_t)i) != v)
			return 0;
	return n > 0;
}

int fuse_add_tensor(struct ir_graph *g, const char *base)
{
	/* tensors and nodes have separate name spaces */
	char *nm = xstrdup(base);
	for (int i = 1; ir_tensor_find(g, nm) >= 0; i++) {
		free(nm);
		nm = xasprintf("%s_%d", base, i);
	}
	int t = ir_tensor_add(g, nm, IR_DTYPE_UNDEFINED, -1, NULL);
	free(nm);
	return t;
}

int fuse_add_const(struct ir_graph *g, const char *base, int rank, const int64_t *dims,
		   float *data)
{
	int t = fuse_add_tensor(g, base);
	struct ir_tensor *c = g->tensors[t];
	c->dtype = IR_DTYPE_F32;
	ir_tensor_set_shape(c, rank, dims);
	c->data = data;
	return t;
}


/* A node name no live node uses (a dead node's name is free again: its
 * replacement usually takes it). */
static int name_taken(const struct ir_graph *g, const char *s)
{
	for (int i = 0; i < g->n_nodes; i++)
		if (!g->nodes[i].dead && !strcmp(g->nodes[i].name, s))
			return 1;
	return 0;
}

struct ir_node *fuse_add_node(struct ir_graph *g, const char *base, enum ir_op op,
			      const char *origin)
{
	char *nm = xstrdup(base);
	for (int i = 1; name_taken(g, nm); i++) {
		free(nm);
		nm = xasprintf("%s_%d", base, i);
	}
	struct ir_node *n = ir_node_add(g, nm, op);
	free(nm);
	if (origin)
		n->origin = xstrdup(origin);
	return n;
}

/* A copy of an f32 constant's data (caller owns). */
static float *const_copy(const struct ir_graph *g, int t)
{
	size_t nb = ir_tensor_nbytes(g->tensors[t]);
	float *p = xmalloc(nb + 4);
	memcpy(p, g->tensors[t]->data, nb);
	return p;
}

static int is_f32_const(const struct ir_graph *g, int t)
{
	return t >= 0 && g->tensors[t]->data && g->tensors[t]->dtype == IR_DTYPE_F32;
}

/* Per-channel values of a constant broadcast against [N, C, ...] with C = c:
 * a scalar, [C], [C,1,...] or [1,C,1,...] aligned at axis 1 of a rank-r
 * tensor. Fills out[c]; 0 if t is not of that form. */
static int per_channel(const struct ir_graph *g, int t, int r, int64_t c, float *out)
{
	if (!is_f32_const(g, t))
		return 0;
	const struct ir_tensor *k = g->tensors[t];
	const float *d = k->data;
	int64_t n = ir_tensor_numel(k);
	if (n == 1) {
		for (int64_t i = 0; i < c; i++)
			out[i] = d[0];
		return 1;
	}
	if (n != c || k->rank > r)
		return 0;
	/* aligned right against rank r: every dim 1 but axis 1, which is c */
	int off = r - k->rank;
	for (int i = 0; i < k->rank; i++)
		if (k->dims[i] != (i + off == 1 ? c : 1))
			return 0;
	if (off > 1)
		return 0;
	memcpy(out, d, sizeof(float) * c);
	return 1;
}

/* ---- dead nodes, Identity, Dropout ------------------------------------- */

static int pass_dce(struct ir_graph *g, int *changed)
{
	for (int i = g->n_nodes - 1; i >= 0; i--) {
		const struct ir_node *n = &g->nodes[i];
		int used = 0;
		for (int j = 0; j < n->n_out && !used; j++)
			used = n->out[j] >= 0 && fuse_uses(g, n->out[j]) > 0;
		if (!used) {
			fuse_kill(g, i);
			*changed = 1;
		}
	}
	return 0;
}

/* Y = Identity(X) or Dropout(X) with an unused mask: readers of Y read X.
 * If Y is a model output, X's producer writes Y instead, when X has no
 * other reader and is not itself an input or output. */
static int pass_identity(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->op != IR_OP_IDENTITY && n->op != IR_OP_DROPOUT)
			continue;
		if (n->n_out > 1 && n->out[1] >= 0 && fuse_uses(g, n->out[1]) > 0)
			continue;
		int x = n->in[0], y = n->out[0];
		if (!ir_graph_is_output(g, y)) {
			fuse_replace_uses(g, y, x);
		} else {
			/* the producer writes the output's name; x's other readers
			 * read it under that name */
			int p = fuse_producer(g, x);
			if (p < 0 || ir_graph_is_output(g, x) || g->nodes[p].n_out != 1)
				continue;
			fuse_retarget_output(g, p, y);
			fuse_replace_uses(g, x, y);
		}
		fuse_kill(g, i);
		*changed = 1;
	}
	return 0;
}

/* ---- constant folding --------------------------------------------------- */

static int pass_fold_constants(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->op == IR_OP_QUANTIZE || n->op == IR_OP_DEQUANTIZE)
			continue;
		int all = n->n_in > 0;
		for (int j = 0; j < n->n_in && all; j++)
			all = n->in[j] < 0 || g->tensors[n->in[j]]->data;
		if (!all)
			continue;
		void *outs[64];
		if (ir_node_eval(g, n, outs) < 0)
			return -1;
		for (int j = 0; j < n->n_out; j++)
			if (n->out[j] >= 0) {
				g->tensors[n->out[j]]->data = outs[j];
				g->tensors[n->out[j]]->producer = -1;
			}
		fuse_kill(g, i);
		*changed = 1;
	}
	return 0;
}

/* ---- BatchNormalization --------------------------------------------------- */

/* BN's per-channel a = scale/sqrt(var+eps), b = B - mean*a, in double. */
static int bn_affine(const struct ir_graph *g, const struct ir_node *n, int64_t c, float *a,
		     float *b)
{
	for (int i = 1; i < 5; i++)
		if (!is_f32_const(g, n->in[i]))
			return 0;
	if (ir_attr_int(n, "training_mode", 0))
		return 0;
	const float *sc = g->tensors[n->in[1]]->data, *bi = g->tensors[n->in[2]]->data;
	const float *mu = g->tensors[n->in[3]]->data, *var = g->tensors[n->in[4]]->data;
	double eps = ir_attr_float(n, "epsilon", 1e-5f);
	for (int64_t i = 0; i < c; i++) {
		double ad = sc[i] / sqrt((double)var[i] + eps);
		a[i] = (float)ad;
		b[i] = (float)(bi[i] - mu[i] * ad);
	}
	return 1;
}

/* Scales output channel m of a Conv / ConvTranspose / Gemm weight by a[m]
 * and makes bias a*bias + b (bias absent = 0): new constants, since the
 * old ones may be shared. */
static void fold_affine(struct ir_graph *g, int ni, const float *a, const float *b)
{
	struct ir_node *n = &g->nodes[ni];
	int wt = n->in[1];
	const struct ir_tensor *w = g->tensors[wt];
	int64_t m, inner, outer;
	float *wd = const_copy(g, wt);
	if (n->op == IR_OP_CONV) {            /* [M, C/g, k...] */
		m = w->dims[0];
		outer = 1;
		inner = ir_tensor_numel(w) / m;
	} else if (n->op == IR_OP_CONV_TRANSPOSE) { /* [C, M/g, k...] */
		int64_t group = ir_attr_int(n, "group", 1);
		m = w->dims[1] * group;
		outer = w->dims[0];
		inner = ir_shape_numel(w->rank - 2, w->dims + 2);
	} else {                              /* Gemm: B [K, N] or [N, K] */
		int tb = (int)ir_attr_int(n, "transB", 0);
		m = tb ? w->dims[0] : w->dims[1];
		outer = tb ? 1 : w->dims[0];
		inner = tb ? w->dims[1] : 1;
	}
	if (n->op == IR_OP_CONV) {
		for (int64_t o = 0; o < m; o++)
			for (int64_t i = 0; i < inner; i++)
				wd[o * inner + i] *= a[o];
	} else if (n->op == IR_OP_CONV_TRANSPOSE) {
		int64_t group = ir_attr_int(n, "group", 1), mg = m / group, cg = outer / group;
		for (int64_t ci = 0; ci < outer; ci++)
			for (int64_t mo = 0; mo < mg; mo++)
				for (int64_t i = 0; i < inner; i++)
					wd[(ci * mg + mo) * inner + i] *= a[ci / cg * mg + mo];
	} else if (ir_attr_int(n, "transB", 0)) {
		for (int64_t o = 0; o < m; o++)
			for (int64_t i = 0; i < inner; i++)
				wd[o * inner + i] *= a[o];
	} else {
		for (int64_t k = 0; k < outer; k++)
			for (int64_t o = 0; o < m; o++)
				wd[k * m + o] *= a[o];
	}
	char base[256];
	snprintf(base, sizeof base, "%.200s.w_folded", n->name);
	int nw = fuse_add_const(g, base, w->rank, w->dims, wd);
	n = &g->nodes[ni];
	/* bias: Conv/ConvTranspose input 2 [M]; Gemm input 2 (C) when it is [N]
	 * or absent, and beta then carries over */
	int bt = n->n_in > 2 ? n->in[2] : -1;
	float *bd = xcalloc((size_t)m + 1, sizeof(float));
	if (bt >= 0) {
		const float *old = g->tensors[bt]->data;
		int64_t nb = ir_tensor_numel(g->tensors[bt]);
		double beta = n->op == IR_OP_GEMM ? ir_attr_float(n, "beta", 1.0f) : 1.0;
		for (int64_t o = 0; o < m; o++)
			bd[o] = (float)(beta * old[nb == 1 ? 0 : o]);
	}
	for (int64_t o = 0; o < m; o++)
		bd[o] = bd[o] * a[o] + b[o];
	snprintf(base, sizeof base, "%.200s.b_folded", n->name);
	int64_t bdim = m;
	int nbias = fuse_add_const(g, base, 1, &bdim, bd);
	n = &g->nodes[ni];
	n->in[1] = nw;
	if (n->n_in > 2)
		n->in[2] = nbias;
	else
		ir_node_add_input(n, nbias);
	if (n->op == IR_OP_GEMM) {
		ir_attr_set_float(n, "beta", 1.0f);
		/* alpha scaled A*B before; keep it by folding it into the bias
		 * (not needed: the bias is added after alpha) */
	}
}

/* Can the output channels of node ni take a per-channel affine? Its weight
 * and bias must be constants, and for Gemm the bias must be per column. */
static int affine_target(const struct ir_graph *g, int ni)
{
	const struct ir_node *n = &g->nodes[ni];
	if (n->op != IR_OP_CONV && n->op != IR_OP_CONV_TRANSPOSE && n->op != IR_OP_GEMM)
		return 0;
	if (!is_f32_const(g, n->in[1]) || ir_attr_find(n, "act_min") || ir_attr_find(n, "act_max"))
		return 0;
	if (n->n_in > 2 && n->in[2] >= 0) {
		if (!is_f32_const(g, n->in[2]))
			return 0;
		if (n->op == IR_OP_GEMM) {
			const struct ir_tensor *c = g->tensors[n->in[2]];
			int64_t cols = g->tensors[n->out[0]]->dims[1];
			if (ir_tensor_numel(c) != 1 && !(ir_tensor_numel(c) == cols &&
							  c->dims[c->rank - 1] == cols))
				return 0;
		}
	}
	return 1;
}

/* Output channel count of a Conv / ConvTranspose (axis 1) or Gemm (cols). */
static int64_t out_channels(const struct ir_graph *g, int ni)
{
	return g->tensors[g->nodes[ni].out[0]]->dims[1];
}

static int pass_fold_bn(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->op != IR_OP_BATCH_NORM || n->dead || n->n_out > 1)
			continue;
		const struct ir_tensor *x = g->tensors[n->in[0]];
		int64_t c = x->dims[1];
		float *a = xmalloc(sizeof(float) * (c + 1)), *b = xmalloc(sizeof(float) * (c + 1));
		if (!bn_affine(g, n, c, a, b)) {
			free(a);
			free(b);
			continue;
		}
		int p = fuse_producer(g, n->in[0]);
		if (p >= 0 && affine_target(g, p) && fuse_uses(g, n->in[0]) == 1 &&
		    !ir_graph_is_output(g, n->in[0]) && out_channels(g, p) == c) {
			int y = g->nodes[i].out[0];
			fold_affine(g, p, a, b);
			fuse_retarget_output(g, p, y);
			fuse_kill(g, i);
			*changed = 1;
		} else if (x->rank == 4) {
			/* a lone BN: a depthwise 1x1 Conv the BPU can run */
			char base[256];
			snprintf(base, sizeof base, "%.200s.scale", n->name);
			int64_t wd[4] = {c, 1, 1, 1}, bd = c;
			int wt = fuse_add_const(g, base, 4, wd, a);
			snprintf(base, sizeof base, "%.200s.shift", g->nodes[i].name);
			int bt = fuse_add_const(g, base, 1, &bd, b);
			a = b = NULL;
			char *name = xstrdup(g->nodes[i].name);
			int in = g->nodes[i].in[0], out = g->nodes[i].out[0];
			fuse_kill(g, i);
			struct ir_node *cv = fuse_add_node(g, name, IR_OP_CONV, name);
			free(name);
			ir_node_add_input(cv, in);
			ir_node_add_input(cv, wt);
			ir_node_add_input(cv, bt);
			ir_node_add_output(cv, out);
			int64_t one[2] = {1, 1}, zero[4] = {0, 0, 0, 0};
			ir_attr_set_ints(cv, "kernel_shape", 2, one);
			ir_attr_set_ints(cv, "strides", 2, one);
			ir_attr_set_ints(cv, "dilations", 2, one);
			ir_attr_set_ints(cv, "pads", 4, zero);
			ir_attr_set_int(cv, "group", c);
			*changed = 1;
		}
		free(a);
		free(b);
	}
	return 0;
}

/* ---- activations into Conv ---------------------------------------------- */

static int pass_fuse_activation(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->dead || (n->op != IR_OP_RELU && n->op != IR_OP_CLIP))
			continue;
		if (g->tensors[n->in[0]]->dtype != IR_DTYPE_F32)
			continue;
		int p = fuse_producer(g, n->in[0]);
		if (p < 0 || (g->nodes[p].op != IR_OP_CONV && g->nodes[p].op != IR_OP_CONV_TRANSPOSE) ||
		    fuse_uses(g, n->in[0]) != 1 || ir_graph_is_output(g, n->in[0]))
			continue;
		float lo, hi, lo2 = -INFINITY, hi2 = INFINITY;
		ir_act_range(&g->nodes[p], &lo, &hi);
		if (n->op == IR_OP_RELU) {
			lo2 = 0;
		} else {
			struct ir_attr *a = ir_attr_find(n, "min"), *b = ir_attr_find(n, "max");
			if (a)
				lo2 = a->f;
			if (b)
				hi2 = b->f;
		}
		/* clamp(clamp(x, lo, hi), lo2, hi2) = clamp(x, max(lo,lo2), ...)
		 * while the ranges overlap */
		float nlo = lo > lo2 ? lo : lo2, nhi = hi < hi2 ? hi : hi2;
		if (nlo > nhi)
			continue;
		int y = n->out[0];
		fuse_kill(g, i);
		struct ir_node *c = &g->nodes[p];
		if (nlo > -INFINITY)
			ir_attr_set_float(c, "act_min", nlo);
		if (nhi < INFINITY)
			ir_attr_set_float(c, "act_max", nhi);
		fuse_retarget_output(g, p, y);
		*changed = 1;
	}
	return 0;
}

/* Mul / Add by a per-channel (or scalar) constant right after a Conv (or
 * ConvTranspose, Gemm) folds into its weights and bias. */
static int pass_fold_scale(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->dead || (n->op != IR_OP_MUL && n->op != IR_OP_ADD && n->op != IR_OP_SUB &&
				n->op != IR_OP_DIV))
			continue;
		for (int side = 0; side < 2; side++) {
			n = &g->nodes[i];
			int x = n->in[side], k = n->in[1 - side];
			/* Sub and Div only with the constant on the right */
			if ((n->op == IR_OP_SUB || n->op == IR_OP_DIV) && side == 1)
				break;
			int p = fuse_producer(g, x);
			if (p < 0 || !affine_target(g, p) || fuse_uses(g, x) != 1 ||
			    ir_graph_is_output(g, x))
				continue;
			const struct ir_tensor *xt = g->tensors[x];
			/* the result must keep x's shape */
			const struct ir_tensor *yt = g->tensors[n->out[0]];
			if (!ir_tensor_numel(xt) || yt->rank != xt->rank ||
			    memcmp(yt->dims, xt->dims, sizeof(int64_t) * xt->rank))
				continue;
			int64_t c = out_channels(g, p);
			int r = g->nodes[p].op == IR_OP_GEMM ? 2 : xt->rank;
			float *v = xmalloc(sizeof(float) * (c + 1));
			int ok = g->nodes[p].op == IR_OP_GEMM
					 ? 0
					 : per_channel(g, k, r, c, v);
			if (g->nodes[p].op == IR_OP_GEMM && is_f32_const(g, k)) {
				/* Gemm's channels are columns: [N] or [1, N] or a scalar */
				const struct ir_tensor *kt = g->tensors[k];
				int64_t nk = ir_tensor_numel(kt);
				if (nk == 1 || (nk == c && kt->dims[kt->rank - 1] == c)) {
					for (int64_t o = 0; o < c; o++)
						v[o] = ((float *)kt->data)[nk == 1 ? 0 : o];
					ok = 1;
				}
			}
			if (!ok) {
				free(v);
				continue;
			}
			float *a = xmalloc(sizeof(float) * (c + 1)), *b = xcalloc(c + 1, sizeof(float));
			for (int64_t o = 0; o < c; o++) {
				switch (g->nodes[i].op) {
				case IR_OP_MUL: a[o] = v[o]; b[o] = 0; break;
				case IR_OP_DIV: a[o] = 1.0f / v[o]; b[o] = 0; break;
				case IR_OP_ADD: a[o] = 1; b[o] = v[o]; break;
				default: a[o] = 1; b[o] = -v[o]; break;
				}
			}
			/* Div by v is exactly x / v; a multiply by 1/v rounds
			 * differently. Fold it only when 1/v is exact. */
			int exact = 1;
			if (g->nodes[i].op == IR_OP_DIV)
				for (int64_t o = 0; o < c && exact; o++)
					exact = fabsf(frexpf(v[o], &(int){0})) == 0.5f;
			if (exact) {
				int y = g->nodes[i].out[0];
				fold_affine(g, p, a, b);
				fuse_retarget_output(g, p, y);
				fuse_kill(g, i);
				*changed = 1;
			}
			free(a);
			free(b);
			free(v);
			break;
		}
	}
	return 0;
}

/* ---- Gemm and MatMul to 1x1 Conv ------------------------------------------ */

/* Y[M, N] = A[M, K] W[K, N] + bias as Reshape(A -> [M, K, 1, 1]), Conv with
 * weight [N, K, 1, 1], Reshape -> Y's shape. */
static void to_conv(struct ir_graph *g, int ni, int a_in, int64_t rows, int64_t k, int64_t nn,
		    float *w_nk, float *bias)
{
	char *name = xstrdup(g->nodes[ni].name);
	int y = g->nodes[ni].out[0];
	const struct ir_tensor *yt = g->tensors[y];
	int yrank = yt->rank;
	int64_t ydims[IR_MAX_RANK];
	memcpy(ydims, yt->dims, sizeof ydims);
	fuse_kill(g, ni);
	char base[300];
	snprintf(base, sizeof base, "%.200s.w_conv", name);
	int64_t wd[4] = {nn, k, 1, 1};
	int wt = fuse_add_const(g, base, 4, wd, w_nk);
	int bt = -1;
	if (bias) {
		snprintf(base, sizeof base, "%.200s.b_conv", name);
		bt = fuse_add_const(g, base, 1, &nn, bias);
	}
	snprintf(base, sizeof base, "%.200s/to_nchw", name);
	int t1 = fuse_add_tensor(g, base);
	struct ir_node *r1 = fuse_add_node(g, base, IR_OP_RESHAPE, name);
	ir_node_add_input(r1, a_in);
	ir_node_add_output(r1, t1);
	int64_t s1[4] = {rows, k, 1, 1};
	ir_attr_set_ints(r1, "shape", 4, s1);
	snprintf(base, sizeof base, "%.200s/conv", name);
	int t2 = fuse_add_tensor(g, base);
	struct ir_node *cv = fuse_add_node(g, name, IR_OP_CONV, name);
	ir_node_add_input(cv, t1);
	ir_node_add_input(cv, wt);
	if (bt >= 0)
		ir_node_add_input(cv, bt);
	ir_node_add_output(cv, t2);
	int64_t one[2] = {1, 1}, zero[4] = {0, 0, 0, 0};
	ir_attr_set_ints(cv, "kernel_shape", 2, one);
	ir_attr_set_ints(cv, "strides", 2, one);
	ir_attr_set_ints(cv, "dilations", 2, one);
	ir_attr_set_ints(cv, "pads", 4, zero);
	ir_attr_set_int(cv, "group", 1);
	snprintf(base, sizeof base, "%.200s/from_nchw", name);
	struct ir_node *r2 = fuse_add_node(g, base, IR_OP_RESHAPE, name);
	ir_node_add_input(r2, t2);
	ir_node_add_output(r2, y);
	ir_attr_set_ints(r2, "shape", yrank, ydims);
	free(name);
}

static int pass_gemm_to_conv(struct ir_graph *g, int *changed)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->dead)
			continue;
		if (n->op == IR_OP_GEMM) {
			if (ir_attr_int(n, "transA", 0) || !is_f32_const(g, n->in[1]))
				continue;
			const struct ir_tensor *a = g->tensors[n->in[0]], *b = g->tensors[n->in[1]];
			int tb = (int)ir_attr_int(n, "transB", 0);
			int64_t m = a->dims[0], k = a->dims[1], nn = tb ? b->dims[0] : b->dims[1];
			float alpha = ir_attr_float(n, "alpha", 1.0f), beta = ir_attr_float(n, "beta", 1.0f);
			float *bias = NULL;
			if (n->n_in > 2 && n->in[2] >= 0) {
				const struct ir_tensor *c = g->tensors[n->in[2]];
				int64_t nc = ir_tensor_numel(c);
				if (!is_f32_const(g, n->in[2]) ||
				    !(nc == 1 || (nc == nn && c->dims[c->rank - 1] == nn)))
					continue; /* a bias per row cannot be a conv bias */
				bias = xmalloc(sizeof(float) * (nn + 1));
				for (int64_t o = 0; o < nn; o++)
					bias[o] = beta * ((float *)c->data)[nc == 1 ? 0 : o];
			}
			float *w = xmalloc(sizeof(float) * (nn * k + 1));
			const float *bd = b->data;
			for (int64_t o = 0; o < nn; o++)
				for (int64_t q = 0; q < k; q++)
					w[o * k + q] = alpha * (tb ? bd[o * k + q] : bd[q * nn + o]);
			to_conv(g, i, g->nodes[i].in[0], m, k, nn, w, bias);
			*changed = 1;
		} else if (n->op == IR_OP_MATMUL) {
			const struct ir_tensor *a = g->tensors[n->in[0]], *b = g->tensors[n->in[1]];
			if (!is_f32_const(g, n->in[1]) || b->rank != 2 || a->rank < 2)
				continue;
			int64_t k = b->dims[0], nn = b->dims[1];
			int64_t rows = ir_tensor_numel(a) / k;
			float *w = xmalloc(sizeof(float) * (nn * k + 1));
			const float *bd = b->data;
			for (int64_t o = 0; o < nn; o++)
				for (int64_t q = 0; q < k; q++)
					w[o * k + q] = bd[q * nn + o];
			/* MatMul followed by Add of a per-column constant (a Linear
			 * layer's bias): the conv takes it as its bias */
			float *bias = NULL;
			int add = fuse_sole_consumer(g, n->out[0]);
			if (add >= 0 && g->nodes[add].op == IR_OP_ADD) {
				const struct ir_node *an = &g->nodes[add];
				int c = an->in[0] == n->out[0] ? an->in[1] : an->in[0];
				const struct ir_tensor *ct = g->tensors[c], *yt = g->tensors[an->out[0]];
				const struct ir_tensor *mt = g->tensors[n->out[0]];
				int64_t nc = is_f32_const(g, c) ? ir_tensor_numel(ct) : 0;
				if ((nc == nn || nc == 1) && (nc == 1 || ct->dims[ct->rank - 1] == nn) &&
				    yt->rank == mt->rank &&
				    !memcmp(yt->dims, mt->dims, sizeof(int64_t) * mt->rank)) {
					bias = xmalloc(sizeof(float) * (nn + 1));
					for (int64_t o = 0; o < nn; o++)
						bias[o] = ((float *)ct->data)[nc == 1 ? 0 : o];
					/* the conv chain writes the Add's output */
					g->nodes[i].out[0] = an->out[0];
					fuse_kill(g, add);
				}
			}
			to_conv(g, i, g->nodes[i].in[0], rows, k, nn, w, bias);
			*changed = 1;
		}
	}
	return 0;
}

/* ---- the table and the runner ---------------------------------------------- */

int pass_hard_sigmoid(struct ir_graph *g, int *changed);
int pass_hard_swish(struct ir_graph *g, int *changed);
int pass_silu(struct ir_graph *g, int *changed);
int pass_gelu(struct ir_graph *g, int *changed);
int pass_layer_norm(struct ir_graph *g, int *changed);

const struct fuse_pass fuse_passes[] = {
	{"dce", "remove nodes whose outputs nothing reads", pass_dce},
	{"identity", "remove Identity and inference Dropout", pass_identity},
	{"fold-constants", "evaluate nodes whose inputs are all constants", pass_fold_constants},
	{"hard-sigmoid", "Clip(x+3, 0, 6)/6 (Add/Clip/Div, Mul by 1/6) -> HardSigmoid",
	 pass_hard_sigmoid},
	{"hard-swish", "x*Clip(x+3, 0, 6)/6 and x*HardSigmoid(x) -> HardSwish", pass_hard_swish},
	{"silu", "x*Sigmoid(x) -> SiLU", pass_silu},
	{"gelu", "x*0.5*(1+Erf(x/sqrt 2)) -> GELU", pass_gelu},
	{"layer-norm", "ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add -> LayerNormalization",
	 pass_layer_norm},
	{"fold-bn", "BatchNormalization into the Conv/ConvTranspose/Gemm before it; "
		    "a lone one -> depthwise 1x1 Conv", pass_fold_bn},
	{"fold-scale", "Mul/Div/Add/Sub by a per-channel constant into the Conv before it",
	 pass_fold_scale},
	{"gemm-to-conv", "Gemm, and MatMul by a constant (with the Add of a bias after it), -> "
			 "Reshape, 1x1 Conv, Reshape",
	 pass_gemm_to_conv},
	{"fuse-activation", "Relu, Clip after a Conv/ConvTranspose -> its act_min/act_max",
	 pass_fuse_activation},
};
const int fuse_n_passes = sizeof fuse_passes / sizeof *fuse_passes;

static int in_list(const char *list, const char *name)
{
	size_t l = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == l && !strncmp(p, name, l))
			return 1;
		p += n + (e ? 1 : 0);
	}
	return 0;
}

/* Every name in a comma list must be a pass. */
static int check_names(const char *list, const char *opt)
{
	if (list && (!*list || list[strlen(list) - 1] == ','))
		return ir_error("%s \"%s\": expected pass names separated by commas", opt, list);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int ok = 0;
		for (int i = 0; i < fuse_n_passes && !ok; i++)
			ok = strlen(fuse_passes[i].name) == n && !strncmp(fuse_passes[i].name, p, n);
		if (!ok)
			return ir_error("%s: no pass named \"%.*s\" (ir-fuse --list-passes lists them)",
					opt, (int)n, p);
		p += n + (e ? 1 : 0);
	}
	return 0;
}

/* Removes dead nodes, sorts, drops unused tensors, re-infers, checks. */
static int tidy(struct ir_graph *g, const char *pass)
{
	for (int i = g->n_nodes - 1; i >= 0; i--)
		if (g->nodes[i].dead)
			ir_graph_remove_node(g, i);
	if (ir_graph_toposort(g) < 0 || ir_graph_check(g) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		return ir_error("pass %s left a broken graph: %s", pass, msg);
	}
	ir_graph_compact(g);
	if (ir_graph_infer(g) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		return ir_error("pass %s left a broken graph: %s", pass, msg);
	}
	fuse_refresh(g);
	return 0;
}

int fuse_run(struct ir_graph *g, const char *only, const char *disable, int max_rounds,
	     struct fuse_stats *st)
{
	memset(st, 0, sizeof *st);
	if (check_names(only, "--passes") < 0 || check_names(disable, "--disable") < 0)
		return -1;
	fuse_refresh(g);
	for (int round = 0; round < max_rounds; round++) {
		int any = 0;
		for (int i = 0; i < fuse_n_passes; i++) {
			if ((only && !in_list(only, fuse_passes[i].name)) ||
			    in_list(disable, fuse_passes[i].name))
				continue;
			int changed = 0;
			if (fuse_passes[i].run(g, &changed) < 0) {
				char msg[sizeof ir_errmsg];
				snprintf(msg, sizeof msg, "%s", ir_errmsg);
				return ir_error("pass %s: %s", fuse_passes[i].name, msg);
			}
			if (changed) {
				if (tidy(g, fuse_passes[i].name) < 0)
					return -1;
				st->applied[i]++;
				any = 1;
			} else {
				fuse_refresh(g);
			}
		}
		st->iterations = round + 1;
		if (!any)
			return 0;
	}
	return 0;
}
