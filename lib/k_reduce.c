/*
 * k_reduce.c: kernels that reduce along axes (ops.h): k_softmax,
 * k_reduce (ReduceMean, ReduceMax, ReduceMin, ReduceSum), k_argmax,
 * k_global_pool (GlobalAveragePool, GlobalMaxPool) and k_batch_norm,
 * whose training mode reduces to per-channel statistics.
 *
 * Semantics are formats/ir.md, "Operators"; infer.c has checked dtypes,
 * shapes and attributes. Softmax and BatchNormalization keep the input's
 * shape and may run in place: each reads an element before it writes the
 * output element at the same index, and never reads it again afterwards
 * except through the output.
 *
 * Accuracy: f32 sums accumulate in double (16 lanes, so the loop is SIMD),
 * which keeps the mean of a 640x640 plane exact to the last float bit in
 * practice; max and min propagate NaN as numpy does.
 *
 * Speed: as in k_eltwise.c, hot loops run in blocks of VB elements under
 * "GCC ivdep" so that gcc -O2 vectorizes them, and exp_f32 replaces expf
 * (both from vecmath.h). Reductions are
 * split into lanes by hand: gcc does not reorder a float sum without
 * -ffast-math, but a sum per lane is no reordering.
 */
#include "ops.h"
#include "vecmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- f32 row reductions ------------------------------------------------ */

#define MAXNAN(v, m) (((v) > (m) || (v) != (v)) ? (v) : (m))
#define MINNAN(v, m) (((v) < (m) || (v) != (v)) ? (v) : (m))

static double sum_f32(const float *x, int64_t n)
{
	double lane[VB] = {0}, s = 0;
	int64_t i = 0;
	for (; i + VB <= n; i += VB)
		for (int j = 0; j < VB; j++)
			lane[j] += x[i + j];
	for (; i < n; i++)
		s += x[i];
	for (int w = VB / 2; w > 0; w /= 2)
		for (int j = 0; j < w; j++)
			lane[j] += lane[j + w];
	return lane[0] + s;
}

/* Sum of (x - m)^2, for a variance around an already known mean. */
static double sumsq_dev_f32(const float *x, int64_t n, double m)
{
	double lane[VB] = {0}, s = 0;
	int64_t i = 0;
	for (; i + VB <= n; i += VB)
		for (int j = 0; j < VB; j++) {
			double d = x[i + j] - m;
			lane[j] += d * d;
		}
	for (; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	for (int w = VB / 2; w > 0; w /= 2)
		for (int j = 0; j < w; j++)
			lane[j] += lane[j + w];
	return lane[0] + s;
}

/* The lanes keep a plain maximum (a short dependency chain, so the loop
 * runs at memory speed) and NaNs are noted on the side: folding the NaN
 * test into the comparison made it three times slower. */
static float max_f32(const float *x, int64_t n)
{
	float lane[VB], m = -INFINITY;
	int nan[VB], any = 0;
	int64_t i = 0;
	for (int j = 0; j < VB; j++)
		lane[j] = -INFINITY, nan[j] = 0;
	for (; i + VB <= n; i += VB)
		for (int j = 0; j < VB; j++) {
			float v = x[i + j];
			lane[j] = v > lane[j] ? v : lane[j];
			nan[j] |= v != v;
		}
	for (; i < n; i++)
		m = MAXNAN(x[i], m);
	for (int j = 0; j < VB; j++) {
		m = MAXNAN(lane[j], m);
		any |= nan[j];
	}
	return any ? NAN : m;
}

static float min_f32(const float *x, int64_t n)
{
	float lane[VB], m = INFINITY;
	int nan[VB], any = 0;
	int64_t i = 0;
	for (int j = 0; j < VB; j++)
		lane[j] = INFINITY, nan[j] = 0;
	for (; i + VB <= n; i += VB)
		for (int j = 0; j < VB; j++) {
			float v = x[i + j];
			lane[j] = v < lane[j] ? v : lane[j];
			nan[j] |= v != v;
		}
	for (; i < n; i++)
		m = MINNAN(x[i], m);
	for (int j = 0; j < VB; j++) {
		m = MINNAN(lane[j], m);
		any |= nan[j];
	}
	return any ? NAN : m;
}

static int64_t prod(const int64_t *d, int from, int to)
{
	int64_t p = 1;
	for (int i = from; i < to; i++)
		p *= d[i];
	return p;
}

/* ---- Softmax ----------------------------------------------------------- */

/* One contiguous row. Dividing by the sum rather than multiplying by its
 * reciprocal saves a rounding; the row is in cache by then. */
static void softmax_row(float *o, const float *x, int64_t n)
{
	const float m = max_f32(x, n);
	ELW_LOOP(n, o[i] = exp_f32(x[i] - m));
	const float s = (float)sum_f32(o, n);
	ELW_LOOP(n, o[i] = o[i] / s);
}

/* Softmax over an axis that is not innermost: the n slices of `inner`
 * elements are combined element by element, so every loop is over
 * contiguous memory. m and s hold the running max and sum per position. */
static void softmax_strided(float *o, const float *x, int64_t n, int64_t inner, float *m,
			    double *s)
{
	memcpy(m, x, sizeof(float) * inner);
	for (int64_t a = 1; a < n; a++) {
		const float *xa = x + a * inner;
		ELW_LOOP(inner, m[i] = MAXNAN(xa[i], m[i]));
	}
	memset(s, 0, sizeof(double) * inner);
	for (int64_t a = 0; a < n; a++) {
		const float *xa = x + a * inner;
		float *oa = o + a * inner;
		ELW_LOOP(inner, float e = exp_f32(xa[i] - m[i]); oa[i] = e; s[i] += e);
	}
	float *sf = m;   /* the maxima are spent */
	ELW_LOOP(inner, sf[i] = (float)s[i]);
	for (int64_t a = 0; a < n; a++) {
		float *oa = o + a * inner;
		ELW_LOOP(inner, oa[i] = oa[i] / sf[i]);
	}
}

int k_softmax(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0];
	int axis = ir_norm_axis(ir_attr_int(k->n, "axis", -1), x->rank);
	int64_t outer = prod(x->dims, 0, axis), n = x->dims[axis];
	int64_t inner = prod(x->dims, axis + 1, x->rank);
	const float *in = k->in[0];
	float *out = k->out[0];
	if (outer * n * inner == 0)
		return 0;
	if (inner == 1) {
		for (int64_t a = 0; a < outer; a++)
			softmax_row(out + a * n, in + a * n, n);
		return 0;
	}
	/* one scratch block: ir_scratch may move on its next call */
	double *s = ir_scratch((size_t)inner * (sizeof(double) + sizeof(float)));
	float *m = (float *)(s + inner);
	for (int64_t a = 0; a < outer; a++)
		softmax_strided(out + a * n * inner, in + a * n * inner, n, inner, m, s);
	return 0;
}

/* ---- Reduce* ----------------------------------------------------------- */

/* The input's shape as runs of reduced and kept axes: size-1 axes dropped
 * (reducing them changes nothing), neighbours with the same role merged.
 * The input is then walked in memory order one innermost run at a time;
 * os gives each kept run's stride in the output (0 for a reduced run). */
struct rplan {
	int rank;
	int64_t dim[IR_MAX_RANK];
	int red[IR_MAX_RANK];
	int64_t os[IR_MAX_RANK];
};

static void rplan_init(struct rplan *p, const struct ir_tensor *x, unsigned mask)
{
	p->rank = 0;
	for (int i = 0; i < x->rank; i++) {
		int r = mask >> i & 1;
		if (x->dims[i] == 1)
			continue;
		if (p->rank > 0 && p->red[p->rank - 1] == r) {
			p->dim[p->rank - 1] *= x->dims[i];
			continue;
		}
		p->dim[p->rank] = x->dims[i];
		p->red[p->rank] = r;
		p->rank++;
	}
	int64_t step = 1;
	for (int i = p->rank - 1; i >= 0; i--) {
		p->os[i] = p->red[i] ? 0 : step;
		if (!p->red[i])
			step *= p->dim[i];
	}
}

/* Combines one innermost run of n input elements into the accumulators at
 * acc: one accumulator if the run is reduced, n of them if it is kept. */
typedef void red_row(void *acc, const void *x, int64_t n, int reduced);

static void rplan_run(const struct rplan *p, const void *x, size_t esize, void *acc,
		      size_t asize, red_row *row)
{
	int r = p->rank;
	int64_t n = p->dim[r - 1], rows = prod(p->dim, 0, r - 1);
	int64_t idx[IR_MAX_RANK] = {0}, oo = 0;
	int reduced = p->red[r - 1];
	for (int64_t k = 0; k < rows; k++) {
		row((char *)acc + (size_t)oo * asize, (const char *)x + (size_t)(k * n) * esize,
		    n, reduced);
		for (int d = r - 2; d >= 0; d--) {
			oo += p->os[d];
			if (++idx[d] < p->dim[d])
				break;
			oo -= p->os[d] * p->dim[d];
			idx[d] = 0;
		}
	}
}

static void sum_row_f32(void *vacc, const void *vx, int64_t n, int reduced)
{
	double *acc = vacc;
	const float *x = vx;
	if (reduced)
		acc[0] += sum_f32(x, n);
	else
		ELW_LOOP(n, acc[i] += x[i]);
}

static void max_row_f32(void *vacc, const void *vx, int64_t n, int reduced)
{
	float *acc = vacc;
	const float *x = vx;
	if (reduced) {
		float m = max_f32(x, n);
		acc[0] = MAXNAN(m, acc[0]);
	} else {
		ELW_LOOP(n, acc[i] = MAXNAN(x[i], acc[i]));
	}
}

static void min_row_f32(void *vacc, const void *vx, int64_t n, int reduced)
{
	float *acc = vacc;
	const float *x = vx;
	if (reduced) {
		float m = min_f32(x, n);
		acc[0] = MINNAN(m, acc[0]);
	} else {
		ELW_LOOP(n, acc[i] = MINNAN(x[i], acc[i]));
	}
}

/* The other dtypes: plain loops (integer reductions fold shapes, f64 is
 * rare). Sums accumulate in ACC: double, or 64-bit unsigned so that
 * integer overflow wraps as formats/ir.md says. */
#define RED_ROWS(SFX, T, ACC, MAXF, MINF)                                       \
	static void sum_row_##SFX(void *vacc, const void *vx, int64_t n, int red) \
	{                                                                       \
		ACC *acc = vacc;                                                \
		const T *x = vx;                                                \
		if (red) {                                                      \
			ACC s = 0;                                              \
			for (int64_t i = 0; i < n; i++)                         \
				s += (ACC)x[i];                                 \
			acc[0] += s;                                            \
		} else {                                                        \
			for (int64_t i = 0; i < n; i++)                         \
				acc[i] += (ACC)x[i];                            \
		}                                                               \
	}                                                                       \
	static void max_row_##SFX(void *vacc, const void *vx, int64_t n, int red) \
	{                                                                       \
		T *acc = vacc;                                                  \
		const T *x = vx;                                                \
		for (int64_t i = 0; i < n; i++) {                               \
			T *a = red ? acc : acc + i;                             \
			*a = MAXF(x[i], *a);                                    \
		}                                                               \
	}                                                                       \
	static void min_row_##SFX(void *vacc, const void *vx, int64_t n, int red) \
	{                                                                       \
		T *acc = vacc;                                                  \
		const T *x = vx;                                                \
		for (int64_t i = 0; i < n; i++) {                               \
			T *a = red ? acc : acc + i;                             \
			*a = MINF(x[i], *a);                                    \
		}                                                               \
	}

#define MAXI(v, m) ((v) > (m) ? (v) : (m))
#define MINI(v, m) ((v) < (m) ? (v) : (m))

RED_ROWS(f64, double, double, MAXNAN, MINNAN)
RED_ROWS(i8, int8_t, uint64_t, MAXI, MINI)
RED_ROWS(u8, uint8_t, uint64_t, MAXI, MINI)
RED_ROWS(i16, int16_t, uint64_t, MAXI, MINI)
RED_ROWS(u16, uint16_t, uint64_t, MAXI, MINI)
RED_ROWS(i32, int32_t, uint64_t, MAXI, MINI)
RED_ROWS(u32, uint32_t, uint64_t, MAXI, MINI)
RED_ROWS(i64, int64_t, uint64_t, MAXI, MINI)
RED_ROWS(u64, uint64_t, uint64_t, MAXI, MINI)

/* Max and Min accumulate in the output itself, started at the identity;
 * Sum and Mean in acc, finished into the output. count is the number of
 * elements each output reduces (Mean divides by it, 0 gives NaN or 0). */
#define REDUCE_T(SFX, T, ACC, LOWEST, HIGHEST, MEAN)                            \
	{                                                                       \
		T *o = out;                                                     \
		if (op == IR_OP_REDUCE_MAX || op == IR_OP_REDUCE_MIN) {         \
			int mx = op == IR_OP_REDUCE_MAX;                        \
			for (int64_t i = 0; i < nout; i++)                      \
				o[i] = mx ? (LOWEST) : (HIGHEST);               \
			rplan_run(p, in, sizeof(T), o, sizeof(T),               \
				  mx ? max_row_##SFX : min_row_##SFX);          \
			return 0;                                               \
		}                                                               \
		ACC *acc = ir_scratch(sizeof(ACC) * (size_t)nout);              \
		memset(acc, 0, sizeof(ACC) * (size_t)nout);                     \
		rplan_run(p, in, sizeof(T), acc, sizeof(ACC), sum_row_##SFX);   \
		for (int64_t i = 0; i < nout; i++)                              \
			o[i] = op == IR_OP_REDUCE_MEAN ? (T)(MEAN) : (T)acc[i]; \
		return 0;                                                       \
	}

#define MEAN_F(a, c) ((a) / (double)(c))
#define MEAN_S(a, c) ((c) ? (int64_t)(a) / (c) : 0)
#define MEAN_U(a, c) ((c) ? (a) / (uint64_t)(c) : 0)

static int reduce_typed(enum ir_op op, enum ir_dtype t, const struct rplan *p, void *out,
			const void *in, int64_t nout, int64_t count)
{
	switch (t) {
	case IR_DTYPE_F32: REDUCE_T(f32, float, double, -INFINITY, INFINITY,
				    MEAN_F(acc[i], count))
	case IR_DTYPE_F64: REDUCE_T(f64, double, double, -INFINITY, INFINITY,
				    MEAN_F(acc[i], count))
	case IR_DTYPE_I8: REDUCE_T(i8, int8_t, uint64_t, INT8_MIN, INT8_MAX,
				   MEAN_S(acc[i], count))
	case IR_DTYPE_U8: REDUCE_T(u8, uint8_t, uint64_t, 0, UINT8_MAX, MEAN_U(acc[i], count))
	case IR_DTYPE_I16: REDUCE_T(i16, int16_t, uint64_t, INT16_MIN, INT16_MAX,
				    MEAN_S(acc[i], count))
	case IR_DTYPE_U16: REDUCE_T(u16, uint16_t, uint64_t, 0, UINT16_MAX,
				    MEAN_U(acc[i], count))
	case IR_DTYPE_I32: REDUCE_T(i32, int32_t, uint64_t, INT32_MIN, INT32_MAX,
				    MEAN_S(acc[i], count))
	case IR_DTYPE_U32: REDUCE_T(u32, uint32_t, uint64_t, 0, UINT32_MAX,
				    MEAN_U(acc[i], count))
	case IR_DTYPE_I64: REDUCE_T(i64, int64_t, uint64_t, INT64_MIN, INT64_MAX,
				    MEAN_S(acc[i], count))
	case IR_DTYPE_U64: REDUCE_T(u64, uint64_t, uint64_t, 0, UINT64_MAX,
				    MEAN_U(acc[i], count))
	default: return -1;
	}
}

int k_reduce(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0];
	unsigned mask;
	if (ir_reduce_mask(k->n, x->rank, &mask) < 0)
		return -1;
	int64_t nin = ir_tensor_numel(x), nout = 1;
	for (int i = 0; i < x->rank; i++)
		if (!(mask >> i & 1))
			nout *= x->dims[i];
	if (nout == 0)
		return 0;
	int64_t count = nin / nout;
	/* Nothing to combine (no axes, or only axes of size 1): a copy, and
	 * safe should the executor have given us the input's buffer. */
	if (count == 1) {
		memmove(k->out[0], k->in[0], ir_tensor_nbytes(x));
		return 0;
	}
	struct rplan p;
	rplan_init(&p, x, mask);
	if (count == 0) {
		/* an empty reduced axis: only the initial values remain */
		p.rank = 1;
		p.dim[0] = 0;
		p.red[0] = 1;
		p.os[0] = 0;
	}
	if (reduce_typed(k->n->op, x->dtype, &p, k->out[0], k->in[0], nout, count) < 0)
		return ir_error("%sdtype %s is not supported", ir_node_ctx(k->n),
				ir_dtype_name(x->dtype));
	return 0;
}

/* ---- ArgMax ------------------------------------------------------------ */

/* The first (or with select_last_index the last) position of the maximum;
 * a NaN counts as the maximum, as in numpy. best holds the running maximum
 * of each of the `inner` positions so that the scan is over contiguous
 * memory whatever the axis. */
#define ARGMAX_T(T, ISNAN)                                                      \
	{                                                                       \
		const T *x = k->in[0];                                          \
		T *best = ir_scratch(sizeof(T) * (size_t)inner);                \
		for (int64_t a = 0; a < outer; a++) {                           \
			const T *xa = x + a * n * inner;                        \
			int64_t *oa = o + a * inner;                            \
			for (int64_t j = 0; j < inner; j++) {                   \
				best[j] = xa[j];                                \
				oa[j] = 0;                                      \
			}                                                       \
			for (int64_t c = 1; c < n; c++) {                       \
				const T *xc = xa + c * inner;                   \
				for (int64_t j = 0; j < inner; j++) {           \
					T v = xc[j], b = best[j];               \
					int win = last ? (v >= b || ISNAN(v))   \
						       : (v > b || (ISNAN(v) && !ISNAN(b))); \
					if (win) {                              \
						best[j] = v;                    \
						oa[j] = c;                      \
					}                                       \
				}                                               \
			}                                                       \
		}                                                               \
		return 0;                                                       \
	}
#define ISNAN_F(v) ((v) != (v))
#define ISNAN_I(v) 0

int k_argmax(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0];
	int axis = ir_norm_axis(ir_attr_int(k->n, "axis", 0), x->rank);
	int last = ir_attr_int(k->n, "select_last_index", 0) != 0;
	int64_t outer = prod(x->dims, 0, axis), n = x->dims[axis];
	int64_t inner = prod(x->dims, axis + 1, x->rank);
	int64_t *o = k->out[0];
	if (outer * inner == 0)
		return 0;
	if (n == 0)
		return ir_error("%saxis %d of \"%s\" is empty; there is no maximum",
				ir_node_ctx(k->n), axis, x->name);
	switch (x->dtype) {
	case IR_DTYPE_F32: ARGMAX_T(float, ISNAN_F)
	case IR_DTYPE_F64: ARGMAX_T(double, ISNAN_F)
	case IR_DTYPE_I8: ARGMAX_T(int8_t, ISNAN_I)
	case IR_DTYPE_U8: ARGMAX_T(uint8_t, ISNAN_I)
	case IR_DTYPE_I16: ARGMAX_T(int16_t, ISNAN_I)
	case IR_DTYPE_U16: ARGMAX_T(uint16_t, ISNAN_I)
	case IR_DTYPE_I32: ARGMAX_T(int32_t, ISNAN_I)
	case IR_DTYPE_U32: ARGMAX_T(uint32_t, ISNAN_I)
	case IR_DTYPE_I64: ARGMAX_T(int64_t, ISNAN_I)
	case IR_DTYPE_U64: ARGMAX_T(uint64_t, ISNAN_I)
	default:
		return ir_error("%sdtype %s is not supported", ir_node_ctx(k->n),
				ir_dtype_name(x->dtype));
	}
}

/* ---- GlobalAveragePool, GlobalMaxPool ---------------------------------- */

int k_global_pool(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0];
	int64_t planes = x->dims[0] * x->dims[1], size = prod(x->dims, 2, x->rank);
	const float *in = k->in[0];
	float *out = k->out[0];
	int avg = k->n->op == IR_OP_GLOBAL_AVERAGE_POOL;
	for (int64_t p = 0; p < planes; p++) {
		const float *xp = in + p * size;
		out[p] = avg ? (float)(sum_f32(xp, size) / (double)size) : max_f32(xp, size);
	}
	return 0;
}

/* ---- BatchNormalization ------------------------------------------------ */

/* Inference: y = (x - mean) / sqrt(var + eps) * scale + B, computed as
 * y = x*a + b with a and b worked out per channel in double and rounded
 * once. training_mode=1 (ONNX BatchNormalization-15) normalizes with the
 * batch's own mean and biased variance over every axis but 1, and reports
 * running_mean * momentum + batch_mean * (1 - momentum) (and the same for
 * the variance) as outputs 1 and 2. */
int k_batch_norm(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0];
	const struct ir_node *n = k->n;
	int64_t nb = x->dims[0], ch = x->dims[1], size = prod(x->dims, 2, x->rank);
	const float *in = k->in[0], *scale = k->in[1], *bias = k->in[2];
	const float *mean = k->in[3], *var = k->in[4];
	float *out = k->out[0];
	double eps = ir_attr_float(n, "epsilon", 1e-5f);
	double momentum = ir_attr_float(n, "momentum", 0.9f);
	int training = ir_attr_int(n, "training_mode", 0) != 0;
	float *a = ir_scratch(sizeof(float) * 2 * (size_t)(ch ? ch : 1)), *b = a + ch;
	for (int64_t c = 0; c < ch; c++) {
		double m = mean[c], v = var[c];
		if (training) {
			double cnt = (double)(nb * size), s = 0, q = 0;
			for (int64_t i = 0; i < nb; i++)
				s += sum_f32(in + (i * ch + c) * size, size);
			m = cnt > 0 ? s / cnt : 0;
			for (int64_t i = 0; i < nb; i++)
				q += sumsq_dev_f32(in + (i * ch + c) * size, size, m);
			v = cnt > 0 ? q / cnt : 0;
			if (n->n_out > 1 && k->out[1])
				((float *)k->out[1])[c] =
					(float)(mean[c] * momentum + m * (1 - momentum));
			if (n->n_out > 2 && k->out[2])
				((float *)k->out[2])[c] =
					(float)(var[c] * momentum + v * (1 - momentum));
		}
		double ad = scale[c] / sqrt(v + eps);
		a[c] = (float)ad;
		b[c] = (float)(bias[c] - m * ad);
	}
	for (int64_t e = 0; e < nb; e++)
		for (int64_t c = 0; c < ch; c++) {
			const float *xp = in + (e * ch + c) * size;
			float *op = out + (e * ch + c) * size;
			const float ac = a[c], bc = b[c];
			ELW_LOOP(size, op[i] = xp[i] * ac + bc);
		}
	return 0;
}
