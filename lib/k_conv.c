/*
 * k_conv.c: float Conv (formats/ir.md "Operators"), NCHW.
 *
 * Three paths, chosen once per node by k_conv_prepare:
 *   - pointwise (1x1, stride 1, no padding): one sgemm per image and group,
 *     Y[M, HW] = W[M, C] X[C, HW];
 *   - depthwise (one input channel per group): direct loops that accumulate
 *     whole output rows, one kernel tap at a time, so the inner loop is a
 *     contiguous (stride 1) or strided multiply-add the compiler vectorizes;
 *   - everything else 2-D: im2col over a band of output rows, then sgemm, so
 *     the column buffer stays a few hundred KiB however large the image;
 *   - 1-D and 3-D (and any other rank): a plain direct loop nest.
 * Bias is added in the same pass over each output plane.
 */
#include "k_winograd.h"
#include "ops.h"
#include "parallel.h"
#include "util.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

enum conv_path { CONV_GENERIC, CONV_POINTWISE, CONV_DEPTHWISE, CONV_IM2COL, CONV_WINOGRAD };

struct conv {
	enum conv_path path;
	float *wino;                  /* CONV_WINOGRAD: the transformed filter */
	int sp;                       /* spatial rank */
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	int64_t group;
};

static void conv_params(const struct ir_node *n, int sp, struct conv *c)
{
	c->sp = sp;
	for (int i = 0; i < sp; i++) {
		c->k[i] = c->s[i] = c->d[i] = 1;
		c->p[i] = c->p[i + sp] = 0;
	}
	ir_attr_ints(n, "kernel_shape", c->k, sp);
	ir_attr_ints(n, "strides", c->s, sp);
	ir_attr_ints(n, "dilations", c->d, sp);
	ir_attr_ints(n, "pads", c->p, 2 * sp);
	c->group = ir_attr_int(n, "group", 1);
}

int k_conv_prepare(const struct ir_graph *g, const struct ir_node *n, void **state)
{
	const struct ir_tensor *x = g->tensors[n->in[0]], *w = g->tensors[n->in[1]];
	struct conv *c = xcalloc(1, sizeof *c);
	conv_params(n, x->rank - 2, c);
	if (c->sp != 2) {
		c->path = CONV_GENERIC;
	} else if (c->k[0] == 1 && c->k[1] == 1 && c->s[0] == 1 && c->s[1] == 1 &&
		   c->p[0] == 0 && c->p[1] == 0 && c->p[2] == 0 && c->p[3] == 0) {
		c->path = CONV_POINTWISE;
	} else if (w->dims[1] == 1 && c->group == x->dims[1] && w->dims[0] == c->group) {
		c->path = CONV_DEPTHWISE;
	} else if (c->k[0] == 3 && c->k[1] == 3 && c->s[0] == 1 && c->s[1] == 1 &&
		   c->d[0] == 1 && c->d[1] == 1 && c->group == 1 && w->data &&
		   x->dims[1] >= 8 && w->dims[0] >= 8) {
		/* enough channels that the 16 products are real matrix work */
		c->path = CONV_WINOGRAD;
		c->wino = k_winograd_filter(w->data, w->dims[0], w->dims[1]);
	} else {
		c->path = CONV_IM2COL;
	}
	*state = c;
	return 0;
}

void k_conv_release(void *state)
{
	struct conv *c = state;
	if (c)
		free(c->wino);
	free(c);
}

/* ---- depthwise --------------------------------------------------------- */

/* One channel: out[oh][ow] = b + sum_ky,kx w[ky][kx] * in[oy*s+ky*d-p][ox*s+kx*d-p] */
static void dw_channel(const float *restrict in, int64_t ih, int64_t iw, float *restrict out,
		       int64_t oh, int64_t ow, const float *restrict w, float bias,
		       const struct conv *c)
{
	int64_t kh = c->k[0], kw = c->k[1], sh = c->s[0], sw = c->s[1];
	int64_t dh = c->d[0], dw = c->d[1], ph = c->p[0], pw = c->p[1];
	for (int64_t oy = 0; oy < oh; oy++) {
		float *restrict orow = out + oy * ow;
		for (int64_t ox = 0; ox < ow; ox++)
			orow[ox] = bias;
		for (int64_t ky = 0; ky < kh; ky++) {
			int64_t iy = oy * sh + ky * dh - ph;
			if (iy < 0 || iy >= ih)
				continue;
			const float *restrict irow = in + iy * iw;
			for (int64_t kx = 0; kx < kw; kx++) {
				float wv = w[ky * kw + kx];
				int64_t off = kx * dw - pw;
				/* valid ox: 0 <= ox*sw + off < iw */
				int64_t lo = off < 0 ? (-off + sw - 1) / sw : 0;
				int64_t hi = iw - off <= 0 ? 0 : (iw - off + sw - 1) / sw;
				if (hi > ow)
					hi = ow;
				if (sw == 1) {
					const float *restrict src = irow + off;
					for (int64_t ox = lo; ox < hi; ox++)
						orow[ox] += wv * src[ox];
				} else if (sw == 2) {
					const float *restrict src = irow + off;
					for (int64_t ox = lo; ox < hi; ox++)
						orow[ox] += wv * src[2 * ox];
				} else {
					for (int64_t ox = lo; ox < hi; ox++)
						orow[ox] += wv * irow[ox * sw + off];
				}
			}
		}
	}
}

/*
 * The common depthwise shapes (3x3 and 5x5, stride 1 or 2, no dilation) go
 * through a zero-padded copy of the plane, so the loop over output columns
 * has no bounds to check and K*K fixed taps the compiler unrolls: it
 * vectorizes across ox with every tap a contiguous load. For stride 2 the
 * copy is split into even and odd columns, which keeps those loads
 * contiguous too.
 */
#define DW_KERNEL(K, S)                                                                   \
	static void dw_k##K##s##S(const float *restrict p, int64_t pw, float *restrict out,  \
				  int64_t oh, int64_t ow, const float *restrict w, float bias) \
	{                                                                                  \
		/* S == 1: p is the padded plane, row stride pw. S == 2: p holds the even \
		 * columns, then (at p + ph*pw) the odd ones, each row pw wide. */        \
		int64_t ph = (oh - 1) * S + K;                                             \
		const float *restrict odd = p + ph * pw;                                   \
		for (int64_t oy = 0; oy < oh; oy++) {                                      \
			float *restrict o = out + oy * ow;                                 \
			for (int64_t ox = 0; ox < ow; ox++) {                              \
				float acc = bias;                                          \
				_Pragma("GCC unroll 5")                                    \
				for (int ky = 0; ky < K; ky++) {                           \
					const float *r = p + (oy * S + ky) * pw;           \
					const float *ro = odd + (oy * S + ky) * pw;        \
					_Pragma("GCC unroll 5")                            \
					for (int kx = 0; kx < K; kx++) {                   \
						float v = S == 1 ? r[ox + kx]              \
							  : (kx & 1) ? ro[ox + kx / 2]     \
								     : r[ox + kx / 2];     \
						acc += w[ky * K + kx] * v;                 \
					}                                                  \
				}                                                          \
				o[ox] = acc;                                               \
			}                                                                  \
		}                                                                          \
	}
DW_KERNEL(3, 1)
DW_KERNEL(3, 2)
DW_KERNEL(5, 1)
DW_KERNEL(5, 2)

/* Copies one input plane into the zero-padded layout the kernels above read:
 * rows [0, ph), columns [0, (ow-1)*S + K) of the padded input starting at
 * (-pad_t, -pad_l); for S == 2, even columns then odd columns. */
static void dw_pad_plane(const float *restrict in, int64_t ih, int64_t iw, int64_t ph,
			 int64_t pwid, int64_t pt, int64_t pl, int s, int64_t pw,
			 float *restrict row, float *restrict dst)
{
	/* the input columns that land inside [0, pwid) */
	int64_t x0 = pl < 0 ? 0 : pl, x1 = pl + iw < pwid ? pl + iw : pwid;
	for (int64_t y = 0; y < ph; y++) {
		int64_t iy = y - pt;
		memset(row, 0, sizeof(float) * (size_t)(s * pw));
		if (iy >= 0 && iy < ih && x1 > x0)
			memcpy(row + x0, in + iy * iw + (x0 - pl), sizeof(float) * (size_t)(x1 - x0));
		if (s == 1) {
			memcpy(dst + y * pw, row, sizeof(float) * (size_t)pwid);
		} else {
			float *restrict ev = dst + y * pw, *restrict od = dst + (ph + y) * pw;
			for (int64_t j = 0; j < pw; j++) {
				ev[j] = row[2 * j];
				od[j] = row[2 * j + 1];
			}
		}
	}
}

struct dw_job {
	const struct ir_kctx *k;
	const struct conv *c;
	int64_t ch, ih, iw, oh, ow, ph, pwid, pw;
	int act;
	float lo, hi;
};

static void dw_unit(void *vj, int64_t i)
{
	const struct dw_job *j = vj;
	const struct conv *c = j->c;
	const float *in = j->k->in[0], *w = j->k->in[1];
	const float *b = j->k->n->n_in > 2 ? j->k->in[2] : NULL;
	int64_t cc = i % j->ch, K = c->k[0], S = c->s[0], ksz = c->k[0] * c->k[1];
	const float *wc = w + cc * ksz;
	float bias = b ? b[cc] : 0.0f, *o = (float *)j->k->out[0] + i * j->oh * j->ow;
	if (!j->pw) { /* no fast kernel for this shape */
		dw_channel(in + i * j->ih * j->iw, j->ih, j->iw, o, j->oh, j->ow, wc, bias, c);
		if (j->act)
			ir_f32_clamp(o, j->oh * j->ow, j->lo, j->hi);
		return;
	}
	float *pad = ir_scratch(sizeof(float) * (size_t)(j->ph * j->pw * S + 2 * j->pw + 2));
	float *row = pad + j->ph * j->pw * S;
	dw_pad_plane(in + i * j->ih * j->iw, j->ih, j->iw, j->ph, j->pwid, c->p[0], c->p[1], (int)S,
		     j->pw, row, pad);
	if (K == 3 && S == 1)
		dw_k3s1(pad, j->pw, o, j->oh, j->ow, wc, bias);
	else if (K == 3)
		dw_k3s2(pad, j->pw, o, j->oh, j->ow, wc, bias);
	else if (S == 1)
		dw_k5s1(pad, j->pw, o, j->oh, j->ow, wc, bias);
	else
		dw_k5s2(pad, j->pw, o, j->oh, j->ow, wc, bias);
	if (j->act)
		ir_f32_clamp(o, j->oh * j->ow, j->lo, j->hi);
}

static void conv_depthwise(const struct ir_kctx *k, const struct conv *c)
{
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	struct dw_job j = {.k = k, .c = c};
	j.ch = x->dims[1], j.ih = x->dims[2], j.iw = x->dims[3];
	j.oh = y->dims[2], j.ow = y->dims[3];
	j.act = ir_act_range(k->n, &j.lo, &j.hi);
	int64_t K = c->k[0], S = c->s[0];
	int fast = c->k[0] == c->k[1] && (K == 3 || K == 5) && c->s[0] == c->s[1] &&
		   (S == 1 || S == 2) && c->d[0] == 1 && c->d[1] == 1;
	if (fast) {
		j.ph = (j.oh - 1) * S + K;
		j.pwid = (j.ow - 1) * S + K;
		j.pw = S == 1 ? j.pwid : (j.pwid + 1) / 2;
	}
	double work = (double)ir_tensor_numel(y) * c->k[0] * c->k[1];
	ir_parallel_for(ir_threads_for(k->threads, work), x->dims[0] * j.ch, dw_unit, &j);
}

/* ---- im2col + sgemm ---------------------------------------------------- */

/* Columns for output rows [oy0, oy1) of one group's cg input channels:
 * col[(ci*kh + ky)*kw + kx][(oy-oy0)*ow + ox]. */
static void im2col_band(const float *restrict in, int64_t cg, int64_t ih, int64_t iw,
			int64_t ow, int64_t oy0, int64_t oy1, const struct conv *c,
			float *restrict col)
{
	int64_t kh = c->k[0], kw = c->k[1], sh = c->s[0], sw = c->s[1];
	int64_t dh = c->d[0], dw = c->d[1], ph = c->p[0], pw = c->p[1];
	int64_t cols = (oy1 - oy0) * ow;
	for (int64_t ci = 0; ci < cg; ci++) {
		const float *plane = in + ci * ih * iw;
		for (int64_t ky = 0; ky < kh; ky++)
			for (int64_t kx = 0; kx < kw; kx++) {
				float *restrict dst = col + ((ci * kh + ky) * kw + kx) * cols;
				int64_t off = kx * dw - pw;
				int64_t lo = off < 0 ? (-off + sw - 1) / sw : 0;
				int64_t hi = iw - off <= 0 ? 0 : (iw - off + sw - 1) / sw;
				if (hi > ow)
					hi = ow;
				if (lo > hi)
					lo = hi;
				for (int64_t oy = oy0; oy < oy1; oy++) {
					float *restrict d = dst + (oy - oy0) * ow;
					int64_t iy = oy * sh + ky * dh - ph;
					if (iy < 0 || iy >= ih) {
						memset(d, 0, sizeof(float) * ow);
						continue;
					}
					const float *restrict src = plane + iy * iw + off;
					for (int64_t ox = 0; ox < lo; ox++)
						d[ox] = 0;
					if (sw == 1)
						memcpy(d + lo, src + lo, sizeof(float) * (hi - lo));
					else
						for (int64_t ox = lo; ox < hi; ox++)
							d[ox] = src[ox * sw];
					for (int64_t ox = hi; ox < ow; ox++)
						d[ox] = 0;
				}
			}
	}
}

/* The work of one node as units that do not depend on the thread count
 * (parallel.h): (image, group, band of output rows) for im2col, (image,
 * group, block of output channels, block of columns) for pointwise. */
struct conv_job {
	const struct ir_kctx *k;
	const struct conv *c;
	int64_t nb, ci, ih, iw, m, oh, ow, g, cg, mg, kk;
	int64_t rows, nband;      /* im2col: band height, bands per plane */
	int64_t mblk, nblk, nm, nn;  /* pointwise: block sizes and counts */
	int act;                     /* a fused activation: clamp to [lo, hi] */
	float lo, hi;
};

static void im2col_unit(void *vj, int64_t u)
{
	const struct conv_job *j = vj;
	const float *in = j->k->in[0], *w = j->k->in[1];
	const float *b = j->k->n->n_in > 2 ? j->k->in[2] : NULL;
	int64_t band = u % j->nband, gi = u / j->nband % j->g, bi = u / j->nband / j->g;
	int64_t oy0 = band * j->rows, oy1 = oy0 + j->rows < j->oh ? oy0 + j->rows : j->oh;
	int64_t cols = (oy1 - oy0) * j->ow;
	const float *xin = in + (bi * j->ci + gi * j->cg) * j->ih * j->iw;
	float *yout = (float *)j->k->out[0] + (bi * j->m + gi * j->mg) * j->oh * j->ow + oy0 * j->ow;
	float *col = ir_scratch(sizeof(float) * j->kk * cols);
	im2col_band(xin, j->cg, j->ih, j->iw, j->ow, oy0, oy1, j->c, col);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)j->mg, (int)cols, (int)j->kk,
		    1.0f, w + gi * j->mg * j->kk, (int)j->kk, col, (int)cols, 0.0f, yout,
		    (int)(j->oh * j->ow));
	if (b)
		for (int64_t i = 0; i < j->mg; i++) {
			float bi_ = b[gi * j->mg + i];
			float *restrict row = yout + i * j->oh * j->ow;
			for (int64_t q = 0; q < cols; q++)
				row[q] += bi_;
		}
	if (j->act)
		for (int64_t i = 0; i < j->mg; i++)
			ir_f32_clamp(yout + i * j->oh * j->ow, cols, j->lo, j->hi);
}

static void conv_im2col(const struct ir_kctx *k, const struct conv *c)
{
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	struct conv_job j = {.k = k, .c = c};
	j.nb = x->dims[0], j.ci = x->dims[1], j.ih = x->dims[2], j.iw = x->dims[3];
	j.m = y->dims[1], j.oh = y->dims[2], j.ow = y->dims[3];
	j.g = c->group, j.cg = j.ci / j.g, j.mg = j.m / j.g;
	j.kk = j.cg * c->k[0] * c->k[1];
	j.act = ir_act_range(k->n, &j.lo, &j.hi);
	/* band height: keep the column buffer near 512 KiB (L2-sized) */
	j.rows = (512 * 1024 / 4) / (j.kk * j.ow > 0 ? j.kk * j.ow : 1);
	if (j.rows < 1)
		j.rows = 1;
	if (j.rows > j.oh)
		j.rows = j.oh;
	j.nband = (j.oh + j.rows - 1) / j.rows;
	double work = (double)ir_tensor_numel(y) * j.kk;
	ir_parallel_for(ir_threads_for(k->threads, work), j.nb * j.g * j.nband, im2col_unit, &j);
}

static void pointwise_unit(void *vj, int64_t u)
{
	const struct conv_job *j = vj;
	const float *in = j->k->in[0], *w = j->k->in[1];
	const float *b = j->k->n->n_in > 2 ? j->k->in[2] : NULL;
	int64_t hw = j->oh * j->ow;
	int64_t nbk = u % j->nn, mbk = u / j->nn % j->nm, gi = u / j->nn / j->nm % j->g;
	int64_t bi = u / j->nn / j->nm / j->g;
	int64_t m0 = mbk * j->mblk, m1 = m0 + j->mblk < j->mg ? m0 + j->mblk : j->mg;
	int64_t c0 = nbk * j->nblk, c1 = c0 + j->nblk < hw ? c0 + j->nblk : hw;
	float *yout = (float *)j->k->out[0] + (bi * j->m + gi * j->mg + m0) * hw + c0;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(m1 - m0), (int)(c1 - c0),
		    (int)j->cg, 1.0f, w + (gi * j->mg + m0) * j->cg, (int)j->cg,
		    in + (bi * j->ci + gi * j->cg) * hw + c0, (int)hw, 0.0f, yout, (int)hw);
	if (b)
		for (int64_t i = 0; i < m1 - m0; i++) {
			float bi_ = b[gi * j->mg + m0 + i];
			float *restrict row = yout + i * hw;
			for (int64_t q = 0; q < c1 - c0; q++)
				row[q] += bi_;
		}
	if (j->act)
		for (int64_t i = 0; i < m1 - m0; i++)
			ir_f32_clamp(yout + i * hw, c1 - c0, j->lo, j->hi);
}

/* A 1x1 conv over 1x1 maps (what ir-fuse makes of MatMul and Gemm): the
 * images are the rows of one product, Y[nb, M] = X[nb, C] W^T, in blocks of
 * 256 output channels. */
static void rowwise_unit(void *vj, int64_t u)
{
	const struct conv_job *j = vj;
	const float *in = j->k->in[0], *w = j->k->in[1];
	const float *b = j->k->n->n_in > 2 ? j->k->in[2] : NULL;
	int64_t m0 = u * j->mblk, m1 = m0 + j->mblk < j->m ? m0 + j->mblk : j->m;
	float *y = (float *)j->k->out[0] + m0;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)j->nb, (int)(m1 - m0),
		    (int)j->ci, 1.0f, in, (int)j->ci, w + m0 * j->ci, (int)j->ci, 0.0f, y, (int)j->m);
	for (int64_t r = 0; r < j->nb; r++) {
		float *restrict row = y + r * j->m;
		if (b)
			for (int64_t q = 0; q < m1 - m0; q++)
				row[q] += b[m0 + q];
		if (j->act)
			ir_f32_clamp(row, m1 - m0, j->lo, j->hi);
	}
}

static void conv_pointwise(const struct ir_kctx *k, const struct conv *c)
{
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	struct conv_job j = {.k = k, .c = c};
	j.nb = x->dims[0], j.ci = x->dims[1], j.oh = y->dims[2], j.ow = y->dims[3];
	j.m = y->dims[1], j.g = c->group, j.cg = j.ci / j.g, j.mg = j.m / j.g;
	j.act = ir_act_range(k->n, &j.lo, &j.hi);
	if (j.oh * j.ow == 1 && j.g == 1) {
		j.mblk = 256;
		double work = (double)j.nb * j.m * j.ci;
		ir_parallel_for(ir_threads_for(k->threads, work), (j.m + j.mblk - 1) / j.mblk,
				rowwise_unit, &j);
		return;
	}
	/* blocks of 256 output channels by 16384 columns: enough units for a
	 * few threads on the large maps, big enough that packing is noise */
	j.mblk = 256;
	j.nblk = 16384;
	j.nm = (j.mg + j.mblk - 1) / j.mblk;
	j.nn = (j.oh * j.ow + j.nblk - 1) / j.nblk;
	double work = (double)ir_tensor_numel(y) * j.cg;
	ir_parallel_for(ir_threads_for(k->threads, work), j.nb * j.g * j.nm * j.nn, pointwise_unit,
			&j);
}

/* ---- any rank, direct ---------------------------------------------------- */

static void conv_generic(const struct ir_kctx *k, const struct conv *c)
{
	const struct ir_tensor *x = k->ti[0], *w = k->ti[1], *y = k->to[0];
	const float *in = k->in[0], *wt = k->in[1], *b = k->n->n_in > 2 ? k->in[2] : NULL;
	float *out = k->out[0];
	int sp = c->sp;
	int64_t nb = x->dims[0], ci = x->dims[1], m = y->dims[1];
	int64_t cg = ci / c->group, mg = m / c->group;
	int64_t isz = ir_shape_numel(sp, x->dims + 2), osz = ir_shape_numel(sp, y->dims + 2);
	int64_t ksz = ir_shape_numel(sp, w->dims + 2);
	for (int64_t bi = 0; bi < nb; bi++)
		for (int64_t mo = 0; mo < m; mo++) {
			int64_t gi = mo / mg;
			for (int64_t o = 0; o < osz; o++) {
				int64_t oc[IR_MAX_RANK], r = o;
				for (int d = sp - 1; d >= 0; d--) {
					oc[d] = r % y->dims[2 + d];
					r /= y->dims[2 + d];
				}
				double acc = b ? b[mo] : 0;
				for (int64_t kc = 0; kc < cg; kc++) {
					const float *ip = in + (bi * ci + gi * cg + kc) * isz;
					const float *wp = wt + (mo * cg + kc) * ksz;
					for (int64_t kq = 0; kq < ksz; kq++) {
						int64_t kr = kq, idx = 0, ok = 1, kcoord[IR_MAX_RANK];
						for (int d = sp - 1; d >= 0; d--) {
							kcoord[d] = kr % c->k[d];
							kr /= c->k[d];
						}
						for (int d = 0; d < sp && ok; d++) {
							int64_t ic = oc[d] * c->s[d] + kcoord[d] * c->d[d] - c->p[d];
							if (ic < 0 || ic >= x->dims[2 + d])
								ok = 0;
							idx = idx * x->dims[2 + d] + ic;
						}
						if (ok)
							acc += (double)ip[idx] * wp[kq];
					}
				}
				out[(bi * m + mo) * osz + o] = (float)acc;
			}
		}
}

static void conv_winograd(const struct ir_kctx *k, const struct conv *c)
{
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	const float *b = k->n->n_in > 2 ? k->in[2] : NULL;
	int64_t ci = x->dims[1], ih = x->dims[2], iw = x->dims[3];
	int64_t m = y->dims[1], oh = y->dims[2], ow = y->dims[3];
	double work = (double)ir_tensor_numel(y) * ci * 9;
	k_winograd_conv(k->in[0], x->dims[0], ci, ih, iw, c->wino, b, k->out[0], m, oh, ow, c->p[0],
			c->p[1], ir_threads_for(k->threads, work));
}

int k_conv(const struct ir_kctx *k)
{
	const struct conv *c = k->state;
	float lo, hi;
	switch (c->path) {
	case CONV_WINOGRAD:
		conv_winograd(k, c);
		break;
	case CONV_POINTWISE: conv_pointwise(k, c); return 0;  /* clamped per unit */
	case CONV_DEPTHWISE: conv_depthwise(k, c); return 0;
	case CONV_IM2COL: conv_im2col(k, c); return 0;
	default:
		conv_generic(k, c);
		break;
	}
	if (ir_act_range(k->n, &lo, &hi))
		ir_f32_clamp(k->out[0], ir_tensor_numel(k->to[0]), lo, hi);
	return 0;
}
