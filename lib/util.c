/*
 * util.c: allocation, messages, whole-file reads, all-or-nothing output.
 */
#include "util.h"
#include "ir.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *argv0 = "bpu";

/* Outputs open but not yet committed: die() removes their temporary files,
 * so no path through an error leaves a partial output behind. */
static struct outfile *pending[8];

static void pending_add(struct outfile *o)
{
	for (int i = 0; i < 8; i++)
		if (!pending[i]) {
			pending[i] = o;
			return;
		}
}

static void pending_del(struct outfile *o)
{
	for (int i = 0; i < 8; i++)
		if (pending[i] == o)
			pending[i] = NULL;
}

static void pending_cleanup(void)
{
	for (int i = 0; i < 8; i++)
		if (pending[i]) {
			struct outfile *o = pending[i];
			pending[i] = NULL;
			if (o->tmp)
				unlink(o->tmp);
		}
}

static void oom(size_t n)
{
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n", argv0, n);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom(n * m);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		oom(strlen(s));
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom(0);
	va_end(ap);
	return s;
}

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", argv0);
	vfprintf(stderr, fmt, ap);
	size_t l = strlen(fmt);
	if (l && fmt[l - 1] == ':')
		fprintf(stderr, " %s", strerror(errno));
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	pending_cleanup();
	exit(1);
}

void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void usage_die(const char *usage, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vmsg(fmt, ap);
		va_end(ap);
	}
	/* the synopsis line only; -h prints the whole text */
	const char *nl = strchr(usage, '\n');
	fprintf(stderr, "usage: %.*s\n", nl ? (int)(nl - usage) : (int)strlen(usage), usage);
	pending_cleanup();
	exit(2);
}

void *read_file(const char *path, size_t *len)
{
	int is_stdin = !path || strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		ir_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f);
	if (!is_stdin)
		fclose(f);
	if (err) {
		ir_error("%s: read error", is_stdin ? "<stdin>" : path);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

void outfile_open(struct outfile *o, const char *path, int binary, int force)
{
	memset(o, 0, sizeof *o);
	if (!path || strcmp(path, "-") == 0) {
		if (binary && !force && isatty(STDOUT_FILENO))
			die("refusing to write binary output to a terminal; redirect it or use "
			    "-o FILE (-f forces it)");
		o->f = stdout;
		return;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a FIFO or a device (/dev/null): written in place, never renamed
		 * over */
		o->f = fopen(path, "wb");
		if (!o->f)
			die("cannot open %s:", path);
		o->dev = 1;
		o->path = xstrdup(path);
		return;
	}
	o->path = xstrdup(path);
	o->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	o->f = fopen(o->tmp, "wb");
	if (!o->f)
		die("cannot create %s:", o->tmp);
	pending_add(o);
}

void outfile_abort(struct outfile *o)
{
	pending_del(o);
	if (o->dev) {
		if (o->f)
			fclose(o->f);
	} else if (o->path) {
		if (o->f)
			fclose(o->f);
		unlink(o->tmp);
	}
	o->f = NULL;
}

void outfile_commit(struct outfile *o)
{
	pending_del(o);
	if (!o->path) {
		if (fflush(stdout) != 0 || ferror(stdout))
			die("error writing to standard output:");
		return;
	}
	if (fflush(o->f) != 0 || ferror(o->f)) {
		int e = errno;
		outfile_abort(o);
		errno = e;
		die("error writing %s:", o->path);
	}
	if (o->dev) {
		if (fclose(o->f) != 0)
			die("error writing %s:", o->path);
		o->f = NULL;
		free(o->path);
		o->path = NULL;
		return;
	}
	if (fclose(o->f) != 0) {
		o->f = NULL;
		unlink(o->tmp);
		die("error writing %s:", o->path);
	}
	o->f = NULL;
	if (rename(o->tmp, o->path) != 0) {
		unlink(o->tmp);
		die("cannot rename %s to %s:", o->tmp, o->path);
	}
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
}

int parse_dims(const char *s, long long *dims, int max)
{
	int n = 0;
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 0 || n == max)
			return -1;
		dims[n++] = v;
		p = end;
		if (*p == 'x' || *p == 'X' || *p == ',') {
			p++;
			if (!*p)
				return -1;
		} else if (*p) {
			return -1;
		}
	}
	return n;
}

void write_ir_output(const struct ir_graph *g, const char *path, int text, int force)
{
	struct outfile o;
	outfile_open(&o, path, !text, force);
	int rc = text ? ir_text_write(g, o.f, 0) : ir_write(g, o.f);
	if (rc < 0) {
		outfile_abort(&o);
		die("error writing %s:", o.path ? o.path : "standard output");
	}
	outfile_commit(&o);
}

struct ir_graph *read_ir_input(const char *path)
{
	const char *what = (!path || strcmp(path, "-") == 0) ? "<stdin>" : path;
	size_t len;
	void *buf = read_file(path, &len);
	if (!buf)
		die("%s", ir_errmsg);
	struct ir_graph *g = ir_read_mem(buf, len, what);
	free(buf);
	if (!g)
		die("%s", ir_errmsg);
	return g;
}
