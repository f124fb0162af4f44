/*
 * k_winograd.h: Winograd F(2x2, 3x3) for 3x3 stride-1 undilated Conv with
 * one group (k_winograd.c); k_conv.c chooses it.
 */
#ifndef K_WINOGRAD_H
#define K_WINOGRAD_H

#include <stdint.h>

/* The transformed filter, U[16][m][c], from W[m][c][3][3] (caller frees). */
float *k_winograd_filter(const float *w, int64_t m, int64_t c);
/* in [nb][c][ih][iw] -> out [nb][m][oh][ow], padding pt (top), pl (left);
 * bands of tile rows are the work units for `threads` threads. */
void k_winograd_conv(const float *in, int64_t nb, int64_t c, int64_t ih, int64_t iw,
		     const float *u, const float *bias, float *out, int64_t m, int64_t oh,
		     int64_t ow, int64_t pt, int64_t pl, int threads);

#endif
