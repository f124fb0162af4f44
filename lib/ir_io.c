/*
 * ir_io.c: the binary IR stream (formats/ir.md): a 24-byte header, then one
 * bpuir.Model protobuf message of exactly the length the header gives.
 */
#include "ir.h"
#include "ir.pb-c.h"
#include "ops.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const unsigned char ir_magic[8] = {0x89, 'B', 'P', 'U', 'I', 'R', '\r', '\n'};
#define IR_HEADER_SIZE 24

/* ---- graph -> protobuf ------------------------------------------------- */

static Bpuir__Tensor *tensor_to_pb(const struct ir_tensor *t, int with_data)
{
	Bpuir__Tensor *p = xmalloc(sizeof *p);
	bpuir__tensor__init(p);
	p->name = t->name;
	p->has_dtype = 1;
	p->dtype = (Bpuir__DType)t->dtype;
	p->n_dims = t->rank < 0 ? 0 : (size_t)t->rank;
	p->dims = (int64_t *)t->dims;
	if (with_data && t->data) {
		p->has_data = 1;
		p->data.len = ir_tensor_nbytes(t);
		p->data.data = t->data;
	}
	if (t->quant) {
		Bpuir__QuantParams *q = xmalloc(sizeof *q);
		bpuir__quant_params__init(q);
		q->has_dtype = 1;
		q->dtype = (Bpuir__DType)t->quant->dtype;
		q->n_scale = t->quant->n;
		q->scale = t->quant->scale;
		if (t->quant->zero_point) {
			q->n_zero_point = t->quant->n;
			q->zero_point = t->quant->zero_point;
		}
		q->has_axis = 1;
		q->axis = t->quant->axis;
		q->method = t->quant->method;
		p->quant = q;
	}
	return p;
}

static void tensor_pb_free(Bpuir__Tensor *p)
{
	free(p->quant);
	free(p);
}

static Bpuir__Attribute *attr_to_pb(const struct ir_attr *a)
{
	Bpuir__Attribute *p = xcalloc(1, sizeof *p + sizeof(Bpuir__Ints) + sizeof(Bpuir__Floats) +
					       sizeof(Bpuir__Strings));
	bpuir__attribute__init(p);
	p->name = a->name;
	switch (a->type) {
	case IR_ATTR_INT:
		p->value_case = BPUIR__ATTRIBUTE__VALUE_I;
		p->i = a->i;
		break;
	case IR_ATTR_FLOAT:
		p->value_case = BPUIR__ATTRIBUTE__VALUE_F;
		p->f = a->f;
		break;
	case IR_ATTR_STRING:
		p->value_case = BPUIR__ATTRIBUTE__VALUE_S;
		p->s = a->s;
		break;
	case IR_ATTR_INTS: {
		Bpuir__Ints *v = (Bpuir__Ints *)(p + 1);
		bpuir__ints__init(v);
		v->n_v = a->n;
		v->v = a->ints;
		p->value_case = BPUIR__ATTRIBUTE__VALUE_INTS;
		p->ints = v;
		break;
	}
	case IR_ATTR_FLOATS: {
		Bpuir__Floats *v = (Bpuir__Floats *)((char *)(p + 1) + sizeof(Bpuir__Ints));
		bpuir__floats__init(v);
		v->n_v = a->n;
		v->v = a->floats;
		p->value_case = BPUIR__ATTRIBUTE__VALUE_FLOATS;
		p->floats = v;
		break;
	}
	case IR_ATTR_STRINGS: {
		Bpuir__Strings *v = (Bpuir__Strings *)((char *)(p + 1) + sizeof(Bpuir__Ints) +
						       sizeof(Bpuir__Floats));
		bpuir__strings__init(v);
		v->n_v = a->n;
		v->v = a->strings;
		p->value_case = BPUIR__ATTRIBUTE__VALUE_STRINGS;
		p->strings = v;
		break;
	}
	case IR_ATTR_TENSOR:
		p->value_case = BPUIR__ATTRIBUTE__VALUE_T;
		p->t = tensor_to_pb(a->t, 1);
		break;
	}
	return p;
}

int ir_write(const struct ir_graph *g, FILE *f)
{
	Bpuir__Model m;
	Bpuir__Graph pg;
	bpuir__model__init(&m);
	bpuir__graph__init(&pg);
	m.graph = &pg;
	pg.name = g->name;

	pg.n_inputs = g->n_inputs;
	pg.inputs = xmalloc(sizeof(char *) * (g->n_inputs + 1));
	for (int i = 0; i < g->n_inputs; i++)
		pg.inputs[i] = g->tensors[g->inputs[i]]->name;
	pg.n_outputs = g->n_outputs;
	pg.outputs = xmalloc(sizeof(char *) * (g->n_outputs + 1));
	for (int i = 0; i < g->n_outputs; i++)
		pg.outputs[i] = g->tensors[g->outputs[i]]->name;

	pg.n_tensors = g->n_tensors;
	pg.tensors = xmalloc(sizeof(void *) * (g->n_tensors + 1));
	for (int i = 0; i < g->n_tensors; i++)
		pg.tensors[i] = tensor_to_pb(g->tensors[i], 1);

	pg.n_nodes = g->n_nodes;
	pg.nodes = xmalloc(sizeof(void *) * (g->n_nodes + 1));
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		Bpuir__Node *pn = xmalloc(sizeof *pn);
		bpuir__node__init(pn);
		pn->name = n->name;
		pn->op = (char *)ir_op_name(n->op);
		pn->n_inputs = n->n_in;
		pn->inputs = xmalloc(sizeof(char *) * (n->n_in + 1));
		for (int j = 0; j < n->n_in; j++)
			pn->inputs[j] = n->in[j] >= 0 ? g->tensors[n->in[j]]->name : "";
		pn->n_outputs = n->n_out;
		pn->outputs = xmalloc(sizeof(char *) * (n->n_out + 1));
		for (int j = 0; j < n->n_out; j++)
			pn->outputs[j] = n->out[j] >= 0 ? g->tensors[n->out[j]]->name : "";
		pn->n_attrs = n->n_attr;
		pn->attrs = xmalloc(sizeof(void *) * (n->n_attr + 1));
		for (int j = 0; j < n->n_attr; j++)
			pn->attrs[j] = attr_to_pb(&n->attr[j]);
		if (n->place != IR_PLACE_UNPLACED) {
			pn->has_placement = 1;
			pn->placement = (Bpuir__Placement)n->place;
		}
		if (n->segment >= 0) {
			pn->has_segment = 1;
			pn->segment = n->segment;
		}
		pn->reason = n->reason;
		pn->origin = n->origin;
		pn->qtype = n->qtype;
		pg.nodes[i] = pn;
	}

	m.n_provenance = g->n_prov;
	m.provenance = xmalloc(sizeof(void *) * (g->n_prov + 1));
	for (int i = 0; i < g->n_prov; i++) {
		Bpuir__Provenance *p = xmalloc(sizeof *p);
		bpuir__provenance__init(p);
		p->tool = g->prov[i].tool;
		p->version = g->prov[i].version;
		p->n_args = g->prov[i].argc;
		p->args = g->prov[i].argv;
		m.provenance[i] = p;
	}
	m.n_metadata = g->n_meta;
	m.metadata = xmalloc(sizeof(void *) * (g->n_meta + 1));
	for (int i = 0; i < g->n_meta; i++) {
		Bpuir__MetadataEntry *e = xmalloc(sizeof *e);
		bpuir__metadata_entry__init(e);
		e->key = g->meta_key[i];
		e->value = g->meta_val[i];
		m.metadata[i] = e;
	}
	Bpuir__March march;
	if (g->march_name) {
		bpuir__march__init(&march);
		march.name = g->march_name;
		if (g->march_text) {
			march.has_text = 1;
			march.text.data = g->march_text;
			march.text.len = g->march_len;
		}
		m.march = &march;
	}

	size_t len = bpuir__model__get_packed_size(&m);
	unsigned char *buf = xmalloc(IR_HEADER_SIZE + len);
	memcpy(buf, ir_magic, 8);
	buf[8] = IR_VERSION_MAJOR & 0xff;
	buf[9] = IR_VERSION_MAJOR >> 8;
	buf[10] = IR_VERSION_MINOR & 0xff;
	buf[11] = IR_VERSION_MINOR >> 8;
	memset(buf + 12, 0, 4);
	for (int i = 0; i < 8; i++)
		buf[16 + i] = (unsigned char)((uint64_t)len >> (8 * i));
	bpuir__model__pack(&m, buf + IR_HEADER_SIZE);
	size_t w = fwrite(buf, 1, IR_HEADER_SIZE + len, f);
	free(buf);

	for (int i = 0; i < g->n_tensors; i++)
		tensor_pb_free(pg.tensors[i]);
	for (int i = 0; i < g->n_nodes; i++) {
		Bpuir__Node *pn = pg.nodes[i];
		for (size_t j = 0; j < pn->n_attrs; j++) {
			if (pn->attrs[j]->value_case == BPUIR__ATTRIBUTE__VALUE_T)
				tensor_pb_free(pn->attrs[j]->t);
			free(pn->attrs[j]);
		}
		free(pn->attrs);
		free(pn->inputs);
		free(pn->outputs);
		free(pn);
	}
	for (int i = 0; i < g->n_prov; i++)
		free(m.provenance[i]);
	for (int i = 0; i < g->n_meta; i++)
		free(m.metadata[i]);
	free(m.metadata);
	free(m.provenance);
	free(pg.tensors);
	free(pg.nodes);
	free(pg.inputs);
	free(pg.outputs);
	return w == IR_HEADER_SIZE + len ? 0 : -1;
}

/* ---- protobuf -> graph ------------------------------------------------- */

static int tensor_from_pb(const Bpuir__Tensor *p, struct ir_tensor *t, const char *what)
{
	const char *name = p->name ? p->name : "";
	t->dtype = (enum ir_dtype)p->dtype;
	if (p->has_dtype && ir_dtype_size(t->dtype) == 0)
		return ir_error("%s: tensor \"%s\" has unknown dtype %d", what, name, p->dtype);
	if (p->n_dims > IR_MAX_RANK)
		return ir_error("%s: tensor \"%s\" has rank %zu; at most %d is supported",
				what, name, p->n_dims, IR_MAX_RANK);
	t->rank = (int)p->n_dims;
	for (size_t i = 0; i < p->n_dims; i++) {
		if (p->dims[i] < 0)
			return ir_error("%s: tensor \"%s\" has negative dimension %lld",
					what, name, (long long)p->dims[i]);
		t->dims[i] = p->dims[i];
	}
	if (p->has_data) {
		size_t want = ir_tensor_nbytes(t);
		if (p->data.len != want)
			return ir_error("%s: constant \"%s\" holds %zu bytes; its type %s with "
					"%lld elements needs %zu",
					what, name, p->data.len, ir_dtype_name(t->dtype),
					(long long)ir_tensor_numel(t), want);
		t->data = xmalloc(want ? want : 1);
		if (want)
			memcpy(t->data, p->data.data, want);
	}
	if (p->quant) {
		struct ir_quant *q = xcalloc(1, sizeof *q);
		q->dtype = (enum ir_dtype)p->quant->dtype;
		q->n = (int)p->quant->n_scale;
		q->scale = xmalloc(sizeof(float) * (q->n ? q->n : 1));
		if (q->n)
			memcpy(q->scale, p->quant->scale, sizeof(float) * q->n);
		if (p->quant->n_zero_point) {
			if (p->quant->n_zero_point != p->quant->n_scale)
				return ir_error("%s: tensor \"%s\": %zu zero points for %zu scales",
						what, name, p->quant->n_zero_point, p->quant->n_scale);
			q->zero_point = xmalloc(sizeof(int32_t) * q->n);
			memcpy(q->zero_point, p->quant->zero_point, sizeof(int32_t) * q->n);
		}
		q->axis = p->quant->axis;
		q->method = p->quant->method ? xstrdup(p->quant->method) : NULL;
		t->quant = q;
	}
	return 0;
}

static int attr_from_pb(const Bpuir__Attribute *p, struct ir_attr *a, const char *what,
			const char *node)
{
	memset(a, 0, sizeof *a);
	a->name = xstrdup(p->name ? p->name : "");
	switch (p->value_case) {
	case BPUIR__ATTRIBUTE__VALUE_I:
		a->type = IR_ATTR_INT;
		a->i = p->i;
		break;
	case BPUIR__ATTRIBUTE__VALUE_F:
		a->type = IR_ATTR_FLOAT;
		a->f = p->f;
		break;
	case BPUIR__ATTRIBUTE__VALUE_S:
		a->type = IR_ATTR_STRING;
		a->s = xstrdup(p->s);
		break;
	case BPUIR__ATTRIBUTE__VALUE_INTS:
		a->type = IR_ATTR_INTS;
		a->n = (int)p->ints->n_v;
		a->ints = xmalloc(sizeof(int64_t) * (a->n ? a->n : 1));
		if (a->n)
			memcpy(a->ints, p->ints->v, sizeof(int64_t) * a->n);
		break;
	case BPUIR__ATTRIBUTE__VALUE_FLOATS:
		a->type = IR_ATTR_FLOATS;
		a->n = (int)p->floats->n_v;
		a->floats = xmalloc(sizeof(float) * (a->n ? a->n : 1));
		if (a->n)
			memcpy(a->floats, p->floats->v, sizeof(float) * a->n);
		break;
	case BPUIR__ATTRIBUTE__VALUE_STRINGS:
		a->type = IR_ATTR_STRINGS;
		a->n = (int)p->strings->n_v;
		a->strings = xmalloc(sizeof(char *) * (a->n ? a->n : 1));
		for (int i = 0; i < a->n; i++)
			a->strings[i] = xstrdup(p->strings->v[i]);
		break;
	case BPUIR__ATTRIBUTE__VALUE_T:
		a->type = IR_ATTR_TENSOR;
		a->t = xcalloc(1, sizeof *a->t);
		a->t->name = xstrdup(p->t->name);
		a->t->producer = -1;
		if (tensor_from_pb(p->t, a->t, what) < 0)
			return -1;
		break;
	default:
		return ir_error("%s: node \"%s\": attribute \"%s\" has no value", what, node,
				a->name);
	}
	return 0;
}

static struct ir_graph *graph_from_pb(const Bpuir__Model *m, const char *what)
{
	if (!m->graph) {
		ir_error("%s: IR stream holds no graph", what);
		return NULL;
	}
	const Bpuir__Graph *pg = m->graph;
	struct ir_graph *g = ir_graph_new(pg->name);
	for (size_t i = 0; i < pg->n_tensors; i++) {
		const Bpuir__Tensor *pt = pg->tensors[i];
		if (!pt->name || !*pt->name) {
			ir_error("%s: tensor %zu has no name", what, i);
			goto fail;
		}
		int id = ir_tensor_add(g, pt->name, IR_DTYPE_UNDEFINED, 0, NULL);
		if (id < 0) {
			ir_error("%s: tensor \"%s\" is defined twice", what, pt->name);
			goto fail;
		}
		if (tensor_from_pb(pt, g->tensors[id], what) < 0)
			goto fail;
	}
	for (size_t i = 0; i < pg->n_inputs; i++) {
		int t = ir_tensor_find(g, pg->inputs[i]);
		if (t < 0) {
			ir_error("%s: model input \"%s\" has no tensor entry", what, pg->inputs[i]);
			goto fail;
		}
		ir_graph_add_input(g, t);
	}
	for (size_t i = 0; i < pg->n_outputs; i++) {
		int t = ir_tensor_find(g, pg->outputs[i]);
		if (t < 0) {
			ir_error("%s: model output \"%s\" has no tensor entry", what, pg->outputs[i]);
			goto fail;
		}
		ir_graph_add_output(g, t);
	}
	for (size_t i = 0; i < pg->n_nodes; i++) {
		const Bpuir__Node *pn = pg->nodes[i];
		const char *nname = pn->name ? pn->name : "";
		enum ir_op op = ir_op_from_name(pn->op ? pn->op : "");
		if (op == IR_OP_INVALID) {
			ir_error("%s: node \"%s\" has unknown op \"%s\" (this toolchain is %s; "
				 "was the stream written by a newer one?)",
				 what, nname, pn->op ? pn->op : "", BPU_TOOLCHAIN_VERSION);
			goto fail;
		}
		struct ir_node *n = ir_node_add(g, nname, op);
		for (size_t j = 0; j < pn->n_inputs; j++) {
			int t = -1;
			if (pn->inputs[j][0]) {
				t = ir_tensor_find(g, pn->inputs[j]);
				if (t < 0) {
					ir_error("%s: node \"%s\": input \"%s\" has no tensor entry",
						 what, nname, pn->inputs[j]);
					goto fail;
				}
			}
			ir_node_add_input(n, t);
		}
		for (size_t j = 0; j < pn->n_outputs; j++) {
			int t = -1;
			if (pn->outputs[j][0]) {
				t = ir_tensor_find(g, pn->outputs[j]);
				if (t < 0) {
					ir_error("%s: node \"%s\": output \"%s\" has no tensor entry",
						 what, nname, pn->outputs[j]);
					goto fail;
				}
			}
			ir_node_add_output(n, t);
		}
		n->n_attr = (int)pn->n_attrs;
		n->attr = xcalloc(pn->n_attrs ? pn->n_attrs : 1, sizeof *n->attr);
		for (size_t j = 0; j < pn->n_attrs; j++)
			if (attr_from_pb(pn->attrs[j], &n->attr[j], what, nname) < 0)
				goto fail;
		for (size_t j = 1; j < pn->n_attrs; j++)
			if (strcmp(n->attr[j - 1].name, n->attr[j].name) >= 0) {
				ir_error("%s: node \"%s\": attributes are not sorted and unique "
					 "(\"%s\" before \"%s\")",
					 what, nname, n->attr[j - 1].name, n->attr[j].name);
				goto fail;
			}
		if (pn->has_placement)
			n->place = (enum ir_place)pn->placement;
		if (pn->has_segment)
			n->segment = pn->segment;
		if (pn->reason)
			n->reason = xstrdup(pn->reason);
		if (pn->origin)
			n->origin = xstrdup(pn->origin);
		if (pn->qtype)
			n->qtype = xstrdup(pn->qtype);
	}
	for (size_t i = 0; i < m->n_provenance; i++) {
		const Bpuir__Provenance *p = m->provenance[i];
		ir_graph_add_prov(g, p->tool ? p->tool : "", (int)p->n_args, p->args);
		free(g->prov[g->n_prov - 1].version);
		g->prov[g->n_prov - 1].version = xstrdup(p->version ? p->version : "");
	}
	for (size_t i = 0; i < m->n_metadata; i++)
		ir_graph_set_meta(g, m->metadata[i]->key ? m->metadata[i]->key : "",
				  m->metadata[i]->value ? m->metadata[i]->value : "");
	if (m->march) {
		g->march_name = xstrdup(m->march->name ? m->march->name : "");
		if (m->march->has_text) {
			g->march_len = m->march->text.len;
			g->march_text = xmalloc(g->march_len + 1);
			memcpy(g->march_text, m->march->text.data, g->march_len);
		}
	}
	if (ir_graph_check(g) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		ir_error("%s: %s", what, msg);
		goto fail;
	}
	return g;
fail:
	ir_graph_free(g);
	return NULL;
}

/* ---- sniffing ---------------------------------------------------------- */

/* Does buf look like an ONNX ModelProto? Its first field is ir_version
 * (field 1, varint: byte 0x08) in every exporter we know of. */
static int looks_like_onnx(const unsigned char *b, size_t len)
{
	return len > 2 && b[0] == 0x08 && b[1] < 0x20;
}

static int looks_like_text(const unsigned char *b, size_t len)
{
	size_t i = 0;
	for (;;) {
		while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
			i++;
		if (i < len && b[i] == '#') {
			while (i < len && b[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	return len - i >= 3 && b[i] == 'i' && b[i + 1] == 'r' && (b[i + 2] == ' ' || b[i + 2] == '\t');
}

static struct ir_graph *verified(struct ir_graph *g, const char *what)
{
	int bad = -1;
	if (g && ir_graph_verify(g, &bad) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		if (bad >= 0 && g->nodes[bad].line > 0)
			ir_error("%s:%d: %s", what, g->nodes[bad].line, msg);
		else
			ir_error("%s: %s", what, msg);
		ir_graph_free(g);
		return NULL;
	}
	return g;
}


/* Every stream, binary or text, is checked against the operator table
 * before any tool sees it (formats/ir.md, invariants 3 and 4). */
struct ir_graph *ir_read_mem(const void *vbuf, size_t len, const char *what)
{
	return verified(ir_read_mem_unverified(vbuf, len, what), what);
}

struct ir_graph *ir_read_mem_unverified(const void *vbuf, size_t len, const char *what)
{
	const unsigned char *b = vbuf;
	if (len == 0) {
		ir_error("%s: empty input where an IR stream was expected (did the tool "
			 "before this one in the pipeline fail?)", what);
		return NULL;
	}
	if (len < 8 || memcmp(b, ir_magic, 8) != 0) {
		if (looks_like_text(b, len))
			return ir_text_parse(vbuf, len, what);
		if (looks_like_onnx(b, len))
			ir_error("%s: this is an ONNX model, not an IR stream; convert it first "
				 "with: onnx2ir MODEL.onnx > model.ir", what);
		else
			ir_error("%s: not an IR stream (bad magic; expected binary IR from "
				 "onnx2ir/ir-as or text IR starting with \"ir 1\")", what);
		return NULL;
	}
	if (len < IR_HEADER_SIZE) {
		ir_error("%s: truncated IR stream: %zu bytes, shorter than the %d-byte header "
			 "(did the tool before this one fail?)", what, len, IR_HEADER_SIZE);
		return NULL;
	}
	unsigned major = b[8] | (b[9] << 8), minor = b[10] | (b[11] << 8);
	if (major != IR_VERSION_MAJOR) {
		ir_error("%s: IR stream version %u.%u; this toolchain (%s) reads version %d.x",
			 what, major, minor, BPU_TOOLCHAIN_VERSION, IR_VERSION_MAJOR);
		return NULL;
	}
	uint64_t plen = 0;
	for (int i = 0; i < 8; i++)
		plen |= (uint64_t)b[16 + i] << (8 * i);
	if (plen > len - IR_HEADER_SIZE) {
		ir_error("%s: truncated IR stream: the header announces %llu payload bytes, "
			 "only %zu arrived (did the tool before this one fail?)",
			 what, (unsigned long long)plen, len - IR_HEADER_SIZE);
		return NULL;
	}
	if (plen < len - IR_HEADER_SIZE) {
		ir_error("%s: %zu bytes of junk after the IR stream's payload", what,
			 (size_t)(len - IR_HEADER_SIZE - plen));
		return NULL;
	}
	Bpuir__Model *m = bpuir__model__unpack(NULL, plen, b + IR_HEADER_SIZE);
	if (!m) {
		ir_error("%s: corrupt IR stream: the payload is not a valid bpuir.Model message",
			 what);
		return NULL;
	}
	struct ir_graph *g = graph_from_pb(m, what);
	bpuir__model__free_unpacked(m, NULL);
	return g;
}

struct ir_graph *ir_graph_clone(const struct ir_graph *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		die("open_memstream:");
	if (ir_write(g, f) < 0 || fclose(f) != 0)
		die("ir_graph_clone: cannot serialize graph \"%s\"", g->name);
	struct ir_graph *c = ir_read_mem_unverified(buf, len, g->name);
	free(buf);
	return c;
}
