/*
 * partition.c: BPU/CPU placement and the partition report (partition.h).
 */
#include "partition.h"
#include "march.h"
#include "nodeinfo.h"
#include "ops.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { S_BPU, S_CPU, S_PASSIVE };

struct part {
	struct ir_graph *g;
	const struct march *m;
	int nn, nt;
	int *state;
	char **reason;
	int *forced;          /* node-info decided */
	int *int32;           /* tail Conv keeping int32 */
	int *cons_start, *cons; /* consumers of each tensor (CSR) */
};

static void set_reason(struct part *p, int i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_reason(struct part *p, int i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(p->reason[i]);
	if (vasprintf(&p->reason[i], fmt, ap) < 0)
		p->reason[i] = xstrdup("?");
	va_end(ap);
}

static void build_consumers(struct part *p)
{
	struct ir_graph *g = p->g;
	int *cnt = xcalloc(p->nt + 1, sizeof(int));
	for (int i = 0; i < p->nn; i++)
		for (int j = 0; j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] >= 0)
				cnt[g->nodes[i].in[j]]++;
	p->cons_start = xmalloc(sizeof(int) * (p->nt + 2));
	p->cons_start[0] = 0;
	for (int t = 0; t < p->nt; t++)
		p->cons_start[t + 1] = p->cons_start[t] + cnt[t];
	p->cons = xmalloc(sizeof(int) * (p->cons_start[p->nt] + 1));
	memset(cnt, 0, sizeof(int) * (p->nt + 1));
	for (int i = 0; i < p->nn; i++)
		for (int j = 0; j < g->nodes[i].n_in; j++) {
			int t = g->nodes[i].in[j];
			if (t < 0)
				continue;
			/* a node reading t twice is listed once */
			int dup = 0;
			for (int k = p->cons_start[t]; k < p->cons_start[t] + cnt[t]; k++)
				dup |= p->cons[k] == i;
			if (!dup)
				p->cons[p->cons_start[t] + cnt[t]++] = i;
		}
	/* compact away the duplicate slots */
	int w = 0;
	for (int t = 0; t < p->nt; t++) {
		int s = p->cons_start[t];
		p->cons_start[t] = w;
		for (int k = 0; k < cnt[t]; k++)
			p->cons[w++] = p->cons[s + k];
	}
	p->cons_start[p->nt] = w;
	free(cnt);
}

#define FOR_CONSUMERS(p, t, c) \
	for (int k_ = (p)->cons_start[t], c; k_ < (p)->cons_start[(t) + 1] && ((c) = (p)->cons[k_], 1); k_++)

static int is_conv(enum ir_op op)
{
	return op == IR_OP_CONV || op == IR_OP_CONV_TRANSPOSE;
}

/* The first tensor of node i that is not f32 (constants included: an
 * integer index or shape is not BPU data), or -1. */
static int non_f32(const struct ir_graph *g, const struct ir_node *n)
{
	for (int j = 0; j < n->n_in; j++)
		if (n->in[j] >= 0 && g->tensors[n->in[j]]->dtype != IR_DTYPE_F32)
			return n->in[j];
	for (int j = 0; j < n->n_out; j++)
		if (n->out[j] >= 0 && g->tensors[n->out[j]]->dtype != IR_DTYPE_F32)
			return n->out[j];
	return -1;
}

static int initial_places(struct part *p, const struct nodeinfo *ni)
{
	struct ir_graph *g = p->g;
	char why[256];
	for (int i = 0; i < p->nn; i++) {
		const struct ir_node *n = &g->nodes[i];
		const char *run_on = NULL, *dtype = NULL;
		int line = 0;
		int ok = march_check_node(p->m, g, n, why, sizeof why);
		int has_entry = ni && nodeinfo_lookup(ni, n, &run_on, &dtype, &line);
		if (has_entry && dtype && strcmp(dtype, "int8")) {
			if (!march_supports_int16(p->m, n->op))
				return ir_error("%s:%d: node \"%s\" (%s): march %s has no %s for %s",
						ni->path, line, n->name, ir_op_name(n->op), p->m->name,
						dtype, ir_op_name(n->op));
			free(g->nodes[i].qtype);
			g->nodes[i].qtype = xstrdup(dtype);
		}
		if (has_entry && run_on) {
			p->forced[i] = 1;
			if (!strcmp(run_on, "cpu")) {
				p->state[i] = S_CPU;
				set_reason(p, i, "node-info: run_on=cpu (line %d)", line);
				continue;
			}
			if (!ok)
				return ir_error("%s:%d: node \"%s\" (%s) cannot run on the BPU of march %s: "
						"%s", ni->path, line, n->name, ir_op_name(n->op),
						p->m->name, why);
			p->state[i] = S_BPU;
			set_reason(p, i, "node-info: run_on=bpu (line %d)", line);
			continue;
		}
		int t = non_f32(g, n);
		if (t >= 0) {
			p->state[i] = S_CPU;
			set_reason(p, i, "tensor \"%s\" is %s, not f32 data the BPU quantizes",
				   g->tensors[t]->name, ir_dtype_name(g->tensors[t]->dtype));
		} else if (!ok) {
			p->state[i] = S_CPU;
			set_reason(p, i, "%s", why);
		} else if (march_op_passive(p->m, n->op)) {
			p->state[i] = S_PASSIVE;
			set_reason(p, i, "passive: neighbours on the BPU");
		} else {
			p->state[i] = S_BPU;
			set_reason(p, i, "supported");
		}
	}
	return 0;
}

/* A passive node stays on the BPU only while every neighbour does. */
static void resolve_passive(struct part *p)
{
	struct ir_graph *g = p->g;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < p->nn; i++) {
			if (p->state[i] != S_PASSIVE || p->forced[i])
				continue;
			const struct ir_node *n = &g->nodes[i];
			for (int j = 0; j < n->n_in && p->state[i] == S_PASSIVE; j++) {
				int t = n->in[j];
				if (t < 0 || g->tensors[t]->data)
					continue;
				int q = g->tensors[t]->producer;
				if (q < 0) {
					p->state[i] = S_CPU;
					set_reason(p, i, "passive: reads model input \"%s\"",
						   g->tensors[t]->name);
				} else if (p->state[q] == S_CPU) {
					p->state[i] = S_CPU;
					set_reason(p, i, "passive: neighbour %s \"%s\" on CPU",
						   ir_op_name(g->nodes[q].op), g->nodes[q].name);
				}
			}
			for (int j = 0; j < n->n_out && p->state[i] == S_PASSIVE; j++) {
				int t = n->out[j];
				if (t < 0)
					continue;
				if (ir_graph_is_output(g, t)) {
					p->state[i] = S_CPU;
					set_reason(p, i, "passive: feeds model output \"%s\"",
						   g->tensors[t]->name);
					break;
				}
				FOR_CONSUMERS(p, t, c) {
					if (p->state[c] == S_CPU) {
						p->state[i] = S_CPU;
						set_reason(p, i, "passive: neighbour %s \"%s\" on CPU",
							   ir_op_name(g->nodes[c].op), g->nodes[c].name);
						break;
					}
				}
			}
			changed |= p->state[i] == S_CPU;
		}
	}
}

/* The tail: nodes whose every reader is a model output or another tail
 * node, found in reverse topological order. BPU-capable ones move to the
 * CPU, until a Conv, which keeps an int32 output and ends the tail there. */
static void tail_rule(struct part *p)
{
	struct ir_graph *g = p->g;
	char *tail = xcalloc(p->nn + 1, 1);
	for (int i = p->nn - 1; i >= 0; i--) {
		struct ir_node *n = &g->nodes[i];
		int readers = 0, all_tail = 1;
		for (int j = 0; j < n->n_out; j++) {
			int t = n->out[j];
			if (t < 0)
				continue;
			readers += ir_graph_is_output(g, t);
			FOR_CONSUMERS(p, t, c) {
				readers++;
				all_tail &= tail[c];
			}
		}
		if (!readers || !all_tail)
			continue;
		if (p->state[i] == S_CPU) {
			tail[i] = 1;
		} else if (p->forced[i]) {
			continue; /* node-info keeps it on the BPU: its output is int8 */
		} else if (is_conv(n->op)) {
			p->int32[i] = 1;
			set_reason(p, i, "tail: %s keeps int32 output", ir_op_name(n->op));
		} else {
			p->state[i] = S_CPU;
			set_reason(p, i, "tail: after the last Conv (only a Conv gives the CPU int32)");
			tail[i] = 1;
		}
	}
	free(tail);
}

/* A Conv keeping int32 loses the Relu/Relu6 ir-fuse put into it: the clamp
 * goes back onto the CPU as its own node. */
static void split_tail_activations(struct part *p)
{
	struct ir_graph *g = p->g;
	int nn = p->nn;
	for (int i = 0; i < nn; i++) {
		if (!p->int32[i])
			continue;
		float lo, hi;
		if (!ir_act_range(&g->nodes[i], &lo, &hi))
			continue;
		int y = g->nodes[i].out[0];
		char *base = xasprintf("%s/acc", g->tensors[y]->name);
		char *nm = ir_unique_name(g, base);
		int acc = ir_tensor_add(g, nm, IR_DTYPE_F32, g->tensors[y]->rank, g->tensors[y]->dims);
		free(nm);
		free(base);
		ir_attr_del(&g->nodes[i], "act_min");
		ir_attr_del(&g->nodes[i], "act_max");
		g->nodes[i].out[0] = acc;
		base = xasprintf("%s/act", g->nodes[i].name);
		nm = ir_unique_name(g, base);
		enum ir_op op = lo == 0 && hi == INFINITY ? IR_OP_RELU : IR_OP_CLIP;
		char *origin = xstrdup(g->nodes[i].name);
		struct ir_node *a = ir_node_add(g, nm, op);
		a->origin = origin;
		free(nm);
		free(base);
		ir_node_add_input(a, acc);
		ir_node_add_output(a, y);
		if (op == IR_OP_CLIP) {
			if (lo > -INFINITY)
				ir_attr_set_float(a, "min", lo);
			if (hi < INFINITY)
				ir_attr_set_float(a, "max", hi);
		}
		a->place = IR_PLACE_CPU;
		a->reason = xasprintf("tail: the activation fused into \"%s\", which keeps int32, "
				      "runs on the CPU", g->nodes[i].name);
	}
}

/* Quantize at CPU->BPU edges, Dequantize at BPU->CPU edges and outputs. */
static void add_conversions(struct ir_graph *g)
{
	int nt = g->n_tensors, nn = g->n_nodes;
	for (int t = 0; t < nt; t++) {
		if (g->tensors[t]->data)
			continue;
		int prod = -1;
		for (int i = 0; i < nn && prod < 0; i++)
			for (int j = 0; j < g->nodes[i].n_out; j++)
				if (g->nodes[i].out[j] == t)
					prod = i;
		int from_bpu = prod >= 0 && g->nodes[prod].place == IR_PLACE_BPU;
		int to_bpu = 0, to_cpu = ir_graph_is_output(g, t);
		for (int i = 0; i < nn; i++)
			for (int j = 0; j < g->nodes[i].n_in; j++)
				if (g->nodes[i].in[j] == t) {
					if (g->nodes[i].place == IR_PLACE_BPU)
						to_bpu = 1;
					else
						to_cpu = 1;
				}
		if (prod < 0 && !ir_graph_is_input(g, t))
			continue;
		if (from_bpu == to_bpu && !(from_bpu && to_cpu))
			continue;
		const struct ir_tensor *src = g->tensors[t];
		char *base = xasprintf("%s/q", src->name);
		char *nm = ir_unique_name(g, base);
		int q = ir_tensor_add(g, nm, src->dtype, src->rank, src->dims);
		free(nm);
		free(base);
		if (!from_bpu) {
			/* CPU (or input) -> BPU: BPU readers take the quantized copy */
			for (int i = 0; i < nn; i++)
				if (g->nodes[i].place == IR_PLACE_BPU)
					for (int j = 0; j < g->nodes[i].n_in; j++)
						if (g->nodes[i].in[j] == t)
							g->nodes[i].in[j] = q;
			base = xasprintf("%s/quantize", g->tensors[t]->name);
			nm = ir_unique_name(g, base);
			struct ir_node *n = ir_node_add(g, nm, IR_OP_QUANTIZE);
			ir_node_add_input(n, t);
			ir_node_add_output(n, q);
			n->place = IR_PLACE_CPU;
			n->reason = xstrdup("boundary: CPU to BPU");
		} else {
			/* BPU -> CPU: the BPU side writes q; the float name stays the
			 * CPU side's, so model outputs keep their names */
			for (int j = 0; j < g->nodes[prod].n_out; j++)
				if (g->nodes[prod].out[j] == t)
					g->nodes[prod].out[j] = q;
			for (int i = 0; i < nn; i++)
				if (g->nodes[i].place == IR_PLACE_BPU)
					for (int j = 0; j < g->nodes[i].n_in; j++)
						if (g->nodes[i].in[j] == t)
							g->nodes[i].in[j] = q;
			base = xasprintf("%s/dequantize", g->tensors[t]->name);
			nm = ir_unique_name(g, base);
			struct ir_node *n = ir_node_add(g, nm, IR_OP_DEQUANTIZE);
			ir_node_add_input(n, q);
			ir_node_add_output(n, t);
			n->place = IR_PLACE_CPU;
			n->reason = xstrdup("boundary: BPU to CPU");
		}
		free(nm);
		free(base);
	}
}

static int find_root(int *parent, int i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

/* BPU nodes connected through tensors form one subgraph, numbered in
 * topological order of their first node. */
static void number_subgraphs(struct ir_graph *g)
{
	int nn = g->n_nodes;
	int *parent = xmalloc(sizeof(int) * (nn + 1)), *id = xmalloc(sizeof(int) * (nn + 1));
	for (int i = 0; i < nn; i++)
		parent[i] = i;
	for (int i = 0; i < nn; i++) {
		if (g->nodes[i].place != IR_PLACE_BPU)
			continue;
		for (int j = 0; j < g->nodes[i].n_in; j++) {
			int t = g->nodes[i].in[j];
			int q = t >= 0 ? g->tensors[t]->producer : -1;
			if (q >= 0 && g->nodes[q].place == IR_PLACE_BPU)
				parent[find_root(parent, q)] = find_root(parent, i);
		}
	}
	for (int i = 0; i < nn; i++)
		id[i] = -1;
	int next = 0;
	for (int i = 0; i < nn; i++) {
		if (g->nodes[i].place != IR_PLACE_BPU) {
			g->nodes[i].segment = -1;
			continue;
		}
		int r = find_root(parent, i);
		if (id[r] < 0)
			id[r] = next++;
		g->nodes[i].segment = id[r];
	}
	free(parent);
	free(id);
}

int partition_run(struct ir_graph *g, const struct march *m, const struct nodeinfo *ni)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->place != IR_PLACE_UNPLACED)
			return ir_error("the graph is already partitioned (node \"%s\" is on the %s); "
					"partition the output of onnx2ir or ir-fuse", n->name,
					n->place == IR_PLACE_BPU ? "BPU" : "CPU");
		if (n->op == IR_OP_QUANTIZE || n->op == IR_OP_DEQUANTIZE)
			return ir_error("node \"%s\" is a %s: the graph was partitioned before; "
					"partition the output of onnx2ir or ir-fuse", n->name,
					ir_op_name(n->op));
	}
	for (int t = 0; t < g->n_tensors; t++)
		if (g->tensors[t]->quant)
			return ir_error("tensor \"%s\" is already quantized; partition the float "
					"graph (onnx2ir or ir-fuse output)", g->tensors[t]->name);
	if (ni && nodeinfo_check(ni, g) < 0)
		return -1;
	if (ir_graph_check(g) < 0)
		return -1;
	struct part p = {.g = g, .m = m, .nn = g->n_nodes, .nt = g->n_tensors};
	p.state = xcalloc(p.nn + 1, sizeof(int));
	p.reason = xcalloc(p.nn + 1, sizeof(char *));
	p.forced = xcalloc(p.nn + 1, sizeof(int));
	p.int32 = xcalloc(p.nn + 1, sizeof(int));
	build_consumers(&p);
	int rc = initial_places(&p, ni);
	if (rc == 0) {
		resolve_passive(&p);
		tail_rule(&p);
		resolve_passive(&p);
		for (int i = 0; i < p.nn; i++) {
			struct ir_node *n = &g->nodes[i];
			n->place = p.state[i] == S_CPU ? IR_PLACE_CPU : IR_PLACE_BPU;
			free(n->reason);
			n->reason = p.reason[i];
			p.reason[i] = NULL;
			if (p.int32[i]) {
				ir_attr_set_int(n, "output_int32", 1);
				if (n->qtype && !strcmp(n->qtype, "int16"))
					warn("node \"%s\": node-info dtype=int16 has no effect: as the "
					     "model's tail Conv it hands the CPU int32 accumulators", n->name);
			}
		}
		split_tail_activations(&p);
		add_conversions(g);
		if (ir_graph_toposort(g) < 0 || ir_graph_check(g) < 0 || ir_graph_infer(g) < 0)
			rc = -1;
		else
			number_subgraphs(g);
	}
	for (int i = 0; i < p.nn; i++)
		free(p.reason[i]);
	free(p.reason);
	free(p.state);
	free(p.forced);
	free(p.int32);
	free(p.cons_start);
	free(p.cons);
	if (rc == 0) {
		free(g->march_name);
		free(g->march_text);
		g->march_name = xstrdup(m->name);
		g->march_len = m->len;
		g->march_text = xmalloc(m->len + 1);
		memcpy(g->march_text, m->text, m->len);
	}
	return rc;
}

/* ---- the report ------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void tsv_str(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

struct counts {
	int bpu, cpu, conv, subgraphs;
	long long elements;
};

static void count(const struct ir_graph *g, struct counts *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->op == IR_OP_QUANTIZE || n->op == IR_OP_DEQUANTIZE) {
			c->conv++;
			c->elements += ir_tensor_numel(g->tensors[n->in[0]]);
		} else if (n->place == IR_PLACE_BPU) {
			c->bpu++;
			if (n->segment + 1 > c->subgraphs)
				c->subgraphs = n->segment + 1;
		} else {
			c->cpu++;
		}
	}
}

void partition_summary(FILE *f, const struct ir_graph *g)
{
	struct counts c;
	count(g, &c);
	fprintf(f, "ir-partition: march %s: %d nodes on the BPU in %d subgraph%s, %d on the CPU, "
		"%d conversions (%lld elements)\n", g->march_name ? g->march_name : "?", c.bpu,
		c.subgraphs, c.subgraphs == 1 ? "" : "s", c.cpu, c.conv, c.elements);
}

void partition_report(FILE *f, const struct ir_graph *g, enum report_format fmt)
{
	struct counts c;
	count(g, &c);
	char ty[160];
	if (fmt == REPORT_TSV) {
		fprintf(f, "node\top\tplace\tsubgraph\treason\telements\n");
		for (int i = 0; i < g->n_nodes; i++) {
			const struct ir_node *n = &g->nodes[i];
			int conv = n->op == IR_OP_QUANTIZE || n->op == IR_OP_DEQUANTIZE;
			tsv_str(f, n->name);
			fprintf(f, "\t%s\t%s\t", ir_op_name(n->op),
				n->place == IR_PLACE_BPU ? "BPU" : "CPU");
			if (n->segment >= 0)
				fprintf(f, "%d", n->segment);
			fputc('\t', f);
			tsv_str(f, n->reason);
			fputc('\t', f);
			if (conv)
				fprintf(f, "%lld", (long long)ir_tensor_numel(g->tensors[n->in[0]]));
			fputc('\n', f);
		}
		return;
	}
	if (fmt == REPORT_JSON) {
		fprintf(f, "{\"march\": ");
		json_str(f, g->march_name);
		fprintf(f, ", \"nodes\": [");
		for (int i = 0; i < g->n_nodes; i++) {
			const struct ir_node *n = &g->nodes[i];
			fprintf(f, "%s\n  {\"node\": ", i ? "," : "");
			json_str(f, n->name);
			fprintf(f, ", \"op\": \"%s\", \"place\": \"%s\", \"subgraph\": ",
				ir_op_name(n->op), n->place == IR_PLACE_BPU ? "BPU" : "CPU");
			if (n->segment >= 0)
				fprintf(f, "%d", n->segment);
			else
				fprintf(f, "null");
			fprintf(f, ", \"reason\": ");
			json_str(f, n->reason);
			fprintf(f, "}");
		}
		fprintf(f, "\n], \"conversions\": [");
		int k = 0;
		for (int i = 0; i < g->n_nodes; i++) {
			const struct ir_node *n = &g->nodes[i];
			if (n->op != IR_OP_QUANTIZE && n->op != IR_OP_DEQUANTIZE)
				continue;
			fprintf(f, "%s\n  {\"kind\": \"%s\", \"tensor\": ", k++ ? "," : "",
				n->op == IR_OP_QUANTIZE ? "quantize" : "dequantize");
			json_str(f, g->tensors[n->op == IR_OP_QUANTIZE ? n->in[0] : n->out[0]]->name);
			fprintf(f, ", \"type\": \"%s\", \"elements\": %lld}",
				ir_tensor_type_str(g->tensors[n->in[0]], ty, sizeof ty),
				(long long)ir_tensor_numel(g->tensors[n->in[0]]));
		}
		fprintf(f, "\n], \"bpu_nodes\": %d, \"cpu_nodes\": %d, \"subgraphs\": %d, "
			"\"converted_elements\": %lld}\n", c.bpu, c.cpu, c.subgraphs, c.elements);
		return;
	}
	int w = 24;
	for (int i = 0; i < g->n_nodes; i++)
		if ((int)strlen(g->nodes[i].name) > w)
			w = (int)strlen(g->nodes[i].name);
	if (w > 60)
		w = 60;
	fprintf(f, "partition for march %s\n\n", g->march_name ? g->march_name : "?");
	fprintf(f, "%-*s  %-18s %-4s %-8s %s\n", w, "node", "op", "on", "subgraph", "reason");
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		char seg[16] = "-";
		if (n->segment >= 0)
			snprintf(seg, sizeof seg, "%d", n->segment);
		fprintf(f, "%-*s  %-18s %-4s %-8s %s\n", w, n->name, ir_op_name(n->op),
			n->place == IR_PLACE_BPU ? "BPU" : "CPU", seg, n->reason ? n->reason : "");
	}
	fprintf(f, "\nsubgraphs: %d on the BPU (%d node%s); %d node%s on the CPU besides the "
		"%d conversions\n", c.subgraphs, c.bpu, c.bpu == 1 ? "" : "s", c.cpu,
		c.cpu == 1 ? "" : "s", c.conv);
	for (int s = 0; s < c.subgraphs; s++) {
		int cnt = 0;
		for (int i = 0; i < g->n_nodes; i++)
			cnt += g->nodes[i].place == IR_PLACE_BPU && g->nodes[i].segment == s;
		fprintf(f, "  subgraph %d: %d node%s\n", s, cnt, cnt == 1 ? "" : "s");
	}
	fprintf(f, "conversions: %d, %lld elements in all\n", c.conv, c.elements);
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (n->op != IR_OP_QUANTIZE && n->op != IR_OP_DEQUANTIZE)
			continue;
		const struct ir_tensor *t = g->tensors[n->in[0]];
		fprintf(f, "  %-10s %-40s %s %lld elements\n",
			n->op == IR_OP_QUANTIZE ? "quantize" : "dequantize",
			g->tensors[n->op == IR_OP_QUANTIZE ? n->in[0] : n->out[0]]->name,
			ir_tensor_type_str(t, ty, sizeof ty), (long long)ir_tensor_numel(t));
	}
}
