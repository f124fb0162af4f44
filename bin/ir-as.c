/*
 * ir-as: assemble text IR into a binary IR stream (formats/ir.md).
 *
 *   ir-as [-o FILE] [-f] [TEXT]
 *
 * Reads text IR (or binary IR, which passes through) from TEXT (no file or
 * "-": standard input) and writes the binary stream to standard output or
 * FILE. Binary output is refused on a terminal unless -f is given. FILE
 * appears only if everything was written.
 *
 * ir-as is a syntax converter, as llvm-as is: it keeps the provenance
 * entries the text names and does NOT append its own. That is what makes
 * `ir-dis | ir-as | ir-dis` reproduce its input byte for byte; an entry for
 * ir-as would add a line on every round trip. (formats/ir.md still says
 * ir-as appends its entry; this is the rule the toolchain follows.)
 */
#include "ir.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "ir-as [-o FILE] [-f] [TEXT]";

struct cmdline {
	const char *in;  /* NULL = stdin */
	const char *out; /* NULL = stdout */
	int force;
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
			       "Assembles text IR (default: standard input) into a binary IR stream.\n"
			       "  -o FILE  write to FILE instead of standard output\n"
			       "  -f       write binary to standard output even if it is a terminal\n",
			       usage);
			exit(0);
		} else if (!only_files && strcmp(a, "-f") == 0) {
			c->force = 1;
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
	argv0 = "ir-as";
	parse_cmdline(argc, argv, &c);

	struct ir_graph *g = read_ir_input(c.in);
	write_ir_output(g, c.out, 0, c.force);
	ir_graph_free(g);
	return 0;
}
