/*
 * exec.c: planning and running a graph (exec.h).
 */
#include "exec.h"
#include "ops.h"
#include "parallel.h"
#include "util.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALIGN 64

/* A storage group: the tensors that share one buffer (a tensor, its views,
 * and elementwise outputs written over it). */
struct buf {
	int first, last;       /* node indices of the first write and last read */
	size_t size;
	size_t offset;         /* in the arena */
};

/* A fused elementwise chain: consecutive f32 elementwise nodes of one output
 * shape, run together a block at a time so the values between them stay in
 * a few KiB of cache instead of making a trip through memory each. */
enum { OPD_CHAIN, OPD_FULL, OPD_PLANE };
struct opd {
	int kind;
	int idx;               /* OPD_CHAIN: link index; else tensor index */
	int64_t sn, sc;        /* OPD_PLANE: element stride per image, per channel */
};
struct link {
	const struct ir_node *n;
	int n_in;
	struct opd in[2];
	int out;               /* tensor */
	int materialize;       /* read outside the chain, or a model output */
};
struct chain {
	int first, len;
	struct link *links;
	int64_t nimg, nch, plane;  /* the output as [nimg, nch, plane] */
};
#define CHAIN_MAX 16
#define CHAIN_BLOCK 512

struct ir_exec {
	const struct ir_graph *g;
	struct ir_exec_opts o;
	void **state;          /* per node */
	int *buf_of;           /* per tensor: storage group, -1 = external */
	int n_bufs;
	struct buf *bufs;
	size_t arena_size, naive_size;
	unsigned char *arena;
	const void **data;     /* per tensor: current address */
	double *seconds;
	int n_chains;
	struct chain *chains;
	int *chain_of;         /* per node: its chain, or -1 */
	/* per-node scratch for kernel argument arrays */
	const struct ir_tensor **ti, **to;
	const void **in;
	void **out;
};

static int find(int *parent, int i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

static int cmp_size_desc(const void *a, const void *b, void *ctx)
{
	const struct buf *bufs = ctx;
	int x = *(const int *)a, y = *(const int *)b;
	if (bufs[x].size != bufs[y].size)
		return bufs[x].size < bufs[y].size ? 1 : -1;
	return x - y;
}

/* Places every buffer at the lowest offset that overlaps no buffer already
 * placed whose lifetime intersects its own. Largest first. */
static size_t assign_offsets(struct buf *bufs, int n)
{
	int *order = xmalloc(sizeof(int) * (n + 1));
	int *placed = xmalloc(sizeof(int) * (n + 1));
	int np = 0;
	size_t total = 0;
	for (int i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(int), cmp_size_desc, bufs);
	struct { size_t lo, hi; } *busy = xmalloc(sizeof *busy * (n + 1));
	for (int k = 0; k < n; k++) {
		struct buf *b = &bufs[order[k]];
		int nb = 0;
		for (int j = 0; j < np; j++) {
			struct buf *p = &bufs[placed[j]];
			if (p->first <= b->last && b->first <= p->last) {
				busy[nb].lo = p->offset;
				busy[nb].hi = p->offset + p->size;
				nb++;
			}
		}
		/* sort the busy intervals by start and take the first gap */
		for (int i = 1; i < nb; i++)
			for (int j = i; j > 0 && busy[j - 1].lo > busy[j].lo; j--) {
				size_t lo = busy[j].lo, hi = busy[j].hi;
				busy[j] = busy[j - 1];
				busy[j - 1].lo = lo;
				busy[j - 1].hi = hi;
			}
		size_t off = 0;
		for (int i = 0; i < nb; i++) {
			if (busy[i].lo >= off + b->size)
				break;
			if (busy[i].hi > off)
				off = (busy[i].hi + ALIGN - 1) / ALIGN * ALIGN;
		}
		b->offset = off;
		if (off + b->size > total)
			total = off + b->size;
		placed[np++] = order[k];
	}
	free(busy);
	free(order);
	free(placed);
	return total;
}

static int same_shape(const struct ir_tensor *a, const struct ir_tensor *b)
{
	return a->dtype == b->dtype && a->rank == b->rank &&
	       !memcmp(a->dims, b->dims, sizeof(int64_t) * a->rank);
}

static int chain_unary(enum ir_op op)
{
	switch (op) {
	case IR_OP_RELU: case IR_OP_LEAKY_RELU: case IR_OP_CLIP: case IR_OP_SIGMOID:
	case IR_OP_TANH: case IR_OP_HARD_SIGMOID: case IR_OP_HARD_SWISH: case IR_OP_ERF:
	case IR_OP_SQRT: case IR_OP_EXP: case IR_OP_LOG: case IR_OP_ABS: case IR_OP_NEG:
	case IR_OP_RECIPROCAL: case IR_OP_SILU: case IR_OP_GELU:
		return 1;
	default:
		return 0;
	}
}

static int chain_binary(enum ir_op op)
{
	return op == IR_OP_ADD || op == IR_OP_SUB || op == IR_OP_MUL || op == IR_OP_DIV ||
	       op == IR_OP_MIN || op == IR_OP_MAX;
}

/* The output viewed as [nimg, nch, plane]: rank >= 3 splits off the first
 * two dims, anything else is one plane. */
static void chain_shape(const struct ir_tensor *t, int64_t *nimg, int64_t *nch, int64_t *plane)
{
	if (t->rank >= 3) {
		*nimg = t->dims[0];
		*nch = t->dims[1];
		*plane = ir_shape_numel(t->rank - 2, t->dims + 2);
	} else {
		*nimg = *nch = 1;
		*plane = ir_tensor_numel(t);
	}
}

/* Classifies operand t against the chain's output o: the same shape (FULL),
 * or one value per (image, channel) plane (PLANE, a scalar included).
 * Returns 0 if neither. */
static int chain_operand(const struct ir_tensor *t, const struct ir_tensor *o, struct opd *d)
{
	if (t->dtype != IR_DTYPE_F32)
		return 0;
	if (same_shape(t, o)) {
		d->kind = OPD_FULL;
		return 1;
	}
	if (ir_tensor_numel(t) == 1) {
		d->kind = OPD_PLANE;
		d->sn = d->sc = 0;
		return 1;
	}
	if (o->rank < 3 || t->rank > o->rank)
		return 0;
	/* align t to o's rank; all dims past the channel must be 1 */
	int64_t td[IR_MAX_RANK];
	int off = o->rank - t->rank;
	for (int i = 0; i < o->rank; i++)
		td[i] = i < off ? 1 : t->dims[i - off];
	for (int i = 2; i < o->rank; i++)
		if (td[i] != 1)
			return 0;
	if ((td[0] != 1 && td[0] != o->dims[0]) || (td[1] != 1 && td[1] != o->dims[1]))
		return 0;
	d->kind = OPD_PLANE;
	d->sc = td[1] != 1 ? 1 : 0;
	d->sn = td[0] != 1 ? td[1] : 0;
	return 1;
}

/* Finds the chains: runs of consecutive fusable nodes of one output shape,
 * each reading a value of the chain. */
static void plan_chains(struct ir_exec *x, const int *readers_outside)
{
	const struct ir_graph *g = x->g;
	int nn = g->n_nodes;
	x->chain_of = xmalloc(sizeof(int) * (nn + 1));
	for (int i = 0; i < nn; i++)
		x->chain_of[i] = -1;
	int *slot = xmalloc(sizeof(int) * (g->n_tensors + 1)); /* tensor -> link in chain */
	for (int t = 0; t < g->n_tensors; t++)
		slot[t] = -1;
	for (int i = 0; i < nn;) {
		struct link links[CHAIN_MAX];
		int len = 0;
		const struct ir_tensor *shape = NULL;
		for (int j = i; j < nn && len < CHAIN_MAX; j++) {
			const struct ir_node *n = &g->nodes[j];
			const struct ir_tensor *o = g->tensors[n->out[0]];
			int un = chain_unary(n->op), bi = chain_binary(n->op);
			if ((!un && !bi) || o->dtype != IR_DTYPE_F32 || n->n_out != 1)
				break;
			if (shape && !same_shape(o, shape))
				break;
			struct link *l = &links[len];
			l->n = n;
			l->n_in = bi ? 2 : 1;
			l->out = n->out[0];
			int ok = 1, linked = 0;
			for (int k = 0; k < l->n_in && ok; k++) {
				int t = n->in[k];
				if (slot[t] >= 0) {
					l->in[k].kind = OPD_CHAIN;
					l->in[k].idx = slot[t];
					linked = 1;
				} else {
					ok = chain_operand(g->tensors[t], o, &l->in[k]);
					l->in[k].idx = t;
				}
			}
			/* a unary op's operand must be the full shape */
			if (!ok || (un && l->in[0].kind == OPD_PLANE) ||
			    (bi && l->in[0].kind == OPD_PLANE && l->in[1].kind == OPD_PLANE) ||
			    (len > 0 && !linked))
				break;
			shape = o;
			slot[l->out] = len++;
		}
		for (int k = 0; k < len; k++)
			slot[links[k].out] = -1;
		if (len < 2) {
			i++;
			continue;
		}
		x->chains = xrealloc(x->chains, sizeof *x->chains * (x->n_chains + 1));
		struct chain *c = &x->chains[x->n_chains];
		c->first = i;
		c->len = len;
		c->links = xmalloc(sizeof *c->links * len);
		memcpy(c->links, links, sizeof *links * len);
		chain_shape(shape, &c->nimg, &c->nch, &c->plane);
		for (int k = 0; k < len; k++) {
			int t = c->links[k].out;
			/* a value must exist in memory when something past the chain
			 * reads it (the last link's always does, or it is an output) */
			c->links[k].materialize = k == len - 1 || readers_outside[t] > i + len - 1 ||
						  ir_graph_is_output(g, t);
			x->chain_of[i + k] = x->n_chains;
		}
		x->n_chains++;
		i += len;
	}
	free(slot);
}

struct chain_job {
	struct ir_exec *x;
	const struct chain *c;
};

/* One (image, channel) plane of a chain: a work unit. */
static void chain_plane(void *vj, int64_t p)
{
	const struct chain_job *j = vj;
	const struct chain *c = j->c;
	struct ir_exec *x = j->x;
	float *buf = ir_scratch(sizeof(float) * CHAIN_BLOCK * CHAIN_MAX);
	const float *loc[CHAIN_MAX];
	int64_t img = p / c->nch, ch = p % c->nch;
	for (int64_t off = 0; off < c->plane; off += CHAIN_BLOCK) {
		int64_t n = c->plane - off < CHAIN_BLOCK ? c->plane - off : CHAIN_BLOCK;
		int64_t at = p * c->plane + off;
		for (int k = 0; k < c->len; k++) {
			const struct link *l = &c->links[k];
			const float *a[2];
			int inc[2];
			for (int i = 0; i < l->n_in; i++) {
				const struct opd *d = &l->in[i];
				const float *base = x->data[d->idx];
				inc[i] = d->kind != OPD_PLANE;
				a[i] = d->kind == OPD_CHAIN  ? loc[d->idx]
				       : d->kind == OPD_FULL ? base + at
							     : base + img * d->sn + ch * d->sc;
			}
			float *o = l->materialize ? (float *)x->data[l->out] + at : buf + k * CHAIN_BLOCK;
			if (l->n_in == 2)
				ir_f32_binary_row(l->n->op, o, a[0], a[1], n, inc[0], inc[1]);
			else
				ir_f32_unary_row(l->n, o, a[0], n);
			loc[k] = o;
		}
	}
}

static void run_chain(struct ir_exec *x, const struct chain *c)
{
	struct chain_job j = {x, c};
	double work = (double)c->nimg * c->nch * c->plane * c->len;
	ir_parallel_for(ir_threads_for(x->o.threads, work), c->nimg * c->nch, chain_plane, &j);
}

struct ir_exec *ir_exec_new(const struct ir_graph *g, const struct ir_exec_opts *o)
{
	struct ir_exec *x = xcalloc(1, sizeof *x);
	x->g = g;
	x->o = *o;
	if (x->o.threads < 1)
		x->o.threads = 1;
	/* OpenBLAS always single-threaded: --threads runs our own work units
	 * (parallel.h), which keeps results independent of the thread count */
	openblas_set_num_threads(1);
	int nt = g->n_tensors, nn = g->n_nodes;
	x->state = xcalloc(nn + 1, sizeof(void *));
	for (int i = 0; i < nn; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (ir_ops[n->op].prepare && ir_ops[n->op].prepare(g, n, &x->state[i]) < 0) {
			ir_exec_free(x);
			return NULL;
		}
	}
	/* lifetimes per tensor */
	int *first = xmalloc(sizeof(int) * (nt + 1)), *last = xmalloc(sizeof(int) * (nt + 1));
	int *parent = xmalloc(sizeof(int) * (nt + 1));
	char *external = xcalloc(nt + 1, 1);
	for (int t = 0; t < nt; t++) {
		first[t] = last[t] = -1;
		parent[t] = t;
		if (g->tensors[t]->data)
			external[t] = 1;
	}
	for (int i = 0; i < g->n_inputs; i++)
		external[g->inputs[i]] = 1;
	for (int i = 0; i < nn; i++) {
		const struct ir_node *n = &g->nodes[i];
		for (int j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0)
				last[n->in[j]] = i;
		for (int j = 0; j < n->n_out; j++)
			if (n->out[j] >= 0) {
				first[n->out[j]] = i;
				if (last[n->out[j]] < i)
					last[n->out[j]] = i;
			}
	}
	for (int i = 0; i < g->n_outputs; i++)
		last[g->outputs[i]] = nn;
	/* fused chains (not when every tensor must be seen, --dump-all) */
	if (!o->on_tensor && !o->no_fuse) {
		plan_chains(x, last);
	} else {
		x->chain_of = xmalloc(sizeof(int) * (nn + 1));
		for (int i = 0; i < nn; i++)
			x->chain_of[i] = -1;
	}
	/* A chain interleaves its nodes block by block, so every tensor it
	 * touches lives across the whole chain (for placement: in-place
	 * decisions below still use the exact last reader, which is safe
	 * because an in-place output overlays its input element for element);
	 * values that never leave a chain get no memory at all. */
	int *live_last = xmalloc(sizeof(int) * (nt + 1));
	memcpy(live_last, last, sizeof(int) * (nt + 1));
	char *virt = xcalloc(nt + 1, 1);
	for (int ci = 0; ci < x->n_chains; ci++) {
		const struct chain *c = &x->chains[ci];
		int a = c->first, b = c->first + c->len - 1;
		for (int k = 0; k < c->len; k++) {
			const struct link *l = &c->links[k];
			if (!l->materialize)
				virt[l->out] = 1;
			else if (first[l->out] > a)
				first[l->out] = a;
			for (int j = 0; j < l->n_in; j++)
				if (l->in[j].kind != OPD_CHAIN && live_last[l->in[j].idx] < b)
					live_last[l->in[j].idx] = b;
			if (live_last[l->out] < b)
				live_last[l->out] = b;
		}
	}
	/* group views with their input; elementwise outputs with a dying input */
	for (int i = 0; i < nn; i++) {
		const struct ir_node *n = &g->nodes[i];
		const struct ir_op_info *op = &ir_ops[n->op];
		int out = n->out[0];
		if (out < 0 || external[out] || virt[out])
			continue;
		if (op->flags & IR_OPF_VIEW) {
			int in = find(parent, n->in[0]);
			if (external[n->in[0]]) {
				external[out] = 2;  /* aliases external memory */
				parent[out] = n->in[0];
				continue;
			}
			parent[out] = in;
			continue;
		}
		if (x->o.no_inplace)
			continue;
		int elw = (op->flags & IR_OPF_ELEMENTWISE) ||
			  n->op == IR_OP_ADD || n->op == IR_OP_SUB || n->op == IR_OP_MUL ||
			  n->op == IR_OP_DIV || n->op == IR_OP_MIN || n->op == IR_OP_MAX ||
			  n->op == IR_OP_PRELU;
		if (!elw)
			continue;
		for (int j = 0; j < n->n_in; j++) {
			int in = n->in[j];
			if (in < 0 || external[in] || virt[in] ||
			    !same_shape(g->tensors[in], g->tensors[out]))
				continue;
			/* the whole group must die here: no later reader, not an output */
			int root = find(parent, in), dies = 1;
			for (int t = 0; t < nt && dies; t++)
				if (!external[t] && find(parent, t) == root && last[t] > i)
					dies = 0;
			/* the same tensor twice as input (x*x) is fine in place */
			if (dies) {
				parent[out] = root;
				break;
			}
		}
	}
	/* storage groups and their lifetimes */
	x->buf_of = xmalloc(sizeof(int) * (nt + 1));
	int *root_buf = xmalloc(sizeof(int) * (nt + 1));
	for (int t = 0; t < nt; t++)
		root_buf[t] = -1;
	x->bufs = xcalloc(nt + 1, sizeof *x->bufs);
	for (int t = 0; t < nt; t++) {
		x->buf_of[t] = -1;
		if (external[t] || virt[t] || first[t] < 0)
			continue;
		int r = find(parent, t);
		if (root_buf[r] < 0) {
			root_buf[r] = x->n_bufs++;
			struct buf *b = &x->bufs[root_buf[r]];
			b->first = first[t];
			b->last = live_last[t];
			b->size = 0;
		}
		struct buf *b = &x->bufs[root_buf[r]];
		x->buf_of[t] = root_buf[r];
		if (first[t] < b->first)
			b->first = first[t];
		if (live_last[t] > b->last)
			b->last = live_last[t];
		size_t sz = (ir_tensor_nbytes(g->tensors[t]) + ALIGN - 1) / ALIGN * ALIGN;
		if (sz > b->size)
			b->size = sz;
		x->naive_size += sz;
	}
	x->arena_size = assign_offsets(x->bufs, x->n_bufs);
	if (posix_memalign((void **)&x->arena, ALIGN, x->arena_size ? x->arena_size : ALIGN))
		die("out of memory allocating a %zu-byte activation arena", x->arena_size);
	x->data = xcalloc(nt + 1, sizeof(void *));
	for (int t = 0; t < nt; t++) {
		if (g->tensors[t]->data)
			x->data[t] = g->tensors[t]->data;
		else if (x->buf_of[t] >= 0)
			x->data[t] = x->arena + x->bufs[x->buf_of[t]].offset;
	}
	/* views of external tensors resolve at run time (inputs change) */
	x->buf_of = xrealloc(x->buf_of, sizeof(int) * (nt + 1));
	for (int t = 0; t < nt; t++)
		if (external[t] == 2)
			x->buf_of[t] = -2 - find(parent, t); /* points at its external root */
	free(root_buf);
	free(live_last);
	free(virt);
	free(first);
	free(last);
	free(parent);
	free(external);
	if (o->profile)
		x->seconds = xcalloc(nn + 1, sizeof(double));
	int maxio = 1;
	for (int i = 0; i < nn; i++) {
		if (g->nodes[i].n_in > maxio)
			maxio = g->nodes[i].n_in;
		if (g->nodes[i].n_out > maxio)
			maxio = g->nodes[i].n_out;
	}
	x->ti = xmalloc(sizeof(void *) * maxio);
	x->to = xmalloc(sizeof(void *) * maxio);
	x->in = xmalloc(sizeof(void *) * maxio);
	x->out = xmalloc(sizeof(void *) * maxio);
	return x;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int ir_exec_run(struct ir_exec *x, const void *const *inputs)
{
	const struct ir_graph *g = x->g;
	for (int i = 0; i < g->n_inputs; i++)
		x->data[g->inputs[i]] = inputs[i];
	for (int t = 0; t < g->n_tensors; t++)
		if (x->buf_of[t] <= -2)
			x->data[t] = x->data[-2 - x->buf_of[t]];
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		if (x->chain_of[i] >= 0) {
			const struct chain *c = &x->chains[x->chain_of[i]];
			double t0 = x->seconds ? now() : 0;
			run_chain(x, c);
			if (x->seconds)
				x->seconds[i] += now() - t0;
			i += c->len - 1;
			continue;
		}
		for (int j = 0; j < n->n_in; j++) {
			x->ti[j] = n->in[j] >= 0 ? g->tensors[n->in[j]] : NULL;
			x->in[j] = n->in[j] >= 0 ? x->data[n->in[j]] : NULL;
		}
		for (int j = 0; j < n->n_out; j++) {
			x->to[j] = n->out[j] >= 0 ? g->tensors[n->out[j]] : NULL;
			x->out[j] = n->out[j] >= 0 ? (void *)x->data[n->out[j]] : NULL;
		}
		struct ir_kctx k = {g, n, x->ti, x->to, x->in, x->out, x->state[i], x->o.threads};
		double t0 = x->seconds ? now() : 0;
		if (ir_ops[n->op].run(&k) < 0)
			return -1;
		if (x->seconds)
			x->seconds[i] += now() - t0;
		if (x->o.on_tensor)
			for (int j = 0; j < n->n_out; j++)
				if (n->out[j] >= 0 &&
				    x->o.on_tensor(x->o.ctx, g, n->out[j], x->data[n->out[j]]))
					return -1;
	}
	return 0;
}

const void *ir_exec_output(const struct ir_exec *x, int i)
{
	return x->data[x->g->outputs[i]];
}

void ir_exec_free(struct ir_exec *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->g->n_nodes; i++)
		if (x->state[i] && ir_ops[x->g->nodes[i].op].release)
			ir_ops[x->g->nodes[i].op].release(x->state[i]);
	free(x->state);
	for (int i = 0; i < x->n_chains; i++)
		free(x->chains[i].links);
	free(x->chains);
	free(x->chain_of);
	free(x->buf_of);
	free(x->bufs);
	free(x->arena);
	free(x->data);
	free(x->seconds);
	free(x->ti);
	free(x->to);
	free(x->in);
	free(x->out);
	free(x);
}

size_t ir_exec_arena_bytes(const struct ir_exec *x) { return x->arena_size; }
size_t ir_exec_naive_bytes(const struct ir_exec *x) { return x->naive_size; }
const double *ir_exec_node_seconds(const struct ir_exec *x) { return x->seconds; }

int ir_exec_fused_len(const struct ir_exec *x, int node)
{
	if (x->chain_of[node] < 0)
		return 1;
	const struct chain *c = &x->chains[x->chain_of[node]];
	return c->first == node ? c->len : 0;
}
