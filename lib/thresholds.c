/*
 * thresholds.c: reading and writing thresholds files (thresholds.h,
 * formats/thresholds.md).
 */
#include "thresholds.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct lexer {
	const char *p, *end, *what;
	int line;
};

static int lerr(const struct lexer *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int lerr(const struct lexer *lx, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ir_error("%s:%d: %s", lx->what, lx->line, msg);
}

static void skip_space(struct lexer *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r'))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '#')
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
}

static int at_eol(struct lexer *lx)
{
	skip_space(lx);
	return lx->p >= lx->end || *lx->p == '\n';
}

static int bare(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-' ||
	       c == '+' || c == '=' || c == '[' || c == ']' || c == ',';
}

/* A word (bare) or a quoted name; malloc'd into *out. */
static int lex_token(struct lexer *lx, char **out)
{
	skip_space(lx);
	if (lx->p < lx->end && *lx->p == '"') {
		char *buf = xmalloc((size_t)(lx->end - lx->p) + 1);
		size_t n = 0;
		lx->p++;
		while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
			char c = *lx->p++;
			if (c == '\\' && lx->p < lx->end) {
				char e = *lx->p++;
				if (e == 'n')
					c = '\n';
				else if (e == 't')
					c = '\t';
				else if (e == 'x' && lx->end - lx->p >= 2) {
					char hex[3] = {lx->p[0], lx->p[1], 0};
					c = (char)strtol(hex, NULL, 16);
					lx->p += 2;
				} else
					c = e;
			}
			buf[n++] = c;
		}
		if (lx->p >= lx->end || *lx->p != '"') {
			free(buf);
			return lerr(lx, "unterminated quoted name");
		}
		lx->p++;
		buf[n] = 0;
		*out = buf;
		return 0;
	}
	const char *s = lx->p;
	while (lx->p < lx->end && bare((unsigned char)*lx->p))
		lx->p++;
	if (lx->p == s)
		return lerr(lx, "expected a name or a value, found '%c'",
			    lx->p < lx->end ? *lx->p : ' ');
	*out = xmalloc((size_t)(lx->p - s) + 1);
	memcpy(*out, s, (size_t)(lx->p - s));
	(*out)[lx->p - s] = 0;
	return 0;
}

static int parse_double(const struct lexer *lx, const char *key, const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || *end || errno || !isfinite(d))
		return lerr(lx, "%s=%s: expected a number", key, v);
	*out = d;
	return 0;
}

/* KEY=V, V one number or [X0,X1,...] (X the list's letter): f32 values,
 * positive ones when positive is set; *out (malloc'd) and *n on success */
static int parse_floats(const struct lexer *lx, const char *key, char letter, int positive,
			const char *v, float **out, int *n_out)
{
	const char *p = v, *what = positive ? "positive number" : "number";
	int list = *p == '[';
	if (list)
		p++;
	float *f = NULL;
	int n = 0;
	while (*p && *p != ']') {
		char *end;
		errno = 0;
		double d = strtod(p, &end);
		if (end == p || errno || (positive && !(d > 0)) || !isfinite(d) || fabs(d) > 3.4e38) {
			free(f);
			return lerr(lx, "%s %.*s: expected a %s", key, (int)strcspn(p, ",]"), p, what);
		}
		f = xrealloc(f, sizeof(float) * (n + 1));
		f[n++] = (float)d;
		p = end;
		if (*p == ',')
			p++;
		else if (*p && *p != ']') {
			free(f);
			return lerr(lx, "%s: unexpected '%c'", key, *p);
		}
	}
	if ((list && *p != ']') || (!list && n != 1) || n == 0 || (list && p[1])) {
		free(f);
		return lerr(lx, "%s=%s: expected one %s or [%c0,%c1,...]", key, v, what, letter,
			    letter);
	}
	*out = f;
	*n_out = n;
	return 0;
}

void thresholds_free(struct thresholds *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++) {
		free(t->e[i].name);
		free(t->e[i].scale);
		free(t->e[i].method);
		free(t->e[i].bias);
	}
	free(t->e);
	free(t->path);
	free(t->model);
	free(t->method);
	free(t->choice);
	free(t);
}

struct th_entry *thresholds_add(struct thresholds *t, const char *name, int weight, int n,
				const float *scale, int32_t zp)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->e = xrealloc(t->e, sizeof *t->e * t->cap);
	}
	struct th_entry *e = &t->e[t->n++];
	memset(e, 0, sizeof *e);
	e->name = xstrdup(name);
	e->weight = weight;
	e->n = n;
	e->scale = xmalloc(sizeof(float) * (n ? n : 1));
	if (n)
		memcpy(e->scale, scale, sizeof(float) * n);
	e->zero_point = zp;
	e->dtype = IR_DTYPE_I8;
	return e;
}

const struct th_entry *thresholds_find(const struct thresholds *t, const char *name, int weight)
{
	for (int i = 0; i < t->n; i++)
		if (t->e[i].weight == weight && !strcmp(t->e[i].name, name))
			return &t->e[i];
	return NULL;
}

struct thresholds *thresholds_parse(const char *text, size_t len, const char *what)
{
	struct thresholds *t = xcalloc(1, sizeof *t);
	t->path = xstrdup(what);
	struct lexer lx = {text, text + len, what, 1};
	int seen_header = 0;
	char *word = NULL, *name = NULL;
	for (; lx.p < lx.end; lx.line++) {
		if (at_eol(&lx)) {
			if (lx.p < lx.end)
				lx.p++;
			continue;
		}
		if (lex_token(&lx, &word) < 0)
			goto fail;
		if (!seen_header) {
			char *v = NULL;
			if (strcmp(word, "thresholds") || lex_token(&lx, &v) < 0 || strcmp(v, "1")) {
				free(v);
				lerr(&lx, "expected the header \"thresholds 1\" first");
				goto fail;
			}
			free(v);
			seen_header = 1;
		} else if (!strcmp(word, "model") || !strcmp(word, "method") ||
			   !strcmp(word, "choice")) {
			char **dst = word[1] == 'h' ? &t->choice
				     : word[1] == 'o' && word[2] == 'd' ? &t->model : &t->method;
			if (*dst) {
				lerr(&lx, "%s is given twice", word);
				goto fail;
			}
			if (lex_token(&lx, dst) < 0)
				goto fail;
		} else if (!strcmp(word, "act") || !strcmp(word, "weight")) {
			int weight = word[0] == 'w';
			if (lex_token(&lx, &name) < 0)
				goto fail;
			if (thresholds_find(t, name, weight)) {
				lerr(&lx, "%s \"%s\" is listed twice", word, name);
				goto fail;
			}
			struct th_entry e = {0};
			e.dtype = IR_DTYPE_I8;
			e.line = lx.line;
			int ok = 1;
			while (ok && !at_eol(&lx)) {
				char *kv = NULL;
				if (lex_token(&lx, &kv) < 0) {
					ok = 0;
					break;
				}
				char *eq = strchr(kv, '=');
				if (!eq) {
					if (strcmp(kv, "per_channel")) {
						lerr(&lx, "expected key=value, found \"%s\"", kv);
						ok = 0;
					}
					free(kv);
					continue;
				}
				*eq = 0;
				const char *k = kv, *v = eq + 1;
				double d;
				if (!strcmp(k, "scale")) {
					free(e.scale);
					e.scale = NULL;
					ok = parse_floats(&lx, "scale", 'S', 1, v, &e.scale, &e.n) == 0;
				} else if (!strcmp(k, "zero_point")) {
					char *end;
					long z = strtol(v, &end, 10);
					if (*end || end == v) {
						lerr(&lx, "zero_point=%s: expected an integer", v);
						ok = 0;
					} else if (z < -32768 || z > 32767) {
						lerr(&lx, "zero_point=%s is outside the int16 range", v);
						ok = 0;
					}
					e.zero_point = (int32_t)z;
				} else if (!strcmp(k, "dtype")) {
					if (!strcmp(v, "int8"))
						e.dtype = IR_DTYPE_I8;
					else if (!strcmp(v, "int16"))
						e.dtype = IR_DTYPE_I16;
					else {
						lerr(&lx, "dtype=%s: expected int8 or int16", v);
						ok = 0;
					}
				} else if (!strcmp(k, "method")) {
					free(e.method);
					e.method = xstrdup(v);
				} else if (!strcmp(k, "threshold")) {
					ok = parse_double(&lx, k, v, &d) == 0;
					e.threshold = d;
					e.has_threshold = 1;
				} else if (!strcmp(k, "bias_correction") && weight) {
					free(e.bias);
					e.bias = NULL;
					ok = parse_floats(&lx, "bias_correction", 'B', 0, v, &e.bias,
							  &e.n_bias) == 0;
				} else if (!strcmp(k, "min") || !strcmp(k, "max")) {
					ok = parse_double(&lx, k, v, &d) == 0;
					if (k[1] == 'i')
						e.min = d;
					else
						e.max = d;
					e.has_range = 1;
				} else {
					lerr(&lx, "unknown key \"%s\" (keys: scale, zero_point, dtype, "
						  "method, threshold, min, max%s)", k,
					     weight ? ", bias_correction" : "");
					ok = 0;
				}
				free(kv);
			}
			if (ok && !e.scale) {
				lerr(&lx, "%s \"%s\" has no scale=", word, name);
				ok = 0;
			}
			int lo = e.dtype == IR_DTYPE_I8 ? -128 : -32768, hi = e.dtype == IR_DTYPE_I8 ? 127 : 32767;
			if (ok && (e.zero_point < lo || e.zero_point > hi)) {
				lerr(&lx, "zero_point %d is outside the %s range", e.zero_point,
				     e.dtype == IR_DTYPE_I8 ? "int8" : "int16");
				ok = 0;
			}
			if (ok && !weight && e.dtype == IR_DTYPE_I16 && e.zero_point) {
				lerr(&lx, "act \"%s\": int16 activations are symmetric: zero_point must be "
				     "0, not %d", name, e.zero_point);
				ok = 0;
			}
			if (ok && weight && e.zero_point) {
				lerr(&lx, "weight \"%s\": weights are symmetric (zero_point 0)", name);
				ok = 0;
			}
			if (!ok) {
				free(e.scale);
				free(e.method);
				free(e.bias);
				goto fail;
			}
			struct th_entry *ne = thresholds_add(t, name, weight, e.n, e.scale, e.zero_point);
			int line = ne->line = e.line;
			(void)line;
			ne->dtype = e.dtype;
			ne->method = e.method;
			ne->has_threshold = e.has_threshold;
			ne->threshold = e.threshold;
			ne->has_range = e.has_range;
			ne->min = e.min;
			ne->max = e.max;
			ne->n_bias = e.n_bias;
			ne->bias = e.bias;
			free(e.scale);
			free(name);
			name = NULL;
		} else {
			lerr(&lx, "unknown line \"%s\" (expected act, weight, model or method)", word);
			goto fail;
		}
		free(word);
		word = NULL;
		if (!at_eol(&lx)) {
			lerr(&lx, "unexpected text at the end of the line");
			goto fail;
		}
		if (lx.p < lx.end)
			lx.p++;
	}
	if (!seen_header) {
		ir_error("%s: empty thresholds file (expected \"thresholds 1\")", what);
		goto fail;
	}
	return t;
fail:
	free(word);
	free(name);
	thresholds_free(t);
	return NULL;
}

struct thresholds *thresholds_load(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf)
		return NULL;
	struct thresholds *t = thresholds_parse(buf, len, path);
	free(buf);
	return t;
}

static void put_name(FILE *f, const char *s)
{
	int ok = *s != 0;
	for (const char *p = s; *p && ok; p++)
		ok = isalnum((unsigned char)*p) || strchr("_.:/", *p);
	if (ok) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

int thresholds_write(FILE *f, const struct thresholds *t, const char *comment)
{
	/* each line of the comment as a comment line */
	for (const char *c = comment; c && *c;) {
		const char *nl = strchr(c, '\n');
		int len = nl ? (int)(nl - c) : (int)strlen(c);
		fprintf(f, "#%s%.*s\n", len ? " " : "", len, c);
		c = nl ? nl + 1 : c + len;
	}
	fprintf(f, "thresholds 1\n");
	if (t->model)
		fprintf(f, "model %s\n", t->model);
	if (t->method)
		fprintf(f, "method %s\n", t->method);
	if (t->choice) {
		fputs("choice ", f);
		put_name(f, t->choice);
		fputc('\n', f);
	}
	for (int i = 0; i < t->n; i++) {
		const struct th_entry *e = &t->e[i];
		fputs(e->weight ? "weight " : "act ", f);
		put_name(f, e->name);
		if (e->method)
			fprintf(f, " method=%s", e->method);
		if (e->has_threshold)
			fprintf(f, " threshold=%.9g", e->threshold);
		if (e->has_range)
			fprintf(f, " min=%.9g max=%.9g", e->min, e->max);
		if (e->n == 1 && !e->weight) {
			fprintf(f, " scale=%.9g zero_point=%d", e->scale[0], e->zero_point);
		} else if (e->n == 1) {
			fprintf(f, " scale=%.9g", e->scale[0]);
		} else {
			fprintf(f, " per_channel scale=[");
			for (int c = 0; c < e->n; c++)
				fprintf(f, "%s%.9g", c ? "," : "", e->scale[c]);
			fputc(']', f);
		}
		if (e->dtype == IR_DTYPE_I16)
			fprintf(f, " dtype=int16");
		if (e->n_bias == 1)
			fprintf(f, " bias_correction=%.9g", e->bias[0]);
		else if (e->n_bias > 1) {
			fprintf(f, " bias_correction=[");
			for (int c = 0; c < e->n_bias; c++)
				fprintf(f, "%s%.9g", c ? "," : "", e->bias[c]);
			fputc(']', f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}
