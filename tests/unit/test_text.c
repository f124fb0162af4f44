/*
 * test_text: the IR text form (lib/ir_text.c, formats/ir.md "Text form").
 *
 * Builds graphs in memory with every attribute kind, every constant dtype,
 * names that need quoting, absent inputs and outputs, quant parameters and
 * node annotations; prints them, parses the text back, prints again and
 * compares byte for byte (also through the binary stream). Checks the
 * printed form of the spec's example, f16/bf16 rounding, elision, and that
 * every parse error names the right line.
 */
#include "ir.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
	fprintf(stderr, "test_text: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failed++;
}

/* The text of g (caller frees). */
static char *print(const struct ir_graph *g, int flags)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	if (ir_text_write(g, f, flags) < 0)
		check(0, "ir_text_write failed");
	fclose(f);
	return buf;
}

static void report_diff(const char *a, const char *b)
{
	size_t i = 0;
	while (a[i] && a[i] == b[i])
		i++;
	size_t s = i > 60 ? i - 60 : 0;
	fprintf(stderr, "  first difference at byte %zu:\n  a: ...%.120s\n  b: ...%.120s\n", i,
		a + s, b + s);
}

/* print -> parse -> print is a fixed point, and so is print -> binary ->
 * read -> print. Returns the first text (caller frees). */
static char *roundtrip(const char *label, const struct ir_graph *g, int flags)
{
	char *t1 = print(g, flags);
	struct ir_graph *g2 = ir_text_parse(t1, strlen(t1), label);
	check(g2 != NULL, "%s: the printed text does not parse: %s", label, ir_errmsg);
	if (!g2) {
		fprintf(stderr, "%s\n", t1);
		return t1;
	}
	char *t2 = print(g2, flags);
	check(strcmp(t1, t2) == 0, "%s: print(parse(print(g))) differs from print(g)", label);
	if (strcmp(t1, t2) != 0)
		report_diff(t1, t2);

	char *bin;
	size_t blen;
	FILE *f = open_memstream(&bin, &blen);
	check(ir_write(g2, f) == 0, "%s: ir_write failed", label);
	fclose(f);
	struct ir_graph *g3 = ir_read_mem_unverified(bin, blen, label);
	check(g3 != NULL, "%s: the binary stream does not read back: %s", label, ir_errmsg);
	if (g3) {
		char *t3 = print(g3, flags);
		check(strcmp(t1, t3) == 0, "%s: text -> binary -> text differs", label);
		if (strcmp(t1, t3) != 0)
			report_diff(t1, t3);
		free(t3);
		ir_graph_free(g3);
	}
	free(bin);
	free(t2);
	ir_graph_free(g2);
	return t1;
}

static int add_const(struct ir_graph *g, const char *name, enum ir_dtype dt, int rank,
		     const int64_t *dims, const void *values)
{
	struct ir_tensor tmp = {.dtype = dt, .rank = rank};
	for (int i = 0; i < rank; i++)
		tmp.dims[i] = dims[i];
	size_t nb = ir_tensor_nbytes(&tmp);
	void *data = xmalloc(nb ? nb : 1);
	memcpy(data, values, nb);
	return ir_const_add(g, name, dt, rank, dims, data);
}

static struct ir_quant *make_quant(enum ir_dtype dt, int n, const float *scale,
				   const int32_t *zp, int axis, const char *method)
{
	struct ir_quant *q = xcalloc(1, sizeof *q);
	q->dtype = dt;
	q->n = n;
	q->scale = xmalloc(sizeof(float) * (n ? n : 1));
	memcpy(q->scale, scale, sizeof(float) * n);
	if (zp) {
		q->zero_point = xmalloc(sizeof(int32_t) * (n ? n : 1));
		memcpy(q->zero_point, zp, sizeof(int32_t) * n);
	}
	q->axis = axis;
	q->method = method ? xstrdup(method) : NULL;
	return q;
}

/* ---- the spec's example ------------------------------------------------ */

static void test_spec_example(void)
{
	struct ir_graph *g = ir_graph_new("tiny");
	ir_graph_set_meta(g, "onnx.opset", "11");
	char *args[] = {"tiny.onnx"};
	ir_graph_add_prov(g, "onnx2ir", 1, args);
	int64_t dx[] = {1, 3, 4, 4}, dw[] = {2, 3, 1, 1}, db[] = {2}, dy[] = {1, 2, 4, 4};
	int x = ir_tensor_add(g, "x", IR_DTYPE_F32, 4, dx);
	ir_graph_add_input(g, x);
	float w[] = {0.5f, -1.0f, 0.25f, 1.0f, 2.0f, -0.5f}, b[] = {0.0f, 0.125f};
	int wi = add_const(g, "w", IR_DTYPE_F32, 4, dw, w);
	int bi = add_const(g, "b", IR_DTYPE_F32, 1, db, b);
	int y = ir_tensor_add(g, "y", IR_DTYPE_F32, 4, dy);
	int z = ir_tensor_add(g, "z", IR_DTYPE_F32, 4, dy);
	struct ir_node *n = ir_node_add(g, "conv1", IR_OP_CONV);
	ir_node_add_input(n, x);
	ir_node_add_input(n, wi);
	ir_node_add_input(n, bi);
	ir_node_add_output(n, y);
	int64_t ones[] = {1, 1}, zeros[] = {0, 0, 0, 0};
	ir_attr_set_ints(n, "strides", 2, ones);
	ir_attr_set_ints(n, "pads", 4, zeros);
	ir_attr_set_ints(n, "kernel_shape", 2, ones);
	ir_attr_set_int(n, "group", 1);
	ir_attr_set_ints(n, "dilations", 2, ones);
	n = ir_node_add(g, "relu1", IR_OP_RELU);
	ir_node_add_input(n, y);
	ir_node_add_output(n, z);
	ir_graph_add_output(g, z);
	check(ir_graph_check(g) == 0, "spec example: %s", ir_errmsg);

	const char *want =
		"ir 1.0\n"
		"graph \"tiny\"\n"
		"meta \"onnx.opset\" \"11\"\n"
		"provenance \"onnx2ir\" \"" BPU_TOOLCHAIN_VERSION "\" \"tiny.onnx\"\n"
		"input x: f32[1,3,4,4]\n"
		"const w: f32[2,3,1,1] = [0.5, -1.0, 0.25, 1.0, 2.0, -0.5]\n"
		"const b: f32[2] = [0.0, 0.125]\n"
		"node conv1 Conv(x, w, b) -> (y: f32[1,2,4,4]) dilations=[1,1] group=1 "
		"kernel_shape=[1,1] pads=[0,0,0,0] strides=[1,1]\n"
		"node relu1 Relu(y) -> (z: f32[1,2,4,4])\n"
		"output z\n";
	char *t = roundtrip("spec example", g, 0);
	check(strcmp(t, want) == 0, "spec example: printed text differs from the expected");
	if (strcmp(t, want) != 0)
		report_diff(t, want);
	free(t);
	ir_graph_free(g);
}

/* ---- everything at once ------------------------------------------------ */

static struct ir_graph *build_kitchen_sink(void)
{
	struct ir_graph *g = ir_graph_new("sink \"of\" everything\n");
	ir_graph_set_meta(g, "onnx.producer_name", "pytorch");
	ir_graph_set_meta(g, "key with\ttab", "value \\ with backslash");
	char *args[] = {"--input-shape", "x=1x3x4x4", "my model.onnx", ""};
	ir_graph_add_prov(g, "onnx2ir", 3, args);
	ir_graph_add_prov(g, "ir-fuse", 0, NULL);
	ir_graph_add_prov(g, "odd tool", 4, args);
	g->march_name = xstrdup("bpu-s");
	static const char march[] = "name: bpu-s\nmacs: 512\n\x01\x7f\xc3\xa9 \"q\"\0tail";
	g->march_len = sizeof march - 1;
	g->march_text = xmalloc(g->march_len);
	memcpy(g->march_text, march, g->march_len);

	int64_t dx[] = {1, 3, 4, 4};
	int x = ir_tensor_add(g, "x", IR_DTYPE_F32, 4, dx);
	ir_graph_add_input(g, x);
	float sc[] = {0.0125f, 0.5f, 3e-7f};
	int32_t zp[] = {0, -3, 127};
	g->tensors[x]->quant = make_quant(IR_DTYPE_I8, 1, sc, NULL, 0, "max");
	int xi = ir_tensor_add(g, "in put/2:", IR_DTYPE_I64, 2, (int64_t[]){2, 1});
	ir_graph_add_input(g, xi);
	int u = ir_tensor_add(g, "_", IR_DTYPE_U8, 0, NULL);
	ir_graph_add_input(g, u);

	/* one constant of every dtype, with edge values */
	float f32v[] = {0.0f, -0.0f, 1.0f, -1.5f, 0.1f, 3.4028235e38f, 1.4e-45f, INFINITY,
			-INFINITY, 16777216.0f, 1e-5f, 123456789.0f};
	int cf = add_const(g, "c.f32", IR_DTYPE_F32, 2, (int64_t[]){3, 4}, f32v);
	g->tensors[cf]->quant = make_quant(IR_DTYPE_I16, 3, sc, zp, 1, NULL);
	double f64v[] = {0.1, -1e300, 5e-324, 1.0, 2.0 / 3.0, -0.0};
	add_const(g, "c.f64", IR_DTYPE_F64, 1, (int64_t[]){6}, f64v);
	uint16_t f16v[] = {0x0000, 0x8000, 0x3c00, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00,
			   0xfc00, 0x3555, 0xc000};
	add_const(g, "c.f16", IR_DTYPE_F16, 1, (int64_t[]){11}, f16v);
	uint16_t bf16v[] = {0x0000, 0x3f80, 0x3dcd, 0x7f7f, 0x0001, 0xff80, 0xc2f7};
	add_const(g, "c.bf16", IR_DTYPE_BF16, 1, (int64_t[]){7}, bf16v);
	uint8_t u8v[] = {0, 1, 255};
	add_const(g, "c.u8", IR_DTYPE_U8, 1, (int64_t[]){3}, u8v);
	int8_t i8v[] = {-128, 0, 127};
	add_const(g, "c.i8", IR_DTYPE_I8, 1, (int64_t[]){3}, i8v);
	uint16_t u16v[] = {0, 65535};
	add_const(g, "c.u16", IR_DTYPE_U16, 1, (int64_t[]){2}, u16v);
	int16_t i16v[] = {-32768, 32767};
	add_const(g, "c.i16", IR_DTYPE_I16, 1, (int64_t[]){2}, i16v);
	uint32_t u32v[] = {0, 4294967295u};
	add_const(g, "c.u32", IR_DTYPE_U32, 1, (int64_t[]){2}, u32v);
	int32_t i32v[] = {INT32_MIN, -1, INT32_MAX};
	add_const(g, "c.i32", IR_DTYPE_I32, 1, (int64_t[]){3}, i32v);
	uint64_t u64v[] = {0, (uint64_t)INT64_MAX + 1, UINT64_MAX};
	add_const(g, "c.u64", IR_DTYPE_U64, 1, (int64_t[]){3}, u64v);
	int64_t i64v[] = {INT64_MIN, -1, INT64_MAX};
	add_const(g, "c.i64", IR_DTYPE_I64, 1, (int64_t[]){3}, i64v);
	uint8_t boolv[] = {0, 1, 1, 0};
	add_const(g, "c.bool", IR_DTYPE_BOOL, 2, (int64_t[]){2, 2}, boolv);
	float scalar = 2.5f;
	int cs = add_const(g, "scalar", IR_DTYPE_F32, 0, NULL, &scalar);
	add_const(g, "empty", IR_DTYPE_F32, 2, (int64_t[]){0, 3}, f32v);
	float big[40];
	for (int i = 0; i < 40; i++)
		big[i] = (float)i * 0.25f - 3.0f;
	int cb = add_const(g, "big weight", IR_DTYPE_F32, 2, (int64_t[]){8, 5}, big);

	/* a node with every attribute kind, set out of order, and annotations */
	int y = ir_tensor_add(g, "conv 1:out", IR_DTYPE_F32, 4, dx);
	int mask = ir_tensor_add(g, "y\"\\", IR_DTYPE_BOOL, 4, dx);
	struct ir_node *n = ir_node_add(g, "conv 1", IR_OP_CONV);
	ir_node_add_input(n, x);
	ir_node_add_input(n, cb);
	ir_node_add_input(n, -1);
	ir_node_add_output(n, y);
	ir_node_add_output(n, -1);
	ir_node_add_output(n, mask);
	ir_attr_set_strings(n, "zz_strings", 3, (char *[]){"a", "b c", "\"\n"});
	ir_attr_set_int(n, "an_int", -42);
	ir_attr_set_float(n, "f_one", 1.0f);
	ir_attr_set_float(n, "f_small", 1e-5f);
	ir_attr_set_float(n, "f_inf", -INFINITY);
	ir_attr_set_float(n, "f_nan", NAN);
	ir_attr_set_string(n, "str", "nearest \\ \"x\"");
	ir_attr_set_string(n, "str_empty", "");
	ir_attr_set_ints(n, "ints", 3, (int64_t[]){INT64_MIN, 0, INT64_MAX});
	ir_attr_set_ints(n, "ints_empty", 0, NULL);
	ir_attr_set_floats(n, "floats", 3, (float[]){1.0f, -0.5f, 2.0f});
	ir_attr_set_floats(n, "floats_empty", 0, NULL);
	ir_attr_set_strings(n, "strings_empty", 0, NULL);
	ir_attr_set_string(n, "weird name=", "v");
	struct ir_tensor *t = xcalloc(1, sizeof *t);
	t->name = xstrdup("");
	t->dtype = IR_DTYPE_F32;
	t->rank = 1;
	t->dims[0] = 1;
	t->data = xmalloc(4);
	memcpy(t->data, (float[]){0.0f}, 4);
	t->producer = -1;
	ir_attr_set_tensor(n, "value", t);
	t = xcalloc(1, sizeof *t);
	t->name = xstrdup("");
	t->dtype = IR_DTYPE_I64;
	t->rank = 2;
	t->dims[0] = 1;
	t->dims[1] = 20; /* attribute tensors are never elided */
	t->data = xcalloc(20, 8);
	t->quant = make_quant(IR_DTYPE_I8, 2, sc, zp, -1, "");
	ir_attr_set_tensor(n, "value_big", t);
	n->place = IR_PLACE_BPU;
	n->segment = 0;
	n->reason = xstrdup("supported by the march \"bpu-s\"");
	n->origin = xstrdup("Conv_0");

	/* unplaced node with only some annotations; a middle absent input */
	int r = ir_tensor_add(g, "r", IR_DTYPE_F32, 4, dx);
	g->tensors[r]->quant = make_quant(IR_DTYPE_I8, 1, sc, zp, 0, "kl");
	n = ir_node_add(g, "clip", IR_OP_CLIP);
	ir_node_add_input(n, y);
	ir_node_add_input(n, -1);
	ir_node_add_input(n, cs);
	ir_node_add_output(n, r);
	n->place = IR_PLACE_CPU;
	n->segment = 17;

	/* a node named like an absent input */
	int q = ir_tensor_add(g, "unknown", IR_DTYPE_I64, 2, (int64_t[]){2, 1});
	n = ir_node_add(g, "_", IR_OP_IDENTITY);
	ir_node_add_input(n, xi);
	ir_node_add_output(n, q);
	n->origin = xstrdup("");

	n = ir_node_add(g, "noop", IR_OP_DROPOUT);
	ir_graph_add_output(g, r);
	ir_graph_add_output(g, mask);
	ir_graph_add_output(g, q);
	ir_graph_add_output(g, u);
	check(ir_graph_check(g) == 0, "kitchen sink: %s", ir_errmsg);
	return g;
}

static void test_kitchen_sink(void)
{
	struct ir_graph *g = build_kitchen_sink();
	char *full = roundtrip("kitchen sink (full)", g, IR_TEXT_FULL);
	char *elided = print(g, 0);

	/* spot checks of the printed form */
	static const char *want[] = {
		"graph \"sink \\\"of\\\" everything\\n\"\n",
		"meta \"key with\\ttab\" \"value \\\\ with backslash\"\n",
		"provenance \"onnx2ir\" \"" BPU_TOOLCHAIN_VERSION
		"\" \"--input-shape\" \"x=1x3x4x4\" \"my model.onnx\"\n",
		"provenance \"ir-fuse\" \"" BPU_TOOLCHAIN_VERSION "\"\n",
		"march \"bpu-s\" \"name: bpu-s\\nmacs: 512\\n\\x01\\x7f\xc3\xa9 \\\"q\\\"\\x00tail\"\n",
		"input x: f32[1,3,4,4] quant(i8, scale=[0.0125], axis=0, method=\"max\")\n",
		"input \"in put/2:\": i64[2,1]\n",
		"input \"_\": u8[]\n",
		"const c.f32: f32[3,4] quant(i16, scale=[0.0125,0.5,3e-07], "
		"zero_point=[0,-3,127], axis=1) = [0.0, -0.0, 1.0, -1.5, 0.1, "
		"3.4028235e+38, 1e-45, inf, -inf, 16777216.0, 1e-05, "
		"1.2345679e+08]\n",
		"const c.f64: f64[6] = [0.1, -1e+300, "
		"5e-324, 1.0, 0.6666666666666666, -0.0]\n",
		"const c.f16: f16[11] = [0.0, -0.0, 1.0, 5.9604645e-08, 6.097555e-05, "
		"6.1035156e-05, 65504.0, inf, -inf, 0.33325195, -2.0]\n",
		"const c.bf16: bf16[7] = [0.0, 1.0, 0.100097656, 3.3895314e+38, "
		"9.1835e-41, -inf, -123.5]\n",
		"const c.u8: u8[3] = [0, 1, 255]\n",
		"const c.i8: i8[3] = [-128, 0, 127]\n",
		"const c.u32: u32[2] = [0, 4294967295]\n",
		"const c.i32: i32[3] = [-2147483648, -1, 2147483647]\n",
		"const c.u64: u64[3] = [0, 9223372036854775808, 18446744073709551615]\n",
		"const c.i64: i64[3] = [-9223372036854775808, -1, 9223372036854775807]\n",
		"const c.bool: bool[2,2] = [0, 1, 1, 0]\n",
		"const scalar: f32[] = [2.5]\n",
		"const empty: f32[0,3] = []\n",
		"node \"conv 1\" Conv(x, \"big weight\", _) -> (\"conv 1:out\": f32[1,3,4,4], _, "
		"\"y\\\"\\\\\": bool[1,3,4,4]) an_int=-42 f_inf=-inf f_nan=nan f_one=1.0 "
		"f_small=1e-05 floats=[1.0,-0.5,2.0] floats_empty=floats[] "
		"ints=[-9223372036854775808,0,9223372036854775807] ints_empty=ints[] "
		"str=\"nearest \\\\ \\\"x\\\"\" str_empty=\"\" strings_empty=strings[] "
		"value=tensor(f32[1], [0.0]) value_big=tensor(i64[1,20] quant(i8, "
		"scale=[0.0125,0.5], zero_point=[0,-3], axis=-1, method=\"\"), [0, 0, 0, "
		"0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) \"weird name=\"=\"v\" "
		"zz_strings=[\"a\",\"b c\",\"\\\"\\n\"] | place=bpu segment=0 "
		"reason=\"supported by the march \\\"bpu-s\\\"\" origin=\"Conv_0\"\n",
		"node clip Clip(\"conv 1:out\", _, scalar) -> (r: f32[1,3,4,4] quant(i8, "
		"scale=[0.0125], zero_point=[0], axis=0, method=\"kl\")) | place=cpu "
		"segment=17\n",
		"node \"_\" Identity(\"in put/2:\") -> (unknown: i64[2,1]) | origin=\"\"\n",
		"node noop Dropout() -> ()\n",
		"output r\noutput \"y\\\"\\\\\"\noutput unknown\noutput \"_\"\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		check(strstr(full, want[i]) != NULL, "kitchen sink: the text lacks %s", want[i]);
	if (getenv("TEST_TEXT_DUMP"))
		fputs(full, stderr);
	check(strstr(full, "const \"big weight\": f32[8,5] = [-3.0, -2.75, ") != NULL,
	      "kitchen sink: --full does not print the big constant");
	check(strstr(elided, "const \"big weight\": f32[8,5] = elided # 40 values, min -3, "
			     "max 6.75, mean 1.875\n") != NULL,
	      "kitchen sink: the big constant is not elided with its statistics");
	check(strstr(elided, "const c.f32: f32[3,4] ") != NULL &&
	      strstr(elided, "elided # 12") == NULL,
	      "kitchen sink: a constant of 16 or fewer elements was elided");

	/* the elided text is refused, on the big constant's line, naming --full */
	struct ir_graph *g2 = ir_text_parse(elided, strlen(elided), "sink.txt");
	int line = 1;
	const char *p = strstr(elided, "const \"big weight\"");
	for (const char *c = elided; p && c < p; c++)
		line += *c == '\n';
	char prefix[64];
	snprintf(prefix, sizeof prefix, "sink.txt:%d: const \"big weight\": ", line);
	check(!g2 && strncmp(ir_errmsg, prefix, strlen(prefix)) == 0 &&
		      strstr(ir_errmsg, "ir-dis --full"),
	      "kitchen sink: an elided constant gives \"%s\", not %s... ir-dis --full",
	      ir_errmsg, prefix);
	ir_graph_free(g2);

	/* the parsed graph has what the text says */
	g2 = ir_text_parse(full, strlen(full), "sink.txt");
	if (g2) {
		struct ir_node *n = ir_node_find(g2, "conv 1");
		check(n && n->n_in == 3 && n->in[2] == -1 && n->n_out == 3 && n->out[1] == -1,
		      "kitchen sink: absent input/output not kept");
		for (int i = 1; n && i < n->n_attr; i++)
			check(strcmp(n->attr[i - 1].name, n->attr[i].name) < 0,
			      "kitchen sink: attributes not sorted");
		check(n && n->place == IR_PLACE_BPU && n->segment == 0,
		      "kitchen sink: annotations lost");
		check(g2->march_len == g->march_len &&
			      memcmp(g2->march_text, g->march_text, g->march_len) == 0,
		      "kitchen sink: march text with a NUL byte not kept");
		for (int i = 0; i < g->n_tensors; i++) {
			const struct ir_tensor *a = g->tensors[i];
			int j = ir_tensor_find(g2, a->name);
			if (!a->data || j < 0)
				continue;
			const struct ir_tensor *b = g2->tensors[j];
			int same = a->dtype == b->dtype && b->data &&
				   memcmp(a->data, b->data, ir_tensor_nbytes(a)) == 0;
			check(same, "kitchen sink: constant \"%s\" does not read back bit for bit",
			      a->name);
		}
		check(ir_node_find(g2, "_") != NULL, "kitchen sink: node \"_\" lost");
		ir_graph_free(g2);
	}
	free(full);
	free(elided);
	ir_graph_free(g);
}

/* ---- f16 / bf16 -------------------------------------------------------- */

/* Every f16 and bf16 bit pattern except NaNs reads back bit for bit. */
static void test_half_exhaustive(void)
{
	enum ir_dtype types[] = {IR_DTYPE_F16, IR_DTYPE_BF16};
	for (int k = 0; k < 2; k++) {
		uint16_t *v = xmalloc(2 * 65536);
		int n = 0;
		for (uint32_t b = 0; b < 65536; b++) {
			int nan = types[k] == IR_DTYPE_F16 ? (b & 0x7c00) == 0x7c00 && (b & 0x3ff)
							   : (b & 0x7f80) == 0x7f80 && (b & 0x7f);
			if (!nan)
				v[n++] = (uint16_t)b;
		}
		struct ir_graph *g = ir_graph_new("half");
		int c = add_const(g, "h", types[k], 1, (int64_t[]){n}, v);
		int o = ir_tensor_add(g, "o", types[k], 1, (int64_t[]){n});
		struct ir_node *nd = ir_node_add(g, "id", IR_OP_IDENTITY);
		ir_node_add_input(nd, c);
		ir_node_add_output(nd, o);
		ir_graph_add_output(g, o);
		char *t = roundtrip(types[k] == IR_DTYPE_F16 ? "f16 exhaustive" : "bf16 exhaustive",
				    g, IR_TEXT_FULL);
		struct ir_graph *g2 = ir_text_parse(t, strlen(t), "half");
		check(g2 && memcmp(g2->tensors[ir_tensor_find(g2, "h")]->data, v, 2 * (size_t)n) == 0,
		      "%s: not every value reads back bit for bit", ir_dtype_name(types[k]));
		ir_graph_free(g2);
		free(t);
		free(v);
		ir_graph_free(g);
	}
}

/* Values written with more digits round to nearest, ties to even. */
static void test_half_rounding(void)
{
	static const struct {
		const char *type, *values;
		uint16_t want[6];
	} cases[] = {
		/* 1+2^-11 is a tie -> 1.0 (even); 1+3*2^-11 -> 1+2^-9; just above the tie;
		 * 65519 stays finite; 2^-25 (a tie with 0) -> 0; 3*2^-25 -> 2*2^-24 */
		{"f16[6]", "[1.00048828125, 1.00146484375, 1.0004883, 65519, 2.98023223876953125e-8, "
			   "8.94069671630859375e-8]",
		 {0x3c00, 0x3c02, 0x3c01, 0x7bff, 0x0000, 0x0002}},
		{"bf16[6]", "[1.00390625, 1.01171875, 0.1, -3.0, 1e-45, 3.3895313e38]",
		 {0x3f80, 0x3f82, 0x3dcd, 0xc040, 0x0000, 0x7f7f}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[512];
		snprintf(text, sizeof text, "ir 1.0\nconst h: %s = %s\n", cases[i].type,
			 cases[i].values);
		struct ir_graph *g = ir_text_parse(text, strlen(text), "round");
		check(g != NULL, "rounding %s: %s", cases[i].type, ir_errmsg);
		if (!g)
			continue;
		const uint16_t *d = g->tensors[0]->data;
		for (int j = 0; j < 6; j++)
			check(d[j] == cases[i].want[j], "rounding %s element %d: 0x%04x, want 0x%04x",
			      cases[i].type, j, d[j], cases[i].want[j]);
		ir_graph_free(g);
	}
}

/* Random f32 and f64 bit patterns read back bit for bit. */
static void test_float_random(void)
{
	enum { N = 20000 };
	uint32_t *f = xmalloc(4 * N);
	uint64_t *d = xmalloc(8 * N);
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < N; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		f[i] = (uint32_t)s;
		d[i] = s * 0x2545f4914f6cdd1dull;
		if ((f[i] & 0x7f800000) == 0x7f800000)
			f[i] &= 0xff7fffff; /* no NaN: its payload is not kept */
		if ((d[i] & 0x7ff0000000000000ull) == 0x7ff0000000000000ull)
			d[i] &= 0xffefffffffffffffull;
	}
	struct ir_graph *g = ir_graph_new("");
	add_const(g, "f", IR_DTYPE_F32, 1, (int64_t[]){N}, f);
	add_const(g, "d", IR_DTYPE_F64, 1, (int64_t[]){N}, d);
	char *t = roundtrip("random floats", g, IR_TEXT_FULL);
	struct ir_graph *g2 = ir_text_parse(t, strlen(t), "random");
	check(g2 && memcmp(g2->tensors[ir_tensor_find(g2, "f")]->data, f, 4 * N) == 0 &&
		      memcmp(g2->tensors[ir_tensor_find(g2, "d")]->data, d, 8 * N) == 0,
	      "random floats: not every value reads back bit for bit");
	ir_graph_free(g2);
	free(t);
	free(f);
	free(d);
	ir_graph_free(g);
}

/* ---- hand-written text ------------------------------------------------- */

static void test_hand_written(void)
{
	const char *text =
		"\n# leading comment\n"
		"   ir 1.0   # trailing comment\n"
		"\n"
		"march bpu_s\n"
		"graph g.1 # a bare graph name is fine\n"
		"input x : f32[ 1 , 2 ]\n"
		"const w: f32[2] = [1, -2]   # integers for floats\n"
		"const h: f16[1] = [0.1]\n"
		"const e: u64[1]=[18446744073709551615]\n"
		"node n1 Mul(x,w)->(y: f32[1,2])  b=[1, 2.5] a=floats[3, 4] c=ints[] "
		"d=[\"s\", \"t\"] beta=1 alpha=0.5 g=\"tab\\there\\x41\" t=tensor( i32[2] ,[1,2] ) "
		"|origin=\"X\"  place=cpu\n"
		"node n2 Relu(y) -> (z: f32[1,2]) | segment=3\n"
		"node n3 Relu(z) -> (u: f32[ ? ], v: undefined[])\n"
		"output z # done\n";
	const char *want =
		"ir 1.0\n"
		"graph \"g.1\"\n"
		"march \"bpu_s\"\n"
		"input x: f32[1,2]\n"
		"const w: f32[2] = [1.0, -2.0]\n"
		"const h: f16[1] = [0.099975586]\n"
		"const e: u64[1] = [18446744073709551615]\n"
		"node n1 Mul(x, w) -> (y: f32[1,2]) a=[3.0,4.0] alpha=0.5 b=[1.0,2.5] beta=1 "
		"c=ints[] d=[\"s\",\"t\"] g=\"tab\\thereA\" t=tensor(i32[2], [1, 2]) | place=cpu "
		"origin=\"X\"\n"
		"node n2 Relu(y) -> (z: f32[1,2]) | segment=3\n"
		"node n3 Relu(z) -> (u: f32[?], v: undefined[])\n"
		"output z\n";
	struct ir_graph *g = ir_text_parse(text, strlen(text), "hand.txt");
	check(g != NULL, "hand-written text: %s", ir_errmsg);
	if (!g)
		return;
	char *t = print(g, 0);
	check(strcmp(t, want) == 0, "hand-written text: canonical form differs");
	if (strcmp(t, want) != 0)
		report_diff(t, want);
	check(g->march_name && !g->march_text, "hand-written text: march without text");
	free(t);
	ir_graph_free(g);

	/* no trailing newline, CRLF line ends */
	const char *crlf = "ir 1.0\r\ninput \"a b\": i8[]\r\noutput \"a b\"";
	g = ir_text_parse(crlf, strlen(crlf), "crlf.txt");
	check(g && g->n_inputs == 1 && g->n_outputs == 1, "CRLF text: %s",
	      g ? "wrong graph" : ir_errmsg);
	ir_graph_free(g);
}

/* ---- errors ------------------------------------------------------------ */

static void test_errors(void)
{
	static const struct {
		const char *text;
		int line;
		const char *want; /* a piece of the message after "bad.txt:LINE: " */
	} cases[] = {
		{"", 1, "no \"ir 1.0\" header"},
		{"# only a comment\n\n", 2, "no \"ir 1.0\" header"},
		{"input x: f32[1]\n", 1, "expected the header \"ir 1.0\""},
		{"ir 2.0\n", 1, "version 2.0"},
		{"ir one\n", 1, "expected the version"},
		{"ir 1.0\nir 1.0\n", 2, "second \"ir\" header"},
		{"ir 1.0\ngraph a\ngraph b\n", 3, "second graph line"},
		{"ir 1.0\ninput x: f32[1]\nmeta \"a\" \"b\"\n", 3, "come first"},
		{"ir 1.0\nmeta \"a\" \"b\"\nmeta \"a\" \"c\"\n", 3, "given twice"},
		{"ir 1.0\nmeta \"a\" b\n", 2, "expected the metadata value"},
		{"ir 1.0\nfrobnicate x\n", 2, "unknown line kind \"frobnicate\""},
		{"ir 1.0\n\ninput x: f33[1]\n", 3, "unknown element type \"f33\""},
		{"ir 1.0\ninput x: f32\n", 2, "a scalar is written f32[]"},
		{"ir 1.0\ninput x: f32[1,-2]\n", 2, "out of range"},
		{"ir 1.0\ninput x: f32[1,1,1,1,1,1,1,1,1]\n", 2, "more than 8 dimensions"},
		{"ir 1.0\ninput x f32[1]\n", 2, "expected ':'"},
		{"ir 1.0\ninput x: f32[1]\ninput x: f32[1]\n", 3, "\"x\" is defined twice"},
		{"ir 1.0\ninput x: f32[1] junk\n", 2, "unexpected \"junk\""},
		{"ir 1.0\ninput _: f32[1]\n", 2, "absent"},
		{"ir 1.0\ninput \"x: f32[1]\n", 2, "not closed"},
		{"ir 1.0\ninput \"x\\q\": f32[1]\n", 2, "unknown escape \\q"},
		{"ir 1.0\ninput \"x\\x4\": f32[1]\n", 2, "two hex digits"},
		{"ir 1.0\ninput \"x\\x00\": f32[1]\n", 2, "NUL"},
		{"ir 1.0\nconst c: f32[2] = [1.0]\n", 2, "holds 2 values, but the list gives 1"},
		{"ir 1.0\nconst c: f32[2] = [1.0, 2.0, 3.0]\n", 2, "holds 2 values, but the list gives 3"},
		{"ir 1.0\nconst c: i8[1] = [200]\n", 2, "i8 value 200 is out of range [-128, 127]"},
		{"ir 1.0\nconst c: u8[1] = [-1]\n", 2, "out of range"},
		{"ir 1.0\nconst c: i32[1] = [1.5]\n", 2, "1.5 is not an integer"},
		{"ir 1.0\nconst c: i64[1] = [9223372036854775808]\n", 2, "does not fit in 64 bits"},
		{"ir 1.0\nconst c: u64[1] = [18446744073709551616]\n", 2, "out of range for u64"},
		{"ir 1.0\nconst c: u64[1] = [-1]\n", 2, "out of range for u64"},
		{"ir 1.0\nconst c: bool[1] = [2]\n", 2, "out of range [0, 1]"},
		{"ir 1.0\nconst c: f16[1] = [70000]\n", 2, "out of range for f16"},
		{"ir 1.0\nconst c: f32[1] = [1e39]\n", 2, "out of range for f32"},
		{"ir 1.0\nconst c: f32[1] = [1.0.0]\n", 2, "expected a value, found \"1.0.0]\""},
		{"ir 1.0\nconst c: f32[2] = [1.0 2.0]\n", 2, "expected ',' or ']'"},
		{"ir 1.0\nconst c: f32[20] = elided # 20 values\n", 2,
		 "const \"c\": the values are elided"},
		{"ir 1.0\nconst c: f32[1] = [1.0] quant(i8, scale=[1.0])\n", 2, "unexpected"},
		{"ir 1.0\nconst c: f32[1] quant(i8) = [1.0]\n", 2, "needs scale"},
		{"ir 1.0\nconst c: f32[1] quant(i8, scale=[1.0], zero_point=[1,2]) = [1.0]\n", 2,
		 "2 zero points for 1 scales"},
		{"ir 1.0\nconst c: f32[1] quant(i8, scale=[1.0], bits=8) = [1.0]\n", 2,
		 "unknown field \"bits\""},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1])\nnode n Relu(y) -> (z: f32[1])\n",
		 4, "node \"n\": a node of this name is already defined"},
		{"ir 1.0\ninput x: f32[1,3,4,4]\n# comment\n\nnode conv1 Conv(x, w) -> (y: f32[1])\n",
		 5, "node \"conv1\": input \"w\" is not defined"},
		{"ir 1.0\ninput x: f32[1]\nnode n Frob(x) -> (y: f32[1])\n", 3,
		 "unknown operator \"Frob\""},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) (y: f32[1])\n", 3, "expected \"->\""},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (x: f32[1])\n", 3,
		 "node \"n\": tensor \"x\" is defined twice"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y)\n", 3, "expected ':'"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y:f32[1])\n", 3,
		 "the name \"y:f32\", found \"[1])\" (a bare name may contain ':'"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) a=1 a=2\n", 3,
		 "attribute \"a\": the attribute is given twice"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) a=[]\n", 3,
		 "ints[], floats[] or strings[]"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) a=[1, \"s\"]\n", 3,
		 "attribute \"a\": expected a number"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) a=[\"s\", 1]\n", 3,
		 "expected a string"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) a=ints[1.5]\n", 3,
		 "must be an integer"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) a=bare\n", 3,
		 "expected a value"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) a\n", 3, "expected '='"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) t=tensor(f32[2], [1.0])\n",
		 3, "holds 2 values, but the list gives 1"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) | place=gpu\n", 3,
		 "place must be bpu or cpu"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) | segment=-1\n", 3,
		 "segment -1 is out of range"},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) | colour=\"red\"\n", 3,
		 "unknown annotation \"colour\""},
		{"ir 1.0\ninput x: f32[1]\nnode n Relu(x) -> (y: f32[1]) | reason=\"a\" reason=\"b\"\n",
		 3, "reason is given twice"},
		{"ir 1.0\ninput x: f32[1]\noutput y\n", 3, "model output \"y\" is not defined"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct ir_graph *g = ir_text_parse(cases[i].text, strlen(cases[i].text), "bad.txt");
		char prefix[32];
		snprintf(prefix, sizeof prefix, "bad.txt:%d: ", cases[i].line);
		int ok = !g && strncmp(ir_errmsg, prefix, strlen(prefix)) == 0 &&
			 strstr(ir_errmsg, cases[i].want) != NULL;
		check(ok, "error case %zu: got \"%s\", want \"%s...%s...\"", i,
		      g ? "(parsed)" : ir_errmsg, prefix, cases[i].want);
		ir_graph_free(g);
	}
}

int main(void)
{
	argv0 = "test_text";
	test_spec_example();
	test_kitchen_sink();
	test_half_exhaustive();
	test_half_rounding();
	test_float_random();
	test_hand_written();
	test_errors();
	if (failed) {
		fprintf(stderr, "test_text: %d failed, %d passed\n", failed, passed);
		return 1;
	}
	printf("test_text: %d passed\n", passed);
	return 0;
}
