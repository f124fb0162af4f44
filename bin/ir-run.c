/*
 * ir-run: execute an IR on .npy inputs bound by name.
 *
 *     ir-run -i NAME=FILE ... [-o DIR] [--dump-all] [--threads N] [IR]
 *
 * Reads IR (binary or text) from IR or stdin; every model input must be
 * bound with -i (an .npy file, or an ONNX TensorProto .pb), with exactly the
 * input's dtype and shape. Writes every model output to DIR/<name>.npy (names
 * with characters outside [A-Za-z0-9_.-] have them replaced by '_'), or,
 * without -o, prints a one-line summary per output. --dump-all also writes
 * every intermediate tensor. --bench N runs N more times and prints the
 * median latency; --profile prints time per node and per op type.
 */
#include "blas.h"
#include "exec.h"
#include "ir.h"
#include "npy.h"
#include "onnx.h"
#include "ops.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"ir-run -i NAME=FILE ... [-o DIR] [--dump-all] [--threads N] [--bench N] [--profile] "
	"[IR]\n"
	"  -i NAME=FILE  bind model input NAME to an .npy (or ONNX TensorProto .pb) file\n"
	"  -o DIR        write every model output as DIR/<output>.npy\n"
	"  --dump-all    also write every intermediate tensor into DIR\n"
	"  --threads N   threads for GEMM-shaped work (default 1)\n"
	"  --bench N     time N further runs; print median and min latency and peak RSS\n"
	"  --profile     print time per op type and the slowest nodes (stderr)\n"
	"  --profile-out FILE  write time per node as TSV (node, op, output, ms per run)\n"
	"  --no-fuse     run every node on its own (no fused elementwise chains)";

struct dump {
	const char *dir;
	char **written;
	int n_written;
};

static char *out_path(const char *dir, const char *name)
{
	char *s = xstrdup(name);
	for (char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			*p = '_';
	char *p = xasprintf("%s/%s.npy", dir, s);
	free(s);
	return p;
}

static int dump_tensor(struct dump *d, const struct ir_tensor *t, const void *data)
{
	char *p = out_path(d->dir, t->name);
	for (int i = 0; i < d->n_written; i++)
		if (!strcmp(d->written[i], p)) { /* two names mapped to one file */
			char *q = xasprintf("%.*s_%d.npy", (int)strlen(p) - 4, p, d->n_written);
			free(p);
			p = q;
		}
	if (npy_write(p, t->dtype, t->rank, t->dims, data) < 0) {
		free(p);
		return -1;
	}
	d->written = xrealloc(d->written, sizeof(char *) * (d->n_written + 1));
	d->written[d->n_written++] = p;
	return 0;
}

static int on_tensor(void *ctx, const struct ir_graph *g, int t, const void *data)
{
	struct dump *d = ctx;
	if (ir_graph_is_output(g, t))
		return 0; /* written at the end with the others */
	return dump_tensor(d, g->tensors[t], data);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_profile(const struct ir_exec *x, const struct ir_graph *g, const double *sec,
			  int runs)
{
	double total = 0, per_op[IR_OP_COUNT] = {0};
	int count[IR_OP_COUNT] = {0};
	for (int i = 0; i < g->n_nodes; i++) {
		total += sec[i];
		per_op[g->nodes[i].op] += sec[i];
		count[g->nodes[i].op]++;
	}
	fprintf(stderr, "%-24s %6s %10s %6s   (a fused elementwise chain counts under its "
		"first op)\n", "op", "nodes", "ms/run", "share");
	for (;;) {
		int best = -1;
		for (int o = 1; o < IR_OP_COUNT; o++)
			if (count[o] && (best < 0 || per_op[o] > per_op[best]))
				best = o;
		if (best < 0)
			break;
		fprintf(stderr, "%-24s %6d %10.3f %5.1f%%\n", ir_op_name(best), count[best],
			per_op[best] * 1e3 / runs, total > 0 ? 100 * per_op[best] / total : 0);
		count[best] = 0;
	}
	fprintf(stderr, "%-24s %6d %10.3f\n", "total", g->n_nodes, total * 1e3 / runs);
	fprintf(stderr, "\nslowest nodes:\n");
	int *idx = xmalloc(sizeof(int) * (g->n_nodes + 1));
	for (int i = 0; i < g->n_nodes; i++)
		idx[i] = i;
	for (int k = 0; k < 15 && k < g->n_nodes; k++) {
		int b = k;
		for (int i = k + 1; i < g->n_nodes; i++)
			if (sec[idx[i]] > sec[idx[b]])
				b = i;
		int t = idx[k];
		idx[k] = idx[b];
		idx[b] = t;
		const struct ir_node *n = &g->nodes[idx[k]];
		int fl = ir_exec_fused_len(x, idx[k]);
		char s[128], ops[160] = "";
		size_t l = 0;
		for (int j = 0; j < (fl > 1 ? fl : 1) && l < sizeof ops; j++)
			l += snprintf(ops + l, sizeof ops - l, "%s%s", j ? "+" : "",
				      ir_op_name(g->nodes[idx[k] + j].op));
		const struct ir_node *last = &g->nodes[idx[k] + (fl > 1 ? fl - 1 : 0)];
		fprintf(stderr, "  %8.3f ms  %-18s %s -> %s\n", sec[idx[k]] * 1e3 / runs, ops, n->name,
			ir_tensor_type_str(g->tensors[last->out[0]], s, sizeof s));
	}
	free(idx);
}

int main(int argc, char **argv)
{
	argv0 = "ir-run";
	const char *irpath = NULL, *outdir = NULL;
	char *bind_name[256], *bind_file[256];
	int n_bind = 0, dump_all = 0, threads = 1, bench = 0, profile = 0, no_fuse = 0;
	const char *profile_out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "-i")) {
			if (++i >= argc)
				usage_die(usage, "-i needs NAME=FILE");
			const char *eq = strchr(argv[i], '=');
			if (!eq || eq == argv[i] || !eq[1])
				usage_die(usage, "-i \"%s\": expected NAME=FILE", argv[i]);
			if (n_bind == 256)
				usage_die(usage, "too many -i options");
			bind_name[n_bind] = xstrdup(argv[i]);
			bind_name[n_bind][eq - argv[i]] = 0;
			bind_file[n_bind++] = xstrdup(eq + 1);
		} else if (!strcmp(a, "-o")) {
			if (++i >= argc)
				usage_die(usage, "-o needs a directory");
			outdir = argv[i];
		} else if (!strcmp(a, "--dump-all")) {
			dump_all = 1;
		} else if (!strcmp(a, "--threads") || !strcmp(a, "--bench")) {
			char *end;
			if (i + 1 >= argc)
				usage_die(usage, "%s needs a number", a);
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 100000)
				usage_die(usage, "%s %s: expected a positive number", a, argv[i]);
			if (!strcmp(a, "--threads"))
				threads = (int)v;
			else
				bench = (int)v;
		} else if (!strcmp(a, "--profile")) {
			profile = 1;
		} else if (!strcmp(a, "--no-fuse")) {
			no_fuse = 1;
		} else if (!strcmp(a, "--profile-out")) {
			if (++i >= argc)
				usage_die(usage, "--profile-out needs a file name");
			profile_out = argv[i];
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (irpath) {
			usage_die(usage, "more than one IR given (%s, %s)", irpath, a);
		} else {
			irpath = a;
		}
	}
	if (dump_all && !outdir)
		usage_die(usage, "--dump-all needs -o DIR");

	struct ir_graph *g = read_ir_input(irpath);
	const char *what = irpath && strcmp(irpath, "-") ? irpath : "<stdin>";

	/* bind inputs by name, checking dtype and shape */
	const void **inputs = xcalloc(g->n_inputs + 1, sizeof(void *));
	struct ir_tensor **held = xcalloc(n_bind + 1, sizeof(void *));
	for (int b = 0; b < n_bind; b++) {
		int slot = -1;
		for (int i = 0; i < g->n_inputs; i++)
			if (!strcmp(g->tensors[g->inputs[i]]->name, bind_name[b]))
				slot = i;
		if (slot < 0) {
			char names[1024] = "";
			size_t l = 0;
			for (int i = 0; i < g->n_inputs && l < sizeof names; i++)
				l += snprintf(names + l, sizeof names - l, "%s\"%s\"", i ? ", " : "",
					      g->tensors[g->inputs[i]]->name);
			die("-i %s=%s: the model has no input \"%s\" (its inputs: %s)", bind_name[b],
			    bind_file[b], bind_name[b], names);
		}
		if (inputs[slot])
			die("-i %s: input bound twice", bind_name[b]);
		struct ir_tensor *t = tensor_file_read(bind_file[b]);
		if (!t)
			die("%s", ir_errmsg);
		const struct ir_tensor *want = g->tensors[g->inputs[slot]];
		/* numpy has no bfloat16: its raw bits come as u16 */
		if (want->dtype == IR_DTYPE_BF16 && t->dtype == IR_DTYPE_U16)
			t->dtype = IR_DTYPE_BF16;
		if (t->dtype != want->dtype || t->rank != want->rank ||
		    memcmp(t->dims, want->dims, sizeof(int64_t) * t->rank)) {
			char s1[160], s2[160];
			die("input \"%s\": %s is %s; the model expects %s", want->name, bind_file[b],
			    ir_tensor_type_str(t, s1, sizeof s1), ir_tensor_type_str(want, s2, sizeof s2));
		}
		held[b] = t;
		inputs[slot] = t->data;
	}
	for (int i = 0; i < g->n_inputs; i++)
		if (!inputs[i]) {
			char s[160];
			die("model input \"%s\" (%s) is not bound; give -i %s=FILE.npy",
			    g->tensors[g->inputs[i]]->name,
			    ir_tensor_type_str(g->tensors[g->inputs[i]], s, sizeof s),
			    g->tensors[g->inputs[i]]->name);
		}
	if (outdir) {
		struct stat st;
		if (stat(outdir, &st) != 0) {
			if (mkdir(outdir, 0777) != 0)
				die("cannot create output directory %s:", outdir);
		} else if (!S_ISDIR(st.st_mode)) {
			die("-o %s: not a directory", outdir);
		}
	}
	struct dump d = {outdir, NULL, 0};
	struct ir_exec_opts eo = {.threads = threads, .profile = profile || profile_out,
				  .no_fuse = no_fuse};
	if (dump_all) {
		eo.on_tensor = on_tensor;
		eo.ctx = &d;
	}
	struct ir_exec *x = ir_exec_new(g, &eo);
	if (!x)
		die("%s: %s", what, ir_errmsg);
	int rc = ir_exec_run(x, inputs);
	if (rc == 0 && outdir)
		for (int i = 0; i < g->n_outputs && rc == 0; i++)
			rc = dump_tensor(&d, g->tensors[g->outputs[i]], ir_exec_output(x, i));
	if (rc < 0) {
		/* leave nothing behind: a failed run writes no files */
		for (int i = 0; i < d.n_written; i++)
			unlink(d.written[i]);
		die("%s: %s", what, ir_errmsg);
	}
	if (!outdir) {
		for (int i = 0; i < g->n_outputs; i++) {
			const struct ir_tensor *t = g->tensors[g->outputs[i]];
			const void *p = ir_exec_output(x, i);
			size_t n = (size_t)ir_tensor_numel(t);
			double mn = INFINITY, mx = -INFINITY, sum = 0;
			for (size_t j = 0; j < n; j++) {
				double v = ir_elem_get(t->dtype, p, j);
				mn = v < mn ? v : mn;
				mx = v > mx ? v : mx;
				sum += v;
			}
			char s[160];
			printf("output %s %s min %.6g max %.6g mean %.6g\n", t->name,
			       ir_tensor_type_str(t, s, sizeof s), mn, mx, n ? sum / n : 0.0);
		}
	}
	if (bench) {
		double *ms = xmalloc(sizeof(double) * bench);
		for (int r = 0; r < bench; r++) {
			double t0 = now();
			if (ir_exec_run(x, inputs) < 0)
				die("%s: %s", what, ir_errmsg);
			ms[r] = (now() - t0) * 1e3;
		}
		qsort(ms, bench, sizeof(double), cmp_double);
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "ir-run %s threads=%d runs=%d median_ms=%.3f min_ms=%.3f "
			"arena_mb=%.2f peak_rss_mb=%.1f blas=%s\n", what, threads, bench, ms[bench / 2],
			ms[0], ir_exec_arena_bytes(x) / 1048576.0, ru.ru_maxrss / 1024.0, blas_core());
		free(ms);
	}
	if (profile)
		print_profile(x, g, ir_exec_node_seconds(x), 1 + bench);
	if (profile_out) {
		struct outfile o;
		const double *sec = ir_exec_node_seconds(x);
		outfile_open(&o, profile_out, 0, 0);
		fprintf(o.f, "node\top\toutput\tms\n");
		for (int i = 0; i < g->n_nodes; i++) {
			char t[160];
			const struct ir_node *n = &g->nodes[i];
			fprintf(o.f, "%s\t%s\t%s\t%.4f\n", n->name, ir_op_name(n->op),
				ir_tensor_type_str(g->tensors[n->out[0]], t, sizeof t),
				sec[i] * 1e3 / (1 + bench));
		}
		outfile_commit(&o);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		die("error writing to standard output:");
	ir_exec_free(x);
	for (int b = 0; b < n_bind; b++) {
		ir_tensor_free(held[b]);
		free(bind_name[b]);
		free(bind_file[b]);
	}
	for (int i = 0; i < d.n_written; i++)
		free(d.written[i]);
	free(d.written);
	free(held);
	free(inputs);
	ir_graph_free(g);
	return 0;
}
