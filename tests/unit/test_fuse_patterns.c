/*
 * test_fuse_patterns.c: ir-fuse's pattern passes (lib/fuse_patterns.c).
 *
 * Each case is a small text IR and the passes to run: after fuse_run the
 * graph must hold the expected ops (a multiset, written in any order), the
 * new nodes the expected attributes, a second run must change nothing, and
 * on random inputs every model output must match the unfused graph's within
 * 1e-6 of the output's largest magnitude. (Not of each element: HardSwish
 * computes x * (x/6 + 0.5), whose rounding near x = -3 is that of 0.5,
 * against (x * (x + 3)) / 6; the kernel's own formula, ONNX Runtime's too.)
 * Negative cases check that a chain whose interior is read elsewhere, or
 * whose constants are wrong, is left alone.
 *
 * Then every tests/data/fuse/NAME.ir.txt (the directory is $FUSE_DATA, or
 * tests/data/fuse from the repository root, where make runs the tests):
 * run the passes its "# passes:" line names and compare the sorted op list
 * with NAME.ops, and the outputs as above.
 */
#include "exec.h"
#include "fuse.h"
#include "ir.h"
#include "ops.h"
#include "util.h"

#include <dirent.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("test_fuse_patterns: FAIL %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failed++;
}

static struct ir_graph *parse(const char *text, size_t len, const char *what)
{
	struct ir_graph *g = ir_text_parse(text, len, what);
	int bad;
	if (g && ir_graph_verify(g, &bad) < 0) {
		ir_graph_free(g);
		g = NULL;
	}
	return g;
}

/* ---- op lists --------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The words of s (separated by spaces, commas or newlines), sorted and
 * joined by single spaces, into out. */
static void sort_words(const char *s, char *out, size_t cap)
{
	char *copy = xstrdup(s), *words[512], *save;
	int n = 0;
	for (char *w = strtok_r(copy, " ,\n\t", &save); w && n < 512; w = strtok_r(NULL, " ,\n\t", &save))
		words[n++] = w;
	qsort(words, n, sizeof *words, cmp_str);
	out[0] = 0;
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", words[i]);
	free(copy);
}

static void graph_ops(const struct ir_graph *g, char *out, size_t cap)
{
	char *s = xstrdup("");
	for (int i = 0; i < g->n_nodes; i++) {
		char *t = xasprintf("%s %s", s, ir_op_name(g->nodes[i].op));
		free(s);
		s = t;
	}
	sort_words(s, out, cap);
	free(s);
}

/* ---- running ------------------------------------------------------------------ */

static uint32_t rng_state;

static float rnd(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return (float)((rng_state >> 8) / 16777216.0 * 14.0 - 7.0);
}

/* Random f32 inputs in [-7, 7) for every model input. */
static float **make_inputs(const struct ir_graph *g, uint32_t seed)
{
	rng_state = seed;
	float **in = xcalloc(g->n_inputs + 1, sizeof *in);
	for (int i = 0; i < g->n_inputs; i++) {
		int64_t n = ir_tensor_numel(g->tensors[g->inputs[i]]);
		in[i] = xmalloc(sizeof(float) * (n + 1));
		for (int64_t j = 0; j < n; j++)
			in[i][j] = rnd();
	}
	return in;
}

/* Runs g; copies of every output's f32 data, or NULL. */
static float **run(const struct ir_graph *g, float **in)
{
	struct ir_exec *x = ir_exec_new(g, &(struct ir_exec_opts){.threads = 1});
	if (!x || ir_exec_run(x, (const void *const *)in) < 0) {
		if (x)
			ir_exec_free(x);
		return NULL;
	}
	float **out = xcalloc(g->n_outputs + 1, sizeof *out);
	for (int i = 0; i < g->n_outputs; i++) {
		size_t nb = ir_tensor_nbytes(g->tensors[g->outputs[i]]);
		out[i] = xmalloc(nb + 4);
		memcpy(out[i], ir_exec_output(x, i), nb);
	}
	ir_exec_free(x);
	return out;
}

static void free_list(float **p, int n)
{
	for (int i = 0; p && i < n; i++)
		free(p[i]);
	free(p);
}

/* Same outputs (names, shapes, values within 1e-6 of each output's largest
 * magnitude) for a and b on random inputs? */
static int same_numerics(const char *name, const struct ir_graph *a, const struct ir_graph *b)
{
	if (a->n_outputs != b->n_outputs || a->n_inputs != b->n_inputs) {
		fail(name, "the model's inputs or outputs changed");
		return 0;
	}
	int ok = 1;
	for (uint32_t seed = 1; seed <= 3 && ok; seed++) {
		float **in = make_inputs(a, seed);
		float **ya = run(a, in), **yb = run(b, in);
		if (!ya || !yb) {
			fail(name, "run: %s", ir_errmsg);
			ok = 0;
		}
		for (int i = 0; ok && i < a->n_outputs; i++) {
			const struct ir_tensor *ta = a->tensors[a->outputs[i]];
			const struct ir_tensor *tb = b->tensors[b->outputs[i]];
			if (strcmp(ta->name, tb->name) || ir_tensor_numel(ta) != ir_tensor_numel(tb)) {
				fail(name, "output %d is %s, was %s", i, tb->name, ta->name);
				ok = 0;
				break;
			}
			int64_t n = ir_tensor_numel(ta);
			double scale = 0, err = 0;
			int64_t at = 0;
			for (int64_t j = 0; j < n; j++) {
				double d = fabs((double)ya[i][j] - yb[i][j]);
				if (isnan(ya[i][j]) && isnan(yb[i][j]))
					continue;
				scale = fmax(scale, fabs(ya[i][j]));
				if (d > err || isnan(d)) {
					err = isnan(d) ? INFINITY : d;
					at = j;
				}
			}
			if (err > 1e-6 * scale) {
				fail(name, "output %s differs at %lld: %.9g fused, %.9g before (largest "
					   "magnitude %.3g)", ta->name, (long long)at, yb[i][at], ya[i][at],
				     scale);
				ok = 0;
			}
		}
		free_list(ya, a->n_outputs);
		free_list(yb, b->n_outputs);
		free_list(in, a->n_inputs);
	}
	return ok;
}

/* Parses text twice, fuses one copy with passes, checks the ops, a second
 * fuse_run's silence and the numerics; returns the fused graph (or NULL)
 * for more checks. */
static struct ir_graph *fuse_case(const char *name, const char *text, const char *passes,
				  const char *want_ops)
{
	struct ir_graph *before = parse(text, strlen(text), name);
	struct ir_graph *g = parse(text, strlen(text), name);
	if (!before || !g) {
		fail(name, "parse: %s", ir_errmsg);
		goto bad;
	}
	struct fuse_stats st;
	if (fuse_run(g, passes, NULL, 10, &st) < 0) {
		fail(name, "fuse_run: %s", ir_errmsg);
		goto bad;
	}
	char got[4096], want[4096];
	graph_ops(g, got, sizeof got);
	sort_words(want_ops, want, sizeof want);
	if (strcmp(got, want)) {
		fail(name, "ops after %s are \"%s\", expected \"%s\"", passes, got, want);
		goto bad;
	}
	struct fuse_stats st2;
	if (fuse_run(g, passes, NULL, 10, &st2) < 0 || st2.iterations != 1) {
		fail(name, "a second run changed the graph again");
		goto bad;
	}
	int bad_node;
	if (ir_graph_verify(g, &bad_node) < 0) {
		fail(name, "the fused graph does not verify: %s", ir_errmsg);
		goto bad;
	}
	if (!same_numerics(name, before, g))
		goto bad;
	ir_graph_free(before);
	return g;
bad:
	if (before)
		ir_graph_free(before);
	if (g)
		ir_graph_free(g);
	return NULL;
}

/* The only node of type op, or NULL. */
static const struct ir_node *only_node(const struct ir_graph *g, enum ir_op op)
{
	const struct ir_node *n = NULL;
	for (int i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].op == op) {
			if (n)
				return NULL;
			n = &g->nodes[i];
		}
	return n;
}

static const char *in_name(const struct ir_graph *g, const struct ir_node *n, int i)
{
	return i < n->n_in && n->in[i] >= 0 ? g->tensors[n->in[i]]->name : "_";
}

/* ---- the cases --------------------------------------------------------------- */

#define HEAD "ir 1.0\ninput x: f32[2,3,4,5]\n"                         \
	     "const three: f32[] = [3.0]\nconst six: f32[] = [6.0]\n"

/* The decomposed HardSwish on x (PaddleOCR's form), output y. */
#define HSWISH                                                          \
	"node add Add(x, three) -> (a: f32[2,3,4,5])\n"                 \
	"node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=0.0\n"      \
	"node mul Mul(x, c) -> (m: f32[2,3,4,5])\n"                     \
	"node div Div(m, six) -> (y: f32[2,3,4,5])\n"

static void test_hard_sigmoid(void)
{
	struct ir_graph *g;
	g = fuse_case("hard-sigmoid Div", HEAD
		      "node add Add(x, three) -> (a: f32[2,3,4,5])\n"
		      "node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=0.0\n"
		      "node div Div(c, six) -> (y: f32[2,3,4,5])\n"
		      "output y\n",
		      "hard-sigmoid", "HardSigmoid");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_HARD_SIGMOID);
		if (ir_attr_float(n, "alpha", 0) != 1.0f / 6.0f || ir_attr_float(n, "beta", 0) != 0.5f ||
		    strcmp(in_name(g, n, 0), "x") || strcmp(g->tensors[n->out[0]]->name, "y") ||
		    strcmp(n->name, "div"))
			fail("hard-sigmoid Div", "node %s: alpha %.9g beta %.9g input %s", n->name,
			     ir_attr_float(n, "alpha", 0), ir_attr_float(n, "beta", 0), in_name(g, n, 0));
		else
			passed++;
		ir_graph_free(g);
	}
	g = fuse_case("hard-sigmoid Mul 1/6", HEAD
		      "const sixth: f32[1] = [0.16666667]\n"
		      "node add Add(three, x) -> (a: f32[2,3,4,5])\n"
		      "node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=0.0\n"
		      "node mul Mul(sixth, c) -> (y: f32[2,3,4,5])\n"
		      "output y\n",
		      "hard-sigmoid", "HardSigmoid");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("hard-sigmoid linear", "ir 1.0\ninput x: f32[2,3,4,5]\n"
		      "const a: f32[] = [0.25]\nconst b: f32[] = [0.375]\n"
		      "node mul Mul(a, x) -> (m: f32[2,3,4,5])\n"
		      "node add Add(m, b) -> (t: f32[2,3,4,5])\n"
		      "node clip Clip(t) -> (y: f32[2,3,4,5]) max=1.0 min=0.0\n"
		      "output y\n",
		      "hard-sigmoid", "HardSigmoid");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_HARD_SIGMOID);
		if (ir_attr_float(n, "alpha", 0) != 0.25f || ir_attr_float(n, "beta", 0) != 0.375f)
			fail("hard-sigmoid linear", "alpha %.9g beta %.9g", ir_attr_float(n, "alpha", 0),
			     ir_attr_float(n, "beta", 0));
		else
			passed++;
		ir_graph_free(g);
	}
	/* not fused: the Clip is [-1, 6]; the Clip is [0, 1] but a slope of 0 ... */
	g = fuse_case("hard-sigmoid wrong Clip", HEAD
		      "node add Add(x, three) -> (a: f32[2,3,4,5])\n"
		      "node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=-1.0\n"
		      "node div Div(c, six) -> (y: f32[2,3,4,5])\n"
		      "output y\n",
		      "hard-sigmoid", "Add Clip Div");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("hard-sigmoid Clip read twice", HEAD
		      "node add Add(x, three) -> (a: f32[2,3,4,5])\n"
		      "node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=0.0\n"
		      "node div Div(c, six) -> (y: f32[2,3,4,5])\n"
		      "node neg Neg(c) -> (z: f32[2,3,4,5])\n"
		      "output y\noutput z\n",
		      "hard-sigmoid", "Add Clip Div Neg");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
}

static void test_hard_swish(void)
{
	struct ir_graph *g;
	/* x is a model input with another reader: only the interior counts */
	g = fuse_case("hard-swish PaddleOCR", HEAD HSWISH
		      "node relu Relu(x) -> (r: f32[2,3,4,5])\n"
		      "output y\noutput r\n",
		      "hard-swish", "HardSwish Relu");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_HARD_SWISH);
		if (strcmp(in_name(g, n, 0), "x") || strcmp(g->tensors[n->out[0]]->name, "y") ||
		    !n->origin || strcmp(n->origin, "add,clip,mul,div"))
			fail("hard-swish PaddleOCR", "node %s reads %s, origin %s", n->name,
			     in_name(g, n, 0), n->origin ? n->origin : "(none)");
		else
			passed++;
		ir_graph_free(g);
	}
	/* all passes: the others leave it alone, a HardSwish comes out */
	g = fuse_case("hard-swish all passes", HEAD HSWISH "output y\n", NULL, "HardSwish");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("hard-swish Mul 1/6", HEAD
		      "const sixth: f32[] = [0.16666667]\n"
		      "node add Add(x, three) -> (a: f32[2,3,4,5])\n"
		      "node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=0.0\n"
		      "node mul Mul(c, x) -> (m: f32[2,3,4,5])\n"
		      "node mul6 Mul(m, sixth) -> (y: f32[2,3,4,5])\n"
		      "output y\n",
		      "hard-swish", "HardSwish");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* x * (Clip(..) / 6): by hard-swish alone, and through HardSigmoid */
	static const char *xdiv = HEAD
		"node add Add(x, three) -> (a: f32[2,3,4,5])\n"
		"node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=0.0\n"
		"node div Div(c, six) -> (h: f32[2,3,4,5])\n"
		"node mul Mul(x, h) -> (y: f32[2,3,4,5])\n"
		"output y\n";
	g = fuse_case("hard-swish Mul(x, Div)", xdiv, "hard-swish", "HardSwish");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("hard-swish via HardSigmoid", xdiv, "hard-sigmoid,hard-swish", "HardSwish");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("hard-swish Mul(HardSigmoid(x), x)", "ir 1.0\ninput x: f32[2,3,4,5]\n"
		      "node hs HardSigmoid(x) -> (h: f32[2,3,4,5]) alpha=0.16666667 beta=0.5\n"
		      "node mul Mul(h, x) -> (y: f32[2,3,4,5])\n"
		      "output y\n",
		      "hard-swish", "HardSwish");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: the Mul's output is read twice */
	g = fuse_case("hard-swish Mul read twice", HEAD HSWISH
		      "node relu Relu(m) -> (r: f32[2,3,4,5])\n"
		      "output y\noutput r\n",
		      "hard-swish", "Add Clip Mul Div Relu");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: the Clip's output is a model output */
	g = fuse_case("hard-swish interior output", HEAD HSWISH "output y\noutput c\n",
		      "hard-swish", "Add Clip Mul Div");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: Add 3.0001, Clip [0, 6.5], HardSigmoid alpha 0.2 */
	g = fuse_case("hard-swish wrong constants", "ir 1.0\ninput x: f32[2,3,4,5]\n"
		      "const three: f32[] = [3.0001]\nconst six: f32[] = [6.0]\n"
		      "node add Add(x, three) -> (a: f32[2,3,4,5])\n"
		      "node clip Clip(a) -> (c: f32[2,3,4,5]) max=6.0 min=0.0\n"
		      "node mul Mul(x, c) -> (m: f32[2,3,4,5])\n"
		      "node div Div(m, six) -> (y: f32[2,3,4,5])\n"
		      "const three2: f32[] = [3.0]\n"
		      "node add2 Add(x, three2) -> (a2: f32[2,3,4,5])\n"
		      "node clip2 Clip(a2) -> (c2: f32[2,3,4,5]) max=6.5 min=0.0\n"
		      "node mul2 Mul(x, c2) -> (m2: f32[2,3,4,5])\n"
		      "node div2 Div(m2, six) -> (y2: f32[2,3,4,5])\n"
		      "node hs HardSigmoid(x) -> (h: f32[2,3,4,5]) alpha=0.2 beta=0.5\n"
		      "node mul3 Mul(h, x) -> (y3: f32[2,3,4,5])\n"
		      "output y\noutput y2\noutput y3\n",
		      "hard-sigmoid,hard-swish", "Add Clip Mul Div Add Clip Mul Div HardSigmoid Mul");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: a constant of 3s that broadcasts x from [4,5] to [3,4,5] */
	g = fuse_case("hard-swish broadcast", "ir 1.0\ninput x: f32[4,5]\n"
		      "const three: f32[3,1,1] = [3.0, 3.0, 3.0]\nconst six: f32[] = [6.0]\n"
		      "node add Add(x, three) -> (a: f32[3,4,5])\n"
		      "node clip Clip(a) -> (c: f32[3,4,5]) max=6.0 min=0.0\n"
		      "node mul Mul(x, c) -> (m: f32[3,4,5])\n"
		      "node div Div(m, six) -> (y: f32[3,4,5])\n"
		      "output y\n",
		      "hard-swish", "Add Clip Mul Div");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
}

static void test_silu(void)
{
	struct ir_graph *g;
	g = fuse_case("silu", "ir 1.0\ninput x: f32[2,3,4,5]\n"
		      "node sig Sigmoid(x) -> (s: f32[2,3,4,5])\n"
		      "node mul Mul(s, x) -> (y: f32[2,3,4,5])\n"
		      "output y\n",
		      "silu", "SiLU");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_SILU);
		if (strcmp(in_name(g, n, 0), "x") || strcmp(g->tensors[n->out[0]]->name, "y"))
			fail("silu", "SiLU reads %s", in_name(g, n, 0));
		else
			passed++;
		ir_graph_free(g);
	}
	g = fuse_case("silu Paddle swish", "ir 1.0\ninput x: f32[2,3,4,5]\n"
		      "const one: f32[] = [1.0]\n"
		      "node beta Mul(x, one) -> (b: f32[2,3,4,5])\n"
		      "node sig Sigmoid(b) -> (s: f32[2,3,4,5])\n"
		      "node mul Mul(x, s) -> (y: f32[2,3,4,5])\n"
		      "output y\n",
		      "silu", "SiLU");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: the Sigmoid is read twice; Sigmoid of another tensor */
	g = fuse_case("silu negatives", "ir 1.0\ninput x: f32[2,3,4,5]\ninput z: f32[2,3,4,5]\n"
		      "node sig Sigmoid(x) -> (s: f32[2,3,4,5])\n"
		      "node mul Mul(x, s) -> (y: f32[2,3,4,5])\n"
		      "node neg Neg(s) -> (n: f32[2,3,4,5])\n"
		      "node sig2 Sigmoid(z) -> (s2: f32[2,3,4,5])\n"
		      "node mul2 Mul(x, s2) -> (y2: f32[2,3,4,5])\n"
		      "output y\noutput n\noutput y2\n",
		      "silu", "Sigmoid Mul Neg Sigmoid Mul");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
}

static void test_gelu(void)
{
	struct ir_graph *g;
#define GHEAD "ir 1.0\ninput x: f32[2,3,16]\n"                                  \
	      "const sqrt2: f32[] = [1.4142135]\nconst one: f32[] = [1.0]\n"    \
	      "const half: f32[] = [0.5]\n"
	g = fuse_case("gelu", GHEAD
		      "node div Div(x, sqrt2) -> (d: f32[2,3,16])\n"
		      "node erf Erf(d) -> (e: f32[2,3,16])\n"
		      "node add Add(e, one) -> (a: f32[2,3,16])\n"
		      "node mul Mul(x, a) -> (m: f32[2,3,16])\n"
		      "node mul2 Mul(m, half) -> (y: f32[2,3,16])\n"
		      "output y\n",
		      "gelu", "GELU");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_GELU);
		if (strcmp(in_name(g, n, 0), "x"))
			fail("gelu", "GELU reads %s", in_name(g, n, 0));
		else
			passed++;
		ir_graph_free(g);
	}
	g = fuse_case("gelu Mul(Mul(x, 0.5), ..) by 1/sqrt 2", GHEAD
		      "const rs: f32[] = [0.70710677]\n"
		      "node div Mul(rs, x) -> (d: f32[2,3,16])\n"
		      "node erf Erf(d) -> (e: f32[2,3,16])\n"
		      "node add Add(one, e) -> (a: f32[2,3,16])\n"
		      "node h Mul(x, half) -> (m: f32[2,3,16])\n"
		      "node mul2 Mul(m, a) -> (y: f32[2,3,16])\n"
		      "output y\n",
		      "gelu", "GELU");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("gelu Mul(x, Mul(.., 0.5))", GHEAD
		      "node div Div(x, sqrt2) -> (d: f32[2,3,16])\n"
		      "node erf Erf(d) -> (e: f32[2,3,16])\n"
		      "node add Add(e, one) -> (a: f32[2,3,16])\n"
		      "node h Mul(half, a) -> (m: f32[2,3,16])\n"
		      "node mul2 Mul(m, x) -> (y: f32[2,3,16])\n"
		      "output y\n",
		      "gelu", "GELU");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: Add 2, not 1; Div by 1.5 */
	g = fuse_case("gelu wrong constants", GHEAD
		      "const two: f32[] = [2.0]\nconst c15: f32[] = [1.5]\n"
		      "node div Div(x, sqrt2) -> (d: f32[2,3,16])\n"
		      "node erf Erf(d) -> (e: f32[2,3,16])\n"
		      "node add Add(e, two) -> (a: f32[2,3,16])\n"
		      "node mul Mul(x, a) -> (m: f32[2,3,16])\n"
		      "node mul2 Mul(m, half) -> (y: f32[2,3,16])\n"
		      "node div3 Div(x, c15) -> (d3: f32[2,3,16])\n"
		      "node erf3 Erf(d3) -> (e3: f32[2,3,16])\n"
		      "node add3 Add(e3, one) -> (a3: f32[2,3,16])\n"
		      "node mul3 Mul(x, a3) -> (m3: f32[2,3,16])\n"
		      "node mul4 Mul(m3, half) -> (y3: f32[2,3,16])\n"
		      "output y\noutput y3\n",
		      "gelu", "Div Erf Add Mul Mul Div Erf Add Mul Mul");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: the inner Mul is read twice */
	g = fuse_case("gelu Mul read twice", GHEAD
		      "node div Div(x, sqrt2) -> (d: f32[2,3,16])\n"
		      "node erf Erf(d) -> (e: f32[2,3,16])\n"
		      "node add Add(e, one) -> (a: f32[2,3,16])\n"
		      "node mul Mul(x, a) -> (m: f32[2,3,16])\n"
		      "node mul2 Mul(m, half) -> (y: f32[2,3,16])\n"
		      "output y\noutput m\n",
		      "gelu", "Div Erf Add Mul Mul");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
}

#define LHEAD "ir 1.0\ninput x: f32[2,4,8]\n"                                        \
	      "const two: f32[] = [2.0]\nconst eps: f32[] = [1e-05]\n"                \
	      "const gamma: f32[8] = [1.0, 0.5, -1.0, 2.0, 0.25, 1.5, -0.5, 0.75]\n" \
	      "const beta: f32[8] = [0.1, -0.2, 0.3, 0.0, 0.5, -0.1, 0.2, 1.0]\n"
/* The decomposed LayerNorm over axes AX, Div's output n */
#define LNORM(AX, R)                                                            \
	"node mean ReduceMean(x) -> (m: f32" R ") axes=" AX " keepdims=1\n"     \
	"node sub Sub(x, m) -> (d: f32[2,4,8])\n"                               \
	"node pow Pow(d, two) -> (q: f32[2,4,8])\n"                             \
	"node var ReduceMean(q) -> (v: f32" R ") axes=" AX " keepdims=1\n"      \
	"node add Add(v, eps) -> (e: f32" R ")\n"                               \
	"node sqrt Sqrt(e) -> (s: f32" R ")\n"                                  \
	"node div Div(d, s) -> (n: f32[2,4,8])\n"

static void test_layer_norm(void)
{
	struct ir_graph *g;
	g = fuse_case("layer-norm PaddleOCR", LHEAD LNORM("[-1]", "[2,4,1]")
		      "node mul Mul(n, gamma) -> (g: f32[2,4,8])\n"
		      "node addb Add(g, beta) -> (y: f32[2,4,8])\n"
		      "output y\n",
		      "layer-norm", "LayerNormalization");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_LAYER_NORM);
		if (ir_attr_int(n, "axis", 0) != -1 || ir_attr_float(n, "epsilon", 0) != 1e-5f ||
		    n->n_in != 3 || strcmp(in_name(g, n, 0), "x") || strcmp(in_name(g, n, 1), "gamma") ||
		    strcmp(in_name(g, n, 2), "beta") || strcmp(g->tensors[n->out[0]]->name, "y") ||
		    strcmp(n->name, "addb"))
			fail("layer-norm PaddleOCR", "%s LayerNormalization(%s, %s, %s) axis %lld "
			     "epsilon %g", n->name, in_name(g, n, 0), in_name(g, n, 1),
			     in_name(g, n, 2), (long long)ir_attr_int(n, "axis", 0),
			     ir_attr_float(n, "epsilon", 0));
		else
			passed++;
		ir_graph_free(g);
	}
	/* no Mul or Add: a scale of ones, no bias; the model output keeps its name */
	g = fuse_case("layer-norm bare", LHEAD LNORM("[2]", "[2,4,1]") "output n\n",
		      "layer-norm", "LayerNormalization");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_LAYER_NORM);
		const struct ir_tensor *sc = n->n_in > 1 ? g->tensors[n->in[1]] : NULL;
		int ones = sc && sc->data && ir_tensor_numel(sc) == 8;
		for (int i = 0; ones && i < 8; i++)
			ones = ((const float *)sc->data)[i] == 1.0f;
		if (n->n_in != 2 || !ones || strcmp(g->tensors[n->out[0]]->name, "n"))
			fail("layer-norm bare", "%d inputs, scale not 8 ones", n->n_in);
		else
			passed++;
		ir_graph_free(g);
	}
	/* the last two axes, Mul(d, d), gamma [8] broadcast over [4, 8] */
	g = fuse_case("layer-norm two axes", LHEAD
		      "node mean ReduceMean(x) -> (m: f32[2,1,1]) axes=[-2,-1] keepdims=1\n"
		      "node sub Sub(x, m) -> (d: f32[2,4,8])\n"
		      "node sq Mul(d, d) -> (q: f32[2,4,8])\n"
		      "node var ReduceMean(q) -> (v: f32[2,1,1]) axes=[1,2] keepdims=1\n"
		      "node add Add(eps, v) -> (e: f32[2,1,1])\n"
		      "node sqrt Sqrt(e) -> (s: f32[2,1,1])\n"
		      "node div Div(d, s) -> (n: f32[2,4,8])\n"
		      "node mul Mul(gamma, n) -> (g: f32[2,4,8])\n"
		      "node addb Add(beta, g) -> (y: f32[2,4,8])\n"
		      "output y\n",
		      "layer-norm", "LayerNormalization");
	if (g) {
		const struct ir_node *n = only_node(g, IR_OP_LAYER_NORM);
		const struct ir_tensor *sc = g->tensors[n->in[1]];
		if (ir_attr_int(n, "axis", 0) != -2 || sc->rank != 2 || sc->dims[0] != 4 ||
		    sc->dims[1] != 8 || n->n_in != 3)
			fail("layer-norm two axes", "axis %lld, scale %s",
			     (long long)ir_attr_int(n, "axis", 0), sc->name);
		else
			passed++;
		ir_graph_free(g);
	}
	/* a gamma per row is no LayerNorm scale: the Mul stays after it */
	g = fuse_case("layer-norm gamma per row", LHEAD
		      "const rowg: f32[4,1] = [1.0, 2.0, 3.0, 4.0]\n" LNORM("[-1]", "[2,4,1]")
		      "node mul Mul(n, rowg) -> (y: f32[2,4,8])\n"
		      "output y\n",
		      "layer-norm", "LayerNormalization Mul");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: the difference read by a Relu too; the variance a model
	 * output; epsilon per row */
	g = fuse_case("layer-norm d read thrice", LHEAD LNORM("[-1]", "[2,4,1]")
		      "node relu Relu(d) -> (r: f32[2,4,8])\n"
		      "output n\noutput r\n",
		      "layer-norm", "ReduceMean Sub Pow ReduceMean Add Sqrt Div Relu");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("layer-norm variance output", LHEAD LNORM("[-1]", "[2,4,1]")
		      "output n\noutput v\n",
		      "layer-norm", "ReduceMean Sub Pow ReduceMean Add Sqrt Div");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	g = fuse_case("layer-norm epsilon per row", "ir 1.0\ninput x: f32[2,4,8]\n"
		      "const two: f32[] = [2.0]\n"
		      "const eps: f32[2,4,1] = [1e-05, 1e-05, 1e-05, 1e-05, 1e-05, 1e-05, 1e-05, 0.1]\n"
		      LNORM("[-1]", "[2,4,1]") "output n\n",
		      "layer-norm", "ReduceMean Sub Pow ReduceMean Add Sqrt Div");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
	/* not fused: Pow(d, 4) */
	g = fuse_case("layer-norm Pow 4", "ir 1.0\ninput x: f32[2,4,8]\n"
		      "const two: f32[] = [4.0]\nconst eps: f32[] = [1e-05]\n"
		      LNORM("[-1]", "[2,4,1]") "output n\n",
		      "layer-norm", "ReduceMean Sub Pow ReduceMean Add Sqrt Div");
	if (g) {
		passed++;
		ir_graph_free(g);
	}
}

/* ---- tests/data/fuse ------------------------------------------------------------ */

static void test_data_dir(void)
{
	const char *dir = getenv("FUSE_DATA") ? getenv("FUSE_DATA") : "tests/data/fuse";
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		fail(dir, "cannot list it (run from the repository root, or set FUSE_DATA)");
		return;
	}
	int cases = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);
		if (l > 7 && !strcmp(nm + l - 7, ".ir.txt")) {
			char *path = xasprintf("%s/%s", dir, nm);
			char *ops_path = xasprintf("%s/%.*s.ops", dir, (int)(l - 7), nm);
			size_t tl, ol;
			char *text = read_file(path, &tl), *ops = read_file(ops_path, &ol);
			if (!text || !ops) {
				fail(path, "%s", ir_errmsg);
			} else {
				char *t = xrealloc(text, tl + 1), *o = xrealloc(ops, ol + 1);
				text = t;
				ops = o;
				text[tl] = ops[ol] = 0;
				char passes[256] = "";
				const char *p = strstr(text, "# passes: ");
				if (p)
					sscanf(p + 10, "%255s", passes);
				struct ir_graph *g = fuse_case(path, text, passes[0] ? passes : NULL, ops);
				if (g) {
					passed++;
					ir_graph_free(g);
				}
				cases++;
			}
			free(text);
			free(ops);
			free(path);
			free(ops_path);
		}
		free(ents[i]);
	}
	free(ents);
	if (!cases)
		fail(dir, "no NAME.ir.txt with NAME.ops in it");
}

int main(void)
{
	argv0 = "test_fuse_patterns";
	test_hard_sigmoid();
	test_hard_swish();
	test_silu();
	test_gelu();
	test_layer_norm();
	test_data_dir();
	printf("test_fuse_patterns: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
