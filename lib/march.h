/*
 * march.h: the virtual BPU a graph is partitioned and compiled for, read
 * from a march file (formats/march.md): hardware parameters, and the
 * operators the BPU computes with their limits.
 *
 * Placing nodes (what ir-partition does with it):
 *
 *     struct march *m = march_load(name_or_path);      // "bpu-s", "./my.march"
 *     if (!m) die("%s", ir_errmsg);
 *     char why[128];
 *     for (int i = 0; i < g->n_nodes; i++) {
 *         struct ir_node *n = &g->nodes[i];
 *         if (!march_check_node(m, g, n, why, sizeof why))
 *             ...CPU, reason `why` ("kernel 9x9 > 7")...
 *         else if (march_op_passive(m, n->op))
 *             ...BPU only if its neighbours are...
 *     }
 *     g->march_name = xstrdup(m->name);  // and m->text, m->len: the bytes
 *     march_free(m);
 *
 * A later stage that finds the march in the IR parses those bytes again
 * with march_parse(), so it never needs the march directory.
 *
 * Errors: NULL (or -1) with ir_errmsg set to "FILE:LINE: message".
 */
#ifndef MARCH_H
#define MARCH_H

#include "ir.h"

#include <stddef.h>
#include <stdint.h>

/* A set of integers: the union of n inclusive ranges, in the order written. */
#define MARCH_MAX_ITEMS 16
struct march_set {
	int n;
	int64_t lo[MARCH_MAX_ITEMS], hi[MARCH_MAX_ITEMS];
};

/* The limits an op line can carry (formats/march.md, "Limits"); bits of
 * march_op.has. */
enum march_limit {
	MARCH_LIM_RANK, MARCH_LIM_CHANNELS, MARCH_LIM_KERNEL, MARCH_LIM_STRIDE,
	MARCH_LIM_DILATION, MARCH_LIM_PAD, MARCH_LIM_GROUP, MARCH_LIM_BROADCAST,
	MARCH_LIM_RHS, MARCH_LIM_MODE, MARCH_LIM_COORD, MARCH_LIM_SCALE,
	MARCH_LIM_AXIS, MARCH_LIM_INPUTS, MARCH_LIM_PASSIVE, MARCH_LIM_INT16,
	MARCH_LIM_COUNT
};

/* Word values, as bit masks. */
enum { MARCH_GROUP_DEPTHWISE = 1, MARCH_GROUP_GROUPED = 2, MARCH_GROUP_ANY = 4 };
enum { MARCH_BCAST_NONE = 1, MARCH_BCAST_SCALAR = 2, MARCH_BCAST_CHANNEL = 4,
       MARCH_BCAST_FULL = 8 };
enum { MARCH_RHS_CONST = 1, MARCH_RHS_TENSOR = 2 };
enum { MARCH_MODE_NEAREST = 1, MARCH_MODE_LINEAR = 2, MARCH_MODE_CUBIC = 4 };
enum { MARCH_COORD_HALF_PIXEL = 1, MARCH_COORD_ASYMMETRIC = 2,
       MARCH_COORD_ALIGN_CORNERS = 4, MARCH_COORD_PYTORCH_HALF_PIXEL = 8,
       MARCH_COORD_TF_HALF_PIXEL_FOR_NN = 16, MARCH_COORD_TF_CROP_AND_RESIZE = 32 };
enum { MARCH_DT_INT8 = 1, MARCH_DT_INT16 = 2 };

/* One `op` line. A limit applies only when its bit is set in has. */
struct march_op {
	enum ir_op op;
	int line;                  /* its line in the file */
	unsigned has;              /* 1u << enum march_limit */
	struct march_set rank, channels, kernel, stride, dilation, pad, scale, axis,
		inputs;
	struct march_set group;    /* integer groups; forms in group_forms */
	unsigned group_forms;      /* MARCH_GROUP_* */
	int kernel_is_stride;      /* kernel=stride */
	unsigned broadcast;        /* MARCH_BCAST_* */
	unsigned rhs;              /* MARCH_RHS_* */
	unsigned mode;             /* MARCH_MODE_* */
	unsigned coord;            /* MARCH_COORD_* */
	int passive, int16;        /* passive=yes, int16=yes */
	char *text[MARCH_LIM_COUNT]; /* each limit's value as written ("1..7") */
};

struct march {
	char *name;                /* from the `march NAME` line */
	int name_line;             /* that line's number */
	char *path;                /* the file read ("<ir>" and the like for march_parse) */
	char *text;                /* the file's bytes as read, NUL-terminated */
	size_t len;                /* their count, without the NUL */
	int version;
	/* hardware parameters (formats/march.md, "Hardware parameters") */
	int64_t mac_array;           /* int8 MACs per cycle */
	int64_t vector_lanes;        /* elements per cycle of the vector unit */
	int64_t sram_bytes;
	int64_t ddr_bytes_per_cycle;
	int64_t dma_latency_cycles;
	int64_t clock_mhz;
	unsigned dtypes;             /* MARCH_DT_INT8 | MARCH_DT_INT16 */
	struct march_op *ops[IR_OP_COUNT]; /* NULL: the op runs on the CPU */
};

/* Loads a march by name (no '/' and no ".march" suffix: NAME.march in
 * $BPU_MARCH_DIR, else in ../../formats/march from the running program's
 * directory) or by path. NULL with ir_errmsg: "FILE:LINE: message", or
 * `unknown march "X" (available: bpu-l, bpu-s)`. */
struct march *march_load(const char *path_or_name);
/* Parses march text held in memory (copied); `what` names it in messages
 * and becomes m->path. */
struct march *march_parse(const char *text, size_t len, const char *what);
void march_free(struct march *m);

/* The directory names are looked up in (static buffer). */
const char *march_dir(void);
/* "bpu-l, bpu-s": the names available there, sorted, into buf. */
char *march_available(char *buf, size_t n);

/* The op's line, or NULL when the op runs on the CPU. */
const struct march_op *march_op_find(const struct march *m, enum ir_op op);

/* 1 if node n of g is BPU-capable: its op is in the march and every limit
 * holds (formats/march.md, "Semantics"); else 0, with a short reason in
 * why ("op Softmax not in march bpu-s", "stride 3 > 2"). why may be NULL. */
int march_check_node(const struct march *m, const struct ir_graph *g,
		     const struct ir_node *n, char *why, size_t whylen);
/* 1 if the op is in the march and declared passive=yes. */
int march_op_passive(const struct march *m, enum ir_op op);
/* 1 if the march computes int16 and the op is declared int16=yes. */
int march_supports_int16(const struct march *m, enum ir_op op);

#endif
