/*
 * calib-stats: calibration statistics of a partitioned IR over samples.
 *
 *     calib-stats [PART.ir] --data DIR|LIST [--shard i/n] [--threads N] [-o STATS] [-f]
 *     calib-stats --merge S1 S2 ... [-o STATS] [-f]
 *     calib-stats --dump STATS
 *
 * Runs the float model on every sample (or on shard i of n: the samples
 * whose index modulo n is i-1) and records, for every tensor ir-quant will
 * quantize, min, max, absmax, per-channel absmax and an exact power-of-two
 * histogram; weight statistics come from the constants. --merge combines
 * the shards of one split into what one run over all samples writes, byte
 * for byte. --dump prints a statistics file as a table. The format, what
 * is recorded and why merging is exact: formats/stats.md.
 */
#include "exec.h"
#include "ir.h"
#include "stats.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"calib-stats [PART.ir] --data DIR|LIST [--shard i/n] [--threads N] [-o STATS] [-f]\n"
	"       calib-stats --merge S1 S2 ... [-o STATS] [-f]\n"
	"       calib-stats --dump STATS\n"
	"  PART.ir       a partitioned IR (ir-partition's output; default stdin)\n"
	"  --data DIR    a directory of .npy samples (sorted by name), or for a model with\n"
	"                several inputs one sub-directory per input name with the same names\n"
	"  --data LIST   a file naming one .npy per line (relative to the list's directory)\n"
	"  --shard i/n   only the samples whose index (from 0) modulo n is i-1\n"
	"  --threads N   run N samples at once (default 1); the output does not depend on N\n"
	"  --merge       merge the statistics of every shard of one split\n"
	"  --dump        print a statistics file as a table\n"
	"  -o STATS  -f  output file (default stdout), binary to a terminal";

/* The samples one run takes, shared by the workers. */
struct job {
	const struct ir_graph *g;
	const struct stats_samples *smp;
	const int *map;         /* graph tensor -> activation, or -1 */
	int *idx;               /* sample indices of this run */
	int n;
	atomic_int next;        /* next position in idx to take */
	pthread_mutex_t mu;     /* guards what follows, and sample reads */
	int done;
	int progress;           /* stderr is a terminal */
	double t0;
	int err_at;             /* the smallest failed position, n if none */
	char *err;
};

struct worker {
	struct job *j;
	struct stats *s;
	struct ir_exec *x;
	pthread_t tid;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int on_tensor(void *ctx, const struct ir_graph *g, int t, const void *data)
{
	struct worker *w = ctx;
	(void)g;
	int a = w->j->map[t];
	if (a >= 0)
		stats_observe(&w->s->act[a], data);
	return 0;
}

/* Keeps the failure of the earliest sample, so that with several bad
 * samples the message does not depend on the threads' timing (samples are
 * handed out in order: every earlier one is taken and finishes). */
static void fail_at(struct job *j, int k, const char *msg)
{
	if (k < j->err_at) {
		j->err_at = k;
		free(j->err);
		j->err = xstrdup(msg);
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct job *j = w->j;
	const struct ir_graph *g = j->g;
	int ni = g->n_inputs;
	struct ir_tensor **in = xcalloc(ni, sizeof *in);
	const void **ptr = xcalloc(ni, sizeof *ptr);
	for (;;) {
		int k = atomic_fetch_add(&j->next, 1);
		if (k >= j->n)
			break;
		int sample = j->idx[k], ok = 1;
		/* ir_errmsg is one buffer for the process: reads and their
		 * messages go one at a time */
		pthread_mutex_lock(&j->mu);
		if (k > j->err_at)
			ok = 0;
		for (int i = 0; i < ni && ok; i++)
			if (!(in[i] = stats_sample_read(j->smp, g, sample, i))) {
				fail_at(j, k, ir_errmsg);
				ok = 0;
			}
		pthread_mutex_unlock(&j->mu);
		if (ok) {
			for (int i = 0; i < ni; i++) {
				ptr[i] = in[i]->data;
				int a = j->map[g->inputs[i]];
				if (a >= 0)
					stats_observe(&w->s->act[a], ptr[i]);
			}
			if (ir_exec_run(w->x, ptr) < 0) {
				pthread_mutex_lock(&j->mu);
				char *msg = xasprintf("sample %s: %s",
						      j->smp->path[(size_t)sample * ni], ir_errmsg);
				fail_at(j, k, msg);
				free(msg);
				pthread_mutex_unlock(&j->mu);
				ok = 0;
			} else {
				w->s->samples++;
			}
		}
		for (int i = 0; i < ni; i++) {
			ir_tensor_free(in[i]);
			in[i] = NULL;
		}
		if (!ok)
			break;
		pthread_mutex_lock(&j->mu);
		j->done++;
		if (j->progress) {
			double dt = now() - j->t0;
			fprintf(stderr, "\rsample %d/%d, %.2f samples/s", j->done, j->n,
				dt > 0 ? j->done / dt : 0.0);
			fflush(stderr);
		}
		pthread_mutex_unlock(&j->mu);
	}
	free(in);
	free(ptr);
	return NULL;
}

static void write_stats(const struct stats *s, const char *out, int force)
{
	struct outfile o;
	outfile_open(&o, out, 1, force);
	if (stats_write(s, o.f) < 0) {
		outfile_abort(&o);
		die("error writing %s:", out && strcmp(out, "-") ? out : "standard output");
	}
	outfile_commit(&o);
}

static void parse_shard(const char *s, int *i, int *n)
{
	char *end;
	long a = strtol(s, &end, 10), b = 0;
	if (end != s && *end == '/') {
		const char *p = end + 1;
		b = strtol(p, &end, 10);
		if (end == p)
			b = 0;
	}
	if (*end || a < 1 || b < 1 || a > b || b > 1000000)
		usage_die(usage, "--shard %s: expected i/n with 1 <= i <= n (shard 1/3 is the "
			  "first of three)", s);
	*i = (int)a;
	*n = (int)b;
}

static int do_merge(char **files, int n, const char *out, int force)
{
	struct stats **in = xcalloc(n, sizeof *in);
	for (int i = 0; i < n; i++)
		if (!(in[i] = stats_read(files[i])))
			die("%s", ir_errmsg);
	struct stats *m = stats_merge_shards(in, (const char *const *)files, n);
	if (!m)
		die("%s", ir_errmsg);
	write_stats(m, out, force);
	stats_free(m);
	for (int i = 0; i < n; i++)
		stats_free(in[i]);
	free(in);
	return 0;
}

int main(int argc, char **argv)
{
	argv0 = "calib-stats";
	const char *irpath = NULL, *data = NULL, *out = NULL, *dump = NULL;
	int shard_i = 0, shard_n = 0, threads = 1, force = 0, merge = 0;
	char **files = xcalloc(argc, sizeof(char *));
	int n_files = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--data") || !strcmp(a, "--shard") || !strcmp(a, "-o") ||
			   !strcmp(a, "--threads") || !strcmp(a, "--dump")) {
			if (++i >= argc)
				usage_die(usage, "%s needs a value", a);
			if (!strcmp(a, "--data")) {
				data = argv[i];
			} else if (!strcmp(a, "--shard")) {
				parse_shard(argv[i], &shard_i, &shard_n);
			} else if (!strcmp(a, "-o")) {
				out = argv[i];
			} else if (!strcmp(a, "--dump")) {
				dump = argv[i];
			} else {
				char *end;
				long v = strtol(argv[i], &end, 10);
				if (*end || v < 1 || v > 256)
					usage_die(usage, "--threads %s: expected a number from 1 to 256",
						  argv[i]);
				threads = (int)v;
			}
		} else if (!strcmp(a, "--merge")) {
			merge = 1;
		} else if (!strcmp(a, "-f")) {
			force = 1;
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else {
			files[n_files++] = argv[i];
		}
	}
	if (dump) {
		if (merge || data || n_files || out)
			usage_die(usage, "--dump STATS takes no other arguments");
		struct stats *s = stats_read(dump);
		if (!s)
			die("%s", ir_errmsg);
		stats_print(s, stdout);
		if (fflush(stdout) != 0 || ferror(stdout))
			die("error writing to standard output:");
		stats_free(s);
		return 0;
	}
	if (merge) {
		if (data || shard_n)
			usage_die(usage, "--merge takes statistics files only (no --data, --shard)");
		if (!n_files)
			usage_die(usage, "--merge needs the statistics files of the shards");
		return do_merge(files, n_files, out, force);
	}
	if (n_files > 1)
		usage_die(usage, "more than one IR given (%s, %s)", files[0], files[1]);
	irpath = n_files ? files[0] : NULL;
	if (!data)
		usage_die(usage, "--data DIR|LIST is required");

	struct ir_graph *g = read_ir_input(irpath);
	const char *what = irpath && strcmp(irpath, "-") ? irpath : "<stdin>";
	struct stats *total = stats_new(g);
	if (!total)
		die("%s: %s", what, ir_errmsg);
	struct stats_samples *smp = stats_samples_find(g, data);
	if (!smp)
		die("%s", ir_errmsg);

	struct job j = {.g = g, .smp = smp, .err_at = 0};
	j.map = stats_act_map(total, g);
	j.idx = xmalloc(sizeof(int) * (smp->n + 1));
	for (int k = 0; k < smp->n; k++)
		if (!shard_n || k % shard_n == shard_i - 1)
			j.idx[j.n++] = k;
	j.err_at = j.n;
	atomic_init(&j.next, 0);
	pthread_mutex_init(&j.mu, NULL);
	j.progress = isatty(STDERR_FILENO) && j.n > 0;
	if (threads > j.n)
		threads = j.n > 0 ? j.n : 1;

	struct worker *w = xcalloc(threads, sizeof *w);
	for (int t = 0; t < threads; t++) {
		w[t].j = &j;
		w[t].s = stats_new_like(total);
		struct ir_exec_opts eo = {.threads = 1, .on_tensor = on_tensor, .ctx = &w[t]};
		if (!(w[t].x = ir_exec_new(g, &eo)))
			die("%s: %s", what, ir_errmsg);
	}
	j.t0 = now();
	for (int t = 1; t < threads; t++)
		if (pthread_create(&w[t].tid, NULL, work, &w[t]) != 0)
			die("cannot start a thread:");
	work(&w[0]);
	for (int t = 1; t < threads; t++)
		pthread_join(w[t].tid, NULL);
	if (j.progress)
		fputc('\n', stderr);
	if (j.err)
		die("%s", j.err);

	/* per-thread statistics add up exactly, in any order */
	for (int t = 0; t < threads; t++) {
		stats_add(total, w[t].s);
		stats_free(w[t].s);
		ir_exec_free(w[t].x);
	}
	total->total_samples = (uint64_t)smp->n;
	total->shard_index = (uint32_t)shard_i;
	total->shard_count = (uint32_t)shard_n;
	for (int i = 0; i < total->n_act; i++)
		if (total->act[i].nonfinite)
			warn("warning: tensor \"%s\": %llu NaN or infinite values of %llu were left "
			     "out of its statistics", total->act[i].name,
			     (unsigned long long)total->act[i].nonfinite,
			     (unsigned long long)total->act[i].count);
	write_stats(total, out, force);

	stats_free(total);
	stats_samples_free(smp);
	free(j.idx);
	free(j.err);
	free((void *)j.map);
	free(w);
	free(files);
	ir_graph_free(g);
	return 0;
}
