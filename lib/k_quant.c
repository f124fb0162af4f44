/*
 * k_quant.c: the integer ops of ir-quant (formats/ir.md "Integer ops"),
 * exactly as formats/numerics.md specifies them, with the primitives of
 * qmath.h. This is the reference the BPU simulator is checked against bit
 * for bit: the loops are written for clarity first.
 *
 * Scales and zero points come from the tensors' quant parameters; the
 * requantization multipliers from the node's mult/shift attributes.
 */
#include "ops.h"
#include "qmath.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A tensor's zero point (per-tensor; 0 when symmetric). */
static int32_t zp(const struct ir_tensor *t)
{
	return t && t->quant && t->quant->zero_point ? t->quant->zero_point[0] : 0;
}

static float scale(const struct ir_tensor *t, int i)
{
	if (!t || !t->quant || t->quant->n == 0)
		return 1.0f;
	return t->quant->scale[t->quant->n == 1 ? 0 : i];
}

/* Reads element i of an integer tensor (i8, i16 or i32). */
static inline int32_t get(const struct ir_tensor *t, const void *d, int64_t i)
{
	switch (t->dtype) {
	case IR_DTYPE_I8: return ((const int8_t *)d)[i];
	case IR_DTYPE_I16: return ((const int16_t *)d)[i];
	default: return ((const int32_t *)d)[i];
	}
}

static inline void put(const struct ir_tensor *t, void *d, int64_t i, int32_t v)
{
	switch (t->dtype) {
	case IR_DTYPE_I8: ((int8_t *)d)[i] = (int8_t)v; break;
	case IR_DTYPE_I16: ((int16_t *)d)[i] = (int16_t)v; break;
	default: ((int32_t *)d)[i] = v; break;
	}
}

static void type_range(enum ir_dtype t, int32_t *lo, int32_t *hi)
{
	if (t == IR_DTYPE_I8) {
		*lo = -128;
		*hi = 127;
	} else if (t == IR_DTYPE_I16) {
		*lo = -32768;
		*hi = 32767;
	} else {
		*lo = INT32_MIN;
		*hi = INT32_MAX;
	}
}

/* out_min/out_max, defaulting to the output type's range. */
static void out_range(const struct ir_node *n, const struct ir_tensor *y, int32_t *lo, int32_t *hi)
{
	type_range(y->dtype, lo, hi);
	*lo = (int32_t)ir_attr_int(n, "out_min", *lo);
	*hi = (int32_t)ir_attr_int(n, "out_max", *hi);
}

/* The (m, r) of channel c from the mult/shift attributes. */
static struct qmul qm(const struct ir_node *n, int c)
{
	struct ir_attr *m = ir_attr_find(n, "mult"), *r = ir_attr_find(n, "shift");
	struct qmul q = {1, 0};
	if (m && m->type == IR_ATTR_INTS && m->n)
		q.m = (int32_t)m->ints[m->n == 1 ? 0 : c];
	else if (m && m->type == IR_ATTR_INT)
		q.m = (int32_t)m->i;
	if (r && r->type == IR_ATTR_INTS && r->n)
		q.r = (int)r->ints[r->n == 1 ? 0 : c];
	else if (r && r->type == IR_ATTR_INT)
		q.r = (int)r->i;
	return q;
}

/* ---- QConv --------------------------------------------------------------- */

int k_qconv(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *wt = k->ti[1], *yt = k->to[0];
	const struct ir_tensor *bt = n->n_in > 2 ? k->ti[2] : NULL;
	if (xt->rank != 4)
		return ir_error("%sonly 2-D (rank 4) integer convolution is implemented",
				ir_node_ctx(n));
	int64_t nb = xt->dims[0], ci = xt->dims[1], ih = xt->dims[2], iw = xt->dims[3];
	int64_t m = yt->dims[1], oh = yt->dims[2], ow = yt->dims[3];
	int64_t ks[2] = {1, 1}, st[2] = {1, 1}, dl[2] = {1, 1}, pd[4] = {0, 0, 0, 0};
	ir_attr_ints(n, "kernel_shape", ks, 2);
	ir_attr_ints(n, "strides", st, 2);
	ir_attr_ints(n, "dilations", dl, 2);
	ir_attr_ints(n, "pads", pd, 4);
	int64_t group = ir_attr_int(n, "group", 1), cg = ci / group, mg = m / group;
	int int32_out = ir_attr_int(n, "output_int32", 0) != 0;
	int32_t zx = zp(xt), zy = zp(yt), lo, hi;
	out_range(n, yt, &lo, &hi);
	const void *x = k->in[0], *w = k->in[1], *b = bt ? k->in[2] : NULL;
	for (int64_t bi = 0; bi < nb; bi++)
		for (int64_t o = 0; o < m; o++) {
			int64_t gi = o / mg;
			struct qmul q = qm(n, (int)o);
			for (int64_t oy = 0; oy < oh; oy++)
				for (int64_t ox = 0; ox < ow; ox++) {
					int64_t acc = b ? get(bt, b, o) : 0;
					for (int64_t c = 0; c < cg; c++)
						for (int64_t ky = 0; ky < ks[0]; ky++) {
							int64_t iy = oy * st[0] + ky * dl[0] - pd[0];
							if (iy < 0 || iy >= ih)
								continue; /* padding: x = z_x */
							for (int64_t kx = 0; kx < ks[1]; kx++) {
								int64_t ix = ox * st[1] + kx * dl[1] - pd[1];
								if (ix < 0 || ix >= iw)
									continue;
								int32_t xv = get(xt, x, ((bi * ci + gi * cg + c) * ih + iy) * iw + ix);
								int32_t wv = get(wt, w, ((o * cg + c) * ks[0] + ky) * ks[1] + kx);
								acc += (int64_t)(xv - zx) * wv;
							}
						}
					int64_t idx = ((bi * m + o) * oh + oy) * ow + ox;
					/* int32 accumulation (numerics.md: no overflow within
					 * the march's limits) */
					int32_t a32 = (int32_t)acc;
					if (int32_out)
						put(yt, k->out[0], idx, a32);
					else
						put(yt, k->out[0], idx, q_sat(q_requant(a32, q) + zy, lo, hi));
				}
		}
	return 0;
}

/* QConvTranspose: the scatter form, accumulating in int64 per output. */
int k_qconv_transpose(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *wt = k->ti[1], *yt = k->to[0];
	const struct ir_tensor *bt = n->n_in > 2 ? k->ti[2] : NULL;
	if (xt->rank != 4)
		return ir_error("%sonly 2-D (rank 4) integer transposed convolution is implemented",
				ir_node_ctx(n));
	int64_t nb = xt->dims[0], ci = xt->dims[1], ih = xt->dims[2], iw = xt->dims[3];
	int64_t m = yt->dims[1], oh = yt->dims[2], ow = yt->dims[3];
	int64_t ks[2] = {wt->dims[2], wt->dims[3]}, st[2] = {1, 1}, dl[2] = {1, 1};
	int64_t pd[4] = {0, 0, 0, 0};
	ir_attr_ints(n, "strides", st, 2);
	ir_attr_ints(n, "dilations", dl, 2);
	ir_attr_ints(n, "pads", pd, 4);
	int64_t group = ir_attr_int(n, "group", 1), cg = ci / group, mg = m / group;
	int int32_out = ir_attr_int(n, "output_int32", 0) != 0;
	int32_t zx = zp(xt), zy = zp(yt), lo, hi;
	out_range(n, yt, &lo, &hi);
	int64_t ny = nb * m * oh * ow;
	int64_t *acc = xcalloc((size_t)ny + 1, sizeof(int64_t));
	const void *x = k->in[0], *w = k->in[1];
	for (int64_t bi = 0; bi < nb; bi++)
		for (int64_t c = 0; c < ci; c++) {
			int64_t gi = c / cg;
			for (int64_t iy = 0; iy < ih; iy++)
				for (int64_t ix = 0; ix < iw; ix++) {
					int32_t xv = get(xt, x, ((bi * ci + c) * ih + iy) * iw + ix) - zx;
					if (!xv)
						continue;
					for (int64_t mo = 0; mo < mg; mo++)
						for (int64_t ky = 0; ky < ks[0]; ky++) {
							int64_t oy = iy * st[0] + ky * dl[0] - pd[0];
							if (oy < 0 || oy >= oh)
								continue;
							for (int64_t kx = 0; kx < ks[1]; kx++) {
								int64_t ox = ix * st[1] + kx * dl[1] - pd[1];
								if (ox < 0 || ox >= ow)
									continue;
								int32_t wv = get(wt, w, ((c * mg + mo) * ks[0] + ky) * ks[1] + kx);
								acc[((bi * m + gi * mg + mo) * oh + oy) * ow + ox] +=
									(int64_t)xv * wv;
							}
						}
				}
		}
	for (int64_t i = 0; i < ny; i++) {
		int64_t o = i / (oh * ow) % m;
		int32_t a32 = (int32_t)(acc[i] + (bt ? get(bt, k->in[2], o) : 0));
		if (int32_out)
			put(yt, k->out[0], i, a32);
		else
			put(yt, k->out[0], i, q_sat(q_requant(a32, qm(n, (int)o)) + zy, lo, hi));
	}
	free(acc);
	return 0;
}

/* ---- elementwise ------------------------------------------------------------ */

/* The offset of output element i in an operand broadcast to the output. */
static int64_t bcast_index(const struct ir_tensor *y, const struct ir_tensor *a, int64_t i)
{
	int64_t off = 0, stride = 1;
	for (int d = y->rank - 1, da = a->rank - 1; d >= 0; d--, da--) {
		int64_t idx = i % y->dims[d];
		i /= y->dims[d];
		if (da >= 0) {
			if (a->dims[da] != 1)
				off += idx * stride;
			stride *= a->dims[da];
		}
	}
	return off;
}

int k_qadd(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *at = k->ti[0], *bt = k->ti[1], *yt = k->to[0];
	int32_t za = zp(at), zb = zp(bt), zy = zp(yt), lo, hi;
	out_range(n, yt, &lo, &hi);
	int64_t ma = ir_attr_int(n, "mult_a", 1), mb = ir_attr_int(n, "mult_b", 1);
	int r = (int)ir_attr_int(n, "shift", 0);
	if (n->op == IR_OP_QSUB)
		mb = -mb;
	int64_t ny = ir_tensor_numel(yt);
	int same = ir_tensor_numel(at) == ny && ir_tensor_numel(bt) == ny;
	for (int64_t i = 0; i < ny; i++) {
		int64_t ia = same ? i : bcast_index(yt, at, i), ib = same ? i : bcast_index(yt, bt, i);
		int64_t t = (int64_t)(get(at, k->in[0], ia) - za) * ma +
			    (int64_t)(get(bt, k->in[1], ib) - zb) * mb;
		int64_t v = r ? (t + ((int64_t)1 << (r - 1))) >> r : t;
		put(yt, k->out[0], i, q_sat(v + zy, lo, hi));
	}
	return 0;
}

int k_qmul(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *at = k->ti[0], *bt = k->ti[1], *yt = k->to[0];
	int32_t za = zp(at), zb = zp(bt), zy = zp(yt), lo, hi;
	out_range(n, yt, &lo, &hi);
	struct qmul q = qm(n, 0);
	int64_t ny = ir_tensor_numel(yt);
	int same = ir_tensor_numel(at) == ny && ir_tensor_numel(bt) == ny;
	for (int64_t i = 0; i < ny; i++) {
		int64_t ia = same ? i : bcast_index(yt, at, i), ib = same ? i : bcast_index(yt, bt, i);
		int64_t p = (int64_t)(get(at, k->in[0], ia) - za) * (get(bt, k->in[1], ib) - zb);
		put(yt, k->out[0], i, q_sat(q_requant(p, q) + zy, lo, hi));
	}
	return 0;
}

int k_qlut(const struct ir_kctx *k)
{
	const int8_t *x = k->in[0], *t = k->in[1];
	int8_t *y = k->out[0];
	int64_t n = ir_tensor_numel(k->ti[0]);
	for (int64_t i = 0; i < n; i++)
		y[i] = t[x[i] + 128];
	return 0;
}

int k_qrequant(const struct ir_kctx *k)
{
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	int32_t zx = zp(xt), zy = zp(yt), lo, hi;
	out_range(k->n, yt, &lo, &hi);
	struct qmul q = qm(k->n, 0);
	int64_t n = ir_tensor_numel(xt);
	for (int64_t i = 0; i < n; i++)
		put(yt, k->out[0], i,
		    q_sat(q_requant(get(xt, k->in[0], i) - zx, q) + zy, lo, hi));
	return 0;
}

/* ---- pooling ---------------------------------------------------------------- */

int k_qpool(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	int sp = xt->rank - 2;
	int64_t ks[IR_MAX_RANK], st[IR_MAX_RANK], pd[2 * IR_MAX_RANK];
	int global = n->op == IR_OP_QGLOBAL_AVERAGE_POOL;
	for (int i = 0; i < sp; i++) {
		ks[i] = global ? xt->dims[2 + i] : 1;
		st[i] = 1;
		pd[i] = pd[i + sp] = 0;
	}
	if (!global) {
		ir_attr_ints(n, "kernel_shape", ks, sp);
		ir_attr_ints(n, "strides", st, sp);
		ir_attr_ints(n, "pads", pd, 2 * sp);
	}
	int cip = (int)ir_attr_int(n, "count_include_pad", 0);
	int32_t zx = zp(xt), zy = zp(yt), lo, hi;
	type_range(yt->dtype, &lo, &hi);
	double ratio = (double)scale(xt, 0) / (double)scale(yt, 0);
	int64_t planes = xt->dims[0] * xt->dims[1];
	int64_t isz = ir_shape_numel(sp, xt->dims + 2), osz = ir_shape_numel(sp, yt->dims + 2);
	/* multipliers by count, derived as numerics.md says, cached */
	int64_t maxc = ir_shape_numel(sp, ks);
	struct qmul *byc = xcalloc((size_t)maxc + 1, sizeof *byc);
	char *have = xcalloc((size_t)maxc + 1, 1);
	for (int64_t p = 0; p < planes; p++)
		for (int64_t o = 0; o < osz; o++) {
			int64_t oc[IR_MAX_RANK], r = o;
			for (int d = sp - 1; d >= 0; d--) {
				oc[d] = r % yt->dims[2 + d];
				r /= yt->dims[2 + d];
			}
			int64_t sum = 0, cnt = 0, padded = 1;
			for (int d = 0; d < sp; d++) {
				int64_t b0 = oc[d] * st[d] - pd[d];
				int64_t e0 = b0 + ks[d];
				int64_t pe = xt->dims[2 + d] + pd[d + sp];
				/* cells inside the padded input, and inside the input */
				int64_t pb = b0 < -pd[d] ? -pd[d] : b0, pe2 = e0 > pe ? pe : e0;
				padded *= pe2 - pb;
			}
			for (int64_t w = 0; w < maxc; w++) {
				int64_t rem = w, idx = 0, ok = 1;
				int64_t coords[IR_MAX_RANK];
				for (int d = sp - 1; d >= 0; d--) {
					coords[d] = rem % ks[d];
					rem /= ks[d];
				}
				for (int d = 0; d < sp && ok; d++) {
					int64_t ic = oc[d] * st[d] - pd[d] + coords[d];
					if (ic < 0 || ic >= xt->dims[2 + d])
						ok = 0;
					idx = idx * xt->dims[2 + d] + ic;
				}
				if (!ok)
					continue;
				sum += get(xt, k->in[0], p * isz + idx) - zx;
				cnt++;
			}
			int64_t count = cip ? padded : cnt;
			if (count <= 0)
				count = 1;
			if (count > maxc)
				count = maxc;
			if (!have[count]) {
				if (q_multiplier(ratio / (double)count, &byc[count]) < 0) {
					free(byc);
					free(have);
					return ir_error("%s%s", ir_node_ctx(n), ir_errmsg);
				}
				have[count] = 1;
			}
			put(yt, k->out[0], p * osz + o, q_sat(q_requant(sum, byc[count]) + zy, lo, hi));
		}
	free(byc);
	free(have);
	return 0;
}

/* ---- Resize --------------------------------------------------------------- */

/* The source coordinate of output index o along a dim (the float op's rule,
 * in f64; formats/ir.md Resize). */
static double src_coord(const char *ctm, int64_t o, int64_t in, int64_t out, double scale)
{
	if (!strcmp(ctm, "asymmetric"))
		return o / scale;
	if (!strcmp(ctm, "align_corners"))
		return out > 1 ? (double)o * (in - 1) / (out - 1) : 0;
	if (!strcmp(ctm, "pytorch_half_pixel"))
		return out > 1 ? (o + 0.5) / scale - 0.5 : 0;
	if (!strcmp(ctm, "tf_half_pixel_for_nn"))
		return (o + 0.5) / scale;
	return (o + 0.5) / scale - 0.5; /* half_pixel */
}

int k_qresize(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	const char *mode = ir_attr_string(n, "mode", "nearest");
	const char *ctm = ir_attr_string(n, "coordinate_transformation_mode", "half_pixel");
	const char *nm = ir_attr_string(n, "nearest_mode", "round_prefer_floor");
	float sc[IR_MAX_RANK];
	struct ir_attr *sa = ir_attr_find(n, "scales");
	for (int d = 0; d < xt->rank; d++)
		sc[d] = sa ? sa->floats[d] : 1.0f;
	if (!strcmp(ctm, "tf_crop_and_resize") || !strcmp(mode, "cubic"))
		return ir_error("%sinteger Resize supports nearest and linear without "
				"tf_crop_and_resize", ir_node_ctx(n));
	int32_t zx = zp(xt), zy = zp(yt), lo, hi;
	type_range(yt->dtype, &lo, &hi);
	int linear = !strcmp(mode, "linear");
	int dims = 0;
	for (int d = 0; d < xt->rank; d++)
		dims += xt->dims[d] != yt->dims[d];
	struct qmul q = {1, 0};
	if (linear &&
	    q_multiplier((double)scale(xt, 0) / ((double)scale(yt, 0) * ldexp(1.0, 12 * dims)), &q) < 0)
		return ir_error("%s%s", ir_node_ctx(n), ir_errmsg);
	int64_t ny = ir_tensor_numel(yt);
	for (int64_t i = 0; i < ny; i++) {
		int64_t oc[IR_MAX_RANK], r = i;
		for (int d = yt->rank - 1; d >= 0; d--) {
			oc[d] = r % yt->dims[d];
			r /= yt->dims[d];
		}
		int64_t i0[IR_MAX_RANK], i1[IR_MAX_RANK];
		int64_t w1[IR_MAX_RANK];
		for (int d = 0; d < xt->rank; d++) {
			int64_t in = xt->dims[d];
			if (in == yt->dims[d] && sc[d] == 1.0f) {
				i0[d] = i1[d] = oc[d];
				w1[d] = -1; /* not resized */
				continue;
			}
			double s = src_coord(ctm, oc[d], in, yt->dims[d], sc[d]);
			if (!linear) {
				double f = floor(s);
				int64_t idx;
				if (!strcmp(nm, "floor"))
					idx = (int64_t)f;
				else if (!strcmp(nm, "ceil"))
					idx = (int64_t)ceil(s);
				else if (!strcmp(nm, "round_prefer_ceil"))
					idx = (int64_t)floor(s + 0.5);
				else
					idx = s - f == 0.5 ? (int64_t)f : (int64_t)floor(s + 0.5);
				i0[d] = idx < 0 ? 0 : idx >= in ? in - 1 : idx;
				w1[d] = -1;
				continue;
			}
			if (s < 0)
				s = 0;
			int64_t a = (int64_t)floor(s);
			if (a >= in - 1) {
				i0[d] = i1[d] = in - 1;
				w1[d] = 0;
			} else {
				i0[d] = a;
				i1[d] = a + 1;
				w1[d] = (int64_t)nearbyint((s - a) * 4096.0);
			}
		}
		if (!linear) {
			int64_t idx = 0;
			for (int d = 0; d < xt->rank; d++)
				idx = idx * xt->dims[d] + i0[d];
			put(yt, k->out[0], i, get(xt, k->in[0], idx));
			continue;
		}
		/* sum over the corners of the resized dims */
		int64_t sum = 0;
		for (int corner = 0; corner < (1 << xt->rank); corner++) {
			int64_t idx = 0, wprod = 1, skip = 0;
			for (int d = 0; d < xt->rank && !skip; d++) {
				int bit = corner >> d & 1;
				if (w1[d] < 0) { /* a dim not resized: only corner bit 0 */
					if (bit)
						skip = 1;
					idx = idx * xt->dims[d] + i0[d];
					continue;
				}
				wprod *= bit ? w1[d] : 4096 - w1[d];
				idx = idx * xt->dims[d] + (bit ? i1[d] : i0[d]);
			}
			if (skip || !wprod)
				continue;
			sum += wprod * (get(xt, k->in[0], idx) - zx);
		}
		put(yt, k->out[0], i, q_sat(q_requant(sum, q) + zy, lo, hi));
	}
	return 0;
}
