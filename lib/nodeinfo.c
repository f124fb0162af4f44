/*
 * nodeinfo.c: node-info files (formats/node-info.md): parsing, lookup by
 * node, and the check that every entry names something in the graph.
 *
 * Names follow the IR text form's lexical rules (formats/ir.md): bare
 * `A-Z a-z 0-9 _ . : /`, or double-quoted with C escapes. A bare name
 * starting with "op:" is an operator entry; a quoted one never is.
 */
#include "nodeinfo.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct niparser {
	const char *what;
	int line;
	const char *p, *eol;
};

static int perr(struct niparser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct niparser *ps, const char *fmt, ...)
{
	char msg[sizeof ir_errmsg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ir_error("%s:%d: %s", ps->what, ps->line, msg);
}

/* s quoted for a message, control characters and quotes escaped (static). */
static const char *q(const char *s)
{
	static char buf[2][300];
	static int k;
	char *b = buf[k ^= 1];
	size_t n = 0;
	b[n++] = '"';
	for (; *s && n < sizeof buf[0] - 8; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			n += (size_t)snprintf(b + n, 8, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(b + n, 8, "\\x%02x", c);
		else
			b[n++] = (char)c;
	}
	b[n++] = '"';
	b[n] = 0;
	return b;
}

static int is_bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/';
}

static void skip_blanks(struct niparser *ps)
{
	while (ps->p < ps->eol && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
	if (ps->p < ps->eol && *ps->p == '#')
		ps->p = ps->eol;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A double-quoted name; the cursor is at the quote. */
static int lex_quoted(struct niparser *ps, char **out)
{
	const char *p = ps->p + 1;
	size_t cap = 32, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (p >= ps->eol) {
			free(buf);
			return perr(ps, "a quoted name is not closed: its '\"' is missing before the "
					"end of the line");
		}
		unsigned char c = (unsigned char)*p++;
		if (c == '"')
			break;
		if (c == '\\') {
			char x = p < ps->eol ? *p++ : 0;
			switch (x) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'x': {
				int h = p < ps->eol ? hexval(*p) : -1;
				int l = p + 1 < ps->eol ? hexval(p[1]) : -1;
				if (h < 0 || l < 0) {
					free(buf);
					return perr(ps, "\\x in a name must be followed by two hex "
							"digits");
				}
				c = (unsigned char)(h * 16 + l);
				p += 2;
				break;
			}
			default:
				free(buf);
				return perr(ps, "unknown escape in a quoted name; the escapes are "
						"\\\", \\\\, \\n, \\t, \\r and \\xHH");
			}
			if (c == 0) {
				free(buf);
				return perr(ps, "a name must not contain a NUL byte (\\x00)");
			}
		}
		if (n + 2 > cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		buf[n++] = (char)c;
	}
	buf[n] = 0;
	if (n == 0) {
		free(buf);
		return perr(ps, "an empty name \"\"");
	}
	*out = buf;
	ps->p = p;
	return 0;
}

/* The next blank-separated word (not quoted), into a new string. */
static char *next_word(struct niparser *ps)
{
	skip_blanks(ps);
	const char *s = ps->p;
	while (ps->p < ps->eol && *ps->p != ' ' && *ps->p != '\t' && *ps->p != '\r' &&
	       *ps->p != '#')
		ps->p++;
	if (ps->p == s)
		return NULL;
	return xasprintf("%.*s", (int)(ps->p - s), s);
}

static int parse_entry(struct niparser *ps, struct nodeinfo *ni)
{
	struct nodeinfo_entry e = {.op = IR_OP_INVALID, .line = ps->line};
	if (*ps->p == '"') {
		if (lex_quoted(ps, &e.name) < 0)
			return -1;
	} else {
		const char *s = ps->p, *p = s;
		while (p < ps->eol && is_bare_char((unsigned char)*p))
			p++;
		int ends_word = p == ps->eol || *p == ' ' || *p == '\t' || *p == '\r' || *p == '#';
		if (p == s || !ends_word) {
			char *w = next_word(ps);
			int has_eq = w && strchr(w, '=');
			int r = has_eq ? perr(ps, "missing node name: the entry starts with %s "
						  "(write NODE_NAME KEY=VALUE or op:TYPE KEY=VALUE)",
					      q(w))
				       : perr(ps, "bad node name %s (a name with characters other "
						  "than A-Z a-z 0-9 _ . : / is written in double "
						  "quotes)", q(w ? w : ""));
			free(w);
			return r;
		}
		size_t len = (size_t)(p - s);
		ps->p = p;
		if (len > 3 && memcmp(s, "op:", 3) == 0) {
			char *t = xasprintf("%.*s", (int)(len - 3), s + 3);
			e.op = ir_op_from_name(t);
			if (e.op == IR_OP_INVALID) {
				int r = perr(ps, "unknown op %s in op:%s (operator names are "
						 "formats/ir.md's, e.g. Conv, Sigmoid, Resize)", q(t), t);
				free(t);
				return r;
			}
			free(t);
		} else if (len == 3 && memcmp(s, "op:", 3) == 0) {
			return perr(ps, "op: needs an operator name (op:Conv)");
		} else if (s[len - 1] == ':') {
			return perr(ps, "bad node name \"%.*s\": a bare name never ends in ':' "
					"(write it in double quotes)", (int)len, s);
		} else if (len == 1 && *s == '_') {
			return perr(ps, "a node named _ is written \"_\"");
		} else {
			e.name = xasprintf("%.*s", (int)len, s);
		}
	}
	const char *target = e.name ? q(e.name) : NULL;
	char tbuf[320];
	if (e.name)
		snprintf(tbuf, sizeof tbuf, "node %s", target);
	else
		snprintf(tbuf, sizeof tbuf, "op:%s", ir_op_name(e.op));

	for (;;) {
		skip_blanks(ps);
		if (ps->p >= ps->eol)
			break;
		char *w = next_word(ps);
		char *eq = w ? strchr(w, '=') : NULL;
		if (!eq) {
			int r = perr(ps, "expected KEY=VALUE after the name, found %s", q(w ? w : ""));
			free(w);
			free(e.name);
			return r;
		}
		*eq = 0;
		const char *key = w, *val = eq + 1;
		int r = 0;
		if (strcmp(key, "run_on") == 0) {
			if (e.run_on)
				r = perr(ps, "run_on given twice");
			else if (strcmp(val, "bpu") == 0)
				e.run_on = "bpu";
			else if (strcmp(val, "cpu") == 0)
				e.run_on = "cpu";
			else
				r = perr(ps, "run_on=%s: expected bpu or cpu", val);
		} else if (strcmp(key, "dtype") == 0) {
			if (e.dtype)
				r = perr(ps, "dtype given twice");
			else if (strcmp(val, "int8") == 0)
				e.dtype = "int8";
			else if (strcmp(val, "int16") == 0)
				e.dtype = "int16";
			else
				r = perr(ps, "dtype=%s: expected int8 or int16", val);
		} else {
			r = perr(ps, "unknown key %s (the keys are run_on and dtype)", q(key));
		}
		free(w);
		if (r < 0) {
			free(e.name);
			return r;
		}
	}
	if (!e.run_on && !e.dtype) {
		free(e.name);
		return perr(ps, "entry for %s sets nothing (give run_on=bpu|cpu and/or "
				"dtype=int8|int16)", tbuf);
	}
	if (e.run_on && strcmp(e.run_on, "cpu") == 0 && e.dtype) {
		free(e.name);
		return perr(ps, "entry for %s: run_on=cpu with dtype=%s (a CPU node computes "
				"in float; dtype applies to BPU nodes)", tbuf, e.dtype);
	}
	for (int i = 0; i < ni->n; i++) {
		const struct nodeinfo_entry *o = &ni->e[i];
		int same = e.name ? o->name && strcmp(o->name, e.name) == 0
				  : !o->name && o->op == e.op;
		if (same) {
			free(e.name);
			return perr(ps, "duplicate entry for %s (first on line %d)", tbuf, o->line);
		}
	}
	ni->e = xrealloc(ni->e, (size_t)(ni->n + 1) * sizeof *ni->e);
	ni->e[ni->n++] = e;
	return 0;
}

struct nodeinfo *nodeinfo_parse(const char *text, size_t len, const char *what)
{
	struct nodeinfo *ni = xcalloc(1, sizeof *ni);
	ni->path = xstrdup(what ? what : "<node-info>");
	struct niparser ps = {.what = ni->path};
	const char *end = text + len, *ln = text;
	while (ln < end) {
		const char *nl = memchr(ln, '\n', (size_t)(end - ln));
		ps.line++;
		ps.p = ln;
		ps.eol = nl ? nl : end;
		for (const char *c = ln; c < ps.eol; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') {
				perr(&ps, "control character 0x%02x (write it in a quoted name as "
					  "\\xHH)", (unsigned char)*c);
				nodeinfo_free(ni);
				return NULL;
			}
		ln = nl ? nl + 1 : end;
		skip_blanks(&ps);
		if (ps.p >= ps.eol)
			continue;
		if (parse_entry(&ps, ni) < 0) {
			nodeinfo_free(ni);
			return NULL;
		}
	}
	return ni;
}

struct nodeinfo *nodeinfo_load(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return NULL;
	struct nodeinfo *ni = nodeinfo_parse(text, len, path);
	free(text);
	return ni;
}

void nodeinfo_free(struct nodeinfo *ni)
{
	if (!ni)
		return;
	for (int i = 0; i < ni->n; i++)
		free(ni->e[i].name);
	free(ni->e);
	free(ni->path);
	free(ni);
}

int nodeinfo_lookup(const struct nodeinfo *ni, const struct ir_node *n,
		    const char **run_on, const char **dtype, int *line)
{
	const struct nodeinfo_entry *byname = NULL, *byop = NULL;
	for (int i = 0; ni && i < ni->n; i++) {
		const struct nodeinfo_entry *e = &ni->e[i];
		if (e->name && n->name && strcmp(e->name, n->name) == 0)
			byname = e;
		else if (!e->name && e->op == n->op)
			byop = e;
	}
	const char *r = NULL, *d = NULL;
	if (byname) {
		r = byname->run_on;
		d = byname->dtype;
	}
	if (byop) {
		r = r ? r : byop->run_on;
		d = d ? d : byop->dtype;
	}
	if (run_on)
		*run_on = r;
	if (dtype)
		*dtype = d;
	if (line)
		*line = byname ? byname->line : byop ? byop->line : 0;
	return byname || byop;
}

int nodeinfo_check(const struct nodeinfo *ni, const struct ir_graph *g)
{
	for (int i = 0; ni && i < ni->n; i++) {
		const struct nodeinfo_entry *e = &ni->e[i];
		if (e->name) {
			if (!ir_node_find(g, e->name))
				return ir_error("%s:%d: no node named %s in the graph", ni->path,
						e->line, q(e->name));
			continue;
		}
		int found = 0;
		for (int k = 0; k < g->n_nodes && !found; k++)
			found = g->nodes[k].op == e->op;
		if (!found)
			return ir_error("%s:%d: no node of op \"%s\" in the graph", ni->path, e->line,
					ir_op_name(e->op));
	}
	return 0;
}
