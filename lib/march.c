/*
 * march.c: march files (formats/march.md): finding them by name, parsing
 * them into struct march, and checking a node against an op's limits.
 *
 * The limit vocabulary is one table (limits[] below): each limit's name,
 * the kind of value it takes, the domain of its integers, its words, and
 * the operators it applies to. The parser and the spec follow that table;
 * march_check_node() checks each limit in the order of enum march_limit and
 * reports the first that fails.
 */
#include "march.h"
#include "ops.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the vocabulary ----------------------------------------------------- */

/* Operator classes a limit applies to. */
enum {
	C_ALL = 1 << 0,
	C_WINDOW = 1 << 1,   /* kernel, stride, pad */
	C_DILATED = 1 << 2,  /* dilation */
	C_GROUPED = 1 << 3,  /* group */
	C_BINARY = 1 << 4,   /* broadcast */
	C_RHS = 1 << 5,      /* rhs */
	C_RESIZE = 1 << 6,
	C_AXIS = 1 << 7,
	C_CONCAT = 1 << 8
};

static unsigned op_classes(enum ir_op op)
{
	unsigned c = C_ALL;
	switch (op) {
	case IR_OP_CONV:
	case IR_OP_CONV_TRANSPOSE:
		c |= C_WINDOW | C_DILATED | C_GROUPED;
		break;
	case IR_OP_MAX_POOL:
		c |= C_WINDOW | C_DILATED;
		break;
	case IR_OP_AVERAGE_POOL:
		c |= C_WINDOW;
		break;
	case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV: case IR_OP_POW:
	case IR_OP_MIN: case IR_OP_MAX: case IR_OP_PRELU:
		c |= C_BINARY | C_RHS;
		break;
	case IR_OP_MATMUL:
		c |= C_RHS;
		break;
	case IR_OP_RESIZE:
		c |= C_RESIZE;
		break;
	case IR_OP_CONCAT:
		c |= C_CONCAT | C_AXIS;
		break;
	case IR_OP_SPLIT: case IR_OP_SLICE: case IR_OP_SOFTMAX: case IR_OP_REDUCE_MEAN:
	case IR_OP_REDUCE_MAX: case IR_OP_REDUCE_MIN: case IR_OP_REDUCE_SUM: case IR_OP_ARGMAX:
	case IR_OP_LAYER_NORM: case IR_OP_GATHER: case IR_OP_FLATTEN: case IR_OP_SQUEEZE:
	case IR_OP_UNSQUEEZE:
		c |= C_AXIS;
		break;
	default:
		break;
	}
	return c;
}

enum ktype { K_INTS, K_KERNEL, K_GROUP, K_AXIS, K_WORDS, K_FLAG };

static const char *const w_group[] = {"depthwise", "grouped", "any", NULL};
static const char *const w_bcast[] = {"none", "scalar", "channel", "full", NULL};
static const char *const w_rhs[] = {"const", "tensor", NULL};
static const char *const w_mode[] = {"nearest", "linear", "cubic", NULL};
static const char *const w_coord[] = {"half_pixel", "asymmetric", "align_corners",
				      "pytorch_half_pixel", "tf_half_pixel_for_nn",
				      "tf_crop_and_resize", NULL};

struct limit_def {
	const char *name;
	enum ktype type;
	int64_t min, max;           /* domain of integer items */
	const char *const *words;
	unsigned classes;
};

static const struct limit_def limits[MARCH_LIM_COUNT] = {
	[MARCH_LIM_RANK] = {"rank", K_INTS, 0, IR_MAX_RANK, NULL, C_ALL},
	[MARCH_LIM_CHANNELS] = {"channels", K_INTS, 1, INT64_MAX, NULL, C_ALL},
	[MARCH_LIM_KERNEL] = {"kernel", K_KERNEL, 1, INT64_MAX, NULL, C_WINDOW},
	[MARCH_LIM_STRIDE] = {"stride", K_INTS, 1, INT64_MAX, NULL, C_WINDOW},
	[MARCH_LIM_DILATION] = {"dilation", K_INTS, 1, INT64_MAX, NULL, C_DILATED},
	[MARCH_LIM_PAD] = {"pad", K_INTS, 0, INT64_MAX, NULL, C_WINDOW},
	[MARCH_LIM_GROUP] = {"group", K_GROUP, 1, INT64_MAX, w_group, C_GROUPED},
	[MARCH_LIM_BROADCAST] = {"broadcast", K_WORDS, 0, 0, w_bcast, C_BINARY},
	[MARCH_LIM_RHS] = {"rhs", K_WORDS, 0, 0, w_rhs, C_RHS},
	[MARCH_LIM_MODE] = {"mode", K_WORDS, 0, 0, w_mode, C_RESIZE},
	[MARCH_LIM_COORD] = {"coord", K_WORDS, 0, 0, w_coord, C_RESIZE},
	[MARCH_LIM_SCALE] = {"scale", K_INTS, 1, INT64_MAX, NULL, C_RESIZE},
	[MARCH_LIM_AXIS] = {"axis", K_AXIS, -IR_MAX_RANK, IR_MAX_RANK, NULL, C_AXIS},
	[MARCH_LIM_INPUTS] = {"inputs", K_INTS, 1, INT64_MAX, NULL, C_CONCAT},
	[MARCH_LIM_PASSIVE] = {"passive", K_FLAG, 0, 0, NULL, C_ALL},
	[MARCH_LIM_INT16] = {"int16", K_FLAG, 0, 0, NULL, C_ALL},
};

/* Hardware parameters, in the order of the spec's table. */
enum { P_MAC, P_LANES, P_SRAM, P_DDR, P_DMA, P_CLOCK, P_DTYPES, P_COUNT };
static const char *const params[P_COUNT] = {
	"mac_array", "vector_lanes", "sram_bytes", "ddr_bytes_per_cycle",
	"dma_latency_cycles", "clock_mhz", "dtypes",
};

static int64_t *param_field(struct march *m, int p)
{
	switch (p) {
	case P_MAC: return &m->mac_array;
	case P_LANES: return &m->vector_lanes;
	case P_SRAM: return &m->sram_bytes;
	case P_DDR: return &m->ddr_bytes_per_cycle;
	case P_DMA: return &m->dma_latency_cycles;
	case P_CLOCK: return &m->clock_mhz;
	default: return NULL;
	}
}

/* "a, b and c" lists for messages. */
static void join_names(char *buf, size_t n, const char *const *names, int cnt)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < cnt && names[i] && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", names[i]);
}

/* ---- parsing ------------------------------------------------------------ */

struct mparser {
	const char *what;
	int line;
	struct march *m;
};

static int perr(struct mparser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct mparser *ps, const char *fmt, ...)
{
	char msg[sizeof ir_errmsg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ir_error("%s:%d: %s", ps->what, ps->line, msg);
}

/* A decimal integer, optionally negative, making up all of s[0..len). */
static int parse_i64(const char *s, size_t len, int64_t *v)
{
	size_t i = 0;
	int neg = 0;
	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len || len - i > 18)
		return -1;
	int64_t x = 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = neg ? -x : x;
	return 0;
}

static int word_index(const char *const *words, const char *s, size_t len)
{
	for (int i = 0; words && words[i]; i++)
		if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0)
			return i;
	return -1;
}

static const char *word_list(const char *const *words)
{
	static char buf[256];
	int n = 0;
	while (words[n])
		n++;
	join_names(buf, sizeof buf, words, n);
	return buf;
}

/* Parses VALUE of LIMIT=VALUE into o. */
static int parse_limit_value(struct mparser *ps, struct march_op *o, int lim, const char *val)
{
	const struct limit_def *d = &limits[lim];
	const char *key = d->name;
	if (!*val)
		return perr(ps, "%s= has no value", key);
	if (d->type == K_FLAG) {
		int yes = strcmp(val, "yes") == 0;
		if (!yes && strcmp(val, "no") != 0)
			return perr(ps, "%s=%s: expected yes or no", key, val);
		if (lim == MARCH_LIM_PASSIVE)
			o->passive = yes;
		else
			o->int16 = yes;
		return 0;
	}
	if (d->type == K_KERNEL && strcmp(val, "stride") == 0) {
		o->kernel_is_stride = 1;
		return 0;
	}
	struct march_set *set = NULL;
	unsigned *mask = NULL;
	switch (lim) {
	case MARCH_LIM_RANK: set = &o->rank; break;
	case MARCH_LIM_CHANNELS: set = &o->channels; break;
	case MARCH_LIM_KERNEL: set = &o->kernel; break;
	case MARCH_LIM_STRIDE: set = &o->stride; break;
	case MARCH_LIM_DILATION: set = &o->dilation; break;
	case MARCH_LIM_PAD: set = &o->pad; break;
	case MARCH_LIM_GROUP: set = &o->group; mask = &o->group_forms; break;
	case MARCH_LIM_BROADCAST: mask = &o->broadcast; break;
	case MARCH_LIM_RHS: mask = &o->rhs; break;
	case MARCH_LIM_MODE: mask = &o->mode; break;
	case MARCH_LIM_COORD: mask = &o->coord; break;
	case MARCH_LIM_SCALE: set = &o->scale; break;
	case MARCH_LIM_AXIS: set = &o->axis; break;
	case MARCH_LIM_INPUTS: set = &o->inputs; break;
	default: break;
	}
	const char *p = val;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			return perr(ps, "%s=%s: an empty item (two commas, or a comma at an end)",
				    key, val);
		int is_num = (*p >= '0' && *p <= '9') || *p == '-';
		if (is_num && set) {
			const char *dots = NULL;
			for (size_t i = 0; i + 1 < len; i++)
				if (p[i] == '.' && p[i + 1] == '.') {
					dots = p + i;
					break;
				}
			int64_t lo, hi;
			if (dots) {
				if (parse_i64(p, (size_t)(dots - p), &lo) < 0 ||
				    parse_i64(dots + 2, len - (size_t)(dots - p) - 2, &hi) < 0)
					return perr(ps, "%s=%s: bad range \"%.*s\" (write LO..HI, "
							"e.g. 1..7)", key, val, (int)len, p);
				if (lo > hi)
					return perr(ps, "%s=%s: empty range (%lld > %lld)", key, val,
						    (long long)lo, (long long)hi);
			} else {
				if (parse_i64(p, len, &lo) < 0)
					return perr(ps, "%s=%s: bad number \"%.*s\"", key, val,
						    (int)len, p);
				hi = lo;
			}
			if (lo < d->min || hi > d->max) {
				if (d->max == INT64_MAX)
					return perr(ps, "%s=%s: %s must be >= %lld", key, val, key,
						    (long long)d->min);
				return perr(ps, "%s=%s: %s must be within %lld..%lld", key, val,
					    key, (long long)d->min, (long long)d->max);
			}
			if (d->type == K_AXIS && lo < 0 && hi >= 0)
				return perr(ps, "%s=%s: an axis range must not mix negative and "
						"non-negative bounds", key, val);
			if (set->n == MARCH_MAX_ITEMS)
				return perr(ps, "%s=%s: more than %d items", key, val,
					    MARCH_MAX_ITEMS);
			set->lo[set->n] = lo;
			set->hi[set->n] = hi;
			set->n++;
		} else if (d->words) {
			int w = word_index(d->words, p, len);
			if (w < 0) {
				if (d->type == K_GROUP)
					return perr(ps, "%s=%s: bad item \"%.*s\" (expected integers, "
							"ranges, or %s)", key, val, (int)len, p,
						    word_list(d->words));
				return perr(ps, "%s=%s: bad item \"%.*s\" (expected %s)", key, val,
					    (int)len, p, word_list(d->words));
			}
			*mask |= 1u << w;
		} else if (d->type == K_KERNEL) {
			return perr(ps, "%s=%s: bad item \"%.*s\" (expected integers, ranges like "
					"1..7, or the word stride alone)", key, val, (int)len, p);
		} else {
			return perr(ps, "%s=%s: bad item \"%.*s\" (expected integers or ranges "
					"like 1..7)", key, val, (int)len, p);
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int parse_op_line(struct mparser *ps, char **tok, int ntok)
{
	struct march *m = ps->m;
	if (ntok < 2)
		return perr(ps, "\"op\" needs an operator name: op NAME LIMIT=VALUE ...");
	enum ir_op op = ir_op_from_name(tok[1]);
	if (op == IR_OP_INVALID)
		return perr(ps, "unknown operator \"%s\" (operator names are formats/ir.md's, "
				"e.g. Conv, HardSwish, GlobalAveragePool)", tok[1]);
	if (m->ops[op])
		return perr(ps, "op %s given twice (first on line %d)", tok[1], m->ops[op]->line);
	struct march_op *o = xcalloc(1, sizeof *o);
	o->op = op;
	o->line = ps->line;
	m->ops[op] = o;
	unsigned cls = op_classes(op);
	for (int i = 2; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		if (!eq || eq == tok[i])
			return perr(ps, "expected LIMIT=VALUE, found \"%s\"", tok[i]);
		*eq = 0;
		const char *key = tok[i], *val = eq + 1;
		int lim = -1;
		for (int k = 0; k < MARCH_LIM_COUNT; k++)
			if (strcmp(limits[k].name, key) == 0)
				lim = k;
		if (lim < 0) {
			const char *names[MARCH_LIM_COUNT];
			int cnt = 0;
			for (int k = 0; k < MARCH_LIM_COUNT; k++)
				if (limits[k].classes & cls)
					names[cnt++] = limits[k].name;
			char list[256];
			join_names(list, sizeof list, names, cnt);
			return perr(ps, "unknown limit \"%s\" for op %s (its limits are %s)", key,
				    tok[1], list);
		}
		if (!(limits[lim].classes & cls))
			return perr(ps, "limit %s does not apply to op %s", key, tok[1]);
		if (o->has & (1u << lim))
			return perr(ps, "limit %s given twice", key);
		o->has |= 1u << lim;
		if (parse_limit_value(ps, o, lim, val) < 0)
			return -1;
		o->text[lim] = xstrdup(val);
	}
	return 0;
}

static int parse_param(struct mparser *ps, char **tok, int ntok, int *seen)
{
	struct march *m = ps->m;
	int p = -1;
	for (int k = 0; k < P_COUNT; k++)
		if (strcmp(params[k], tok[0]) == 0)
			p = k;
	if (p < 0) {
		char list[256];
		join_names(list, sizeof list, params, P_COUNT);
		return perr(ps, "unknown parameter \"%s\" (the parameters are %s; operators are "
				"lines \"op NAME LIMIT=VALUE ...\")", tok[0], list);
	}
	if (seen[p])
		return perr(ps, "%s given twice (first on line %d)", tok[0], seen[p]);
	if (ntok != 2)
		return perr(ps, "%s takes one value, found %d", tok[0], ntok - 1);
	seen[p] = ps->line;
	if (p == P_DTYPES) {
		const char *s = tok[1];
		for (;;) {
			const char *e = strchr(s, ',');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			if (len == 4 && memcmp(s, "int8", 4) == 0)
				m->dtypes |= MARCH_DT_INT8;
			else if (len == 5 && memcmp(s, "int16", 5) == 0)
				m->dtypes |= MARCH_DT_INT16;
			else
				return perr(ps, "dtypes %s: bad item \"%.*s\" (expected int8 or "
						"int8,int16)", tok[1], (int)len, s);
			if (!e)
				break;
			s = e + 1;
		}
		if (!(m->dtypes & MARCH_DT_INT8))
			return perr(ps, "dtypes %s must include int8", tok[1]);
		return 0;
	}
	int64_t v;
	if (parse_i64(tok[1], strlen(tok[1]), &v) < 0 || v <= 0)
		return perr(ps, "%s must be a positive integer, found \"%s\"", tok[0], tok[1]);
	*param_field(m, p) = v;
	return 0;
}

static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

/* Splits a line (modified in place) into words; '#' starts a comment. */
static int split_words(char *s, char **tok, int max)
{
	int n = 0;
	char *h = strchr(s, '#');
	if (h)
		*h = 0;
	for (char *p = s;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (n == max)
			return -1;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

struct march *march_parse(const char *text, size_t len, const char *what)
{
	struct march *m = xcalloc(1, sizeof *m);
	m->path = xstrdup(what ? what : "<march>");
	m->text = xmalloc(len + 1);
	memcpy(m->text, text, len);
	m->text[len] = 0;
	m->len = len;
	struct mparser ps = {.what = m->path, .m = m};
	int state = 0, seen[P_COUNT] = {0}, header_line = 0;
	const char *end = text + len, *ln = text;
	char *buf = NULL;
	size_t cap = 0;
	while (ln < end) {
		const char *nl = memchr(ln, '\n', (size_t)(end - ln));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - ln);
		ps.line++;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)ln[i];
			if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
				perr(&ps, "control character 0x%02x in a march file", c);
				goto fail;
			}
		}
		if (n + 1 > cap) {
			cap = n + 1;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf, ln, n);
		buf[n] = 0;
		ln = nl ? nl + 1 : end;
		char *tok[64];
		int ntok = split_words(buf, tok, 64);
		if (ntok < 0) {
			perr(&ps, "more than 64 words on one line");
			goto fail;
		}
		if (ntok == 0)
			continue;
		if (state == 0) {
			if (strcmp(tok[0], "march") != 0 || ntok != 2) {
				perr(&ps, "missing header: the first line must be \"march NAME\", "
					  "found \"%s\"", tok[0]);
				goto fail;
			}
			if (!name_ok(tok[1])) {
				perr(&ps, "bad march name \"%s\" (letters, digits, _ . - only)",
				     tok[1]);
				goto fail;
			}
			m->name = xstrdup(tok[1]);
			header_line = ps.line;
			m->name_line = ps.line;
			state = 1;
		} else if (state == 1) {
			if (strcmp(tok[0], "version") != 0 || ntok != 2) {
				perr(&ps, "missing version: the line after \"march %s\" must be "
					  "\"version 1\", found \"%s\"", m->name, tok[0]);
				goto fail;
			}
			if (strcmp(tok[1], "1") != 0) {
				perr(&ps, "march version %s is not supported (this toolchain reads "
					  "version 1)", tok[1]);
				goto fail;
			}
			m->version = 1;
			state = 2;
		} else if (strcmp(tok[0], "op") == 0) {
			if (parse_op_line(&ps, tok, ntok) < 0)
				goto fail;
		} else if (strcmp(tok[0], "march") == 0) {
			perr(&ps, "march given twice (first on line %d)", header_line);
			goto fail;
		} else if (strcmp(tok[0], "version") == 0) {
			perr(&ps, "version given twice (first on line %d)", header_line + 1);
			goto fail;
		} else if (parse_param(&ps, tok, ntok, seen) < 0) {
			goto fail;
		}
	}
	if (ps.line == 0)
		ps.line = 1;
	if (state == 0) {
		perr(&ps, "missing header: the file is empty or holds only comments (a march "
			  "file starts with \"march NAME\" and \"version 1\")");
		goto fail;
	}
	if (state == 1) {
		perr(&ps, "missing version: the line after \"march %s\" must be \"version 1\"",
		     m->name);
		goto fail;
	}
	for (int p = 0; p < P_COUNT; p++)
		if (!seen[p]) {
			perr(&ps, "missing parameter %s (every march gives mac_array, vector_lanes, "
				  "sram_bytes, ddr_bytes_per_cycle, dma_latency_cycles, clock_mhz "
				  "and dtypes)", params[p]);
			goto fail;
		}
	for (int i = 0; i < IR_OP_COUNT; i++) {
		struct march_op *o = m->ops[i];
		if (o && o->int16 && !(m->dtypes & MARCH_DT_INT16)) {
			ps.line = o->line;
			perr(&ps, "op %s has int16=yes but the march's dtypes (line %d) lack int16",
			     ir_op_name(o->op), seen[P_DTYPES]);
			goto fail;
		}
	}
	free(buf);
	return m;
fail:
	free(buf);
	march_free(m);
	return NULL;
}

void march_free(struct march *m)
{
	if (!m)
		return;
	for (int i = 0; i < IR_OP_COUNT; i++) {
		if (!m->ops[i])
			continue;
		for (int k = 0; k < MARCH_LIM_COUNT; k++)
			free(m->ops[i]->text[k]);
		free(m->ops[i]);
	}
	free(m->name);
	free(m->path);
	free(m->text);
	free(m);
}

/* ---- finding a march ---------------------------------------------------- */

const char *march_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("BPU_MARCH_DIR");
	if (env && *env) {
		snprintf(dir, sizeof dir, "%s", env);
		return dir;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		snprintf(dir, sizeof dir, "formats/march");
		return dir;
	}
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	char raw[PATH_MAX + 32];
	snprintf(raw, sizeof raw, "%s/../../formats/march", exe);
	if (!realpath(raw, dir)) {
		size_t l = strlen(raw);
		if (l >= sizeof dir)
			l = sizeof dir - 1;
		memcpy(dir, raw, l);
		dir[l] = 0;
	}
	return dir;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *march_available(char *buf, size_t n)
{
	buf[0] = 0;
	DIR *d = opendir(march_dir());
	if (!d)
		return buf;
	char *names[256];
	int cnt = 0;
	struct dirent *e;
	while ((e = readdir(d)) && cnt < 256) {
		size_t l = strlen(e->d_name);
		if (l > 6 && strcmp(e->d_name + l - 6, ".march") == 0 && e->d_name[0] != '.')
			names[cnt++] = xasprintf("%.*s", (int)(l - 6), e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)cnt, sizeof *names, cmp_str);
	join_names(buf, n, (const char *const *)names, cnt);
	for (int i = 0; i < cnt; i++)
		free(names[i]);
	return buf;
}

struct march *march_load(const char *s)
{
	if (!s || !*s) {
		ir_error("no march given (a name such as bpu-s, or a path to a .march file)");
		return NULL;
	}
	size_t l = strlen(s);
	int is_path = strchr(s, '/') || (l > 6 && strcmp(s + l - 6, ".march") == 0);
	char *path = is_path ? xstrdup(s) : xasprintf("%s/%s.march", march_dir(), s);
	if (!is_path && access(path, F_OK) != 0) {
		char avail[512];
		march_available(avail, sizeof avail);
		if (avail[0])
			ir_error("unknown march \"%s\" (available: %s)", s, avail);
		else
			ir_error("unknown march \"%s\": no march files in %s (set BPU_MARCH_DIR "
				 "to the directory of the .march files)", s, march_dir());
		free(path);
		return NULL;
	}
	size_t len;
	void *text = read_file(path, &len);
	if (!text) {
		free(path);
		return NULL;
	}
	struct march *m = march_parse(text, len, path);
	free(text);
	if (m && !is_path && strcmp(m->name, s) != 0) {
		/* The name a user types must be the name the IR records. */
		ir_error("%s:%d: the file declares march \"%s\" but is named %s.march", path,
			 m->name_line, m->name, s);
		march_free(m);
		m = NULL;
	}
	free(path);
	return m;
}

/* ---- queries ------------------------------------------------------------ */

const struct march_op *march_op_find(const struct march *m, enum ir_op op)
{
	if (!m || op <= IR_OP_INVALID || op >= IR_OP_COUNT)
		return NULL;
	return m->ops[op];
}

int march_op_passive(const struct march *m, enum ir_op op)
{
	const struct march_op *o = march_op_find(m, op);
	return o && o->passive;
}

int march_supports_int16(const struct march *m, enum ir_op op)
{
	const struct march_op *o = march_op_find(m, op);
	return o && o->int16 && (m->dtypes & MARCH_DT_INT16);
}

static int set_has(const struct march_set *s, int64_t v)
{
	for (int i = 0; i < s->n; i++)
		if (v >= s->lo[i] && v <= s->hi[i])
			return 1;
	return 0;
}

/* An axis a of a tensor of rank r against items that may count from the end. */
static int axis_has(const struct march_set *s, int a, int r)
{
	for (int i = 0; i < s->n; i++) {
		int64_t v = s->hi[i] < 0 ? a - r : a;
		if (v >= s->lo[i] && v <= s->hi[i])
			return 1;
	}
	return 0;
}

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t n, const char *fmt, ...)
{
	if (why && n) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* "kernel 9x9 > 7", "kernel 4x4 not in 1,3,5": what shows the node's value,
 * v is the value that failed. */
static int fail_set(char *why, size_t n, const char *what, const char *shown, int64_t v,
		    const struct march_set *s, const char *text)
{
	if (s->n == 1 && v > s->hi[0])
		return fail(why, n, "%s %s > %lld", what, shown, (long long)s->hi[0]);
	if (s->n == 1 && v < s->lo[0])
		return fail(why, n, "%s %s < %lld", what, shown, (long long)s->lo[0]);
	return fail(why, n, "%s %s not in %s", what, shown, text);
}

static int fail_val(char *why, size_t n, const char *what, int64_t v,
		    const struct march_set *s, const char *text)
{
	char shown[32];
	snprintf(shown, sizeof shown, "%lld", (long long)v);
	return fail_set(why, n, what, shown, v, s, text);
}

static const struct ir_tensor *tin(const struct ir_graph *g, const struct ir_node *n, int i)
{
	if (i >= n->n_in || n->in[i] < 0)
		return NULL;
	return g->tensors[n->in[i]];
}

static int is_activation_dtype(const struct ir_tensor *t)
{
	switch (t->dtype) {
	case IR_DTYPE_F32: case IR_DTYPE_F16: case IR_DTYPE_BF16:
		return 1;
	case IR_DTYPE_I8: case IR_DTYPE_U8: case IR_DTYPE_I16: case IR_DTYPE_I32:
		return t->quant != NULL;
	default:
		return 0;
	}
}

static int same_shape(const struct ir_tensor *a, const struct ir_tensor *b)
{
	if (a->rank != b->rank)
		return 0;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return 0;
	return 1;
}

/* t right-aligned to out is [1, C, 1, ...] with out's C. */
static int is_channel_vector(const struct ir_tensor *t, const struct ir_tensor *out)
{
	if (out->rank < 2 || t->rank > out->rank)
		return 0;
	int off = out->rank - t->rank;
	for (int i = 0; i < out->rank; i++) {
		int64_t d = i >= off ? t->dims[i - off] : 1;
		if (d != (i == 1 ? out->dims[1] : 1))
			return 0;
	}
	return 1;
}

static unsigned broadcast_form(const struct ir_tensor *a, const struct ir_tensor *b,
			       const struct ir_tensor *out)
{
	int sa = same_shape(a, out), sb = same_shape(b, out);
	if (sa && sb)
		return MARCH_BCAST_NONE;
	if ((sa && ir_tensor_numel(b) == 1) || (sb && ir_tensor_numel(a) == 1))
		return MARCH_BCAST_SCALAR;
	if ((sa && is_channel_vector(b, out)) || (sb && is_channel_vector(a, out)))
		return MARCH_BCAST_CHANNEL;
	return MARCH_BCAST_FULL;
}

/* kernel, strides, dilations, pads of a windowed node; returns the number
 * of spatial dims. */
static int window_params(const struct ir_graph *g, const struct ir_node *n, int64_t *k,
			 int64_t *s, int64_t *d, int64_t *p)
{
	const struct ir_tensor *x = tin(g, n, 0), *w = tin(g, n, 1);
	int ns = x->rank - 2;
	if (ns < 0)
		ns = 0;
	if (ir_attr_ints(n, "kernel_shape", k, IR_MAX_RANK) != ns) {
		for (int i = 0; i < ns; i++)
			k[i] = w && w->rank == ns + 2 ? w->dims[i + 2] : 1;
	}
	if (ir_attr_ints(n, "strides", s, IR_MAX_RANK) != ns)
		for (int i = 0; i < ns; i++)
			s[i] = 1;
	if (ir_attr_ints(n, "dilations", d, IR_MAX_RANK) != ns)
		for (int i = 0; i < ns; i++)
			d[i] = 1;
	if (ir_attr_ints(n, "pads", p, 2 * IR_MAX_RANK) != 2 * ns)
		for (int i = 0; i < 2 * ns; i++)
			p[i] = 0;
	return ns;
}

static char *dims_x(char *buf, size_t n, const int64_t *v, int cnt)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < cnt && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "x" : "", (long long)v[i]);
	return buf;
}

static int check_window(const struct march_op *o, const struct ir_graph *g,
			const struct ir_node *n, char *why, size_t wl)
{
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	int ns = window_params(g, n, k, s, d, p);
	char a[64], b[64];
	if (o->kernel_is_stride) {
		for (int i = 0; i < ns; i++)
			if (k[i] != s[i])
				return fail(why, wl, "kernel %s != stride %s", dims_x(a, sizeof a, k, ns),
					    dims_x(b, sizeof b, s, ns));
	}
	if (o->kernel.n)
		for (int i = 0; i < ns; i++)
			if (!set_has(&o->kernel, k[i]))
				return fail_set(why, wl, "kernel", dims_x(a, sizeof a, k, ns), k[i],
						&o->kernel, o->text[MARCH_LIM_KERNEL]);
	if (o->has & (1u << MARCH_LIM_STRIDE))
		for (int i = 0; i < ns; i++)
			if (!set_has(&o->stride, s[i]))
				return fail_val(why, wl, "stride", s[i], &o->stride,
						o->text[MARCH_LIM_STRIDE]);
	if (o->has & (1u << MARCH_LIM_DILATION))
		for (int i = 0; i < ns; i++)
			if (!set_has(&o->dilation, d[i]))
				return fail_val(why, wl, "dilation", d[i], &o->dilation,
						o->text[MARCH_LIM_DILATION]);
	if (o->has & (1u << MARCH_LIM_PAD))
		for (int i = 0; i < 2 * ns; i++)
			if (!set_has(&o->pad, p[i]))
				return fail_val(why, wl, "pad", p[i], &o->pad, o->text[MARCH_LIM_PAD]);
	return 1;
}

static int check_group(const struct march_op *o, const struct ir_graph *g,
		       const struct ir_node *n, char *why, size_t wl)
{
	const struct ir_tensor *x = tin(g, n, 0);
	int64_t grp = ir_attr_int(n, "group", 1);
	int64_t cin = x->rank >= 2 ? x->dims[1] : 1;
	int depthwise = cin == grp;
	int grouped = grp > 1 && !depthwise;
	if (set_has(&o->group, grp) || (o->group_forms & MARCH_GROUP_ANY) ||
	    (depthwise && (o->group_forms & MARCH_GROUP_DEPTHWISE)) ||
	    (grouped && (o->group_forms & MARCH_GROUP_GROUPED)))
		return 1;
	if (grouped && (o->group_forms & MARCH_GROUP_DEPTHWISE))
		return fail(why, wl, "group %lld not depthwise", (long long)grp);
	if (depthwise && grp > 1)
		return fail(why, wl, "group %lld (depthwise) not allowed", (long long)grp);
	if (grouped)
		return fail(why, wl, "group %lld (grouped) not allowed", (long long)grp);
	return fail(why, wl, "group %lld not allowed", (long long)grp);
}

static int check_resize(const struct march_op *o, const struct ir_graph *g,
			const struct ir_node *n, char *why, size_t wl)
{
	const char *mode = ir_attr_string(n, "mode", "nearest");
	const char *coord = ir_attr_string(n, "coordinate_transformation_mode", "half_pixel");
	if (o->has & (1u << MARCH_LIM_MODE)) {
		int w = word_index(w_mode, mode, strlen(mode));
		if (w < 0 || !(o->mode & (1u << w)))
			return fail(why, wl, "resize mode %s not allowed", mode);
	}
	if (o->has & (1u << MARCH_LIM_COORD)) {
		int w = word_index(w_coord, coord, strlen(coord));
		if (w < 0 || !(o->coord & (1u << w)))
			return fail(why, wl, "resize coord %s not allowed", coord);
	}
	if (!(o->has & (1u << MARCH_LIM_SCALE)))
		return 1;
	const struct ir_tensor *x = tin(g, n, 0), *y = g->tensors[n->out[0]];
	const struct ir_attr *sa = ir_attr_find(n, "scales");
	for (int i = 0; i < x->rank && i < y->rank; i++) {
		double s;
		if (sa && sa->type == IR_ATTR_FLOATS && sa->n == x->rank && sa->floats[i] > 0)
			s = sa->floats[i];
		else
			s = x->dims[i] ? (double)y->dims[i] / (double)x->dims[i] : 0;
		int integral = s == floor(s) && (double)x->dims[i] * s == (double)y->dims[i];
		if (i < 2) {
			if (s != 1 || x->dims[i] != y->dims[i])
				return fail(why, wl, "resize scale %g on dim %d (only spatial dims "
						     "may scale)", s, i);
			continue;
		}
		if (s == 1 && x->dims[i] == y->dims[i])
			continue;
		if (!integral || s < 1)
			return fail(why, wl, "resize scale %g not an integer", s);
		if (!set_has(&o->scale, (int64_t)s))
			return fail_val(why, wl, "resize scale", (int64_t)s, &o->scale,
					o->text[MARCH_LIM_SCALE]);
	}
	return 1;
}

/* The axes node n works on (formats/march.md, "axis"), normalized; *r gets
 * the rank they count from. Returns their number. */
static int node_axes(const struct ir_graph *g, const struct ir_node *n, int *ax, int *r)
{
	const struct ir_tensor *x = tin(g, n, 0), *y = g->tensors[n->out[0]];
	int rank = x->rank, cnt = 0;
	int64_t v[IR_MAX_RANK];
	*r = rank;
	switch (n->op) {
	case IR_OP_CONCAT: case IR_OP_SPLIT: case IR_OP_SOFTMAX: case IR_OP_ARGMAX:
	case IR_OP_GATHER: case IR_OP_LAYER_NORM: {
		int64_t def = n->op == IR_OP_SOFTMAX || n->op == IR_OP_LAYER_NORM ? -1 : 0;
		int a = ir_norm_axis(ir_attr_int(n, "axis", def), rank);
		if (a >= 0)
			ax[cnt++] = a;
		break;
	}
	case IR_OP_FLATTEN: {
		int64_t a = ir_attr_int(n, "axis", 1);
		if (a < 0)
			a += rank;
		ax[cnt++] = (int)a;
		break;
	}
	case IR_OP_REDUCE_MEAN: case IR_OP_REDUCE_MAX: case IR_OP_REDUCE_MIN:
	case IR_OP_REDUCE_SUM: {
		int na = ir_attr_ints(n, "axes", v, IR_MAX_RANK);
		if (na <= 0) {
			if (na == 0 && ir_attr_int(n, "noop_with_empty_axes", 0))
				break;
			for (int i = 0; i < rank; i++)
				ax[cnt++] = i;
		} else {
			for (int i = 0; i < na; i++) {
				int a = ir_norm_axis(v[i], rank);
				if (a >= 0)
					ax[cnt++] = a;
			}
		}
		break;
	}
	case IR_OP_SLICE:
		for (int i = 0; i < rank && i < y->rank; i++)
			if (x->dims[i] != y->dims[i])
				ax[cnt++] = i;
		break;
	case IR_OP_SQUEEZE: {
		int na = ir_attr_ints(n, "axes", v, IR_MAX_RANK);
		if (na < 0) {
			for (int i = 0; i < rank; i++)
				if (x->dims[i] == 1)
					ax[cnt++] = i;
		} else {
			for (int i = 0; i < na; i++) {
				int a = ir_norm_axis(v[i], rank);
				if (a >= 0)
					ax[cnt++] = a;
			}
		}
		break;
	}
	case IR_OP_UNSQUEEZE: {
		*r = y->rank;
		int na = ir_attr_ints(n, "axes", v, IR_MAX_RANK);
		for (int i = 0; i < na; i++) {
			int a = ir_norm_axis(v[i], y->rank);
			if (a >= 0)
				ax[cnt++] = a;
		}
		break;
	}
	default:
		break;
	}
	return cnt;
}

int march_check_node(const struct march *m, const struct ir_graph *g,
		     const struct ir_node *n, char *why, size_t wl)
{
	char local[8];
	if (!why) {
		why = local;
		wl = sizeof local;
	}
	if (why && wl)
		why[0] = 0;
	const struct march_op *o = march_op_find(m, n->op);
	if (!o)
		return fail(why, wl, "op %s not in march %s", ir_op_name(n->op), m->name);

	/* Rule 3: float activations, constant weights. */
	for (int io = 0; io < 2; io++) {
		int cnt = io ? n->n_out : n->n_in;
		for (int i = 0; i < cnt; i++) {
			int ti = io ? n->out[i] : n->in[i];
			if (ti < 0)
				continue;
			const struct ir_tensor *t = g->tensors[ti];
			if (!io && ir_tensor_is_const(t))
				continue;
			if (t->rank < 0)
				return fail(why, wl, "shape of %s unknown", t->name);
			if (!is_activation_dtype(t))
				return fail(why, wl, "%s %s is %s, not float", io ? "output" : "input",
					    t->name, ir_dtype_name(t->dtype));
		}
	}
	int conv = n->op == IR_OP_CONV || n->op == IR_OP_CONV_TRANSPOSE;
	if (conv)
		for (int i = 1; i < n->n_in && i < 3; i++) {
			const struct ir_tensor *t = tin(g, n, i);
			if (t && !ir_tensor_is_const(t))
				return fail(why, wl, "%s %s not a constant", i == 1 ? "weight" : "bias",
					    t->name);
		}

	/* Limits on every activation. */
	for (int io = 0; io < 2; io++) {
		int cnt = io ? n->n_out : n->n_in;
		for (int i = 0; i < cnt; i++) {
			int ti = io ? n->out[i] : n->in[i];
			if (ti < 0 || (!io && ir_tensor_is_const(g->tensors[ti])))
				continue;
			const struct ir_tensor *t = g->tensors[ti];
			if ((o->has & (1u << MARCH_LIM_RANK)) && !set_has(&o->rank, t->rank))
				return fail_val(why, wl, "rank", t->rank, &o->rank,
						o->text[MARCH_LIM_RANK]);
			if ((o->has & (1u << MARCH_LIM_CHANNELS)) && t->rank >= 2 &&
			    !set_has(&o->channels, t->dims[1]))
				return fail_val(why, wl, "channels", t->dims[1], &o->channels,
						o->text[MARCH_LIM_CHANNELS]);
		}
	}

	unsigned cls = op_classes(n->op);
	const struct ir_tensor *x = tin(g, n, 0);
	if ((cls & C_WINDOW) && x && !check_window(o, g, n, why, wl))
		return 0;
	if ((cls & C_GROUPED) && x && (o->has & (1u << MARCH_LIM_GROUP)) &&
	    !check_group(o, g, n, why, wl))
		return 0;

	const struct ir_tensor *b = tin(g, n, 1);
	if ((cls & C_BINARY) && x && b && n->n_out > 0 && (o->has & (1u << MARCH_LIM_BROADCAST))) {
		const struct ir_tensor *y = g->tensors[n->out[0]];
		unsigned f = broadcast_form(x, b, y);
		if (!(o->broadcast & f)) {
			char sa[96], sb[96];
			ir_shape_str(x->rank, x->dims, sa, sizeof sa);
			ir_shape_str(b->rank, b->dims, sb, sizeof sb);
			int xb = !same_shape(x, y), bb = !same_shape(b, y);
			if (xb && bb)
				return fail(why, wl, "broadcast %s and %s not allowed", sa, sb);
			return fail(why, wl, "broadcast %s not allowed", xb ? sa : sb);
		}
	}
	if ((cls & C_RHS) && b && (o->has & (1u << MARCH_LIM_RHS))) {
		int c = ir_tensor_is_const(b);
		if (c && !(o->rhs & MARCH_RHS_CONST))
			return fail(why, wl, "input %s is a constant", b->name);
		if (!c && !(o->rhs & MARCH_RHS_TENSOR))
			return fail(why, wl, "input %s not a constant", b->name);
	}

	if ((cls & C_RESIZE) && x && n->n_out > 0 && !check_resize(o, g, n, why, wl))
		return 0;

	if ((cls & C_AXIS) && x && n->n_out > 0 && (o->has & (1u << MARCH_LIM_AXIS))) {
		int ax[IR_MAX_RANK + 1], r;
		int cnt = node_axes(g, n, ax, &r);
		for (int i = 0; i < cnt; i++)
			if (!axis_has(&o->axis, ax[i], r))
				return fail(why, wl, "axis %d not in %s", ax[i],
					    o->text[MARCH_LIM_AXIS]);
	}

	if ((cls & C_CONCAT) && (o->has & (1u << MARCH_LIM_INPUTS))) {
		int cnt = 0;
		for (int i = 0; i < n->n_in; i++)
			cnt += n->in[i] >= 0;
		if (!set_has(&o->inputs, cnt))
			return fail_val(why, wl, "inputs", cnt, &o->inputs, o->text[MARCH_LIM_INPUTS]);
	}
	return 1;
}
