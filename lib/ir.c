/*
 * ir.c: building, querying and checking the in-memory graph (ir.h).
 */
#include "ir.h"
#include "util.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

char ir_errmsg[1024];
int ir_err_unsupported;

int ir_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ir_errmsg, sizeof ir_errmsg, fmt, ap);
	va_end(ap);
	return -1;
}

int ir_unsupported(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ir_errmsg, sizeof ir_errmsg, fmt, ap);
	va_end(ap);
	ir_err_unsupported = 1;
	return -1;
}

/* ---- dtypes ------------------------------------------------------------ */

static const struct {
	const char *name;
	size_t size;
} dtype_info[IR_DTYPE_LIMIT] = {
	[IR_DTYPE_F32] = {"f32", 4},  [IR_DTYPE_U8] = {"u8", 1},
	[IR_DTYPE_I8] = {"i8", 1},    [IR_DTYPE_U16] = {"u16", 2},
	[IR_DTYPE_I16] = {"i16", 2},  [IR_DTYPE_I32] = {"i32", 4},
	[IR_DTYPE_I64] = {"i64", 8},  [IR_DTYPE_BOOL] = {"bool", 1},
	[IR_DTYPE_F16] = {"f16", 2},  [IR_DTYPE_F64] = {"f64", 8},
	[IR_DTYPE_U32] = {"u32", 4},  [IR_DTYPE_U64] = {"u64", 8},
	[IR_DTYPE_BF16] = {"bf16", 2},
};

size_t ir_dtype_size(enum ir_dtype t)
{
	return (unsigned)t < IR_DTYPE_LIMIT ? dtype_info[t].size : 0;
}

const char *ir_dtype_name(enum ir_dtype t)
{
	if ((unsigned)t < IR_DTYPE_LIMIT && dtype_info[t].name)
		return dtype_info[t].name;
	return "undefined";
}

enum ir_dtype ir_dtype_from_name(const char *s)
{
	for (int t = 0; t < IR_DTYPE_LIMIT; t++)
		if (dtype_info[t].name && strcmp(dtype_info[t].name, s) == 0)
			return (enum ir_dtype)t;
	return IR_DTYPE_UNDEFINED;
}

int ir_dtype_is_float(enum ir_dtype t)
{
	return t == IR_DTYPE_F32 || t == IR_DTYPE_F64 || t == IR_DTYPE_F16 ||
	       t == IR_DTYPE_BF16;
}

int ir_dtype_is_signed_int(enum ir_dtype t)
{
	return t == IR_DTYPE_I8 || t == IR_DTYPE_I16 || t == IR_DTYPE_I32 ||
	       t == IR_DTYPE_I64;
}

int ir_dtype_is_unsigned_int(enum ir_dtype t)
{
	return t == IR_DTYPE_U8 || t == IR_DTYPE_U16 || t == IR_DTYPE_U32 ||
	       t == IR_DTYPE_U64 || t == IR_DTYPE_BOOL;
}

/* ---- tensors ----------------------------------------------------------- */

int64_t ir_shape_numel(int rank, const int64_t *dims)
{
	int64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= dims[i];
	return n;
}

int64_t ir_tensor_numel(const struct ir_tensor *t)
{
	return t->rank < 0 ? 0 : ir_shape_numel(t->rank, t->dims);
}

size_t ir_tensor_nbytes(const struct ir_tensor *t)
{
	return (size_t)ir_tensor_numel(t) * ir_dtype_size(t->dtype);
}

int ir_tensor_is_const(const struct ir_tensor *t)
{
	return t->data != NULL;
}

char *ir_shape_str(int rank, const int64_t *dims, char *buf, size_t n)
{
	size_t k = 0;
	if (rank < 0) {
		snprintf(buf, n, "[?]");
		return buf;
	}
	k += snprintf(buf + k, n - k, "[");
	for (int i = 0; i < rank && k < n; i++)
		k += snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)dims[i]);
	if (k < n)
		snprintf(buf + k, n - k, "]");
	return buf;
}

char *ir_tensor_type_str(const struct ir_tensor *t, char *buf, size_t n)
{
	size_t k = snprintf(buf, n, "%s", ir_dtype_name(t->dtype));
	if (k < n)
		ir_shape_str(t->rank, t->dims, buf + k, n - k);
	return buf;
}

void ir_tensor_set_shape(struct ir_tensor *t, int rank, const int64_t *dims)
{
	assert(rank <= IR_MAX_RANK);
	t->rank = rank;
	for (int i = 0; i < rank; i++)
		t->dims[i] = dims[i];
}

struct ir_tensor *ir_tensor_dup(const struct ir_tensor *t)
{
	struct ir_tensor *c = xmalloc(sizeof *c);
	*c = *t;
	c->name = xstrdup(t->name ? t->name : "");
	if (t->data) {
		size_t nb = ir_tensor_nbytes(t);
		c->data = xmalloc(nb ? nb : 1);
		memcpy(c->data, t->data, nb);
	}
	if (t->quant) {
		struct ir_quant *q = xmalloc(sizeof *q);
		*q = *t->quant;
		q->scale = xmalloc(sizeof(float) * (q->n ? q->n : 1));
		memcpy(q->scale, t->quant->scale, sizeof(float) * q->n);
		if (t->quant->zero_point) {
			q->zero_point = xmalloc(sizeof(int32_t) * (q->n ? q->n : 1));
			memcpy(q->zero_point, t->quant->zero_point, sizeof(int32_t) * q->n);
		}
		q->method = t->quant->method ? xstrdup(t->quant->method) : NULL;
		c->quant = q;
	}
	return c;
}

void ir_tensor_free(struct ir_tensor *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->data);
	if (t->quant) {
		free(t->quant->scale);
		free(t->quant->zero_point);
		free(t->quant->method);
		free(t->quant);
	}
	free(t);
}

/* ---- name hash --------------------------------------------------------- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void hash_rebuild(struct ir_graph *g)
{
	free(g->hash);
	g->hash_cap = 64;
	while (g->hash_cap < 2 * g->n_tensors + 16)
		g->hash_cap *= 2;
	g->hash = xmalloc(sizeof(int) * g->hash_cap);
	for (int i = 0; i < g->hash_cap; i++)
		g->hash[i] = -1;
	for (int i = 0; i < g->n_tensors; i++) {
		uint32_t h = hash_str(g->tensors[i]->name) & (g->hash_cap - 1);
		while (g->hash[h] >= 0)
			h = (h + 1) & (g->hash_cap - 1);
		g->hash[h] = i;
	}
}

int ir_tensor_find(const struct ir_graph *g, const char *name)
{
	if (!g->hash)
		return -1;
	uint32_t h = hash_str(name) & (g->hash_cap - 1);
	while (g->hash[h] >= 0) {
		if (strcmp(g->tensors[g->hash[h]]->name, name) == 0)
			return g->hash[h];
		h = (h + 1) & (g->hash_cap - 1);
	}
	return -1;
}

/* ---- graphs ------------------------------------------------------------ */

struct ir_graph *ir_graph_new(const char *name)
{
	struct ir_graph *g = xcalloc(1, sizeof *g);
	g->name = xstrdup(name ? name : "");
	hash_rebuild(g);
	return g;
}

void ir_attr_free(struct ir_attr *a)
{
	free(a->name);
	free(a->s);
	free(a->ints);
	free(a->floats);
	if (a->strings)
		for (int i = 0; i < a->n; i++)
			free(a->strings[i]);
	free(a->strings);
	ir_tensor_free(a->t);
	memset(a, 0, sizeof *a);
}

void ir_node_free_contents(struct ir_node *n)
{
	free(n->name);
	free(n->in);
	free(n->out);
	for (int i = 0; i < n->n_attr; i++)
		ir_attr_free(&n->attr[i]);
	free(n->attr);
	free(n->reason);
	free(n->origin);
	free(n->qtype);
	memset(n, 0, sizeof *n);
}

void ir_graph_free(struct ir_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_tensors; i++)
		ir_tensor_free(g->tensors[i]);
	free(g->tensors);
	for (int i = 0; i < g->n_nodes; i++)
		ir_node_free_contents(&g->nodes[i]);
	free(g->nodes);
	free(g->inputs);
	free(g->outputs);
	for (int i = 0; i < g->n_prov; i++) {
		free(g->prov[i].tool);
		free(g->prov[i].version);
		for (int j = 0; j < g->prov[i].argc; j++)
			free(g->prov[i].argv[j]);
		free(g->prov[i].argv);
	}
	free(g->prov);
	for (int i = 0; i < g->n_meta; i++) {
		free(g->meta_key[i]);
		free(g->meta_val[i]);
	}
	free(g->meta_key);
	free(g->meta_val);
	free(g->march_name);
	free(g->march_text);
	free(g->hash);
	free(g->name);
	free(g);
}

int ir_tensor_add(struct ir_graph *g, const char *name, enum ir_dtype dt,
		  int rank, const int64_t *dims)
{
	if (ir_tensor_find(g, name) >= 0)
		return ir_error("tensor \"%s\" is defined twice", name);
	if (rank > IR_MAX_RANK)
		return ir_error("tensor \"%s\" has rank %d; at most %d is supported",
				name, rank, IR_MAX_RANK);
	if (g->n_tensors == g->cap_tensors) {
		g->cap_tensors = g->cap_tensors ? 2 * g->cap_tensors : 64;
		g->tensors = xrealloc(g->tensors, sizeof *g->tensors * g->cap_tensors);
	}
	struct ir_tensor *t = xcalloc(1, sizeof *t);
	t->name = xstrdup(name);
	t->dtype = dt;
	t->rank = rank;
	t->producer = -1;
	for (int i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	int id = g->n_tensors++;
	g->tensors[id] = t;
	if (2 * g->n_tensors + 16 > g->hash_cap) {
		hash_rebuild(g);
	} else {
		uint32_t h = hash_str(name) & (g->hash_cap - 1);
		while (g->hash[h] >= 0)
			h = (h + 1) & (g->hash_cap - 1);
		g->hash[h] = id;
	}
	return id;
}

int ir_const_add(struct ir_graph *g, const char *name, enum ir_dtype dt,
		 int rank, const int64_t *dims, void *data)
{
	int id = ir_tensor_add(g, name, dt, rank, dims);
	if (id < 0) {
		free(data);
		return -1;
	}
	if (!data)
		data = xcalloc(1, 1);
	g->tensors[id]->data = data;
	return id;
}

char *ir_unique_name(const struct ir_graph *g, const char *base)
{
	if (ir_tensor_find(g, base) < 0 && !ir_node_find(g, base))
		return xstrdup(base);
	for (int i = 1;; i++) {
		char *s = xasprintf("%s_%d", base, i);
		if (ir_tensor_find(g, s) < 0 && !ir_node_find(g, s))
			return s;
		free(s);
	}
}

static void int_list_add(int **list, int *n, int v)
{
	*list = xrealloc(*list, sizeof(int) * (*n + 1));
	(*list)[(*n)++] = v;
}

void ir_graph_add_input(struct ir_graph *g, int t) { int_list_add(&g->inputs, &g->n_inputs, t); }
void ir_graph_add_output(struct ir_graph *g, int t) { int_list_add(&g->outputs, &g->n_outputs, t); }

int ir_graph_is_input(const struct ir_graph *g, int t)
{
	for (int i = 0; i < g->n_inputs; i++)
		if (g->inputs[i] == t)
			return 1;
	return 0;
}

int ir_graph_is_output(const struct ir_graph *g, int t)
{
	for (int i = 0; i < g->n_outputs; i++)
		if (g->outputs[i] == t)
			return 1;
	return 0;
}

struct ir_node *ir_node_add(struct ir_graph *g, const char *name, enum ir_op op)
{
	if (g->n_nodes == g->cap_nodes) {
		g->cap_nodes = g->cap_nodes ? 2 * g->cap_nodes : 64;
		g->nodes = xrealloc(g->nodes, sizeof *g->nodes * g->cap_nodes);
	}
	struct ir_node *n = &g->nodes[g->n_nodes++];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->op = op;
	n->segment = -1;
	return n;
}

void ir_node_add_input(struct ir_node *n, int t) { int_list_add(&n->in, &n->n_in, t); }
void ir_node_add_output(struct ir_node *n, int t) { int_list_add(&n->out, &n->n_out, t); }

struct ir_node *ir_node_find(const struct ir_graph *g, const char *name)
{
	for (int i = 0; i < g->n_nodes; i++)
		if (strcmp(g->nodes[i].name, name) == 0)
			return &g->nodes[i];
	return NULL;
}

void ir_graph_remove_node(struct ir_graph *g, int i)
{
	ir_node_free_contents(&g->nodes[i]);
	memmove(&g->nodes[i], &g->nodes[i + 1], sizeof *g->nodes * (g->n_nodes - i - 1));
	g->n_nodes--;
}

/* ---- attributes -------------------------------------------------------- */

struct ir_attr *ir_attr_find(const struct ir_node *n, const char *name)
{
	for (int i = 0; i < n->n_attr; i++)
		if (strcmp(n->attr[i].name, name) == 0)
			return &n->attr[i];
	return NULL;
}

/* Returns a cleared slot named name, at its sorted position. */
static struct ir_attr *attr_slot(struct ir_node *n, const char *name)
{
	struct ir_attr *a = ir_attr_find(n, name);
	if (a) {
		ir_attr_free(a);
		a->name = xstrdup(name);
		return a;
	}
	int pos = 0;
	while (pos < n->n_attr && strcmp(n->attr[pos].name, name) < 0)
		pos++;
	n->attr = xrealloc(n->attr, sizeof *n->attr * (n->n_attr + 1));
	memmove(&n->attr[pos + 1], &n->attr[pos], sizeof *n->attr * (n->n_attr - pos));
	n->n_attr++;
	a = &n->attr[pos];
	memset(a, 0, sizeof *a);
	a->name = xstrdup(name);
	return a;
}

void ir_attr_set_int(struct ir_node *n, const char *name, int64_t v)
{
	struct ir_attr *a = attr_slot(n, name);
	a->type = IR_ATTR_INT;
	a->i = v;
}

void ir_attr_set_float(struct ir_node *n, const char *name, float v)
{
	struct ir_attr *a = attr_slot(n, name);
	a->type = IR_ATTR_FLOAT;
	a->f = v;
}

void ir_attr_set_string(struct ir_node *n, const char *name, const char *v)
{
	struct ir_attr *a = attr_slot(n, name);
	a->type = IR_ATTR_STRING;
	a->s = xstrdup(v);
}

void ir_attr_set_ints(struct ir_node *n, const char *name, int cnt, const int64_t *v)
{
	struct ir_attr *a = attr_slot(n, name);
	a->type = IR_ATTR_INTS;
	a->n = cnt;
	a->ints = xmalloc(sizeof(int64_t) * (cnt ? cnt : 1));
	if (cnt)
		memcpy(a->ints, v, sizeof(int64_t) * cnt);
}

void ir_attr_set_floats(struct ir_node *n, const char *name, int cnt, const float *v)
{
	struct ir_attr *a = attr_slot(n, name);
	a->type = IR_ATTR_FLOATS;
	a->n = cnt;
	a->floats = xmalloc(sizeof(float) * (cnt ? cnt : 1));
	if (cnt)
		memcpy(a->floats, v, sizeof(float) * cnt);
}

void ir_attr_set_strings(struct ir_node *n, const char *name, int cnt, char *const *v)
{
	struct ir_attr *a = attr_slot(n, name);
	a->type = IR_ATTR_STRINGS;
	a->n = cnt;
	a->strings = xmalloc(sizeof(char *) * (cnt ? cnt : 1));
	for (int i = 0; i < cnt; i++)
		a->strings[i] = xstrdup(v[i]);
}

void ir_attr_set_tensor(struct ir_node *n, const char *name, struct ir_tensor *t)
{
	struct ir_attr *a = attr_slot(n, name);
	a->type = IR_ATTR_TENSOR;
	a->t = t;
}

void ir_attr_del(struct ir_node *n, const char *name)
{
	struct ir_attr *a = ir_attr_find(n, name);
	if (!a)
		return;
	int pos = (int)(a - n->attr);
	ir_attr_free(a);
	memmove(&n->attr[pos], &n->attr[pos + 1], sizeof *n->attr * (n->n_attr - pos - 1));
	n->n_attr--;
}

void ir_attr_copy(struct ir_attr *dst, const struct ir_attr *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->s = src->s ? xstrdup(src->s) : NULL;
	if (src->ints) {
		dst->ints = xmalloc(sizeof(int64_t) * (src->n ? src->n : 1));
		memcpy(dst->ints, src->ints, sizeof(int64_t) * src->n);
	}
	if (src->floats) {
		dst->floats = xmalloc(sizeof(float) * (src->n ? src->n : 1));
		memcpy(dst->floats, src->floats, sizeof(float) * src->n);
	}
	if (src->strings) {
		dst->strings = xmalloc(sizeof(char *) * (src->n ? src->n : 1));
		for (int i = 0; i < src->n; i++)
			dst->strings[i] = xstrdup(src->strings[i]);
	}
	dst->t = src->t ? ir_tensor_dup(src->t) : NULL;
}

int64_t ir_attr_int(const struct ir_node *n, const char *name, int64_t def)
{
	struct ir_attr *a = ir_attr_find(n, name);
	return a && a->type == IR_ATTR_INT ? a->i : def;
}

float ir_attr_float(const struct ir_node *n, const char *name, float def)
{
	struct ir_attr *a = ir_attr_find(n, name);
	if (a && a->type == IR_ATTR_FLOAT)
		return a->f;
	if (a && a->type == IR_ATTR_INT)
		return (float)a->i;
	return def;
}

const char *ir_attr_string(const struct ir_node *n, const char *name, const char *def)
{
	struct ir_attr *a = ir_attr_find(n, name);
	return a && a->type == IR_ATTR_STRING ? a->s : def;
}

int ir_attr_ints(const struct ir_node *n, const char *name, int64_t *out, int max)
{
	struct ir_attr *a = ir_attr_find(n, name);
	if (!a || a->type != IR_ATTR_INTS)
		return -1;
	for (int i = 0; i < a->n && i < max; i++)
		out[i] = a->ints[i];
	return a->n;
}

/* ---- provenance and metadata ------------------------------------------- */

void ir_graph_add_prov(struct ir_graph *g, const char *tool, int argc, char **argv)
{
	g->prov = xrealloc(g->prov, sizeof *g->prov * (g->n_prov + 1));
	struct ir_prov *p = &g->prov[g->n_prov++];
	p->tool = xstrdup(tool);
	p->version = xstrdup(BPU_TOOLCHAIN_VERSION);
	p->argc = argc;
	p->argv = xmalloc(sizeof(char *) * (argc ? argc : 1));
	for (int i = 0; i < argc; i++)
		p->argv[i] = xstrdup(argv[i]);
}

void ir_graph_set_meta(struct ir_graph *g, const char *key, const char *val)
{
	for (int i = 0; i < g->n_meta; i++)
		if (strcmp(g->meta_key[i], key) == 0) {
			free(g->meta_val[i]);
			g->meta_val[i] = xstrdup(val);
			return;
		}
	g->meta_key = xrealloc(g->meta_key, sizeof(char *) * (g->n_meta + 1));
	g->meta_val = xrealloc(g->meta_val, sizeof(char *) * (g->n_meta + 1));
	g->meta_key[g->n_meta] = xstrdup(key);
	g->meta_val[g->n_meta] = xstrdup(val);
	g->n_meta++;
}

/* ---- whole-graph passes ------------------------------------------------ */

int ir_graph_check(struct ir_graph *g)
{
	char *defined = xcalloc(g->n_tensors ? g->n_tensors : 1, 1);
	int rc = 0;
	for (int i = 0; i < g->n_tensors; i++) {
		g->tensors[i]->producer = -1;
		if (g->tensors[i]->data)
			defined[i] = 1;
	}
	for (int i = 0; i < g->n_inputs; i++) {
		if (defined[g->inputs[i]] && g->tensors[g->inputs[i]]->data) {
			rc = ir_error("model input \"%s\" is also a constant",
				      g->tensors[g->inputs[i]]->name);
			goto out;
		}
		defined[g->inputs[i]] = 1;
	}
	for (int i = 0; i < g->n_nodes; i++) {
		struct ir_node *n = &g->nodes[i];
		for (int j = 0; j < n->n_in; j++) {
			int t = n->in[j];
			if (t < 0)
				continue;
			if (t >= g->n_tensors || !defined[t]) {
				rc = ir_error("node \"%s\" (%s): input \"%s\" is not defined by an "
					      "earlier node, a model input or a constant",
					      n->name, ir_op_name(n->op),
					      t < g->n_tensors ? g->tensors[t]->name : "?");
				goto out;
			}
		}
		for (int j = 0; j < n->n_out; j++) {
			int t = n->out[j];
			if (t < 0)
				continue;
			if (defined[t]) {
				rc = ir_error("node \"%s\" (%s): output \"%s\" is already defined",
					      n->name, ir_op_name(n->op), g->tensors[t]->name);
				goto out;
			}
			defined[t] = 1;
			g->tensors[t]->producer = i;
		}
	}
	for (int i = 0; i < g->n_outputs; i++)
		if (!defined[g->outputs[i]]) {
			rc = ir_error("model output \"%s\" is not produced by any node",
				      g->tensors[g->outputs[i]]->name);
			goto out;
		}
out:
	free(defined);
	return rc;
}

void ir_graph_compact(struct ir_graph *g)
{
	int *used = xcalloc(g->n_tensors ? g->n_tensors : 1, sizeof(int));
	for (int i = 0; i < g->n_inputs; i++)
		used[g->inputs[i]] = 1;
	for (int i = 0; i < g->n_outputs; i++)
		used[g->outputs[i]] = 1;
	for (int i = 0; i < g->n_nodes; i++) {
		for (int j = 0; j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] >= 0)
				used[g->nodes[i].in[j]] = 1;
		for (int j = 0; j < g->nodes[i].n_out; j++)
			if (g->nodes[i].out[j] >= 0)
				used[g->nodes[i].out[j]] = 1;
	}
	int k = 0;
	for (int i = 0; i < g->n_tensors; i++) {
		if (used[i]) {
			g->tensors[k] = g->tensors[i];
			used[i] = k++;
		} else {
			ir_tensor_free(g->tensors[i]);
			used[i] = -1;
		}
	}
	g->n_tensors = k;
	for (int i = 0; i < g->n_inputs; i++)
		g->inputs[i] = used[g->inputs[i]];
	for (int i = 0; i < g->n_outputs; i++)
		g->outputs[i] = used[g->outputs[i]];
	for (int i = 0; i < g->n_nodes; i++) {
		for (int j = 0; j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] >= 0)
				g->nodes[i].in[j] = used[g->nodes[i].in[j]];
		for (int j = 0; j < g->nodes[i].n_out; j++)
			if (g->nodes[i].out[j] >= 0)
				g->nodes[i].out[j] = used[g->nodes[i].out[j]];
	}
	free(used);
	hash_rebuild(g);
}

int ir_graph_toposort(struct ir_graph *g)
{
	int nn = g->n_nodes;
	if (nn == 0)
		return 0;
	/* producer of each tensor among the nodes */
	int *prod = xmalloc(sizeof(int) * (g->n_tensors ? g->n_tensors : 1));
	for (int i = 0; i < g->n_tensors; i++)
		prod[i] = -1;
	for (int i = 0; i < nn; i++)
		for (int j = 0; j < g->nodes[i].n_out; j++)
			if (g->nodes[i].out[j] >= 0)
				prod[g->nodes[i].out[j]] = i;
	char *done = xcalloc(nn, 1);
	struct ir_node *sorted = xmalloc(sizeof *sorted * nn);
	int k = 0;
	/* Repeatedly take the first node whose inputs are ready: stable and
	 * O(n^2) in the worst case, fine for graphs of thousands of nodes. */
	int progress = 1;
	while (k < nn && progress) {
		progress = 0;
		for (int i = 0; i < nn; i++) {
			if (done[i])
				continue;
			int ready = 1;
			for (int j = 0; j < g->nodes[i].n_in && ready; j++) {
				int t = g->nodes[i].in[j];
				if (t >= 0 && prod[t] >= 0 && !done[prod[t]])
					ready = 0;
			}
			if (ready) {
				done[i] = 1;
				sorted[k++] = g->nodes[i];
				progress = 1;
			}
		}
	}
	int rc = 0;
	if (k < nn) {
		for (int i = 0; i < nn; i++)
			if (!done[i]) {
				rc = ir_error("node \"%s\" (%s) is part of a cycle",
					      g->nodes[i].name, ir_op_name(g->nodes[i].op));
				break;
			}
		free(sorted);
	} else {
		free(g->nodes);
		g->nodes = sorted;
		g->cap_nodes = nn;
	}
	free(prod);
	free(done);
	return rc;
}
