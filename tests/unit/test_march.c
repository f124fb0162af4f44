/*
 * test_march: march files and node-info files (lib/march.c, lib/nodeinfo.c;
 * formats/march.md, formats/node-info.md).
 *
 * Loads the shipped marches by name and by path, and through BPU_MARCH_DIR;
 * checks that malformed march snippets (written to temp files) fail on the
 * right line with the right message; checks march_check_node on small text
 * IRs against bpu-s, bpu-l and the spec's worked example; parses node-info
 * files, their errors, lookups and the check against a graph.
 */
#include "ir.h"
#include "march.h"
#include "nodeinfo.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	if (ok) {
		passed++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "test_march: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failed++;
}

/* Writes text to a new temp file; returns its path (caller frees and unlinks). */
static char *temp_file(const char *text, const char *suffix)
{
	char *path = xasprintf("/tmp/test_march_XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0) {
		perror("mkstemps");
		exit(1);
	}
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n) {
		perror("write");
		exit(1);
	}
	close(fd);
	return path;
}

/* ---- loading ------------------------------------------------------------ */

static void test_shipped(void)
{
	struct march *s = march_load("bpu-s");
	check(s != NULL, "bpu-s loads: %s", ir_errmsg);
	struct march *l = march_load("bpu-l");
	check(l != NULL, "bpu-l loads: %s", ir_errmsg);
	if (!s || !l) {
		march_free(s);
		march_free(l);
		return;
	}
	check(strcmp(s->name, "bpu-s") == 0 && s->version == 1, "bpu-s name %s", s->name);
	check(s->mac_array == 512 && s->vector_lanes == 32 && s->sram_bytes == 512 * 1024 &&
	      s->ddr_bytes_per_cycle == 8 && s->clock_mhz == 1000 && s->dma_latency_cycles > 0,
	      "bpu-s parameters");
	check(s->dtypes == MARCH_DT_INT8, "bpu-s is int8 only");
	check(l->mac_array == 4096 && l->vector_lanes == 64 && l->sram_bytes == 4 << 20,
	      "bpu-l parameters");
	check(l->dtypes == (MARCH_DT_INT8 | MARCH_DT_INT16), "bpu-l has int16");
	check(s->text && s->len > 100 && strncmp(s->text, "# bpu-s", 7) == 0 &&
	      strlen(s->text) == s->len, "bpu-s keeps its bytes");
	check(strstr(s->path, "bpu-s.march") != NULL, "bpu-s path %s", s->path);

	/* The op lists of formats/march.md, "The shipped marches". */
	static const enum ir_op s_yes[] = {
		IR_OP_CONV, IR_OP_CONV_TRANSPOSE, IR_OP_ADD, IR_OP_SUB, IR_OP_MUL, IR_OP_DIV,
		IR_OP_RELU, IR_OP_CLIP, IR_OP_HARD_SWISH, IR_OP_HARD_SIGMOID, IR_OP_SIGMOID,
		IR_OP_MAX_POOL, IR_OP_AVERAGE_POOL, IR_OP_GLOBAL_AVERAGE_POOL, IR_OP_RESIZE,
		IR_OP_CONCAT, IR_OP_RESHAPE, IR_OP_TRANSPOSE, IR_OP_FLATTEN, IR_OP_SQUEEZE,
		IR_OP_UNSQUEEZE};
	static const enum ir_op s_no[] = {IR_OP_SOFTMAX, IR_OP_LAYER_NORM, IR_OP_MATMUL,
					  IR_OP_REDUCE_MEAN, IR_OP_GELU, IR_OP_SILU, IR_OP_GEMM,
					  IR_OP_QUANTIZE, IR_OP_DEQUANTIZE};
	static const enum ir_op l_more[] = {IR_OP_SOFTMAX, IR_OP_LAYER_NORM, IR_OP_GELU,
					    IR_OP_SILU, IR_OP_REDUCE_MEAN, IR_OP_MATMUL};
	for (size_t i = 0; i < sizeof s_yes / sizeof *s_yes; i++) {
		check(march_op_find(s, s_yes[i]) != NULL, "bpu-s has %s", ir_op_name(s_yes[i]));
		check(march_op_find(l, s_yes[i]) != NULL, "bpu-l has %s", ir_op_name(s_yes[i]));
	}
	for (size_t i = 0; i < sizeof s_no / sizeof *s_no; i++)
		check(march_op_find(s, s_no[i]) == NULL, "bpu-s lacks %s", ir_op_name(s_no[i]));
	for (size_t i = 0; i < sizeof l_more / sizeof *l_more; i++)
		check(march_op_find(l, l_more[i]) != NULL, "bpu-l has %s",
		      ir_op_name(l_more[i]));

	static const enum ir_op passive[] = {IR_OP_RESHAPE, IR_OP_TRANSPOSE, IR_OP_FLATTEN,
					     IR_OP_SQUEEZE, IR_OP_UNSQUEEZE};
	for (size_t i = 0; i < sizeof passive / sizeof *passive; i++)
		check(march_op_passive(s, passive[i]) && march_op_passive(l, passive[i]),
		      "%s passive", ir_op_name(passive[i]));
	check(!march_op_passive(s, IR_OP_CONV) && !march_op_passive(s, IR_OP_CONCAT) &&
	      !march_op_passive(s, IR_OP_SOFTMAX), "Conv, Concat, Softmax not passive");
	check(march_op_passive(l, IR_OP_SLICE) && !march_op_passive(s, IR_OP_SLICE),
	      "Slice passive on bpu-l only");
	check(!march_supports_int16(s, IR_OP_CONV) && !march_supports_int16(s, IR_OP_RESHAPE),
	      "bpu-s: no int16");
	check(march_supports_int16(l, IR_OP_CONV) && march_supports_int16(l, IR_OP_SOFTMAX) &&
	      !march_supports_int16(l, IR_OP_ARGMAX), "bpu-l int16");

	/* The same file by path gives the same march. */
	char *path = xasprintf("%s/bpu-l.march", march_dir());
	struct march *p = march_load(path);
	check(p && p->len == l->len && memcmp(p->text, l->text, l->len) == 0, "bpu-l by path");
	march_free(p);
	free(path);

	/* march_parse of the stored bytes (what a later stage does). */
	p = march_parse(s->text, s->len, "<ir>");
	check(p && strcmp(p->name, "bpu-s") == 0 && strcmp(p->path, "<ir>") == 0 &&
	      march_op_find(p, IR_OP_CONV) != NULL, "march_parse of stored bytes");
	march_free(p);

	march_free(s);
	march_free(l);
}

static void test_names(void)
{
	struct march *m = march_load("bpu-m");
	check(!m && strcmp(ir_errmsg, "unknown march \"bpu-m\" (available: bpu-l, bpu-s)") == 0,
	      "unknown march: %s", ir_errmsg);
	m = march_load("");
	check(!m && strstr(ir_errmsg, "no march given"), "empty name: %s", ir_errmsg);
	m = march_load("/nonexistent/x.march");
	check(!m && strstr(ir_errmsg, "/nonexistent/x.march") != NULL, "missing path: %s",
	      ir_errmsg);

	/* BPU_MARCH_DIR */
	char dir[] = "/tmp/test_march_dir_XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	char *good = xasprintf("%s/tiny.march", dir), *bad = xasprintf("%s/other.march", dir);
	const char *body = "\nversion 1\nmac_array 64\nvector_lanes 8\nsram_bytes 65536\n"
			   "ddr_bytes_per_cycle 4\ndma_latency_cycles 50\nclock_mhz 500\n"
			   "dtypes int8\nop Relu\n";
	FILE *f = fopen(good, "w");
	fprintf(f, "march tiny%s", body);
	fclose(f);
	f = fopen(bad, "w");
	fprintf(f, "# named wrongly\nmarch tiny%s", body);
	fclose(f);
	char *old = getenv("BPU_MARCH_DIR") ? xstrdup(getenv("BPU_MARCH_DIR")) : NULL;
	setenv("BPU_MARCH_DIR", dir, 1);
	m = march_load("tiny");
	check(m && strcmp(m->name, "tiny") == 0 && march_op_find(m, IR_OP_RELU),
	      "BPU_MARCH_DIR: %s", m ? "" : ir_errmsg);
	march_free(m);
	m = march_load("bpu-s");
	check(!m && strcmp(ir_errmsg, "unknown march \"bpu-s\" (available: other, tiny)") == 0,
	      "BPU_MARCH_DIR list: %s", ir_errmsg);
	m = march_load("other");
	char *want = xasprintf("%s:2: the file declares march \"tiny\" but is named other.march",
			       bad);
	check(!m && strcmp(ir_errmsg, want) == 0, "name mismatch: %s", ir_errmsg);
	free(want);
	if (old)
		setenv("BPU_MARCH_DIR", old, 1);
	else
		unsetenv("BPU_MARCH_DIR");
	free(old);
	unlink(good);
	unlink(bad);
	rmdir(dir);
	free(good);
	free(bad);
}

/* ---- malformed march files ---------------------------------------------- */

#define HDR "march t\nversion 1\nmac_array 64\nvector_lanes 8\nsram_bytes 65536\n" \
	    "ddr_bytes_per_cycle 4\ndma_latency_cycles 50\nclock_mhz 500\ndtypes int8\n"
/* HDR is 9 lines: the first op line is line 10. */

static void expect_bad(const char *text, int line, const char *sub)
{
	char *path = temp_file(text, ".march");
	struct march *m = march_load(path);
	char *prefix = xasprintf("%s:%d: ", path, line);
	check(!m && strncmp(ir_errmsg, prefix, strlen(prefix)) == 0 && strstr(ir_errmsg, sub),
	      "want %s...%s, got %s", prefix, sub, m ? "success" : ir_errmsg);
	march_free(m);
	unlink(path);
	free(path);
	free(prefix);
}

static void test_malformed(void)
{
	/* The header. */
	expect_bad("", 1, "missing header");
	expect_bad("# only a comment\n\n", 2, "missing header");
	expect_bad("version 1\nmarch t\n", 1, "missing header: the first line must be \"march NAME\"");
	expect_bad("march\n", 1, "missing header");
	expect_bad("march t/u\n", 1, "bad march name");
	expect_bad("march t\nmac_array 5\n", 2, "missing version");
	expect_bad("march t\n", 1, "missing version");
	expect_bad("march t\nversion 2\n", 2, "march version 2 is not supported");
	expect_bad(HDR "march u\n", 10, "march given twice (first on line 1)");
	/* Parameters. */
	expect_bad(HDR "mac_arrays 5\n", 10, "unknown parameter \"mac_arrays\"");
	expect_bad(HDR "mac_array 5\n", 10, "mac_array given twice (first on line 3)");
	expect_bad("march t\nversion 1\nmac_array 0\n", 3, "mac_array must be a positive integer");
	expect_bad("march t\nversion 1\nmac_array 1k\n", 3, "mac_array must be a positive integer");
	expect_bad("march t\nversion 1\nmac_array 1 2\n", 3, "mac_array takes one value, found 2");
	expect_bad("march t\nversion 1\ndtypes int16\n", 3, "must include int8");
	expect_bad("march t\nversion 1\ndtypes int8,int4\n", 3, "bad item \"int4\"");
	expect_bad("march t\nversion 1\nmac_array 64\n# end\n", 4, "missing parameter vector_lanes");
	/* Op lines. */
	expect_bad(HDR "op\n", 10, "\"op\" needs an operator name");
	expect_bad(HDR "op Convolution\n", 10, "unknown operator \"Convolution\"");
	expect_bad(HDR "op Relu\n\nop Relu rank=4\n", 12, "op Relu given twice (first on line 10)");
	expect_bad(HDR "op Conv kernal=3\n", 10,
		   "unknown limit \"kernal\" for op Conv (its limits are rank, channels, kernel");
	expect_bad(HDR "op Add kernel=3\n", 10, "limit kernel does not apply to op Add");
	expect_bad(HDR "op Relu axis=1\n", 10, "limit axis does not apply to op Relu");
	expect_bad(HDR "op Conv kernel=7..1\n", 10, "kernel=7..1: empty range (7 > 1)");
	expect_bad(HDR "op Conv kernel=1..x\n", 10, "bad range \"1..x\"");
	expect_bad(HDR "op Conv kernel=1,,3\n", 10, "an empty item");
	expect_bad(HDR "op Conv kernel=\n", 10, "kernel= has no value");
	expect_bad(HDR "op Conv kernel=3 kernel=5\n", 10, "limit kernel given twice");
	expect_bad(HDR "op Conv stride=0..2\n", 10, "stride must be >= 1");
	expect_bad(HDR "op Conv rank=9\n", 10, "rank must be within 0..8");
	expect_bad(HDR "op Conv group=1,dw\n", 10, "bad item \"dw\"");
	expect_bad(HDR "op Conv kernel=huge\n", 10, "bad item \"huge\"");
	expect_bad(HDR "op Add broadcast=partial\n", 10,
		   "bad item \"partial\" (expected none, scalar, channel, full)");
	expect_bad(HDR "op Add broadcast=1\n", 10, "bad item \"1\"");
	expect_bad(HDR "op Resize coord=half\n", 10, "bad item \"half\"");
	expect_bad(HDR "op Concat axis=-1..1\n", 10, "must not mix negative");
	expect_bad(HDR "op Reshape passive\n", 10, "expected LIMIT=VALUE, found \"passive\"");
	expect_bad(HDR "op Reshape passive=maybe\n", 10, "passive=maybe: expected yes or no");
	expect_bad(HDR "# c\nop Conv int16=yes\n", 11,
		   "op Conv has int16=yes but the march's dtypes (line 9) lack int16");
	expect_bad(HDR "op Conv rank=4\x01\n", 10, "control character 0x01");

	/* Good: comments, CRLF, any order after version, ranges and lists. */
	const char *ok = "# a comment\r\nmarch t   # trailing\r\nversion 1\r\n"
			 "op Conv kernel=1,3,5..7 group=2..4,depthwise axis=1\r\n"
			 "dtypes int8,int16\nmac_array 64\nvector_lanes 8\nsram_bytes 65536\n"
			 "ddr_bytes_per_cycle 4\ndma_latency_cycles 50\nclock_mhz 500\n";
	/* (axis does not apply to Conv: fix that line and it loads) */
	expect_bad(ok, 4, "limit axis does not apply to op Conv");
	char *fixed = xstrdup(ok);
	memcpy(strstr(fixed, " axis=1"), "       ", 7);
	char *path = temp_file(fixed, ".march");
	struct march *m = march_load(path);
	check(m != NULL, "good snippet: %s", m ? "" : ir_errmsg);
	if (m) {
		const struct march_op *o = march_op_find(m, IR_OP_CONV);
		check(o && o->line == 4 && o->kernel.n == 3 && o->kernel.lo[2] == 5 &&
		      o->kernel.hi[2] == 7 && o->group.n == 1 &&
		      o->group_forms == MARCH_GROUP_DEPTHWISE &&
		      strcmp(o->text[MARCH_LIM_KERNEL], "1,3,5..7") == 0, "good snippet limits");
		check(m->dtypes == (MARCH_DT_INT8 | MARCH_DT_INT16), "dtypes list");
	}
	march_free(m);
	unlink(path);
	free(path);
	free(fixed);
}

/* ---- march_check_node --------------------------------------------------- */

/* "[0.0, 0.0, ...]" with n values. */
static char *zeros(int n)
{
	size_t cap = (size_t)n * 5 + 4, k = 0;
	char *s = xmalloc(cap);
	s[k++] = '[';
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, cap - k, "%s0.0", i ? ", " : "");
	s[k++] = ']';
	s[k] = 0;
	return s;
}

static struct ir_graph *parse_ir(const char *text)
{
	struct ir_graph *g = ir_read_mem(text, strlen(text), "t.ir");
	check(g != NULL, "test IR parses: %s\n%s", g ? "" : ir_errmsg, text);
	return g;
}

/* Node `node` of the IR text: BPU-capable on m, or rejected with reason want. */
static void expect_node(const struct march *m, const char *text, const char *node,
			const char *want)
{
	struct ir_graph *g = parse_ir(text);
	if (!g)
		return;
	const struct ir_node *n = ir_node_find(g, node);
	char why[128] = "unset";
	int ok = march_check_node(m, g, n, why, sizeof why);
	if (!want)
		check(ok == 1 && why[0] == 0, "%s: %s should be BPU-capable, got \"%s\"", m->name,
		      node, why);
	else
		check(ok == 0 && strcmp(why, want) == 0, "%s: %s: want \"%s\", got %s\"%s\"",
		      m->name, node, want, ok ? "capable " : "", why);
	ir_graph_free(g);
}

/* A Conv of x: f32[1,cin,h,w] by a constant w: f32[cout,cin/group,k,k]. */
static char *conv_ir(int cin, int hw, int cout, int group, int k, int stride, int pad)
{
	int out = (hw + 2 * pad - k) / stride + 1;
	char *z = zeros(cout * (cin / group) * k * k);
	char *s = xasprintf("ir 1.0\ninput x: f32[1,%d,%d,%d]\nconst w: f32[%d,%d,%d,%d] = %s\n"
			    "node c Conv(x, w) -> (y: f32[1,%d,%d,%d]) dilations=[1,1] group=%d "
			    "kernel_shape=[%d,%d] pads=[%d,%d,%d,%d] strides=[%d,%d]\noutput y\n",
			    cin, hw, hw, cout, cin / group, k, k, z, cout, out, out, group, k, k,
			    pad, pad, pad, pad, stride, stride);
	free(z);
	return s;
}

static void expect_conv(const struct march *m, int cin, int hw, int cout, int group, int k,
			int stride, int pad, const char *want)
{
	char *s = conv_ir(cin, hw, cout, group, k, stride, pad);
	expect_node(m, s, "c", want);
	free(s);
}

static char *resize_ir(const char *mode, const char *coord, double sc, int in, int out)
{
	return xasprintf("ir 1.0\ninput x: f32[1,3,%d,%d]\n"
			 "node r Resize(x) -> (y: f32[1,3,%d,%d]) coordinate_transformation_mode=\"%s\" "
			 "mode=\"%s\" nearest_mode=\"floor\" scales=[1.0,1.0,%.17g,%.17g] "
			 "sizes=[1,3,%d,%d]\noutput y\n",
			 in, in, out, out, coord, mode, sc, sc, out, out);
}

static void expect_resize(const struct march *m, const char *mode, const char *coord,
			  double sc, int in, int out, const char *want)
{
	char *s = resize_ir(mode, coord, sc, in, out);
	expect_node(m, s, "r", want);
	free(s);
}

static void test_check_bpu_s(const struct march *s)
{
	/* Conv */
	expect_conv(s, 8, 8, 16, 1, 3, 1, 1, NULL);
	expect_conv(s, 8, 8, 16, 1, 7, 2, 3, NULL);
	expect_conv(s, 8, 8, 8, 8, 5, 2, 2, NULL);                 /* depthwise */
	expect_conv(s, 8, 16, 4, 1, 9, 1, 0, "kernel 9x9 > 7");
	expect_conv(s, 8, 9, 4, 1, 3, 3, 0, "stride 3 > 2");
	expect_conv(s, 8, 8, 8, 4, 3, 1, 1, "group 4 not depthwise");
	expect_conv(s, 4, 8, 4, 1, 3, 1, 4, "pad 4 > 3");
	expect_conv(s, 4096, 1, 4096, 4096, 1, 1, 0, "channels 4096 > 2048");
	expect_node(s,
		    "ir 1.0\ninput x: f32[1,1,2,2,2]\nconst w: f32[1,1,1,1,1] = [1.0]\n"
		    "node c Conv(x, w) -> (y: f32[1,1,2,2,2]) dilations=[1,1,1] group=1 "
		    "kernel_shape=[1,1,1] pads=[0,0,0,0,0,0] strides=[1,1,1]\noutput y\n",
		    "c", "rank 5 > 4");
	expect_node(s,
		    "ir 1.0\ninput x: f32[1,2,4,4]\ninput w: f32[2,2,1,1]\n"
		    "node c Conv(x, w) -> (y: f32[1,2,4,4]) dilations=[1,1] group=1 "
		    "kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\noutput y\n",
		    "c", "weight w not a constant");
	char *z = zeros(2 * 2 * 3 * 3);
	char *t = xasprintf("ir 1.0\ninput x: f32[1,2,8,8]\nconst w: f32[2,2,3,3] = %s\n"
			    "node c Conv(x, w) -> (y: f32[1,2,8,8]) dilations=[3,3] group=1 "
			    "kernel_shape=[3,3] pads=[3,3,3,3] strides=[1,1]\noutput y\n", z);
	expect_node(s, t, "c", "dilation 3 > 2");
	free(t);
	free(z);
	/* ConvTranspose: kernel = stride <= 4 */
	z = zeros(4 * 2 * 2 * 2);
	t = xasprintf("ir 1.0\ninput x: f32[1,4,8,8]\nconst w: f32[4,2,2,2] = %s\n"
			    "node ct ConvTranspose(x, w) -> (y: f32[1,2,16,16]) dilations=[1,1] "
			    "group=1 kernel_shape=[2,2] output_padding=[0,0] pads=[0,0,0,0] "
			    "strides=[2,2]\noutput y\n", z);
	expect_node(s, t, "ct", NULL);
	free(t);
	free(z);
	z = zeros(4 * 2 * 3 * 3);
	t = xasprintf("ir 1.0\ninput x: f32[1,4,8,8]\nconst w: f32[4,2,3,3] = %s\n"
		      "node ct ConvTranspose(x, w) -> (y: f32[1,2,17,17]) dilations=[1,1] "
		      "group=1 kernel_shape=[3,3] output_padding=[0,0] pads=[0,0,0,0] "
		      "strides=[2,2]\noutput y\n", z);
	expect_node(s, t, "ct", "kernel 3x3 != stride 2x2");
	free(t);
	free(z);

	/* Elementwise broadcast forms */
	const char *add = "ir 1.0\ninput x: f32[1,3,5,5]\ninput y: f32[1,3,5,5]\n"
			  "const c: f32[1,3,1,1] = [1.0, 2.0, 3.0]\nconst k: f32[] = [2.0]\n"
			  "const g5: f32[5] = [1.0, 1.0, 1.0, 1.0, 1.0]\ninput s: f32[1,1,5,5]\n"
			  "node a1 Add(x, y) -> (o1: f32[1,3,5,5])\n"
			  "node a2 Add(x, c) -> (o2: f32[1,3,5,5])\n"
			  "node a3 Mul(k, x) -> (o3: f32[1,3,5,5])\n"
			  "node a4 Add(x, s) -> (o4: f32[1,3,5,5])\n"
			  "node a5 Sub(c, s) -> (o5: f32[1,3,5,5])\n"
			  "node d1 Div(x, k) -> (o6: f32[1,3,5,5])\n"
			  "node d2 Div(x, y) -> (o7: f32[1,3,5,5])\n"
			  "node sm Softmax(x) -> (o8: f32[1,3,5,5]) axis=1\n"
			  "node ln LayerNormalization(x, g5) -> (o9: f32[1,3,5,5]) axis=-1 epsilon=1e-05\n"
			  "output o1\noutput o2\noutput o3\noutput o4\noutput o5\noutput o6\n"
			  "output o7\noutput o8\noutput o9\n";
	expect_node(s, add, "a1", NULL);
	expect_node(s, add, "a2", NULL);
	expect_node(s, add, "a3", NULL);
	expect_node(s, add, "a4", "broadcast [1,1,5,5] not allowed");
	expect_node(s, add, "a5", "broadcast [1,3,1,1] and [1,1,5,5] not allowed");
	expect_node(s, add, "d1", NULL);
	expect_node(s, add, "d2", "input y not a constant");
	expect_node(s, add, "sm", "op Softmax not in march bpu-s");
	expect_node(s, add, "ln", "op LayerNormalization not in march bpu-s");

	/* Resize */
	expect_resize(s, "nearest", "asymmetric", 2, 5, 10, NULL);
	expect_resize(s, "linear", "half_pixel", 4, 5, 20, NULL);
	expect_resize(s, "nearest", "asymmetric", 8, 5, 40, NULL);
	expect_resize(s, "nearest", "asymmetric", 1.5, 4, 6, "resize scale 1.5 not an integer");
	expect_resize(s, "nearest", "asymmetric", 0.5, 4, 2, "resize scale 0.5 not an integer");
	expect_resize(s, "nearest", "asymmetric", 3, 4, 12, "resize scale 3 not in 2,4,8");
	expect_resize(s, "cubic", "asymmetric", 2, 4, 8, "resize mode cubic not allowed");
	expect_resize(s, "nearest", "tf_half_pixel_for_nn", 2, 4, 8,
		      "resize coord tf_half_pixel_for_nn not allowed");

	/* Concat, pools, passive ops, LUTs, dtypes */
	const char *misc = "ir 1.0\ninput x: f32[1,3,4,4]\ninput y: f32[1,3,4,4]\n"
			   "input i: i32[1,3,4,4]\n"
			   "node c1 Concat(x, y) -> (o1: f32[1,6,4,4]) axis=1\n"
			   "node c2 Concat(x, y) -> (o2: f32[1,3,8,4]) axis=2\n"
			   "node c3 Concat(x, y, x, y, x, y, x, y, x) -> (o3: f32[1,27,4,4]) axis=1\n"
			   "node p1 MaxPool(x) -> (o4: f32[1,3,2,2]) ceil_mode=0 dilations=[1,1] "
			   "kernel_shape=[2,2] pads=[0,0,0,0] strides=[2,2]\n"
			   "node p2 GlobalAveragePool(x) -> (o5: f32[1,3,1,1])\n"
			   "node r1 Reshape(o5) -> (o6: f32[1,3]) allowzero=0 shape=[1,3]\n"
			   "node h1 HardSwish(x) -> (o7: f32[1,3,4,4])\n"
			   "node q1 Relu(i) -> (o8: i32[1,3,4,4])\n"
			   "node g1 GELU(x) -> (o9: f32[1,3,4,4])\n"
			   "output o1\noutput o2\noutput o3\noutput o4\noutput o6\noutput o7\n"
			   "output o8\noutput o9\n";
	expect_node(s, misc, "c1", NULL);
	expect_node(s, misc, "c2", "axis 2 not in 1");
	expect_node(s, misc, "c3", "inputs 9 > 8");
	expect_node(s, misc, "p1", NULL);
	expect_node(s, misc, "p2", NULL);
	expect_node(s, misc, "r1", NULL);
	expect_node(s, misc, "h1", NULL);
	expect_node(s, misc, "q1", "input i is i32, not float");
	expect_node(s, misc, "g1", "op GELU not in march bpu-s");
}

static void test_check_bpu_l(const struct march *l)
{
	expect_conv(l, 8, 16, 4, 1, 9, 1, 0, NULL);
	expect_conv(l, 8, 8, 8, 4, 3, 1, 1, NULL);                 /* grouped */
	expect_conv(l, 8, 20, 4, 1, 3, 5, 0, "stride 5 > 4");
	const char *x = "ir 1.0\ninput x: f32[1,3,5,5]\ninput y: f32[1,3,5,5]\n"
			"input s: f32[1,1,5,5]\nconst c: f32[5] = [1.0, 1.0, 1.0, 1.0, 1.0]\n"
			"input a: f32[1,4,8]\ninput b: f32[1,8,6]\n"
			"node a4 Add(x, s) -> (o1: f32[1,3,5,5])\n"
			"node d2 Div(x, y) -> (o2: f32[1,3,5,5])\n"
			"node sm Softmax(x) -> (o3: f32[1,3,5,5]) axis=-1\n"
			"node s2 Softmax(x) -> (o4: f32[1,3,5,5]) axis=2\n"
			"node ln LayerNormalization(x, c) -> (o5: f32[1,3,5,5]) axis=-1 epsilon=1e-05\n"
			"node mm MatMul(a, b) -> (o6: f32[1,4,6])\n"
			"node rm ReduceMean(x) -> (o7: f32[1,3,1,1]) axes=[2,3] keepdims=1\n"
			"node r0 ReduceMean(x) -> (o8: f32[1,3,5,5]) axes=[0] keepdims=1\n"
			"output o1\noutput o2\noutput o3\noutput o4\noutput o5\noutput o6\n"
			"output o7\noutput o8\n";
	expect_node(l, x, "a4", NULL);
	expect_node(l, x, "d2", NULL);
	expect_node(l, x, "sm", NULL);
	expect_node(l, x, "s2", "axis 2 not in 1,-1");
	expect_node(l, x, "ln", NULL);
	expect_node(l, x, "mm", NULL);
	expect_node(l, x, "rm", NULL);
	expect_node(l, x, "r0", "axis 0 not in 1..3");
	expect_resize(l, "nearest", "asymmetric", 3, 4, 12, NULL);
	expect_resize(l, "nearest", "asymmetric", 16, 2, 32, "resize scale 16 > 8");
}

/* The worked example of formats/march.md. */
static void test_worked_example(void)
{
	const char *text = "# tiny.march: a made-up 64-MAC BPU\nmarch tiny\nversion 1\n\n"
			   "mac_array 64                 # int8 MACs per cycle\nvector_lanes 8\n"
			   "sram_bytes 65536             # 64 KiB\nddr_bytes_per_cycle 4\n"
			   "dma_latency_cycles 50\nclock_mhz 500\ndtypes int8\n\n"
			   "op Conv rank=4 kernel=1,3 stride=1..2 dilation=1 pad=0..1 "
			   "group=1,depthwise channels=1..256\n"
			   "op Add rank=4 broadcast=none,channel\nop Relu\n"
			   "op Reshape passive=yes rank=1..4\n"
			   "op Resize rank=4 mode=nearest coord=asymmetric scale=2\n";
	struct march *m = march_parse(text, strlen(text), "tiny.march");
	check(m != NULL, "worked example parses: %s", m ? "" : ir_errmsg);
	if (!m)
		return;
	expect_conv(m, 8, 16, 16, 1, 3, 1, 1, NULL);
	expect_conv(m, 8, 16, 16, 1, 5, 1, 1, "kernel 5x5 not in 1,3");
	expect_conv(m, 8, 16, 8, 8, 3, 1, 1, NULL);
	expect_conv(m, 8, 16, 8, 4, 3, 1, 1, "group 4 not depthwise");
	const char *ir = "ir 1.0\ninput x: f32[1,8,16,16]\n"
			 "const b: f32[1,8,1,1] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]\n"
			 "const one: f32[] = [1.0]\n"
			 "node a1 Add(x, b) -> (o1: f32[1,8,16,16])\n"
			 "node a2 Add(x, one) -> (o2: f32[1,8,16,16])\n"
			 "node r1 Relu(x) -> (o3: f32[1,8,16,16])\n"
			 "node s1 Sigmoid(x) -> (o4: f32[1,8,16,16])\n"
			 "output o1\noutput o2\noutput o3\noutput o4\n";
	expect_node(m, ir, "a1", NULL);
	expect_node(m, ir, "a2", "broadcast [] not allowed");
	expect_node(m, ir, "r1", NULL);
	expect_node(m, ir, "s1", "op Sigmoid not in march tiny");
	expect_resize(m, "nearest", "asymmetric", 2, 16, 32, NULL);
	expect_resize(m, "nearest", "asymmetric", 1.5, 16, 24, "resize scale 1.5 not an integer");
	check(march_op_passive(m, IR_OP_RESHAPE) && !march_supports_int16(m, IR_OP_CONV),
	      "worked example flags");
	march_free(m);
}

/* ---- node-info ---------------------------------------------------------- */

static void expect_ni_bad(const char *text, int line, const char *sub)
{
	struct nodeinfo *ni = nodeinfo_parse(text, strlen(text), "x.nodeinfo");
	char *prefix = xasprintf("x.nodeinfo:%d: ", line);
	check(!ni && strncmp(ir_errmsg, prefix, strlen(prefix)) == 0 && strstr(ir_errmsg, sub),
	      "node-info: want %s...%s, got %s", prefix, sub, ni ? "success" : ir_errmsg);
	nodeinfo_free(ni);
	free(prefix);
}

static void test_nodeinfo(void)
{
	/* The worked example of formats/node-info.md. */
	const char *ex = "# det.nodeinfo: overrides for ch_PP-OCRv4_det (formats/node-info.md)\n"
			 "\n"
			 "# The final Sigmoid is a tail op, which ir-partition sends to the CPU;\n"
			 "# run it on the BPU as well (faster, less accurate).\n"
			 "p2o.Sigmoid.0 run_on=bpu\n"
			 "\n"
			 "# Keep the upsampling path in int16 (needs bpu-l).\n"
			 "op:Resize dtype=int16\n"
			 "\n"
			 "# Quoted: a name with a blank, and a node named like an op entry.\n"
			 "\"backbone conv 1\" run_on=cpu\n"
			 "\"op:Conv\" dtype=int8\n";
	char *path = temp_file(ex, ".nodeinfo");
	struct nodeinfo *ni = nodeinfo_load(path);
	check(ni && ni->n == 4, "node-info example loads: %s", ni ? "" : ir_errmsg);
	unlink(path);
	free(path);
	if (!ni)
		return;
	check(strcmp(ni->e[0].name, "p2o.Sigmoid.0") == 0 && ni->e[0].line == 5 &&
	      !ni->e[1].name && ni->e[1].op == IR_OP_RESIZE &&
	      strcmp(ni->e[2].name, "backbone conv 1") == 0 &&
	      strcmp(ni->e[3].name, "op:Conv") == 0 && ni->e[3].op == IR_OP_INVALID,
	      "node-info entries");

	const char *ir = "ir 1.0\ninput x: f32[1,3,4,4]\n"
			 "node \"backbone conv 1\" Relu(x) -> (a: f32[1,3,4,4])\n"
			 "node \"op:Conv\" Relu(a) -> (b: f32[1,3,4,4])\n"
			 "node p2o.Resize.0 Resize(b) -> (c: f32[1,3,8,8]) "
			 "coordinate_transformation_mode=\"asymmetric\" mode=\"nearest\" "
			 "nearest_mode=\"floor\" scales=[1.0,1.0,2.0,2.0] sizes=[1,3,8,8]\n"
			 "node p2o.Sigmoid.0 Sigmoid(c) -> (d: f32[1,3,8,8])\n"
			 "node other Relu(d) -> (e: f32[1,3,8,8])\noutput e\n";
	struct ir_graph *g = parse_ir(ir);
	if (g) {
		check(nodeinfo_check(ni, g) == 0, "node-info check: %s", ir_errmsg);
		const char *r, *d;
		int line;
		check(nodeinfo_lookup(ni, ir_node_find(g, "p2o.Resize.0"), &r, &d, &line) == 1 &&
		      !r && strcmp(d, "int16") == 0 && line == 8, "lookup by op");
		check(nodeinfo_lookup(ni, ir_node_find(g, "p2o.Sigmoid.0"), &r, &d, &line) == 1 &&
		      strcmp(r, "bpu") == 0 && !d && line == 5, "lookup by name");
		check(nodeinfo_lookup(ni, ir_node_find(g, "op:Conv"), &r, &d, &line) == 1 &&
		      !r && strcmp(d, "int8") == 0 && line == 12, "lookup of a quoted op: name");
		check(nodeinfo_lookup(ni, ir_node_find(g, "other"), &r, &d, &line) == 0 && !r &&
		      !d && line == 0, "lookup of a node with no entry");
		check(nodeinfo_lookup(ni, ir_node_find(g, "other"), NULL, NULL, NULL) == 0,
		      "lookup with NULL outputs");
	}
	nodeinfo_free(ni);

	/* Precedence per key: a node entry over an op: entry. */
	const char *prec = "op:Relu run_on=cpu\nop:Sigmoid run_on=bpu dtype=int16\n"
			   "other run_on=bpu\np2o.Sigmoid.0 run_on=bpu dtype=int8\n"
			   "\"backbone conv 1\" dtype=int8\n";
	ni = nodeinfo_parse(prec, strlen(prec), "p.nodeinfo");
	check(ni != NULL, "precedence file: %s", ni ? "" : ir_errmsg);
	if (ni && g) {
		const char *r, *d;
		int line;
		nodeinfo_lookup(ni, ir_node_find(g, "other"), &r, &d, &line);
		check(strcmp(r, "bpu") == 0 && !d && line == 3, "node run_on over op run_on");
		nodeinfo_lookup(ni, ir_node_find(g, "op:Conv"), &r, &d, &line);
		check(strcmp(r, "cpu") == 0 && !d && line == 1, "op entry alone");
		nodeinfo_lookup(ni, ir_node_find(g, "p2o.Sigmoid.0"), &r, &d, &line);
		check(strcmp(r, "bpu") == 0 && strcmp(d, "int8") == 0 && line == 4,
		      "node dtype over op dtype");
		nodeinfo_lookup(ni, ir_node_find(g, "backbone conv 1"), &r, &d, &line);
		check(strcmp(r, "cpu") == 0 && strcmp(d, "int8") == 0 && line == 5,
		      "keys merge: node dtype, op run_on");
	}
	nodeinfo_free(ni);

	/* nodeinfo_check failures. */
	if (g) {
		const char *t1 = "other run_on=bpu\n\nconv_9 run_on=cpu\n";
		ni = nodeinfo_parse(t1, strlen(t1), "c.nodeinfo");
		check(ni && nodeinfo_check(ni, g) < 0 &&
		      strcmp(ir_errmsg, "c.nodeinfo:3: no node named \"conv_9\" in the graph") == 0,
		      "check: missing node: %s", ir_errmsg);
		nodeinfo_free(ni);
		const char *t2 = "op:Relu run_on=cpu\nop:Softmax run_on=cpu\n";
		ni = nodeinfo_parse(t2, strlen(t2), "c.nodeinfo");
		check(ni && nodeinfo_check(ni, g) < 0 &&
		      strcmp(ir_errmsg, "c.nodeinfo:2: no node of op \"Softmax\" in the graph") == 0,
		      "check: missing op: %s", ir_errmsg);
		nodeinfo_free(ni);
		ir_graph_free(g);
	}

	/* An empty file is fine. */
	ni = nodeinfo_parse("# nothing\n\n", 11, "e.nodeinfo");
	check(ni && ni->n == 0, "empty node-info");
	nodeinfo_free(ni);

	/* Parse errors. */
	expect_ni_bad("run_on=bpu\n", 1, "missing node name");
	expect_ni_bad("# c\n  dtype=int8 # x\n", 2, "missing node name");
	expect_ni_bad("conv1 runon=bpu\n", 1, "unknown key \"runon\" (the keys are run_on and dtype)");
	expect_ni_bad("conv1 run_on=gpu\n", 1, "run_on=gpu: expected bpu or cpu");
	expect_ni_bad("conv1 dtype=int4\n", 1, "dtype=int4: expected int8 or int16");
	expect_ni_bad("conv1 run_on=bpu run_on=cpu\n", 1, "run_on given twice");
	expect_ni_bad("conv1\n", 1, "entry for node \"conv1\" sets nothing");
	expect_ni_bad("conv1 # run_on=bpu\n", 1, "sets nothing");
	expect_ni_bad("conv1 bpu\n", 1, "expected KEY=VALUE after the name, found \"bpu\"");
	expect_ni_bad("op:Conf run_on=cpu\n", 1, "unknown op \"Conf\" in op:Conf");
	expect_ni_bad("op: run_on=cpu\n", 1, "op: needs an operator name");
	expect_ni_bad("conv1 run_on=bpu\nconv1 run_on=cpu\n", 2,
		      "duplicate entry for node \"conv1\" (first on line 1)");
	expect_ni_bad("op:Conv run_on=bpu\n\nop:Conv dtype=int8\n", 3,
		      "duplicate entry for op:Conv (first on line 1)");
	expect_ni_bad("\"a b\" run_on=bpu\n\"a\\x20b\" run_on=cpu\n", 2,
		      "duplicate entry for node \"a b\"");
	expect_ni_bad("conv1 run_on=cpu dtype=int16\n", 1, "run_on=cpu with dtype=int16");
	expect_ni_bad("\"conv1 run_on=bpu\n", 1, "not closed");
	expect_ni_bad("\"c\\q\" run_on=bpu\n", 1, "unknown escape");
	expect_ni_bad("conv-1 run_on=bpu\n", 1, "bad node name \"conv-1\"");
	expect_ni_bad("conv1: run_on=bpu\n", 1, "a bare name never ends in ':'");
	expect_ni_bad("_ run_on=bpu\n", 1, "a node named _ is written \"_\"");
	expect_ni_bad("ok run_on=bpu\r\nbad\x01 run_on=bpu\r\n", 2, "control character 0x01");

	ni = nodeinfo_load("/nonexistent/x.nodeinfo");
	check(!ni && strstr(ir_errmsg, "/nonexistent/x.nodeinfo"), "missing node-info file");
}

int main(void)
{
	test_shipped();
	test_names();
	test_malformed();
	struct march *s = march_load("bpu-s"), *l = march_load("bpu-l");
	if (s && l) {
		test_check_bpu_s(s);
		test_check_bpu_l(l);
	}
	march_free(s);
	march_free(l);
	test_worked_example();
	test_nodeinfo();
	printf("test_march: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
