/*
 * quantize.c: see quantize.h. The parameter choices are formats/numerics.md,
 * "Choosing scales"; the integer ops formats/ir.md, "Integer ops".
 */
#include "quantize.h"
#include "ops.h"
#include "qmath.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void set_quant(struct ir_tensor *t, enum ir_dtype dt, int n, const float *scale,
		      const int32_t *zp, int axis, const char *method)
{
	if (t->quant) {
		free(t->quant->scale);
		free(t->quant->zero_point);
		free(t->quant->method);
		free(t->quant);
	}
	struct ir_quant *q = xcalloc(1, sizeof *q);
	q->dtype = dt;
	q->n = n;
	q->scale = xmalloc(sizeof(float) * n);
	memcpy(q->scale, scale, sizeof(float) * n);
	if (zp) {
		int any = 0;
		for (int i = 0; i < n; i++)
			any |= zp[i] != 0;
		if (any) {
			q->zero_point = xmalloc(sizeof(int32_t) * n);
			memcpy(q->zero_point, zp, sizeof(int32_t) * n);
		}
	}
	q->axis = axis;
	q->method = method ? xstrdup(method) : NULL;
	t->quant = q;
	t->dtype = dt;
}

static int32_t zp_of(const struct ir_tensor *t)
{
	return t->quant && t->quant->zero_point ? t->quant->zero_point[0] : 0;
}

static float scale_of(const struct ir_tensor *t)
{
	return t->quant ? t->quant->scale[0] : 1.0f;
}

/* Ops whose output is a rearrangement (or a selection) of input values:
 * the output shares the input's scale and zero point. */
static int shares_scale(const struct ir_node *n)
{
	switch (n->op) {
	case IR_OP_RESHAPE: case IR_OP_FLATTEN: case IR_OP_SQUEEZE: case IR_OP_UNSQUEEZE:
	case IR_OP_TRANSPOSE: case IR_OP_SLICE: case IR_OP_SPLIT: case IR_OP_MAX_POOL:
	case IR_OP_GLOBAL_MAX_POOL: case IR_OP_IDENTITY: case IR_OP_EXPAND: case IR_OP_PAD:
		return 1;
	case IR_OP_RESIZE:
		return !strcmp(ir_attr_string(n, "mode", "nearest"), "nearest");
	default:
		return 0;
	}
}

static int lut_op(enum ir_op op)
{
	switch (op) {
	case IR_OP_RELU: case IR_OP_LEAKY_RELU: case IR_OP_CLIP: case IR_OP_SIGMOID:
	case IR_OP_TANH: case IR_OP_HARD_SIGMOID: case IR_OP_HARD_SWISH: case IR_OP_SILU:
	case IR_OP_GELU: case IR_OP_ERF: case IR_OP_EXP: case IR_OP_ABS: case IR_OP_NEG:
	case IR_OP_PRELU:
		return 1;
	default:
		return 0;
	}
}

/* The float function of a unary node, in f64, for its table. */
struct fnctx {
	const struct ir_node *n;
	float a, b;   /* alpha/beta, clip bounds, or a PRelu slope */
};

static double node_fn(double x, const void *vctx)
{
	const struct fnctx *c = vctx;
	switch (c->n->op) {
	case IR_OP_RELU: return x < 0 ? 0 : x;
	case IR_OP_LEAKY_RELU: case IR_OP_PRELU: return x < 0 ? c->a * x : x;
	case IR_OP_CLIP: return x < c->a ? c->a : x > c->b ? c->b : x;
	case IR_OP_SIGMOID: return q_fn_sigmoid(x, NULL);
	case IR_OP_TANH: return tanh(x);
	case IR_OP_HARD_SIGMOID: {
		double h = c->a * x + c->b;
		return h < 0 ? 0 : h > 1 ? 1 : h;
	}
	case IR_OP_HARD_SWISH: return q_fn_hard_swish(x, NULL);
	case IR_OP_SILU: return q_fn_silu(x, NULL);
	case IR_OP_GELU: return q_fn_gelu(x, NULL);
	case IR_OP_ERF: return erf(x);
	case IR_OP_EXP: return exp(x);
	case IR_OP_ABS: return fabs(x);
	case IR_OP_NEG: return -x;
	default: return x;
	}
}

/* The integer clamp of an output with a fused activation [lo, hi]. */
static void act_clamp(const struct ir_node *n, const struct ir_tensor *y, int32_t *qmin,
		      int32_t *qmax)
{
	float lo, hi;
	*qmin = -128;
	*qmax = 127;
	if (!ir_act_range(n, &lo, &hi))
		return;
	float s = scale_of(y);
	int32_t z = zp_of(y);
	if (lo > -INFINITY)
		*qmin = q_sat((int64_t)nearbyint((double)lo / s) + z, -128, 127);
	if (hi < INFINITY)
		*qmax = q_sat((int64_t)nearbyint((double)hi / s) + z, -128, 127);
}

/* A new i8 constant holding data quantized per tensor by absmax/127 (a
 * constant operand of an Add or Mul on the BPU). */
static int quantize_const(struct ir_graph *g, int t)
{
	const struct ir_tensor *c = g->tensors[t];
	int64_t n = ir_tensor_numel(c);
	const float *d = c->data;
	double am = 0;
	for (int64_t i = 0; i < n; i++)
		am = fmax(am, fabs(d[i]));
	float s = am > 0 ? (float)(am / 127.0) : 1.0f;
	int8_t *q = xmalloc((size_t)n + 1);
	for (int64_t i = 0; i < n; i++)
		q[i] = (int8_t)q_sat((int64_t)nearbyint((double)d[i] / s), -127, 127);
	char *base = xasprintf("%s/q", c->name);
	char *nm = ir_unique_name(g, base);
	int64_t dims[IR_MAX_RANK];
	memcpy(dims, c->dims, sizeof dims);
	int rank = c->rank;
	int nt = ir_const_add(g, nm, IR_DTYPE_I8, rank, dims, q);
	set_quant(g->tensors[nt], IR_DTYPE_I8, 1, &s, NULL, 0, "max");
	free(nm);
	free(base);
	return nt;
}

/* Conv / ConvTranspose -> QConv / QConvTranspose. */
static int quantize_conv(struct ir_graph *g, int ni, const struct thresholds *th)
{
	struct ir_node *n = &g->nodes[ni];
	const struct ir_tensor *x = g->tensors[n->in[0]];
	struct ir_tensor *y = g->tensors[n->out[0]];
	int wt = n->in[1];
	const struct ir_tensor *w = g->tensors[wt];
	if (!w->data || w->dtype != IR_DTYPE_F32)
		return ir_error("%sthe weight \"%s\" must be an f32 constant", ir_node_ctx(n), w->name);
	int transpose = n->op == IR_OP_CONV_TRANSPOSE;
	int64_t group = ir_attr_int(n, "group", 1);
	int64_t m = transpose ? w->dims[1] * group : w->dims[0];
	int64_t wn = ir_tensor_numel(w);
	/* output channel of each weight element */
	int64_t inner = ir_shape_numel(w->rank - 2, w->dims + 2);
	int64_t cg = transpose ? w->dims[0] / group : 0, mg = transpose ? w->dims[1] : 0;
	const float *wd = w->data;
	float *sw = xmalloc(sizeof(float) * m);
	const struct th_entry *we = thresholds_find(th, w->name, 1);
	if (we && we->n != 1 && we->n != m)
		return ir_error("%s: weight \"%s\" has %d scales; the node has %lld output "
				"channels", th->path, w->name, we->n, (long long)m);
	double *am = xcalloc((size_t)m, sizeof(double));
	for (int64_t i = 0; i < wn; i++) {
		int64_t c = transpose ? (i / inner / mg / cg) * mg + i / inner % mg : i / inner / (wn / inner / m);
		am[c] = fmax(am[c], fabs(wd[i]));
	}
	for (int64_t c = 0; c < m; c++) {
		if (we)
			sw[c] = we->scale[we->n == 1 ? 0 : c];
		else
			sw[c] = am[c] > 0 ? (float)(am[c] / 127.0) : 1.0f;
	}
	free(am);
	int8_t *wq = xmalloc((size_t)wn + 1);
	for (int64_t i = 0; i < wn; i++) {
		int64_t c = transpose ? (i / inner / mg / cg) * mg + i / inner % mg : i / inner / (wn / inner / m);
		wq[i] = (int8_t)q_sat((int64_t)nearbyint((double)wd[i] / sw[c]), -127, 127);
	}
	char *base = xasprintf("%s/q", w->name);
	char *nm = ir_unique_name(g, base);
	int64_t wdims[IR_MAX_RANK];
	memcpy(wdims, w->dims, sizeof wdims);
	int wrank = w->rank;
	int nwt = ir_const_add(g, nm, IR_DTYPE_I8, wrank, wdims, wq);
	free(nm);
	free(base);
	set_quant(g->tensors[nwt], IR_DTYPE_I8, (int)m, sw, NULL, transpose ? 1 : 0,
		  we && we->method ? we->method : "max");
	n = &g->nodes[ni];
	x = g->tensors[n->in[0]];
	y = g->tensors[n->out[0]];
	float sx = scale_of(x);
	/* bias */
	int nbt = -1;
	if (n->n_in > 2 && n->in[2] >= 0) {
		const struct ir_tensor *b = g->tensors[n->in[2]];
		const float *bd = b->data;
		int32_t *bq = xmalloc(sizeof(int32_t) * (m + 1));
		float *bs = xmalloc(sizeof(float) * (m + 1));
		for (int64_t c = 0; c < m; c++) {
			double sb = (double)sx * sw[c];
			double v = nearbyint((double)bd[c] / sb);
			bq[c] = v > 2147483647.0 ? INT32_MAX : v < -2147483648.0 ? INT32_MIN : (int32_t)v;
			bs[c] = (float)sb;
		}
		base = xasprintf("%s/q", b->name);
		nm = ir_unique_name(g, base);
		int64_t bdim = m;
		nbt = ir_const_add(g, nm, IR_DTYPE_I32, 1, &bdim, bq);
		set_quant(g->tensors[nbt], IR_DTYPE_I32, (int)m, bs, NULL, 0, NULL);
		free(bs);
		free(nm);
		free(base);
	}
	n = &g->nodes[ni];
	y = g->tensors[n->out[0]];
	if (ir_attr_int(n, "output_int32", 0)) {
		/* the accumulators, scale s_in * s_w[c] per channel (axis 1) */
		float *sy = xmalloc(sizeof(float) * m);
		for (int64_t c = 0; c < m; c++)
			sy[c] = (float)((double)sx * sw[c]);
		set_quant(y, IR_DTYPE_I32, (int)m, sy, NULL, 1, NULL);
		free(sy);
	} else {
		int64_t *mu = xmalloc(sizeof(int64_t) * m), *sh = xmalloc(sizeof(int64_t) * m);
		float sy = scale_of(y);
		for (int64_t c = 0; c < m; c++) {
			struct qmul q;
			if (q_multiplier((double)sx * sw[c] / sy, &q) < 0) {
				free(mu);
				free(sh);
				free(sw);
				char msg[sizeof ir_errmsg];
				snprintf(msg, sizeof msg, "%s", ir_errmsg);
				return ir_error("%schannel %lld: %s", ir_node_ctx(n), (long long)c, msg);
			}
			mu[c] = q.m;
			sh[c] = q.r;
		}
		int32_t qmin, qmax;
		act_clamp(n, y, &qmin, &qmax);
		ir_attr_set_ints(n, "mult", (int)m, mu);
		ir_attr_set_ints(n, "shift", (int)m, sh);
		ir_attr_set_int(n, "out_min", qmin);
		ir_attr_set_int(n, "out_max", qmax);
		free(mu);
		free(sh);
	}
	free(sw);
	ir_attr_del(n, "act_min");
	ir_attr_del(n, "act_max");
	n->in[1] = nwt;
	if (nbt >= 0)
		n->in[2] = nbt;
	n->op = transpose ? IR_OP_QCONV_TRANSPOSE : IR_OP_QCONV;
	return 0;
}

/* Add / Sub / Mul / Div-by-constant of int8 tensors. */
static int quantize_binary(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	enum ir_op op = n->op;
	for (int j = 0; j < 2; j++) {
		struct ir_tensor *t = g->tensors[n->in[j]];
		if (!t->data)
			continue;
		if (t->dtype != IR_DTYPE_F32)
			return ir_error("%sconstant \"%s\" is %s, not f32", ir_node_ctx(n), t->name,
					ir_dtype_name(t->dtype));
		if (op == IR_OP_DIV) {
			if (j != 1)
				return ir_error("%sa Div on the BPU divides by a constant, not into one",
						ir_node_ctx(n));
			/* x / c = x * (1/c) */
			int64_t cnt = ir_tensor_numel(t);
			float *inv = xmalloc(sizeof(float) * (cnt + 1));
			for (int64_t i = 0; i < cnt; i++)
				inv[i] = (float)(1.0 / (double)((float *)t->data)[i]);
			char *base = xasprintf("%s/reciprocal", t->name);
			char *nm = ir_unique_name(g, base);
			int64_t dims[IR_MAX_RANK];
			memcpy(dims, t->dims, sizeof dims);
			int nt = ir_const_add(g, nm, IR_DTYPE_F32, t->rank, dims, inv);
			free(nm);
			free(base);
			n = &g->nodes[ni];
			n->in[1] = nt;
		}
		int q = quantize_const(g, n->in[j]);
		n = &g->nodes[ni];
		n->in[j] = q;
	}
	if (op == IR_OP_DIV)
		op = IR_OP_MUL;
	n = &g->nodes[ni];
	const struct ir_tensor *a = g->tensors[n->in[0]], *b = g->tensors[n->in[1]];
	struct ir_tensor *y = g->tensors[n->out[0]];
	double sa = scale_of(a), sb = scale_of(b), sy = scale_of(y);
	if (op == IR_OP_MUL) {
		struct qmul q;
		if (q_multiplier(sa * sb / sy, &q) < 0)
			return ir_error("%s%s", ir_node_ctx(n), ir_errmsg);
		ir_attr_set_int(n, "mult", q.m);
		ir_attr_set_int(n, "shift", q.r);
		n->op = IR_OP_QMUL;
	} else {
		int r = 62;
		while (r > 0 && (nearbyint(ldexp(sa / sy, r)) >= 1073741824.0 ||
				 nearbyint(ldexp(sb / sy, r)) >= 1073741824.0))
			r--;
		double ma = nearbyint(ldexp(sa / sy, r)), mb = nearbyint(ldexp(sb / sy, r));
		if (ma >= 1073741824.0 || mb >= 1073741824.0)
			return ir_error("%sscale ratios %g and %g are too large for an int8 Add",
					ir_node_ctx(n), sa / sy, sb / sy);
		ir_attr_set_int(n, "mult_a", (int64_t)ma);
		ir_attr_set_int(n, "mult_b", (int64_t)mb);
		ir_attr_set_int(n, "shift", r);
		n->op = op == IR_OP_SUB ? IR_OP_QSUB : IR_OP_QADD;
	}
	int32_t lo = -128, hi = 127;
	ir_attr_set_int(n, "out_min", lo);
	ir_attr_set_int(n, "out_max", hi);
	return 0;
}

static int quantize_lut(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	const struct ir_tensor *x = g->tensors[n->in[0]], *y = g->tensors[n->out[0]];
	struct fnctx c = {n, 0, 0};
	switch (n->op) {
	case IR_OP_LEAKY_RELU: c.a = ir_attr_float(n, "alpha", 0.01f); break;
	case IR_OP_HARD_SIGMOID:
		c.a = ir_attr_float(n, "alpha", 0.2f);
		c.b = ir_attr_float(n, "beta", 0.5f);
		break;
	case IR_OP_CLIP:
		c.a = ir_attr_float(n, "min", -INFINITY);
		c.b = ir_attr_float(n, "max", INFINITY);
		break;
	case IR_OP_PRELU: {
		const struct ir_tensor *s = g->tensors[n->in[1]];
		if (!s->data || ir_tensor_numel(s) != 1)
			return ir_error("%sa PRelu on the BPU needs one constant slope (one table); "
					"per-channel slopes are not implemented: place it on the CPU "
					"with node-info (run_on=cpu)", ir_node_ctx(n));
		c.a = ((float *)s->data)[0];
		break;
	}
	default: break;
	}
	int8_t *table = xmalloc(256);
	q_lut_build(node_fn, &c, scale_of(x), zp_of(x), scale_of(y), zp_of(y), -128, 127, table);
	const char *fname = ir_op_name(n->op);
	char *base = xasprintf("%s/table", n->name);
	char *nm = ir_unique_name(g, base);
	int64_t d = 256;
	int tt = ir_const_add(g, nm, IR_DTYPE_I8, 1, &d, table);
	free(nm);
	free(base);
	n = &g->nodes[ni];
	char *fn = xstrdup(fname);
	/* attributes of the float op are gone; the table holds them */
	while (n->n_attr)
		ir_attr_del(n, n->attr[0].name);
	if (n->n_in < 2)
		ir_node_add_input(n, tt);
	else
		n->in[1] = tt;
	n->n_in = 2;
	ir_attr_set_string(n, "function", fn);
	free(fn);
	n->op = IR_OP_QLUT;
	return 0;
}

/* Concat inputs whose parameters differ from the output's get a QRequant. */
static int align_concat(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	int y = n->out[0], seg = n->segment;
	for (int j = 0; j < g->nodes[ni].n_in; j++) {
		n = &g->nodes[ni];
		int x = n->in[j];
		const struct ir_tensor *xt = g->tensors[x], *yt = g->tensors[y];
		if (scale_of(xt) == scale_of(yt) && zp_of(xt) == zp_of(yt))
			continue;
		struct qmul q;
		if (q_multiplier((double)scale_of(xt) / scale_of(yt), &q) < 0)
			return ir_error("%sinput %d: %s", ir_node_ctx(n), j, ir_errmsg);
		char *base = xasprintf("%s/rq", xt->name);
		char *nm = ir_unique_name(g, base);
		int rt = ir_tensor_add(g, nm, IR_DTYPE_I8, xt->rank, xt->dims);
		float s = scale_of(yt);
		int32_t z = zp_of(yt);
		set_quant(g->tensors[rt], IR_DTYPE_I8, 1, &s, &z, 0, NULL);
		char *nname = xasprintf("%s/requant%d", g->nodes[ni].name, j);
		char *nn2 = ir_unique_name(g, nname);
		struct ir_node *r = ir_node_add(g, nn2, IR_OP_QREQUANT);
		free(nname);
		free(nn2);
		free(nm);
		free(base);
		ir_node_add_input(r, x);
		ir_node_add_output(r, rt);
		ir_attr_set_int(r, "mult", q.m);
		ir_attr_set_int(r, "shift", q.r);
		ir_attr_set_int(r, "out_min", -128);
		ir_attr_set_int(r, "out_max", 127);
		r->place = IR_PLACE_BPU;
		r->segment = seg;
		r->reason = xstrdup("ir-quant: aligns a Concat input to the output's scale");
		g->nodes[ni].in[j] = rt;
	}
	return 0;
}

int quantize_graph(struct ir_graph *g, const struct thresholds *th)
{
	int placed = 0;
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (ir_op_is_quantized(n->op))
			return ir_error("node \"%s\" is already an integer op (%s): the graph was "
					"quantized before", n->name, ir_op_name(n->op));
		placed += n->place != IR_PLACE_UNPLACED;
		if (n->qtype && strcmp(n->qtype, "int8"))
			return ir_unsupported("node \"%s\" (%s) asks for %s (node-info); ir-quant "
					      "quantizes to int8 only so far", n->name,
					      ir_op_name(n->op), n->qtype);
	}
	if (!placed)
		return ir_error("the graph is not partitioned; run ir-partition --march M first");
	/* a thresholds entry must name a tensor of this model */
	for (int i = 0; i < th->n; i++)
		if (ir_tensor_find(g, th->e[i].name) < 0)
			return ir_error("%s:%d: %s \"%s\" is not a tensor of this model", th->path,
					th->e[i].line, th->e[i].weight ? "weight" : "act", th->e[i].name);
	/* 1. activation parameters, in topological order */
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->place != IR_PLACE_BPU && n->op != IR_OP_QUANTIZE)
			continue;
		if (n->op == IR_OP_CONV || n->op == IR_OP_CONV_TRANSPOSE)
			if (ir_attr_int(n, "output_int32", 0))
				continue; /* set with the weights */
		for (int j = 0; j < n->n_out; j++) {
			if (n->out[j] < 0)
				continue;
			struct ir_tensor *t = g->tensors[n->out[j]];
			if (n->op != IR_OP_QUANTIZE && shares_scale(n)) {
				const struct ir_tensor *x = g->tensors[n->in[0]];
				if (!x->quant)
					return ir_error("%sinput \"%s\" has no quantization", ir_node_ctx(n),
							x->name);
				int32_t z = zp_of(x);
				set_quant(t, IR_DTYPE_I8, 1, &x->quant->scale[0], &z, 0,
					  x->quant->method);
				continue;
			}
			const struct th_entry *e = thresholds_find(th, t->name, 0);
			if (!e)
				return ir_error("%s: no act entry for tensor \"%s\" (written by node "
						"\"%s\", %s)", th->path, t->name, n->name,
						ir_op_name(n->op));
			if (e->dtype != IR_DTYPE_I8)
				return ir_unsupported("%s:%d: tensor \"%s\" asks for int16; ir-quant "
						      "quantizes to int8 only so far", th->path, e->line,
						      t->name);
			set_quant(t, IR_DTYPE_I8, 1, e->scale, &e->zero_point, 0, e->method);
		}
	}
	/* 2. each BPU node to its integer form */
	int nn = g->n_nodes;
	for (int i = 0; i < nn; i++) {
		struct ir_node *n = &g->nodes[i];
		if (n->place != IR_PLACE_BPU)
			continue;
		for (int j = 0; j < n->n_in; j++) {
			const struct ir_tensor *t = n->in[j] >= 0 ? g->tensors[n->in[j]] : NULL;
			if (t && !t->data && !t->quant)
				return ir_error("%sinput \"%s\" reaches the BPU without a Quantize "
						"(not an ir-partition graph?)", ir_node_ctx(n), t->name);
		}
		int rc = 0;
		switch (n->op) {
		case IR_OP_CONV: case IR_OP_CONV_TRANSPOSE:
			rc = quantize_conv(g, i, th);
			break;
		case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV:
			rc = quantize_binary(g, i);
			break;
		case IR_OP_AVERAGE_POOL:
			n->op = IR_OP_QAVERAGE_POOL;
			break;
		case IR_OP_GLOBAL_AVERAGE_POOL:
			n->op = IR_OP_QGLOBAL_AVERAGE_POOL;
			break;
		case IR_OP_RESIZE:
			n->op = IR_OP_QRESIZE;
			break;
		case IR_OP_CONCAT:
			rc = align_concat(g, i);
			break;
		default:
			if (lut_op(n->op))
				rc = quantize_lut(g, i);
			else if (!shares_scale(n))
				rc = ir_unsupported("%sis on the BPU, but ir-quant has no integer form "
						    "for %s yet; place it on the CPU (node-info: %s "
						    "run_on=cpu)", ir_node_ctx(n), ir_op_name(n->op),
						    n->name);
			break;
		}
		if (rc < 0)
			return -1;
	}
	/* 3. the integer graph: order (QRequants were appended), unused float
	 * weights dropped, types re-derived and checked */
	if (ir_graph_toposort(g) < 0)
		return -1;
	ir_graph_compact(g);
	if (ir_graph_check(g) < 0 || ir_graph_infer(g) < 0)
		return -1;
	return 0;
}
