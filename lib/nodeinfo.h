/*
 * nodeinfo.h: node-info files (formats/node-info.md), the user's per-node
 * and per-operator overrides of placement (run_on) and integer type (dtype).
 *
 *     struct nodeinfo *ni = nodeinfo_load("det.nodeinfo");
 *     if (!ni || nodeinfo_check(ni, g) < 0) die("%s", ir_errmsg);
 *     const char *run_on, *dtype;
 *     int line;
 *     if (nodeinfo_lookup(ni, n, &run_on, &dtype, &line) && run_on)
 *         ...force n onto run_on ("bpu" or "cpu"); cite ni->path and line...
 *     nodeinfo_free(ni);
 *
 * Errors: NULL or -1 with ir_errmsg set to "FILE:LINE: message".
 */
#ifndef NODEINFO_H
#define NODEINFO_H

#include "ir.h"

#include <stddef.h>

struct nodeinfo_entry {
	char *name;            /* the node's name, or NULL for an op: entry */
	enum ir_op op;         /* op: entries (IR_OP_INVALID for node entries) */
	const char *run_on;    /* "bpu", "cpu", or NULL when not given */
	const char *dtype;     /* "int8", "int16", or NULL when not given */
	int line;
};

struct nodeinfo {
	char *path;            /* as given to nodeinfo_load / nodeinfo_parse */
	int n;
	struct nodeinfo_entry *e;   /* in file order */
};

struct nodeinfo *nodeinfo_load(const char *path);
/* The same from memory; what names the text in messages. */
struct nodeinfo *nodeinfo_parse(const char *text, size_t len, const char *what);
void nodeinfo_free(struct nodeinfo *ni);

/* What the file says about node n, key by key (a node entry wins over an
 * op: entry): *run_on and *dtype are the values or NULL; *line is the line
 * of the node entry if one applies, else of the op: entry. Returns 1 if an
 * entry applies, 0 if none (outputs NULL / 0). Any output may be NULL. */
int nodeinfo_lookup(const struct nodeinfo *ni, const struct ir_node *n,
		    const char **run_on, const char **dtype, int *line);
/* Every entry names a node of g, or an op some node of g has; -1 with
 * "FILE:LINE: no node named \"X\" in the graph" or "FILE:LINE: no node of
 * op \"Y\" in the graph" otherwise. */
int nodeinfo_check(const struct nodeinfo *ni, const struct ir_graph *g);

#endif
