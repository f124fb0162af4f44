/*
 * k_pool.c: the MaxPool and AveragePool kernel (formats/ir.md, "Operators").
 *
 * Contract: X is [N, C, spatial...] with one to IR_MAX_RANK-2 spatial dims;
 * infer_pool has checked the attributes and set Y's shape (which already
 * reflects ceil_mode). Every window attribute may be absent: strides and
 * dilations default to 1, pads to 0. MaxPool takes any numeric dtype and
 * may give a second output, Indices (i64): the flat offset of each maximum
 * into X, row-major over the whole tensor, or with storage_order=1
 * column-major in the spatial dims (N and C still outermost, as ONNX and
 * ONNX Runtime define it). AveragePool is f32; its divisor counts the window
 * cells inside X, plus the padding cells when count_include_pad=1, but never
 * cells past the padded input (a ceil_mode window hanging off the end, as
 * PyTorch and ONNX's test_averagepool_2d_ceil divide).
 *
 * Padding cells never win a max. A window that lies wholly in padding (only
 * possible when a pad is at least the window) gives the dtype's lowest value
 * (-inf for floats) and index -1 for MaxPool, 0 for AveragePool.
 *
 * Why separable: a box window's max is the max over one axis of the maxes
 * over the others, and its average is likewise a product of 1-D averages
 * (both divisor rules count a box, so the count is a product of per-axis
 * counts). So without Indices the kernel runs one 1-D pass per spatial axis,
 * outermost first, through scratch: a 3x3 max costs 3+3 instead of 9
 * comparisons per output, and every pass is written so that it vectorizes
 * (see the row helpers). Indices need the position of the winner, so that
 * case takes a direct loop over each window.
 */
#include "ops.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* One spatial axis of the window. */
struct pool_axis {
	int64_t len, out;       /* input and output extent */
	int64_t k, s, d;        /* kernel, stride, dilation */
	int64_t pb, pe;         /* pads at the begin and the end */
	int include_pad;        /* AveragePool's count_include_pad */
};

struct pool_geom {
	int sp;                 /* number of spatial dims */
	int64_t planes;         /* N * C */
	int64_t in_size, out_size; /* elements of one plane */
	struct pool_axis ax[IR_MAX_RANK];
};

static void attr_ints_or(const struct ir_node *n, const char *name, int cnt, int64_t *out,
			 int64_t def)
{
	if (ir_attr_ints(n, name, out, cnt) != cnt)
		for (int i = 0; i < cnt; i++)
			out[i] = def;
}

static void pool_geom_init(const struct ir_kctx *k, struct pool_geom *g)
{
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	int64_t ks[IR_MAX_RANK], st[IR_MAX_RANK], dl[IR_MAX_RANK], pd[2 * IR_MAX_RANK];
	int sp = x->rank - 2;
	attr_ints_or(k->n, "kernel_shape", sp, ks, 1);
	attr_ints_or(k->n, "strides", sp, st, 1);
	attr_ints_or(k->n, "dilations", sp, dl, 1);
	attr_ints_or(k->n, "pads", 2 * sp, pd, 0);
	g->sp = sp;
	g->planes = x->dims[0] * x->dims[1];
	g->in_size = ir_shape_numel(sp, x->dims + 2);
	g->out_size = ir_shape_numel(sp, y->dims + 2);
	for (int i = 0; i < sp; i++) {
		struct pool_axis *a = &g->ax[i];
		a->len = x->dims[2 + i];
		a->out = y->dims[2 + i];
		a->k = ks[i];
		a->s = st[i];
		a->d = dl[i];
		a->pb = pd[i];
		a->pe = pd[sp + i];
		a->include_pad = 0;
	}
}

/* The kernel taps [*lo, *hi) of output o that fall inside the input. */
static void axis_taps(const struct pool_axis *a, int64_t o, int64_t *lo, int64_t *hi)
{
	int64_t start = o * a->s - a->pb;
	int64_t l = start >= 0 ? 0 : (-start + a->d - 1) / a->d;
	int64_t h = start >= a->len ? 0 : (a->len - 1 - start) / a->d + 1;
	if (h > a->k)
		h = a->k;
	if (h < l)
		h = l;
	*lo = l;
	*hi = h;
}

/* AveragePool's divisor along one axis for output o. */
static int64_t axis_count(const struct pool_axis *a, int64_t o, int include_pad)
{
	int64_t lo, hi;
	if (!include_pad) {
		axis_taps(a, o, &lo, &hi);
		return hi - lo;
	}
	/* every tap inside [-pb, len+pe): the start is never before -pb */
	int64_t start = o * a->s - a->pb, end = a->len + a->pe;
	if (start >= end)
		return 0;
	int64_t c = (end - 1 - start) / a->d + 1;
	return c < a->k ? c : a->k;
}

/* Outputs [*olo, *ohi) whose whole window lies inside the input. */
static void axis_interior(const struct pool_axis *a, int64_t *olo, int64_t *ohi)
{
	int64_t lo = (a->pb + a->s - 1) / a->s;
	int64_t last = a->len - 1 - (a->k - 1) * a->d + a->pb; /* o*s <= last */
	int64_t hi = last < 0 ? 0 : last / a->s + 1;
	if (hi > a->out)
		hi = a->out;
	if (lo > a->out)
		lo = a->out;
	if (hi < lo)
		hi = lo;
	*olo = lo;
	*ohi = hi;
}

/*
 * Row helpers. The unrolled blocks of VB elements have a fixed trip count,
 * which GCC's -O2 vectorizer (the "very cheap" cost model: no loop that
 * would need a scalar epilogue) turns into whole vectors; restrict tells it
 * the rows do not overlap (a pass never writes its own input).
 */
#define VB 16

#define DEF_ROW_MAX(T, SUF)                                                                 \
	static inline void row_max_##SUF(T *restrict y, const T *restrict x, int64_t n)    \
	{                                                                                    \
		int64_t j = 0;                                                               \
		for (; j + VB <= n; j += VB)                                                 \
			for (int u = 0; u < VB; u++)                                         \
				y[j + u] = x[j + u] > y[j + u] ? x[j + u] : y[j + u];        \
		for (; j < n; j++)                                                           \
			y[j] = x[j] > y[j] ? x[j] : y[j];                                    \
	}

static inline void row_add_f32(float *restrict y, const float *restrict x, int64_t n)
{
	int64_t j = 0;
	for (; j + VB <= n; j += VB)
		for (int u = 0; u < VB; u++)
			y[j + u] += x[j + u];
	for (; j < n; j++)
		y[j] += x[j];
}

static inline void row_scale_f32(float *restrict y, float f, int64_t n)
{
	int64_t j = 0;
	for (; j + VB <= n; j += VB)
		for (int u = 0; u < VB; u++)
			y[j + u] *= f;
	for (; j < n; j++)
		y[j] *= f;
}

/* Interior outputs are done a chunk at a time; with a stride of at most
 * DENSE_MAX_STRIDE the window is evaluated at every input position of the
 * chunk (contiguous, so vectorized) and every s-th result kept, which beats
 * the strided scalar loop until the waste (s-fold) exceeds the vector width. */
#define POOL_CHUNK 1024
#define DENSE_MAX_STRIDE 4

/*
 * One 1-D max pass: x is [A, len, B], y is [A, out, B], the window runs
 * along the middle axis. With B > 1 every tap is a whole contiguous row of
 * B; with B == 1 (the innermost axis) the window runs within a row: the
 * border outputs take a scalar loop, the interior the dense chunks above.
 */
#define DEF_MAX_PASS(T, SUF, LOWEST)                                                        \
	DEF_ROW_MAX(T, SUF)                                                                  \
	static void max_pass_##SUF(const void *xv, void *yv, int64_t A, int64_t B,          \
				   const struct pool_axis *w)                                \
	{                                                                                    \
		const T *x = xv;                                                             \
		T *y = yv, tmp[POOL_CHUNK];                                                  \
		int64_t L = w->len, O = w->out, s = w->s, olo, ohi;                          \
		axis_interior(w, &olo, &ohi);                                                \
		for (int64_t a = 0; a < A; a++) {                                            \
			const T *xa = x + a * L * B;                                         \
			T *ya = y + a * O * B;                                               \
			if (B > 1) {                                                         \
				for (int64_t o = 0; o < O; o++) {                            \
					int64_t lo, hi, st = o * s - w->pb;                  \
					T *yo = ya + o * B;                                  \
					axis_taps(w, o, &lo, &hi);                           \
					if (lo >= hi) {                                      \
						for (int64_t j = 0; j < B; j++)              \
							yo[j] = LOWEST;                      \
						continue;                                    \
					}                                                    \
					memcpy(yo, xa + (st + lo * w->d) * B, sizeof(T) * B); \
					for (int64_t t = lo + 1; t < hi; t++)                \
						row_max_##SUF(yo, xa + (st + t * w->d) * B, B); \
				}                                                            \
				continue;                                                    \
			}                                                                    \
			for (int64_t o = 0; o < O; o++) {                                    \
				if (o == olo)                                                \
					o = ohi;                                             \
				if (o >= O)                                                  \
					break;                                               \
				int64_t lo, hi, st = o * s - w->pb;                          \
				axis_taps(w, o, &lo, &hi);                                   \
				T m = LOWEST;                                                \
				for (int64_t t = lo; t < hi; t++) {                          \
					T v = xa[st + t * w->d];                             \
					m = v > m ? v : m;                                   \
				}                                                            \
				ya[o] = m;                                                   \
			}                                                                    \
			if (s > DENSE_MAX_STRIDE) {                                          \
				for (int64_t o = olo; o < ohi; o++) {                        \
					const T *xo = xa + o * s - w->pb;                    \
					T m = xo[0];                                         \
					for (int64_t t = 1; t < w->k; t++)                   \
						m = xo[t * w->d] > m ? xo[t * w->d] : m;     \
					ya[o] = m;                                           \
				}                                                            \
				continue;                                                    \
			}                                                                    \
			for (int64_t o0 = olo, nn; o0 < ohi; o0 += nn) {                     \
				nn = ohi - o0 < (POOL_CHUNK - 1) / s + 1 ? ohi - o0           \
									  : (POOL_CHUNK - 1) / s + 1; \
				int64_t dn = (nn - 1) * s + 1;                               \
				const T *base = xa + o0 * s - w->pb;                         \
				T *dst = s == 1 ? ya + o0 : tmp;                             \
				memcpy(dst, base, sizeof(T) * dn);                           \
				for (int64_t t = 1; t < w->k; t++)                           \
					row_max_##SUF(dst, base + t * w->d, dn);             \
				if (s != 1)                                                  \
					for (int64_t u = 0; u < nn; u++)                     \
						ya[o0 + u] = tmp[u * s];                     \
			}                                                                    \
		}                                                                            \
	}

DEF_MAX_PASS(float, f32, -INFINITY)
DEF_MAX_PASS(double, f64, -INFINITY)
DEF_MAX_PASS(uint8_t, u8, 0)
DEF_MAX_PASS(int8_t, i8, INT8_MIN)
DEF_MAX_PASS(uint16_t, u16, 0)
DEF_MAX_PASS(int16_t, i16, INT16_MIN)
DEF_MAX_PASS(int32_t, i32, INT32_MIN)
DEF_MAX_PASS(uint32_t, u32, 0)
DEF_MAX_PASS(int64_t, i64, INT64_MIN)
DEF_MAX_PASS(uint64_t, u64, 0)

/* One 1-D average pass (f32), laid out as max_pass; the sums are divided
 * per output by that axis's count (axis_count). */
static void avg_pass_f32(const void *xv, void *yv, int64_t A, int64_t B,
			 const struct pool_axis *w)
{
	const float *x = xv;
	float *y = yv, tmp[POOL_CHUNK];
	int64_t L = w->len, O = w->out, s = w->s, olo, ohi;
	int cip = w->include_pad;
	axis_interior(w, &olo, &ohi);
	for (int64_t a = 0; a < A; a++) {
		const float *xa = x + a * L * B;
		float *ya = y + a * O * B;
		if (B > 1) {
			for (int64_t o = 0; o < O; o++) {
				int64_t lo, hi, st = o * s - w->pb;
				int64_t c = axis_count(w, o, cip);
				float *yo = ya + o * B;
				axis_taps(w, o, &lo, &hi);
				if (lo >= hi || c == 0) {
					memset(yo, 0, sizeof(float) * B);
					continue;
				}
				memcpy(yo, xa + (st + lo * w->d) * B, sizeof(float) * B);
				for (int64_t t = lo + 1; t < hi; t++)
					row_add_f32(yo, xa + (st + t * w->d) * B, B);
				if (c != 1)
					row_scale_f32(yo, 1.0f / (float)c, B);
			}
			continue;
		}
		for (int64_t o = 0; o < O; o++) {
			if (o == olo)
				o = ohi;
			if (o >= O)
				break;
			int64_t lo, hi, st = o * s - w->pb;
			int64_t c = axis_count(w, o, cip);
			axis_taps(w, o, &lo, &hi);
			float sum = 0;
			for (int64_t t = lo; t < hi; t++)
				sum += xa[st + t * w->d];
			ya[o] = c > 0 ? sum / (float)c : 0.0f;
		}
		/* a whole window inside the input counts k cells under either rule */
		float inv_k = 1.0f / (float)w->k;
		if (s > DENSE_MAX_STRIDE) {
			for (int64_t o = olo; o < ohi; o++) {
				const float *xo = xa + o * s - w->pb;
				float sum = xo[0];
				for (int64_t t = 1; t < w->k; t++)
					sum += xo[t * w->d];
				ya[o] = sum * inv_k;
			}
			continue;
		}
		for (int64_t o0 = olo, nn; o0 < ohi; o0 += nn) {
			nn = ohi - o0 < (POOL_CHUNK - 1) / s + 1 ? ohi - o0 : (POOL_CHUNK - 1) / s + 1;
			int64_t dn = (nn - 1) * s + 1;
			const float *base = xa + o0 * s - w->pb;
			float *dst = s == 1 ? ya + o0 : tmp;
			memcpy(dst, base, sizeof(float) * dn);
			for (int64_t t = 1; t < w->k; t++)
				row_add_f32(dst, base + t * w->d, dn);
			if (s == 1)
				row_scale_f32(dst, inv_k, dn);
			else
				for (int64_t u = 0; u < nn; u++)
					ya[o0 + u] = tmp[u * s] * inv_k;
		}
	}
}

typedef void (*pool_pass_fn)(const void *x, void *y, int64_t A, int64_t B,
			     const struct pool_axis *w);

static int axis_is_identity(const struct pool_axis *a)
{
	return a->k == 1 && a->pb == 0 && a->out == a->len && (a->s == 1 || a->len <= 1);
}

/* Pooling as 1-D passes, plane by plane (a plane's intermediates stay in
 * cache), outermost axis first: the outer passes run on whole contiguous
 * rows, and by the time the strided innermost pass runs, the outer strides
 * have already cut the rows it has to do. */
static void pool_separable(const struct ir_kctx *k, const struct pool_geom *g,
			   pool_pass_fn pass, size_t esize)
{
	int order[IR_MAX_RANK], np = 0;
	for (int i = 0; i < g->sp; i++)
		if (!axis_is_identity(&g->ax[i]))
			order[np++] = i;
	const char *x = k->in[0];
	char *y = k->out[0];
	if (np == 0) {
		memcpy(y, x, esize * g->planes * g->in_size);
		return;
	}
	/* the largest intermediate plane; two of them ping-pong */
	int64_t cur[IR_MAX_RANK], big = 0;
	for (int i = 0; i < g->sp; i++)
		cur[i] = g->ax[i].len;
	for (int p = 0; p + 1 < np; p++) {
		cur[order[p]] = g->ax[order[p]].out;
		int64_t sz = ir_shape_numel(g->sp, cur);
		big = sz > big ? sz : big;
	}
	char *buf[2] = {NULL, NULL};
	if (np > 1) {
		size_t half = ((size_t)big * esize + 63) & ~(size_t)63;
		buf[0] = ir_scratch(2 * half);
		buf[1] = buf[0] + half;
	}
	for (int64_t pl = 0; pl < g->planes; pl++) {
		const char *src = x + esize * pl * g->in_size;
		for (int i = 0; i < g->sp; i++)
			cur[i] = g->ax[i].len;
		for (int p = 0; p < np; p++) {
			int ax = order[p];
			char *dst = p == np - 1 ? y + esize * pl * g->out_size : buf[p & 1];
			int64_t A = ir_shape_numel(ax, cur);
			int64_t B = ir_shape_numel(g->sp - ax - 1, cur + ax + 1);
			pass(src, dst, A, B, &g->ax[ax]);
			cur[ax] = g->ax[ax].out;
			src = dst;
		}
	}
}

/*
 * MaxPool with Indices: a direct loop over each output's window in
 * row-major order; the first maximum wins ties, as in ONNX Runtime.
 */
#define DEF_MAX_INDEX(T, SUF, LOWEST)                                                       \
	/* the common 2-D case without the odometers */                                      \
	static void max_index2d_##SUF(const T *x, T *y, int64_t *ind,                        \
				      const struct pool_geom *g, int col_major)              \
	{                                                                                    \
		const struct pool_axis *ah = &g->ax[0], *aw = &g->ax[1];                     \
		int64_t H = ah->len, W = aw->len;                                            \
		for (int64_t pl = 0; pl < g->planes; pl++) {                                 \
			const T *xp = x + pl * g->in_size;                                   \
			T *yp = y + pl * g->out_size;                                        \
			int64_t *ip = ind + pl * g->out_size;                                \
			for (int64_t oh = 0; oh < ah->out; oh++) {                           \
				int64_t hlo, hhi, sh = oh * ah->s - ah->pb;                  \
				axis_taps(ah, oh, &hlo, &hhi);                               \
				for (int64_t ow = 0; ow < aw->out; ow++) {                   \
					int64_t wlo, whi, sw = ow * aw->s - aw->pb;          \
					int64_t bh = -1, bw = -1;                            \
					T m = LOWEST;                                        \
					axis_taps(aw, ow, &wlo, &whi);                       \
					for (int64_t th = hlo; th < hhi; th++) {             \
						int64_t h = sh + th * ah->d;                 \
						const T *row = xp + h * W;                   \
						for (int64_t tw = wlo; tw < whi; tw++) {     \
							int64_t w = sw + tw * aw->d;         \
							if (bh < 0 || row[w] > m) {          \
								m = row[w];                  \
								bh = h;                      \
								bw = w;                      \
							}                                    \
						}                                            \
					}                                                    \
					yp[oh * aw->out + ow] = m;                           \
					ip[oh * aw->out + ow] =                              \
						bh < 0 ? -1                                  \
						: pl * g->in_size +                          \
							  (col_major ? bh + bw * H : bh * W + bw); \
				}                                                            \
			}                                                                    \
		}                                                                            \
	}                                                                                    \
	static void max_index_##SUF(const void *xv, void *yv, int64_t *ind,                 \
				    const struct pool_geom *g, int col_major)                \
	{                                                                                    \
		const T *x = xv;                                                             \
		T *y = yv;                                                                   \
		int sp = g->sp;                                                              \
		if (sp == 2) {                                                               \
			max_index2d_##SUF(x, y, ind, g, col_major);                          \
			return;                                                              \
		}                                                                            \
		int64_t rm[IR_MAX_RANK], cm[IR_MAX_RANK];                                    \
		for (int i = sp - 1; i >= 0; i--)                                            \
			rm[i] = i == sp - 1 ? 1 : rm[i + 1] * g->ax[i + 1].len;              \
		for (int i = 0; i < sp; i++)                                                 \
			cm[i] = i == 0 ? 1 : cm[i - 1] * g->ax[i - 1].len;                   \
		for (int64_t pl = 0; pl < g->planes; pl++) {                                 \
			const T *xp = x + pl * g->in_size;                                   \
			int64_t o[IR_MAX_RANK] = {0};                                        \
			for (int64_t q = 0; q < g->out_size; q++) {                          \
				int64_t lo[IR_MAX_RANK], hi[IR_MAX_RANK], st[IR_MAX_RANK];   \
				int64_t t[IR_MAX_RANK];                                      \
				int empty = 0;                                               \
				for (int i = 0; i < sp; i++) {                               \
					axis_taps(&g->ax[i], o[i], &lo[i], &hi[i]);          \
					st[i] = o[i] * g->ax[i].s - g->ax[i].pb;             \
					t[i] = lo[i];                                        \
					empty |= lo[i] >= hi[i];                             \
				}                                                            \
				T m = LOWEST;                                                \
				int64_t best = -1;                                           \
				while (!empty) {                                             \
					int64_t off = 0, coff = 0;                           \
					for (int i = 0; i < sp; i++) {                       \
						int64_t pos = st[i] + t[i] * g->ax[i].d;     \
						off += pos * rm[i];                          \
						coff += pos * cm[i];                         \
					}                                                    \
					T v = xp[off];                                       \
					if (best < 0 || v > m) {                             \
						m = v;                                       \
						best = col_major ? coff : off;               \
					}                                                    \
					int i = sp - 1;                                      \
					while (i >= 0 && ++t[i] == hi[i]) {                  \
						t[i] = lo[i];                                \
						i--;                                         \
					}                                                    \
					if (i < 0)                                           \
						break;                                       \
				}                                                            \
				y[pl * g->out_size + q] = m;                                 \
				if (ind)                                                     \
					ind[pl * g->out_size + q] =                          \
						best < 0 ? -1 : pl * g->in_size + best;      \
				for (int i = sp - 1; i >= 0 && ++o[i] == g->ax[i].out; i--)  \
					o[i] = 0;                                            \
			}                                                                    \
		}                                                                            \
	}

DEF_MAX_INDEX(float, f32, -INFINITY)
DEF_MAX_INDEX(double, f64, -INFINITY)
DEF_MAX_INDEX(uint8_t, u8, 0)
DEF_MAX_INDEX(int8_t, i8, INT8_MIN)
DEF_MAX_INDEX(uint16_t, u16, 0)
DEF_MAX_INDEX(int16_t, i16, INT16_MIN)
DEF_MAX_INDEX(int32_t, i32, INT32_MIN)
DEF_MAX_INDEX(uint32_t, u32, 0)
DEF_MAX_INDEX(int64_t, i64, INT64_MIN)
DEF_MAX_INDEX(uint64_t, u64, 0)

typedef void (*max_index_fn)(const void *x, void *y, int64_t *ind, const struct pool_geom *g,
			     int col_major);

int k_pool(const struct ir_kctx *k)
{
	struct pool_geom g;
	const struct ir_node *n = k->n;
	enum ir_dtype dt = k->ti[0]->dtype;
	pool_geom_init(k, &g);
	if (g.planes == 0 || g.out_size == 0)
		return 0;

	if (n->op == IR_OP_AVERAGE_POOL) {
		if (dt != IR_DTYPE_F32)
			return ir_error("%sAveragePool takes f32, not %s", ir_node_ctx(n),
					ir_dtype_name(dt));
		for (int i = 0; i < g.sp; i++)
			g.ax[i].include_pad = ir_attr_int(n, "count_include_pad", 0) != 0;
		pool_separable(k, &g, avg_pass_f32, sizeof(float));
		return 0;
	}

	int64_t *ind = n->n_out > 1 && k->to[1] ? k->out[1] : NULL;
	pool_pass_fn pass = NULL;
	max_index_fn idx = NULL;
	switch (dt) {
#define CASE(D, SUF) case D: pass = max_pass_##SUF; idx = max_index_##SUF; break;
	CASE(IR_DTYPE_F32, f32)
	CASE(IR_DTYPE_F64, f64)
	CASE(IR_DTYPE_U8, u8)
	CASE(IR_DTYPE_I8, i8)
	CASE(IR_DTYPE_U16, u16)
	CASE(IR_DTYPE_I16, i16)
	CASE(IR_DTYPE_I32, i32)
	CASE(IR_DTYPE_U32, u32)
	CASE(IR_DTYPE_I64, i64)
	CASE(IR_DTYPE_U64, u64)
#undef CASE
	default:
		return ir_error("%sMaxPool does not take %s", ir_node_ctx(n), ir_dtype_name(dt));
	}
	if (ind)
		idx(k->in[0], k->out[0], ind, &g, ir_attr_int(n, "storage_order", 0) != 0);
	else
		pool_separable(k, &g, pass, ir_dtype_size(dt));
	return 0;
}
