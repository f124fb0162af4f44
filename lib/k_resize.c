/*
 * k_resize.c: the Resize kernel (formats/ir.md, "Operators"): ONNX Resize-13
 * on f32 tensors of any rank, every mode (nearest, linear, cubic), every
 * coordinate_transformation_mode, nearest_mode, cubic_coeff_a,
 * exclude_outside, and roi with extrapolation_value for tf_crop_and_resize.
 * The attribute scales drives the coordinate transform and sizes is the
 * output shape; infer_resize has checked both.
 *
 * Resize is separable: each output index of each axis reads a few input
 * indices of that axis (1 for nearest, 2 for linear, 4 for cubic) with fixed
 * weights, and an N-d resize applies the axes one after another. So the
 * kernel first tabulates, per axis and output index, the source indices and
 * weights, exactly as the ONNX reference computes them (in double), and then
 * runs one of three loops over the data:
 *   - no axis interpolates (nearest, or linear/cubic landing on whole
 *     pixels): an N-d gather, where an output row or plane that reads the
 *     same source as the one before is a memcpy of it (integer upsampling);
 *   - only the last two axes interpolate (NCHW, CHW): per plane, input rows
 *     are interpolated along W once each into a small row cache and output
 *     rows blend cached rows along H; this is the FPN upsampling hot path;
 *   - otherwise one pass per resized axis, innermost first (the reference's
 *     order), through scratch buffers.
 *
 * Reference semantics worth knowing (checked against the ONNX backend test
 * data): the "output length" in align_corners, pytorch_half_pixel and
 * tf_crop_and_resize is scale * input length, not the integer size, and
 * source indices outside the input are clamped to the edge.
 */
#include "ops.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { RS_NEAREST, RS_LINEAR, RS_CUBIC };
enum { CT_HALF_PIXEL, CT_ASYMMETRIC, CT_ALIGN_CORNERS, CT_PYTORCH_HALF_PIXEL,
       CT_TF_HALF_PIXEL_FOR_NN, CT_TF_CROP_AND_RESIZE };
enum { NM_ROUND_PREFER_FLOOR, NM_ROUND_PREFER_CEIL, NM_FLOOR, NM_CEIL };

struct rs_cfg {
	int mode, ctm, nm, exclude;
	double a;              /* cubic_coeff_a */
	float extrap;          /* extrapolation_value */
};

/* What an axis does, from its tables. */
enum { AX_IDENTITY, AX_INDEX, AX_INTERP };

/* One axis: for output index o and tap t, source index idx[t * out + o]
 * (clamped into the input) with weight w[t * out + o]; outside[o] set when
 * tf_crop_and_resize maps o outside the input (the output is then the
 * extrapolation value). Taps reading the same index are merged and unused
 * taps repeat the first index with weight 0, so they cost no extra row. */
struct rs_axis {
	int64_t in, out;
	int ntap, kind;
	int32_t *idx;
	float *w;
	unsigned char *outside;    /* NULL when no index is outside */
	/* Integer upsampling by 2, 4 or 8 repeats the same weights every
	 * `period` outputs, one source index further each time: outputs
	 * [plo, plo + nper * period) are periodic (see axis_period). */
	int period;
	int64_t plo, nper;
};

static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return 0;
}

static void cfg_read(const struct ir_node *n, struct rs_cfg *c)
{
	static const char *const modes[] = {"nearest", "linear", "cubic"};
	static const char *const ctms[] = {"half_pixel", "asymmetric", "align_corners",
					   "pytorch_half_pixel", "tf_half_pixel_for_nn",
					   "tf_crop_and_resize"};
	static const char *const nms[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					  "ceil"};
	c->mode = pick(ir_attr_string(n, "mode", "nearest"), modes, 3);
	c->ctm = pick(ir_attr_string(n, "coordinate_transformation_mode", "half_pixel"), ctms, 6);
	c->nm = pick(ir_attr_string(n, "nearest_mode", "round_prefer_floor"), nms, 4);
	c->a = ir_attr_float(n, "cubic_coeff_a", -0.75f);
	c->exclude = ir_attr_int(n, "exclude_outside", 0) != 0;
	c->extrap = ir_attr_float(n, "extrapolation_value", 0.0f);
}

/* The input coordinate of output index x (the Resize-13 formulas); sets
 * *outside for tf_crop_and_resize beyond the input. */
static double src_coord(const struct rs_cfg *c, int64_t x, double scale, int64_t in,
			double out_w, float r0, float r1, int *outside)
{
	double v;
	*outside = 0;
	switch (c->ctm) {
	case CT_ASYMMETRIC:
		return x / scale;
	case CT_ALIGN_CORNERS:
		return out_w == 1 ? 0 : x * (double)(in - 1) / (out_w - 1);
	case CT_PYTORCH_HALF_PIXEL:
		return out_w == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
	case CT_TF_HALF_PIXEL_FOR_NN:
		return (x + 0.5) / scale;
	case CT_TF_CROP_AND_RESIZE: {
		double len = (double)(r1 - r0);   /* the reference subtracts in f32 */
		v = out_w == 1 ? len * (double)(in - 1) / 2 : x * len * (double)(in - 1) / (out_w - 1);
		v += r0 * (double)(in - 1);
		*outside = v < 0 || v > (double)(in - 1);
		return v;
	}
	default:
		return (x + 0.5) / scale - 0.5;
	}
}

static void cubic_coeffs(double r, double a, double *c)
{
	double s = r + 1, t = 1 - r, u = 2 - r;
	c[0] = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
	c[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
	c[2] = ((a + 2) * t - (a + 3)) * t * t + 1;
	c[3] = ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
}

static int64_t clamp_idx(int64_t i, int64_t n)
{
	return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* Fills the axis tables (memory already attached) and classifies it. */
static void axis_build(struct rs_axis *ax, const struct rs_cfg *c, float scalef, float r0,
		       float r1)
{
	int64_t in = ax->in, out = ax->out;
	int nt = ax->ntap;
	double scale = scalef, out_w = scale * (double)in;
	/* A scale the importer derived from sizes is out/in rounded to f32:
	 * use the exact ratio, as the reference does, so that "output length
	 * 1" tests and the align_corners divisor come out exact. */
	if (out > 0 && fabs(out_w - (double)out) <= 1e-6 * (double)out) {
		out_w = (double)out;
		scale = (double)out / (double)in;
	}
	int identity = in == out, index = 1, any_out = 0;
	for (int64_t o = 0; o < out; o++) {
		int outside;
		double xo = src_coord(c, o, scale, in, out_w, r0, r1, &outside);
		double f = floor(xo), r = xo - f, wt[4] = {1, 0, 0, 0};
		int64_t x0 = (int64_t)f, ti[4] = {x0, x0, x0, x0};
		int k = 1;
		if (outside) {
			any_out = 1;
			ax->outside[o] = 1;
		} else if (c->mode == RS_NEAREST) {
			if (r > 0 && (c->nm == NM_CEIL || (c->nm == NM_ROUND_PREFER_FLOOR && r > 0.5) ||
				      (c->nm == NM_ROUND_PREFER_CEIL && r >= 0.5)))
				ti[0] = x0 + 1;
		} else if (c->mode == RS_LINEAR) {
			k = 2;
			ti[1] = x0 + 1;
			wt[0] = 1 - r;
			wt[1] = r;
		} else {
			k = 4;
			for (int t = 0; t < 4; t++)
				ti[t] = x0 - 1 + t;
			cubic_coeffs(r, c->a, wt);
		}
		if (c->exclude && k > 1) {
			double sum = 0;
			for (int t = 0; t < k; t++) {
				if (ti[t] < 0 || ti[t] >= in)
					wt[t] = 0;
				sum += wt[t];
			}
			for (int t = 0; sum != 0 && t < k; t++)
				wt[t] /= sum;
		}
		/* Merge taps that clamp to the same index; drop zero weights. */
		int64_t mi[4];
		double mw[4];
		int m = 0;
		for (int t = 0; t < k; t++) {
			int64_t i = clamp_idx(ti[t], in);
			int j = 0;
			while (j < m && mi[j] != i)
				j++;
			if (j == m) {
				mi[m] = i;
				mw[m++] = 0;
			}
			mw[j] += wt[t];
		}
		int z = 0;
		for (int j = 0; j < m; j++)
			if (mw[j] != 0) {
				mi[z] = mi[j];
				mw[z++] = mw[j];
			}
		if (z == 0) {
			mw[0] = 0;
			z = 1;
		}
		for (int t = 0; t < nt; t++) {
			ax->idx[t * out + o] = (int32_t)mi[t < z ? t : 0];
			ax->w[t * out + o] = t < z ? (float)mw[t] : 0.0f;
		}
		if (!outside && (z > 1 || mw[0] != 1))
			index = identity = 0;
		if (outside || mi[0] != o)
			identity = 0;
	}
	if (!any_out)
		ax->outside = NULL;
	ax->kind = identity ? AX_IDENTITY : index ? AX_INDEX : AX_INTERP;
	if (ax->kind != AX_INTERP)
		ax->ntap = 1;  /* tap 0 holds the index; the rest is unused */
}

/* Finds the periodic stretch of an interpolating axis that upsamples by 2,
 * 4 or 8: where output o + P reads the sources of o shifted by one with the
 * same weights. Only the ends (clamped taps) fall outside it. */
static void axis_period(struct rs_axis *ax)
{
	int64_t P = ax->in > 0 ? ax->out / ax->in : 0, n = ax->out;
	ax->period = 0;
	if (ax->kind != AX_INTERP || ax->outside || ax->out != P * ax->in ||
	    (P != 2 && P != 4 && P != 8))
		return;
	int64_t lo = 0, hi;
	for (;;) {
		for (; lo + P < n; lo++) {
			int ok = 1;
			for (int t = 0; t < ax->ntap && ok; t++)
				ok = ax->idx[t * n + lo + P] == ax->idx[t * n + lo] + 1 &&
				     ax->w[t * n + lo + P] == ax->w[t * n + lo];
			if (ok)
				break;
		}
		if (lo + P >= n)
			return;
		for (hi = lo; hi + P < n; hi++) {
			int ok = 1;
			for (int t = 0; t < ax->ntap && ok; t++)
				ok = ax->idx[t * n + hi + P] == ax->idx[t * n + hi] + 1 &&
				     ax->w[t * n + hi + P] == ax->w[t * n + hi];
			if (!ok)
				break;
		}
		/* [lo, hi + P) holds (hi + P - lo) / P whole periods */
		if (hi - lo >= P)
			break;
		lo = hi + 1;
	}
	ax->period = (int)P;
	ax->plo = lo;
	ax->nper = (hi + P - lo) / P;
}

/* ---- no axis interpolates: an N-d gather -------------------------------- */

struct gat {
	int rank;
	const struct rs_axis *ax;
	int64_t ist[IR_MAX_RANK];  /* input strides, elements */
	int64_t blk[IR_MAX_RANK];  /* output elements per index of axis d */
	int64_t rep;               /* innermost: idx[o] == o / rep for all o, else 0 */
	float e;
};

static void fill_f(float *d, int64_t n, float v)
{
	for (int64_t i = 0; i < n; i++)
		d[i] = v;
}

static void gat_row(const struct gat *g, float *d, const float *s)
{
	const struct rs_axis *ax = &g->ax[g->rank - 1];
	int64_t n = ax->out;
	const int32_t *ix = ax->idx;
	if (ax->kind == AX_IDENTITY) {
		memcpy(d, s, sizeof(float) * (size_t)n);
	} else if (g->rep == 2) {
		int64_t h = n / 2;
		for (int64_t i = 0; i < h; i++)
			d[2 * i] = d[2 * i + 1] = s[i];
		if (n & 1)
			d[n - 1] = s[h];
	} else if (g->rep > 2) {
		int64_t r = g->rep;
		for (int64_t o = 0; o < n; o += r) {
			float v = s[o / r];
			for (int64_t j = o; j < o + r && j < n; j++)
				d[j] = v;
		}
	} else {
		for (int64_t o = 0; o < n; o++)
			d[o] = s[ix[o]];
		if (ax->outside)
			for (int64_t o = 0; o < n; o++)
				if (ax->outside[o])
					d[o] = g->e;
	}
}

static void gat_rec(const struct gat *g, int d, float *out, const float *in)
{
	if (d == g->rank - 1) {
		gat_row(g, out, in);
		return;
	}
	const struct rs_axis *ax = &g->ax[d];
	int64_t blk = g->blk[d];
	for (int64_t o = 0; o < ax->out; o++) {
		float *dst = out + o * blk;
		if (ax->outside && ax->outside[o])
			fill_f(dst, blk, g->e);
		else if (o > 0 && ax->idx[o] == ax->idx[o - 1] &&
			 !(ax->outside && ax->outside[o - 1]))
			memcpy(dst, dst - blk, sizeof(float) * (size_t)blk);
		else
			gat_rec(g, d + 1, dst, in + ax->idx[o] * g->ist[d]);
	}
}

static void resize_gather(float *out, const float *in, int rank, const int64_t *xd,
			  const struct rs_axis *ax, float e)
{
	struct gat g = {.rank = rank, .ax = ax, .e = e};
	if (rank == 0) {
		out[0] = in[0];
		return;
	}
	int64_t s = 1, b = 1;
	for (int d = rank - 1; d >= 0; d--) {
		g.ist[d] = s;
		g.blk[d] = b;
		s *= xd[d];
		b *= ax[d].out;
	}
	const struct rs_axis *l = &ax[rank - 1];
	if (l->kind == AX_INDEX && !l->outside && l->out > 1 && l->idx[1] == 0) {
		/* integer nearest upsampling of rows: idx = o / rep */
		int64_t r = 1;
		while (r < l->out && l->idx[r] == 0)
			r++;
		g.rep = r;
		for (int64_t o = 0; g.rep && o < l->out; o++)
			if (l->idx[o] != o / r)
				g.rep = 0;
	}
	gat_rec(&g, 0, out, in);
}

/* ---- interpolation along one axis ---------------------------------------- */

/* Eight floats at a time with GCC/Clang vector extensions: plain loads,
 * multiplies and adds that the target's SIMD (SSE, AVX, NEON) carries out,
 * without relying on -O3's loop vectorizer. Loads and stores are macros:
 * passing a 32-byte vector to a function changes the ABI without AVX. */
typedef float vf8 __attribute__((vector_size(32)));
#define LD8(v, p) memcpy(&(v), (p), sizeof(vf8))
#define ST8(p, v) memcpy((p), &(v), sizeof(vf8))

typedef int32_t vi8 __attribute__((vector_size(32)));
#if defined(__clang__)
#define ZIP_LO(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11)
#define ZIP_HI(a, b) __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15)
#else
#define ZIP_LO(a, b) __builtin_shuffle(a, b, (vi8){0, 8, 1, 9, 2, 10, 3, 11})
#define ZIP_HI(a, b) __builtin_shuffle(a, b, (vi8){4, 12, 5, 13, 6, 14, 7, 15})
#endif

/* The periodic stretch of a row, 8 periods at a time: each phase of the
 * period is a weighted sum of contiguous source vectors, and the P phase
 * vectors are interleaved (zipped log2 P times) into 8 * P outputs. A last
 * partial block is redone overlapping the one before. Linear x2, the FPN
 * case, has its own straight-line loop. */
static void interp_periodic(float *restrict d, const float *restrict s, const struct rs_axis *ax)
{
	int P = ax->period, nt = ax->ntap;
	int64_t n = ax->out, lo = ax->plo, np = ax->nper, j = 0;
	const int32_t *ix = ax->idx;
	const float *w = ax->w;
	if (np >= 8 && P == 2 && nt == 2) {
		float a0 = w[lo], b0 = w[n + lo], a1 = w[lo + 1], b1 = w[n + lo + 1];
		vf8 va0 = {a0, a0, a0, a0, a0, a0, a0, a0}, vb0 = {b0, b0, b0, b0, b0, b0, b0, b0};
		vf8 va1 = {a1, a1, a1, a1, a1, a1, a1, a1}, vb1 = {b1, b1, b1, b1, b1, b1, b1, b1};
		const float *p0 = s + ix[lo], *q0 = s + ix[n + lo];
		const float *p1 = s + ix[lo + 1], *q1 = s + ix[n + lo + 1];
		float *out = d + lo;
		for (;; j += 8) {
			if (j + 8 > np)
				j = np - 8;
			vf8 x0, y0, x1, y1;
			LD8(x0, p0 + j);
			LD8(y0, q0 + j);
			LD8(x1, p1 + j);
			LD8(y1, q1 + j);
			vf8 e = va0 * x0 + vb0 * y0, o = va1 * x1 + vb1 * y1;
			vf8 lo8 = ZIP_LO(e, o), hi8 = ZIP_HI(e, o);
			ST8(out + 2 * j, lo8);
			ST8(out + 2 * j + 8, hi8);
			if (j + 8 == np)
				return;
		}
	}
	for (; np >= 8; j += 8) {
		vf8 a[8], b[8];
		if (j + 8 > np)
			j = np - 8;
		for (int ph = 0; ph < P; ph++) {
			int64_t o = lo + ph;
			vf8 acc, v;
			LD8(acc, s + ix[o] + j);
			acc *= w[o];
			for (int t = 1; t < nt; t++) {
				LD8(v, s + ix[t * n + o] + j);
				acc += w[t * n + o] * v;
			}
			a[ph] = acc;
		}
		/* a holds cnt sequences of m vectors; zip sequence k with k + cnt/2 */
		vf8 *x = a, *y = b;
		for (int cnt = P, m = 1; cnt > 1; cnt /= 2, m *= 2) {
			int half = cnt / 2;
			for (int k = 0; k < half; k++)
				for (int v = 0; v < m; v++) {
					vf8 p = x[k * m + v], q = x[(k + half) * m + v];
					y[2 * k * m + 2 * v] = ZIP_LO(p, q);
					y[2 * k * m + 2 * v + 1] = ZIP_HI(p, q);
				}
			vf8 *t = x;
			x = y;
			y = t;
		}
		for (int v = 0; v < P; v++)
			ST8(d + lo + j * P + 8 * v, x[v]);
		if (j + 8 == np)
			return;
	}
	for (; j < np; j++)
		for (int ph = 0; ph < P; ph++) {
			int64_t o = lo + ph;
			float acc = 0;
			for (int t = 0; t < nt; t++)
				acc += w[t * n + o] * s[ix[t * n + o] + j];
			d[lo + j * P + ph] = acc;
		}
}

/* One row along the axis: d[o] = sum over taps of w * s[idx]. */
static void interp_row(float *restrict d, const float *restrict s, const struct rs_axis *ax,
		       float e)
{
	int64_t n = ax->out;
	const int32_t *restrict i0 = ax->idx, *restrict i1 = i0 + n, *restrict i2 = i1 + n,
		      *restrict i3 = i2 + n;
	const float *restrict w0 = ax->w, *restrict w1 = w0 + n, *restrict w2 = w1 + n,
		    *restrict w3 = w2 + n;
	switch (ax->ntap) {
	case 1:
		if (ax->kind == AX_IDENTITY)
			memcpy(d, s, sizeof(float) * (size_t)n);
		else
			for (int64_t o = 0; o < n; o++)
				d[o] = s[i0[o]];
		break;
	case 2:
		for (int64_t o = 0; o < n; o++) {
			if (o == ax->plo && ax->period) {
				interp_periodic(d, s, ax);
				o += ax->nper * ax->period - 1;
				continue;
			}
			d[o] = w0[o] * s[i0[o]] + w1[o] * s[i1[o]];
		}
		break;
	default:
		for (int64_t o = 0; o < n; o++) {
			if (o == ax->plo && ax->period) {
				interp_periodic(d, s, ax);
				o += ax->nper * ax->period - 1;
				continue;
			}
			d[o] = w0[o] * s[i0[o]] + w1[o] * s[i1[o]] + w2[o] * s[i2[o]] +
			       w3[o] * s[i3[o]];
		}
	}
	if (ax->outside)
		for (int64_t o = 0; o < n; o++)
			if (ax->outside[o])
				d[o] = e;
}

/* Output row o of an axis whose inner extent is len: blends the source rows
 * r[t] with the axis weights for o. */
static void blend_rows(float *restrict d, const float *const *r, const struct rs_axis *ax,
		       int64_t o, int64_t len)
{
	int64_t n = ax->out, i = 0;
	const float *w = ax->w;
	if (ax->ntap == 1 || (ax->ntap == 2 && w[n + o] == 0)) {
		memcpy(d, r[0], sizeof(float) * (size_t)len);
	} else if (ax->ntap == 2) {
		float a = w[o], b = w[n + o];
		const float *restrict p = r[0], *restrict q = r[1];
		vf8 va = {a, a, a, a, a, a, a, a}, vb = {b, b, b, b, b, b, b, b};
		for (; i + 8 <= len; i += 8) {
			vf8 x, y;
			LD8(x, p + i);
			LD8(y, q + i);
			x = va * x + vb * y;
			ST8(d + i, x);
		}
		for (; i < len; i++)
			d[i] = a * p[i] + b * q[i];
	} else {
		float a = w[o], b = w[n + o], c = w[2 * n + o], e = w[3 * n + o];
		const float *restrict p = r[0], *restrict q = r[1], *restrict u = r[2],
				      *restrict v = r[3];
		vf8 va = {a, a, a, a, a, a, a, a}, vb = {b, b, b, b, b, b, b, b};
		vf8 vc = {c, c, c, c, c, c, c, c}, ve = {e, e, e, e, e, e, e, e};
		for (; i + 8 <= len; i += 8) {
			vf8 x, y, z, t;
			LD8(x, p + i);
			LD8(y, q + i);
			LD8(z, u + i);
			LD8(t, v + i);
			x = va * x + vb * y + vc * z + ve * t;
			ST8(d + i, x);
		}
		for (; i < len; i++)
			d[i] = a * p[i] + b * q[i] + c * u[i] + e * v[i];
	}
}

/* One axis over a [outer, in, inner] tensor into [outer, out, inner]. */
static void resize_pass(float *dst, const float *src, int64_t outer, int64_t inner,
			const struct rs_axis *ax, float e)
{
	int64_t in = ax->in, out = ax->out;
	for (int64_t a = 0; a < outer; a++) {
		const float *s = src + a * in * inner;
		float *d = dst + a * out * inner;
		if (inner == 1) {
			interp_row(d, s, ax, e);
			continue;
		}
		for (int64_t o = 0; o < out; o++) {
			const float *r[4];
			if (ax->outside && ax->outside[o]) {
				fill_f(d + o * inner, inner, e);
				continue;
			}
			for (int t = 0; t < ax->ntap; t++)
				r[t] = s + ax->idx[t * out + o] * inner;
			blend_rows(d + o * inner, r, ax, o, inner);
		}
	}
}

/* ---- the last two axes interpolate: per plane with a row cache ----------- */

/* rows: ay->ntap cached rows of ax->out floats. A source row iy lives in
 * slot iy % ntap: the taps of one output row are distinct indices within
 * ntap consecutive ones, so they never evict each other. */
static void resize_planes(float *out, const float *in, int64_t planes,
			  const struct rs_axis *ay, const struct rs_axis *ax, float *rows,
			  float e)
{
	int ny = ay->ntap;
	int64_t ih = ay->in, iw = ax->in, oh = ay->out, ow = ax->out;
	for (int64_t p = 0; p < planes; p++) {
		const float *src = in + p * ih * iw;
		float *dst = out + p * oh * ow;
		int64_t tag[4] = {-1, -1, -1, -1};
		for (int64_t oy = 0; oy < oh; oy++) {
			float *d = dst + oy * ow;
			const float *r[4];
			if (ay->outside && ay->outside[oy]) {
				fill_f(d, ow, e);
				continue;
			}
			if (ny == 1) {
				/* rows repeat under integer upsampling along H */
				if (oy > 0 && ay->idx[oy] == ay->idx[oy - 1] &&
				    !(ay->outside && ay->outside[oy - 1]))
					memcpy(d, d - ow, sizeof(float) * (size_t)ow);
				else
					interp_row(d, src + ay->idx[oy] * iw, ax, e);
				continue;
			}
			for (int t = 0; t < ny; t++) {
				int64_t iy = ay->idx[t * oh + oy], slot = iy % ny;
				float *row = rows + slot * ow;
				if (tag[slot] != iy) {
					interp_row(row, src + iy * iw, ax, e);
					tag[slot] = iy;
				}
				r[t] = row;
			}
			blend_rows(d, r, ay, oy, ow);
		}
	}
}

/* ---- the kernel ---------------------------------------------------------- */

int k_resize(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	const float *in = k->in[0];
	float *out = k->out[0];
	int rank = x->rank;
	struct rs_cfg c;
	if (ir_tensor_numel(y) == 0)
		return 0;
	if (ir_tensor_numel(x) == 0)
		return ir_error("%sinput \"%s\" is empty; there is nothing to resize from",
				ir_node_ctx(n), x->name);
	for (int d = 0; d < rank; d++)
		if (x->dims[d] > INT32_MAX || y->dims[d] > INT32_MAX)
			return ir_error("%saxis %d is longer than the 2^31 - 1 elements the "
					"index tables hold", ir_node_ctx(n), d);
	cfg_read(n, &c);
	const struct ir_attr *sc = ir_attr_find(n, "scales"), *roi = ir_attr_find(n, "roi");
	int nt = c.mode == RS_NEAREST ? 1 : c.mode == RS_LINEAR ? 2 : 4;

	/* One block for every axis table; each axis starts 8-byte aligned. */
	size_t per = (size_t)nt * (sizeof(int32_t) + sizeof(float)), bytes = 0;
	for (int d = 0; d < rank; d++)
		bytes += (size_t)y->dims[d] * per + (((size_t)y->dims[d] + 7) & ~(size_t)7);
	char *mem = xmalloc(bytes ? bytes : 1), *p = mem;
	struct rs_axis ax[IR_MAX_RANK];
	for (int d = 0; d < rank; d++) {
		int64_t o = y->dims[d];
		ax[d] = (struct rs_axis){.in = x->dims[d], .out = o, .ntap = nt};
		ax[d].idx = (int32_t *)p;
		p += sizeof(int32_t) * (size_t)(nt * o);
		ax[d].w = (float *)p;
		p += sizeof(float) * (size_t)(nt * o);
		ax[d].outside = (unsigned char *)p;
		memset(p, 0, (size_t)o);
		p += ((size_t)o + 7) & ~(size_t)7;
		float r0 = 0, r1 = 1;
		if (c.ctm == CT_TF_CROP_AND_RESIZE && roi) {
			r0 = roi->floats[d];
			r1 = roi->floats[d + rank];
		}
		axis_build(&ax[d], &c, sc->floats[d], r0, r1);
		axis_period(&ax[d]);
	}

	int interp = 0, lead_identity = 1;
	for (int d = 0; d < rank; d++) {
		interp |= ax[d].kind == AX_INTERP;
		if (d < rank - 2 && ax[d].kind != AX_IDENTITY)
			lead_identity = 0;
	}
	if (!interp) {
		resize_gather(out, in, rank, x->dims, ax, c.extrap);
	} else if (rank >= 2 && lead_identity) {
		const struct rs_axis *ay = &ax[rank - 2], *axx = &ax[rank - 1];
		float *rows = ir_scratch(sizeof(float) * (size_t)(ay->ntap * axx->out));
		resize_planes(out, in, ir_shape_numel(rank - 2, x->dims), ay, axx, rows, c.extrap);
	} else {
		/* One pass per axis that moves, innermost first, ping-ponging
		 * between two scratch buffers; the last pass writes the output. */
		int64_t cur[IR_MAX_RANK], most = 0, last = -1;
		memcpy(cur, x->dims, sizeof(int64_t) * (size_t)rank);
		for (int d = rank - 1; d >= 0; d--) {
			if (ax[d].kind == AX_IDENTITY)
				continue;
			cur[d] = ax[d].out;
			int64_t m = ir_shape_numel(rank, cur);
			most = m > most ? m : most;
			last = d;
		}
		float *buf = ir_scratch(sizeof(float) * (size_t)(2 * most));
		const float *src = in;
		memcpy(cur, x->dims, sizeof(int64_t) * (size_t)rank);
		int flip = 0;
		for (int d = rank - 1; d >= 0; d--) {
			if (ax[d].kind == AX_IDENTITY)
				continue;
			float *dst = d == last ? out : buf + (flip ? most : 0);
			int64_t outer = ir_shape_numel(d, cur);
			int64_t inner = ir_shape_numel(rank - d - 1, cur + d + 1);
			resize_pass(dst, src, outer, inner, &ax[d], c.extrap);
			cur[d] = ax[d].out;
			src = dst;
			flip ^= 1;
		}
	}
	free(mem);
	return 0;
}
