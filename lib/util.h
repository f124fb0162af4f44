/*
 * util.h: what every tool needs around the library: allocation that cannot
 * fail silently, messages prefixed with the program name, whole-file reads,
 * and all-or-nothing output files.
 *
 * Output discipline (formats/ir.md, "Tools"): a tool writes to a temporary
 * file next to the destination and renames it only when everything
 * succeeded; on stdout it writes at the end and checks the close. Binary
 * output is refused on a terminal unless forced.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdio.h>

extern const char *argv0;

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s) __attribute__((returns_nonnull));
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "argv0: message\n" on stderr, then exit(1) (die) or return (warn). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message and exit(2). */
void usage_die(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Reads the whole file (path "-" or NULL = stdin). NULL + ir_errmsg on error. */
void *read_file(const char *path, size_t *len);

/* An output that appears only when committed: path NULL or "-" = stdout. */
struct outfile {
	char *path;     /* final name, NULL for stdout */
	char *tmp;      /* temporary name while writing */
	FILE *f;
	int dev;        /* path is a FIFO or device: written directly */
};
/* binary: refuse a terminal stdout unless force. Dies on failure. */
void outfile_open(struct outfile *o, const char *path, int binary, int force);
/* Flushes, checks, renames into place; dies (removing the temp) on error. */
void outfile_commit(struct outfile *o);
/* Removes the temporary file (on the error path). */
void outfile_abort(struct outfile *o);

/* Parses "1x3x48x192" (or "1,3,48,192"); returns rank or -1. */
int parse_dims(const char *s, long long *dims, int max);

/* Writes an IR (binary, or text when text != 0) to path or stdout, all or
 * nothing; dies with a message on failure. */
struct ir_graph;
void write_ir_output(const struct ir_graph *g, const char *path, int text, int force);
/* Reads an IR from path or stdin; dies with "argv0: what: message". */
struct ir_graph *read_ir_input(const char *path);

#endif
