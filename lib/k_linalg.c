/*
 * k_linalg.c: the kernels that are matrix products (formats/ir.md,
 * "Operators"): Gemm, MatMul and ConvTranspose, all f32 through OpenBLAS's
 * cblas_sgemm.
 *
 * Contract: shape inference (infer.c) has run, so inputs are f32 with
 * compatible shapes and every output's shape is in k->to[]. Attributes may
 * be absent and take ir.md's defaults; ConvTranspose's kernel size is read
 * from W, whose dims kernel_shape must match anyway. Every output element is
 * written (the executor does not clear outputs). Scratch comes from
 * ir_scratch, asked once per call because a second call may move the first
 * buffer.
 *
 * ConvTranspose is a GEMM plus a scatter: per image and group,
 * cols[Mg*K, HW] = W_g^T [Mg*K, Cg] x X_g [Cg, HW] (K taps per kernel), then
 * every column is added into the output at in*stride - pad + tap*dilation
 * ("col2im"). The 2-D path (1-D runs as 2-D with height 1) works on blocks
 * of input rows so cols stays in cache, and when the taps tile the output
 * exactly (kernel == stride, no dilation, no pads beyond output_padding: the
 * 2x2 stride-2 upsampling of PaddleOCR's detector) the scatter is a plain
 * store with the bias folded in and the output is never cleared. With one
 * input channel per group (depthwise upsampling) the GEMM would have depth
 * 1, so the scatter reads the input times the weight instead. 3-D and up
 * take one GEMM and a plain odometer scatter.
 */
#include "ops.h"

#include <cblas.h>
#include <string.h>

/* cblas takes blasint (int unless OpenBLAS was built with 64-bit ints). */
static int blas_fits(const struct ir_node *n, int64_t v)
{
	if ((int64_t)(blasint)v != v)
		return ir_error("%sdimension %lld is too large for BLAS", ir_node_ctx(n),
				(long long)v);
	return 0;
}

/* ---- Gemm --------------------------------------------------------------- */

int k_gemm(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *a = k->ti[0], *b = k->ti[1];
	const struct ir_tensor *c = n->n_in > 2 ? k->ti[2] : NULL;
	const float *A = k->in[0], *B = k->in[1];
	float *Y = k->out[0];
	float alpha = ir_attr_float(n, "alpha", 1.0f), beta = ir_attr_float(n, "beta", 1.0f);
	int ta = ir_attr_int(n, "transA", 0) != 0, tb = ir_attr_int(n, "transB", 0) != 0;
	int64_t M = k->to[0]->dims[0], N = k->to[0]->dims[1];
	int64_t K = ta ? a->dims[0] : a->dims[1];
	if (M == 0 || N == 0)
		return 0;
	if (blas_fits(n, M) < 0 || blas_fits(n, N) < 0 || blas_fits(n, K) < 0)
		return -1;

	/* beta*C goes into Y first (C broadcast: [], [1], [N], [1,N], [M,1],
	 * [M,N]); the product then accumulates onto it. */
	float gbeta = 0.0f;
	if (c && beta != 0.0f) {
		const float *C = k->in[2];
		int64_t cr = c->rank >= 2 ? c->dims[c->rank - 2] : 1;
		int64_t cc = c->rank >= 1 ? c->dims[c->rank - 1] : 1;
		for (int64_t i = 0; i < M; i++) {
			const float *ci = C + (cr == 1 ? 0 : i) * cc;
			float *yi = Y + i * N;
			if (cc == 1)
				for (int64_t j = 0; j < N; j++)
					yi[j] = beta * ci[0];
			else
				for (int64_t j = 0; j < N; j++)
					yi[j] = beta * ci[j];
		}
		gbeta = 1.0f;
	}
	if (K == 0) {
		if (gbeta == 0.0f)
			memset(Y, 0, sizeof(float) * M * N);
		return 0;
	}
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		    (blasint)M, (blasint)N, (blasint)K, alpha, A, (blasint)a->dims[1], B,
		    (blasint)b->dims[1], gbeta, Y, (blasint)N);
	return 0;
}

/* ---- MatMul ------------------------------------------------------------- */

int k_matmul(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *a = k->ti[0], *b = k->ti[1], *y = k->to[0];
	const float *A = k->in[0], *B = k->in[1];
	float *Y = k->out[0];
	int ra = a->rank, rb = b->rank;
	/* 1-D operands: A [K] is [1,K]; B [K] is [K,1] */
	int64_t M = ra == 1 ? 1 : a->dims[ra - 2], K = a->dims[ra - 1];
	int64_t N = rb == 1 ? 1 : b->dims[rb - 1];
	int ab = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
	int64_t total = ir_tensor_numel(y);
	if (total == 0)
		return 0;
	if (K == 0) {
		memset(Y, 0, sizeof(float) * total);
		return 0;
	}
	int64_t abatch = ir_shape_numel(ab, a->dims);
	if (blas_fits(n, M * (bb == 0 ? abatch : 1)) < 0 || blas_fits(n, N) < 0 ||
	    blas_fits(n, K) < 0)
		return -1;

	/* B without batch dims: A's batches are contiguous rows of one matrix */
	if (bb == 0) {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)(abatch * M),
			    (blasint)N, (blasint)K, 1.0f, A, (blasint)K, B, (blasint)N, 0.0f, Y,
			    (blasint)N);
		return 0;
	}

	/* broadcast batch dims: per output batch, the offsets into A and B (a
	 * dim of 1, or a missing one, has stride 0) */
	int r = ab > bb ? ab : bb;
	int64_t od[IR_MAX_RANK], as[IR_MAX_RANK], bs[IR_MAX_RANK];
	int64_t sa = M * K, sb = K * N;
	for (int i = r - 1; i >= 0; i--) {
		int ia = i - (r - ab), ib = i - (r - bb);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
		od[i] = da > db ? da : db;
		as[i] = da == 1 ? 0 : sa;
		bs[i] = db == 1 ? 0 : sb;
		sa *= da;
		sb *= db;
	}
	int64_t nb = ir_shape_numel(r, od), idx[IR_MAX_RANK] = {0};
	for (int64_t q = 0; q < nb; q++) {
		int64_t ao = 0, bo = 0;
		for (int i = 0; i < r; i++) {
			ao += idx[i] * as[i];
			bo += idx[i] * bs[i];
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)M, (blasint)N,
			    (blasint)K, 1.0f, A + ao, (blasint)K, B + bo, (blasint)N, 0.0f,
			    Y + q * M * N, (blasint)N);
		for (int i = r - 1; i >= 0 && ++idx[i] == od[i]; i--)
			idx[i] = 0;
	}
	return 0;
}

/* ---- ConvTranspose ------------------------------------------------------ */

struct ct_geom {
	int sp;
	int64_t N, C, M, G, Cg, Mg;
	int64_t in[IR_MAX_RANK], out[IR_MAX_RANK];
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], pb[IR_MAX_RANK];
	int64_t taps;             /* product of k */
	int64_t in_size, out_size;
};

static void ints_or(const struct ir_node *n, const char *name, int cnt, int64_t *out,
		    int64_t def)
{
	if (ir_attr_ints(n, name, out, cnt) != cnt)
		for (int i = 0; i < cnt; i++)
			out[i] = def;
}

static void ct_geom_init(const struct ir_kctx *k, struct ct_geom *g)
{
	const struct ir_tensor *x = k->ti[0], *w = k->ti[1], *y = k->to[0];
	int64_t pads[2 * IR_MAX_RANK];
	int sp = x->rank - 2;
	g->sp = sp;
	g->N = x->dims[0];
	g->C = x->dims[1];
	g->M = y->dims[1];
	g->G = ir_attr_int(k->n, "group", 1);
	g->Cg = g->C / g->G;
	g->Mg = w->dims[1];
	ints_or(k->n, "strides", sp, g->s, 1);
	ints_or(k->n, "dilations", sp, g->d, 1);
	ints_or(k->n, "pads", 2 * sp, pads, 0);
	g->taps = 1;
	for (int i = 0; i < sp; i++) {
		g->in[i] = x->dims[2 + i];
		g->out[i] = y->dims[2 + i];
		g->k[i] = w->dims[2 + i];
		g->pb[i] = pads[i];
		g->taps *= g->k[i];
	}
	g->in_size = ir_shape_numel(sp, g->in);
	g->out_size = ir_shape_numel(sp, g->out);
}

/* ceil(a / b) for b > 0 and any sign of a */
static int64_t div_up(int64_t a, int64_t b)
{
	return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/* Views a 1-D transposed conv as 2-D with a height of 1. (output_padding
 * and the end pads need no field: they only shape Y, which is given.) */
static void ct_as_2d(struct ct_geom *g)
{
	if (g->sp != 1)
		return;
	g->sp = 2;
	g->in[1] = g->in[0], g->out[1] = g->out[0], g->k[1] = g->k[0];
	g->s[1] = g->s[0], g->d[1] = g->d[0], g->pb[1] = g->pb[0];
	g->in[0] = g->out[0] = g->k[0] = g->s[0] = g->d[0] = 1;
	g->pb[0] = 0;
}

/* Do the taps tile the output exactly, each output cell written once? (Y
 * spanning exactly in*stride also means output_padding == the end pad.) */
static int ct_tiles(const struct ct_geom *g)
{
	for (int i = 0; i < g->sp; i++)
		if (g->k[i] != g->s[i] || (g->d[i] != 1 && g->k[i] != 1) || g->pb[i] != 0 ||
		    g->out[i] != g->in[i] * g->s[i])
			return 0;
	return 1;
}

/*
 * Row helpers. The unrolled blocks of VB elements have a fixed trip count,
 * which GCC's -O2 vectorizer (the "very cheap" cost model: no loop that
 * would need a scalar epilogue) turns into whole vectors; restrict tells it
 * that cols and the output do not overlap.
 */
#define VB 16

/* y[2i] = a[i] + b0, y[2i+1] = c[i] + b0: one output row of a 2-wide tap */
static inline void row_zip_bias(float *restrict y, const float *restrict a,
				const float *restrict c, float b0, int64_t n)
{
	int64_t i = 0;
	for (; i + VB <= n; i += VB)
		for (int u = 0; u < VB; u++) {
			y[2 * (i + u)] = a[i + u] + b0;
			y[2 * (i + u) + 1] = c[i + u] + b0;
		}
	for (; i < n; i++) {
		y[2 * i] = a[i] + b0;
		y[2 * i + 1] = c[i] + b0;
	}
}

static inline void row_add(float *restrict y, const float *restrict x, int64_t n)
{
	int64_t i = 0;
	for (; i + VB <= n; i += VB)
		for (int u = 0; u < VB; u++)
			y[i + u] += x[i + u];
	for (; i < n; i++)
		y[i] += x[i];
}

static inline void row_axpy(float *restrict y, float a, const float *restrict x, int64_t n)
{
	int64_t i = 0;
	for (; i + VB <= n; i += VB)
		for (int u = 0; u < VB; u++)
			y[i + u] += a * x[i + u];
	for (; i < n; i++)
		y[i] += a * x[i];
}

static inline void row_add_scalar(float *y, float b0, int64_t n)
{
	int64_t i = 0;
	for (; i + VB <= n; i += VB)
		for (int u = 0; u < VB; u++)
			y[i + u] += b0;
	for (; i < n; i++)
		y[i] += b0;
}

/* Tiling scatter: cols rows [r0, r0+nr) of every (m, kh, kw) go to output
 * rows ih*sh + kh, columns iw*sw + kw, plus the bias. */
static void ct_store_2d(const struct ct_geom *g, const float *cols, int64_t ncol,
			int64_t r0, int64_t nr, float *yg, const float *bias)
{
	int64_t W = g->in[1], OW = g->out[1], KH = g->k[0], KW = g->k[1];
	int64_t sh = g->s[0], sw = g->s[1];
	for (int64_t m = 0; m < g->Mg; m++) {
		float bm = bias ? bias[m] : 0.0f;
		float *ym = yg + m * g->out_size;
		for (int64_t kh = 0; kh < KH; kh++) {
			const float *cr = cols + (m * KH + kh) * KW * ncol;
			for (int64_t ih = 0; ih < nr; ih++) {
				float *yr = ym + ((r0 + ih) * sh + kh) * OW;
				const float *c0 = cr + ih * W;
				if (KW == 2) {
					row_zip_bias(yr, c0, c0 + ncol, bm, W);
				} else if (KW == 1) {
					for (int64_t iw = 0; iw < W; iw++)
						yr[iw * sw] = c0[iw] + bm;
				} else {
					for (int64_t kw = 0; kw < KW; kw++) {
						const float *ck = c0 + kw * ncol;
						for (int64_t iw = 0; iw < W; iw++)
							yr[iw * sw + kw] = ck[iw] + bm;
					}
				}
			}
		}
	}
}

/* General scatter-add of input rows [r0, r0+nr) into a cleared output. Tap
 * row r = (m, kh, kw) of the product is cols + r*rstride, times wmul[r] when
 * wmul is given: with one input channel per group the product is just the
 * input scaled by one weight per tap, so no GEMM (of depth 1) is run. */
static void ct_add_2d(const struct ct_geom *g, const float *cols, int64_t rstride,
		      const float *wmul, int64_t r0, int64_t nr, float *yg)
{
	int64_t W = g->in[1], OH = g->out[0], OW = g->out[1], KH = g->k[0], KW = g->k[1];
	int64_t sh = g->s[0], sw = g->s[1], dh = g->d[0], dw = g->d[1];
	int64_t ph = g->pb[0], pw = g->pb[1];
	for (int64_t m = 0; m < g->Mg; m++) {
		float *ym = yg + m * g->out_size;
		for (int64_t kh = 0; kh < KH; kh++) {
			for (int64_t kw = 0; kw < KW; kw++) {
				int64_t r = (m * KH + kh) * KW + kw;
				const float *cr = cols + r * rstride;
				float a = wmul ? wmul[r] : 1.0f;
				int64_t off = kw * dw - pw; /* ow = iw*sw + off */
				int64_t lo = off >= 0 ? 0 : div_up(-off, sw);
				int64_t hi = div_up(OW - off, sw);
				if (hi > W)
					hi = W;
				if (lo >= hi)
					continue;
				for (int64_t ih = 0; ih < nr; ih++) {
					int64_t oh = (r0 + ih) * sh - ph + kh * dh;
					if (oh < 0 || oh >= OH)
						continue;
					float *yr = ym + oh * OW + off;
					const float *c = cr + ih * W;
					if (sw == 1 && !wmul)
						row_add(yr + lo, c + lo, hi - lo);
					else if (sw == 1)
						row_axpy(yr + lo, a, c + lo, hi - lo);
					else
						for (int64_t iw = lo; iw < hi; iw++)
							yr[iw * sw] += a * c[iw];
				}
			}
		}
	}
}

/* Scatter-add for any rank, one tap and one input cell at a time. */
static void ct_add_nd(const struct ct_geom *g, const float *cols, float *yg)
{
	int sp = g->sp;
	for (int64_t r = 0; r < g->Mg * g->taps; r++) {
		int64_t m = r / g->taps, t = r % g->taps, tap[IR_MAX_RANK];
		for (int i = sp - 1; i >= 0; i--) {
			tap[i] = t % g->k[i];
			t /= g->k[i];
		}
		const float *cr = cols + r * g->in_size;
		float *ym = yg + m * g->out_size;
		int64_t pos[IR_MAX_RANK] = {0};
		for (int64_t q = 0; q < g->in_size; q++) {
			int64_t off = 0, ok = 1;
			for (int i = 0; i < sp; i++) {
				int64_t o = pos[i] * g->s[i] - g->pb[i] + tap[i] * g->d[i];
				ok &= o >= 0 && o < g->out[i];
				off = off * g->out[i] + o;
			}
			if (ok)
				ym[off] += cr[q];
			for (int i = sp - 1; i >= 0 && ++pos[i] == g->in[i]; i--)
				pos[i] = 0;
		}
	}
}

/* Input rows per GEMM block: about 512K floats of cols, whole rows. */
static int64_t ct_block_rows(const struct ct_geom *g)
{
	int64_t row = g->Mg * g->taps * g->in[1];
	int64_t rows = row > 0 ? ((int64_t)1 << 19) / row : g->in[0];
	if (rows < 1)
		rows = 1;
	return rows < g->in[0] ? rows : g->in[0];
}

/* How one image and group is computed. */
enum ct_mode {
	CT_DIRECT,   /* 1x1 taps, stride 1, no padding: the GEMM writes Y itself */
	CT_STORE,    /* 2-D, taps tile the output: GEMM blocks, plain stores */
	CT_ADD,      /* 2-D: GEMM blocks, scatter-add into a cleared output */
	CT_DEPTH1,   /* 2-D, one input channel per group: scaled input, no GEMM */
	CT_ND        /* 3-D and up: one GEMM, odometer scatter-add */
};

static int conv_transpose(const struct ir_kctx *k)
{
	const struct ir_node *n = k->n;
	const float *X = k->in[0], *Wt = k->in[1];
	const float *bias = n->n_in > 2 && k->ti[2] ? k->in[2] : NULL;
	float *Y = k->out[0];
	struct ct_geom g;
	ct_geom_init(k, &g);
	if (ir_tensor_numel(k->to[0]) == 0)
		return 0;
	ct_as_2d(&g);

	int64_t rows_k = g.Mg * g.taps; /* GEMM rows: (m, tap) */
	int tiles = ct_tiles(&g);
	enum ct_mode mode = g.sp != 2 ? CT_ND
			    : tiles && g.taps == 1 ? CT_DIRECT
			    : g.Cg == 1 ? CT_DEPTH1
			    : tiles ? CT_STORE : CT_ADD;
	int64_t block = g.sp == 2 ? ct_block_rows(&g) : 1;
	int64_t ncol_max = g.sp == 2 ? block * g.in[1] : g.in_size;
	if (blas_fits(n, rows_k) < 0 || blas_fits(n, g.Cg) < 0 ||
	    blas_fits(n, g.in_size) < 0 || blas_fits(n, ncol_max) < 0)
		return -1;
	float *cols = NULL;
	if (mode == CT_STORE || mode == CT_ADD || mode == CT_ND)
		cols = ir_scratch(sizeof(float) * rows_k * ncol_max);

	for (int64_t b = 0; b < g.N; b++) {
		for (int64_t gr = 0; gr < g.G; gr++) {
			const float *xg = X + (b * g.C + gr * g.Cg) * g.in_size;
			const float *wg = Wt + gr * g.Cg * rows_k;
			float *yg = Y + (b * g.M + gr * g.Mg) * g.out_size;
			const float *bg = bias ? bias + gr * g.Mg : NULL;
			if (g.Cg == 0 || g.in_size == 0) { /* nothing but the bias */
				for (int64_t m = 0; m < g.Mg; m++)
					for (int64_t q = 0; q < g.out_size; q++)
						yg[m * g.out_size + q] = bg ? bg[m] : 0.0f;
				continue;
			}
			switch (mode) {
			case CT_DIRECT:
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
					    (blasint)g.Mg, (blasint)g.in_size, (blasint)g.Cg, 1.0f,
					    wg, (blasint)g.Mg, xg, (blasint)g.in_size, 0.0f, yg,
					    (blasint)g.in_size);
				break;
			case CT_DEPTH1:
				memset(yg, 0, sizeof(float) * g.Mg * g.out_size);
				ct_add_2d(&g, xg, 0, wg, 0, g.in[0], yg);
				break;
			case CT_ND:
				memset(yg, 0, sizeof(float) * g.Mg * g.out_size);
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
					    (blasint)rows_k, (blasint)g.in_size, (blasint)g.Cg,
					    1.0f, wg, (blasint)rows_k, xg, (blasint)g.in_size,
					    0.0f, cols, (blasint)g.in_size);
				ct_add_nd(&g, cols, yg);
				break;
			case CT_STORE:
			case CT_ADD:
				if (mode == CT_ADD)
					memset(yg, 0, sizeof(float) * g.Mg * g.out_size);
				for (int64_t r0 = 0; r0 < g.in[0]; r0 += block) {
					int64_t nr = g.in[0] - r0 < block ? g.in[0] - r0 : block;
					int64_t ncol = nr * g.in[1];
					cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
						    (blasint)rows_k, (blasint)ncol, (blasint)g.Cg,
						    1.0f, wg, (blasint)rows_k, xg + r0 * g.in[1],
						    (blasint)g.in_size, 0.0f, cols, (blasint)ncol);
					if (mode == CT_STORE)
						ct_store_2d(&g, cols, ncol, r0, nr, yg, bg);
					else
						ct_add_2d(&g, cols, ncol, NULL, r0, nr, yg);
				}
				break;
			}
			if (bg && mode != CT_STORE)
				for (int64_t m = 0; m < g.Mg; m++)
					row_add_scalar(yg + m * g.out_size, bg[m], g.out_size);
		}
	}
	return 0;
}

/* ConvTranspose, then the activation ir-fuse folded into it (act_min and
 * act_max, a clamp). */
int k_conv_transpose(const struct ir_kctx *k)
{
	float lo, hi;
	if (conv_transpose(k) < 0)
		return -1;
	if (ir_act_range(k->n, &lo, &hi))
		ir_f32_clamp(k->out[0], ir_tensor_numel(k->to[0]), lo, hi);
	return 0;
}
