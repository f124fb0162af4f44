/*
 * test_conv.c: every Conv path (pointwise, depthwise 3x3/5x5 at stride 1
 * and 2, Winograd F(2x2,3x3), im2col, grouped, N-d direct) against a plain
 * reference loop in double, on random data with odd sizes and asymmetric
 * padding. Tolerance: relative to the magnitude of the products summed.
 */
#include "ir.h"
#include "ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static uint32_t seed = 12345;

static float frand(void)
{
	seed = seed * 1103515245u + 12345u;
	return (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static float *rand_data(int64_t n)
{
	float *p = malloc(sizeof(float) * (n ? n : 1));
	for (int64_t i = 0; i < n; i++)
		p[i] = frand();
	return p;
}

/* 2-D conv reference, double accumulation; also the sum of |products| */
static void ref_conv(const float *x, const float *w, const float *b, float *y, double *mag,
		     int n, int c, int h, int wd, int m, int kh, int kw, int sh, int sw,
		     int dh, int dw, int pt, int pl, int group, int oh, int ow)
{
	int cg = c / group, mg = m / group;
	for (int bi = 0; bi < n; bi++)
		for (int o = 0; o < m; o++)
			for (int oy = 0; oy < oh; oy++)
				for (int ox = 0; ox < ow; ox++) {
					double acc = b ? b[o] : 0, ab = b ? fabs(b[o]) : 0;
					int gi = o / mg;
					for (int ci = 0; ci < cg; ci++)
						for (int ky = 0; ky < kh; ky++)
							for (int kx = 0; kx < kw; kx++) {
								int iy = oy * sh + ky * dh - pt;
								int ix = ox * sw + kx * dw - pl;
								if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
									continue;
								double v = (double)x[((bi * c + gi * cg + ci) * h + iy) * wd + ix] *
									   w[((o * cg + ci) * kh + ky) * kw + kx];
								acc += v;
								ab += fabs(v);
							}
					size_t idx = ((size_t)(bi * m + o) * oh + oy) * ow + ox;
					y[idx] = (float)acc;
					mag[idx] = ab;
				}
}

static void check(const char *name, int n, int c, int h, int wd, int m, int kh, int kw, int sh,
		  int sw, int dh, int dw, int pt, int pl, int pb, int pr, int group, int bias)
{
	struct ir_graph *g = ir_graph_new("t");
	int64_t xd[4] = {n, c, h, wd}, wdims[4] = {m, c / group, kh, kw}, bd[1] = {m};
	float *xv = rand_data(n * c * h * wd), *wv = rand_data((int64_t)m * (c / group) * kh * kw);
	float *bv = bias ? rand_data(m) : NULL;
	float *xcopy = malloc(sizeof(float) * n * c * h * wd);
	memcpy(xcopy, xv, sizeof(float) * n * c * h * wd);
	float *wcopy = malloc(sizeof(float) * m * (c / group) * kh * kw);
	memcpy(wcopy, wv, sizeof(float) * m * (c / group) * kh * kw);
	float *bcopy = NULL;
	if (bias) {
		bcopy = malloc(sizeof(float) * m);
		memcpy(bcopy, bv, sizeof(float) * m);
	}
	int xt = ir_const_add(g, "x", IR_DTYPE_F32, 4, xd, xv);
	int wt = ir_const_add(g, "w", IR_DTYPE_F32, 4, wdims, wv);
	int bt = bias ? ir_const_add(g, "b", IR_DTYPE_F32, 1, bd, bv) : -1;
	int yt = ir_tensor_add(g, "y", IR_DTYPE_UNDEFINED, -1, NULL);
	struct ir_node *nd = ir_node_add(g, "conv", IR_OP_CONV);
	ir_node_add_input(nd, xt);
	ir_node_add_input(nd, wt);
	if (bias)
		ir_node_add_input(nd, bt);
	ir_node_add_output(nd, yt);
	int64_t k[2] = {kh, kw}, s[2] = {sh, sw}, d[2] = {dh, dw}, p[4] = {pt, pl, pb, pr};
	ir_attr_set_ints(nd, "kernel_shape", 2, k);
	ir_attr_set_ints(nd, "strides", 2, s);
	ir_attr_set_ints(nd, "dilations", 2, d);
	ir_attr_set_ints(nd, "pads", 4, p);
	ir_attr_set_int(nd, "group", group);
	if (ir_node_infer(g, nd) < 0) {
		printf("test_conv: FAIL %s: infer: %s\n", name, ir_errmsg);
		failed++;
		ir_graph_free(g);
		return;
	}
	const struct ir_tensor *y = g->tensors[yt];
	int oh = (int)y->dims[2], ow = (int)y->dims[3];
	void *outs[1];
	if (ir_node_eval(g, nd, outs) < 0) {
		printf("test_conv: FAIL %s: eval: %s\n", name, ir_errmsg);
		failed++;
		ir_graph_free(g);
		return;
	}
	size_t ny = (size_t)n * m * oh * ow;
	float *ref = malloc(sizeof(float) * ny);
	double *mag = malloc(sizeof(double) * ny);
	ref_conv(xcopy, wcopy, bcopy, ref, mag, n, c, h, wd, m, kh, kw, sh, sw, dh, dw, pt, pl, group,
		 oh, ow);
	const float *got = outs[0];
	size_t bad = 0, worst = 0;
	double worst_err = 0;
	for (size_t i = 0; i < ny; i++) {
		/* a few float roundings per product, relative to what was summed */
		double err = fabs((double)got[i] - ref[i]), tol = 1e-5 * mag[i] + 1e-6;
		if (err > tol)
			bad++;
		if (err > worst_err) {
			worst_err = err;
			worst = i;
		}
	}
	if (bad) {
		printf("test_conv: FAIL %s: %zu of %zu outputs off; worst at %zu: %g vs %g\n", name,
		       bad, ny, worst, got[worst], ref[worst]);
		failed++;
	} else {
		passed++;
	}
	free(outs[0]);
	free(ref);
	free(mag);
	free(xcopy);
	free(wcopy);
	free(bcopy);
	ir_graph_free(g);
}

int main(void)
{
	/* name, n, c, h, w, m, kh, kw, sh, sw, dh, dw, pads t l b r, group, bias */
	check("pointwise", 2, 16, 7, 9, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1);
	check("pointwise 1x1 maps", 40, 120, 1, 1, 300, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1);
	check("pointwise grouped", 1, 16, 5, 5, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 4, 0);
	check("dw3x3 s1 pad1", 2, 6, 9, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1);
	check("dw3x3 s2 pad1", 1, 5, 10, 11, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 1);
	check("dw3x3 s2 asym", 1, 4, 9, 8, 4, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 4, 0);
	check("dw5x5 s1 pad2", 1, 7, 12, 10, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 7, 1);
	check("dw5x5 s2 pad2", 1, 3, 13, 15, 3, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 3, 1);
	check("dw5x5 s1 nopad", 1, 3, 7, 9, 3, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 3, 0);
	check("dw3x3 dilated", 1, 4, 11, 11, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 4, 1);
	check("dw7x7", 1, 4, 11, 12, 4, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 4, 1);
	check("dw multiplier 2", 1, 4, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1);
	check("winograd even", 1, 16, 16, 16, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
	check("winograd odd", 2, 9, 15, 13, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
	check("winograd nopad", 1, 8, 10, 7, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0);
	check("winograd asym pad", 1, 12, 9, 11, 16, 3, 3, 1, 1, 1, 1, 0, 2, 1, 0, 1, 1);
	check("winograd wide", 1, 8, 5, 300, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
	check("im2col 3x3 s2", 1, 3, 17, 15, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1);
	check("im2col 3x3 few ch", 1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
	check("im2col 1x3", 1, 8, 6, 20, 8, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1);
	check("im2col grouped", 1, 8, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1);
	check("im2col dilated", 1, 8, 12, 12, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0);
	check("im2col s2 pad0", 2, 8, 10, 10, 8, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1);
	printf("test_conv: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
