/*
 * k_quant.c: the integer ops of ir-quant (formats/ir.md "Integer ops"),
 * exactly as formats/numerics.md specifies them, with the primitives of
 * qmath.h.
 *
 * Two implementations of every op:
 *   - the references, k_q*_ref: the loops written for clarity first, one
 *     output at a time. They are the definition the BPU simulator is checked
 *     against bit for bit, and the fast kernels too (tests/unit/
 *     test_qkernels.c compares them on random data);
 *   - the fast kernels the operator table runs, k_q*: QConv and
 *     QConvTranspose in k_qconv.c, the elementwise ops, pooling and Resize
 *     below. They give the same bits as the references: integer sums in
 *     any order are the same integers, and every rounding is the
 *     reference's, applied to the same values.
 *
 * BPU_QREF=1 (any value but empty or "0") in the environment makes every
 * fast kernel call its reference instead, for comparing whole models
 * (ir-run with and without it, then cmp the outputs). It is read once, at
 * the first integer op.
 *
 * Scales and zero points come from the tensors' quant parameters; the
 * requantization multipliers from the node's mult/shift attributes.
 */
#include "k_quant.h"
#include "ops.h"
#include "parallel.h"
#include "qmath.h"
#include "util.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>


/* BPU_QREF: see the top of the file. */
int kq_use_ref(void)
{
	static atomic_int v = -1;
	int r = atomic_load(&v);
	if (r < 0) {
		const char *e = getenv("BPU_QREF");
		r = e && *e && strcmp(e, "0") != 0;
		atomic_store(&v, r);
	}
	return r;
}

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

int32_t kq_zero_point(const struct ir_tensor *t)
{
	return zp(t);
}

void kq_out_range(const struct ir_node *n, const struct ir_tensor *y, int32_t *lo, int32_t *hi)
{
	out_range(n, y, lo, hi);
}

/* ==== the references ========================================================== */

/* Does a convolution accumulate in int64 (numerics.md "Convolution": an
 * int16 input, or int16 weights), rather than int32? */
static int acc_wide(const struct ir_tensor *x, const struct ir_tensor *w)
{
	return x->dtype != IR_DTYPE_I8 || w->dtype != IR_DTYPE_I8;
}

/* A convolution's output from its exact accumulator: int8 inputs keep the
 * low 32 bits (int32 accumulation); int16 ones the int64 sum, saturated to
 * int32 when handed to the CPU and requantized with the exact product. */
static int32_t conv_out(int64_t acc, int wide, int int32_out, struct qmul q, int32_t zy,
			int32_t lo, int32_t hi)
{
	if (!wide) {
		int32_t a32 = (int32_t)acc;
		return int32_out ? a32 : q_sat(q_requant(a32, q) + zy, lo, hi);
	}
	if (int32_out)
		return q_sat(acc, INT32_MIN, INT32_MAX);
	return q_requant_out(acc, q, zy, lo, hi);
}

/* ---- QConv --------------------------------------------------------------- */

int k_qconv_ref(const struct ir_kctx *k)
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
	int wide = acc_wide(xt, wt);
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
					put(yt, k->out[0], idx, conv_out(acc, wide, int32_out, q, zy, lo, hi));
				}
		}
	return 0;
}

/* QConvTranspose: the scatter form, accumulating in int64 per output. */
int k_qconv_transpose_ref(const struct ir_kctx *k)
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
	int wide = acc_wide(xt, wt);
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
		int64_t a = acc[i] + (bt ? get(bt, k->in[2], o) : 0);
		put(yt, k->out[0], i, conv_out(a, wide, int32_out, qm(n, (int)o), zy, lo, hi));
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

int k_qadd_ref(const struct ir_kctx *k)
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

int k_qmul_ref(const struct ir_kctx *k)
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
		put(yt, k->out[0], i, q_requant_out(p, q, zy, lo, hi));
	}
	return 0;
}

/* An int8 input indexes its 256 entries; an int16 one interpolates between
 * its 1025 knots (q_lut16). The entries have the output's type. */
int k_qlut_ref(const struct ir_kctx *k)
{
	const struct ir_tensor *xt = k->ti[0], *tt = k->ti[1], *yt = k->to[0];
	int64_t nt = ir_tensor_numel(tt);
	int32_t *t = xmalloc(sizeof(int32_t) * (size_t)(nt + 1));
	for (int64_t i = 0; i < nt; i++)
		t[i] = get(tt, k->in[1], i);
	int64_t n = ir_tensor_numel(xt);
	for (int64_t i = 0; i < n; i++) {
		int32_t x = get(xt, k->in[0], i);
		put(yt, k->out[0], i, xt->dtype == IR_DTYPE_I8 ? t[x + 128] : q_lut16(t, x));
	}
	free(t);
	return 0;
}

int k_qrequant_ref(const struct ir_kctx *k)
{
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	int32_t zx = zp(xt), zy = zp(yt), lo, hi;
	out_range(k->n, yt, &lo, &hi);
	struct qmul q = qm(k->n, 0);
	int64_t n = ir_tensor_numel(xt);
	for (int64_t i = 0; i < n; i++)
		put(yt, k->out[0], i,
		    q_requant_out(get(xt, k->in[0], i) - zx, q, zy, lo, hi));
	return 0;
}

/* ---- pooling ---------------------------------------------------------------- */

int k_qpool_ref(const struct ir_kctx *k)
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
			put(yt, k->out[0], p * osz + o, q_requant_out(sum, byc[count], zy, lo, hi));
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

int k_qresize_ref(const struct ir_kctx *k)
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
		put(yt, k->out[0], i, q_requant_out(sum, q, zy, lo, hi));
	}
	return 0;
}

/* ==== the fast kernels ============================================================= */

#define IVDEP _Pragma("GCC ivdep")

/* q_sat for lo <= hi (the fast kernels check it), as max then min so that
 * gcc vectorizes it with vpmaxsq/vpminsq. */
static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	v = v > lo ? v : lo;
	return v < hi ? v : hi;
}

/* Elementwise work units: fixed runs of output elements (parallel.h). */
#define EW_UNIT 32768

/* ---- QAdd, QSub, QMul -------------------------------------------------------- */

/*
 * The output is walked as blocks of L consecutive elements over which each
 * operand is either contiguous (the same shape as the output's trailing
 * dims) or one value (broadcast): a same-shape operand is one block, a
 * per-channel [N,C,1,1] one gives blocks of H*W with one value each, a
 * scalar one block with one value. Blocks follow each other through an
 * odometer over the outer dims. The row loops are the reference's
 * arithmetic on int8 values (zero points in int8, so |q - z| <= 255), in
 * int32 lanes through the exact decompositions below when the shift allows,
 * else in int64 (QAdd's t < 2^40, QMul's product of two differences in
 * int32, requantized in int64), all of which gcc vectorizes. Rows with an
 * int16 operand or output take ew_row_wide, in int64 lanes.
 */
struct ew {
	const struct ir_tensor *at, *bt, *yt;
	const char *a, *b;        /* bytes: element size ea, eb, ey */
	char *y;
	int ea, eb, ey;
	int wide;                 /* an int16 operand or output: ew_row_wide */
	int64_t ny, blk;          /* elements; block length */
	int afull, bfull;         /* operand contiguous over a block (else one value) */
	int nd;                   /* output dims before the block's */
	int64_t dims[IR_MAX_RANK], sa[IR_MAX_RANK], sb[IR_MAX_RANK]; /* their sizes, strides */
	int32_t za, zb, zy, lo, hi;
	int64_t ma, mb;           /* QAdd */
	struct qmul q;            /* QMul */
	int r;
	int mul;
	int mul32;                /* wide QMul: |(a - za)(b - zb)| < 2^31 for any operands */
};

/* The operand's element stride for output dim d (0 where it broadcasts). */
static int64_t ew_stride(const struct ir_tensor *y, const struct ir_tensor *a, int d)
{
	int da = d - (y->rank - a->rank);
	if (da < 0 || a->dims[da] == 1)
		return 0;
	int64_t st = 1;
	for (int i = da + 1; i < a->rank; i++)
		st *= a->dims[i];
	return st;
}

/* The block length (e->blk), whether each operand is contiguous over a
 * block, and the outer dims the blocks are walked by. */
static void ew_blocks(struct ew *e)
{
	const struct ir_tensor *y = e->yt, *a = e->at, *b = e->bt;
	int64_t len = 1;
	int sa = -1, sb = -1; /* -1 unknown, 1 contiguous, 0 one value */
	int d = y->rank - 1;
	for (; d >= 0; d--) {
		int64_t n = y->dims[d];
		if (n == 1)
			continue;
		int da = d - (y->rank - a->rank), db = d - (y->rank - b->rank);
		int ka = da >= 0 && a->dims[da] != 1, kb = db >= 0 && b->dims[db] != 1;
		if ((sa >= 0 && sa != ka) || (sb >= 0 && sb != kb))
			break;
		sa = ka, sb = kb;
		len *= n;
	}
	e->afull = sa == 1;
	e->bfull = sb == 1;
	e->blk = len;
	e->nd = d + 1;
	for (int i = 0; i <= d; i++) {
		e->dims[i] = y->dims[i];
		e->sa[i] = ew_stride(y, a, i);
		e->sb[i] = ew_stride(y, b, i);
	}
}

/* The reference's arithmetic on one pair of int8 values: QAdd's t in int64,
 * QMul's product in int32, the requantization in int64. Everything by
 * value, so that gcc keeps it in registers and vectorizes. */
static inline int8_t add_one(int32_t a, int32_t b, int32_t za, int32_t zb, int32_t ma, int32_t mb,
			     int64_t rnd, int r, int64_t zy, int64_t lo, int64_t hi)
{
	int64_t t = (int64_t)(a - za) * ma + (int64_t)(b - zb) * mb;
	return (int8_t)clamp64(((t + rnd) >> r) + zy, lo, hi);
}

static inline int8_t mul_one(int32_t a, int32_t b, int32_t za, int32_t zb, int32_t m, int64_t rnd,
			     int r, int64_t zy, int64_t lo, int64_t hi)
{
	int32_t p = (a - za) * (b - zb);
	return (int8_t)clamp64((((int64_t)p * m + rnd) >> r) + zy, lo, hi);
}

/* QAdd in int32 lanes, exactly: with m = mh * 2^15 + ml (0 <= ml < 2^15),
 * t = (a - za) ma + (b - zb) mb = H 2^15 + L where H and L sum products of a
 * 9-bit difference and a 15/16-bit part (|H|, |L| < 2^24). Writing L = Lh
 * 2^15 + Ll (0 <= Ll < 2^15), for 16 <= r <= 40
 *     (t + 2^(r-1)) >> r = (H + Lh + 2^(r-16)) >> (r - 15)
 * (the low 15 bits Ll cannot carry into bit 15), every term below 2^26. */
static inline int8_t add32_one(int32_t a, int32_t b, int32_t za, int32_t zb, int32_t mah,
			       int32_t mal, int32_t mbh, int32_t mbl, int32_t c, int sh, int32_t lo2,
			       int32_t hi2, int32_t zy)
{
	int32_t da = a - za, db = b - zb;
	int32_t h = da * mah + db * mbh, l = da * mal + db * mbl;
	int32_t v = (h + (l >> 15) + c) >> sh;
	v = v > lo2 ? v : lo2;
	v = v < hi2 ? v : hi2;
	return (int8_t)(v + zy);
}

/* QMul in int32 lanes, exactly: p = (a - za)(b - zb) has |p| < 2^16; with
 * m = m2 2^20 + m1 2^10 + m0 (0 <= m < 2^31, m0, m1 < 2^10), carrying
 * t1 = p m1 + (p m0 >> 10) and t2 = p m2 + (t1 >> 10) gives p m = t2 2^20 +
 * (bits below 2^20), so for 21 <= r <= 46
 *     (p m + 2^(r-1)) >> r = (t2 + 2^(r-21)) >> (r - 20),
 * every term below 2^28. */
static inline int8_t mul32_one(int32_t a, int32_t b, int32_t za, int32_t zb, int32_t m0,
			       int32_t m1, int32_t m2, int32_t c, int sh, int32_t lo2, int32_t hi2,
			       int32_t zy)
{
	int32_t p = (a - za) * (b - zb);
	int32_t t1 = p * m1 + ((p * m0) >> 10), t2 = p * m2 + (t1 >> 10);
	int32_t v = (t2 + c) >> sh;
	v = v > lo2 ? v : lo2;
	v = v < hi2 ? v : hi2;
	return (int8_t)(v + zy);
}

#define ADD_ONE(av, bv) add_one(av, bv, za, zb, ma, mb, rnd, r, zy, lo, hi)
#define MUL32_ONE(av, bv) mul32_one(av, bv, za, zb, m0, m1, m2, c32, sh, lo2, hi2, zy2)
#define ADD32_ONE(av, bv) add32_one(av, bv, za, zb, mah, mal, mbh, mbl, c32, sh, lo2, hi2, zy2)
#define MUL_ONE(av, bv) mul_one(av, bv, za, zb, m, rnd, r, zy, lo, hi)

/* Widens n int8 or int16 values into int32 (one value repeated n times
 * when !full, so that the row loops read every operand contiguously). */
static void widen(const char *src, int es, int full, int32_t *restrict d, int64_t n)
{
	if (!full) {
		int32_t v = es == 1 ? *(const int8_t *)src : *(const int16_t *)src;
		for (int64_t i = 0; i < n; i++)
			d[i] = v;
		return;
	}
	if (es == 1) {
		const int8_t *restrict s8 = (const int8_t *)src;
		IVDEP for (int64_t i = 0; i < n; i++)
			d[i] = s8[i];
	} else {
		const int16_t *restrict s16 = (const int16_t *)src;
		IVDEP for (int64_t i = 0; i < n; i++)
			d[i] = s16[i];
	}
}

/* Stores n int32 values (already within the type's range) as int8 or int16. */
static void narrow(const int32_t *restrict v, char *dst, int es, int64_t n)
{
	if (es == 1) {
		int8_t *restrict d8 = (int8_t *)dst;
		IVDEP for (int64_t i = 0; i < n; i++)
			d8[i] = (int8_t)v[i];
	} else {
		int16_t *restrict d16 = (int16_t *)dst;
		IVDEP for (int64_t i = 0; i < n; i++)
			d16[i] = (int16_t)v[i];
	}
}

/* The wide rows' arithmetic on one pair of values (see ew_row_wide), by
 * value so that gcc vectorizes it in int64 lanes. */
static inline int32_t addw_one(int32_t a, int32_t b, int32_t za, int32_t zb, int32_t ma,
			       int32_t mb, int64_t rnd, int r, int64_t zy, int64_t lo, int64_t hi)
{
	int64_t t = (int64_t)(a - za) * ma + (int64_t)(b - zb) * mb;
	return (int32_t)clamp64(((t + rnd) >> r) + zy, lo, hi);
}

static inline int32_t mulw_one(int32_t a, int32_t b, int32_t za, int32_t zb, int32_t m,
			       int64_t rnd, int r, int64_t zy, int64_t lo, int64_t hi)
{
	int32_t p = (a - za) * (b - zb);
	return (int32_t)clamp64((((int64_t)p * m + rnd) >> r) + zy, lo, hi);
}

#define ADDW_ONE(av, bv) addw_one(av, bv, za, zb, ma, mb, rnd, r, zy, lo, hi)
#define MULW_ONE(av, bv) mulw_one(av, bv, za, zb, m, rnd, r, zy, lo, hi)
/* Y[0..n) = (T)ONE(A[i], B[i]), A and B each contiguous (fa, fb) or one
 * value; the rows of every type and arithmetic below share it */
#define EW_ROW(Y, A, B, T, ONE)                                                            \
	do {                                                                               \
		if (fa && fb) {                                                            \
			IVDEP for (int64_t i = 0; i < n; i++) (Y)[i] = (T)ONE((A)[i], (B)[i]); \
		} else if (fa) {                                                           \
			const int32_t b0_ = (B)[0];                                        \
			IVDEP for (int64_t i = 0; i < n; i++) (Y)[i] = (T)ONE((A)[i], b0_); \
		} else if (fb) {                                                           \
			const int32_t a0_ = (A)[0];                                        \
			IVDEP for (int64_t i = 0; i < n; i++) (Y)[i] = (T)ONE(a0_, (B)[i]); \
		} else {                                                                   \
			const T v_ = (T)ONE((A)[0], (B)[0]);                               \
			for (int64_t i = 0; i < n; i++) (Y)[i] = v_;                        \
		}                                                                          \
	} while (0)

/* Any mix of int8 and int16 operands and output, the reference's
 * arithmetic in int64. QAdd's terms are int32 differences (|a - za| <
 * 2^17) times int32 multipliers, exact int64 products (|t| < 2^49). QMul's
 * product p = (a - za)(b - zb): when the operands' ranges keep |p| below
 * 2^31 (e->mul32: int16 by int16 with zero points 0 gives 2^30), p is exact
 * in int32 and q_requant_wide is q_requant, the int64 product p m (|p m| <
 * 2^62) rounded and shifted; v + zy clamped to [lo, hi] is q_requant_out's
 * q_sat (its clamp at 2^62 cannot act). Otherwise q_requant_wide itself,
 * one value at a time. All-int16 rows read and write the tensors directly;
 * any other mix goes through int32 copies of the operands (widen, narrow). */
static void ew_row_wide(const struct ew *e, const char *a, int fa, const char *b, int fb, char *y,
			int64_t n)
{
	if (e->ea == 2 && e->eb == 2 && e->ey == 2 && (!e->mul || e->mul32)) {
		/* all int16 (the int16 models' case): the same arithmetic straight
		 * from the operands, without the int32 copies */
		const int16_t *restrict a16 = (const int16_t *)a, *restrict b16 = (const int16_t *)b;
		int16_t *restrict y16 = (int16_t *)y;
		const int32_t za = e->za, zb = e->zb;
		const int64_t zy = e->zy, lo = e->lo, hi = e->hi;
		if (e->mul) {
			const int32_t m = e->q.m;
			const int r = e->q.r;
			const int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
			EW_ROW(y16, a16, b16, int16_t, MULW_ONE);
		} else {
			const int32_t ma = (int32_t)e->ma, mb = (int32_t)e->mb;
			const int r = e->r;
			const int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
			EW_ROW(y16, a16, b16, int16_t, ADDW_ONE);
		}
		return;
	}
	int32_t *buf = ir_scratch(sizeof(int32_t) * 3 * (size_t)(n + 1));
	int32_t *restrict av = buf, *restrict bv = buf + n + 1, *restrict yv = bv + n + 1;
	widen(a, e->ea, fa, av, n);
	widen(b, e->eb, fb, bv, n);
	const int32_t za = e->za, zb = e->zb;
	const int64_t zy = e->zy, lo = e->lo, hi = e->hi;
	if (e->mul && e->mul32) {
		const int32_t m = e->q.m;
		const int r = e->q.r;
		const int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
		IVDEP for (int64_t i = 0; i < n; i++)
			yv[i] = MULW_ONE(av[i], bv[i]);
	} else if (e->mul) {
		for (int64_t i = 0; i < n; i++) {
			int64_t p = (int64_t)(av[i] - za) * (bv[i] - zb);
			yv[i] = (int32_t)clamp64(
				clamp64(q_requant_wide(p, e->q), -((int64_t)1 << 40), (int64_t)1 << 40) + zy,
				lo, hi);
		}
	} else {
		const int32_t ma = (int32_t)e->ma, mb = (int32_t)e->mb;
		const int r = e->r;
		const int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
		IVDEP for (int64_t i = 0; i < n; i++)
			yv[i] = ADDW_ONE(av[i], bv[i]);
	}
	narrow(yv, y, e->ey, n);
}

/* y[0..n) from a and b, each contiguous (fa) or one value. */
static void ew_row(const struct ew *e, const int8_t *restrict a, int fa, const int8_t *restrict b,
		   int fb, int8_t *restrict y, int64_t n)
{
	const int32_t za = e->za, zb = e->zb;
	const int64_t zy = e->zy, lo = e->lo, hi = e->hi;
	if (e->mul) {
		const int32_t m = e->q.m;
		const int r = e->q.r;
		const int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
		if (r >= 21 && r <= 46 && m >= 0) {
			const int32_t m0 = m & 1023, m1 = (m >> 10) & 1023, m2 = m >> 20;
			const int32_t c32 = 1 << (r - 21), lo2 = (int32_t)(lo - zy);
			const int32_t hi2 = (int32_t)(hi - zy), zy2 = (int32_t)zy;
			const int sh = r - 20;
			EW_ROW(y, a, b, int8_t, MUL32_ONE);
			return;
		}
		EW_ROW(y, a, b, int8_t, MUL_ONE);
	} else {
		const int32_t ma = (int32_t)e->ma, mb = (int32_t)e->mb;
		const int r = e->r;
		const int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
		if (r >= 16 && r <= 40 && ma > -(1 << 30) && ma < (1 << 30) && mb > -(1 << 30) &&
		    mb < (1 << 30)) {
			const int32_t mah = ma >> 15, mal = ma & 0x7fff, mbh = mb >> 15, mbl = mb & 0x7fff;
			const int32_t c32 = 1 << (r - 16), lo2 = (int32_t)(lo - zy);
			const int32_t hi2 = (int32_t)(hi - zy), zy2 = (int32_t)zy;
			const int sh = r - 15;
			EW_ROW(y, a, b, int8_t, ADD32_ONE);
			return;
		}
		EW_ROW(y, a, b, int8_t, ADD_ONE);
	}
}

/* Blocks are walked with an odometer over the outer dims: one division per
 * unit, not per block. */
static void ew_unit(void *vj, int64_t u)
{
	const struct ew *e = vj;
	int64_t i0 = u * EW_UNIT, i1 = i0 + EW_UNIT < e->ny ? i0 + EW_UNIT : e->ny;
	int64_t co[IR_MAX_RANK], oa = 0, ob = 0, r = i0 / e->blk;
	for (int d = e->nd - 1; d >= 0; d--) {
		co[d] = r % e->dims[d];
		r /= e->dims[d];
		oa += co[d] * e->sa[d];
		ob += co[d] * e->sb[d];
	}
	for (int64_t i = i0, in = i0 % e->blk; i < i1; in = 0) {
		int64_t n = e->blk - in < i1 - i ? e->blk - in : i1 - i;
		const char *pa = e->a + (oa + (e->afull ? in : 0)) * e->ea;
		const char *pb = e->b + (ob + (e->bfull ? in : 0)) * e->eb;
		if (e->wide)
			ew_row_wide(e, pa, e->afull, pb, e->bfull, e->y + i * e->ey, n);
		else
			ew_row(e, (const int8_t *)pa, e->afull, (const int8_t *)pb, e->bfull,
			       (int8_t *)e->y + i, n);
		i += n;
		for (int d = e->nd - 1; d >= 0; d--) { /* the next block */
			oa += e->sa[d];
			ob += e->sb[d];
			if (++co[d] < e->dims[d])
				break;
			oa -= co[d] * e->sa[d];
			ob -= co[d] * e->sb[d];
			co[d] = 0;
		}
	}
}

static int ew_run(const struct ir_kctx *k, int mul)
{
	const struct ir_node *n = k->n;
	struct ew e;
	memset(&e, 0, sizeof e);
	e.at = k->ti[0], e.bt = k->ti[1], e.yt = k->to[0];
	for (int i = 0; i < 3; i++) {
		enum ir_dtype dt = (i == 0 ? e.at : i == 1 ? e.bt : e.yt)->dtype;
		if (dt != IR_DTYPE_I8 && dt != IR_DTYPE_I16)
			return -1;
	}
	e.ea = (int)ir_dtype_size(e.at->dtype), e.eb = (int)ir_dtype_size(e.bt->dtype);
	e.ey = (int)ir_dtype_size(e.yt->dtype);
	e.wide = e.ea != 1 || e.eb != 1 || e.ey != 1;
	e.a = k->in[0], e.b = k->in[1], e.y = k->out[0];
	e.za = zp(e.at), e.zb = zp(e.bt), e.zy = zp(e.yt);
	out_range(n, e.yt, &e.lo, &e.hi);
	e.mul = mul;
	if (mul) {
		e.q = qm(n, 0);
		if (e.q.r < 0 || e.q.r > 62)
			return -1;
	} else {
		e.ma = ir_attr_int(n, "mult_a", 1), e.mb = ir_attr_int(n, "mult_b", 1);
		e.r = (int)ir_attr_int(n, "shift", 0);
		if (n->op == IR_OP_QSUB)
			e.mb = -e.mb;
		/* |t| < 2^9 * (|ma| + |mb|) must stay far inside int64 */
		if (e.r < 0 || e.r > 62 || e.ma > INT32_MAX || e.ma < -INT32_MAX || e.mb > INT32_MAX ||
		    e.mb < -INT32_MAX)
			return -1;
	}
	if (e.lo > e.hi)
		return -1;
	if (!e.wide && (e.za < -128 || e.za > 127 || e.zb < -128 || e.zb > 127))
		return -1;
	/* the wide rows' int64 sums: |a - za| < 2^17 */
	if (e.wide && (e.za < -65536 || e.za > 65536 || e.zb < -65536 || e.zb > 65536))
		return -1;
	if (e.wide && mul) {
		int32_t alo, ahi, blo, bhi;
		type_range(e.at->dtype, &alo, &ahi);
		type_range(e.bt->dtype, &blo, &bhi);
		int64_t da = ahi - e.za > e.za - alo ? ahi - e.za : e.za - alo;
		int64_t db = bhi - e.zb > e.zb - blo ? bhi - e.zb : e.zb - blo;
		e.mul32 = da * db <= INT32_MAX;
	}
	e.ny = ir_tensor_numel(e.yt);
	if (e.ny == 0)
		return 0;
	ew_blocks(&e);
	int64_t units = (e.ny + EW_UNIT - 1) / EW_UNIT;
	ir_parallel_for(ir_threads_for(k->threads, (double)e.ny * 4), units, ew_unit, &e);
	return 0;
}

int k_qadd(const struct ir_kctx *k)
{
	if (kq_use_ref() || ew_run(k, 0) < 0)
		return k_qadd_ref(k);
	return 0;
}

int k_qmul(const struct ir_kctx *k)
{
	if (kq_use_ref() || ew_run(k, 1) < 0)
		return k_qmul_ref(k);
	return 0;
}

/* ---- QLut, QRequant ------------------------------------------------------------ */

struct lut_job {
	const int8_t *x;
	int8_t *y;
	int64_t n;
	int32_t t32[256];         /* the table widened: gcc gathers from it */
	/* QRequant */
	int32_t zx, zy, lo, hi;
	struct qmul q;
};

static void lut_unit(void *vj, int64_t u)
{
	const struct lut_job *j = vj;
	int64_t i0 = u * EW_UNIT, n = j->n - i0 < EW_UNIT ? j->n - i0 : EW_UNIT;
	const int8_t *restrict x = j->x + i0;
	int8_t *restrict y = j->y + i0;
	const int32_t *restrict t = j->t32;
	IVDEP for (int64_t i = 0; i < n; i++)
		y[i] = (int8_t)t[x[i] + 128];
}

/*
 * Any other mix: an int8 input indexing int16 entries, or an int16 input
 * interpolating (q_lut16) between the knots of an int8 or int16 table.
 *
 * An int16 input has 65 536 possible values, and the interpolation at each
 * is a function of the 1025 knots alone. So a tensor with at least as many
 * elements as that tabulates it once, full[u] for every u = x + 32768, and
 * then looks each element up like an int8 input (one gather from a table of
 * int32, 256 KiB, which stays in L2), instead of gathering two knots per
 * element and interpolating (two gathers from L1, then the arithmetic).
 *
 * Why the bits agree: the table is filled segment by segment, u = 64 i + f
 * with i = 0 .. 1023 and f = 0 .. 63, as
 *     full[64 i + f] = t[i] + (((t[i+1] - t[i]) * f + 32) >> 6)
 * which is q_lut16(t, u - 32768) term for term: q_lut16 takes the same
 * i = u >> 6 and f = u & 63 of that u, and the same int32 arithmetic on the
 * same knots (the product is below 2^22, so it cannot wrap either way),
 * whether the entries are int8 or int16. Filling it needs no gather: per
 * segment the base t[i] and slope t[i+1] - t[i] are two scalars and f runs
 * over 64 consecutive entries, which gcc vectorizes. The lookup moves that
 * value to y unchanged, and it already lies within y's type (between t[i]
 * and t[i+1]). Smaller tensors, for which filling 65 536 entries would
 * cost more than it saves, interpolate each element with q_lut16 itself.
 */
struct lut16_job {
	const void *x;
	void *y;
	int64_t n;
	int xs, ys;               /* element sizes */
	int32_t t[Q_LUT16_N + 1];
	const int32_t *full;      /* int16 input: the interpolation at every input, or NULL */
};

#define LUT16_FULL (1 << 16)  /* entries of the full table: every int16 input */

/* full[u] = q_lut16(t, u - 32768) for every u in 0 .. 65535 (see above). */
static void lut16_tabulate(const int32_t *t, int32_t *restrict full)
{
	for (int i = 0; i < Q_LUT16_N - 1; i++) {
		int32_t base = t[i], slope = t[i + 1] - t[i];
		int32_t *restrict seg = full + i * Q_LUT16_STEP;
		for (int f = 0; f < Q_LUT16_STEP; f++)
			seg[f] = base + ((slope * f + Q_LUT16_STEP / 2) >> Q_LUT16_SHIFT);
	}
}

static void lut16_unit(void *vj, int64_t u)
{
	const struct lut16_job *j = vj;
	int64_t i0 = u * EW_UNIT, n = j->n - i0 < EW_UNIT ? j->n - i0 : EW_UNIT;
	const int32_t *restrict t = j->t;
	if (j->xs == 1) { /* int8 input, int16 entries */
		const int8_t *restrict x = (const int8_t *)j->x + i0;
		int16_t *restrict y = (int16_t *)j->y + i0;
		IVDEP for (int64_t i = 0; i < n; i++)
			y[i] = (int16_t)t[x[i] + 128];
		return;
	}
	const int16_t *restrict x = (const int16_t *)j->x + i0;
	if (j->full) {
		const int32_t *restrict full = j->full + 32768; /* indexed by x itself */
		if (j->ys == 2) {
			int16_t *restrict y = (int16_t *)j->y + i0;
			IVDEP for (int64_t i = 0; i < n; i++)
				y[i] = (int16_t)full[x[i]];
		} else {
			int8_t *restrict y = (int8_t *)j->y + i0;
			IVDEP for (int64_t i = 0; i < n; i++)
				y[i] = (int8_t)full[x[i]];
		}
	} else if (j->ys == 2) {
		int16_t *restrict y = (int16_t *)j->y + i0;
		IVDEP for (int64_t i = 0; i < n; i++)
			y[i] = (int16_t)q_lut16(t, x[i]);
	} else {
		int8_t *restrict y = (int8_t *)j->y + i0;
		IVDEP for (int64_t i = 0; i < n; i++)
			y[i] = (int8_t)q_lut16(t, x[i]);
	}
}

static int lut16_run(const struct ir_kctx *k)
{
	const struct ir_tensor *xt = k->ti[0], *tt = k->ti[1], *yt = k->to[0];
	int64_t nt = ir_tensor_numel(tt);
	if ((xt->dtype != IR_DTYPE_I8 && xt->dtype != IR_DTYPE_I16) || tt->dtype != yt->dtype ||
	    (yt->dtype != IR_DTYPE_I8 && yt->dtype != IR_DTYPE_I16) ||
	    nt != (xt->dtype == IR_DTYPE_I8 ? Q_LUT8_N : Q_LUT16_N))
		return -1;
	struct lut16_job *j = xmalloc(sizeof *j);
	for (int64_t i = 0; i < nt; i++)
		j->t[i] = tt->dtype == IR_DTYPE_I8 ? ((const int8_t *)k->in[1])[i]
						   : ((const int16_t *)k->in[1])[i];
	j->x = k->in[0], j->y = k->out[0], j->n = ir_tensor_numel(xt);
	j->xs = (int)ir_dtype_size(xt->dtype), j->ys = (int)ir_dtype_size(yt->dtype);
	int32_t *full = NULL;
	if (j->xs == 2 && j->n >= LUT16_FULL) {
		full = xmalloc(sizeof(int32_t) * LUT16_FULL);
		lut16_tabulate(j->t, full);
	}
	j->full = full;
	ir_parallel_for(ir_threads_for(k->threads, (double)j->n * 4), (j->n + EW_UNIT - 1) / EW_UNIT,
			lut16_unit, j);
	free(full);
	free(j);
	return 0;
}

int k_qlut(const struct ir_kctx *k)
{
	if (kq_use_ref())
		return k_qlut_ref(k);
	if (k->ti[0]->dtype != IR_DTYPE_I8 || k->to[0]->dtype != IR_DTYPE_I8)
		return lut16_run(k) < 0 ? k_qlut_ref(k) : 0;
	struct lut_job j;
	const int8_t *t = k->in[1];
	for (int i = 0; i < 256; i++)
		j.t32[i] = t[i];
	j.x = k->in[0], j.y = k->out[0], j.n = ir_tensor_numel(k->ti[0]);
	ir_parallel_for(ir_threads_for(k->threads, (double)j.n * 2), (j.n + EW_UNIT - 1) / EW_UNIT,
			lut_unit, &j);
	return 0;
}

static void requant_unit(void *vj, int64_t u)
{
	const struct lut_job *j = vj;
	int64_t i0 = u * EW_UNIT, n = j->n - i0 < EW_UNIT ? j->n - i0 : EW_UNIT;
	const int8_t *restrict x = j->x + i0;
	int8_t *restrict y = j->y + i0;
	int32_t m = j->q.m, zx = j->zx;
	int64_t zy = j->zy, lo = j->lo, hi = j->hi;
	int r = j->q.r;
	int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
	IVDEP for (int64_t i = 0; i < n; i++) {
		int64_t v = (((int64_t)(x[i] - zx) * m + rnd) >> r) + zy;
		y[i] = (int8_t)clamp64(v, lo, hi);
	}
}

/* QRequant between int8 and int16 (either way, or int16 to int16): the
 * reference's arithmetic, |x - z_x| < 2^17 so the int64 product holds. */
struct rq16_job {
	const void *x;
	void *y;
	int64_t n;
	int xs, ys;
	int32_t zx;
	int64_t zy, lo, hi;
	struct qmul q;
};

#define RQ16_LOOP(TX, TY)                                                                   \
	{                                                                                   \
		const TX *restrict x = (const TX *)j->x + i0;                               \
		TY *restrict y = (TY *)j->y + i0;                                           \
		IVDEP for (int64_t i = 0; i < n; i++)                                       \
			y[i] = (TY)clamp64((((int64_t)(x[i] - zx) * m + rnd) >> r) + zy, lo, hi); \
	}

static void rq16_unit(void *vj, int64_t u)
{
	const struct rq16_job *j = vj;
	int64_t i0 = u * EW_UNIT, n = j->n - i0 < EW_UNIT ? j->n - i0 : EW_UNIT;
	const int32_t m = j->q.m, zx = j->zx;
	const int r = j->q.r;
	const int64_t rnd = r ? (int64_t)1 << (r - 1) : 0, zy = j->zy, lo = j->lo, hi = j->hi;
	if (j->xs == 1 && j->ys == 2)
		RQ16_LOOP(int8_t, int16_t)
	else if (j->xs == 2 && j->ys == 1)
		RQ16_LOOP(int16_t, int8_t)
	else
		RQ16_LOOP(int16_t, int16_t)
}

static int rq16_run(const struct ir_kctx *k)
{
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	struct rq16_job j;
	if ((xt->dtype != IR_DTYPE_I8 && xt->dtype != IR_DTYPE_I16) ||
	    (yt->dtype != IR_DTYPE_I8 && yt->dtype != IR_DTYPE_I16))
		return -1;
	j.q = qm(k->n, 0);
	j.zx = zp(xt), j.zy = zp(yt);
	int32_t lo, hi;
	out_range(k->n, yt, &lo, &hi);
	j.lo = lo, j.hi = hi;
	if (j.q.r < 0 || j.q.r > 62 || lo > hi || j.zx < -65536 || j.zx > 65536)
		return -1;
	j.x = k->in[0], j.y = k->out[0], j.n = ir_tensor_numel(xt);
	j.xs = (int)ir_dtype_size(xt->dtype), j.ys = (int)ir_dtype_size(yt->dtype);
	ir_parallel_for(ir_threads_for(k->threads, (double)j.n * 4), (j.n + EW_UNIT - 1) / EW_UNIT,
			rq16_unit, &j);
	return 0;
}

int k_qrequant(const struct ir_kctx *k)
{
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	struct lut_job j;
	j.q = qm(k->n, 0);
	if (kq_use_ref())
		return k_qrequant_ref(k);
	if (xt->dtype != IR_DTYPE_I8 || yt->dtype != IR_DTYPE_I8)
		return rq16_run(k) < 0 ? k_qrequant_ref(k) : 0;
	if (j.q.r < 0 || j.q.r > 62)
		return k_qrequant_ref(k);
	j.zx = zp(xt), j.zy = zp(yt);
	out_range(k->n, yt, &j.lo, &j.hi);
	if (j.lo > j.hi)
		return k_qrequant_ref(k);
	j.x = k->in[0], j.y = k->out[0], j.n = ir_tensor_numel(xt);
	ir_parallel_for(ir_threads_for(k->threads, (double)j.n * 4), (j.n + EW_UNIT - 1) / EW_UNIT,
			requant_unit, &j);
	return 0;
}

/* ---- QAveragePool, QGlobalAveragePool -------------------------------------------- */

/*
 * Rank 4, int8 in and out. Per output position the window's rows and
 * columns inside the input and the count the reference uses (cells inside
 * the padded input with count_include_pad, else inside the input), from
 * per-dim tables; the window sum in int32 (at most 255 per cell, windows
 * below 2^23 cells), the multiplier per count as the reference derives it.
 * Units: (image, channel) planes.
 */
struct pool_dim {
	int64_t lo, hi;   /* input cells [lo, hi) of the window */
	int64_t padded;   /* cells inside the padded input */
};

struct pool_job {
	const struct ir_node *n;
	const void *x;            /* int8 or int16 (element size xs) */
	void *y;                  /* int8 or int16 (ys) */
	int xs, ys;
	int64_t ih, iw, oh, ow, maxc;
	const struct pool_dim *ry, *rx;
	const struct qmul *byc;   /* by count */
	int cip;
	int32_t zx, zy, lo, hi;
};

static void pool_dims(int64_t in, int64_t out, int64_t k, int64_t s, int64_t pb, int64_t pe,
		      struct pool_dim *r)
{
	for (int64_t o = 0; o < out; o++) {
		int64_t b0 = o * s - pb, e0 = b0 + k, pend = in + pe;
		int64_t p0 = b0 < -pb ? -pb : b0, p1 = e0 > pend ? pend : e0;
		r[o].padded = p1 - p0;
		r[o].lo = b0 < 0 ? 0 : b0 > in ? in : b0;
		r[o].hi = e0 > in ? in : e0 < r[o].lo ? r[o].lo : e0;
	}
}

/* y[i] = v for an int8 or int16 output (v within its range). */
static inline void store_y(void *y, int ys, int64_t i, int32_t v)
{
	if (ys == 1)
		((int8_t *)y)[i] = (int8_t)v;
	else
		((int16_t *)y)[i] = (int16_t)v;
}

static void pool_unit(void *vj, int64_t p)
{
	const struct pool_job *j = vj;
	int32_t *restrict col = ir_scratch(sizeof(int32_t) * (size_t)(j->iw + 1));
	for (int64_t oy = 0; oy < j->oh; oy++) {
		const struct pool_dim *dy = &j->ry[oy];
		/* the window's rows summed per column, then each window's columns */
		memset(col, 0, sizeof(int32_t) * (size_t)j->iw);
		for (int64_t iy = dy->lo; iy < dy->hi; iy++) {
			int64_t off = (p * j->ih + iy) * j->iw;
			if (j->xs == 1) {
				const int8_t *restrict r = (const int8_t *)j->x + off;
				IVDEP for (int64_t ix = 0; ix < j->iw; ix++)
					col[ix] += r[ix];
			} else {
				const int16_t *restrict r = (const int16_t *)j->x + off;
				IVDEP for (int64_t ix = 0; ix < j->iw; ix++)
					col[ix] += r[ix];
			}
		}
		for (int64_t ox = 0; ox < j->ow; ox++) {
			const struct pool_dim *dx = &j->rx[ox];
			int32_t sum = 0;
			for (int64_t ix = dx->lo; ix < dx->hi; ix++)
				sum += col[ix];
			int64_t cnt = (dy->hi - dy->lo) * (dx->hi - dx->lo);
			int64_t s64 = (int64_t)sum - (int64_t)j->zx * cnt;
			int64_t count = j->cip ? dy->padded * dx->padded : cnt;
			if (count <= 0)
				count = 1;
			if (count > j->maxc)
				count = j->maxc;
			store_y(j->y, j->ys, (p * j->oh + oy) * j->ow + ox,
				q_requant_out(s64, j->byc[count], j->zy, j->lo, j->hi));
		}
	}
}

/* GlobalAveragePool: one plane's sum, vectorized in int32 blocks (2^20
 * int8 or 2^15 int16 values each) added in int64. */
static void gap_unit(void *vj, int64_t p)
{
	const struct pool_job *j = vj;
	int64_t n = j->ih * j->iw, blk = j->xs == 1 ? 1 << 20 : 1 << 15;
	int64_t sum = 0;
	for (int64_t i0 = 0; i0 < n; i0 += blk) {
		int64_t i1 = i0 + blk < n ? i0 + blk : n;
		int32_t s = 0;
		if (j->xs == 1) {
			const int8_t *restrict x = (const int8_t *)j->x + p * n;
			for (int64_t i = i0; i < i1; i++)
				s += x[i];
		} else {
			const int16_t *restrict x = (const int16_t *)j->x + p * n;
			for (int64_t i = i0; i < i1; i++)
				s += x[i];
		}
		sum += s;
	}
	sum -= (int64_t)j->zx * n;
	store_y(j->y, j->ys, p, q_requant_out(sum, j->byc[j->maxc], j->zy, j->lo, j->hi));
}

static int pool_run(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	if (xt->rank != 4 || (xt->dtype != IR_DTYPE_I8 && xt->dtype != IR_DTYPE_I16) ||
	    (yt->dtype != IR_DTYPE_I8 && yt->dtype != IR_DTYPE_I16))
		return -1;
	int global = n->op == IR_OP_QGLOBAL_AVERAGE_POOL;
	int64_t ks[2] = {xt->dims[2], xt->dims[3]}, st[2] = {1, 1}, pd[4] = {0, 0, 0, 0};
	if (!global) {
		ir_attr_ints(n, "kernel_shape", ks, 2);
		ir_attr_ints(n, "strides", st, 2);
		ir_attr_ints(n, "pads", pd, 4);
	}
	struct pool_job j;
	memset(&j, 0, sizeof j);
	j.n = n;
	j.x = k->in[0], j.y = k->out[0];
	j.ih = xt->dims[2], j.iw = xt->dims[3], j.oh = yt->dims[2], j.ow = yt->dims[3];
	j.cip = (int)ir_attr_int(n, "count_include_pad", 0);
	j.zx = zp(xt), j.zy = zp(yt);
	type_range(yt->dtype, &j.lo, &j.hi);
	j.maxc = ks[0] * ks[1];
	j.xs = (int)ir_dtype_size(xt->dtype), j.ys = (int)ir_dtype_size(yt->dtype);
	/* the int32 window sums: below 2^23 int8 cells, 2^16 int16 ones (a
	 * global pool sums in blocks instead) */
	if (j.maxc <= 0 || (!global && j.maxc >= (j.xs == 1 ? 1 << 23 : 1 << 16)) ||
	    (j.xs == 1 && j.maxc >= (1 << 23)))
		return -1;
	int64_t planes = xt->dims[0] * xt->dims[1];
	double ratio = (double)scale(xt, 0) / (double)scale(yt, 0);
	struct qmul *byc = xcalloc((size_t)j.maxc + 1, sizeof *byc);
	struct pool_dim *ry = xmalloc(sizeof *ry * (size_t)(j.oh + j.ow + 1)), *rx = ry + j.oh;
	int rc = 0;
	if (global) {
		if (j.oh != 1 || j.ow != 1 || q_multiplier(ratio / (double)j.maxc, &byc[j.maxc]) < 0) {
			rc = -1;
			goto out;
		}
		j.byc = byc;
		ir_parallel_for(ir_threads_for(k->threads, (double)ir_tensor_numel(xt)), planes,
				gap_unit, &j);
		goto out;
	}
	pool_dims(j.ih, j.oh, ks[0], st[0], pd[0], pd[2], ry);
	pool_dims(j.iw, j.ow, ks[1], st[1], pd[1], pd[3], rx);
	/* the multiplier of every count that occurs, derived as the reference
	 * does (q_multiplier of the same f64 value) */
	for (int64_t oy = 0; oy < j.oh; oy++)
		for (int64_t ox = 0; ox < j.ow; ox++) {
			int64_t cnt = (ry[oy].hi - ry[oy].lo) * (rx[ox].hi - rx[ox].lo);
			int64_t count = j.cip ? ry[oy].padded * rx[ox].padded : cnt;
			if (count <= 0)
				count = 1;
			if (count > j.maxc)
				count = j.maxc;
			if (!byc[count].m && q_multiplier(ratio / (double)count, &byc[count]) < 0) {
				rc = -1;
				goto out;
			}
		}
	j.byc = byc, j.ry = ry, j.rx = rx;
	ir_parallel_for(ir_threads_for(k->threads, (double)ir_tensor_numel(yt) * j.maxc), planes,
			pool_unit, &j);
out:
	free(byc);
	free(ry);
	return rc;
}

int k_qpool(const struct ir_kctx *k)
{
	if (kq_use_ref() || pool_run(k) < 0)
		return k_qpool_ref(k);
	return 0;
}

/* ---- QResize ----------------------------------------------------------------------- */

/*
 * Rank 4 with the image and channel dims unchanged: the reference's per-dim
 * rule (source indices, 12-bit weights) tabulated once per output row and
 * column (rs_dim_at is the reference's computation), then
 *   - nearest copies rows: a row already made is repeated when the source
 *     row repeats (memcpy), and an integer column upscale by 2, 4 or 8 (each
 *     source column repeated f times, checked on the table) is written as f
 *     stores of each source value, which gcc vectorizes; any other column
 *     map reads through the table. int8 and int16 alike, one type in and
 *     out (nearest moves values), the element type a parameter of the row
 *     macro. The bits agree trivially: each output is the source element
 *     the reference reads, moved unchanged;
 *   - linear is separable, in int32 and int64 lanes for every mix of int8
 *     and int16, with an exact requantization that needs no 128 bits; see
 *     "Linear" below for why its bits are the reference's.
 * A dim the reference leaves alone (same size, scale 1) has weights (1, 0).
 */
struct rs_dim {
	int64_t i0, i1;
	int64_t w0, w1;
};

/* The reference's per-dim computation for output index o (k_qresize_ref). */
static void rs_dim_at(const char *ctm, const char *nm, int linear, int64_t in, int64_t out,
		      float sc, int64_t o, struct rs_dim *r)
{
	if (in == out && sc == 1.0f) {
		r->i0 = r->i1 = o;
		r->w0 = 1, r->w1 = 0;
		return;
	}
	double s = src_coord(ctm, o, in, out, sc);
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
		r->i0 = r->i1 = idx < 0 ? 0 : idx >= in ? in - 1 : idx;
		r->w0 = 1, r->w1 = 0;
		return;
	}
	if (s < 0)
		s = 0;
	int64_t a = (int64_t)floor(s);
	if (a >= in - 1) {
		r->i0 = r->i1 = in - 1;
		r->w0 = 4096, r->w1 = 0;
	} else {
		r->i0 = a;
		r->i1 = a + 1;
		r->w1 = (int64_t)nearbyint((s - a) * 4096.0);
		r->w0 = 4096 - r->w1;
	}
}

struct rs_cols {            /* linear: rx as int32 arrays, which gcc gathers from */
	int32_t *i0, *i1, *w0, *w1;
};

struct rs_job {
	const void *x;            /* int8 or int16 (xs) */
	void *y;                  /* int8 or int16 (ys) */
	int xs, ys;
	int64_t ih, iw, oh, ow;
	const struct rs_dim *ry, *rx;
	const int32_t *cx;        /* nearest: the source column of each output column */
	int fx;                   /* nearest: 2, 4 or 8 when cx[ox] = ox / fx, else 0 */
	int linear;
	const struct rs_cols *cols; /* linear: the column table */
	int32_t zx, zy, lo, hi;
	struct qmul q;
};

/* One nearest output row of element type T (rs_nearest_unit's locals:
 * output row yo of the plane starting at input element ib). */
#define RS_NEAREST_ROW(T)                                                                     \
	do {                                                                                  \
		const T *restrict xr = (const T *)j->x + ib + dy->i0 * iw;                    \
		T *restrict yr = (T *)j->y + yo;                                              \
		if (j->fx == 2) {                                                             \
			IVDEP for (int64_t ix = 0; ix < iw; ix++)                             \
				yr[2 * ix] = yr[2 * ix + 1] = xr[ix];                         \
		} else if (j->fx == 4) {                                                      \
			IVDEP for (int64_t ix = 0; ix < iw; ix++) {                           \
				T v = xr[ix];                                                 \
				yr[4 * ix] = v, yr[4 * ix + 1] = v, yr[4 * ix + 2] = v;       \
				yr[4 * ix + 3] = v;                                           \
			}                                                                     \
		} else if (j->fx == 8) {                                                      \
			IVDEP for (int64_t ix = 0; ix < iw; ix++) {                           \
				T v = xr[ix];                                                 \
				yr[8 * ix] = v, yr[8 * ix + 1] = v, yr[8 * ix + 2] = v;       \
				yr[8 * ix + 3] = v, yr[8 * ix + 4] = v, yr[8 * ix + 5] = v;   \
				yr[8 * ix + 6] = v, yr[8 * ix + 7] = v;                       \
			}                                                                     \
		} else {                                                                      \
			for (int64_t ox = 0; ox < ow; ox++)                                   \
				yr[ox] = xr[cx[ox]];                                          \
		}                                                                             \
	} while (0)

/* Nearest, int8 or int16: one plane. */
static void rs_nearest_unit(void *vj, int64_t p)
{
	const struct rs_job *j = vj;
	int64_t iw = j->iw, ow = j->ow, ib = p * j->ih * iw;
	const int32_t *restrict cx = j->cx;
	size_t es = (size_t)j->xs;
	for (int64_t oy = 0; oy < j->oh; oy++) {
		const struct rs_dim *dy = &j->ry[oy];
		int64_t yo = (p * j->oh + oy) * ow;
		if (oy > 0 && j->ry[oy - 1].i0 == dy->i0) {
			char *yb = (char *)j->y + (size_t)yo * es;
			memcpy(yb, yb - (size_t)ow * es, (size_t)ow * es);
		} else if (es == 1) {
			RS_NEAREST_ROW(int8_t);
		} else {
			RS_NEAREST_ROW(int16_t);
		}
	}
}

/*
 * Linear, any mix of int8 and int16, separable. For a source row the
 * column sums
 *     h[ox] = (x[i0x] - z_x) w0x + (x[i1x] - z_x) w1x
 * are made once (the row widened to int32 first, so that gcc gathers from
 * it), and an output row is then
 *     sum = h_a[ox] w0y + h_b[ox] w1y        (a = i0y, b = i1y)
 * The reference sums w_y w_x (x_q - z_x) over the four corners: the same
 * integer, grouped by rows. |x_q - z_x| < 2^16 (zero points within int16,
 * checked), the weights of a dim sum to 4096 at most, so |h| < 2^28 in
 * int32 and |sum| < 2^40 in int64. Source rows i0y and i1y differ by at
 * most one, so a cache of two rows indexed by the row's parity holds both,
 * and an upscale makes each source row once.
 *
 * The requantization is exact without 128 bits when r >= 32. With
 * sl = sum mod 2^32 (in [0, 2^32)) and sh = sum >> 32 (|sh| < 2^8),
 *     sum m + 2^(r-1) = sh m 2^32 + L,    L = sl m + 2^(r-1) < 2^63 + 2^61
 * (L unsigned, sl m a u32 x u32 product), and since adding L's low 32 bits
 * over 2^32, a fraction below 1, to the integer sh m + (L >> 32) cannot
 * pass a multiple of 2^(r-32):
 *     (sum m + 2^(r-1)) >> r = (sh m + (L >> 32)) >> (r - 32)
 * in int64 (|sh m| < 2^39), which gcc vectorizes; the result is below 2^40
 * in magnitude, so q_requant_out's clamp at 2^62 never applies and + z_y
 * and the saturation are its own. A shift below 32 (M >= 1/2, an output
 * scale thousands of times finer than the input's) takes q_requant_out
 * element by element.
 */
/* The column sums of source row `row` of plane p into h. */
static void rs_hrow(const struct rs_job *j, int64_t p, int64_t row, int32_t *restrict x32,
		    int32_t *restrict h)
{
	const struct rs_cols *c = j->cols;
	int64_t off = (p * j->ih + row) * j->iw;
	int32_t zx = j->zx;
	if (j->xs == 1) {
		const int8_t *restrict xr = (const int8_t *)j->x + off;
		for (int64_t ix = 0; ix < j->iw; ix++)
			x32[ix] = xr[ix] - zx;
	} else {
		const int16_t *restrict xr = (const int16_t *)j->x + off;
		for (int64_t ix = 0; ix < j->iw; ix++)
			x32[ix] = xr[ix] - zx;
	}
	const int32_t *restrict i0 = c->i0, *restrict i1 = c->i1, *restrict w0 = c->w0,
			       *restrict w1 = c->w1;
	IVDEP for (int64_t ox = 0; ox < j->ow; ox++)
		h[ox] = x32[i0[ox]] * w0[ox] + x32[i1[ox]] * w1[ox];
}

/* One output row of type TY from the column sums ha, hb (see above). */
#define RS_LINEAR_ROW(TY)                                                                     \
	do {                                                                                  \
		TY *restrict yr = (TY *)j->y + yo;                                            \
		if (q.r >= 32) {                                                              \
			IVDEP for (int64_t ox = 0; ox < ow; ox++) {                           \
				int64_t sum = (int64_t)ha[ox] * w0y + (int64_t)hb[ox] * w1y;  \
				uint64_t L = (uint64_t)(uint32_t)sum * (uint64_t)m + rnd;     \
				int64_t v = ((sum >> 32) * m + (int64_t)(L >> 32)) >> (q.r - 32); \
				yr[ox] = (TY)clamp64(v + zy, lo, hi);                         \
			}                                                                     \
		} else {                                                                      \
			for (int64_t ox = 0; ox < ow; ox++)                                   \
				yr[ox] = (TY)q_requant_out((int64_t)ha[ox] * w0y +            \
							   (int64_t)hb[ox] * w1y,             \
							   q, j->zy, j->lo, j->hi);           \
		}                                                                             \
	} while (0)

static void rs_linear_unit(void *vj, int64_t p)
{
	const struct rs_job *j = vj;
	int64_t ow = j->ow;
	int32_t *x32 = ir_scratch(sizeof(int32_t) * (size_t)(j->iw + 2 * ow));
	int32_t *hrow[2] = {x32 + j->iw, x32 + j->iw + ow};
	int64_t have[2] = {-1, -1};      /* the source row in each slot */
	const struct qmul q = j->q;
	const int64_t m = q.m, zy = j->zy, lo = j->lo, hi = j->hi;
	const uint64_t rnd = q.r >= 32 ? (uint64_t)1 << (q.r - 1) : 0; /* the r >= 32 loop's */
	for (int64_t oy = 0; oy < j->oh; oy++) {
		const struct rs_dim *dy = &j->ry[oy];
		for (int64_t row = dy->i0; row <= dy->i1; row++)
			if (have[row & 1] != row) {
				rs_hrow(j, p, row, x32, hrow[row & 1]);
				have[row & 1] = row;
			}
		const int32_t *restrict ha = hrow[dy->i0 & 1], *restrict hb = hrow[dy->i1 & 1];
		const int64_t w0y = dy->w0, w1y = dy->w1;
		int64_t yo = (p * j->oh + oy) * ow;
		if (j->ys == 1)
			RS_LINEAR_ROW(int8_t);
		else
			RS_LINEAR_ROW(int16_t);
	}
}

static int resize_run(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	if (xt->rank != 4 || (xt->dtype != IR_DTYPE_I8 && xt->dtype != IR_DTYPE_I16) ||
	    (yt->dtype != IR_DTYPE_I8 && yt->dtype != IR_DTYPE_I16))
		return -1;
	const char *mode = ir_attr_string(n, "mode", "nearest");
	const char *ctm = ir_attr_string(n, "coordinate_transformation_mode", "half_pixel");
	const char *nm = ir_attr_string(n, "nearest_mode", "round_prefer_floor");
	if (!strcmp(ctm, "tf_crop_and_resize") || !strcmp(mode, "cubic"))
		return -1;
	float sc[4] = {1, 1, 1, 1};
	struct ir_attr *sa = ir_attr_find(n, "scales");
	for (int d = 0; d < 4; d++)
		sc[d] = sa ? sa->floats[d] : 1.0f;
	for (int d = 0; d < 2; d++)
		if (xt->dims[d] != yt->dims[d] || sc[d] != 1.0f)
			return -1;
	struct rs_job j;
	memset(&j, 0, sizeof j);
	j.linear = !strcmp(mode, "linear");
	j.ih = xt->dims[2], j.iw = xt->dims[3], j.oh = yt->dims[2], j.ow = yt->dims[3];
	j.zx = zp(xt), j.zy = zp(yt);
	type_range(yt->dtype, &j.lo, &j.hi);
	if (j.linear) {
		int dims = (j.ih != j.oh) + (j.iw != j.ow);
		if (q_multiplier((double)scale(xt, 0) /
					 ((double)scale(yt, 0) * ldexp(1.0, 12 * dims)),
				 &j.q) < 0)
			return -1;
	}
	if (j.ih == 0 || j.iw == 0)
		return -1;
	struct rs_dim *ry = xmalloc(sizeof *ry * (size_t)(j.oh + j.ow + 1)), *rx = ry + j.oh;
	for (int64_t o = 0; o < j.oh; o++)
		rs_dim_at(ctm, nm, j.linear, j.ih, j.oh, sc[2], o, &ry[o]);
	for (int64_t o = 0; o < j.ow; o++)
		rs_dim_at(ctm, nm, j.linear, j.iw, j.ow, sc[3], o, &rx[o]);
	int32_t *cx = xmalloc(sizeof(int32_t) * (size_t)(j.ow + 1));
	for (int64_t o = 0; o < j.ow; o++)
		cx[o] = (int32_t)rx[o].i0;
	/* an integer upscale of the columns: each source column repeated f times */
	for (int f = 2; f <= 8 && !j.linear; f *= 2)
		if (j.ow == f * j.iw) {
			int64_t o = 0;
			while (o < j.ow && cx[o] == o / f)
				o++;
			if (o == j.ow)
				j.fx = f;
		}
	j.x = k->in[0], j.y = k->out[0], j.ry = ry, j.rx = rx, j.cx = cx;
	j.xs = (int)ir_dtype_size(xt->dtype), j.ys = (int)ir_dtype_size(yt->dtype);
	if (!j.linear && j.xs != j.ys) { /* nearest moves values: one type */
		free(cx);
		free(ry);
		return -1;
	}
	struct rs_cols cols = {0};
	int32_t *ctab = NULL;
	if (j.linear) {
		if (j.zx < -32768 || j.zx > 32767) { /* |x_q - z_x| < 2^16: see above */
			free(cx);
			free(ry);
			return -1;
		}
		ctab = xmalloc(sizeof(int32_t) * 4 * (size_t)(j.ow + 1));
		cols.i0 = ctab, cols.i1 = ctab + j.ow, cols.w0 = ctab + 2 * j.ow, cols.w1 = ctab + 3 * j.ow;
		for (int64_t o = 0; o < j.ow; o++) {
			cols.i0[o] = (int32_t)rx[o].i0, cols.i1[o] = (int32_t)rx[o].i1;
			cols.w0[o] = (int32_t)rx[o].w0, cols.w1[o] = (int32_t)rx[o].w1;
		}
		j.cols = &cols;
	}
	ir_parallel_for(ir_threads_for(k->threads, (double)ir_tensor_numel(yt) * (j.linear ? 8 : 1)),
			xt->dims[0] * xt->dims[1], j.linear ? rs_linear_unit : rs_nearest_unit, &j);
	free(ctab);
	free(cx);
	free(ry);
	return 0;
}

int k_qresize(const struct ir_kctx *k)
{
	if (kq_use_ref() || resize_run(k) < 0)
		return k_qresize_ref(k);
	return 0;
}
