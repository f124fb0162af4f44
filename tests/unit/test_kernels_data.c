/*
 * test_kernels_data.c: unit tests of the data-movement kernels (lib/k_data.c)
 * and Resize (lib/k_resize.c), run on one node at a time through
 * ir_node_infer() and ir_node_eval(); no executor involved.
 *
 *     test_kernels_data [CASES.txt ...]
 *
 * Prints "test_kernels_data: N passed" and exits 0, or names every failing
 * check on stderr and exits 1. Three kinds of check:
 *
 * 1. Cases written as text (the format below): the embedded ones, then those
 *    of each file named on the command line. The embedded cases are, after
 *    some hand-written ones, ONNX backend node tests
 *    (/usr/share/libonnx-testdata/data/node/test_*: every Resize/Upsample
 *    one, and one or more of each other op) converted as onnx2ir does: ONNX
 *    inputs that our IR takes as attributes (Resize scales/sizes/roi, Slice
 *    starts/ends, Pad pads/value, Split split, Squeeze/Unsqueeze axes,
 *    Reshape/Expand shape) became attributes, and the expected data is
 *    ONNX's own. The "ref_" Resize cases come from the ONNX reference
 *    implementation (onnx.backend.test.case.node.resize) on shapes that
 *    reach each loop of k_resize.c. The remaining ONNX cases (test_slice_*
 *    with 1000-element inputs, more views and transposes) are left out to
 *    keep this file small; converted the same way into a file, they can be
 *    passed on the command line.
 * 2. Randomized comparisons of Transpose, Slice, Pad, Expand, Gather, Concat
 *    and Split against naive index loops, over element sizes 1, 2, 4 and 8,
 *    with shapes big enough to reach the blocked and row-copy paths.
 * 3. Resize through its per-plane path against its per-axis path (the same
 *    resize on a transposed tensor), and the view kernel's aliasing.
 *
 * Case format: whitespace-separated tokens, '#' to end of line a comment.
 *
 *     case NAME OP                    # OP as in formats/ir.md
 *     attr NAME s WORD | i INT | f FLOAT | ints N V... | floats N V...
 *     attr NAME tensor DTYPE RANK DIMS... VALUES...
 *     in DTYPE RANK DIMS... VALUES... # a constant input; VALUES may be "zeros"
 *     in none                         # an absent optional input
 *     out DTYPE RANK DIMS... VALUES...# expected dtype, shape and data;
 *                                     # VALUES "=K" means input K's bytes
 *     tol RTOL ATOL                   # f32 outputs within ATOL + RTOL*|want|
 *     err TEXT...                     # evaluation fails, message holds TEXT
 *     end
 *
 * Without tol, outputs must match bit for bit (data movement copies bytes).
 */
#include "ir.h"
#include "ops.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "test_kernels_data: %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed++;
}

/* ---- the text cases ------------------------------------------------------ */

struct lex {
	const char *p, *what;
	int line;
	char tok[256];
};

static const char *next_tok(struct lex *l)
{
	for (;;) {
		while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')
			l->line += *l->p++ == '\n';
		if (*l->p != '#')
			break;
		while (*l->p && *l->p != '\n')
			l->p++;
	}
	if (!*l->p)
		return NULL;
	size_t n = 0;
	while (*l->p && !strchr(" \t\r\n", *l->p)) {
		if (n + 1 < sizeof l->tok)
			l->tok[n++] = *l->p;
		l->p++;
	}
	l->tok[n] = 0;
	return l->tok;
}

static const char *need_tok(struct lex *l)
{
	const char *t = next_tok(l);
	if (!t)
		die("%s:%d: unexpected end of cases", l->what, l->line);
	return t;
}

static long long need_int(struct lex *l)
{
	const char *t = need_tok(l);
	char *e;
	long long v = strtoll(t, &e, 10);
	if (*e)
		die("%s:%d: \"%s\" is not an integer", l->what, l->line, t);
	return v;
}

static double need_num(struct lex *l)
{
	const char *t = need_tok(l);
	char *e;
	double v = strtod(t, &e);
	if (*e)
		die("%s:%d: \"%s\" is not a number", l->what, l->line, t);
	return v;
}

/* A tensor read from the text: dtype, shape, and data (or a reference to
 * an input's data when same >= 0). */
struct ttensor {
	enum ir_dtype dt;
	int rank, same;
	int64_t dims[IR_MAX_RANK];
	void *data;
};

static void store(enum ir_dtype dt, void *p, struct lex *l)
{
	switch (dt) {
	case IR_DTYPE_F32: { float f = (float)need_num(l); memcpy(p, &f, 4); break; }
	case IR_DTYPE_F64: { double d = need_num(l); memcpy(p, &d, 8); break; }
	case IR_DTYPE_U64: {
		unsigned long long u = strtoull(need_tok(l), NULL, 10);
		memcpy(p, &u, 8);
		break;
	}
	default: {
		/* integers wrap into their width; f16/bf16 are written as bits */
		uint64_t u = (uint64_t)need_int(l);
		memcpy(p, &u, ir_dtype_size(dt)); /* little-endian */
	}
	}
}

static void read_tensor(struct lex *l, struct ttensor *t)
{
	const char *d = need_tok(l);
	t->dt = ir_dtype_from_name(d);
	if (t->dt == IR_DTYPE_UNDEFINED)
		die("%s:%d: unknown dtype \"%s\"", l->what, l->line, d);
	t->rank = (int)need_int(l);
	for (int i = 0; i < t->rank; i++)
		t->dims[i] = need_int(l);
	int64_t n = ir_shape_numel(t->rank, t->dims);
	size_t es = ir_dtype_size(t->dt);
	t->same = -1;
	t->data = xcalloc((size_t)n + 1, es);
	const char *save = l->p;
	int line = l->line;
	const char *w = next_tok(l);
	if (w && strcmp(w, "zeros") == 0)
		return;
	if (w && w[0] == '=') {
		t->same = atoi(w + 1);
		return;
	}
	l->p = save;
	l->line = line;
	for (int64_t i = 0; i < n; i++)
		store(t->dt, (char *)t->data + i * es, l);
}

static int close_enough(const struct ttensor *want, const void *got, double rtol, double atol,
			int tolerant, char *why, size_t nwhy)
{
	int64_t n = ir_shape_numel(want->rank, want->dims);
	size_t es = ir_dtype_size(want->dt);
	for (int64_t i = 0; i < n; i++) {
		const char *a = (const char *)got + i * es, *b = (const char *)want->data + i * es;
		if (tolerant && want->dt == IR_DTYPE_F32) {
			float x, y;
			memcpy(&x, a, 4);
			memcpy(&y, b, 4);
			if (!(fabs((double)x - y) <= atol + rtol * fabs(y))) {
				snprintf(why, nwhy, "element %lld is %.9g, want %.9g", (long long)i,
					 x, y);
				return 0;
			}
		} else if (memcmp(a, b, es) != 0) {
			snprintf(why, nwhy, "element %lld differs", (long long)i);
			return 0;
		}
	}
	return 1;
}

static void run_case(struct lex *l)
{
	char name[256], opname[64], errtext[512] = "";
	snprintf(name, sizeof name, "%s", need_tok(l));
	snprintf(opname, sizeof opname, "%s", need_tok(l));
	enum ir_op op = ir_op_from_name(opname);
	if (op == IR_OP_INVALID)
		die("%s:%d: unknown op \"%s\"", l->what, l->line, opname);
	struct ir_graph *g = ir_graph_new(name);
	struct ir_node *n = ir_node_add(g, name, op);
	struct ttensor outs[64];
	int nout = 0, nin = 0, tolerant = 0, want_err = 0;
	double rtol = 0, atol = 0;
	const void *indata[64];
	for (;;) {
		const char *t = need_tok(l);
		if (strcmp(t, "end") == 0)
			break;
		if (strcmp(t, "attr") == 0) {
			char an[128], kind[16];
			snprintf(an, sizeof an, "%s", need_tok(l));
			snprintf(kind, sizeof kind, "%s", need_tok(l));
			if (strcmp(kind, "s") == 0) {
				ir_attr_set_string(n, an, need_tok(l));
			} else if (strcmp(kind, "i") == 0) {
				ir_attr_set_int(n, an, need_int(l));
			} else if (strcmp(kind, "f") == 0) {
				ir_attr_set_float(n, an, (float)need_num(l));
			} else if (strcmp(kind, "ints") == 0) {
				int c = (int)need_int(l);
				int64_t *v = xcalloc((size_t)c + 1, sizeof *v);
				for (int i = 0; i < c; i++)
					v[i] = need_int(l);
				ir_attr_set_ints(n, an, c, v);
				free(v);
			} else if (strcmp(kind, "floats") == 0) {
				int c = (int)need_int(l);
				float *v = xcalloc((size_t)c + 1, sizeof *v);
				for (int i = 0; i < c; i++)
					v[i] = (float)need_num(l);
				ir_attr_set_floats(n, an, c, v);
				free(v);
			} else if (strcmp(kind, "tensor") == 0) {
				struct ttensor tt;
				read_tensor(l, &tt);
				struct ir_tensor *at = xcalloc(1, sizeof *at);
				at->name = xstrdup(an);
				at->dtype = tt.dt;
				at->rank = tt.rank;
				memcpy(at->dims, tt.dims, sizeof tt.dims);
				at->data = tt.data;
				at->producer = -1;
				ir_attr_set_tensor(n, an, at);
			} else {
				die("%s:%d: unknown attribute kind \"%s\"", l->what, l->line, kind);
			}
		} else if (strcmp(t, "in") == 0) {
			const char *save = l->p;
			int line = l->line;
			if (strcmp(need_tok(l), "none") == 0) {
				ir_node_add_input(&g->nodes[0], -1);
				indata[nin++] = NULL;
				continue;
			}
			l->p = save;
			l->line = line;
			struct ttensor tt;
			char tn[32];
			read_tensor(l, &tt);
			snprintf(tn, sizeof tn, "in%d", nin);
			int id = ir_const_add(g, tn, tt.dt, tt.rank, tt.dims, tt.data);
			ir_node_add_input(&g->nodes[0], id);
			indata[nin++] = tt.data;
		} else if (strcmp(t, "out") == 0) {
			const char *save = l->p;
			int line = l->line;
			char tn[32];
			snprintf(tn, sizeof tn, "out%d", nout);
			if (strcmp(need_tok(l), "none") == 0) {
				ir_node_add_output(&g->nodes[0], -1);
				outs[nout++].dt = IR_DTYPE_UNDEFINED;
				continue;
			}
			l->p = save;
			l->line = line;
			read_tensor(l, &outs[nout]);
			if (outs[nout].same >= 0) {
				size_t nb = (size_t)ir_shape_numel(outs[nout].rank, outs[nout].dims) *
					    ir_dtype_size(outs[nout].dt);
				memcpy(outs[nout].data, indata[outs[nout].same], nb);
			}
			ir_node_add_output(&g->nodes[0], ir_tensor_add(g, tn, IR_DTYPE_UNDEFINED, -1, NULL));
			nout++;
		} else if (strcmp(t, "tol") == 0) {
			tolerant = 1;
			rtol = need_num(l);
			atol = need_num(l);
		} else if (strcmp(t, "err") == 0) {
			want_err = 1;
			while (*l->p == ' ')
				l->p++;
			size_t k = 0;
			while (*l->p && *l->p != '\n' && k + 1 < sizeof errtext)
				errtext[k++] = *l->p++;
			errtext[k] = 0;
		} else {
			die("%s:%d: unknown keyword \"%s\"", l->what, l->line, t);
		}
	}
	n = &g->nodes[0];
	void *got[64] = {0};
	int before = failed;
	if (ir_node_infer(g, n) < 0) {
		fail(name, "shape inference failed: %s", ir_errmsg);
		goto done;
	}
	for (int i = 0; i < nout; i++) {
		if (n->out[i] < 0)
			continue;
		const struct ir_tensor *o = g->tensors[n->out[i]];
		char a[128], b[128];
		if (o->dtype != outs[i].dt || o->rank != outs[i].rank ||
		    memcmp(o->dims, outs[i].dims, sizeof(int64_t) * (size_t)o->rank))
			fail(name, "output %d is %s%s, want %s%s", i, ir_dtype_name(o->dtype),
			     ir_shape_str(o->rank, o->dims, a, sizeof a), ir_dtype_name(outs[i].dt),
			     ir_shape_str(outs[i].rank, outs[i].dims, b, sizeof b));
	}
	if (failed > before)
		goto done;
	if (ir_node_eval(g, n, got) < 0) {
		if (!want_err)
			fail(name, "evaluation failed: %s", ir_errmsg);
		else if (!strstr(ir_errmsg, errtext))
			fail(name, "error \"%s\" lacks \"%s\"", ir_errmsg, errtext);
		goto done;
	}
	if (want_err) {
		fail(name, "evaluation succeeded; want an error with \"%s\"", errtext);
		goto done;
	}
	for (int i = 0; i < nout; i++) {
		char why[256];
		if (n->out[i] >= 0 && !close_enough(&outs[i], got[i], rtol, atol, tolerant, why,
						    sizeof why))
			fail(name, "output %d: %s", i, why);
	}
done:
	for (int i = 0; i < nout; i++) {
		free(got[i]);
		if (outs[i].dt != IR_DTYPE_UNDEFINED)
			free(outs[i].data);
	}
	ir_graph_free(g);
	if (failed == before)
		passed++;
}

static void run_cases(const char *text, const char *what)
{
	struct lex l = {text, what, 1, ""};
	const char *t;
	while ((t = next_tok(&l))) {
		if (strcmp(t, "case") != 0)
			die("%s:%d: \"case\" expected, not \"%s\"", what, l.line, t);
		run_case(&l);
	}
}

/* ---- randomized checks against naive loops -------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static int64_t rnd_in(int64_t lo, int64_t hi) /* inclusive */
{
	return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1));
}

static const enum ir_dtype rnd_dtypes[] = {IR_DTYPE_U8, IR_DTYPE_I16, IR_DTYPE_F32, IR_DTYPE_I64};

static void *rnd_bytes(size_t n)
{
	unsigned char *p = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rnd();
	return p;
}

/* A graph with one node of op over constant x; returns the node. */
static struct ir_node *one_node(struct ir_graph **gp, enum ir_op op, enum ir_dtype dt, int rank,
				const int64_t *dims, void **xdata)
{
	struct ir_graph *g = ir_graph_new("t");
	size_t nb = (size_t)ir_shape_numel(rank, dims) * ir_dtype_size(dt);
	*xdata = rnd_bytes(nb);
	int x = ir_const_add(g, "x", dt, rank, dims, *xdata);
	struct ir_node *n = ir_node_add(g, "n", op);
	ir_node_add_input(n, x);
	ir_node_add_output(n, ir_tensor_add(g, "y", IR_DTYPE_UNDEFINED, -1, NULL));
	*gp = g;
	return n;
}

static void unravel(int64_t i, int rank, const int64_t *dims, int64_t *idx)
{
	for (int d = rank - 1; d >= 0; d--) {
		idx[d] = dims[d] ? i % dims[d] : 0;
		i = dims[d] ? i / dims[d] : 0;
	}
}

static int64_t ravel(int rank, const int64_t *dims, const int64_t *idx)
{
	int64_t o = 0;
	for (int d = 0; d < rank; d++)
		o = o * dims[d] + idx[d];
	return o;
}

/* Evaluates n and compares its output 0 with want (es-byte elements). */
static void check_eval(const char *name, struct ir_graph *g, struct ir_node *n, const void *want)
{
	void *got[64] = {0};
	if (ir_node_infer(g, n) < 0) {
		fail(name, "shape inference failed: %s", ir_errmsg);
		return;
	}
	if (ir_node_eval(g, n, got) < 0) {
		fail(name, "evaluation failed: %s", ir_errmsg);
		return;
	}
	const struct ir_tensor *y = g->tensors[n->out[0]];
	char type[128];
	if (memcmp(got[0], want, ir_tensor_nbytes(y)) != 0)
		fail(name, "output differs from the naive loop (%s)",
		     ir_tensor_type_str(y, type, sizeof type));
	else
		passed++;
	for (int i = 0; i < n->n_out; i++)
		free(got[i]);
}

static int rnd_shape(int rank, int64_t *dims, int64_t maxnumel)
{
	for (;;) {
		for (int d = 0; d < rank; d++)
			dims[d] = rnd() % 4 == 0 ? rnd_in(1, 70) : rnd_in(1, 6);
		if (ir_shape_numel(rank, dims) <= maxnumel)
			return rank;
	}
}

static void test_transpose_random(void)
{
	/* fixed shapes for the paths that matter, then random ones */
	static const struct { int rank; int64_t dims[6]; int64_t perm[6]; } fixed[] = {
		{2, {67, 45}, {1, 0}},
		{4, {2, 19, 37, 9}, {0, 2, 3, 1}},   /* NCHW -> NHWC */
		{4, {2, 37, 9, 19}, {0, 3, 1, 2}},   /* NHWC -> NCHW */
		{3, {3, 40, 50}, {0, 2, 1}},
		{5, {2, 3, 4, 5, 6}, {0, 2, 1, 3, 4}}, /* channel shuffle: rows stay whole */
		{4, {1, 64, 1, 33}, {0, 3, 2, 1}},
		{3, {1, 1, 1}, {2, 0, 1}},
		{2, {0, 5}, {1, 0}},
	};
	for (int it = 0; it < 300; it++) {
		int rank;
		int64_t dims[IR_MAX_RANK], perm[IR_MAX_RANK];
		int nfixed = (int)(sizeof fixed / sizeof *fixed);
		if (it < nfixed) {
			rank = fixed[it].rank;
			memcpy(dims, fixed[it].dims, sizeof(int64_t) * (size_t)rank);
			memcpy(perm, fixed[it].perm, sizeof(int64_t) * (size_t)rank);
		} else {
			rank = rnd_shape((int)rnd_in(1, 6), dims, 60000);
			for (int i = 0; i < rank; i++)
				perm[i] = i;
			for (int i = rank - 1; i > 0; i--) {
				int j = (int)rnd_in(0, i);
				int64_t t = perm[i];
				perm[i] = perm[j];
				perm[j] = t;
			}
		}
		enum ir_dtype dt = rnd_dtypes[it % 4];
		size_t es = ir_dtype_size(dt);
		struct ir_graph *g;
		void *x;
		struct ir_node *n = one_node(&g, IR_OP_TRANSPOSE, dt, rank, dims, &x);
		int default_perm = it >= nfixed && rnd() % 5 == 0;
		if (default_perm)
			for (int i = 0; i < rank; i++)
				perm[i] = rank - 1 - i;
		else
			ir_attr_set_ints(n, "perm", rank, perm);
		int64_t od[IR_MAX_RANK], total = ir_shape_numel(rank, dims);
		for (int i = 0; i < rank; i++)
			od[i] = dims[perm[i]];
		char *want = xmalloc((size_t)total * es + 1);
		for (int64_t i = 0; i < total; i++) {
			int64_t oi[IR_MAX_RANK], ii[IR_MAX_RANK];
			unravel(i, rank, od, oi);
			for (int d = 0; d < rank; d++)
				ii[perm[d]] = oi[d];
			memcpy(want + i * es, (char *)x + ravel(rank, dims, ii) * es, es);
		}
		check_eval("random Transpose", g, n, want);
		free(want);
		ir_graph_free(g);
	}
}

static void test_slice_random(void)
{
	for (int it = 0; it < 300; it++) {
		int64_t dims[IR_MAX_RANK];
		int rank = rnd_shape((int)rnd_in(1, 5), dims, 40000);
		enum ir_dtype dt = rnd_dtypes[it % 4];
		size_t es = ir_dtype_size(dt);
		struct ir_graph *g;
		void *x;
		struct ir_node *n = one_node(&g, IR_OP_SLICE, dt, rank, dims, &x);
		int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], ax[IR_MAX_RANK], sp[IR_MAX_RANK];
		int na = 0;
		for (int d = 0; d < rank; d++) {
			if (rnd() % 3 == 0)
				continue;
			int64_t dim = dims[d];
			ax[na] = rnd() % 2 ? d : d - rank;
			st[na] = rnd_in(-dim - 2, dim + 2);
			en[na] = rnd() % 6 == 0 ? (rnd() % 2 ? INT64_MAX : INT64_MIN)
						: rnd_in(-dim - 2, dim + 2);
			sp[na] = rnd() % 2 ? 1 : rnd_in(-3, 3);
			if (sp[na] == 0)
				sp[na] = -1;
			na++;
		}
		ir_attr_set_ints(n, "starts", na, st);
		ir_attr_set_ints(n, "ends", na, en);
		ir_attr_set_ints(n, "axes", na, ax);
		ir_attr_set_ints(n, "steps", na, sp);
		int64_t s0[IR_MAX_RANK], s1[IR_MAX_RANK], cnt[IR_MAX_RANK];
		if (ir_slice_params(n, rank, dims, s0, s1, cnt) < 0) {
			fail("random Slice", "ir_slice_params: %s", ir_errmsg);
			ir_graph_free(g);
			continue;
		}
		int64_t total = ir_shape_numel(rank, cnt);
		char *want = xmalloc((size_t)total * es + 1);
		for (int64_t i = 0; i < total; i++) {
			int64_t oi[IR_MAX_RANK];
			unravel(i, rank, cnt, oi);
			for (int d = 0; d < rank; d++)
				oi[d] = s0[d] + oi[d] * s1[d];
			memcpy(want + i * es, (char *)x + ravel(rank, dims, oi) * es, es);
		}
		check_eval("random Slice", g, n, want);
		free(want);
		ir_graph_free(g);
	}
}

/* Pad's reference: crop by the negative pads, then pad the rest. */
static void test_pad_random(void)
{
	static const char *modes[] = {"constant", "edge", "reflect"};
	for (int it = 0; it < 400; it++) {
		int64_t dims[IR_MAX_RANK], p[2 * IR_MAX_RANK], od[IR_MAX_RANK];
		int rank = rnd_shape((int)rnd_in(1, 4), dims, 30000);
		int m = it % 3;
		enum ir_dtype dt = rnd_dtypes[(it / 3) % 4];
		size_t es = ir_dtype_size(dt);
		for (int d = 0; d < rank; d++) {
			for (int s = 0; s < 2; s++) {
				int64_t v = rnd() % 3 == 0 ? 0 : rnd_in(-2, 3);
				if (m == 2 && v >= dims[d])
					v = dims[d] - 1;
				p[d + s * rank] = v;
			}
			if (dims[d] + p[d] + p[d + rank] < 0 ||
			    (m != 0 && dims[d] + (p[d] < 0 ? p[d] : 0) + (p[d + rank] < 0 ? p[d + rank] : 0) < 1))
				p[d] = p[d + rank] = 0;
			od[d] = dims[d] + p[d] + p[d + rank];
		}
		struct ir_graph *g;
		void *x;
		struct ir_node *n = one_node(&g, IR_OP_PAD, dt, rank, dims, &x);
		ir_attr_set_ints(n, "pads", 2 * rank, p);
		ir_attr_set_string(n, "mode", modes[m]);
		float value = (float)rnd_in(-100, 100) / 4;
		ir_attr_set_float(n, "value", value);
		int64_t total = ir_shape_numel(rank, od);
		char *want = xmalloc((size_t)total * es + 1);
		for (int64_t i = 0; i < total; i++) {
			int64_t oi[IR_MAX_RANK];
			int pad = 0;
			unravel(i, rank, od, oi);
			for (int d = 0; d < rank; d++) {
				int64_t c0 = p[d] < 0 ? -p[d] : 0, c1 = p[d + rank] < 0 ? -p[d + rank] : 0;
				int64_t len = dims[d] - c0 - c1, j = oi[d] - (p[d] > 0 ? p[d] : 0);
				if (j < 0 || j >= len) {
					if (m == 0)
						pad = 1;
					else if (m == 1)
						j = j < 0 ? 0 : len - 1;
					else /* reflect, repeatedly when the cropped axis is short */
						while (j < 0 || j >= len)
							j = len == 1 ? 0 : j < 0 ? -j : 2 * (len - 1) - j;
				}
				oi[d] = c0 + j;
			}
			if (!pad) {
				memcpy(want + i * es, (char *)x + ravel(rank, dims, oi) * es, es);
				continue;
			}
			/* the value attribute converted to the dtype */
			switch (dt) {
			case IR_DTYPE_U8: want[i] = (char)(uint8_t)(int64_t)value; break;
			case IR_DTYPE_I16: { int16_t v = (int16_t)value; memcpy(want + i * 2, &v, 2); break; }
			case IR_DTYPE_F32: memcpy(want + i * 4, &value, 4); break;
			default: { int64_t v = (int64_t)value; memcpy(want + i * 8, &v, 8); }
			}
		}
		char what[64];
		snprintf(what, sizeof what, "random Pad (%s)", modes[m]);
		check_eval(what, g, n, want);
		free(want);
		ir_graph_free(g);
	}
}

static void test_expand_random(void)
{
	for (int it = 0; it < 200; it++) {
		int64_t od[IR_MAX_RANK], xd[IR_MAX_RANK], sh[IR_MAX_RANK];
		int ro = rnd_shape((int)rnd_in(1, 5), od, 40000);
		int rx = (int)rnd_in(1, ro), lead = ro - rx;
		for (int d = 0; d < rx; d++)
			xd[d] = rnd() % 2 ? 1 : od[d + lead];
		/* the shape attribute may itself hold 1s where x is larger */
		for (int d = 0; d < ro; d++)
			sh[d] = d >= lead && xd[d - lead] != 1 && rnd() % 3 == 0 ? 1 : od[d];
		enum ir_dtype dt = rnd_dtypes[it % 4];
		size_t es = ir_dtype_size(dt);
		struct ir_graph *g;
		void *x;
		struct ir_node *n = one_node(&g, IR_OP_EXPAND, dt, rx, xd, &x);
		ir_attr_set_ints(n, "shape", ro, sh);
		int64_t total = ir_shape_numel(ro, od);
		char *want = xmalloc((size_t)total * es + 1);
		for (int64_t i = 0; i < total; i++) {
			int64_t oi[IR_MAX_RANK], xi[IR_MAX_RANK];
			unravel(i, ro, od, oi);
			for (int d = 0; d < rx; d++)
				xi[d] = xd[d] == 1 ? 0 : oi[d + lead];
			memcpy(want + i * es, (char *)x + ravel(rx, xd, xi) * es, es);
		}
		check_eval("random Expand", g, n, want);
		free(want);
		ir_graph_free(g);
	}
}

static void test_gather_random(void)
{
	for (int it = 0; it < 200; it++) {
		int64_t dims[IR_MAX_RANK], id[2];
		int rank = rnd_shape((int)rnd_in(1, 4), dims, 20000);
		int axis = (int)rnd_in(0, rank - 1), ri = (int)rnd_in(0, 2);
		for (int d = 0; d < ri; d++)
			id[d] = rnd_in(0, 4);
		enum ir_dtype dt = rnd_dtypes[it % 4], it_dt = it % 2 ? IR_DTYPE_I32 : IR_DTYPE_I64;
		size_t es = ir_dtype_size(dt);
		int64_t ni = ir_shape_numel(ri, id), len = dims[axis];
		int64_t *iv = xmalloc(sizeof(int64_t) * (size_t)(ni + 1));
		void *ib = xmalloc(8 * (size_t)(ni + 1));
		for (int64_t j = 0; j < ni; j++) {
			iv[j] = rnd_in(-len, len - 1);
			if (it_dt == IR_DTYPE_I32)
				((int32_t *)ib)[j] = (int32_t)iv[j];
			else
				((int64_t *)ib)[j] = iv[j];
		}
		struct ir_graph *g;
		void *x;
		struct ir_node *n = one_node(&g, IR_OP_GATHER, dt, rank, dims, &x);
		ir_node_add_input(n, ir_const_add(g, "i", it_dt, ri, id, ib));
		ir_attr_set_int(n, "axis", rnd() % 2 ? axis : axis - rank);
		int64_t outer = ir_shape_numel(axis, dims);
		int64_t inner = ir_shape_numel(rank - axis - 1, dims + axis + 1);
		int64_t total = outer * ni * inner;
		char *want = xmalloc((size_t)total * es + 1);
		for (int64_t a = 0; a < outer; a++)
			for (int64_t j = 0; j < ni; j++) {
				int64_t v = iv[j] < 0 ? iv[j] + len : iv[j];
				memcpy(want + (a * ni + j) * inner * (int64_t)es,
				       (char *)x + (a * len + v) * inner * (int64_t)es, (size_t)inner * es);
			}
		check_eval("random Gather", g, n, want);
		free(want);
		free(iv);
		ir_graph_free(g);
	}
}

/* Concat of random parts, then Split of the result back into them. */
static void test_concat_split_random(void)
{
	for (int it = 0; it < 200; it++) {
		int64_t dims[IR_MAX_RANK];
		int rank = rnd_shape((int)rnd_in(1, 4), dims, 20000);
		int axis = (int)rnd_in(0, rank - 1), np = (int)rnd_in(1, 4);
		enum ir_dtype dt = rnd_dtypes[it % 4];
		size_t es = ir_dtype_size(dt);
		struct ir_graph *g = ir_graph_new("t");
		struct ir_node *n = ir_node_add(g, "cat", IR_OP_CONCAT);
		int64_t sizes[4], total_axis = 0;
		void *parts[4];
		for (int i = 0; i < np; i++) {
			int64_t d[IR_MAX_RANK];
			char nm[16];
			memcpy(d, dims, sizeof d);
			d[axis] = sizes[i] = rnd_in(0, 5);
			total_axis += sizes[i];
			parts[i] = rnd_bytes((size_t)ir_shape_numel(rank, d) * es);
			snprintf(nm, sizeof nm, "p%d", i);
			ir_node_add_input(n, ir_const_add(g, nm, dt, rank, d, parts[i]));
		}
		ir_node_add_output(n, ir_tensor_add(g, "y", IR_DTYPE_UNDEFINED, -1, NULL));
		ir_attr_set_int(n, "axis", rnd() % 2 ? axis : axis - rank);
		int64_t outer = ir_shape_numel(axis, dims);
		int64_t inner = ir_shape_numel(rank - axis - 1, dims + axis + 1) * (int64_t)es;
		char *want = xmalloc((size_t)(outer * total_axis * inner) + 1), *w = want;
		for (int64_t a = 0; a < outer; a++)
			for (int i = 0; i < np; i++) {
				memcpy(w, (char *)parts[i] + a * sizes[i] * inner, (size_t)(sizes[i] * inner));
				w += sizes[i] * inner;
			}
		check_eval("random Concat", g, n, want);
		/* split it back: explicit sizes, or equal parts when they are */
		void *got[64] = {0};
		int64_t yd[IR_MAX_RANK];
		memcpy(yd, dims, sizeof yd);
		yd[axis] = total_axis;
		int y = ir_const_add(g, "yc", dt, rank, yd, want);
		struct ir_node *s = ir_node_add(g, "split", IR_OP_SPLIT);
		ir_node_add_input(s, y);
		for (int i = 0; i < np; i++) {
			char nm[16];
			snprintf(nm, sizeof nm, "s%d", i);
			ir_node_add_output(s, ir_tensor_add(g, nm, IR_DTYPE_UNDEFINED, -1, NULL));
		}
		ir_attr_set_int(s, "axis", axis);
		ir_attr_set_ints(s, "split", np, sizes);
		if (ir_node_infer(g, s) < 0 || ir_node_eval(g, s, got) < 0) {
			fail("random Split", "%s", ir_errmsg);
		} else {
			int ok = 1;
			for (int i = 0; i < np; i++)
				ok &= memcmp(got[i], parts[i], ir_tensor_nbytes(g->tensors[s->out[i]])) == 0;
			if (ok)
				passed++;
			else
				fail("random Split", "a part differs from what Concat was given");
		}
		for (int i = 0; i < np; i++)
			free(got[i]);
		ir_graph_free(g);
	}
}

/* ---- Resize: the per-plane loop against the per-axis passes --------------- */

static float *resize_eval(const float *x, int rank, const int64_t *xd, const float *scales,
			  const int64_t *sizes, const char *mode, const char *ctm, const char *nm)
{
	struct ir_graph *g = ir_graph_new("t");
	size_t nb = sizeof(float) * (size_t)ir_shape_numel(rank, xd);
	float *xc = xmalloc(nb + 1);
	memcpy(xc, x, nb);
	struct ir_node *n = ir_node_add(g, "r", IR_OP_RESIZE);
	ir_node_add_input(n, ir_const_add(g, "x", IR_DTYPE_F32, rank, xd, xc));
	ir_node_add_output(n, ir_tensor_add(g, "y", IR_DTYPE_UNDEFINED, -1, NULL));
	ir_attr_set_string(n, "mode", mode);
	ir_attr_set_string(n, "coordinate_transformation_mode", ctm);
	ir_attr_set_string(n, "nearest_mode", nm);
	ir_attr_set_floats(n, "scales", rank, scales);
	ir_attr_set_ints(n, "sizes", rank, sizes);
	void *out[1] = {NULL};
	if (ir_node_infer(g, n) < 0 || ir_node_eval(g, n, out) < 0)
		fail("Resize paths", "%s", ir_errmsg);
	ir_graph_free(g);
	return out[0];
}

static void test_resize_paths(void)
{
	static const char *modes[] = {"nearest", "linear", "cubic"};
	static const char *ctms[] = {"half_pixel", "asymmetric", "align_corners",
				     "pytorch_half_pixel"};
	static const float fac[] = {0.5f, 0.75f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 8.0f};
	for (int it = 0; it < 240; it++) {
		/* rows of up to 40 reach the 8-periods-at-a-time loop of x2..x8 */
		int64_t n = rnd_in(1, 2), c = rnd_in(1, 3), h = rnd_in(1, 9);
		int64_t w = it % 2 ? rnd_in(1, 40) : rnd_in(1, 9);
		float sh = fac[rnd() % 8], sw = fac[rnd() % 8];
		int64_t oh = (int64_t)(h * (double)sh), ow = (int64_t)(w * (double)sw);
		if (oh == 0 || ow == 0)
			continue;
		const char *mode = modes[it % 3], *ctm = ctms[(it / 3) % 4];
		int64_t xd[4] = {n, c, h, w}, yd[4] = {n, c, oh, ow};
		int64_t td[4] = {h, w, n, c}, tyd[4] = {oh, ow, n, c};
		float s1[4] = {1, 1, sh, sw}, s2[4] = {sh, sw, 1, 1};
		int64_t total = n * c * h * w;
		float *x = xmalloc(sizeof(float) * (size_t)total), *xt = xmalloc(sizeof(float) * (size_t)total);
		for (int64_t i = 0; i < total; i++)
			x[i] = (float)rnd_in(-1000, 1000) / 64;
		for (int64_t i = 0; i < total; i++) {
			int64_t id[4], ti[4];
			unravel(i, 4, xd, id);
			ti[0] = id[2], ti[1] = id[3], ti[2] = id[0], ti[3] = id[1];
			xt[ravel(4, td, ti)] = x[i];
		}
		float *a = resize_eval(x, 4, xd, s1, yd, mode, ctm, "round_prefer_ceil");
		float *b = resize_eval(xt, 4, td, s2, tyd, mode, ctm, "round_prefer_ceil");
		int ok = a && b;
		for (int64_t i = 0; ok && i < n * c * oh * ow; i++) {
			int64_t id[4], ti[4];
			unravel(i, 4, yd, id);
			ti[0] = id[2], ti[1] = id[3], ti[2] = id[0], ti[3] = id[1];
			float u = a[i], v = b[ravel(4, tyd, ti)];
			if (!(fabsf(u - v) <= 1e-5f * (1 + fabsf(v)))) {
				fail("Resize paths", "%s %s [%lld,%lld,%lld,%lld] x (%g, %g): element %lld "
				     "is %.9g per plane, %.9g per axis", mode, ctm, (long long)n,
				     (long long)c, (long long)h, (long long)w, sh, sw, (long long)i, u, v);
				ok = 0;
			}
		}
		if (ok)
			passed++;
		free(a);
		free(b);
		free(x);
		free(xt);
	}
}

/* ---- hand-written checks --------------------------------------------------- */

/* The executor gives a view its input's buffer; k_copy must leave it be. */
static void test_copy_aliased(void)
{
	int64_t d[2] = {2, 3};
	float buf[6] = {1, 2, 3, 4, 5, 6};
	struct ir_graph *g = ir_graph_new("t");
	int x = ir_tensor_add(g, "x", IR_DTYPE_F32, 2, d);
	struct ir_node *n = ir_node_add(g, "r", IR_OP_RESHAPE);
	int64_t sh[1] = {6};
	ir_node_add_input(n, x);
	ir_node_add_output(n, ir_tensor_add(g, "y", IR_DTYPE_UNDEFINED, -1, NULL));
	ir_attr_set_ints(n, "shape", 1, sh);
	if (ir_node_infer(g, n) < 0) {
		fail("aliased Reshape", "%s", ir_errmsg);
	} else {
		const struct ir_tensor *ti[1] = {g->tensors[x]}, *to[1] = {g->tensors[n->out[0]]};
		const void *in[1] = {buf};
		void *out[1] = {buf};
		struct ir_kctx k = {g, n, ti, to, in, out, NULL, 1};
		if (ir_ops[IR_OP_RESHAPE].run(&k) != 0 || buf[0] != 1 || buf[5] != 6)
			fail("aliased Reshape", "the shared buffer changed");
		else
			passed++;
	}
	ir_graph_free(g);
}

/* The embedded cases; see the header for the format. */
static const char cases[] =
	"# ---- hand-written: behaviour the ONNX tests lack ----\n"
	"case gather_out_of_range Gather\n"
	"in f32 1 3 1 2 3\n"
	"in i64 1 2 0 3\n"
	"out f32 1 2 0 0\n"
	"err index 3 out of range [-3, 3)\n"
	"end\n"
	"case gather_out_of_range_negative_i32 Gather\n"
	"attr axis i 1\n"
	"in u8 2 2 2 1 2 3 4\n"
	"in i32 1 1 -3\n"
	"out u8 2 2 1 0 0\n"
	"err index -3 out of range [-2, 2)\n"
	"end\n"
	"case gather_scalar_index_axis1 Gather\n"
	"attr axis i -1\n"
	"in i16 2 2 3 1 2 3 4 5 6\n"
	"in i32 0 -1\n"
	"out i16 1 2 3 6\n"
	"end\n"
	"case slice_neg_steps_small Slice\n"
	"attr axes ints 3 0 1 2\n"
	"attr ends ints 3 0 0 1\n"
	"attr starts ints 3 20 10 4\n"
	"attr steps ints 3 -1 -3 -2\n"
	"in i32 3 3 4 5 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28\n"
	"  29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58\n"
	"  59\n"
	"out i32 3 2 1 2 59 57 39 37\n"
	"end\n"
	"case slice_start_out_of_bounds_small Slice\n"
	"attr axes ints 1 1\n"
	"attr ends ints 1 1000\n"
	"attr starts ints 1 1000\n"
	"in f32 2 2 3 1 2 3 4 5 6\n"
	"out f32 2 2 0\n"
	"end\n"
	"case slice_clamped_negative_axis Slice\n"
	"attr axes ints 1 -1\n"
	"attr ends ints 1 -1000\n"
	"attr starts ints 1 -1\n"
	"attr steps ints 1 -2\n"
	"in i64 2 2 5 0 1 2 3 4 5 6 7 8 9\n"
	"out i64 2 2 3 4 2 0 9 7 5\n"
	"end\n"
	"case pad_crop_and_pad Pad\n"
	"attr mode s constant\n"
	"attr pads ints 4 -1 2 1 -2\n"
	"attr value f -1.5\n"
	"in f32 2 3 4 1 2 3 4 5 6 7 8 9 10 11 12\n"
	"out f32 2 3 4 -1.5 -1.5 5 6 -1.5 -1.5 9 10 -1.5 -1.5 -1.5 -1.5\n"
	"end\n"
	"case pad_edge_cropped_other_side Pad\n"
	"attr mode s edge\n"
	"attr pads ints 2 -2 3\n"
	"in i8 1 5 1 2 3 4 5\n"
	"out i8 1 6 3 4 5 5 5 5\n"
	"end\n"
	"case pad_reflect_cropped_other_side Pad\n"
	"attr mode s reflect\n"
	"attr pads ints 2 -1 2\n"
	"in u16 1 5 1 2 3 4 5\n"
	"out u16 1 6 2 3 4 5 4 3\n"
	"end\n"
	"case pad_reflect_2d Pad\n"
	"attr mode s reflect\n"
	"attr pads ints 4 2 1 1 2\n"
	"in i32 2 3 3 1 2 3 4 5 6 7 8 9\n"
	"out i32 2 6 6 8 7 8 9 8 7 5 4 5 6 5 4 2 1 2 3 2 1 5 4 5 6 5 4 8 7 8 9 8 7 5 4 5 6 5 4\n"
	"end\n"
	"case pad_value_int8_truncates Pad\n"
	"attr pads ints 2 1 1\n"
	"attr value f -2.75\n"
	"in i8 1 1 7\n"
	"out i8 1 3 -2 7 -2\n"
	"end\n"
	"case pad_value_f16 Pad\n"
	"attr pads ints 2 1 0\n"
	"attr value f 1.5\n"
	"in f16 1 1 15360\n"
	"out f16 1 2 15872 15360\n"
	"end\n"
	"case pad_value_bf16 Pad\n"
	"attr pads ints 2 0 1\n"
	"attr value f -2\n"
	"in bf16 1 1 16256\n"
	"out bf16 1 2 16256 49152\n"
	"end\n"
	"case pad_everything_cropped Pad\n"
	"attr pads ints 2 -2 -1\n"
	"in f32 1 3 1 2 3\n"
	"out f32 1 0\n"
	"end\n"
	"case dropout_mask_bool Dropout\n"
	"in f32 1 3 1 -2 3\n"
	"out f32 1 3 1 -2 3\n"
	"out bool 1 3 1 1 1\n"
	"end\n"
	"case dropout_no_mask_output Dropout\n"
	"in i64 1 2 5 6\n"
	"out i64 1 2 5 6\n"
	"out none\n"
	"end\n"
	"case constant_of_shape_default ConstantOfShape\n"
	"in i64 1 2 2 2\n"
	"out f32 2 2 2 0 0 0 0\n"
	"end\n"
	"case constant_of_shape_i64 ConstantOfShape\n"
	"attr value tensor i64 1 1 -7\n"
	"in i64 1 1 3\n"
	"out i64 1 3 -7 -7 -7\n"
	"end\n"
	"case constant_of_shape_scalar ConstantOfShape\n"
	"attr value tensor f32 0 2.5\n"
	"in i64 1 0\n"
	"out f32 0 2.5\n"
	"end\n"
	"case split_uneven_equal_parts Split\n"
	"in u8 1 7 1 2 3 4 5 6 7\n"
	"out u8 1 3 1 2 3\n"
	"out u8 1 3 4 5 6\n"
	"out u8 1 1 7\n"
	"end\n"
	"case concat_with_empty_input Concat\n"
	"attr axis i 1\n"
	"in f32 2 2 1 1 2\n"
	"in f32 2 2 0\n"
	"in f32 2 2 2 3 4 5 6\n"
	"out f32 2 2 3 1 3 4 2 5 6\n"
	"end\n"
	"case expand_rank_grows Expand\n"
	"attr shape ints 3 2 1 3\n"
	"in i16 2 2 1 7 8\n"
	"out i16 3 2 2 3 7 7 7 8 8 8 7 7 7 8 8 8\n"
	"end\n"
	"case transpose_bool Transpose\n"
	"in bool 2 2 3 1 0 0 1 1 0\n"
	"out bool 2 3 2 1 1 0 1 0 0\n"
	"end\n"
	"case resize_empty_output Resize\n"
	"attr scales floats 2 1 0.1\n"
	"attr sizes ints 2 2 0\n"
	"in f32 2 2 3 1 2 3 4 5 6\n"
	"out f32 2 2 0\n"
	"end\n"
	"case resize_rank0_scalar Resize\n"
	"attr scales floats 0\n"
	"attr sizes ints 0\n"
	"in f32 0 4.5\n"
	"out f32 0 4.5\n"
	"tol 0 0\n"
	"end\n"
	"case resize_nearest_odd_repeat Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr nearest_mode s floor\n"
	"attr scales floats 2 1 1.66666663\n"
	"attr sizes ints 2 2 5\n"
	"in f32 2 2 3 1 2 3 4 5 6\n"
	"out f32 2 2 5 1 1 2 2 3 4 4 5 5 6\n"
	"end\n"
	"# ---- from the ONNX backend node tests ----\n"
	"case test_concat_2d_axis_1 Concat\n"
	"attr axis i 1\n"
	"in f32 2 2 2 1 2 3 4\n"
	"in f32 2 2 2 5 6 7 8\n"
	"out f32 2 2 4 1 2 5 6 3 4 7 8\n"
	"end\n"
	"case test_concat_3d_axis_negative_2 Concat\n"
	"attr axis i -2\n"
	"in f32 3 2 2 2 1 2 3 4 5 6 7 8\n"
	"in f32 3 2 2 2 9 10 11 12 13 14 15 16\n"
	"out f32 3 2 4 2 1 2 3 4 9 10 11 12 5 6 7 8 13 14 15 16\n"
	"end\n"
	"case test_constantofshape_float_ones ConstantOfShape\n"
	"attr value tensor f32 1 1 1\n"
	"in i64 1 3 4 3 2\n"
	"out f32 3 4 3 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"
	"end\n"
	"case test_constantofshape_int_shape_zero ConstantOfShape\n"
	"attr value tensor i32 1 1 0\n"
	"in i64 1 1 0\n"
	"out i32 1 0 \n"
	"end\n"
	"case test_constantofshape_int_zeros ConstantOfShape\n"
	"attr value tensor i32 1 1 0\n"
	"in i64 1 2 10 6\n"
	"out i32 2 10 6 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"  0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"end\n"
	"case test_dropout_default_mask Dropout\n"
	"in f32 3 3 4 5 1.76405239 0.400157213 0.97873801 2.24089313 1.867558 -0.977277875\n"
	"  0.950088441 -0.151357204 -0.103218853 0.410598516 0.144043565 1.45427346 0.761037707\n"
	"  0.121675014 0.443863243 0.333674341 1.49407911 -0.205158263 0.313067704 -0.854095757\n"
	"  -2.55298972 0.653618574 0.864436209 -0.742165029 2.26975465 -1.45436573 0.0457585156\n"
	"  -0.187183857 1.53277922 1.4693588 0.15494743 0.378162533 -0.887785733 -1.98079646\n"
	"  -0.347912163 0.156348974 1.23029065 1.20237982 -0.387326807 -0.302302748 -1.04855299\n"
	"  -1.42001796 -1.70627022 1.95077538 -0.509652197 -0.438074291 -1.25279534 0.777490377\n"
	"  -1.6138978 -0.212740287 -0.895466566 0.386902511 -0.51080513 -1.18063223 -0.028182229\n"
	"  0.428331882 0.0665172189 0.302471906 -0.634322107 -0.362741172\n"
	"out f32 3 3 4 5 =0\n"
	"out bool 3 3 4 5 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"
	"  1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"
	"end\n"
	"case test_dropout_default_old Dropout\n"
	"in f32 1 3 -1 0 1\n"
	"out f32 1 3 -1 0 1\n"
	"end\n"
	"case test_edge_pad Pad\n"
	"attr mode s edge\n"
	"attr pads ints 8 0 0 1 1 0 0 1 1\n"
	"in i32 4 1 3 4 5 1 0 0 2 1 0 0 0 0 0 0 1 0 0 0 0 1 0 0 0 -2 0 0 0 2 -1 0 0 1 1 0 0 0 -1 0 0\n"
	"  1 1 0 0 -1 -1 -1 1 0 0 -1 0 -1 0 0 0 0 -1 0 0 0 0 0 0\n"
	"out i32 4 1 3 6 7 1 1 0 0 2 1 1 1 1 0 0 2 1 1 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 1 0 0 0 0 0 0\n"
	"  1 0 0 0 0 -2 -2 0 0 0 2 2 -2 -2 0 0 0 2 2 -1 -1 0 0 1 1 1 0 0 0 0 -1 0 0 0 0 1 1 0 0 0 0 0\n"
	"  1 1 0 0 0 -1 -1 -1 -1 1 0 0 -1 -1 -1 -1 1 0 0 0 0 -1 0 -1 0 0 0 0 0 0 -1 0 0 0 0 0 0 0 0 0\n"
	"  0 0 0 0 0 0 0\n"
	"end\n"
	"case test_expand_dim_changed Expand\n"
	"attr shape ints 3 2 1 6\n"
	"in f32 2 3 1 1 2 3\n"
	"out f32 3 2 3 6 1 1 1 1 1 1 2 2 2 2 2 2 3 3 3 3 3 3 1 1 1 1 1 1 2 2 2 2 2 2 3 3 3 3 3 3\n"
	"end\n"
	"case test_expand_dim_unchanged Expand\n"
	"attr shape ints 2 3 4\n"
	"in f32 2 3 1 1 2 3\n"
	"out f32 2 3 4 1 1 1 1 2 2 2 2 3 3 3 3\n"
	"end\n"
	"case test_gather_2d_indices Gather\n"
	"attr axis i 1\n"
	"in f32 2 3 3 1.76405239 0.400157213 0.97873801 2.24089313 1.867558 -0.977277875 0.950088441\n"
	"  -0.151357204 -0.103218853\n"
	"in i64 2 1 2 0 2\n"
	"out f32 3 3 1 2 1.76405239 0.97873801 2.24089313 -0.977277875 0.950088441 -0.103218853\n"
	"end\n"
	"case test_gather_negative_indices Gather\n"
	"attr axis i 0\n"
	"in f32 1 10 0 1 2 3 4 5 6 7 8 9\n"
	"in i64 1 3 0 -9 -10\n"
	"out f32 1 3 0 1 0\n"
	"end\n"
	"case test_identity Identity\n"
	"in f32 4 1 1 2 2 1 2 3 4\n"
	"out f32 4 1 1 2 2 1 2 3 4\n"
	"end\n"
	"case test_reflect_pad Pad\n"
	"attr mode s reflect\n"
	"attr pads ints 8 0 0 1 1 0 0 1 1\n"
	"in i32 4 1 3 4 5 0 0 0 -1 0 0 -1 0 0 0 0 0 1 -1 0 0 0 0 0 0 -1 0 0 -1 1 1 1 0 -1 1 0 1 0 0 0\n"
	"  0 0 1 0 0 1 -1 -1 0 -1 1 0 0 1 1 1 0 0 1 0 0 0 0 0 0\n"
	"out i32 4 1 3 6 7 -1 0 -1 0 0 0 0 0 0 0 0 -1 0 -1 -1 0 -1 0 0 0 0 0 0 0 1 -1 0 -1 0 0 0 0 0\n"
	"  0 0 0 0 0 1 -1 0 -1 1 1 1 0 -1 1 -1 0 -1 0 0 -1 1 -1 1 1 1 0 -1 1 -1 1 0 1 0 0 0 0 0 0 0 1\n"
	"  0 0 0 1 0 1 0 0 0 0 0 1 0 0 1 1 1 -1 1 -1 -1 0 -1 0 0 1 0 0 1 1 1 0 1 0 0 1 0 1 0 0 0 0 0\n"
	"  0 0 0 1 0 0 1 0 1\n"
	"end\n"
	"case test_reshape_allowzero_reordered Reshape\n"
	"attr allowzero i 1\n"
	"attr shape ints 3 3 4 0\n"
	"in f32 3 0 3 4 \n"
	"out f32 3 3 4 0 \n"
	"end\n"
	"case test_reshape_negative_extended_dims Reshape\n"
	"attr shape ints 4 -1 2 3 4\n"
	"in f32 3 2 3 4 0.548813522 0.715189338 0.602763355 0.544883192 0.423654795 0.64589411\n"
	"  0.437587202 0.891772985 0.963662744 0.383441508 0.791725039 0.528894901 0.568044543\n"
	"  0.925596654 0.0710360557 0.0871293023 0.0202183966 0.832619846 0.778156757 0.870012164\n"
	"  0.978618324 0.799158573 0.461479366 0.780529201\n"
	"out f32 4 1 2 3 4 =0\n"
	"end\n"
	"case test_reshape_zero_and_negative_dim Reshape\n"
	"attr shape ints 4 2 0 1 -1\n"
	"in f32 3 2 3 4 0.548813522 0.715189338 0.602763355 0.544883192 0.423654795 0.64589411\n"
	"  0.437587202 0.891772985 0.963662744 0.383441508 0.791725039 0.528894901 0.568044543\n"
	"  0.925596654 0.0710360557 0.0871293023 0.0202183966 0.832619846 0.778156757 0.870012164\n"
	"  0.978618324 0.799158573 0.461479366 0.780529201\n"
	"out f32 4 2 3 1 4 =0\n"
	"end\n"
	"case test_resize_downsample_scales_cubic Resize\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 0.800000012 0.800000012\n"
	"attr sizes ints 4 1 1 3 3\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 3 3 1.47119141 2.78125 4.08251953 6.71142578 8.02148438 9.32275391 11.9165039\n"
	"  13.2265625 14.527832\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_scales_cubic_A_n0p5_exclude_outside Resize\n"
	"attr cubic_coeff_a f -0.5\n"
	"attr exclude_outside i 1\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 0.800000012 0.800000012\n"
	"attr sizes ints 4 1 1 3 3\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 3 3 1.36812675 2.6695013 4.01333666 6.57362509 7.875 9.21883488 11.948966\n"
	"  13.2503414 14.5941763\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_scales_cubic_align_corners Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 0.800000012 0.800000012\n"
	"attr sizes ints 4 1 1 3 3\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 3 3 1 2.39519167 3.7903831 6.5807662 7.97595787 9.37114906 12.1615324\n"
	"  13.5567236 14.9519157\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_scales_linear Resize\n"
	"attr mode s linear\n"
	"attr scales floats 4 1 1 0.600000024 0.600000024\n"
	"attr sizes ints 4 1 1 1 2\n"
	"in f32 4 1 1 2 4 1 2 3 4 5 6 7 8\n"
	"out f32 4 1 1 1 2 2.66666651 4.33333302\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_scales_linear_align_corners Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s linear\n"
	"attr scales floats 4 1 1 0.600000024 0.600000024\n"
	"attr sizes ints 4 1 1 1 2\n"
	"in f32 4 1 1 2 4 1 2 3 4 5 6 7 8\n"
	"out f32 4 1 1 1 2 1 3.14285707\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_scales_nearest Resize\n"
	"attr mode s nearest\n"
	"attr scales floats 4 1 1 0.600000024 0.600000024\n"
	"attr sizes ints 4 1 1 1 2\n"
	"in f32 4 1 1 2 4 1 2 3 4 5 6 7 8\n"
	"out f32 4 1 1 1 2 1 3\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_sizes_cubic Resize\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 0.75 0.75\n"
	"attr sizes ints 4 1 1 3 3\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 3 3 1.63078701 3.00462961 4.37847233 7.12615728 8.5 9.87384224 12.6215277\n"
	"  13.9953699 15.3692131\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_sizes_linear_pytorch_half_pixel Resize\n"
	"attr coordinate_transformation_mode s pytorch_half_pixel\n"
	"attr mode s linear\n"
	"attr scales floats 4 1 1 0.75 0.25\n"
	"attr sizes ints 4 1 1 3 1\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 3 1 1.66666663 7 12.333333\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_sizes_nearest Resize\n"
	"attr mode s nearest\n"
	"attr scales floats 4 1 1 0.5 0.75\n"
	"attr sizes ints 4 1 1 1 3\n"
	"in f32 4 1 1 2 4 1 2 3 4 5 6 7 8\n"
	"out f32 4 1 1 1 3 1 2 4\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn Resize\n"
	"attr coordinate_transformation_mode s tf_half_pixel_for_nn\n"
	"attr mode s nearest\n"
	"attr scales floats 4 1 1 0.75 0.5\n"
	"attr sizes ints 4 1 1 3 2\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 3 2 6 8 10 12 14 16\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_tf_crop_and_resize Resize\n"
	"attr coordinate_transformation_mode s tf_crop_and_resize\n"
	"attr extrapolation_value f 10\n"
	"attr mode s linear\n"
	"attr roi floats 8 0 0 0.400000006 0.600000024 1 1 1.20000005 1.70000005\n"
	"attr scales floats 4 1 1 0.75 0.75\n"
	"attr sizes ints 4 1 1 3 3\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 3 3 7.60000038 10 10 12.4000006 10 10 10 10 10\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_scales_cubic Resize\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 8 8\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 8 8 0.47265625 0.76953125 1.24609375 1.875 2.28125 2.91015625 3.38671875\n"
	"  3.68359375 1.66015625 1.95703125 2.43359375 3.0625 3.46875 4.09765625 4.57421875\n"
	"  4.87109375 3.56640625 3.86328125 4.33984375 4.96875 5.375 6.00390625 6.48046875 6.77734375\n"
	"  6.08203125 6.37890625 6.85546875 7.484375 7.890625 8.51953125 8.99609375 9.29296875\n"
	"  7.70703125 8.00390625 8.48046875 9.109375 9.515625 10.1445312 10.6210938 10.9179688\n"
	"  10.2226562 10.5195312 10.9960938 11.625 12.03125 12.6601562 13.1367188 13.4335938\n"
	"  12.1289062 12.4257812 12.9023438 13.53125 13.9375 14.5664062 15.0429688 15.3398438\n"
	"  13.3164062 13.6132812 14.0898438 14.71875 15.125 15.7539062 16.2304688 16.5273438\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_scales_cubic_A_n0p5_exclude_outside Resize\n"
	"attr cubic_coeff_a f -0.5\n"
	"attr exclude_outside i 1\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 8 8\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 8 8 0.558823526 0.814942062 1.35698247 1.89705884 2.39705873 2.93713522\n"
	"  3.47917557 3.7352941 1.58329761 1.83941603 2.38145661 2.92153287 3.42153287 3.96160913\n"
	"  4.50364971 4.75976801 3.75145936 4.0075779 4.54961824 5.0896945 5.5896945 6.12977076\n"
	"  6.67181158 6.92792988 5.91176462 6.1678834 6.70992374 7.25 7.75 8.29007626 8.83211708\n"
	"  9.0882349 7.91176462 8.16788292 8.70992374 9.25 9.75 10.2900763 10.8321171 11.0882349\n"
	"  10.0720701 10.3281889 10.8702288 11.410305 11.910305 12.4503813 12.9924221 13.2485409\n"
	"  12.2402315 12.4963503 13.0383911 13.5784674 14.0784674 14.6185436 15.1605835 15.4167023\n"
	"  13.2647057 13.5208244 14.0628653 14.6029415 15.1029415 15.6430178 16.1850586 16.4411774\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_scales_cubic_align_corners Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 8 8\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 8 8 1 1.34110785 1.80029154 2.32944608 2.67055392 3.19970846 3.65889215 4\n"
	"  2.36443138 2.70553946 3.16472292 3.69387746 4.03498554 4.56413984 5.02332354 5.36443138\n"
	"  4.20116615 4.542274 5.00145769 5.53061247 5.87172031 6.40087461 6.86005831 7.20116615\n"
	"  6.31778431 6.65889215 7.11807585 7.64723015 7.98833799 8.51749229 8.97667599 9.31778431\n"
	"  7.68221569 8.02332401 8.48250771 9.01166153 9.35276985 9.88192463 10.3411083 10.6822157\n"
	"  9.79883385 10.1399412 10.5991249 11.1282797 11.469388 11.9985418 12.4577255 12.7988338\n"
	"  11.6355686 11.976676 12.4358597 12.9650145 13.3061228 13.8352766 14.2944603 14.6355686 13\n"
	"  13.3411083 13.800292 14.3294458 14.6705542 15.199708 15.6588917 16\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_scales_cubic_asymmetric Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 8 8\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 8 8 1 1.40625 2 2.5 3 3.59375 4 4.09375 2.625 3.03125 3.625 4.125 4.625\n"
	"  5.21875 5.625 5.71875 5 5.40625 6 6.5 7 7.59375 8 8.09375 7 7.40625 8 8.5 9 9.59375 10\n"
	"  10.09375 9 9.40625 10 10.5 11 11.59375 12 12.09375 11.375 11.78125 12.375 12.875 13.375\n"
	"  13.96875 14.375 14.46875 13 13.40625 14 14.5 15 15.59375 16 16.09375 13.375 13.78125\n"
	"  14.375 14.875 15.375 15.96875 16.375 16.46875\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_scales_linear Resize\n"
	"attr mode s linear\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 4 4\n"
	"in f32 4 1 1 2 2 1 2 3 4\n"
	"out f32 4 1 1 4 4 1 1.25 1.75 2 1.5 1.75 2.25 2.5 2.5 2.75 3.25 3.5 3 3.25 3.75 4\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_scales_linear_align_corners Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s linear\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 4 4\n"
	"in f32 4 1 1 2 2 1 2 3 4\n"
	"out f32 4 1 1 4 4 1 1.33333337 1.66666663 2 1.66666663 2 2.33333325 2.66666675 2.33333325\n"
	"  2.66666675 3 3.33333325 3 3.33333325 3.66666675 4\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_scales_nearest Resize\n"
	"attr mode s nearest\n"
	"attr scales floats 4 1 1 2 3\n"
	"attr sizes ints 4 1 1 4 6\n"
	"in f32 4 1 1 2 2 1 2 3 4\n"
	"out f32 4 1 1 4 6 1 1 1 2 2 2 1 1 1 2 2 2 3 3 3 4 4 4 3 3 3 4 4 4\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_sizes_cubic Resize\n"
	"attr mode s cubic\n"
	"attr scales floats 4 1 1 2.25 2.5\n"
	"attr sizes ints 4 1 1 9 10\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 9 10 0.455079228 0.640579224 0.971579194 1.42257917 1.9073292 2.22332931\n"
	"  2.7080791 3.15907931 3.49007916 3.67557931 1.39437962 1.57987964 1.91087961 2.36187959\n"
	"  2.84662962 3.1626296 3.64737964 4.09837961 4.42937946 4.61487961 2.95130682 3.13680696\n"
	"  3.46780682 3.91880703 4.40355682 4.71955681 5.20430708 5.65530682 5.98630714 6.17180681\n"
	"  5.20525074 5.39075089 5.72175074 6.17275047 6.65750074 6.97350073 7.45825052 7.90925074\n"
	"  8.24025059 8.42575073 6.88975 7.07525015 7.40625 7.85725021 8.34200001 8.65799999\n"
	"  9.14274979 9.59375 9.92475033 10.1102505 8.57424927 8.75974941 9.09074974 9.541749\n"
	"  10.0264997 10.3424997 10.8272495 11.2782497 11.6092491 11.7947493 10.8281927 11.0136929\n"
	"  11.3446932 11.7956934 12.2804432 12.5964432 13.081193 13.5321932 13.8631935 14.0486927\n"
	"  12.3851204 12.5706205 12.9016199 13.3526201 13.8373699 14.1533699 14.6381207 15.0891199\n"
	"  15.4201202 15.6056204 13.3244209 13.5099211 13.8409204 14.2919207 14.7766705 15.0926704\n"
	"  15.5774212 16.0284214 16.3594208 16.54492\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_sizes_nearest Resize\n"
	"attr mode s nearest\n"
	"attr scales floats 4 1 1 3.5 4\n"
	"attr sizes ints 4 1 1 7 8\n"
	"in f32 4 1 1 2 2 1 2 3 4\n"
	"out f32 4 1 1 7 8 1 1 1 1 2 2 2 2 1 1 1 1 2 2 2 2 1 1 1 1 2 2 2 2 1 1 1 1 2 2 2 2 3 3 3 3 4\n"
	"  4 4 4 3 3 3 3 4 4 4 4 3 3 3 3 4 4 4 4\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_sizes_nearest_ceil_half_pixel Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr mode s nearest\n"
	"attr nearest_mode s ceil\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 8 8\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 8 8 1 2 2 3 3 4 4 4 5 6 6 7 7 8 8 8 5 6 6 7 7 8 8 8 9 10 10 11 11 12 12 12 9\n"
	"  10 10 11 11 12 12 12 13 14 14 15 15 16 16 16 13 14 14 15 15 16 16 16 13 14 14 15 15 16 16\n"
	"  16\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_sizes_nearest_floor_align_corners Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s nearest\n"
	"attr nearest_mode s floor\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 8 8\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 8 8 1 1 1 2 2 3 3 4 1 1 1 2 2 3 3 4 1 1 1 2 2 3 3 4 5 5 5 6 6 7 7 8 5 5 5 6 6\n"
	"  7 7 8 9 9 9 10 10 11 11 12 9 9 9 10 10 11 11 12 13 13 13 14 14 15 15 16\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr mode s nearest\n"
	"attr nearest_mode s round_prefer_ceil\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 1 8 8\n"
	"in f32 4 1 1 4 4 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	"out f32 4 1 1 8 8 1 2 2 3 3 4 4 4 5 6 6 7 7 8 8 8 5 6 6 7 7 8 8 8 9 10 10 11 11 12 12 12 9\n"
	"  10 10 11 11 12 12 12 13 14 14 15 15 16 16 16 13 14 14 15 15 16 16 16 13 14 14 15 15 16 16\n"
	"  16\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case test_shape Shape\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 3 3 4 5\n"
	"end\n"
	"case test_shape_clip_end Shape\n"
	"attr end i 10\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 3 3 4 5\n"
	"end\n"
	"case test_shape_clip_start Shape\n"
	"attr start i -10\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 3 3 4 5\n"
	"end\n"
	"case test_shape_end_1 Shape\n"
	"attr end i 1\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 1 3\n"
	"end\n"
	"case test_shape_end_negative_1 Shape\n"
	"attr end i -1\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 2 3 4\n"
	"end\n"
	"case test_shape_example Shape\n"
	"in f32 2 2 3 zeros\n"
	"out i64 1 2 2 3\n"
	"end\n"
	"case test_shape_start_1 Shape\n"
	"attr start i 1\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 2 4 5\n"
	"end\n"
	"case test_shape_start_1_end_2 Shape\n"
	"attr end i 2\n"
	"attr start i 1\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 1 4\n"
	"end\n"
	"case test_shape_start_1_end_negative_1 Shape\n"
	"attr end i -1\n"
	"attr start i 1\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 1 4\n"
	"end\n"
	"case test_shape_start_negative_1 Shape\n"
	"attr start i -1\n"
	"in f32 3 3 4 5 zeros\n"
	"out i64 1 1 5\n"
	"end\n"
	"case test_split_equal_parts_2d Split\n"
	"attr axis i 1\n"
	"in f32 2 2 6 1 2 3 4 5 6 7 8 9 10 11 12\n"
	"out f32 2 2 3 1 2 3 7 8 9\n"
	"out f32 2 2 3 4 5 6 10 11 12\n"
	"end\n"
	"case test_split_variable_parts_default_axis Split\n"
	"attr split ints 2 2 4\n"
	"in f32 1 6 1 2 3 4 5 6\n"
	"out f32 1 2 1 2\n"
	"out f32 1 4 3 4 5 6\n"
	"end\n"
	"case test_split_zero_size_splits Split\n"
	"attr split ints 3 0 0 0\n"
	"in f32 1 0 \n"
	"out f32 1 0 \n"
	"out f32 1 0 \n"
	"out f32 1 0 \n"
	"end\n"
	"case test_squeeze_negative_axes Squeeze\n"
	"attr axes ints 1 -2\n"
	"in f32 4 1 3 1 5 1.76405239 0.400157213 0.97873801 2.24089313 1.867558 -0.977277875\n"
	"  0.950088441 -0.151357204 -0.103218853 0.410598516 0.144043565 1.45427346 0.761037707\n"
	"  0.121675014 0.443863243\n"
	"out f32 3 1 3 5 =0\n"
	"end\n"
	"case test_transpose_default Transpose\n"
	"in f32 3 2 3 4 0.548813522 0.715189338 0.602763355 0.544883192 0.423654795 0.64589411\n"
	"  0.437587202 0.891772985 0.963662744 0.383441508 0.791725039 0.528894901 0.568044543\n"
	"  0.925596654 0.0710360557 0.0871293023 0.0202183966 0.832619846 0.778156757 0.870012164\n"
	"  0.978618324 0.799158573 0.461479366 0.780529201\n"
	"out f32 3 4 3 2 0.548813522 0.568044543 0.423654795 0.0202183966 0.963662744 0.978618324\n"
	"  0.715189338 0.925596654 0.64589411 0.832619846 0.383441508 0.799158573 0.602763355\n"
	"  0.0710360557 0.437587202 0.778156757 0.791725039 0.461479366 0.544883192 0.0871293023\n"
	"  0.891772985 0.870012164 0.528894901 0.780529201\n"
	"end\n"
	"case test_unsqueeze_negative_axes Unsqueeze\n"
	"attr axes ints 1 -2\n"
	"in f32 4 1 3 1 5 1.76405239 0.400157213 0.97873801 2.24089313 1.867558 -0.977277875\n"
	"  0.950088441 -0.151357204 -0.103218853 0.410598516 0.144043565 1.45427346 0.761037707\n"
	"  0.121675014 0.443863243\n"
	"out f32 5 1 3 1 1 5 =0\n"
	"end\n"
	"case test_unsqueeze_unsorted_axes Unsqueeze\n"
	"attr axes ints 3 5 4 2\n"
	"in f32 3 3 4 5 1.76405239 0.400157213 0.97873801 2.24089313 1.867558 -0.977277875\n"
	"  0.950088441 -0.151357204 -0.103218853 0.410598516 0.144043565 1.45427346 0.761037707\n"
	"  0.121675014 0.443863243 0.333674341 1.49407911 -0.205158263 0.313067704 -0.854095757\n"
	"  -2.55298972 0.653618574 0.864436209 -0.742165029 2.26975465 -1.45436573 0.0457585156\n"
	"  -0.187183857 1.53277922 1.4693588 0.15494743 0.378162533 -0.887785733 -1.98079646\n"
	"  -0.347912163 0.156348974 1.23029065 1.20237982 -0.387326807 -0.302302748 -1.04855299\n"
	"  -1.42001796 -1.70627022 1.95077538 -0.509652197 -0.438074291 -1.25279534 0.777490377\n"
	"  -1.6138978 -0.212740287 -0.895466566 0.386902511 -0.51080513 -1.18063223 -0.028182229\n"
	"  0.428331882 0.0665172189 0.302471906 -0.634322107 -0.362741172\n"
	"out f32 6 3 4 1 5 1 1 =0\n"
	"end\n"
	"case test_upsample_nearest Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr mode s nearest\n"
	"attr nearest_mode s floor\n"
	"attr scales floats 4 1 1 2 3\n"
	"attr sizes ints 4 1 1 4 6\n"
	"in f32 4 1 1 2 2 1 2 3 4\n"
	"out f32 4 1 1 4 6 1 1 1 2 2 2 1 1 1 2 2 2 3 3 3 4 4 4 3 3 3 4 4 4\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"# ---- Resize expectations from the ONNX reference implementation ----\n"
	"case ref_linear_x2_half_pixel_nchw Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 2 6 8\n"
	"in f32 4 1 2 3 4 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 4 1 2 6 8 0.78 1.445 2.775 2.99 2.09 1.41 0.95 0.72 0.28 1.000625 2.441875 2.616875\n"
	"  1.525625 1.261875 1.825625 2.1075 -0.72 0.111875 1.775625 1.870625 0.396875 0.965625\n"
	"  3.576875 4.8825 0.94 1.025625 1.196875 1.06625 0.63375 1.5175 3.7175 4.8175 5.26 3.741875\n"
	"  0.705625 0.20375 2.23625 2.9175 2.2475 1.9125 7.42 5.1 0.46 -0.2275 3.0375 3.6175 1.5125\n"
	"  0.46 1.09 2.52 5.38 3.3925 -3.4425 -6.7975 -6.6725 -6.61 -1.1025 0.7825 4.5525 3.82 -1.415\n"
	"  -3.89375 -3.61625 -3.4775 -5.4875 -2.6925 2.8975 4.675 2.64 1.91375 2.49625 2.7875 -3.845\n"
	"  -1.586875 2.929375 4.68625 3.68375 3.7775 4.9675 5.5625 3.825 4.099375 4.648125 3.85375\n"
	"  1.71625 1.6975 3.7975 4.8475 7.66 6.9425 5.5075 3.4375 0.7325 0.6574999 3.2125 4.49\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_linear_x4_align_corners_nchw Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 4 4\n"
	"attr sizes ints 4 1 1 8 12\n"
	"in f32 4 1 1 2 3 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992\n"
	"out f32 4 1 1 8 12 0.78 1.263636 1.747273 2.230909 2.714545 3.198182 3.276364 2.949091\n"
	"  2.621818 2.294545 1.967273 1.64 0.7714285 1.135584 1.49974 1.863896 2.228052 2.592208\n"
	"  2.68013 2.491818 2.303507 2.115195 1.926883 1.738571 0.7628571 1.007532 1.252208 1.496883\n"
	"  1.741558 1.986234 2.083896 2.034545 1.985195 1.935844 1.886493 1.837143 0.7542857\n"
	"  0.8794805 1.004675 1.12987 1.255065 1.38026 1.487662 1.577273 1.666883 1.756493 1.846104\n"
	"  1.935714 0.7457143 0.7514286 0.7571428 0.7628571 0.7685714 0.7742857 0.8914286 1.12\n"
	"  1.348571 1.577143 1.805714 2.034286 0.7371429 0.6233766 0.5096104 0.3958442 0.2820779\n"
	"  0.1683117 0.2951948 0.6627272 1.03026 1.397792 1.765325 2.132857 0.7285715 0.4953247\n"
	"  0.2620779 0.02883117 -0.2044156 -0.4376624 -0.301039 0.2054545 0.711948 1.218441 1.724935\n"
	"  2.231429 0.72 0.3672727 0.01454546 -0.3381818 -0.6909091 -1.043636 -0.8972728 -0.2518182\n"
	"  0.3936363 1.039091 1.684545 2.33\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_nearest_x2_half_pixel_nchw Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr mode s nearest\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 2 6 8\n"
	"in f32 4 1 2 3 4 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 4 1 2 6 8 0.78 0.78 3.44 3.44 1.64 1.64 0.72 0.72 0.78 0.78 3.44 3.44 1.64 1.64 0.72\n"
	"  0.72 -1.22 -1.22 2.33 2.33 -1 -1 6.27 6.27 -1.22 -1.22 2.33 2.33 -1 -1 6.27 6.27 7.42 7.42\n"
	"  -1.86 -1.86 4.67 4.67 0.46 0.46 7.42 7.42 -1.86 -1.86 4.67 4.67 0.46 0.46 1.09 1.09 6.81\n"
	"  6.81 -6.86 -6.86 -6.61 -6.61 1.09 1.09 6.81 6.81 -6.86 -6.86 -6.61 -6.61 -7.68 -7.68 5.32\n"
	"  5.32 4.45 4.45 5.92 5.92 -7.68 -7.68 5.32 5.32 4.45 4.45 5.92 5.92 7.66 7.66 4.79 4.79\n"
	"  -0.62 -0.62 4.49 4.49 7.66 7.66 4.79 4.79 -0.62 -0.62 4.49 4.49\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_nearest_x4_asymmetric_floor Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr mode s nearest\n"
	"attr nearest_mode s floor\n"
	"attr scales floats 4 1 1 4 4\n"
	"attr sizes ints 4 1 1 8 12\n"
	"in f32 4 1 1 2 3 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992\n"
	"out f32 4 1 1 8 12 0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44 1.64 1.64 1.64 1.64 0.78 0.78\n"
	"  0.78 0.78 3.44 3.44 3.44 3.44 1.64 1.64 1.64 1.64 0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44\n"
	"  1.64 1.64 1.64 1.64 0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44 1.64 1.64 1.64 1.64 0.72 0.72\n"
	"  0.72 0.72 -1.22 -1.22 -1.22 -1.22 2.33 2.33 2.33 2.33 0.72 0.72 0.72 0.72 -1.22 -1.22\n"
	"  -1.22 -1.22 2.33 2.33 2.33 2.33 0.72 0.72 0.72 0.72 -1.22 -1.22 -1.22 -1.22 2.33 2.33 2.33\n"
	"  2.33 0.72 0.72 0.72 0.72 -1.22 -1.22 -1.22 -1.22 2.33 2.33 2.33 2.33\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_nearest_x8_asymmetric_floor Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr mode s nearest\n"
	"attr nearest_mode s floor\n"
	"attr scales floats 4 1 1 8 8\n"
	"attr sizes ints 4 1 1 8 16\n"
	"in f32 4 1 1 1 2 0.779999971 3.44000006\n"
	"out f32 4 1 1 8 16 0.78 0.78 0.78 0.78 0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44 3.44 3.44\n"
	"  3.44 3.44 0.78 0.78 0.78 0.78 0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44 3.44 3.44 3.44 3.44\n"
	"  0.78 0.78 0.78 0.78 0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44 3.44 3.44 3.44 3.44 0.78 0.78\n"
	"  0.78 0.78 0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44 3.44 3.44 3.44 3.44 0.78 0.78 0.78 0.78\n"
	"  0.78 0.78 0.78 0.78 3.44 3.44 3.44 3.44 3.44 3.44 3.44 3.44 0.78 0.78 0.78 0.78 0.78 0.78\n"
	"  0.78 0.78 3.44 3.44 3.44 3.44 3.44 3.44 3.44 3.44 0.78 0.78 0.78 0.78 0.78 0.78 0.78 0.78\n"
	"  3.44 3.44 3.44 3.44 3.44 3.44 3.44 3.44 0.78 0.78 0.78 0.78 0.78 0.78 0.78 0.78 3.44 3.44\n"
	"  3.44 3.44 3.44 3.44 3.44 3.44\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_cubic_x2_nchw Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr cubic_coeff_a f -0.75\n"
	"attr exclude_outside i 0\n"
	"attr mode s cubic\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 2 2\n"
	"attr sizes ints 4 1 2 8 6\n"
	"in f32 4 1 2 4 3 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 4 1 2 8 6 0.4546124 1.582021 3.468265 3.727548 2.213451 1.317871 0.690396 1.137754\n"
	"  1.880826 2.1433 1.776954 1.564278 1.11214 0.4004236 -0.8039649 -0.5642928 0.9840956\n"
	"  1.910107 0.3871778 0.1512676 -0.2839318 0.8603958 2.938042 4.197115 -1.059576 0.5476466\n"
	"  3.164473 5.670259 6.649971 7.283215 -2.227774 0.4641122 4.901747 7.477052 6.735736\n"
	"  6.346475 -2.466168 -0.02654754 4.029868 5.338551 3.16048 1.890977 -2.631183 -0.3210504\n"
	"  3.543126 4.099823 1.034671 -0.7777088 1.223299 3.939771 8.618482 5.282657 -4.183943\n"
	"  -9.883036 -1.474974 0.1380524 2.884533 1.842162 -2.400427 -4.945455 -6.053096 -6.272888\n"
	"  -6.735962 -3.964954 0.4753328 3.172731 -4.826105 -5.609841 -7.063785 -3.021472 4.234377\n"
	"  8.632417 1.491957 1.779314 2.192139 4.268904 6.836846 8.406362 5.674622 5.687839 5.693279\n"
	"  6.189692 6.896749 7.327384 5.498565 4.11059 1.775494 1.838139 4.263149 5.707136 5.472976\n"
	"  3.243613 -0.4960951 -0.718621 2.701697 4.732096\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_linear_w_only Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 1 2.5\n"
	"attr sizes ints 4 1 2 3 10\n"
	"in f32 4 1 2 3 4 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 4 1 2 3 10 0.78 1.046 2.11 3.174 2.9 2.18 1.548 1.18 0.812 0.72 -1.22 -0.865\n"
	"  0.5549999 1.975 1.331 -0.001000023 -0.273 2.635 5.543 6.27 7.42 6.492 2.78 -0.932\n"
	"  0.09900001 2.711 4.249 2.565 0.881 0.46 1.09 1.662 3.95 6.238 2.709 -2.759 -6.835 -6.735\n"
	"  -6.635 -6.61 -7.68 -6.38 -1.18 4.02 5.059 4.711 4.597 5.185 5.773 5.92 7.66 7.373 6.225\n"
	"  5.077 3.167 1.003 -0.109 1.935 3.979 4.49\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_linear_h_only Resize\n"
	"attr coordinate_transformation_mode s pytorch_half_pixel\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 3 1 1.5 1\n"
	"attr sizes ints 3 2 4 4\n"
	"in f32 3 2 3 4 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 3 2 4 4 0.78 3.44 1.64 0.72 -0.22 2.885 0.32 3.495 0.22 1.631667 -0.05499999\n"
	"  5.301667 5.98 -1.161667 3.725 1.428333 1.09 6.81 -6.86 -6.61 -3.295 6.065 -1.205 -0.345\n"
	"  -5.123333 5.231667 3.605 5.681667 5.103333 4.878333 0.225 4.728333\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_linear_asymmetric_half Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 0.5 0.5\n"
	"attr sizes ints 4 1 1 2 3\n"
	"in f32 4 1 1 4 6 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 4 1 1 2 3 0.78 1.64 -1.22 1.09 -6.86 -7.68\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_trilinear_3d Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 3 1.5 1.66666663 0.75\n"
	"attr sizes ints 3 3 5 3\n"
	"in f32 3 2 3 4 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 3 3 5 3 0.78 2.54 0.72 -0.22 1.6025 3.495 -1.22 0.665 6.27 3.1 1.035 3.365 7.42\n"
	"  1.405 0.46 0.935 1.2575 -2.945 -1.7575 2.01625 1.575 -4.45 2.775 6.095 1.545 2.26 4.285\n"
	"  7.54 1.745 2.475 1.09 -0.0250001 -6.61 -3.295 2.43 -0.345 -7.68 4.885 5.92 -0.00999999\n"
	"  3.485 5.205 7.66 2.085 4.49\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_linear_5d Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 5 1 1 2 1.5 2\n"
	"attr sizes ints 5 1 2 4 4 4\n"
	"in f32 5 1 2 2 3 2 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 5 1 2 4 4 4 0.78 1.445 2.775 3.44 1.21 1.4275 1.8625 2.08 1.163333 1.119583 1.032083\n"
	"  0.9883333 -0.7433333 -0.04208337 1.360417 2.061667 0.335 1.288125 3.194375 4.1475 1.71\n"
	"  1.810313 2.010937 2.11125 2.612917 2.052917 0.9329167 0.3729167 0.7245833 0.9345833\n"
	"  1.354583 1.564583 -0.555 0.974375 4.033125 5.5625 2.71 2.575938 2.307812 2.17375 5.512084\n"
	"  3.919583 0.7345833 -0.8579167 3.660417 2.887917 1.342917 0.5704166 -1 0.8175 4.4525 6.27\n"
	"  3.21 2.95875 2.45625 2.205 6.961667 4.852917 0.6354167 -1.473333 5.128334 3.864583\n"
	"  1.337083 0.07333334 1.09 2.52 5.38 6.81 -2.885 -2.13875 -0.6462501 0.0999999 -6.996667\n"
	"  -6.402917 -5.215417 -4.621667 -7.543333 -4.824583 0.6129168 3.331667 1.93 3.094375\n"
	"  5.423125 6.5875 -0.6500001 -0.1340626 0.8978124 1.41375 -3.6775 -3.328438 -2.630313\n"
	"  -2.28125 -5.4675 -3.192187 1.358438 3.63375 3.61 4.243125 5.509375 6.1425 3.82 3.875312\n"
	"  3.985937 4.04125 2.960833 2.820521 2.539896 2.399583 -1.315833 0.07260414 2.849479\n"
	"  4.237916 4.45 4.8175 5.5525 5.92 6.055 5.88 5.53 5.355 6.28 5.895 5.125 4.74 0.76 1.705\n"
	"  3.595 4.54\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_cubic_3d_exclude Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr cubic_coeff_a f -0.5\n"
	"attr exclude_outside i 1\n"
	"attr mode s cubic\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 3 2 0.75 1.5\n"
	"attr sizes ints 3 4 2 6\n"
	"in f32 3 2 3 4 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 3 4 2 6 0.336264 1.781973 3.073044 2.043479 1.869924 2.00381 3.786198 1.557981\n"
	"  -0.3678993 1.399294 2.725648 3.410361 0.1044007 2.330559 3.749989 0.4042354 -0.2793291\n"
	"  0.0632391 2.64848 1.797104 1.061714 1.723032 3.103937 4.148064 -0.3553681 3.418366\n"
	"  5.092325 -2.846271 -4.541147 -3.784778 0.3924644 2.271269 3.896537 2.364984 3.854056\n"
	"  5.610876 -0.5872314 3.966952 5.76927 -4.485515 -6.6904 -5.725348 -0.7452536 2.510393\n"
	"  5.326149 2.688722 4.232345 6.348578\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_nearest_1d_ceil Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr mode s nearest\n"
	"attr nearest_mode s ceil\n"
	"attr scales floats 1 1.60000002\n"
	"attr sizes ints 1 8\n"
	"in f32 1 5 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003\n"
	"out f32 1 8 0.78 3.44 1.64 1.64 0.72 0.72 -1.22 -1.22\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_linear_1d_downsample Resize\n"
	"attr coordinate_transformation_mode s half_pixel\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 1 0.430000007\n"
	"attr sizes ints 1 3\n"
	"in f32 1 7 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"out f32 1 3 2.543023 0.7306978 1.284535\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_nearest_channels Resize\n"
	"attr coordinate_transformation_mode s asymmetric\n"
	"attr mode s nearest\n"
	"attr nearest_mode s floor\n"
	"attr scales floats 4 1 2 2 1\n"
	"attr sizes ints 4 1 6 4 2\n"
	"in f32 4 1 3 2 2 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008\n"
	"out f32 4 1 6 4 2 0.78 3.44 0.78 3.44 1.64 0.72 1.64 0.72 0.78 3.44 0.78 3.44 1.64 0.72 1.64\n"
	"  0.72 -1.22 2.33 -1.22 2.33 -1 6.27 -1 6.27 -1.22 2.33 -1.22 2.33 -1 6.27 -1 6.27 7.42\n"
	"  -1.86 7.42 -1.86 4.67 0.46 4.67 0.46 7.42 -1.86 7.42 -1.86 4.67 0.46 4.67 0.46\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_pytorch_half_pixel_len1 Resize\n"
	"attr coordinate_transformation_mode s pytorch_half_pixel\n"
	"attr cubic_coeff_a f -0.75\n"
	"attr exclude_outside i 0\n"
	"attr mode s cubic\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 0.25 0.600000024\n"
	"attr sizes ints 4 1 1 1 3\n"
	"in f32 4 1 1 4 5 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008\n"
	"out f32 4 1 1 1 3 1.796123 1.205938 -0.8277836\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_align_corners_fractional Resize\n"
	"attr coordinate_transformation_mode s align_corners\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr scales floats 4 1 1 1.70000005 0.699999988\n"
	"attr sizes ints 4 1 1 5 3\n"
	"in f32 4 1 1 3 5 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"out f32 4 1 1 5 3 0.78 2.36 0.3319999 1.536098 2.848781 2.884195 2.292195 3.337561 5.436389\n"
	"  3.41439 2.192342 4.874438 4.555853 0.9611222 4.148584\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_crop_nearest Resize\n"
	"attr coordinate_transformation_mode s tf_crop_and_resize\n"
	"attr extrapolation_value f -3.5\n"
	"attr mode s nearest\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr roi floats 8 0 0 -0.200000003 0.100000001 1 1 0.899999976 1.29999995\n"
	"attr scales floats 4 1 1 0.75 0.800000012\n"
	"attr sizes ints 4 1 1 3 4\n"
	"in f32 4 1 1 4 5 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008\n"
	"out f32 4 1 1 3 4 -3.5 -3.5 -3.5 -3.5 2.33 6.27 -1.86 -3.5 -6.61 5.32 5.92 -3.5\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_crop_linear_3axes Resize\n"
	"attr coordinate_transformation_mode s tf_crop_and_resize\n"
	"attr extrapolation_value f 7\n"
	"attr mode s linear\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr roi floats 6 0.200000003 -0.100000001 0.300000012 1.39999998 0.800000012 1.20000005\n"
	"attr scales floats 3 1.5 1 1.25\n"
	"attr sizes ints 3 3 3 5\n"
	"in f32 3 2 3 4 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977\n"
	"out f32 3 3 3 5 7 7 7 7 7 2.80484 1.42149 1.0628 3.81086 7 1.11548 1.62945 2.4623 3.16187 7\n"
	"  7 7 7 7 7 4.21526 2.649435 1.26545 2.511365 7 3.76952 2.60895 2.3567 4.38143 7 7 7 7 7 7 7\n"
	"  7 7 7 7 7 7 7 7 7\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	"case ref_crop_cubic Resize\n"
	"attr coordinate_transformation_mode s tf_crop_and_resize\n"
	"attr cubic_coeff_a f -0.75\n"
	"attr exclude_outside i 0\n"
	"attr extrapolation_value f 2\n"
	"attr mode s cubic\n"
	"attr nearest_mode s round_prefer_floor\n"
	"attr roi floats 8 0 0 0.100000001 0.200000003 1 1 0.800000012 1.10000002\n"
	"attr scales floats 4 1 1 0.800000012 0.800000012\n"
	"attr sizes ints 4 1 1 4 4\n"
	"in f32 4 1 1 5 5 0.779999971 3.44000006 1.63999999 0.720000029 -1.22000003 2.32999992 -1\n"
	"  6.26999998 7.42000008 -1.86000001 4.67000008 0.460000008 1.09000003 6.80999994 -6.86000013\n"
	"  -6.61000013 -7.67999983 5.32000017 4.44999981 5.92000008 7.65999985 4.78999996\n"
	"  -0.620000005 4.48999977 -6.11000013\n"
	"out f32 4 1 1 4 4 1.330959 3.8094 2.533672 2 -0.3268208 4.918704 6.241169 2 -1.595795\n"
	"  1.796676 4.83076 2 -7.126643 4.68064 4.327909 2\n"
	"tol 1e-05 1e-05\n"
	"end\n"
	;

int main(int argc, char **argv)
{
	argv0 = "test_kernels_data";
	run_cases(cases, "embedded cases");
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *text = read_file(argv[i], &len);
		if (!text)
			die("%s", ir_errmsg);
		text = xrealloc(text, len + 1);
		text[len] = 0;
		run_cases(text, argv[i]);
		free(text);
	}
	test_transpose_random();
	test_slice_random();
	test_pad_random();
	test_expand_random();
	test_gather_random();
	test_concat_split_random();
	test_resize_paths();
	test_copy_aliased();
	if (failed) {
		fprintf(stderr, "test_kernels_data: %d failed, %d passed\n", failed, passed);
		return 1;
	}
	printf("test_kernels_data: %d passed\n", passed);
	return 0;
}
