/*
 * thresholds.h: thresholds files (formats/thresholds.md): the editable table
 * of quantization parameters calib-search writes and ir-quant reads.
 */
#ifndef THRESHOLDS_H
#define THRESHOLDS_H

#include <stdio.h>

#include "ir.h"

struct th_entry {
	char *name;
	int weight;           /* a `weight` line (else `act`) */
	int n;                /* scales: 1, or one per channel */
	float *scale;
	int32_t zero_point;
	enum ir_dtype dtype;  /* I8 or I16 */
	char *method;         /* informational, may be NULL */
	int has_threshold, has_range;
	double threshold, min, max;
	int n_bias;           /* weight lines: 0, or one bias correction per output channel */
	float *bias;          /* f32, added to the node's float bias before quantizing */
	int line;             /* where it was read, 0 if made in memory */
};

struct thresholds {
	char *path;           /* for messages */
	char *model;          /* fingerprint, may be NULL */
	char *method;         /* may be NULL */
	char *choice;         /* what a search strategy chose and why; may be NULL */
	int n, cap;
	struct th_entry *e;
};

struct thresholds *thresholds_load(const char *path);
struct thresholds *thresholds_parse(const char *text, size_t len, const char *what);
void thresholds_free(struct thresholds *t);
/* Adds an entry (copying name and scales); returns it. */
struct th_entry *thresholds_add(struct thresholds *t, const char *name, int weight, int n,
				const float *scale, int32_t zp);
const struct th_entry *thresholds_find(const struct thresholds *t, const char *name, int weight);
/* Writes the file, comment (may be NULL, may hold several lines) first as
 * comment lines; -1 on a write error. */
int thresholds_write(FILE *f, const struct thresholds *t, const char *comment);

#endif
