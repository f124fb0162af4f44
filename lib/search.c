/*
 * search.c: see search.h.
 */
#include "search.h"
#include "exec.h"
#include "march.h"
#include "qmath.h"
#include "quantize.h"
#include "util.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct search_ctx {
	struct ir_graph *g;            /* the partitioned float model */
	const struct stats *s;
	int jobs;
	int n;                         /* evaluation samples */
	struct ir_tensor **in;         /* in[i * n_inputs + j] */
	float **ref;                   /* ref[i * n_outputs + o]: the float outputs */
	int64_t *ref_n;                /* elements of output o */
	double **mean;                 /* mean[t]: per-channel means of tensor t over the
					* samples, for the inputs of BPU convolutions */
	int bias_correct;              /* search_set_bias_correction */
};

int search_n_eval(const struct search_ctx *x)
{
	return x->n;
}

void search_free(struct search_ctx *x)
{
	if (!x)
		return;
	int ni = x->g->n_inputs, no = x->g->n_outputs;
	for (int i = 0; i < x->n * ni; i++)
		ir_tensor_free(x->in[i]);
	for (int i = 0; i < x->n * no; i++)
		free(x->ref[i]);
	for (int t = 0; x->mean && t < x->g->n_tensors; t++)
		free(x->mean[t]);
	free(x->mean);
	free(x->in);
	free(x->ref);
	free(x->ref_n);
	ir_graph_free(x->g);
	free(x);
}

/* output o of a run as f32 values (copied) */
static float *output_f32(const struct ir_exec *e, const struct ir_graph *g, int o)
{
	const struct ir_tensor *t = g->tensors[g->outputs[o]];
	int64_t n = ir_tensor_numel(t);
	float *v = xmalloc(sizeof(float) * (n + 1));
	const void *d = ir_exec_output(e, o);
	for (int64_t i = 0; i < n; i++)
		v[i] = t->dtype == IR_DTYPE_F32 ? ((const float *)d)[i]
						: (float)ir_elem_get(t->dtype, d, (size_t)i);
	return v;
}

static int is_bpu_conv(const struct ir_node *n)
{
	return n->place == IR_PLACE_BPU && (n->op == IR_OP_CONV || n->op == IR_OP_CONV_TRANSPOSE);
}

/* Adds the per-channel means of one sample's tensor t (axis 1 of an
 * [N,C,...] f32 tensor) to x->mean[t]: each channel summed in f64 in
 * element order, so the result never depends on threads or jobs. */
static void add_means(struct search_ctx *x, int t, const float *d)
{
	const struct ir_tensor *v = x->g->tensors[t];
	if (!x->mean[t] || v->dtype != IR_DTYPE_F32 || v->rank < 2)
		return;
	int64_t c = v->dims[1], nb = v->dims[0], in = ir_shape_numel(v->rank - 2, v->dims + 2);
	for (int64_t k = 0; k < c; k++) {
		double sum = 0;
		for (int64_t b = 0; b < nb; b++)
			for (int64_t i = 0; i < in; i++)
				sum += d[(b * c + k) * in + i];
		x->mean[t][k] += sum / (double)(nb * in) / x->n;
	}
}

static int on_tensor_means(void *ctx, const struct ir_graph *g, int t, const void *d)
{
	(void)g;
	add_means(ctx, t, d);
	return 0;
}

struct search_ctx *search_new(const struct ir_graph *g, const struct stats *s,
			      const char *data, int n_eval, int jobs)
{
	struct stats_samples *smp = stats_samples_find(g, data);
	if (!smp)
		return NULL;
	if (smp->n == 0) {
		stats_samples_free(smp);
		ir_error("%s: no samples", data);
		return NULL;
	}
	struct search_ctx *x = xcalloc(1, sizeof *x);
	x->g = ir_graph_clone(g);
	x->s = s;
	x->jobs = jobs < 1 ? 1 : jobs;
	x->n = n_eval > 0 && n_eval < smp->n ? n_eval : smp->n;
	int ni = g->n_inputs, no = g->n_outputs;
	x->in = xcalloc((size_t)x->n * ni + 1, sizeof *x->in);
	x->ref = xcalloc((size_t)x->n * no + 1, sizeof *x->ref);
	x->ref_n = xcalloc(no + 1, sizeof *x->ref_n);
	for (int o = 0; o < no; o++)
		x->ref_n[o] = ir_tensor_numel(g->tensors[g->outputs[o]]);
	x->mean = xcalloc((size_t)x->g->n_tensors + 1, sizeof *x->mean);
	for (int k = 0; k < x->g->n_nodes; k++) {
		const struct ir_node *n = &x->g->nodes[k];
		const struct ir_tensor *v = x->g->tensors[n->in[0]];
		if (is_bpu_conv(n) && !x->mean[n->in[0]] && v->rank >= 2)
			x->mean[n->in[0]] = xcalloc((size_t)v->dims[1] + 1, sizeof(double));
	}
	struct ir_exec *e = ir_exec_new(x->g, &(struct ir_exec_opts){
		.threads = x->jobs, .on_tensor = on_tensor_means, .ctx = x});
	if (!e) {
		stats_samples_free(smp);
		search_free(x);
		return NULL;
	}
	const void **ptr = xcalloc(ni + 1, sizeof *ptr);
	for (int i = 0; i < x->n; i++) {
		for (int j = 0; j < ni; j++) {
			struct ir_tensor *t = stats_sample_read(smp, g, i, j);
			if (!t)
				goto fail;
			x->in[i * ni + j] = t;
			ptr[j] = t->data;
			add_means(x, g->inputs[j], t->data);
		}
		if (ir_exec_run(e, ptr) < 0)
			goto fail;
		for (int o = 0; o < no; o++)
			x->ref[i * no + o] = output_f32(e, x->g, o);
	}
	free(ptr);
	ir_exec_free(e);
	stats_samples_free(smp);
	return x;
fail:
	free(ptr);
	ir_exec_free(e);
	stats_samples_free(smp);
	search_free(x);
	return NULL;
}

/* ---- scoring --------------------------------------------------------------- */

static double cosine(const float *a, const float *b, int64_t n)
{
	double dot = 0, na = 0, nb = 0;
	for (int64_t i = 0; i < n; i++) {
		dot += (double)a[i] * b[i];
		na += (double)a[i] * a[i];
		nb += (double)b[i] * b[i];
	}
	if (na == 0 || nb == 0)
		return na == nb ? 1.0 : 0.0;
	return dot / sqrt(na * nb);
}

/* n graphs, made one at a time by build (under the lock: graph building
 * and ir_errmsg are not for several threads), each run on the samples */
struct scoring {
	struct search_ctx *x;
	struct ir_graph *(*build)(void *ctx, int i);
	void *ctx;
	int n;
	double *cos;
	atomic_int next;
	pthread_mutex_t mu;
	int err_at;                    /* the first failed index, n if none */
	char err[1024];
};

static void fail_at(struct scoring *sc, int i)
{
	if (i < sc->err_at) {
		sc->err_at = i;
		snprintf(sc->err, sizeof sc->err, "%s", ir_errmsg);
	}
}

static void *score_worker(void *arg)
{
	struct scoring *sc = arg;
	struct search_ctx *x = sc->x;
	int ni = x->g->n_inputs, no = x->g->n_outputs;
	const void **ptr = xcalloc(ni + 1, sizeof *ptr);
	for (;;) {
		int i = atomic_fetch_add(&sc->next, 1);
		if (i >= sc->n)
			break;
		pthread_mutex_lock(&sc->mu);
		struct ir_graph *g = sc->build(sc->ctx, i);
		struct ir_exec *e = g ? ir_exec_new(g, &(struct ir_exec_opts){.threads = 1}) : NULL;
		if (!e)
			fail_at(sc, i);
		pthread_mutex_unlock(&sc->mu);
		if (!e) {
			ir_graph_free(g);
			continue;
		}
		/* per output, the cosine summed over the samples */
		double *sum = xcalloc(no + 1, sizeof *sum);
		int ok = 1;
		for (int k = 0; k < x->n && ok; k++) {
			for (int j = 0; j < ni; j++)
				ptr[j] = x->in[k * ni + j]->data;
			if (ir_exec_run(e, ptr) < 0) {
				pthread_mutex_lock(&sc->mu);
				fail_at(sc, i);
				pthread_mutex_unlock(&sc->mu);
				ok = 0;
				break;
			}
			for (int o = 0; o < no && o < g->n_outputs; o++) {
				float *v = output_f32(e, g, o);
				sum[o] += cosine(v, x->ref[k * no + o], x->ref_n[o]);
				free(v);
			}
		}
		double worst = ok ? INFINITY : NAN;
		for (int o = 0; o < no && ok; o++)
			worst = fmin(worst, sum[o] / x->n);
		free(sum);
		sc->cos[i] = worst;
		ir_exec_free(e);
		ir_graph_free(g);
	}
	free(ptr);
	return NULL;
}

static int score_graphs(struct search_ctx *x, struct ir_graph *(*build)(void *, int), void *ctx,
			int n, double *cos)
{
	struct scoring sc = {.x = x, .build = build, .ctx = ctx, .n = n, .cos = cos, .err_at = n};
	atomic_init(&sc.next, 0);
	pthread_mutex_init(&sc.mu, NULL);
	int nt = x->jobs < n ? x->jobs : n;
	pthread_t *tid = xcalloc(nt + 1, sizeof *tid);
	for (int i = 1; i < nt; i++)
		if (pthread_create(&tid[i], NULL, score_worker, &sc) != 0)
			die("pthread_create:");
	score_worker(&sc);
	for (int i = 1; i < nt; i++)
		pthread_join(tid[i], NULL);
	free(tid);
	pthread_mutex_destroy(&sc.mu);
	if (sc.err_at < n)
		return ir_error("%s", sc.err);
	return 0;
}

struct th_build {
	const struct ir_graph *g;
	struct thresholds *const *th;
};

static struct ir_graph *build_quant(void *ctx, int i)
{
	struct th_build *b = ctx;
	struct ir_graph *q = ir_graph_clone(b->g);
	if (!q)
		return NULL;
	if (quantize_graph(q, b->th[i]) < 0) {
		ir_graph_free(q);
		return NULL;
	}
	return q;
}

int search_score(struct search_ctx *x, struct thresholds *const *th, int n, double *cos)
{
	for (int i = 0; x->bias_correct && i < n; i++)
		if (search_bias_correction(x, th[i]) < 0)
			return -1;
	struct th_build b = {x->g, th};
	return score_graphs(x, build_quant, &b, n, cos);
}

/* ---- thresholds sets ---------------------------------------------------------- */

static struct th_entry *th_find_mut(struct thresholds *t, const char *name, int weight);

void search_set_bias_correction(struct search_ctx *x, int on)
{
	x->bias_correct = on;
}

/*
 * Bias correction (formats/thresholds.md, "Bias correction"): rounding a
 * convolution's weights shifts the mean of each output channel by
 * sum over taps (w_q s_w - w)[c, ...] * E[x[ic]]; the correction is minus
 * that, E[x] the per-channel means of the node's input over the samples.
 * A ConvTranspose spreads each input over stride^D outputs, so its shift
 * is divided by the product of its strides. Writes the corrections (f32)
 * into th's weight entries, adding max per-channel entries where th has
 * none (ir-quant's default for a weight).
 */
int search_bias_correction(struct search_ctx *x, struct thresholds *th)
{
	const struct ir_graph *g = x->g;
	for (int k = 0; k < g->n_nodes; k++) {
		const struct ir_node *n = &g->nodes[k];
		if (!is_bpu_conv(n) || !x->mean[n->in[0]])
			continue;
		const struct ir_tensor *w = g->tensors[n->in[1]];
		if (!w->data || w->dtype != IR_DTYPE_F32 || w->rank < 2)
			continue;
		const double *mean = x->mean[n->in[0]];
		struct conv_weight l;
		conv_weight_layout(n, w, &l);
		int64_t m = l.m, wn = ir_tensor_numel(w);
		const float *wd = w->data;
		struct th_entry *e = th_find_mut(th, w->name, 1);
		float *sw = quantize_weight_scales(&l, w, e);
		if (!sw)
			return -1;
		if (!e) {
			/* ir-quant's default for the weight, written out to carry the
			 * correction */
			e = thresholds_add(th, w->name, 1, (int)m, sw, 0);
			e->method = xstrdup("max");
		}
		double *shift = xcalloc((size_t)m + 1, sizeof(double));
		for (int64_t i = 0; i < wn; i++) {
			int64_t c = conv_weight_oc(&l, i);
			double q = (double)q_sat((int64_t)nearbyint((double)wd[i] / sw[c]), -127, 127);
			shift[c] += (q * sw[c] - wd[i]) * mean[conv_weight_ic(&l, i)];
		}
		free(sw);
		double div = 1;
		if (l.transpose) {
			int64_t st[IR_MAX_RANK];
			int ns = ir_attr_ints(n, "strides", st, IR_MAX_RANK);
			for (int j = 0; j < ns; j++)
				div *= (double)st[j];
		}
		free(e->bias);
		e->bias = xmalloc(sizeof(float) * (m + 1));
		e->n_bias = (int)m;
		for (int64_t c = 0; c < m; c++)
			e->bias[c] = (float)(-shift[c] / div);
		free(shift);
	}
	return 0;
}


static void entry_copy(struct th_entry *d, const struct th_entry *e)
{
	free(d->scale);
	free(d->method);
	free(d->bias);
	char *name = d->name;
	int line = d->line;
	*d = *e;
	d->name = name;
	d->line = line;
	d->scale = xmalloc(sizeof(float) * (e->n + 1));
	memcpy(d->scale, e->scale, sizeof(float) * e->n);
	d->method = e->method ? xstrdup(e->method) : NULL;
	d->bias = NULL;
	if (e->n_bias) {
		d->bias = xmalloc(sizeof(float) * e->n_bias);
		memcpy(d->bias, e->bias, sizeof(float) * e->n_bias);
	}
}

static struct thresholds *th_dup(const struct thresholds *t)
{
	struct thresholds *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(t->path ? t->path : "<calib-search>");
	c->model = t->model ? xstrdup(t->model) : NULL;
	c->method = t->method ? xstrdup(t->method) : NULL;
	for (int i = 0; i < t->n; i++) {
		struct th_entry *e = thresholds_add(c, t->e[i].name, t->e[i].weight, t->e[i].n,
						    t->e[i].scale, t->e[i].zero_point);
		entry_copy(e, &t->e[i]);
	}
	return c;
}

static struct th_entry *th_find_mut(struct thresholds *t, const char *name, int weight)
{
	return (struct th_entry *)thresholds_find(t, name, weight);
}

static int add_cand(struct search_result *r, const struct ir_graph *g, const struct stats *s,
		    const struct calib_choice *c, int step)
{
	if (r->n >= (int)(sizeof r->cand / sizeof r->cand[0]))
		return ir_error("too many candidates");
	struct search_cand *k = &r->cand[r->n];
	memset(k, 0, sizeof *k);
	k->choice = *c;
	k->step = step;
	int fb = 0;
	k->th = calib_thresholds(g, s, c, &fb);
	if (!k->th)
		return -1;
	calib_choice_str(c, k->label, sizeof k->label);
	if (fb)
		snprintf(k->label + strlen(k->label), sizeof k->label - strlen(k->label),
			 " (%d fall back to max)", fb);
	return r->n++;
}

/* scores candidates [from, r->n) */
static int score_cands(struct search_ctx *x, struct search_result *r, int from)
{
	int n = r->n - from;
	struct thresholds **th = xcalloc(n + 1, sizeof *th);
	double *cos = xcalloc(n + 1, sizeof *cos);
	for (int i = 0; i < n; i++)
		th[i] = r->cand[from + i].th;
	int rc = search_score(x, th, n, cos);
	for (int i = 0; i < n; i++)
		r->cand[from + i].cosine = cos[i];
	free(th);
	free(cos);
	return rc;
}

/* the best candidate (the first of equals) */
static int best_of(const struct search_result *r)
{
	int b = 0;
	for (int i = 1; i < r->n; i++)
		if (r->cand[i].cosine > r->cand[b].cosine)
			b = i;
	return b;
}

void search_result_free(struct search_result *r)
{
	for (int i = 0; i < r->n; i++)
		thresholds_free(r->cand[i].th);
	r->n = 0;
}

int search_default(struct search_ctx *x, double t, struct search_result *r)
{
	memset(r, 0, sizeof *r);
	const enum calib_method m1[3] = {CALIB_MAX, CALIB_PERCENTILE, CALIB_KL};
	for (int i = 0; i < 3; i++)
		if (add_cand(r, x->g, x->s, &(struct calib_choice){m1[i], 0.99995, 0, 0}, 1) < 0)
			goto fail;
	if (score_cands(x, r, 0) < 0)
		goto fail;
	r->best = best_of(r);
	if (r->cand[r->best].cosine >= t) {
		r->end_step = 1;
		snprintf(r->why, sizeof r->why, "step 1: the best cosine %.6f >= %g",
			 r->cand[r->best].cosine, t);
		return 0;
	}
	int k = add_cand(r, x->g, x->s, &(struct calib_choice){CALIB_PERCENTILE, 0.99995, 1, 0}, 2);
	if (k < 0 || score_cands(x, r, k) < 0)
		goto fail;
	r->best = best_of(r);
	if (r->cand[k].cosine >= t) {
		r->end_step = 2;
		snprintf(r->why, sizeof r->why, "step 2: percentile with per-channel weights reaches "
			 "%.6f >= %g", r->cand[k].cosine, t);
		return 0;
	}
	struct calib_choice c5 = r->cand[r->best].choice;
	c5.asym = 1;
	k = add_cand(r, x->g, x->s, &c5, 3);
	if (k < 0 || score_cands(x, r, k) < 0)
		goto fail;
	r->best = best_of(r);
	r->end_step = 3;
	snprintf(r->why, sizeof r->why, "step 3: no candidate reached %g before; the best of the "
		 "five", t);
	return 0;
fail:
	search_result_free(r);
	return -1;
}

/* ---- fake quantization and the mix strategy ----------------------------------- */

struct ir_graph *search_fake_quant(const struct ir_graph *g, int t, const struct th_entry *e)
{
	struct ir_graph *c = ir_graph_clone(g);
	if (!c)
		return NULL;
	const struct ir_tensor *x = c->tensors[t];
	enum ir_dtype dt = e->dtype == IR_DTYPE_I16 ? IR_DTYPE_I16 : IR_DTYPE_I8;
	int64_t dims[IR_MAX_RANK];
	memcpy(dims, x->dims, sizeof dims);
	int rank = x->rank;
	char *base = xasprintf("%s/fake_q", x->name);
	char *qn = ir_unique_name(c, base);
	int q = ir_tensor_add(c, qn, dt, rank, dims);
	free(base);
	base = xasprintf("%s/fake_dq", c->tensors[t]->name);
	char *dn = ir_unique_name(c, base);
	int d = ir_tensor_add(c, dn, IR_DTYPE_F32, rank, dims);
	free(base);
	struct ir_quant *qp = xcalloc(1, sizeof *qp);
	qp->dtype = dt;
	qp->n = 1;
	qp->scale = xmalloc(sizeof(float));
	qp->scale[0] = e->scale[0];
	if (e->zero_point) {
		qp->zero_point = xmalloc(sizeof(int32_t));
		qp->zero_point[0] = e->zero_point;
	}
	c->tensors[q]->quant = qp;
	/* consumers of t read the fake-quantized copy */
	for (int i = 0; i < c->n_nodes; i++)
		for (int j = 0; j < c->nodes[i].n_in; j++)
			if (c->nodes[i].in[j] == t)
				c->nodes[i].in[j] = d;
	for (int o = 0; o < c->n_outputs; o++)
		if (c->outputs[o] == t)
			c->outputs[o] = d;
	struct ir_node *nq = ir_node_add(c, qn, IR_OP_QUANTIZE);
	ir_node_add_input(nq, t);
	ir_node_add_output(nq, q);
	nq->place = IR_PLACE_CPU;
	struct ir_node *nd = ir_node_add(c, dn, IR_OP_DEQUANTIZE);
	ir_node_add_input(nd, q);
	ir_node_add_output(nd, d);
	nd->place = IR_PLACE_CPU;
	free(qn);
	free(dn);
	if (ir_graph_toposort(c) < 0 || ir_graph_check(c) < 0) {
		ir_graph_free(c);
		return NULL;
	}
	return c;
}

struct fq_build {
	const struct ir_graph *g;
	const struct thresholds *th;
	const int *tensor;     /* the tensor of job i */
};

static struct ir_graph *build_fake(void *ctx, int i)
{
	struct fq_build *b = ctx;
	int t = b->tensor[i];
	const struct th_entry *e = thresholds_find(b->th, b->g->tensors[t]->name, 0);
	if (!e) {
		ir_error("no act entry for tensor \"%s\"", b->g->tensors[t]->name);
		return NULL;
	}
	return search_fake_quant(b->g, t, e);
}

static int cmp_sens(const void *a, const void *b)
{
	const struct search_sens *x = a, *y = b;
	if (x->cosine != y->cosine)
		return x->cosine < y->cosine ? -1 : 1;
	return x->tensor - y->tensor;
}

void search_mix_free(struct search_mix *m)
{
	free(m->sens);
	memset(m, 0, sizeof *m);
}

int search_march_has_int16(const struct ir_graph *g)
{
	if (!g->march_text)
		return 0;
	struct march *mh = march_parse(g->march_text, g->march_len, "<ir>");
	int r = mh && (mh->dtypes & MARCH_DT_INT16);
	march_free(mh);
	return r;
}

int search_mix(struct search_ctx *x, const struct search_cand *base, double sens_threshold,
	       int top_k, int int16_k, struct search_result *r, struct search_mix *m)
{
	memset(r, 0, sizeof *r);
	memset(m, 0, sizeof *m);
	const struct ir_graph *g = x->g;
	if (int16_k > 0 && !search_march_has_int16(g))
		return ir_error("--int16-sensitive: the model's march (%s) has no int16; partition it "
				"for a march with int16 (bpu-l)", g->march_name ? g->march_name
				: "none recorded");
	/* 1. sensitivity: each quantized activation alone */
	int *tensor = xcalloc(g->n_tensors + 1, sizeof *tensor);
	int n = 0;
	for (int t = 0; t < g->n_tensors; t++)
		if (calib_needs_act(g, t) && thresholds_find(base->th, g->tensors[t]->name, 0))
			tensor[n++] = t;
	double *cos = xcalloc(n + 1, sizeof *cos);
	struct fq_build fb = {g, base->th, tensor};
	if (score_graphs(x, build_fake, &fb, n, cos) < 0) {
		free(tensor);
		free(cos);
		return -1;
	}
	m->n = n;
	m->sens = xcalloc(n + 1, sizeof *m->sens);
	for (int i = 0; i < n; i++) {
		struct search_sens *e = &m->sens[i];
		e->tensor = tensor[i];
		int p = g->tensors[tensor[i]]->producer;
		e->node = p >= 0 ? g->nodes[p].name : "";
		e->cosine = cos[i];
		e->choice_method = -1;
	}
	free(tensor);
	free(cos);
	qsort(m->sens, n, sizeof *m->sens, cmp_sens);
	for (int i = 0; i < n; i++) {
		m->sens[i].sensitive = m->sens[i].cosine < sens_threshold || i < top_k;
		m->n_sensitive += m->sens[i].sensitive;
	}
	/* the whole-model alternatives, with base's weights and symmetry: they
	 * are step 3's candidates too (index 1..3; 0 is the mix) */
	r->n = 1;
	const enum calib_method alt[3] = {CALIB_KL, CALIB_MAX, CALIB_PERCENTILE};
	for (int i = 0; i < 3; i++) {
		struct calib_choice c = base->choice;
		c.method = alt[i];
		c.pct = 0.99995;
		if (add_cand(r, g, x->s, &c, 3) < 0)
			goto fail;
	}
	/* 2. each sensitive activation keeps its best method */
	struct thresholds *mix = th_dup(base->th);
	for (int i = 0; i < n; i++) {
		struct search_sens *e = &m->sens[i];
		if (!e->sensitive)
			continue;
		const char *name = g->tensors[e->tensor]->name;
		struct thresholds *tr[3];
		double c3[3];
		for (int a = 0; a < 3; a++) {
			tr[a] = th_dup(mix);
			entry_copy(th_find_mut(tr[a], name, 0),
				   thresholds_find(r->cand[1 + a].th, name, 0));
		}
		int rc = search_score(x, tr, 3, c3);
		int b = 0;
		for (int a = 1; a < 3; a++)
			if (c3[a] > c3[b])
				b = a;
		if (rc == 0) {
			entry_copy(th_find_mut(mix, name, 0), thresholds_find(tr[b], name, 0));
			e->choice_method = alt[b];
			e->choice_cosine = c3[b];
		}
		for (int a = 0; a < 3; a++)
			thresholds_free(tr[a]);
		if (rc < 0) {
			thresholds_free(mix);
			goto fail;
		}
	}
	/* int16 for the most sensitive */
	for (int i = 0; i < n && m->int16 < int16_k; i++) {
		/* int16's 65 536 levels keep the whole range: max, nothing clipped;
		 * a tensor the march cannot make int16 (a node without int16=yes
		 * writes or reads it) is passed over */
		struct th_entry *e = th_find_mut(mix, g->tensors[m->sens[i].tensor]->name, 0);
		struct thresholds *keep = th_dup(mix);
		calib_entry_int16(e, x->s);
		struct ir_graph *q = ir_graph_clone(g);
		int ok = q && quantize_graph(q, mix) == 0;
		ir_graph_free(q);
		if (!ok) {
			entry_copy(e, thresholds_find(keep, e->name, 0));
			thresholds_free(keep);
			m->sens[i].int16_refused = 1;
			continue;
		}
		thresholds_free(keep);
		m->sens[i].int16 = 1;
		m->int16++;
	}
	free(mix->method);
	mix->method = xstrdup("mix");
	struct search_cand *k = &r->cand[0];
	memset(k, 0, sizeof *k);
	k->choice = base->choice;
	k->th = mix;
	k->step = 2;
	snprintf(k->label, sizeof k->label, "mix: %.80s, %d sensitive chosen per node%s", base->label,
		 m->n_sensitive, m->int16 ? ", int16 for the most sensitive" : "");
	/* 3. the mix against kl, max and percentile */
	if (score_cands(x, r, 0) < 0)
		goto fail;
	r->best = best_of(r);
	r->end_step = 3;
	snprintf(r->why, sizeof r->why, "step 3: the best of mix, kl, max and percentile");
	return 0;
fail:
	search_result_free(r);
	search_mix_free(m);
	return -1;
}
