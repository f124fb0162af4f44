/*
 * k_winograd.c: 3x3 stride-1 convolution by Winograd's F(2x2, 3x3) (Lavin &
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2015).
 *
 * Each 2x2 block of output ("tile") is computed from a 4x4 patch of input:
 *     Y = A^T [ sum_c (G g_mc G^T) .* (B^T d_c B) ] A
 * The filter transform U = G g G^T is done once (k_winograd_prepare); the
 * input transform V = B^T d B runs per tile; the sum over input channels is
 * 16 independent matrix products, one per position of the 4x4 transform,
 * M[k] (out channels x tiles) = U[k] (out x in channels) V[k] (in x tiles),
 * done by sgemm; the output transform then gives the 2x2 outputs. That is
 * 16 multiplies per 4 outputs instead of 36: 2.25x fewer. F(2x2, 3x3) keeps
 * the transforms' coefficients at 0, 1 and 1/2, so its rounding error stays
 * at the level of direct convolution (larger tiles, F(4x4), would not).
 *
 * Tiles are processed a band of tile rows at a time so the transformed
 * input and the products stay in cache. Within a band everything runs
 * along a tile row: the input rows are zero-padded and split into even and
 * odd columns, so the four columns of every tile are contiguous loads and
 * the transform loops vectorize across tiles.
 */
#include "k_winograd.h"
#include "ops.h"
#include "parallel.h"
#include "util.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* U[k][m][c] for the 16 positions k = 4*i + j of the transformed filter. */
float *k_winograd_filter(const float *w, int64_t m, int64_t c)
{
	float *u = xmalloc(sizeof(float) * 16 * m * c);
	for (int64_t o = 0; o < m; o++)
		for (int64_t i = 0; i < c; i++) {
			const float *g = w + (o * c + i) * 9;
			float gg[4][3], r[4][4];
			for (int col = 0; col < 3; col++) { /* G g: rows of g combined */
				float g0 = g[col], g1 = g[3 + col], g2 = g[6 + col];
				gg[0][col] = g0;
				gg[1][col] = 0.5f * (g0 + g1 + g2);
				gg[2][col] = 0.5f * (g0 - g1 + g2);
				gg[3][col] = g2;
			}
			for (int row = 0; row < 4; row++) { /* (G g) G^T */
				float g0 = gg[row][0], g1 = gg[row][1], g2 = gg[row][2];
				r[row][0] = g0;
				r[row][1] = 0.5f * (g0 + g1 + g2);
				r[row][2] = 0.5f * (g0 - g1 + g2);
				r[row][3] = g2;
			}
			for (int k = 0; k < 16; k++)
				u[((int64_t)k * m + o) * c + i] = r[k / 4][k % 4];
		}
	return u;
}

/* One padded input row, split: even columns into ev, odd into od (tw + 1
 * each). Row iy of the input (out of range = zeros), columns from -pl. */
static void load_row(const float *in, int64_t ih, int64_t iw, int64_t iy, int64_t pl,
		     int64_t tw, float *restrict row, float *restrict ev, float *restrict od)
{
	int64_t len = 2 * tw + 2;
	memset(row, 0, sizeof(float) * (size_t)len);
	if (iy >= 0 && iy < ih) {
		int64_t x0 = pl > 0 ? pl : 0, x1 = pl + iw < len ? pl + iw : len;
		if (x1 > x0)
			memcpy(row + x0, in + iy * iw + (x0 - pl), sizeof(float) * (size_t)(x1 - x0));
	}
	for (int64_t j = 0; j <= tw; j++) {
		ev[j] = row[2 * j];
		od[j] = row[2 * j + 1];
	}
}

struct wino_job {
	const float *in, *u, *bias;
	float *out;
	int64_t c, ih, iw, m, oh, ow, pt, pl, th, tw, band, nbands;
};

/* One band of tile rows [ty0, ty0 + band) of one image: a work unit. */
static void wino_band(void *vj, int64_t unit)
{
	const struct wino_job *jb = vj;
	int64_t img = unit / jb->nbands, ty0 = unit % jb->nbands * jb->band;
	const float *in = jb->in + img * jb->c * jb->ih * jb->iw, *u = jb->u, *bias = jb->bias;
	float *out = jb->out + img * jb->m * jb->oh * jb->ow;
	int64_t c = jb->c, ih = jb->ih, iw = jb->iw, m = jb->m, oh = jb->oh, ow = jb->ow;
	int64_t pt = jb->pt, pl = jb->pl, th = jb->th, tw = jb->tw, band = jb->band;
	int64_t nt_max = band * tw;
	/* scratch: V[16][c][nt], P[16][m][nt], rows */
	size_t nv = 16 * (size_t)c * nt_max, np = 16 * (size_t)m * nt_max;
	size_t nrow = (size_t)(2 * tw + 2) + 8 * (size_t)(tw + 1) + 4 * (size_t)tw;
	float *v = ir_scratch(sizeof(float) * (nv + np + nrow));
	float *p = v + nv, *row = p + np;
	float *ev[4], *od[4];
	for (int i = 0; i < 4; i++) {
		ev[i] = row + (2 * tw + 2) + (2 * i) * (tw + 1);
		od[i] = row + (2 * tw + 2) + (2 * i + 1) * (tw + 1);
	}
	float *y0 = row + (2 * tw + 2) + 8 * (tw + 1), *y1 = y0 + tw, *y2 = y1 + tw, *y3 = y2 + tw;
	{
		int64_t nty = ty0 + band <= th ? band : th - ty0, nt = nty * tw;
		/* input transform: V[k][ci][t] */
		for (int64_t ci = 0; ci < c; ci++) {
			const float *plane = in + ci * ih * iw;
			for (int64_t ty = ty0; ty < ty0 + nty; ty++) {
				for (int i = 0; i < 4; i++)
					load_row(plane, ih, iw, 2 * ty + i - pt, pl, tw, row, ev[i], od[i]);
				float *vt = v + ci * nt + (ty - ty0) * tw;
				size_t ks = (size_t)c * nt; /* stride between the 16 k planes */
				/* the 16 output streams never overlap the rows read */
#pragma GCC ivdep
				for (int64_t x = 0; x < tw; x++) {
					float t[4][4];
#pragma GCC unroll 4
					for (int i = 0; i < 4; i++) { /* d B, row by row */
						float d0 = ev[i][x], d1 = od[i][x], d2 = ev[i][x + 1],
						      d3 = od[i][x + 1];
						t[i][0] = d0 - d2;
						t[i][1] = d1 + d2;
						t[i][2] = d2 - d1;
						t[i][3] = d1 - d3;
					}
#pragma GCC unroll 4
					for (int j = 0; j < 4; j++) { /* B^T (d B), column by column */
						vt[(0 * 4 + j) * ks + x] = t[0][j] - t[2][j];
						vt[(1 * 4 + j) * ks + x] = t[1][j] + t[2][j];
						vt[(2 * 4 + j) * ks + x] = t[2][j] - t[1][j];
						vt[(3 * 4 + j) * ks + x] = t[1][j] - t[3][j];
					}
				}
			}
		}
		/* the 16 channel sums */
		for (int k = 0; k < 16; k++)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)nt, (int)c,
				    1.0f, u + (size_t)k * m * c, (int)c, v + (size_t)k * c * nt, (int)nt,
				    0.0f, p + (size_t)k * m * nt, (int)nt);
		/* output transform: A^T P A, plus bias */
		for (int64_t mo = 0; mo < m; mo++) {
			float b = bias ? bias[mo] : 0.0f;
			float *plane = out + mo * oh * ow;
			for (int64_t ty = ty0; ty < ty0 + nty; ty++) {
				const float *pt0 = p + mo * nt + (ty - ty0) * tw;
				size_t ks = (size_t)m * nt;
#pragma GCC ivdep
				for (int64_t x = 0; x < tw; x++) {
					float q[4][4], r[2][4];
#pragma GCC unroll 16
					for (int k = 0; k < 16; k++)
						q[k / 4][k % 4] = pt0[k * ks + x];
#pragma GCC unroll 4
					for (int j = 0; j < 4; j++) { /* A^T P */
						r[0][j] = q[0][j] + q[1][j] + q[2][j];
						r[1][j] = q[1][j] - q[2][j] - q[3][j];
					}
					y0[x] = r[0][0] + r[0][1] + r[0][2] + b;
					y1[x] = r[0][1] - r[0][2] - r[0][3] + b;
					y2[x] = r[1][0] + r[1][1] + r[1][2] + b;
					y3[x] = r[1][1] - r[1][2] - r[1][3] + b;
				}
				float *o0 = plane + 2 * ty * ow, *o1 = o0 + ow;
				int two = 2 * ty + 1 < oh;
				for (int64_t x = 0; x < ow / 2; x++) {
					o0[2 * x] = y0[x];
					o0[2 * x + 1] = y1[x];
				}
				if (ow & 1)
					o0[ow - 1] = y0[tw - 1];
				if (two) {
					for (int64_t x = 0; x < ow / 2; x++) {
						o1[2 * x] = y2[x];
						o1[2 * x + 1] = y3[x];
					}
					if (ow & 1)
						o1[ow - 1] = y2[tw - 1];
				}
			}
		}
	}
}

void k_winograd_conv(const float *in, int64_t nb, int64_t c, int64_t ih, int64_t iw,
		     const float *u, const float *bias, float *out, int64_t m, int64_t oh,
		     int64_t ow, int64_t pt, int64_t pl, int threads)
{
	struct wino_job j = {.in = in, .u = u, .bias = bias, .out = out, .c = c, .ih = ih,
			     .iw = iw, .m = m, .oh = oh, .ow = ow, .pt = pt, .pl = pl};
	j.th = (oh + 1) / 2;
	j.tw = (ow + 1) / 2;
	j.band = 256 / j.tw;  /* tile rows per band: about 256 tiles, in L2 */
	if (j.band < 1)
		j.band = 1;
	if (j.band > j.th)
		j.band = j.th;
	j.nbands = (j.th + j.band - 1) / j.band;
	ir_parallel_for(threads, nb * j.nbands, wino_band, &j);
}
