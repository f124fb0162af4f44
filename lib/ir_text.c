/*
 * ir_text.c: the text form of the IR (formats/ir.md, "Text form").
 *
 * ir_text_write prints a graph as one line per item: the header, graph,
 * meta, provenance and march lines, then the model inputs, the constants
 * (in tensor-table order), the nodes (in graph order) and the model outputs.
 * ir_text_parse reads such text back into a graph, checking names, types
 * and values as it goes, and reports the first problem as
 * "WHAT:LINE: one sentence". It does not run shape inference: the types on
 * the node lines become the tensors' types.
 *
 * The contract between the two: for every graph g, printing g, parsing that
 * text and printing the result gives the same bytes (`ir-dis | ir-as |
 * ir-dis` is a fixed point). That is why every float is printed with enough
 * digits to read back exactly (9 significant digits for f32, f16 and bf16,
 * 17 for f64) and always looks like a float, why names are quoted exactly
 * when the bare form could be misread, and why the printer writes absent
 * node inputs and outputs as `_` instead of dropping them.
 *
 * Choices the spec leaves open, made here:
 * - A bare name never ends in ':' (so `x: f32[1]` is unambiguous); names
 *   that do are quoted.
 * - Lists inside attribute values and quant(...) are printed without spaces
 *   (`pads=[0,0,0,0]`); constant values use ", " (`[0.5, -1.0]`).
 * - An absent node output is `_` (no type). A tensor whose shape is not
 *   known yet prints as `f32[?]`; an element type not yet known as
 *   `undefined`. Both read back.
 * - `march NAME` without TEXT is a march with no stored text.
 * - A tensor attribute may carry a quant(...) after its type, like a
 *   tensor; its name is not part of the text.
 * - The parser also accepts typed non-empty lists (`floats[1, 2]`), `\r` in
 *   strings, and input/const/node lines interleaved, as long as every name
 *   is defined on an earlier line.
 */
#include "ir.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- f16 and bf16 ------------------------------------------------------ */

/* Rounds x to the nearest value of a binary format with ebits exponent bits
 * and mbits stored mantissa bits (IEEE layout, ties to even) and returns its
 * bit pattern. Overflow gives infinity; NaN keeps its sign and is quiet. */
static uint32_t float_bits_round(double x, int ebits, int mbits)
{
	uint32_t sign = signbit(x) ? 1u << (ebits + mbits) : 0;
	uint32_t expmax = (1u << ebits) - 1;
	int bias = (1 << (ebits - 1)) - 1;
	if (isnan(x))
		return sign | expmax << mbits | 1u << (mbits - 1);
	double a = fabs(x);
	if (isinf(a))
		return sign | expmax << mbits;
	if (a == 0)
		return sign;
	int e;
	frexp(a, &e); /* a in [2^(e-1), 2^e) */
	int E = e - 1;
	if (E < 1 - bias)
		E = 1 - bias; /* subnormals share the smallest normal's quantum */
	/* The mantissa as an integer count of quanta 2^(E-mbits): exact in a
	 * double, then rounded to nearest even by the default rounding mode. */
	uint64_t m = (uint64_t)nearbyint(ldexp(a, mbits - E));
	if (m >> (mbits + 1)) { /* rounded up to the next power of two */
		m >>= 1;
		E++;
	}
	if (m < (1u << mbits)) /* subnormal (E is the minimum) */
		return sign | (uint32_t)m;
	int be = E + bias;
	if (be >= (int)expmax)
		return sign | expmax << mbits;
	return sign | (uint32_t)be << mbits | ((uint32_t)m & ((1u << mbits) - 1));
}

/* The exact value of a bit pattern of that format. */
static double float_bits_value(uint32_t b, int ebits, int mbits)
{
	int bias = (1 << (ebits - 1)) - 1;
	uint32_t expmax = (1u << ebits) - 1;
	uint32_t ex = (b >> mbits) & expmax, man = b & ((1u << mbits) - 1);
	double sgn = (b >> (ebits + mbits)) & 1 ? -1.0 : 1.0;
	if (ex == expmax)
		return man ? copysign(NAN, sgn) : sgn * INFINITY;
	if (ex == 0)
		return sgn * ldexp((double)man, 1 - bias - mbits);
	return sgn * ldexp((double)(man | 1u << mbits), (int)ex - bias - mbits);
}

/* Widening is exact. Narrowing starts from a double (the parsed decimal),
 * not a float, so a value written with more digits is rounded only once; a
 * float converts to double exactly, so these are also the f32 conversions. */
static float f16_to_f32(uint16_t h) { return (float)float_bits_value(h, 5, 10); }
static float bf16_to_f32(uint16_t h) { return (float)float_bits_value(h, 8, 7); }
static uint16_t f16_from_double(double d) { return (uint16_t)float_bits_round(d, 5, 10); }
static uint16_t bf16_from_double(double d) { return (uint16_t)float_bits_round(d, 8, 7); }

/* ---- printing ---------------------------------------------------------- */

/* The shortest decimal that reads back as the same value (digits 9 means
 * an f32, 17 an f64), and that reads back as a float: "1" becomes "1.0";
 * inf and nan stay. */
static void put_float(FILE *f, double v, int digits)
{
	char buf[48];
	for (int p = 1; p <= digits; p++) {
		snprintf(buf, sizeof buf, "%.*g", p, v);
		if (isnan(v) || (digits <= 9 ? strtof(buf, NULL) == (float)v
					     : strtod(buf, NULL) == v))
			break;
	}
	fputs(buf, f);
	if (!strpbrk(buf, ".en")) /* no '.', no exponent, not inf or nan */
		fputs(".0", f);
}

static int is_bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/';
}

static int name_is_bare(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || strcmp(s, "_") == 0 || s[n - 1] == ':')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_bare_char((unsigned char)s[i]))
			return 0;
	return 1;
}

static void put_quoted(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\x%02x", c);
		} else {
			fputc(c, f);
		}
	}
	fputc('"', f);
}

static void put_str(FILE *f, const char *s)
{
	s = s ? s : "";
	put_quoted(f, s, strlen(s));
}

static void put_name(FILE *f, const char *s)
{
	s = s ? s : "";
	if (name_is_bare(s))
		fputs(s, f);
	else
		put_str(f, s);
}

static void put_type(FILE *f, const struct ir_tensor *t)
{
	fputs(ir_dtype_name(t->dtype), f);
	if (t->rank < 0) {
		fputs("[?]", f);
		return;
	}
	fputc('[', f);
	for (int i = 0; i < t->rank; i++)
		fprintf(f, "%s%lld", i ? "," : "", (long long)t->dims[i]);
	fputc(']', f);
}

static void put_quant(FILE *f, const struct ir_quant *q)
{
	fprintf(f, " quant(%s, scale=[", ir_dtype_name(q->dtype));
	for (int i = 0; i < q->n; i++) {
		if (i)
			fputc(',', f);
		put_float(f, q->scale[i], 9);
	}
	fputc(']', f);
	if (q->zero_point) {
		fputs(", zero_point=[", f);
		for (int i = 0; i < q->n; i++)
			fprintf(f, "%s%d", i ? "," : "", (int)q->zero_point[i]);
		fputc(']', f);
	}
	fprintf(f, ", axis=%d", q->axis);
	if (q->method) {
		fputs(", method=", f);
		put_str(f, q->method);
	}
	fputc(')', f);
}

static void put_type_quant(FILE *f, const struct ir_tensor *t)
{
	put_type(f, t);
	if (t->quant)
		put_quant(f, t->quant);
}

static void put_elem(FILE *f, enum ir_dtype dt, const void *data, int64_t i)
{
	const unsigned char *p = (const unsigned char *)data + (size_t)i * ir_dtype_size(dt);
	union {
		float f32;
		double f64;
		uint8_t u8;
		int8_t i8;
		uint16_t u16;
		int16_t i16;
		uint32_t u32;
		int32_t i32;
		uint64_t u64;
		int64_t i64;
	} v;
	memcpy(&v, p, ir_dtype_size(dt));
	switch (dt) {
	case IR_DTYPE_F32: put_float(f, v.f32, 9); break;
	case IR_DTYPE_F64: put_float(f, v.f64, 17); break;
	case IR_DTYPE_F16: put_float(f, f16_to_f32(v.u16), 9); break;
	case IR_DTYPE_BF16: put_float(f, bf16_to_f32(v.u16), 9); break;
	case IR_DTYPE_U8: fprintf(f, "%u", (unsigned)v.u8); break;
	case IR_DTYPE_I8: fprintf(f, "%d", (int)v.i8); break;
	case IR_DTYPE_U16: fprintf(f, "%u", (unsigned)v.u16); break;
	case IR_DTYPE_I16: fprintf(f, "%d", (int)v.i16); break;
	case IR_DTYPE_U32: fprintf(f, "%lu", (unsigned long)v.u32); break;
	case IR_DTYPE_I32: fprintf(f, "%ld", (long)v.i32); break;
	case IR_DTYPE_U64: fprintf(f, "%llu", (unsigned long long)v.u64); break;
	case IR_DTYPE_I64: fprintf(f, "%lld", (long long)v.i64); break;
	case IR_DTYPE_BOOL: fputs(v.u8 ? "1" : "0", f); break;
	default: fputs("0", f); break;
	}
}

/* The element as a double, for the statistics of an elided constant. */
static double elem_double(enum ir_dtype dt, const void *data, int64_t i)
{
	const unsigned char *p = (const unsigned char *)data + (size_t)i * ir_dtype_size(dt);
	float f;
	double d;
	uint16_t u16;
	int16_t i16;
	uint32_t u32;
	int32_t i32;
	uint64_t u64;
	int64_t i64;
	switch (dt) {
	case IR_DTYPE_F32: memcpy(&f, p, 4); return f;
	case IR_DTYPE_F64: memcpy(&d, p, 8); return d;
	case IR_DTYPE_F16: memcpy(&u16, p, 2); return f16_to_f32(u16);
	case IR_DTYPE_BF16: memcpy(&u16, p, 2); return bf16_to_f32(u16);
	case IR_DTYPE_U8: return *p;
	case IR_DTYPE_BOOL: return *p != 0;
	case IR_DTYPE_I8: return (int8_t)*p;
	case IR_DTYPE_U16: memcpy(&u16, p, 2); return u16;
	case IR_DTYPE_I16: memcpy(&i16, p, 2); return i16;
	case IR_DTYPE_U32: memcpy(&u32, p, 4); return u32;
	case IR_DTYPE_I32: memcpy(&i32, p, 4); return i32;
	case IR_DTYPE_U64: memcpy(&u64, p, 8); return (double)u64;
	case IR_DTYPE_I64: memcpy(&i64, p, 8); return (double)i64;
	default: return 0;
	}
}

/* " # N values, min X, max Y, mean Z" after an elided constant. Integer
 * extremes are exact; the mean is for reading, not for computing. */
static void put_stats(FILE *f, const struct ir_tensor *t)
{
	int64_t n = ir_tensor_numel(t), nnan = 0;
	fprintf(f, " # %lld values", (long long)n);
	if (!t->data || ir_dtype_size(t->dtype) == 0)
		return;
	double sum = 0;
	if (ir_dtype_is_float(t->dtype)) {
		double mn = INFINITY, mx = -INFINITY;
		for (int64_t i = 0; i < n; i++) {
			double v = elem_double(t->dtype, t->data, i);
			if (isnan(v)) {
				nnan++;
				continue;
			}
			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
			sum += v;
		}
		if (nnan < n)
			fprintf(f, ", min %.9g, max %.9g, mean %.6g", mn, mx, sum / (double)(n - nnan));
		if (nnan)
			fprintf(f, ", %lld nan", (long long)nnan);
	} else if (t->dtype == IR_DTYPE_U64) {
		uint64_t mn = UINT64_MAX, mx = 0;
		for (int64_t i = 0; i < n; i++) {
			uint64_t v;
			memcpy(&v, (const char *)t->data + 8 * i, 8);
			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
			sum += (double)v;
		}
		fprintf(f, ", min %llu, max %llu, mean %.6g", (unsigned long long)mn,
			(unsigned long long)mx, sum / (double)n);
	} else {
		/* every other integer type fits an int64_t exactly */
		int64_t mn = INT64_MAX, mx = INT64_MIN;
		for (int64_t i = 0; i < n; i++) {
			int64_t v;
			if (t->dtype == IR_DTYPE_I64)
				memcpy(&v, (const char *)t->data + 8 * i, 8);
			else
				v = (int64_t)elem_double(t->dtype, t->data, i);
			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
			sum += (double)v;
		}
		fprintf(f, ", min %lld, max %lld, mean %.6g", (long long)mn, (long long)mx,
			sum / (double)n);
	}
}

/* "[v, v, ...]" or, with elide, "elided # statistics". */
static void put_values(FILE *f, const struct ir_tensor *t, int elide)
{
	int64_t n = ir_tensor_numel(t);
	if (elide || !t->data) {
		fputs("elided", f);
		put_stats(f, t);
		return;
	}
	fputc('[', f);
	for (int64_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		put_elem(f, t->dtype, t->data, i);
	}
	fputc(']', f);
}

static void put_attr_value(FILE *f, const struct ir_attr *a)
{
	switch (a->type) {
	case IR_ATTR_INT:
		fprintf(f, "%lld", (long long)a->i);
		break;
	case IR_ATTR_FLOAT:
		put_float(f, a->f, 9);
		break;
	case IR_ATTR_STRING:
		put_str(f, a->s);
		break;
	case IR_ATTR_INTS:
		fputs(a->n ? "[" : "ints[", f);
		for (int i = 0; i < a->n; i++)
			fprintf(f, "%s%lld", i ? "," : "", (long long)a->ints[i]);
		fputc(']', f);
		break;
	case IR_ATTR_FLOATS:
		fputs(a->n ? "[" : "floats[", f);
		for (int i = 0; i < a->n; i++) {
			if (i)
				fputc(',', f);
			put_float(f, a->floats[i], 9);
		}
		fputc(']', f);
		break;
	case IR_ATTR_STRINGS:
		fputs(a->n ? "[" : "strings[", f);
		for (int i = 0; i < a->n; i++) {
			if (i)
				fputc(',', f);
			put_str(f, a->strings[i]);
		}
		fputc(']', f);
		break;
	case IR_ATTR_TENSOR:
		fputs("tensor(", f);
		if (a->t) {
			put_type_quant(f, a->t);
			fputs(", ", f);
			put_values(f, a->t, 0);
		}
		fputc(')', f);
		break;
	}
}

static void put_node(FILE *f, const struct ir_graph *g, const struct ir_node *n)
{
	fputs("node ", f);
	put_name(f, n->name);
	fprintf(f, " %s(", ir_op_name(n->op));
	for (int i = 0; i < n->n_in; i++) {
		if (i)
			fputs(", ", f);
		if (n->in[i] < 0)
			fputc('_', f);
		else
			put_name(f, g->tensors[n->in[i]]->name);
	}
	fputs(") -> (", f);
	for (int i = 0; i < n->n_out; i++) {
		if (i)
			fputs(", ", f);
		if (n->out[i] < 0) {
			fputc('_', f);
			continue;
		}
		const struct ir_tensor *t = g->tensors[n->out[i]];
		put_name(f, t->name);
		fputs(": ", f);
		put_type_quant(f, t);
	}
	fputc(')', f);
	for (int i = 0; i < n->n_attr; i++) {
		fputc(' ', f);
		put_name(f, n->attr[i].name);
		fputc('=', f);
		put_attr_value(f, &n->attr[i]);
	}
	int place = n->place == IR_PLACE_BPU || n->place == IR_PLACE_CPU;
	if (place || n->segment >= 0 || n->reason || n->origin || n->qtype) {
		fputs(" |", f);
		if (place)
			fputs(n->place == IR_PLACE_BPU ? " place=bpu" : " place=cpu", f);
		if (n->segment >= 0)
			fprintf(f, " segment=%d", n->segment);
		if (n->reason) {
			fputs(" reason=", f);
			put_str(f, n->reason);
		}
		if (n->origin) {
			fputs(" origin=", f);
			put_str(f, n->origin);
		}
		if (n->qtype) {
			fputs(" qtype=", f);
			put_str(f, n->qtype);
		}
	}
	fputc('\n', f);
}

int ir_text_write(const struct ir_graph *g, FILE *f, int flags)
{
	fprintf(f, "ir %d.%d\n", IR_VERSION_MAJOR, IR_VERSION_MINOR);
	if (g->name && *g->name) {
		fputs("graph ", f);
		put_str(f, g->name);
		fputc('\n', f);
	}
	for (int i = 0; i < g->n_meta; i++) {
		fputs("meta ", f);
		put_str(f, g->meta_key[i]);
		fputc(' ', f);
		put_str(f, g->meta_val[i]);
		fputc('\n', f);
	}
	for (int i = 0; i < g->n_prov; i++) {
		const struct ir_prov *p = &g->prov[i];
		fputs("provenance ", f);
		put_str(f, p->tool);
		fputc(' ', f);
		put_str(f, p->version);
		for (int j = 0; j < p->argc; j++) {
			fputc(' ', f);
			put_str(f, p->argv[j]);
		}
		fputc('\n', f);
	}
	if (g->march_name) {
		fputs("march ", f);
		put_str(f, g->march_name);
		if (g->march_text) {
			fputc(' ', f);
			put_quoted(f, g->march_text, g->march_len);
		}
		fputc('\n', f);
	}
	for (int i = 0; i < g->n_inputs; i++) {
		const struct ir_tensor *t = g->tensors[g->inputs[i]];
		fputs("input ", f);
		put_name(f, t->name);
		fputs(": ", f);
		put_type_quant(f, t);
		fputc('\n', f);
	}
	for (int i = 0; i < g->n_tensors; i++) {
		const struct ir_tensor *t = g->tensors[i];
		if (!t->data)
			continue;
		fputs("const ", f);
		put_name(f, t->name);
		fputs(": ", f);
		put_type_quant(f, t);
		fputs(" = ", f);
		put_values(f, t, !(flags & IR_TEXT_FULL) && ir_tensor_numel(t) > 16);
		fputc('\n', f);
	}
	for (int i = 0; i < g->n_nodes; i++)
		put_node(f, g, &g->nodes[i]);
	for (int i = 0; i < g->n_outputs; i++) {
		fputs("output ", f);
		put_name(f, g->tensors[g->outputs[i]]->name);
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

/* ---- parsing: lexical level -------------------------------------------- */

struct parser {
	const char *what;
	int line;
	const char *p;   /* cursor in the current line */
	const char *eol; /* end of the current line (its '\n' or the text's end) */
	char ctx[320];   /* "node \"conv1\": " and the like, prefixed to messages */
	struct ir_graph *g;
};

static int perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct parser *ps, const char *fmt, ...)
{
	char msg[sizeof ir_errmsg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ir_error("%s:%d: %s%s", ps->what, ps->line, ps->ctx, msg);
}

/* Skips blanks; a '#' outside a string ends the line. */
static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->eol && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
	if (ps->p < ps->eol && *ps->p == '#')
		ps->p = ps->eol;
}

static int at_eol(struct parser *ps)
{
	skip_ws(ps);
	return ps->p >= ps->eol;
}

/* What the cursor points at, for "found ..." in messages. */
static const char *found(struct parser *ps)
{
	static char buf[96];
	skip_ws(ps);
	const char *p = ps->p;
	if (p >= ps->eol)
		return "the end of the line";
	size_t k = 0, n = 0;
	buf[k++] = '"';
	while (p + n < ps->eol && n < 24 && (n == 0 || !isspace((unsigned char)p[n]))) {
		unsigned char c = (unsigned char)p[n++];
		if (c < 0x20 || c == 0x7f)
			k += snprintf(buf + k, sizeof buf - k, "\\x%02x", c);
		else
			buf[k++] = (char)c;
	}
	if (p + n < ps->eol && n == 24 && !isspace((unsigned char)p[n]))
		k += snprintf(buf + k, sizeof buf - k, "...");
	buf[k++] = '"';
	buf[k] = 0;
	return buf;
}

/* Consumes c (after blanks) if it is next. */
static int lex_char(struct parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p < ps->eol && *ps->p == c) {
		ps->p++;
		return 1;
	}
	return 0;
}

static int expect_char(struct parser *ps, char c, const char *where)
{
	if (lex_char(ps, c))
		return 0;
	return perr(ps, "expected '%c' %s, found %s", c, where, found(ps));
}

/* A word of [A-Za-z0-9_]: a line kind, an op, a dtype, a keyword. Returns
 * its length (0 if none, or if it does not fit in buf). */
static size_t lex_word(struct parser *ps, char *buf, size_t size)
{
	skip_ws(ps);
	const char *s = ps->p, *p = s;
	while (p < ps->eol && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	size_t n = (size_t)(p - s);
	if (n == 0 || n >= size)
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	ps->p = p;
	return n;
}

/* Consumes kw if it is next as a whole word followed directly by next. */
static int lex_keyword(struct parser *ps, const char *kw, char next)
{
	skip_ws(ps);
	size_t n = strlen(kw);
	if ((size_t)(ps->eol - ps->p) > n && memcmp(ps->p, kw, n) == 0 && ps->p[n] == next) {
		ps->p += n;
		return 1;
	}
	return 0;
}

/* A double-quoted string with C escapes; the cursor is at the quote. */
static int lex_quoted(struct parser *ps, char **out, size_t *lenp)
{
	const char *p = ps->p + 1, *e = ps->eol;
	size_t cap = 32, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (p >= e) {
			free(buf);
			return perr(ps, "a string is not closed: its '\"' is missing before the "
					"end of the line (write a newline inside a string as \\n)");
		}
		unsigned char c = (unsigned char)*p++;
		if (c == '"')
			break;
		if (c == '\\') {
			if (p >= e)
				continue; /* reported as not closed */
			char x = *p++;
			switch (x) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'x': {
				int v = 0;
				for (int k = 0; k < 2; k++, p++) {
					int d = p < e ? *p : 0;
					if (!isxdigit(d)) {
						free(buf);
						return perr(ps, "\\x in a string must be followed by two "
								"hex digits");
					}
					v = v * 16 + (isdigit(d) ? d - '0' : tolower(d) - 'a' + 10);
				}
				c = (unsigned char)v;
				break;
			}
			default:
				free(buf);
				if (isprint((unsigned char)x))
					return perr(ps, "unknown escape \\%c in a string; the escapes "
							"are \\\", \\\\, \\n, \\t and \\xHH", x);
				return perr(ps, "a backslash in a string must start an escape "
						"(\\\", \\\\, \\n, \\t or \\xHH)");
			}
		} else if (c == 0) {
			free(buf);
			return perr(ps, "a string holds a raw NUL byte; write it as \\x00");
		}
		if (n + 2 > cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		buf[n++] = (char)c;
	}
	buf[n] = 0;
	*out = buf;
	if (lenp)
		*lenp = n;
	ps->p = p;
	return 0;
}

/* A quoted string that must not contain NUL (names, meta, attributes). */
static int lex_string(struct parser *ps, char **out, const char *role)
{
	skip_ws(ps);
	if (ps->p >= ps->eol || *ps->p != '"')
		return perr(ps, "expected %s (a string in double quotes), found %s", role,
			    found(ps));
	size_t len;
	if (lex_quoted(ps, out, &len) < 0)
		return -1;
	if (strlen(*out) != len) {
		free(*out);
		*out = NULL;
		return perr(ps, "%s contains a NUL byte (\\x00), which is not allowed there",
			    role);
	}
	return 0;
}

/* A name, bare or quoted. With allow_absent, a bare `_` gives *out = NULL. */
static int lex_name(struct parser *ps, char **out, const char *role, int allow_absent)
{
	skip_ws(ps);
	*out = NULL;
	if (ps->p < ps->eol && *ps->p == '"')
		return lex_string(ps, out, role);
	const char *s = ps->p, *p = s;
	while (p < ps->eol && is_bare_char((unsigned char)*p))
		p++;
	while (p > s && p[-1] == ':') /* a bare name never ends in ':' */
		p--;
	if (p == s)
		return perr(ps, "expected %s, found %s", role, found(ps));
	if (p - s == 1 && *s == '_') {
		if (!allow_absent)
			return perr(ps, "expected %s, found _, which marks an absent input or "
					"output (a tensor named _ is written \"_\")", role);
		ps->p = p;
		return 0;
	}
	*out = xmalloc((size_t)(p - s) + 1);
	memcpy(*out, s, (size_t)(p - s));
	(*out)[p - s] = 0;
	ps->p = p;
	return 0;
}

/* A number token as written; converted by the reader that knows its type. */
struct num {
	int is_float; /* has a '.' or an exponent, or is inf or nan */
	char text[128];
};

static int starts_number(struct parser *ps)
{
	skip_ws(ps);
	const char *p = ps->p;
	if (p < ps->eol && (*p == '+' || *p == '-'))
		p++;
	if (p >= ps->eol)
		return 0;
	if (isdigit((unsigned char)*p) || *p == '.')
		return 1;
	return ps->eol - p >= 3 && (memcmp(p, "inf", 3) == 0 || memcmp(p, "nan", 3) == 0);
}

static int lex_number(struct parser *ps, struct num *n, const char *role)
{
	skip_ws(ps);
	const char *s = ps->p, *p = s, *e = ps->eol;
	n->is_float = 0;
	if (p < e && (*p == '+' || *p == '-'))
		p++;
	if (p < e && isalpha((unsigned char)*p)) {
		const char *w = p;
		while (p < e && isalpha((unsigned char)*p))
			p++;
		if (!(p - w == 3 && (memcmp(w, "inf", 3) == 0 || memcmp(w, "nan", 3) == 0)))
			goto bad;
		n->is_float = 1;
	} else {
		int digits = 0;
		while (p < e && isdigit((unsigned char)*p))
			p++, digits++;
		if (p < e && *p == '.') {
			n->is_float = 1;
			p++;
			while (p < e && isdigit((unsigned char)*p))
				p++, digits++;
		}
		if (!digits)
			goto bad;
		if (p < e && (*p == 'e' || *p == 'E')) {
			n->is_float = 1;
			p++;
			if (p < e && (*p == '+' || *p == '-'))
				p++;
			if (!(p < e && isdigit((unsigned char)*p)))
				goto bad;
			while (p < e && isdigit((unsigned char)*p))
				p++;
		}
	}
	if (p < e && (is_bare_char((unsigned char)*p) || *p == '"'))
		goto bad;
	if ((size_t)(p - s) >= sizeof n->text)
		return perr(ps, "the number %.20s... is too long", s);
	memcpy(n->text, s, (size_t)(p - s));
	n->text[p - s] = 0;
	ps->p = p;
	return 0;
bad:
	return perr(ps, "expected %s, found %s", role, found(ps));
}

static int num_to_i64(struct parser *ps, const struct num *n, int64_t *v, const char *role)
{
	if (n->is_float)
		return perr(ps, "%s must be an integer, found %s", role, n->text);
	errno = 0;
	long long x = strtoll(n->text, NULL, 10);
	if (errno)
		return perr(ps, "%s %s does not fit in 64 bits", role, n->text);
	*v = x;
	return 0;
}

static int num_to_int(struct parser *ps, const struct num *n, int64_t lo, int64_t hi,
		      int64_t *v, const char *role)
{
	if (num_to_i64(ps, n, v, role) < 0)
		return -1;
	if (*v < lo || *v > hi)
		return perr(ps, "%s %s is out of range [%lld, %lld]", role, n->text,
			    (long long)lo, (long long)hi);
	return 0;
}

static int num_is_inf(const struct num *n)
{
	return strstr(n->text, "inf") != NULL;
}

static int num_to_f32(struct parser *ps, const struct num *n, float *v, const char *role)
{
	*v = strtof(n->text, NULL);
	if (isinf(*v) && !num_is_inf(n))
		return perr(ps, "%s %s is out of range for f32", role, n->text);
	return 0;
}

/* ---- parsing: types, values, quant ------------------------------------- */

/* DTYPE[D0,...], DTYPE[] or DTYPE[?] (rank -1: shape not known yet). */
static int parse_type(struct parser *ps, enum ir_dtype *dt, int *rank, int64_t *dims)
{
	char w[32];
	if (!lex_word(ps, w, sizeof w))
		return perr(ps, "expected a type such as f32[1,3,224,224], found %s", found(ps));
	*dt = strcmp(w, "undefined") == 0 ? IR_DTYPE_UNDEFINED : ir_dtype_from_name(w);
	if (*dt == IR_DTYPE_UNDEFINED && strcmp(w, "undefined") != 0)
		return perr(ps, "unknown element type \"%s\"; the types are f32, f64, f16, bf16, "
				"i8, i16, i32, i64, u8, u16, u32, u64 and bool", w);
	if (ps->p >= ps->eol || *ps->p != '[')
		return perr(ps, "expected '[' and the dimensions right after the element type "
				"%s, found %s (a scalar is written %s[])", w, found(ps), w);
	ps->p++;
	*rank = 0;
	if (lex_char(ps, '?')) {
		*rank = -1;
		return expect_char(ps, ']', "after \"?\" in a type");
	}
	if (lex_char(ps, ']'))
		return 0;
	int64_t numel = 1;
	for (;;) {
		struct num n;
		int64_t d;
		if (lex_number(ps, &n, "a dimension") < 0 ||
		    num_to_int(ps, &n, 0, INT64_MAX, &d, "a dimension") < 0)
			return -1;
		if (*rank == IR_MAX_RANK)
			return perr(ps, "the type has more than %d dimensions, the most supported",
				    IR_MAX_RANK);
		if (__builtin_mul_overflow(numel, d, &numel))
			return perr(ps, "the type's element count does not fit in 64 bits");
		dims[(*rank)++] = d;
		if (lex_char(ps, ','))
			continue;
		if (lex_char(ps, ']'))
			return 0;
		return perr(ps, "expected ',' or ']' after dimension %lld, found %s",
			    (long long)d, found(ps));
	}
}

/* One element of a constant, stored in dt's layout at dst. */
static int parse_elem(struct parser *ps, enum ir_dtype dt, void *dst)
{
	static const struct { int64_t lo, hi; } range[IR_DTYPE_LIMIT] = {
		[IR_DTYPE_U8] = {0, UINT8_MAX},         [IR_DTYPE_I8] = {INT8_MIN, INT8_MAX},
		[IR_DTYPE_U16] = {0, UINT16_MAX},       [IR_DTYPE_I16] = {INT16_MIN, INT16_MAX},
		[IR_DTYPE_U32] = {0, UINT32_MAX},       [IR_DTYPE_I32] = {INT32_MIN, INT32_MAX},
		[IR_DTYPE_I64] = {INT64_MIN, INT64_MAX}, [IR_DTYPE_BOOL] = {0, 1},
	};
	struct num n;
	if (lex_number(ps, &n, "a value") < 0)
		return -1;
	if (ir_dtype_is_float(dt)) {
		if (dt == IR_DTYPE_F32) {
			float f;
			if (num_to_f32(ps, &n, &f, "value") < 0)
				return -1;
			memcpy(dst, &f, 4);
			return 0;
		}
		double d = strtod(n.text, NULL);
		uint16_t h;
		if (isinf(d) && !num_is_inf(&n))
			return perr(ps, "value %s is out of range for %s", n.text, ir_dtype_name(dt));
		switch (dt) {
		case IR_DTYPE_F64:
			memcpy(dst, &d, 8);
			return 0;
		case IR_DTYPE_F16:
			h = f16_from_double(d);
			break;
		default:
			h = bf16_from_double(d);
			break;
		}
		if ((h & 0x7fff) == (dt == IR_DTYPE_F16 ? 0x7c00 : 0x7f80) && !isinf(d))
			return perr(ps, "value %s is out of range for %s", n.text, ir_dtype_name(dt));
		memcpy(dst, &h, 2);
		return 0;
	}
	if (n.is_float)
		return perr(ps, "value %s is not an integer, as %s elements must be", n.text,
			    ir_dtype_name(dt));
	if (dt == IR_DTYPE_U64) {
		errno = 0;
		unsigned long long u = strtoull(n.text, NULL, 10);
		if (n.text[0] == '-' || errno)
			return perr(ps, "value %s is out of range for u64 [0, %llu]", n.text,
				    (unsigned long long)UINT64_MAX);
		uint64_t v = u;
		memcpy(dst, &v, 8);
		return 0;
	}
	if (dt <= IR_DTYPE_UNDEFINED || dt >= IR_DTYPE_LIMIT || ir_dtype_size(dt) == 0)
		return perr(ps, "a value of element type %s cannot be written", ir_dtype_name(dt));
	int64_t v;
	char role[32];
	snprintf(role, sizeof role, "%s value", ir_dtype_name(dt));
	if (num_to_int(ps, &n, range[dt].lo, range[dt].hi, &v, role) < 0)
		return -1;
	uint8_t b8 = (uint8_t)v;
	uint16_t b16 = (uint16_t)v;
	uint32_t b32 = (uint32_t)v;
	switch (ir_dtype_size(dt)) {
	case 1: memcpy(dst, &b8, 1); break;
	case 2: memcpy(dst, &b16, 2); break;
	case 4: memcpy(dst, &b32, 4); break;
	default: memcpy(dst, &v, 8); break;
	}
	return 0;
}

/* "[v, ...]" holding exactly numel values of dt; "elided" is refused. */
static int parse_values(struct parser *ps, enum ir_dtype dt, int rank, const int64_t *dims,
			void **out)
{
	char w[16] = "";
	*out = NULL;
	if (lex_word(ps, w, sizeof w) && strcmp(w, "elided") == 0)
		return perr(ps, "the values are elided (ir-dis prints constants of more than 16 "
				"elements that way unless given --full), so the text cannot be "
				"assembled; disassemble the model with ir-dis --full");
	if (*w)
		return perr(ps, "expected '[' and the values (or the word elided), found \"%s\"",
			    w);
	if (rank < 0)
		return perr(ps, "a constant needs a known shape, not [?]");
	size_t es = ir_dtype_size(dt);
	if (es == 0)
		return perr(ps, "a constant needs a known element type, not undefined");
	if (expect_char(ps, '[', "to open the list of values (or the word elided)") < 0)
		return -1;
	int64_t numel = ir_shape_numel(rank, dims), count = 0;
	size_t cap = 16;
	char *buf = xmalloc(cap * es);
	if (!lex_char(ps, ']')) {
		for (;;) {
			if ((size_t)count == cap) {
				cap *= 2;
				buf = xrealloc(buf, cap * es);
			}
			if (parse_elem(ps, dt, buf + (size_t)count * es) < 0)
				goto fail;
			count++;
			if (lex_char(ps, ','))
				continue;
			if (lex_char(ps, ']'))
				break;
			perr(ps, "expected ',' or ']' after value %lld of the list, found %s",
			     (long long)count, found(ps));
			goto fail;
		}
	}
	if (count != numel) {
		char shape[160];
		ir_shape_str(rank, dims, shape, sizeof shape);
		perr(ps, "type %s%s holds %lld values, but the list gives %lld",
		     ir_dtype_name(dt), shape, (long long)numel, (long long)count);
		goto fail;
	}
	*out = buf;
	return 0;
fail:
	free(buf);
	return -1;
}

static void quant_free(struct ir_quant *q)
{
	if (!q)
		return;
	free(q->scale);
	free(q->zero_point);
	free(q->method);
	free(q);
}

/* Numbers in brackets, already past the '['; to ']'. */
static int parse_num_list(struct parser *ps, struct num **out, int *cnt, const char *role)
{
	*out = NULL;
	*cnt = 0;
	if (lex_char(ps, ']'))
		return 0;
	int cap = 0;
	for (;;) {
		if (*cnt == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xrealloc(*out, sizeof **out * cap);
		}
		if (lex_number(ps, &(*out)[*cnt], role) < 0)
			return -1;
		(*cnt)++;
		if (lex_char(ps, ','))
			continue;
		if (lex_char(ps, ']'))
			return 0;
		return perr(ps, "expected ',' or ']' after %s %s, found %s", role,
			    (*out)[*cnt - 1].text, found(ps));
	}
}

/* After a type: " quant(DTYPE, scale=[...], zero_point=[...], axis=N,
 * method="...")", or nothing. */
static int parse_quant_opt(struct parser *ps, struct ir_quant **out)
{
	*out = NULL;
	if (!lex_keyword(ps, "quant", '('))
		return 0;
	ps->p++;
	struct ir_quant *q = xcalloc(1, sizeof *q);
	struct num *nums = NULL;
	int cnt, have_scale = 0, have_zp = 0, have_axis = 0, nzp = 0;
	char w[32];
	if (!lex_word(ps, w, sizeof w) || (q->dtype = ir_dtype_from_name(w)) == IR_DTYPE_UNDEFINED) {
		perr(ps, "expected the quantized element type (i8, i16 or i32) after \"quant(\", "
			 "found %s", found(ps));
		goto fail;
	}
	while (!lex_char(ps, ')')) {
		if (expect_char(ps, ',', "or ')' in quant(...)") < 0)
			goto fail;
		if (!lex_word(ps, w, sizeof w) || !lex_char(ps, '=')) {
			perr(ps, "expected scale=, zero_point=, axis= or method= in quant(...), "
				 "found %s", found(ps));
			goto fail;
		}
		if (strcmp(w, "scale") == 0 || strcmp(w, "zero_point") == 0) {
			int is_scale = w[0] == 's';
			if (is_scale ? have_scale++ : have_zp++) {
				perr(ps, "quant(...) gives %s twice", w);
				goto fail;
			}
			if (expect_char(ps, '[', is_scale ? "to open the scale list"
							  : "to open the zero_point list") < 0 ||
			    parse_num_list(ps, &nums, &cnt, is_scale ? "a scale" : "a zero point") < 0)
				goto fail;
			if (is_scale) {
				q->n = cnt;
				q->scale = xmalloc(sizeof(float) * (cnt ? cnt : 1));
				for (int i = 0; i < cnt; i++)
					if (num_to_f32(ps, &nums[i], &q->scale[i], "scale") < 0)
						goto fail;
			} else {
				nzp = cnt;
				q->zero_point = xmalloc(sizeof(int32_t) * (cnt ? cnt : 1));
				for (int i = 0; i < cnt; i++) {
					int64_t v;
					if (num_to_int(ps, &nums[i], INT32_MIN, INT32_MAX, &v,
						       "zero point") < 0)
						goto fail;
					q->zero_point[i] = (int32_t)v;
				}
			}
			free(nums);
			nums = NULL;
		} else if (strcmp(w, "axis") == 0) {
			struct num n;
			int64_t v;
			if (have_axis++) {
				perr(ps, "quant(...) gives axis twice");
				goto fail;
			}
			if (lex_number(ps, &n, "an axis") < 0 ||
			    num_to_int(ps, &n, INT32_MIN, INT32_MAX, &v, "axis") < 0)
				goto fail;
			q->axis = (int)v;
		} else if (strcmp(w, "method") == 0) {
			if (q->method) {
				perr(ps, "quant(...) gives method twice");
				goto fail;
			}
			if (lex_string(ps, &q->method, "the calibration method") < 0)
				goto fail;
		} else {
			perr(ps, "unknown field \"%s\" in quant(...); the fields are scale, "
				 "zero_point, axis and method", w);
			goto fail;
		}
	}
	if (!have_scale) {
		perr(ps, "quant(...) needs scale=[...]");
		goto fail;
	}
	if (have_zp && nzp != q->n) {
		perr(ps, "quant(...) gives %d zero points for %d scales", nzp, q->n);
		goto fail;
	}
	*out = q;
	return 0;
fail:
	free(nums);
	quant_free(q);
	return -1;
}

/* "tensor(TYPE [QUANT], VALUES)", past the word "tensor". */
static int parse_tensor_value(struct parser *ps, struct ir_tensor **out)
{
	struct ir_tensor *t = xcalloc(1, sizeof *t);
	t->name = xstrdup("");
	t->producer = -1;
	ps->p++; /* '(' */
	if (parse_type(ps, &t->dtype, &t->rank, t->dims) < 0 ||
	    parse_quant_opt(ps, &t->quant) < 0 ||
	    expect_char(ps, ',', "between the type and the values of tensor(...)") < 0 ||
	    parse_values(ps, t->dtype, t->rank, t->dims, &t->data) < 0 ||
	    expect_char(ps, ')', "to close tensor(...)") < 0) {
		ir_tensor_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

/* A list of strings, past the '['; to ']'. */
static int parse_attr_strings(struct parser *ps, struct ir_node *n, const char *name)
{
	char **v = NULL;
	int cnt = 0, rc = 0;
	if (!lex_char(ps, ']')) {
		for (;;) {
			v = xrealloc(v, sizeof *v * (cnt + 1));
			if (lex_string(ps, &v[cnt], "a string (a list of strings holds only "
						    "strings)") < 0) {
				rc = -1;
				break;
			}
			cnt++;
			if (lex_char(ps, ','))
				continue;
			if (lex_char(ps, ']'))
				break;
			rc = perr(ps, "expected ',' or ']' in a list of strings, found %s", found(ps));
			break;
		}
	}
	if (rc == 0)
		ir_attr_set_strings(n, name, cnt, v);
	for (int i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return rc;
}

enum list_kind { LIST_ANY, LIST_INTS, LIST_FLOATS };

/* A list of numbers, past the '['. Untyped ([...]) it is floats if any
 * element is written as a float, else ints. */
static int parse_attr_numbers(struct parser *ps, struct ir_node *n, const char *name,
			      enum list_kind kind)
{
	struct num *nums;
	int cnt, rc = 0, want_float = kind == LIST_FLOATS;
	if (parse_num_list(ps, &nums, &cnt, "a number") < 0) {
		free(nums);
		return -1;
	}
	for (int i = 0; i < cnt && kind == LIST_ANY; i++)
		want_float |= nums[i].is_float;
	if (want_float) {
		float *v = xmalloc(sizeof *v * (cnt ? cnt : 1));
		for (int i = 0; i < cnt && rc == 0; i++)
			rc = num_to_f32(ps, &nums[i], &v[i], "value");
		if (rc == 0)
			ir_attr_set_floats(n, name, cnt, v);
		free(v);
	} else {
		int64_t *v = xmalloc(sizeof *v * (cnt ? cnt : 1));
		for (int i = 0; i < cnt && rc == 0; i++)
			rc = num_to_i64(ps, &nums[i], &v[i], "an ints element");
		if (rc == 0)
			ir_attr_set_ints(n, name, cnt, v);
		free(v);
	}
	free(nums);
	return rc;
}

/* One attribute value; sets it on n under name. */
static int parse_attr_value(struct parser *ps, struct ir_node *n, const char *name)
{
	skip_ws(ps);
	if (lex_keyword(ps, "tensor", '(')) {
		struct ir_tensor *t;
		if (parse_tensor_value(ps, &t) < 0)
			return -1;
		ir_attr_set_tensor(n, name, t);
		return 0;
	}
	if (lex_keyword(ps, "ints", '[')) {
		ps->p++;
		return parse_attr_numbers(ps, n, name, LIST_INTS);
	}
	if (lex_keyword(ps, "floats", '[')) {
		ps->p++;
		return parse_attr_numbers(ps, n, name, LIST_FLOATS);
	}
	if (lex_keyword(ps, "strings", '[')) {
		ps->p++;
		return parse_attr_strings(ps, n, name);
	}
	if (ps->p < ps->eol && *ps->p == '"') {
		char *s;
		if (lex_string(ps, &s, "a string") < 0)
			return -1;
		ir_attr_set_string(n, name, s);
		free(s);
		return 0;
	}
	if (starts_number(ps)) {
		struct num v;
		if (lex_number(ps, &v, "a value") < 0)
			return -1;
		if (v.is_float) {
			float f;
			if (num_to_f32(ps, &v, &f, "value") < 0)
				return -1;
			ir_attr_set_float(n, name, f);
		} else {
			int64_t i;
			if (num_to_i64(ps, &v, &i, "value") < 0)
				return -1;
			ir_attr_set_int(n, name, i);
		}
		return 0;
	}
	if (!lex_char(ps, '['))
		return perr(ps, "expected a value (a number, a \"string\", a [list], ints[], "
				"floats[], strings[] or tensor(...)), found %s", found(ps));
	skip_ws(ps);
	if (ps->p < ps->eol && *ps->p == ']')
		return perr(ps, "an empty list must say its kind: ints[], floats[] or strings[]");
	if (ps->p < ps->eol && *ps->p == '"')
		return parse_attr_strings(ps, n, name);
	return parse_attr_numbers(ps, n, name, LIST_ANY);
}

/* ---- parsing: lines ---------------------------------------------------- */

static int add_tensor(struct parser *ps, const char *name, enum ir_dtype dt, int rank,
		      const int64_t *dims, void *data, struct ir_quant *q)
{
	int id = data ? ir_const_add(ps->g, name, dt, rank, dims, data)
		      : ir_tensor_add(ps->g, name, dt, rank, dims);
	if (id < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		quant_free(q);
		return perr(ps, "%s", msg);
	}
	ps->g->tensors[id]->quant = q;
	return id;
}

/* The ':' between a tensor's name and its type. A bare name may contain
 * ':', so "y:f32[1]" reads as the name "y:f32"; say so when that happens. */
static int expect_type_colon(struct parser *ps, const char *name)
{
	if (lex_char(ps, ':'))
		return 0;
	if (strchr(name, ':') && ps->p < ps->eol && *ps->p == '[')
		return perr(ps, "expected ':' and the type after the name \"%s\", found %s (a "
				"bare name may contain ':', so write \"NAME: TYPE\" with a space)",
			    name, found(ps));
	return perr(ps, "expected ':' and the type after the name \"%s\", found %s", name,
		    found(ps));
}

/* input NAME: TYPE [QUANT]  /  const NAME: TYPE [QUANT] = VALUES */
static int parse_input_or_const(struct parser *ps, int is_const)
{
	char *name;
	enum ir_dtype dt;
	int rank, rc = -1;
	int64_t dims[IR_MAX_RANK];
	struct ir_quant *q = NULL;
	void *data = NULL;
	if (lex_name(ps, &name, is_const ? "a constant's name" : "an input's name", 0) < 0)
		return -1;
	snprintf(ps->ctx, sizeof ps->ctx, "%s \"%s\": ", is_const ? "const" : "input", name);
	if (expect_type_colon(ps, name) < 0 || parse_type(ps, &dt, &rank, dims) < 0 ||
	    parse_quant_opt(ps, &q) < 0)
		goto out;
	if (is_const && (expect_char(ps, '=', "and the values after the type") < 0 ||
			 parse_values(ps, dt, rank, dims, &data) < 0))
		goto out;
	int id = add_tensor(ps, name, dt, rank, dims, data, q);
	q = NULL;
	if (id < 0)
		goto out;
	if (!is_const)
		ir_graph_add_input(ps->g, id);
	rc = 0;
out:
	quant_free(q);
	free(name);
	return rc;
}

/* node NAME OP(IN, ...) -> (OUT: TYPE [QUANT], ...) ATTR=VALUE ... [| KEY=VALUE ...] */
static int parse_node(struct parser *ps)
{
	struct ir_graph *g = ps->g;
	char *name, *s = NULL, op_name[64];
	int *in = NULL, *out = NULL, n_in = 0, n_out = 0, rc = -1;
	if (lex_name(ps, &name, "a node name", 0) < 0)
		return -1;
	snprintf(ps->ctx, sizeof ps->ctx, "node \"%s\": ", name);
	if (ir_node_find(g, name)) {
		perr(ps, "a node of this name is already defined");
		goto out;
	}
	if (!lex_word(ps, op_name, sizeof op_name)) {
		perr(ps, "expected the operator after the node name, found %s", found(ps));
		goto out;
	}
	enum ir_op op = ir_op_from_name(op_name);
	if (op == IR_OP_INVALID) {
		perr(ps, "unknown operator \"%s\" (formats/ir.md, \"Operators\", lists them)",
		     op_name);
		goto out;
	}
	if (ps->p >= ps->eol || *ps->p != '(') {
		perr(ps, "expected '(' and the inputs right after the operator %s, found %s",
		     op_name, found(ps));
		goto out;
	}
	ps->p++;
	if (!lex_char(ps, ')')) {
		for (;;) {
			if (lex_name(ps, &s, "an input name or _", 1) < 0)
				goto out;
			int t = -1;
			if (s && (t = ir_tensor_find(g, s)) < 0) {
				perr(ps, "input \"%s\" is not defined (by an earlier input, const or "
					 "node line)", s);
				goto out;
			}
			free(s);
			s = NULL;
			in = xrealloc(in, sizeof *in * (n_in + 1));
			in[n_in++] = t;
			if (lex_char(ps, ','))
				continue;
			if (lex_char(ps, ')'))
				break;
			perr(ps, "expected ',' or ')' after an input, found %s", found(ps));
			goto out;
		}
	}
	skip_ws(ps);
	if (!(ps->eol - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] == '>')) {
		perr(ps, "expected \"->\" and the outputs after the inputs, found %s", found(ps));
		goto out;
	}
	ps->p += 2;
	if (expect_char(ps, '(', "to open the list of outputs") < 0)
		goto out;
	if (!lex_char(ps, ')')) {
		for (;;) {
			int t = -1;
			if (lex_name(ps, &s, "an output name or _", 1) < 0)
				goto out;
			if (s) {
				enum ir_dtype dt;
				int rank;
				int64_t dims[IR_MAX_RANK];
				struct ir_quant *q;
				if (expect_type_colon(ps, s) < 0 || parse_type(ps, &dt, &rank, dims) < 0 ||
				    parse_quant_opt(ps, &q) < 0)
					goto out;
				if ((t = add_tensor(ps, s, dt, rank, dims, NULL, q)) < 0)
					goto out;
				free(s);
				s = NULL;
			}
			out = xrealloc(out, sizeof *out * (n_out + 1));
			out[n_out++] = t;
			if (lex_char(ps, ','))
				continue;
			if (lex_char(ps, ')'))
				break;
			perr(ps, "expected ',' or ')' after an output, found %s", found(ps));
			goto out;
		}
	}
	struct ir_node *n = ir_node_add(g, name, op);
	n->line = ps->line;
	for (int i = 0; i < n_in; i++)
		ir_node_add_input(n, in[i]);
	for (int i = 0; i < n_out; i++)
		ir_node_add_output(n, out[i]);
	size_t ctx_len = strlen(ps->ctx);
	while (!at_eol(ps) && *ps->p != '|') {
		ps->ctx[ctx_len] = 0;
		if (lex_name(ps, &s, "an attribute name (or '|' and the annotations)", 0) < 0)
			goto out;
		snprintf(ps->ctx + ctx_len, sizeof ps->ctx - ctx_len, "attribute \"%s\": ", s);
		if (ir_attr_find(n, s)) {
			perr(ps, "the attribute is given twice");
			goto out;
		}
		if (expect_char(ps, '=', "and the value after the attribute's name") < 0 ||
		    parse_attr_value(ps, n, s) < 0)
			goto out;
		free(s);
		s = NULL;
	}
	ps->ctx[ctx_len] = 0;
	if (lex_char(ps, '|')) {
		int seen_place = 0, seen_segment = 0;
		while (!at_eol(ps)) {
			char key[32];
			if (!lex_word(ps, key, sizeof key) || !lex_char(ps, '=')) {
				perr(ps, "expected an annotation place=, segment=, reason=, origin= or qtype= "
					 "after '|', found %s", found(ps));
				goto out;
			}
			if (strcmp(key, "place") == 0) {
				char v[8];
				if (seen_place++) {
					perr(ps, "place is given twice");
					goto out;
				}
				if (!lex_word(ps, v, sizeof v) ||
				    (strcmp(v, "bpu") != 0 && strcmp(v, "cpu") != 0)) {
					perr(ps, "place must be bpu or cpu, found %s", found(ps));
					goto out;
				}
				n->place = v[0] == 'b' ? IR_PLACE_BPU : IR_PLACE_CPU;
			} else if (strcmp(key, "segment") == 0) {
				struct num v;
				int64_t i;
				if (seen_segment++) {
					perr(ps, "segment is given twice");
					goto out;
				}
				if (lex_number(ps, &v, "a segment number") < 0 ||
				    num_to_int(ps, &v, 0, INT32_MAX, &i, "segment") < 0)
					goto out;
				n->segment = (int)i;
			} else if (strcmp(key, "reason") == 0 || strcmp(key, "origin") == 0 ||
				   strcmp(key, "qtype") == 0) {
				char **dst = key[0] == 'r' ? &n->reason : key[0] == 'o' ? &n->origin
											: &n->qtype;
				if (*dst) {
					perr(ps, "%s is given twice", key);
					goto out;
				}
				if (lex_string(ps, dst, key) < 0)
					goto out;
			} else {
				perr(ps, "unknown annotation \"%s\"; the annotations after '|' are "
					 "place, segment, reason, origin and qtype", key);
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(s);
	free(name);
	free(in);
	free(out);
	return rc;
}

static int parse_header(struct parser *ps)
{
	skip_ws(ps);
	const char *p = ps->p;
	long major = 0, minor = 0;
	int nd = 0;
	while (p < ps->eol && isdigit((unsigned char)*p) && nd < 6)
		major = major * 10 + (*p++ - '0'), nd++;
	if (nd == 0 || p >= ps->eol || *p != '.')
		return perr(ps, "expected the version MAJOR.MINOR after \"ir\" (ir %d.%d), found %s",
			    IR_VERSION_MAJOR, IR_VERSION_MINOR, found(ps));
	p++;
	nd = 0;
	while (p < ps->eol && isdigit((unsigned char)*p) && nd < 6)
		minor = minor * 10 + (*p++ - '0'), nd++;
	if (nd == 0 || (p < ps->eol && is_bare_char((unsigned char)*p)))
		return perr(ps, "expected the version MAJOR.MINOR after \"ir\" (ir %d.%d), found %s",
			    IR_VERSION_MAJOR, IR_VERSION_MINOR, found(ps));
	ps->p = p;
	if (major != IR_VERSION_MAJOR)
		return perr(ps, "text IR version %ld.%ld; this toolchain (%s) reads version %d.x",
			    major, minor, BPU_TOOLCHAIN_VERSION, IR_VERSION_MAJOR);
	return 0;
}

/* The lines before the graph's body: graph, meta, provenance, march. */
static int parse_graph_line(struct parser *ps, const char *kw, int *seen_graph, int *seen_march)
{
	struct ir_graph *g = ps->g;
	char *a = NULL, *b = NULL;
	int rc = -1;
	if (strcmp(kw, "graph") == 0) {
		if ((*seen_graph)++) {
			perr(ps, "a second graph line; a text holds one graph");
			goto out;
		}
		if (lex_name(ps, &a, "the graph's name", 0) < 0)
			goto out;
		free(g->name);
		g->name = a;
		a = NULL;
	} else if (strcmp(kw, "meta") == 0) {
		if (lex_name(ps, &a, "a metadata key", 0) < 0 ||
		    lex_string(ps, &b, "the metadata value") < 0)
			goto out;
		for (int i = 0; i < g->n_meta; i++)
			if (strcmp(g->meta_key[i], a) == 0) {
				perr(ps, "metadata key \"%s\" is given twice", a);
				goto out;
			}
		ir_graph_set_meta(g, a, b);
	} else if (strcmp(kw, "provenance") == 0) {
		char **args = NULL;
		int argc = 0, bad = 0;
		if (lex_name(ps, &a, "the tool's name", 0) < 0 ||
		    lex_string(ps, &b, "the tool's version") < 0)
			goto out;
		while (!bad && !at_eol(ps)) {
			args = xrealloc(args, sizeof *args * (argc + 1));
			if (lex_string(ps, &args[argc], "an argument") < 0)
				bad = 1;
			else
				argc++;
		}
		if (!bad) {
			ir_graph_add_prov(g, a, argc, args);
			free(g->prov[g->n_prov - 1].version);
			g->prov[g->n_prov - 1].version = b;
			b = NULL;
		}
		for (int i = 0; i < argc; i++)
			free(args[i]);
		free(args);
		if (bad)
			goto out;
	} else { /* march */
		if ((*seen_march)++) {
			perr(ps, "a second march line; a model has one march");
			goto out;
		}
		if (lex_name(ps, &a, "the march's name", 0) < 0)
			goto out;
		g->march_name = a;
		a = NULL;
		if (!at_eol(ps)) {
			if (*ps->p != '"') {
				perr(ps, "expected the march file's text as a string, found %s",
				     found(ps));
				goto out;
			}
			char *text;
			if (lex_quoted(ps, &text, &g->march_len) < 0)
				goto out;
			g->march_text = text;
		}
	}
	rc = 0;
out:
	free(a);
	free(b);
	return rc;
}

static int parse_line(struct parser *ps, int *state, int *seen_graph, int *seen_march)
{
	enum { BEFORE_HEADER, HEADER, BODY };
	char kw[16];
	ps->ctx[0] = 0;
	if (at_eol(ps))
		return 0;
	if (!lex_word(ps, kw, sizeof kw))
		return perr(ps, "expected a line starting with ir, graph, meta, provenance, "
				"march, input, const, node or output, found %s", found(ps));
	if (*state == BEFORE_HEADER) {
		if (strcmp(kw, "ir") != 0)
			return perr(ps, "expected the header \"ir %d.%d\" before anything else, "
					"found \"%s\"", IR_VERSION_MAJOR, IR_VERSION_MINOR, kw);
		*state = HEADER;
		if (parse_header(ps) < 0)
			return -1;
	} else if (strcmp(kw, "ir") == 0) {
		return perr(ps, "a second \"ir\" header; a text holds one graph");
	} else if (strcmp(kw, "graph") == 0 || strcmp(kw, "meta") == 0 ||
		   strcmp(kw, "provenance") == 0 || strcmp(kw, "march") == 0) {
		if (*state == BODY)
			return perr(ps, "a %s line after the first input, const, node or output "
					"line; graph, meta, provenance and march lines come first", kw);
		if (parse_graph_line(ps, kw, seen_graph, seen_march) < 0)
			return -1;
	} else if (strcmp(kw, "input") == 0 || strcmp(kw, "const") == 0) {
		*state = BODY;
		if (parse_input_or_const(ps, kw[0] == 'c') < 0)
			return -1;
	} else if (strcmp(kw, "node") == 0) {
		*state = BODY;
		if (parse_node(ps) < 0)
			return -1;
	} else if (strcmp(kw, "output") == 0) {
		char *name;
		*state = BODY;
		if (lex_name(ps, &name, "an output's name", 0) < 0)
			return -1;
		int t = ir_tensor_find(ps->g, name);
		if (t < 0) {
			perr(ps, "model output \"%s\" is not defined (by an earlier input, const or "
				 "node line)", name);
			free(name);
			return -1;
		}
		free(name);
		ir_graph_add_output(ps->g, t);
	} else {
		return perr(ps, "unknown line kind \"%s\"; expected graph, meta, provenance, "
				"march, input, const, node or output", kw);
	}
	if (!at_eol(ps))
		return perr(ps, "unexpected %s at the end of the %s line", found(ps), kw);
	return 0;
}

struct ir_graph *ir_text_parse(const char *text, size_t len, const char *what)
{
	struct parser ps = {.what = what ? what : "<text>"};
	int state = 0, seen_graph = 0, seen_march = 0;
	const char *end = text + len, *ln = text;
	ps.g = ir_graph_new("");
	while (ln < end) {
		const char *nl = memchr(ln, '\n', (size_t)(end - ln));
		ps.line++;
		ps.p = ln;
		ps.eol = nl ? nl : end;
		if (parse_line(&ps, &state, &seen_graph, &seen_march) < 0)
			goto fail;
		ln = nl ? nl + 1 : end;
	}
	if (state == 0) {
		ps.line = ps.line ? ps.line : 1;
		ps.ctx[0] = 0;
		perr(&ps, "no \"ir %d.%d\" header: the text is empty or holds only comments",
		     IR_VERSION_MAJOR, IR_VERSION_MINOR);
		goto fail;
	}
	if (ir_graph_check(ps.g) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		ir_error("%s: %s", ps.what, msg);
		goto fail;
	}
	return ps.g;
fail:
	ir_graph_free(ps.g);
	return NULL;
}
