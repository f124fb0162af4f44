/*
 * ir-dis: print an IR stream as text (formats/ir.md, "Text form").
 *
 *   ir-dis [--full] [-o FILE] [IR]
 *
 * Reads binary or text IR from IR (no file or "-": standard input) and
 * writes its text form to standard output or FILE. Constants of more than 16
 * elements are printed as `elided` with a summary unless --full is given;
 * only --full output can be assembled again by ir-as. FILE appears only if
 * everything was written.
 */
#include "ir.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "ir-dis [--full] [-o FILE] [IR]";

struct cmdline {
	const char *in;  /* NULL = stdin */
	const char *out; /* NULL = stdout */
	int flags;
};

static void parse_cmdline(int argc, char **argv, struct cmdline *c)
{
	int only_files = 0;
	memset(c, 0, sizeof *c);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_files && strcmp(a, "--") == 0) {
			only_files = 1;
		} else if (!only_files && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			printf("usage: %s\n"
			       "Prints a binary or text IR (default: standard input) as text.\n"
			       "  --full   print every constant's values (else constants of more\n"
			       "           than 16 elements are elided; ir-as needs --full)\n"
			       "  -o FILE  write to FILE instead of standard output\n",
			       usage);
			exit(0);
		} else if (!only_files && strcmp(a, "--full") == 0) {
			c->flags |= IR_TEXT_FULL;
		} else if (!only_files && strcmp(a, "-o") == 0) {
			if (++i == argc)
				usage_die(usage, "-o needs a file name");
			c->out = argv[i];
		} else if (!only_files && a[0] == '-' && a[1] != 0) {
			usage_die(usage, "unknown option %s", a);
		} else if (c->in) {
			usage_die(usage, "one input at a time (got %s and %s)", c->in, a);
		} else {
			c->in = a;
		}
	}
}

int main(int argc, char **argv)
{
	struct cmdline c;
	argv0 = "ir-dis";
	parse_cmdline(argc, argv, &c);

	struct ir_graph *g = read_ir_input(c.in);
	struct outfile o;
	outfile_open(&o, c.out, 0, 0);
	if (ir_text_write(g, o.f, c.flags) < 0) {
		outfile_abort(&o);
		die("error writing %s:", c.out ? c.out : "standard output");
	}
	outfile_commit(&o);
	ir_graph_free(g);
	return 0;
}
