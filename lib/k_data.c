/*
 * k_data.c: the data-movement kernels of the operator table (ops.h):
 * Concat, Split, Slice, Gather, the views (Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity: k_copy), Transpose, Expand, Pad, Dropout, Shape and
 * ConstantOfShape. formats/ir.md, "Operators", is the spec. Shape inference
 * (infer.c) has run first: attributes are valid and k->to[i] holds every
 * output shape, so nothing here re-checks them. The only run-time error is a
 * Gather index out of range.
 *
 * No kernel looks at element values, only at their size (ir_dtype_size), so
 * every kernel works for every dtype. Slice, Expand, Pad, Gather and the easy
 * transposes are one engine, kd_gather_run(): the output is written
 * contiguously and each output dim says, per index, which byte offset of the
 * input it reads (an affine rule, or a table that may also say "write the
 * fill value"). The engine drops size-1 dims, merges dims that stay
 * contiguous, folds the contiguous tail into one wide "element", and then
 * copies blocks: a repeated offset in an outer dim is a memcpy of the block
 * just written (broadcast, edge padding), and a table-driven innermost dim
 * runs as memcpy, fill, repeat or gather stretches planned once per call.
 * Transposes that turn rows into columns go through cache-sized tiles of
 * 4x4 register transposes instead. Temporary tables are malloc'd per call:
 * they are O(sum of dims), small next to the data.
 */
#include "ops.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define T(i) (k->ti[i])
#define O(i) (k->to[i])

/* One output dim of a gather: the byte offset into the input that output
 * index o reads is base + o * stride, or tab[o] when tab is set; KD_FILL in
 * a table means "write the fill value" (constant padding). */
#define KD_FILL INT64_MIN

struct kd_gdim {
	int64_t n;
	int64_t base, stride;
	const int64_t *tab;
};

struct kd_gather {
	int rank;
	struct kd_gdim d[IR_MAX_RANK];
	size_t esize;          /* bytes per element */
	const void *fill;      /* one element; needed only if a table holds KD_FILL */
};

/* ---- small helpers ----------------------------------------------------- */

/* Fills bytes (a multiple of pes) with copies of the pes-byte pattern pat:
 * memset when the pattern is one repeated byte, else by doubling copies. */
static void kd_fill(void *dst, size_t bytes, const void *pat, size_t pes)
{
	const unsigned char *p = pat;
	unsigned char *d = dst;
	size_t i;
	if (bytes == 0)
		return;
	for (i = 1; i < pes && p[i] == p[0]; i++)
		;
	if (i == pes) {
		memset(d, p[0], bytes);
		return;
	}
	size_t have = pes < bytes ? pes : bytes;
	memcpy(d, p, have);
	while (have < bytes) {
		size_t n = have < bytes - have ? have : bytes - have;
		memcpy(d + have, d, n);
		have += n;
	}
}

static uint16_t f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000, mant = x & 0x7fffff;
	int exp = (int)((x >> 23) & 0xff);
	if (exp == 0xff)
		return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
	int e = exp - 127 + 15;
	if (e >= 0x1f)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) {
		/* subnormal half: shift the implicit 1 in, round to nearest even */
		if (e < -10)
			return (uint16_t)sign;
		mant |= 0x800000;
		int shift = 14 - e;
		uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
		if (rem > half || (rem == half && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	uint32_t h = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fff;
	/* a carry out of the mantissa bumps the exponent, up to inf: correct */
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;
	return (uint16_t)(sign | h);
}

static uint16_t f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

/* One element of dtype dt holding v: Pad's float value attribute converted
 * to the padded tensor's type (integers truncate toward zero, as Cast). */
static void kd_scalar(enum ir_dtype dt, double v, void *out)
{
	/* out-of-range and NaN values would be undefined behaviour in C */
	double t = v != v || v <= -9.2e18 || v >= 1.8e19 ? 0 : v;
	uint64_t u = t < 0 ? (uint64_t)(int64_t)t : (uint64_t)t;
	switch (dt) {
	case IR_DTYPE_F32: { float f = (float)v; memcpy(out, &f, 4); break; }
	case IR_DTYPE_F64: memcpy(out, &v, 8); break;
	case IR_DTYPE_F16: { uint16_t h = f32_to_f16((float)v); memcpy(out, &h, 2); break; }
	case IR_DTYPE_BF16: { uint16_t h = f32_to_bf16((float)v); memcpy(out, &h, 2); break; }
	case IR_DTYPE_BOOL: *(uint8_t *)out = v != 0; break;
	case IR_DTYPE_I8: case IR_DTYPE_U8: *(uint8_t *)out = (uint8_t)u; break;
	case IR_DTYPE_I16: case IR_DTYPE_U16: { uint16_t x = (uint16_t)u; memcpy(out, &x, 2); break; }
	case IR_DTYPE_I32: case IR_DTYPE_U32: { uint32_t x = (uint32_t)u; memcpy(out, &x, 4); break; }
	case IR_DTYPE_I64: case IR_DTYPE_U64: memcpy(out, &u, 8); break;
	default: memset(out, 0, ir_dtype_size(dt)); break;
	}
}

/* Row-major strides in bytes. */
static void byte_strides(int rank, const int64_t *dims, size_t es, int64_t *st)
{
	int64_t s = (int64_t)es;
	for (int d = rank - 1; d >= 0; d--) {
		st[d] = s;
		s *= dims[d];
	}
}

/* ---- the gather engine ------------------------------------------------- */

enum { RUN_COPY, RUN_FILL, RUN_GATHER, RUN_REPEAT };

struct run {
	int kind;
	int64_t o, len;        /* output elements [o, o + len) of the row */
	int64_t off;           /* COPY, REPEAT: byte offset of the first source element */
	int64_t k;             /* REPEAT: each source element written k times */
};

struct gctx {
	int rank;
	struct kd_gdim d[IR_MAX_RANK];
	int64_t blk[IR_MAX_RANK];  /* output bytes per index of dim d */
	size_t es, pes;
	const void *fill;
	const int64_t *tab;        /* innermost dim's offsets */
	struct run *runs;
	int64_t nruns;
};

/* Contiguous stretches shorter than this are gathered element by element
 * rather than given their own memcpy. */
#define MIN_COPY 8

static int64_t contig_len(const int64_t *t, int64_t o, int64_t n, int64_t es, int64_t cap)
{
	int64_t l = 1;
	while (o + l < n && l < cap && t[o + l] != KD_FILL && t[o + l] == t[o] + l * es)
		l++;
	return l;
}

/* Splits the innermost row into runs (the row's offsets are c->tab). */
static int64_t plan_runs(struct gctx *c, int64_t n)
{
	const int64_t *t = c->tab;
	int64_t es = (int64_t)c->es, o = 0, nr = 0;
	while (o < n) {
		struct run *r = &c->runs[nr++];
		r->o = o;
		r->k = 1;
		if (t[o] == KD_FILL) {
			while (o < n && t[o] == KD_FILL)
				o++;
			r->kind = RUN_FILL;
			r->len = o - r->o;
			continue;
		}
		int64_t l = contig_len(t, o, n, es, INT64_MAX);
		if (l >= MIN_COPY) {
			r->kind = RUN_COPY;
			r->len = l;
			r->off = t[o];
			o += l;
			continue;
		}
		while (o < n && t[o] != KD_FILL && contig_len(t, o, n, es, MIN_COPY) < MIN_COPY)
			o++;
		r->len = o - r->o;
		r->off = t[r->o];
		/* Nearest upsampling and broadcasting give off, off, off+es,
		 * off+es, ...: each source element written k times. */
		int64_t kk = 1, s = r->o;
		while (kk < r->len && t[s + kk] == t[s])
			kk++;
		int rep = kk > 1;
		for (int64_t j = kk; rep && j < r->len; j++)
			rep = t[s + j] == t[s] + (j / kk) * es;
		r->kind = rep ? RUN_REPEAT : RUN_GATHER;
		r->k = kk;
	}
	return nr;
}

#define GATHER_T(TYPE)                                                        \
	do {                                                                  \
		for (int64_t j = 0; j < len; j++) {                           \
			TYPE v;                                               \
			memcpy(&v, src + tab[j], sizeof v);                   \
			memcpy(dst + j * (int64_t)sizeof v, &v, sizeof v);    \
		}                                                             \
	} while (0)

static void gather_elems(char *dst, const char *src, const int64_t *tab, int64_t len, size_t es)
{
	switch (es) {
	case 1: GATHER_T(uint8_t); break;
	case 2: GATHER_T(uint16_t); break;
	case 4: GATHER_T(uint32_t); break;
	case 8: GATHER_T(uint64_t); break;
	default:
		for (int64_t j = 0; j < len; j++)
			memcpy(dst + j * (int64_t)es, src + tab[j], es);
	}
}

#define REPEAT_T(TYPE)                                                        \
	do {                                                                  \
		TYPE v;                                                       \
		if (k == 2) {                                                 \
			for (int64_t i = 0; i < full; i++) {                  \
				memcpy(&v, src + i * (int64_t)sizeof v, sizeof v); \
				memcpy(dst + 2 * i * (int64_t)sizeof v, &v, sizeof v); \
				memcpy(dst + (2 * i + 1) * (int64_t)sizeof v, &v, sizeof v); \
			}                                                     \
		} else {                                                      \
			for (int64_t i = 0; i < full; i++) {                  \
				memcpy(&v, src + i * (int64_t)sizeof v, sizeof v); \
				for (int64_t r = 0; r < k; r++)               \
					memcpy(dst + (i * k + r) * (int64_t)sizeof v, &v, sizeof v); \
			}                                                     \
		}                                                             \
	} while (0)

static void repeat_elems(char *dst, const char *src, int64_t len, int64_t k, size_t es)
{
	int64_t full = len / k, rest = len % k;
	switch (es) {
	case 1: REPEAT_T(uint8_t); break;
	case 2: REPEAT_T(uint16_t); break;
	case 4: REPEAT_T(uint32_t); break;
	case 8: REPEAT_T(uint64_t); break;
	default:
		for (int64_t i = 0; i < full; i++)
			kd_fill(dst + i * k * (int64_t)es, (size_t)k * es, src + i * (int64_t)es, es);
	}
	if (rest)
		kd_fill(dst + full * k * (int64_t)es, (size_t)rest * es, src + full * (int64_t)es, es);
}

#define STRIDED_T(TYPE)                                                       \
	do {                                                                  \
		for (int64_t j = 0; j < n; j++) {                             \
			TYPE v;                                               \
			memcpy(&v, src + j * stride, sizeof v);               \
			memcpy(dst + j * (int64_t)sizeof v, &v, sizeof v);    \
		}                                                             \
	} while (0)

/* dst[j] = src[j * stride bytes] for n elements of es bytes. */
static void strided_elems(char *dst, const char *src, int64_t n, int64_t stride, size_t es)
{
	switch (es) {
	case 1: STRIDED_T(uint8_t); break;
	case 2: STRIDED_T(uint16_t); break;
	case 4: STRIDED_T(uint32_t); break;
	case 8: STRIDED_T(uint64_t); break;
	default:
		for (int64_t j = 0; j < n; j++)
			memcpy(dst + j * (int64_t)es, src + j * stride, es);
	}
}

static void g_row(const struct gctx *c, char *dst, const char *src)
{
	size_t es = c->es;
	const struct kd_gdim *last = &c->d[c->rank - 1];
	if (!last->tab) {
		/* An affine row needs no plan: broadcast one element, or step
		 * through the input (a strided slice, a transposed gather). */
		if (last->stride == 0)
			kd_fill(dst, (size_t)last->n * es, src + last->base, es);
		else
			strided_elems(dst, src + last->base, last->n, last->stride, es);
		return;
	}
	for (int64_t i = 0; i < c->nruns; i++) {
		const struct run *r = &c->runs[i];
		char *d = dst + r->o * (int64_t)es;
		switch (r->kind) {
		case RUN_COPY:
			memcpy(d, src + r->off, (size_t)r->len * es);
			break;
		case RUN_FILL:
			kd_fill(d, (size_t)r->len * es, c->fill, c->pes);
			break;
		case RUN_REPEAT:
			repeat_elems(d, src + r->off, r->len, r->k, es);
			break;
		default:
			gather_elems(d, src, c->tab + r->o, r->len, es);
		}
	}
}

static void g_rec(const struct gctx *c, int d, char *out, const char *in)
{
	if (d == c->rank - 1) {
		g_row(c, out, in);
		return;
	}
	const struct kd_gdim *gd = &c->d[d];
	int64_t blk = c->blk[d], prev = KD_FILL;
	for (int64_t o = 0; o < gd->n; o++) {
		int64_t off = gd->tab ? gd->tab[o] : gd->base + o * gd->stride;
		char *dst = out + o * blk;
		if (off == KD_FILL)
			kd_fill(dst, (size_t)blk, c->fill, c->pes);
		else if (off == prev)
			memcpy(dst, dst - blk, (size_t)blk);  /* the block just written */
		else
			g_rec(c, d + 1, dst, in + off);
		prev = off;
	}
}

static void kd_gather_run(const struct kd_gather *g, void *out, const void *in)
{
	struct gctx c;
	int64_t total = 1, base = 0;
	for (int d = 0; d < g->rank; d++)
		total *= g->d[d].n;
	if (total == 0)
		return;
	c.pes = g->esize;
	c.fill = g->fill;
	/* Size-1 dims only add their offset. */
	int r = 0;
	for (int d = 0; d < g->rank; d++) {
		const struct kd_gdim *gd = &g->d[d];
		if (gd->n != 1) {
			c.d[r++] = *gd;
			continue;
		}
		int64_t off = gd->tab ? gd->tab[0] : gd->base;
		if (off == KD_FILL) {
			kd_fill(out, (size_t)total * g->esize, g->fill, g->esize);
			return;
		}
		base += off;
	}
	/* Merge an affine dim into the affine dim outside it when together
	 * they still step evenly through the input. */
	int m = 0;
	for (int d = 0; d < r; d++) {
		struct kd_gdim *p = m ? &c.d[m - 1] : NULL, *q = &c.d[d];
		if (p && !p->tab && !q->tab && p->stride == q->stride * q->n) {
			p->n *= q->n;
			p->base += q->base;
			p->stride = q->stride;
		} else {
			c.d[m++] = *q;
		}
	}
	r = m;
	/* A contiguous innermost dim becomes part of the element. */
	c.es = g->esize;
	if (r > 0 && !c.d[r - 1].tab && c.d[r - 1].stride == (int64_t)c.es) {
		c.es *= (size_t)c.d[r - 1].n;
		base += c.d[r - 1].base;
		r--;
	}
	const char *src = (const char *)in + base;
	if (r == 0) {
		memcpy(out, src, c.es);
		return;
	}
	c.rank = r;
	int64_t b = (int64_t)c.es;
	for (int d = r - 1; d >= 0; d--) {
		c.blk[d] = b;
		b *= c.d[d].n;
	}
	/* A table row is planned once into runs; an affine row is simple. */
	const struct kd_gdim *last = &c.d[r - 1];
	c.runs = NULL;
	c.tab = last->tab;
	if (last->tab) {
		c.runs = xmalloc(sizeof(struct run) * (size_t)last->n);
		c.nruns = plan_runs(&c, last->n);
	}
	g_rec(&c, 0, out, src);
	free(c.runs);
}

/* ---- Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout ----------- */

int k_copy(const struct ir_kctx *k)
{
	/* The executor may give a view the input's own buffer. */
	size_t bytes = ir_tensor_nbytes(T(0));
	if (bytes && k->out[0] != k->in[0])
		memmove(k->out[0], k->in[0], bytes);
	return 0;
}

int k_dropout(const struct ir_kctx *k)
{
	k_copy(k);
	if (k->n->n_out > 1 && O(1) && k->out[1] && ir_tensor_numel(O(1)))
		memset(k->out[1], 1, (size_t)ir_tensor_numel(O(1)));
	return 0;
}

/* ---- Concat, Split ------------------------------------------------------ */

int k_concat(const struct ir_kctx *k)
{
	const struct ir_tensor *y = O(0);
	int axis = ir_norm_axis(ir_attr_int(k->n, "axis", 0), y->rank);
	size_t es = ir_dtype_size(y->dtype);
	int64_t outer = ir_shape_numel(axis, y->dims);
	int64_t inner = ir_shape_numel(y->rank - axis - 1, y->dims + axis + 1) * (int64_t)es;
	int64_t yrow = y->dims[axis] * inner, pos = 0;
	char *out = k->out[0];
	if (outer == 0)
		return 0;
	for (int i = 0; i < k->n->n_in; i++) {
		int64_t blk = T(i)->dims[axis] * inner;
		const char *in = k->in[i];
		if (blk == 0)
			continue;
		if (outer == 1 || blk == yrow) {
			memcpy(out + pos, in, (size_t)(blk * outer));
		} else {
			for (int64_t a = 0; a < outer; a++)
				memcpy(out + a * yrow + pos, in + a * blk, (size_t)blk);
		}
		pos += blk;
	}
	return 0;
}

/* The size of part i along the axis, from the output when it exists, else
 * from the split rule of infer_split (equal parts, the last one shorter). */
static int64_t split_part(const struct ir_kctx *k, int axis, int i)
{
	if (O(i))
		return O(i)->dims[axis];
	int64_t sp[64];
	int cnt = ir_attr_ints(k->n, "split", sp, 64);
	if (cnt >= 0)
		return sp[i];
	int64_t len = T(0)->dims[axis], each = (len + k->n->n_out - 1) / k->n->n_out;
	int64_t start = each * i;
	return start >= len ? 0 : len - start < each ? len - start : each;
}

int k_split(const struct ir_kctx *k)
{
	const struct ir_tensor *x = T(0);
	int axis = ir_norm_axis(ir_attr_int(k->n, "axis", 0), x->rank);
	size_t es = ir_dtype_size(x->dtype);
	int64_t outer = ir_shape_numel(axis, x->dims);
	int64_t inner = ir_shape_numel(x->rank - axis - 1, x->dims + axis + 1) * (int64_t)es;
	int64_t xrow = x->dims[axis] * inner, pos = 0;
	const char *in = k->in[0];
	if (outer == 0)
		return 0;
	for (int i = 0; i < k->n->n_out; i++) {
		int64_t blk = split_part(k, axis, i) * inner;
		char *out = k->out[i];
		if (out && blk) {
			if (outer == 1 || blk == xrow) {
				memcpy(out, in + pos, (size_t)(blk * outer));
			} else {
				for (int64_t a = 0; a < outer; a++)
					memcpy(out + a * blk, in + a * xrow + pos, (size_t)blk);
			}
		}
		pos += blk;
	}
	return 0;
}

/* ---- Slice, Expand, Gather, Pad: per-dim gathers ------------------------ */

int k_slice(const struct ir_kctx *k)
{
	const struct ir_tensor *x = T(0);
	int64_t start[IR_MAX_RANK], step[IR_MAX_RANK], cnt[IR_MAX_RANK], st[IR_MAX_RANK];
	if (ir_slice_params(k->n, x->rank, x->dims, start, step, cnt) < 0)
		return -1;
	struct kd_gather g = {.rank = x->rank, .esize = ir_dtype_size(x->dtype)};
	byte_strides(x->rank, x->dims, g.esize, st);
	for (int d = 0; d < x->rank; d++)
		g.d[d] = (struct kd_gdim){cnt[d], start[d] * st[d], step[d] * st[d], NULL};
	kd_gather_run(&g, k->out[0], k->in[0]);
	return 0;
}

int k_expand(const struct ir_kctx *k)
{
	const struct ir_tensor *x = T(0), *y = O(0);
	int64_t st[IR_MAX_RANK];
	struct kd_gather g = {.rank = y->rank, .esize = ir_dtype_size(x->dtype)};
	byte_strides(x->rank, x->dims, g.esize, st);
	int lead = y->rank - x->rank;
	for (int d = 0; d < y->rank; d++) {
		int xd = d - lead;
		/* A dim X lacks or has as 1 is read again for every index. */
		int64_t s = xd >= 0 && x->dims[xd] != 1 ? st[xd] : 0;
		g.d[d] = (struct kd_gdim){y->dims[d], 0, s, NULL};
	}
	kd_gather_run(&g, k->out[0], k->in[0]);
	return 0;
}

int k_gather(const struct ir_kctx *k)
{
	const struct ir_tensor *x = T(0), *idx = T(1);
	int axis = ir_norm_axis(ir_attr_int(k->n, "axis", 0), x->rank);
	size_t es = ir_dtype_size(x->dtype);
	int64_t len = x->dims[axis], ni = ir_tensor_numel(idx);
	int64_t inner = ir_shape_numel(x->rank - axis - 1, x->dims + axis + 1) * (int64_t)es;
	int64_t *tab = xmalloc(sizeof(int64_t) * (size_t)(ni ? ni : 1));
	for (int64_t j = 0; j < ni; j++) {
		int64_t v = idx->dtype == IR_DTYPE_I32 ? ((const int32_t *)k->in[1])[j]
						       : ((const int64_t *)k->in[1])[j];
		if (v < -len || v >= len) {
			free(tab);
			return ir_error("%sindex %lld out of range [-%lld, %lld)", ir_node_ctx(k->n),
					(long long)v, (long long)len, (long long)len);
		}
		tab[j] = (v < 0 ? v + len : v) * inner;
	}
	struct kd_gather g = {.rank = 3, .esize = es};
	g.d[0] = (struct kd_gdim){ir_shape_numel(axis, x->dims), 0, len * inner, NULL};
	g.d[1] = (struct kd_gdim){ni, 0, 0, tab};
	g.d[2] = (struct kd_gdim){inner / (int64_t)es, 0, (int64_t)es, NULL};
	kd_gather_run(&g, k->out[0], k->in[0]);
	free(tab);
	return 0;
}

/* Index i reflected into [0, n) as often as needed (numpy's reflect). */
static int64_t reflect_index(int64_t i, int64_t n)
{
	if (n == 1)
		return 0;
	int64_t p = 2 * (n - 1);
	i %= p;
	if (i < 0)
		i += p;
	return i >= n ? p - i : i;
}

int k_pad(const struct ir_kctx *k)
{
	const struct ir_tensor *x = T(0), *y = O(0);
	int rank = x->rank;
	int64_t p[2 * IR_MAX_RANK] = {0}, st[IR_MAX_RANK];
	ir_attr_ints(k->n, "pads", p, 2 * IR_MAX_RANK);
	const char *mode = ir_attr_string(k->n, "mode", "constant");
	int m = strcmp(mode, "edge") == 0 ? 1 : strcmp(mode, "reflect") == 0 ? 2 : 0;
	unsigned char value[16];
	struct kd_gather g = {.rank = rank, .esize = ir_dtype_size(x->dtype), .fill = value};
	kd_scalar(x->dtype, ir_attr_float(k->n, "value", 0.0f), value);
	byte_strides(rank, x->dims, g.esize, st);
	int64_t ntab = 0;
	for (int d = 0; d < rank; d++)
		if (p[d] > 0 || p[d + rank] > 0)
			ntab += y->dims[d];
	int64_t *tabs = xmalloc(sizeof(int64_t) * (size_t)(ntab ? ntab : 1)), *t = tabs;
	int rc = 0;
	for (int d = 0; d < rank; d++) {
		int64_t b = p[d], e = p[d + rank];
		/* Negative pads crop first; the cropped axis is then padded, so
		 * edge and reflect see the cropped edge. */
		int64_t c0 = b < 0 ? -b : 0, c1 = e < 0 ? -e : 0, pb = b > 0 ? b : 0;
		int64_t in = x->dims[d] - c0 - c1;
		if (in < 0)
			in = 0;
		if (b <= 0 && e <= 0) {
			g.d[d] = (struct kd_gdim){y->dims[d], c0 * st[d], st[d], NULL};
			continue;
		}
		if (in == 0 && m != 0 && y->dims[d] > 0) {
			rc = ir_error("%s%s padding of axis %d, which is empty, is undefined",
				      ir_node_ctx(k->n), mode, d);
			break;
		}
		for (int64_t o = 0; o < y->dims[d]; o++) {
			int64_t i = o - pb;
			if (i < 0 || i >= in) {
				if (m == 0) {
					t[o] = KD_FILL;
					continue;
				}
				i = m == 1 ? (i < 0 ? 0 : in - 1) : reflect_index(i, in);
			}
			t[o] = (c0 + i) * st[d];
		}
		g.d[d] = (struct kd_gdim){y->dims[d], 0, 0, t};
		t += y->dims[d];
	}
	if (rc == 0)
		kd_gather_run(&g, k->out[0], k->in[0]);
	free(tabs);
	return rc;
}

/* ---- Transpose ---------------------------------------------------------- */

/* Tile edge, in elements: two 32x32 tiles of 4-byte elements fit L1 easily. */
#define TILE 32

/* Inside a tile, 4x4 blocks are transposed in registers with GCC/Clang
 * vector extensions (SSE/AVX shuffles, or whatever the target has). */
typedef uint8_t v4u8 __attribute__((vector_size(4)));
typedef uint16_t v4u16 __attribute__((vector_size(8)));
typedef uint32_t v4u32 __attribute__((vector_size(16)));
typedef uint64_t v4u64 __attribute__((vector_size(32)));
#if defined(__clang__)
#define SHUF4(V, a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define SHUF4(V, a, b, i, j, k, l) __builtin_shuffle(a, b, (V){i, j, k, l})
#endif

/* out rows a..a+3 (stride os) from in rows b..b+3 (stride is): d points at
 * out[a][b], s at in[b][a]. */
#define BLOCK4(V)                                                             \
	do {                                                                  \
		V r0, r1, r2, r3;                                             \
		memcpy(&r0, s, sizeof r0);                                    \
		memcpy(&r1, s + is, sizeof r1);                               \
		memcpy(&r2, s + 2 * is, sizeof r2);                           \
		memcpy(&r3, s + 3 * is, sizeof r3);                           \
		V t0 = SHUF4(V, r0, r1, 0, 4, 1, 5), t1 = SHUF4(V, r0, r1, 2, 6, 3, 7); \
		V t2 = SHUF4(V, r2, r3, 0, 4, 1, 5), t3 = SHUF4(V, r2, r3, 2, 6, 3, 7); \
		V o0 = SHUF4(V, t0, t2, 0, 1, 4, 5), o1 = SHUF4(V, t0, t2, 2, 3, 6, 7); \
		V o2 = SHUF4(V, t1, t3, 0, 1, 4, 5), o3 = SHUF4(V, t1, t3, 2, 3, 6, 7); \
		memcpy(d, &o0, sizeof o0);                                    \
		memcpy(d + os, &o1, sizeof o1);                               \
		memcpy(d + 2 * os, &o2, sizeof o2);                           \
		memcpy(d + 3 * os, &o3, sizeof o3);                           \
	} while (0)

#define TILE_T(TYPE, V)                                                       \
	do {                                                                  \
		const int64_t esz = sizeof(TYPE);                             \
		for (int64_t a0 = 0; a0 < na; a0 += TILE)                     \
			for (int64_t b0 = 0; b0 < nb; b0 += TILE) {           \
				int64_t a1 = a0 + TILE < na ? a0 + TILE : na; \
				int64_t b1 = b0 + TILE < nb ? b0 + TILE : nb; \
				int64_t a = a0;                               \
				for (; a + 4 <= a1; a += 4) {                 \
					int64_t b = b0;                       \
					for (; b + 4 <= b1; b += 4) {         \
						char *d = out + a * os + b * esz; \
						const char *s = in + a * esz + b * is; \
						BLOCK4(V);                    \
					}                                     \
					for (; b < b1; b++)                   \
						for (int64_t i = a; i < a + 4; i++) \
							memcpy(out + i * os + b * esz, \
							       in + i * esz + b * is, esz); \
				}                                             \
				for (; a < a1; a++)                           \
					for (int64_t b = b0; b < b1; b++)     \
						memcpy(out + a * os + b * esz, in + a * esz + b * is, esz); \
			}                                                     \
	} while (0)

/* out[a][b] = in[b][a]: a runs along the input's rows (stride es), b along
 * the output's (stride es); os and is are the other strides, in bytes.
 * Element sizes are those of the dtypes: 1, 2, 4 or 8 bytes. */
static void transpose_2d(char *out, const char *in, int64_t na, int64_t nb, int64_t os,
			 int64_t is, size_t es)
{
	switch (es) {
	case 1: TILE_T(uint8_t, v4u8); break;
	case 2: TILE_T(uint16_t, v4u16); break;
	case 4: TILE_T(uint32_t, v4u32); break;
	default: TILE_T(uint64_t, v4u64); break;
	}
}

int k_transpose(const struct ir_kctx *k)
{
	const struct ir_tensor *x = T(0), *y = O(0);
	int rank = x->rank;
	size_t es = ir_dtype_size(x->dtype);
	int64_t perm[IR_MAX_RANK], st[IR_MAX_RANK];
	if (ir_attr_ints(k->n, "perm", perm, IR_MAX_RANK) < 0)
		for (int i = 0; i < rank; i++)
			perm[i] = rank - 1 - i;
	byte_strides(rank, x->dims, es, st);
	/* Output dims with their input strides, size-1 dims dropped and
	 * neighbours that are neighbours in the input too merged. */
	int64_t n[IR_MAX_RANK], s[IR_MAX_RANK];
	int r = 0;
	if (ir_tensor_numel(y) == 0)
		return 0;
	for (int i = 0; i < rank; i++) {
		int a = ir_norm_axis(perm[i], rank);
		if (x->dims[a] == 1)
			continue;
		if (r && s[r - 1] == st[a] * x->dims[a]) {
			n[r - 1] *= x->dims[a];
			s[r - 1] = st[a];
		} else {
			n[r] = x->dims[a];
			s[r++] = st[a];
		}
	}
	if (r == 0 || s[r - 1] == (int64_t)es) {
		/* Rows are contiguous in the input: whole-row copies. */
		struct kd_gather g = {.rank = r, .esize = es};
		for (int i = 0; i < r; i++)
			g.d[i] = (struct kd_gdim){n[i], 0, s[i], NULL};
		kd_gather_run(&g, k->out[0], k->in[0]);
		return 0;
	}
	/* The innermost output dim is strided in the input: the dim p that is
	 * contiguous in the input pairs with it in a blocked 2-D transpose, for
	 * every index of the remaining dims. */
	int p = 0;
	while (s[p] != (int64_t)es)
		p++;
	int64_t os[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
	os[r - 1] = (int64_t)es;
	for (int i = r - 2; i >= 0; i--)
		os[i] = os[i + 1] * n[i + 1];
	char *out = k->out[0];
	const char *in = k->in[0];
	for (;;) {
		int64_t bo = 0, bi = 0;
		for (int i = 0; i < r - 1; i++)
			if (i != p) {
				bo += idx[i] * os[i];
				bi += idx[i] * s[i];
			}
		transpose_2d(out + bo, in + bi, n[p], n[r - 1], os[p], s[r - 1], es);
		int i = r - 2;
		for (; i >= 0; i--) {
			if (i == p)
				continue;
			if (++idx[i] < n[i])
				break;
			idx[i] = 0;
		}
		if (i < 0)
			break;
	}
	return 0;
}

/* ---- Shape, ConstantOfShape --------------------------------------------- */

int k_shape(const struct ir_kctx *k)
{
	int64_t s, e, *out = k->out[0];
	ir_shape_range(k->n, T(0)->rank, &s, &e);
	for (int64_t i = s; i < e; i++)
		out[i - s] = T(0)->dims[i];
	return 0;
}

int k_constant_of_shape(const struct ir_kctx *k)
{
	const struct ir_tensor *y = O(0);
	struct ir_attr *v = ir_attr_find(k->n, "value");
	size_t es = ir_dtype_size(y->dtype), bytes = ir_tensor_nbytes(y);
	if (v && v->t && v->t->data)
		kd_fill(k->out[0], bytes, v->t->data, es);
	else if (bytes)
		memset(k->out[0], 0, bytes);
	return 0;
}
