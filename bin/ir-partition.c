/*
 * ir-partition: place every node of a float graph on the BPU or the CPU.
 *
 *     ir-partition --march M [--node-info FILE] [--report FILE]
 *                  [--report-format text|tsv|json] [-o FILE] [-S] [-f] [IR]
 *
 * M is a march name (formats/march/M.march) or a path. The rules are in
 * lib/partition.h and formats/ir.md, "ir-partition"; the output IR carries
 * each node's place, BPU subgraph and reason, explicit Quantize/Dequantize
 * nodes at every boundary, and the march. A one-line summary goes to
 * stderr; --report writes the whole table (text for people, TSV or JSON
 * for scripts), all or nothing.
 */
#include "ir.h"
#include "march.h"
#include "nodeinfo.h"
#include "partition.h"
#include "util.h"

#include <string.h>

static const char usage[] =
	"ir-partition --march M [--node-info FILE] [--report FILE] [--report-format "
	"text|tsv|json] [-o FILE] [-S] [-f] [IR]\n"
	"  --march M          a march name (formats/march/M.march) or a march file\n"
	"  --node-info FILE   per-node overrides: NODE run_on=bpu|cpu, op:TYPE run_on=...\n"
	"  --report FILE      the placement table (- for stdout when -o is given)\n"
	"  --report-format F  text (default), tsv or json\n"
	"  -o FILE  -S  -f    output file, text form, binary to a terminal";

int main(int argc, char **argv)
{
	argv0 = "ir-partition";
	const char *in = NULL, *out = NULL, *march = NULL, *ni_path = NULL, *report = NULL;
	enum report_format fmt = REPORT_TEXT;
	int text = 0, force = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--march") || !strcmp(a, "--node-info") ||
			   !strcmp(a, "--report") || !strcmp(a, "--report-format") ||
			   !strcmp(a, "-o")) {
			if (++i >= argc)
				usage_die(usage, "%s needs a value", a);
			if (!strcmp(a, "--march"))
				march = argv[i];
			else if (!strcmp(a, "--node-info"))
				ni_path = argv[i];
			else if (!strcmp(a, "--report"))
				report = argv[i];
			else if (!strcmp(a, "-o"))
				out = argv[i];
			else if (!strcmp(argv[i], "text"))
				fmt = REPORT_TEXT;
			else if (!strcmp(argv[i], "tsv"))
				fmt = REPORT_TSV;
			else if (!strcmp(argv[i], "json"))
				fmt = REPORT_JSON;
			else
				usage_die(usage, "--report-format %s: expected text, tsv or json", argv[i]);
		} else if (!strcmp(a, "-S")) {
			text = 1;
		} else if (!strcmp(a, "-f")) {
			force = 1;
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (in) {
			usage_die(usage, "more than one IR given (%s, %s)", in, a);
		} else {
			in = a;
		}
	}
	if (!march)
		usage_die(usage, "--march is required");
	if (report && !strcmp(report, "-") && (!out || !strcmp(out, "-")))
		usage_die(usage, "--report - needs -o FILE for the IR");
	struct march *m = march_load(march);
	if (!m)
		die("%s", ir_errmsg);
	struct nodeinfo *ni = NULL;
	if (ni_path && !(ni = nodeinfo_load(ni_path)))
		die("%s", ir_errmsg);
	struct ir_graph *g = read_ir_input(in);
	if (partition_run(g, m, ni) < 0)
		die("%s: %s", in && strcmp(in, "-") ? in : "<stdin>", ir_errmsg);
	ir_graph_add_prov(g, "ir-partition", argc - 1, argv + 1);
	/* both files are written to temporary names and renamed at the end,
	 * so a failure leaves neither */
	struct outfile ro = {0}, io;
	if (report) {
		outfile_open(&ro, report, 0, 0);
		partition_report(ro.f, g, fmt);
		if (fflush(ro.f) != 0 || ferror(ro.f)) {
			outfile_abort(&ro);
			die("error writing %s:", report);
		}
	}
	outfile_open(&io, out, !text, force);
	int rc = text ? ir_text_write(g, io.f, 0) : ir_write(g, io.f);
	if (rc < 0 || fflush(io.f) != 0 || ferror(io.f)) {
		outfile_abort(&io);
		if (report)
			outfile_abort(&ro);
		die("error writing %s:", out && strcmp(out, "-") ? out : "standard output");
	}
	if (report)
		outfile_commit(&ro);
	outfile_commit(&io);
	partition_summary(stderr, g);
	ir_graph_free(g);
	nodeinfo_free(ni);
	march_free(m);
	return 0;
}
