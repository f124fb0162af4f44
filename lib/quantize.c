/*
 * quantize.c: see quantize.h. The parameter choices are formats/numerics.md,
 * "Choosing scales"; the integer ops formats/ir.md, "Integer ops".
 */
#include "quantize.h"
#include "march.h"
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

/* The integer type of a quantized tensor (i8 unless its quant says i16). */
static enum ir_dtype qtype_of(const struct ir_tensor *t)
{
	return t->quant && t->quant->dtype == IR_DTYPE_I16 ? IR_DTYPE_I16 : IR_DTYPE_I8;
}

static void range_of(enum ir_dtype dt, int32_t *lo, int32_t *hi)
{
	*lo = dt == IR_DTYPE_I16 ? -32768 : -128;
	*hi = dt == IR_DTYPE_I16 ? 32767 : 127;
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

/* The integer clamp [qmin, qmax] of output y for the real range [lo, hi]
 * (either may be infinite): max(Tmin, rne(lo / s) + z), likewise the top. */
static void clamp_of(const struct ir_tensor *y, double lo, double hi, int32_t *qmin, int32_t *qmax)
{
	int32_t tlo, thi;
	range_of(qtype_of(y), &tlo, &thi);
	float s = scale_of(y);
	int32_t z = zp_of(y);
	*qmin = tlo;
	*qmax = thi;
	if (lo > -INFINITY)
		*qmin = lo / s < -1e15 ? tlo : lo / s > 1e15 ? thi
			: q_sat((int64_t)nearbyint(lo / s) + z, tlo, thi);
	if (hi < INFINITY)
		*qmax = hi / s < -1e15 ? tlo : hi / s > 1e15 ? thi
			: q_sat((int64_t)nearbyint(hi / s) + z, tlo, thi);
}

/* The integer clamp of an output with a fused activation [lo, hi]. */
static void act_clamp(const struct ir_node *n, const struct ir_tensor *y, int32_t *qmin,
		      int32_t *qmax)
{
	float lo, hi;
	int32_t tlo, thi;
	range_of(qtype_of(y), &tlo, &thi);
	*qmin = tlo;
	*qmax = thi;
	if (!ir_act_range(n, &lo, &hi))
		return;
	clamp_of(y, lo, hi, qmin, qmax);
}

/* A new constant holding data quantized per tensor, symmetric, to dt: by
 * absmax/127 into -127..127 (i8) or absmax/32767 into -32767..32767 (i16) (a
 * constant operand of an Add or Mul on the BPU, in its output's type). */
static int quantize_const(struct ir_graph *g, int t, enum ir_dtype dt)
{
	const struct ir_tensor *c = g->tensors[t];
	int64_t n = ir_tensor_numel(c);
	const float *d = c->data;
	double am = 0, qm = dt == IR_DTYPE_I16 ? 32767 : 127;
	for (int64_t i = 0; i < n; i++)
		am = fmax(am, fabs(d[i]));
	float s = am > 0 ? (float)(am / qm) : 1.0f;
	void *q = xmalloc((size_t)n * (dt == IR_DTYPE_I16 ? 2 : 1) + 1);
	for (int64_t i = 0; i < n; i++) {
		int32_t v = q_sat((int64_t)nearbyint((double)d[i] / s), -(int32_t)qm, (int32_t)qm);
		if (dt == IR_DTYPE_I16)
			((int16_t *)q)[i] = (int16_t)v;
		else
			((int8_t *)q)[i] = (int8_t)v;
	}
	char *base = xasprintf("%s/q", c->name);
	char *nm = ir_unique_name(g, base);
	int64_t dims[IR_MAX_RANK];
	memcpy(dims, c->dims, sizeof dims);
	int rank = c->rank;
	int nt = ir_const_add(g, nm, dt, rank, dims, q);
	set_quant(g->tensors[nt], dt, 1, &s, NULL, 0, "max");
	free(nm);
	free(base);
	return nt;
}

void conv_weight_layout(const struct ir_node *n, const struct ir_tensor *w, struct conv_weight *l)
{
	l->transpose = n->op == IR_OP_CONV_TRANSPOSE;
	l->group = ir_attr_int(n, "group", 1);
	l->d0 = w->dims[0];
	l->d1 = w->dims[1];
	l->m = l->transpose ? l->d1 * l->group : l->d0;
	l->inner = ir_shape_numel(w->rank - 2, w->dims + 2);
}

float *quantize_weight_scales(const struct conv_weight *l, const struct ir_tensor *w,
			      const struct th_entry *we)
{
	if (we && we->n != 1 && we->n != l->m) {
		ir_error("weight \"%s\" has %d scales; the node has %lld output channels", w->name,
			 we->n, (long long)l->m);
		return NULL;
	}
	float *sw = xmalloc(sizeof(float) * (l->m + 1));
	if (we) {
		for (int64_t c = 0; c < l->m; c++)
			sw[c] = we->scale[we->n == 1 ? 0 : c];
		return sw;
	}
	double *am = xcalloc((size_t)l->m + 1, sizeof(double));
	const float *wd = w->data;
	for (int64_t i = 0; i < ir_tensor_numel(w); i++) {
		int64_t c = conv_weight_oc(l, i);
		am[c] = fmax(am[c], fabs(wd[i]));
	}
	for (int64_t c = 0; c < l->m; c++)
		sw[c] = am[c] > 0 ? (float)(am[c] / 127.0) : 1.0f;
	free(am);
	return sw;
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
	struct conv_weight l;
	conv_weight_layout(n, w, &l);
	int transpose = l.transpose;
	int64_t m = l.m, wn = ir_tensor_numel(w);
	const float *wd = w->data;
	const struct th_entry *we = thresholds_find(th, w->name, 1);
	float *sw = quantize_weight_scales(&l, w, we);
	if (!sw) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		return ir_error("%s: %s", th->path, msg);
	}
	int8_t *wq = xmalloc((size_t)wn + 1);
	for (int64_t i = 0; i < wn; i++)
		wq[i] = (int8_t)q_sat((int64_t)nearbyint((double)wd[i] / sw[conv_weight_oc(&l, i)]),
				      -127, 127);
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
	/* bias correction (thresholds.md): b[c] + bc[c] in f64; a node without a
	 * bias gets one, named after the weight */
	if (we && we->n_bias && we->n_bias != m) {
		free(sw);
		return ir_error("%s:%d: weight \"%s\" has %d bias corrections; the node has %lld "
				"output channels", th->path, we->line, w->name, we->n_bias, (long long)m);
	}
	int has_b = n->n_in > 2 && n->in[2] >= 0;
	if (we && we->n_bias && !has_b) {
		float *zb = xcalloc((size_t)m + 1, sizeof(float));
		base = xasprintf("%s/bias", w->name);
		nm = ir_unique_name(g, base);
		int64_t bdim = m;
		int bt = ir_const_add(g, nm, IR_DTYPE_F32, 1, &bdim, zb);
		free(nm);
		free(base);
		n = &g->nodes[ni];
		while (n->n_in < 2)
			ir_node_add_input(n, -1);
		if (n->n_in == 2)
			ir_node_add_input(n, bt);
		else
			n->in[2] = bt;
		x = g->tensors[n->in[0]];
	}
	/* bias */
	int nbt = -1;
	if (n->n_in > 2 && n->in[2] >= 0) {
		const struct ir_tensor *b = g->tensors[n->in[2]];
		const float *bd = b->data;
		const float *bc = we && we->n_bias ? we->bias : NULL;
		int32_t *bq = xmalloc(sizeof(int32_t) * (m + 1));
		float *bs = xmalloc(sizeof(float) * (m + 1));
		for (int64_t c = 0; c < m; c++) {
			double sb = (double)sx * sw[c];
			double v = nearbyint(((double)bd[c] + (bc ? bc[c] : 0.0)) / sb);
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
		int q = quantize_const(g, n->in[j], qtype_of(g->tensors[g->nodes[ni].out[0]]));
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
			return ir_error("%sscale ratios %g and %g are too large for an integer Add",
					ir_node_ctx(n), sa / sy, sb / sy);
		ir_attr_set_int(n, "mult_a", (int64_t)ma);
		ir_attr_set_int(n, "mult_b", (int64_t)mb);
		ir_attr_set_int(n, "shift", r);
		n->op = op == IR_OP_SUB ? IR_OP_QSUB : IR_OP_QADD;
	}
	int32_t lo, hi;
	range_of(qtype_of(y), &lo, &hi);
	ir_attr_set_int(n, "out_min", lo);
	ir_attr_set_int(n, "out_max", hi);
	return 0;
}

/* Node ni's attributes all dropped (its float op's; the integer op has its
 * own). */
static void drop_attrs(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	while (n->n_attr)
		ir_attr_del(n, n->attr[0].name);
}

/* Relu or Clip on an int16 input: a QRequant whose clamp is the
 * activation's range (numerics.md "Requantize"), exact where a table would
 * interpolate. */
static int relu_clip_requant(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	const struct ir_tensor *x = g->tensors[n->in[0]], *y = g->tensors[n->out[0]];
	double lo = 0, hi = INFINITY;
	if (n->op == IR_OP_CLIP) {
		lo = ir_attr_float(n, "min", -INFINITY);
		hi = ir_attr_float(n, "max", INFINITY);
	}
	struct qmul q;
	if (q_multiplier((double)scale_of(x) / scale_of(y), &q) < 0)
		return ir_error("%s%s", ir_node_ctx(n), ir_errmsg);
	int32_t qmin, qmax;
	clamp_of(y, lo, hi, &qmin, &qmax);
	drop_attrs(g, ni);
	n = &g->nodes[ni];
	n->n_in = 1;
	ir_attr_set_int(n, "mult", q.m);
	ir_attr_set_int(n, "shift", q.r);
	ir_attr_set_int(n, "out_min", qmin);
	ir_attr_set_int(n, "out_max", qmax);
	n->op = IR_OP_QREQUANT;
	return 0;
}

/* A unary op to its table (numerics.md "Lookup-table ops"): 256 entries for
 * an int8 input, 1025 knots for an int16 one, of the output's type. */
static int quantize_lut(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	const struct ir_tensor *x = g->tensors[n->in[0]], *y = g->tensors[n->out[0]];
	enum ir_dtype xt = qtype_of(x), yt = qtype_of(y);
	if (xt == IR_DTYPE_I16 && (n->op == IR_OP_RELU || n->op == IR_OP_CLIP))
		return relu_clip_requant(g, ni);
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
	int nt = xt == IR_DTYPE_I16 ? Q_LUT16_N : Q_LUT8_N;
	int32_t lo, hi;
	range_of(yt, &lo, &hi);
	int32_t *ent = xmalloc(sizeof(int32_t) * nt);
	if (xt == IR_DTYPE_I16)
		q_lut_entries(node_fn, &c, scale_of(x), zp_of(x), scale_of(y), zp_of(y), lo, hi, -32768,
			      Q_LUT16_STEP, nt, ent);
	else
		q_lut_entries(node_fn, &c, scale_of(x), zp_of(x), scale_of(y), zp_of(y), lo, hi, -128, 1,
			      nt, ent);
	void *table = xmalloc((size_t)nt * (yt == IR_DTYPE_I16 ? 2 : 1));
	for (int i = 0; i < nt; i++) {
		if (yt == IR_DTYPE_I16)
			((int16_t *)table)[i] = (int16_t)ent[i];
		else
			((int8_t *)table)[i] = (int8_t)ent[i];
	}
	free(ent);
	const char *fname = ir_op_name(n->op);
	char *base = xasprintf("%s/table", n->name);
	char *nm = ir_unique_name(g, base);
	int64_t d = nt;
	int tt = ir_const_add(g, nm, yt, 1, &d, table);
	free(nm);
	free(base);
	/* attributes of the float op are gone; the table holds them */
	drop_attrs(g, ni);
	n = &g->nodes[ni];
	if (n->n_in < 2)
		ir_node_add_input(n, tt);
	else
		n->in[1] = tt;
	n->n_in = 2;
	ir_attr_set_string(n, "function", fname);
	n->op = IR_OP_QLUT;
	return 0;
}

/* A QRequant on the BPU (subgraph seg) from tensor x to a new tensor of type
 * dt with scale s and zero point z, named after x with suffix; the node is
 * appended (quantize_graph sorts the graph at the end). Returns the new
 * tensor, or -1 with ir_errmsg. */
static int add_requant(struct ir_graph *g, int x, enum ir_dtype dt, float s, int32_t z, int seg,
		       const char *node_base, const char *suffix, const char *reason)
{
	const struct ir_tensor *xt = g->tensors[x];
	struct qmul q;
	if (q_multiplier((double)scale_of(xt) / s, &q) < 0)
		return -1;
	char *base = xasprintf("%s/%s", xt->name, suffix);
	char *nm = ir_unique_name(g, base);
	int rt = ir_tensor_add(g, nm, dt, xt->rank, xt->dims);
	set_quant(g->tensors[rt], dt, 1, &s, &z, 0, NULL);
	char *nn = ir_unique_name(g, node_base);
	struct ir_node *r = ir_node_add(g, nn, IR_OP_QREQUANT);
	free(nn);
	free(nm);
	free(base);
	ir_node_add_input(r, x);
	ir_node_add_output(r, rt);
	g->tensors[rt]->producer = g->n_nodes - 1;
	int32_t lo, hi;
	range_of(dt, &lo, &hi);
	ir_attr_set_int(r, "mult", q.m);
	ir_attr_set_int(r, "shift", q.r);
	ir_attr_set_int(r, "out_min", lo);
	ir_attr_set_int(r, "out_max", hi);
	r->place = IR_PLACE_BPU;
	r->segment = seg;
	r->reason = xstrdup(reason);
	return rt;
}

/* Concat inputs whose type or parameters differ from the output's get a
 * QRequant to the output's. */
static int align_concat(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	int y = n->out[0], seg = n->segment;
	for (int j = 0; j < g->nodes[ni].n_in; j++) {
		n = &g->nodes[ni];
		int x = n->in[j];
		const struct ir_tensor *xt = g->tensors[x], *yt = g->tensors[y];
		if (scale_of(xt) == scale_of(yt) && zp_of(xt) == zp_of(yt) &&
		    qtype_of(xt) == qtype_of(yt))
			continue;
		char *nb = xasprintf("%s/requant%d", n->name, j);
		int rt = add_requant(g, x, qtype_of(yt), scale_of(yt), zp_of(yt), seg, nb, "rq",
				     "ir-quant: aligns a Concat input to the output's type and scale");
		free(nb);
		if (rt < 0)
			return ir_error("%sinput %d: %s", ir_node_ctx(&g->nodes[ni]), j, ir_errmsg);
		g->nodes[ni].in[j] = rt;
	}
	return 0;
}

/* GlobalMaxPool on the BPU as the MaxPool over the whole map (the integer
 * types run through MaxPool's kernel). */
static void global_max_to_max(struct ir_graph *g, int ni)
{
	struct ir_node *n = &g->nodes[ni];
	const struct ir_tensor *x = g->tensors[n->in[0]];
	int sp = x->rank - 2;
	int64_t k[IR_MAX_RANK], one[IR_MAX_RANK], pads[2 * IR_MAX_RANK];
	for (int i = 0; i < sp; i++) {
		k[i] = x->dims[2 + i];
		one[i] = 1;
		pads[i] = pads[i + sp] = 0;
	}
	ir_attr_set_ints(n, "kernel_shape", sp, k);
	ir_attr_set_ints(n, "strides", sp, one);
	ir_attr_set_ints(n, "pads", 2 * sp, pads);
	n->op = IR_OP_MAX_POOL;
}

/* ---- which tensors are int16 (numerics.md "Mixed int8/int16 models") ---- */

struct qrun {
	struct ir_graph *g;
	const struct thresholds *th;
	struct march *m;          /* the IR's march, NULL if it records none */
	/* per tensor: why it is int16, for messages: the thresholds line, or -1
	 * for the qtype of the node that writes it (node-info); 0 if int8 */
	int *why16;
	int nt;
};

/* The threshold T of an entry for an int16 scale (numerics.md "Choosing
 * scales"): threshold=, else max(-min, max), else the int8 range's. */
static double entry_threshold(const struct th_entry *e)
{
	if (e->has_threshold)
		return e->threshold;
	if (e->has_range)
		return fmax(-e->min, e->max);
	double s = e->scale[0];
	int32_t z = e->zero_point;
	if (z == 0)
		return 127 * s;
	return s * fmax(128.0 + z, 127.0 - z);
}

static int node_wants16(const struct ir_node *n)
{
	return n->qtype && !strcmp(n->qtype, "int16");
}

/* The parameters of activation t, written by node n (a BPU node or a
 * Quantize) that is not a value-moving op. */
static int act_params(struct qrun *r, const struct ir_node *n, int ti)
{
	struct ir_tensor *t = r->g->tensors[ti];
	const struct thresholds *th = r->th;
	const struct th_entry *e = thresholds_find(th, t->name, 0);
	if (!e)
		return ir_error("%s: no act entry for tensor \"%s\" (written by node \"%s\", %s)",
				th->path, t->name, n->name, ir_op_name(n->op));
	if (e->dtype == IR_DTYPE_I16) {
		if (e->zero_point)
			return ir_error("%s:%d: tensor \"%s\" is int16 with zero_point %d; int16 "
					"activations are symmetric (formats/numerics.md): write "
					"zero_point=0 and scale=T/32767", th->path, e->line, t->name,
					e->zero_point);
		int32_t z = 0;
		set_quant(t, IR_DTYPE_I16, 1, e->scale, &z, 0, e->method);
		r->why16[ti] = e->line > 0 ? e->line : -2;
	} else if (node_wants16(n)) {
		double T = entry_threshold(e);
		float s = T > 0 ? (float)(T / 32767.0) : 1.0f;
		int32_t z = 0;
		set_quant(t, IR_DTYPE_I16, 1, &s, &z, 0, e->method);
		r->why16[ti] = -1;
	} else {
		set_quant(t, IR_DTYPE_I8, 1, e->scale, &e->zero_point, 0, e->method);
	}
	return 0;
}

/* The outputs of value-moving node ni take its input's type and parameters;
 * an int16 wish (node-info, or an output's thresholds entry) over an int8
 * input widens the input first. */
static int moved_params(struct qrun *r, int ni)
{
	struct ir_graph *g = r->g;
	struct ir_node *n = &g->nodes[ni];
	const struct ir_tensor *x = g->tensors[n->in[0]];
	if (!x->quant)
		return ir_error("%sinput \"%s\" has no quantization", ir_node_ctx(n), x->name);
	int want = node_wants16(n) ? -1 : 0;
	for (int j = 0; j < n->n_out && !want; j++) {
		const struct th_entry *e =
			n->out[j] >= 0 ? thresholds_find(r->th, g->tensors[n->out[j]]->name, 0) : NULL;
		if (e && e->dtype == IR_DTYPE_I16)
			want = e->line > 0 ? e->line : -2;
	}
	int xi = n->in[0];
	if (want && qtype_of(x) == IR_DTYPE_I8) {
		/* widen: s/256 when symmetric (exact), else the whole int8 range */
		int32_t z = zp_of(x);
		double s = scale_of(x);
		float s16 = z == 0 ? (float)(s / 256.0) : (float)(s * fmax(128.0 + z, 127.0 - z) / 32767.0);
		char *nb = xasprintf("%s/to_int16", n->name);
		int rt = add_requant(g, xi, IR_DTYPE_I16, s16, 0, n->segment, nb, "i16",
				     "ir-quant: widens an int8 input to int16");
		free(nb);
		if (rt < 0)
			return ir_error("%s%s", ir_node_ctx(&g->nodes[ni]), ir_errmsg);
		r->why16 = xrealloc(r->why16, sizeof(int) * (size_t)g->n_tensors);
		for (int t = r->nt; t < g->n_tensors; t++)
			r->why16[t] = 0;
		r->nt = g->n_tensors;
		r->why16[rt] = want;
		n = &g->nodes[ni];
		n->in[0] = rt;
		xi = rt;
		x = g->tensors[rt];
	}
	for (int j = 0; j < n->n_out; j++) {
		if (n->out[j] < 0)
			continue;
		int32_t z = zp_of(x);
		set_quant(g->tensors[n->out[j]], qtype_of(x), 1, &x->quant->scale[0], &z, 0,
			  x->quant->method);
		r->why16[n->out[j]] = r->why16[xi];
	}
	return 0;
}

/* Every int16 activation a BPU node writes or reads needs a march with
 * int16 and int16=yes on the node's op line. */
static int check_int16(struct qrun *r, int nn)
{
	struct ir_graph *g = r->g;
	for (int i = 0; i < nn; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->place != IR_PLACE_BPU)
			continue;
		for (int side = 0; side < 2; side++)
			for (int j = 0; j < (side ? n->n_out : n->n_in); j++) {
				int ti = side ? n->out[j] : n->in[j];
				if (ti < 0 || g->tensors[ti]->data || qtype_of(g->tensors[ti]) != IR_DTYPE_I16 ||
				    !g->tensors[ti]->quant || g->tensors[ti]->dtype == IR_DTYPE_I32)
					continue;
				if (r->m && march_supports_int16(r->m, n->op))
					continue;
				const struct ir_tensor *t = g->tensors[ti];
				char where[512], who[512], what[512];
				int w = ti < r->nt ? r->why16[ti] : 0;
				if (w > 0)
					snprintf(where, sizeof where, "%s:%d: ", r->th->path, w);
				else if (w == -1 && t->producer >= 0)
					snprintf(where, sizeof where, "node-info dtype=int16 of node \"%s\": ",
						 g->nodes[t->producer].name);
				else
					where[0] = 0;
				if (t->producer >= 0)
					snprintf(who, sizeof who, "written by node \"%s\", %s",
						 g->nodes[t->producer].name, ir_op_name(g->nodes[t->producer].op));
				else
					snprintf(who, sizeof who, "a model input");
				if (!r->m)
					snprintf(what, sizeof what, "the IR records no march (partition it with "
						 "ir-partition --march M, M with int16)");
				else if (!(r->m->dtypes & MARCH_DT_INT16))
					snprintf(what, sizeof what, "march %s computes int8 only; make it int8 "
						 "or partition for a march with int16 (bpu-l)", r->m->name);
				else
					snprintf(what, sizeof what, "march %s has no int16 for %s (node \"%s\" "
						 "%s it); make it int8", r->m->name, ir_op_name(n->op), n->name,
						 side ? "writes" : "reads");
				return ir_error("%stensor \"%s\" (%s) is int16, but %s", where, t->name, who,
						what);
			}
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
		if (n->qtype && strcmp(n->qtype, "int8") && strcmp(n->qtype, "int16"))
			return ir_error("node \"%s\" (%s) has qtype \"%s\"; ir-quant knows int8 and "
					"int16 (formats/node-info.md)", n->name, ir_op_name(n->op),
					n->qtype);
	}
	if (!placed)
		return ir_error("the graph is not partitioned; run ir-partition --march M first");
	/* a thresholds entry must name a tensor of this model */
	for (int i = 0; i < th->n; i++)
		if (ir_tensor_find(g, th->e[i].name) < 0)
			return ir_error("%s:%d: %s \"%s\" is not a tensor of this model", th->path,
					th->e[i].line, th->e[i].weight ? "weight" : "act", th->e[i].name);
	struct qrun r = {g, th, NULL, NULL, g->n_tensors};
	if (g->march_text) {
		r.m = march_parse(g->march_text, g->march_len,
				  g->march_name ? g->march_name : "<the IR's march>");
		if (!r.m)
			return -1;
	}
	r.why16 = xcalloc((size_t)g->n_tensors + 1, sizeof(int));
	int rc = -1;
	/* 1. activation parameters, in topological order (conversions that
	 * widen the input of a value-moving op are appended) */
	int nn = g->n_nodes;
	for (int i = 0; i < nn; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->place != IR_PLACE_BPU && n->op != IR_OP_QUANTIZE)
			continue;
		if (n->op == IR_OP_CONV || n->op == IR_OP_CONV_TRANSPOSE)
			if (ir_attr_int(n, "output_int32", 0))
				continue; /* set with the weights */
		if (n->op != IR_OP_QUANTIZE && shares_scale(n)) {
			if (moved_params(&r, i) < 0)
				goto out;
			continue;
		}
		for (int j = 0; j < n->n_out; j++)
			if (n->out[j] >= 0 && act_params(&r, n, n->out[j]) < 0)
				goto out;
	}
	if (check_int16(&r, nn) < 0)
		goto out;
	/* 2. each BPU node to its integer form */
	int n2 = g->n_nodes;
	for (int i = 0; i < n2; i++) {
		struct ir_node *n = &g->nodes[i];
		if (n->place != IR_PLACE_BPU || ir_op_is_quantized(n->op))
			continue;
		for (int j = 0; j < n->n_in; j++) {
			const struct ir_tensor *t = n->in[j] >= 0 ? g->tensors[n->in[j]] : NULL;
			if (t && !t->data && !t->quant) {
				ir_error("%sinput \"%s\" reaches the BPU without a Quantize (not an "
					 "ir-partition graph?)", ir_node_ctx(n), t->name);
				goto out;
			}
		}
		int nrc = 0;
		switch (n->op) {
		case IR_OP_CONV: case IR_OP_CONV_TRANSPOSE:
			nrc = quantize_conv(g, i, th);
			break;
		case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV:
			nrc = quantize_binary(g, i);
			break;
		case IR_OP_AVERAGE_POOL:
			n->op = IR_OP_QAVERAGE_POOL;
			break;
		case IR_OP_GLOBAL_AVERAGE_POOL:
			n->op = IR_OP_QGLOBAL_AVERAGE_POOL;
			break;
		case IR_OP_GLOBAL_MAX_POOL:
			global_max_to_max(g, i);
			break;
		case IR_OP_RESIZE:
			n->op = IR_OP_QRESIZE;
			break;
		case IR_OP_CONCAT:
			nrc = align_concat(g, i);
			break;
		default:
			if (lut_op(n->op))
				nrc = quantize_lut(g, i);
			else if (!shares_scale(n))
				nrc = ir_unsupported("%sis on the BPU, but ir-quant has no integer form "
						     "for %s yet; place it on the CPU (node-info: %s "
						     "run_on=cpu)", ir_node_ctx(n), ir_op_name(n->op),
						     n->name);
			break;
		}
		if (nrc < 0)
			goto out;
	}
	/* 3. the integer graph: order (QRequants were appended), unused float
	 * weights dropped, types re-derived and checked */
	if (ir_graph_toposort(g) < 0)
		goto out;
	ir_graph_compact(g);
	if (ir_graph_check(g) < 0 || ir_graph_infer(g) < 0)
		goto out;
	rc = 0;
out:
	free(r.why16);
	if (r.m)
		march_free(r.m);
	return rc;
}
