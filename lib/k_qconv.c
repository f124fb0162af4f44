/*
 * k_qconv.c: the fast QConv and QConvTranspose (formats/ir.md "Integer
 * ops"). They give exactly the bits of the reference kernels in k_quant.c
 * (k_qconv_ref, k_qconv_transpose_ref), which follow formats/numerics.md;
 * tests/unit/test_qkernels.c compares them bit for bit, and BPU_QREF=1 in
 * the environment makes ir-run use the references instead (k_quant.c).
 *
 * Why the bits agree. The reference sums b_q + sum (x_q - z_x) w_q in int64
 * and keeps the low 32 bits, then requantizes. Here the products are summed
 * in int32, in another order and in another form (x_q w_q, or (x_q + 128)
 * w_q), and the constant part b_q - z sum w_q (z = z_x, or z_x + 128) is
 * added modulo 2^32: the same exact integer modulo 2^32, so the same low 32
 * bits. The int32 sums cannot overflow: at most 65 000 taps (numerics.md
 * allows 66 000; the rest go to the reference) of at most 255 * 128. Padding
 * taps read x_q = z_x, which the constant part cancels (the depthwise path
 * sums x_q - z_x with zeros as padding instead). The epilogue is q_requant,
 * + z_out and the clamp, written so that gcc vectorizes it.
 *
 * QConv paths, chosen per node:
 *   - depthwise (one input and one output channel per group): bands of
 *     output rows over an int32 copy of the band's input rows (x_q - z_x,
 *     zero padding), fixed-tap kernels for 3x3 and 5x5 at column stride 1
 *     and 2 (the stride 2 rows split into even and odd columns, so every
 *     load is contiguous) vectorized across output columns in whole blocks
 *     of 16 and 8, a tap-at-a-time loop for any other shape;
 *   - GEMM, Y[M][HW] = W[M][K] col[K][HW] per image and group, col being X
 *     itself for a pointwise conv (1x1, stride 1, no padding) and an im2col
 *     band (padded with z_x) otherwise, by one of two int8 micro-kernels:
 *       "rows" (K < 128): vectorized across 32 output columns, 4 output
 *       channels' int32 sums per column in registers while 16 taps are
 *       unrolled; the inputs widened to int16 once per panel of 32 columns,
 *       the weights broadcast once per block of 4 channels; the products of
 *       two taps are added in int16 (|x_q w_q| <= 128 * 127, a pair stays
 *       below 2^15) before widening. It reads col in its NCHW layout, so a
 *       pointwise conv copies nothing.
 *       "dot" (K >= 128): inner products over k of u8 rows (x_q + 128) and
 *       s8 weight rows, 4 x 4 outputs at once, k padded to 64; gcc turns the
 *       u8 x s8 sums into vpdpbusd (AVX512-VNNI). It needs k contiguous: a
 *       pointwise input is transposed in 16 x 64 byte blocks, any other is
 *       copied once into a padded NHWC plane and im2row'd from it in bands.
 *     A 1x1 conv over 1x1 maps (MatMul/Gemm) takes the images as the
 *     columns of one dot product instead.
 * QConvTranspose: per (image, output channel), each input row's products
 * with every tap by the rows kernel (the input widened once for all
 * channels), added where the tap lands on an int32 plane, then the
 * epilogue.
 *
 * An int16 input (z_x = 0; the accumulator int64 in numerics.md) has its
 * own paths, "int16 inputs: the fast paths" below, which explain why their
 * int32 sums are the reference's int64 ones: the same depthwise path,
 * "rows16" and "dot16" micro-kernels for the GEMM shapes, and the
 * QConvTranspose above with rows16's kernel. A layer they do not take (a
 * transposed conv whose sums could pass 2^31, a depthwise kernel of 512
 * taps or more, out-of-range shifts) runs the int16 passes at the end,
 * which carry into int64 every 511 taps.
 *
 * Work units (parallel.h) are an (image, channel) plane, an (image, group,
 * band of output rows or columns), a block of output channels or an input
 * row; none depends on the thread count. Everything else (int16 weights,
 * rank other than 4, zero points outside int8, too many taps, out-of-range
 * shifts or clamps) runs the reference.
 */
#include "k_quant.h"
#include "ops.h"
#include "parallel.h"
#include "qmath.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define IVDEP _Pragma("GCC ivdep")


/* numerics.md allows 66 000 taps per output (255 * 127 each); 65 000 keeps
 * the int32 sums exact with 128 * 255 too (a weight of -128, which only the
 * dot kernel takes) */
#define MAX_TAPS 65000

/* Memory the calling thread shares with the work units for one node (packed
 * weights, per-channel constants, the NHWC plane). ir_scratch is the units'
 * own: the calling thread runs units too, and its ir_scratch may move. */
static __thread unsigned char *shared_p;
static __thread size_t shared_cap;

static void *shared_buf(size_t bytes)
{
	if (bytes > shared_cap) {
		free(shared_p);
		shared_cap = bytes + bytes / 4;
		void *p;
		if (posix_memalign(&p, 64, shared_cap) != 0)
			die("out of memory allocating %zu bytes", shared_cap);
		shared_p = p;
	}
	return shared_p;
}

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static int64_t round_up(int64_t n, int64_t m)
{
	return (n + m - 1) / m * m;
}

static int32_t get_int(enum ir_dtype dt, const void *d, int64_t i)
{
	switch (dt) {
	case IR_DTYPE_I8: return ((const int8_t *)d)[i];
	case IR_DTYPE_I16: return ((const int16_t *)d)[i];
	default: return ((const int32_t *)d)[i];
	}
}

/* ---- the epilogue ------------------------------------------------------------ */

/* What the epilogue needs: per output channel the constant part and the
 * multiplier, and the output's zero point, clamp and type. */
struct epi {
	const uint32_t *corr;     /* b_q - z * sum w_q, modulo 2^32 */
	const int32_t *mult;
	const int32_t *shift;
	int32_t zy, lo, hi;
	int int32_out;
	enum ir_dtype ydt;
	void *y;
	/* int16 inputs (emit16) */
	const int64_t *b64;            /* b_q */
	const unsigned char *narrow;   /* b_q + every sum of the channel fits int32 */
};

/* y[yoff + i] for i < n from the int32 sums acc[i] of output channel o,
 * plus add (modulo 2^32): the reference's q_sat(q_requant(a32, q) + zy, lo,
 * hi), stored as the reference's put() does. */
static void emit(const struct epi *e, int64_t o, uint32_t add, const int32_t *restrict acc,
		 int64_t n, int64_t yoff)
{
	uint32_t corr = e->corr[o] + add;
	if (e->int32_out) {
		int32_t *restrict y = (int32_t *)e->y + yoff;
		IVDEP for (int64_t i = 0; i < n; i++)
			y[i] = (int32_t)((uint32_t)acc[i] + corr);
		return;
	}
	int32_t m = e->mult[o];
	int64_t zy = e->zy, lo = e->lo, hi = e->hi;
	int r = e->shift[o];
	int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
	switch (e->ydt) {
	case IR_DTYPE_I8: {
		int8_t *restrict y = (int8_t *)e->y + yoff;
		if (r >= 31 && m >= 0 && lo - zy >= INT32_MIN && hi - zy <= INT32_MAX) {
			/* |a m + rnd| < 2^62 (m < 2^31), so the shifted value fits
			 * int32: clamp it to [lo - zy, hi - zy] there, 16 lanes at a
			 * time (the same as clamping v + zy to [lo, hi]) */
			int32_t lo2 = (int32_t)(lo - zy), hi2 = (int32_t)(hi - zy), zy2 = (int32_t)zy;
			IVDEP for (int64_t i = 0; i < n; i++) {
				int32_t a = (int32_t)((uint32_t)acc[i] + corr);
				int32_t v = (int32_t)(((int64_t)a * m + rnd) >> r);
				v = v > lo2 ? v : lo2;
				v = v < hi2 ? v : hi2;
				y[i] = (int8_t)(v + zy2);
			}
			break;
		}
		IVDEP for (int64_t i = 0; i < n; i++) {
			int32_t a = (int32_t)((uint32_t)acc[i] + corr);
			int64_t v = (((int64_t)a * m + rnd) >> r) + zy;
			v = v > lo ? v : lo;
			v = v < hi ? v : hi;
			y[i] = (int8_t)v;
		}
		break;
	}
	case IR_DTYPE_I16: {
		int16_t *restrict y = (int16_t *)e->y + yoff;
		IVDEP for (int64_t i = 0; i < n; i++) {
			int32_t a = (int32_t)((uint32_t)acc[i] + corr);
			int64_t v = (((int64_t)a * m + rnd) >> r) + zy;
			v = v > lo ? v : lo;
			v = v < hi ? v : hi;
			y[i] = (int16_t)v;
		}
		break;
	}
	default: {
		int32_t *restrict y = (int32_t *)e->y + yoff;
		IVDEP for (int64_t i = 0; i < n; i++) {
			int32_t a = (int32_t)((uint32_t)acc[i] + corr);
			int64_t v = (((int64_t)a * m + rnd) >> r) + zy;
			v = v > lo ? v : lo;
			v = v < hi ? v : hi;
			y[i] = (int32_t)v;
		}
		break;
	}
	}
}

/* One output: emit's arithmetic for a single sum. */
static void emit1(const struct epi *e, int64_t o, int32_t acc, int64_t yi)
{
	int32_t a = (int32_t)((uint32_t)acc + e->corr[o]);
	if (e->int32_out) {
		((int32_t *)e->y)[yi] = a;
		return;
	}
	int r = e->shift[o];
	int64_t rnd = r ? (int64_t)1 << (r - 1) : 0;
	int64_t v = (((int64_t)a * e->mult[o] + rnd) >> r) + e->zy;
	v = v > e->lo ? v : e->lo;
	v = v < e->hi ? v : e->hi;
	switch (e->ydt) {
	case IR_DTYPE_I8: ((int8_t *)e->y)[yi] = (int8_t)v; break;
	case IR_DTYPE_I16: ((int16_t *)e->y)[yi] = (int16_t)v; break;
	default: ((int32_t *)e->y)[yi] = (int32_t)v; break;
	}
}

/* The epilogue of an int16 input's exact sums (see "int16 inputs" below):
 * acc = b_q + s32[i] + s64[i] (either may be NULL). When the channel is
 * narrow and nothing was carried, acc fits int32 and emit gives the
 * reference's bits (corr = b_q); otherwise acc is formed in int64 and put
 * through the reference's own q_requant_out, or saturated to int32. */
static void emit16(const struct epi *e, int64_t o, const int32_t *s32, const int64_t *s64,
		   int64_t n, int64_t yoff)
{
	if (s32 && !s64 && e->narrow[o]) {
		emit(e, o, 0, s32, n, yoff);
		return;
	}
	int64_t b = e->b64[o];
	struct qmul q = {e->mult[o], e->shift[o]};
	for (int64_t i = 0; i < n; i++) {
		int64_t acc = b + (s32 ? s32[i] : 0) + (s64 ? s64[i] : 0);
		int32_t v = e->int32_out ? q_sat(acc, INT32_MIN, INT32_MAX)
					 : q_requant_out(acc, q, e->zy, e->lo, e->hi);
		switch (e->ydt) {
		case IR_DTYPE_I8: ((int8_t *)e->y)[yoff + i] = (int8_t)v; break;
		case IR_DTYPE_I16: ((int16_t *)e->y)[yoff + i] = (int16_t)v; break;
		default: ((int32_t *)e->y)[yoff + i] = v; break;
		}
	}
}

/* ---- the rows micro-kernel ---------------------------------------------------- */

#define RK 16  /* taps per step (unrolled) */
#define RN 32  /* output columns per panel */
#define RM 4   /* output channels per block */
#define RCW 256 /* output columns per epilogue chunk (a multiple of RN) */

/* acc[i][j] = sum over k < kp of w[i * kp + k] * xp[k * RN + j], i < RM, j < RN:
 * xp a panel of int16 inputs in -128..127 (k-major), w int16 weights in
 * -127..127, kp a multiple of RK / 2. Two products are added in int16
 * (|sum| <= 2 * 128 * 127 < 2^15) before widening; int16 operands let gcc
 * use full 512-bit vectors across the 32 columns. */
#define ROWS_STEP(CK)                                                                        \
	{                                                                                     \
		const int16_t *restrict x = xp + kc * RN;                                     \
		const int16_t *restrict w0 = w + kc, *restrict w1 = w0 + kp;                  \
		const int16_t *restrict w2 = w1 + kp, *restrict w3 = w2 + kp;                 \
		IVDEP for (int j = 0; j < RN; j++)                                            \
		{                                                                             \
			int32_t s0 = acc[j], s1 = acc[RN + j], s2 = acc[2 * RN + j];          \
			int32_t s3 = acc[3 * RN + j];                                         \
			_Pragma("GCC unroll 16")                                              \
			for (int k = 0; k < CK; k += 2) {                                     \
				int16_t x0 = x[k * RN + j], x1 = x[(k + 1) * RN + j];         \
				s0 += (int16_t)(w0[k] * x0 + w0[k + 1] * x1);                 \
				s1 += (int16_t)(w1[k] * x0 + w1[k + 1] * x1);                 \
				s2 += (int16_t)(w2[k] * x0 + w2[k + 1] * x1);                 \
				s3 += (int16_t)(w3[k] * x0 + w3[k + 1] * x1);                 \
			}                                                                     \
			acc[j] = s0;                                                          \
			acc[RN + j] = s1;                                                     \
			acc[2 * RN + j] = s2;                                                 \
			acc[3 * RN + j] = s3;                                                 \
		}                                                                             \
	}

static void rows_block(const int16_t *restrict xp, const int16_t *restrict w, int64_t kp,
		       int32_t *restrict acc)
{
	for (int j = 0; j < RM * RN; j++)
		acc[j] = 0;
	int64_t kc = 0;
	for (; kc + RK <= kp; kc += RK)
		ROWS_STEP(RK)
	if (kc < kp)
		ROWS_STEP(RK / 2)
}

/* rows_block with the weights already broadcast: wb[k][i][j] = w[i][k] for
 * j < RN. Loads instead of broadcasts keep the shuffle units free for the
 * widening; the caller broadcasts a block's weights once for many panels. */
#define ROWSB_STEP(CK)                                                                       \
	{                                                                                     \
		const int16_t *restrict x = xp + kc * RN;                                     \
		const int16_t *restrict v = wb + kc * RM * RN;                                \
		IVDEP for (int j = 0; j < RN; j++)                                            \
		{                                                                             \
			int32_t s0 = acc[j], s1 = acc[RN + j], s2 = acc[2 * RN + j];          \
			int32_t s3 = acc[3 * RN + j];                                         \
			_Pragma("GCC unroll 16")                                              \
			for (int k = 0; k < CK; k += 2) {                                     \
				int16_t x0 = x[k * RN + j], x1 = x[(k + 1) * RN + j];         \
				const int16_t *restrict v0 = v + k * RM * RN;                 \
				const int16_t *restrict v1 = v0 + RM * RN;                    \
				s0 += (int16_t)(v0[j] * x0 + v1[j] * x1);                     \
				s1 += (int16_t)(v0[RN + j] * x0 + v1[RN + j] * x1);           \
				s2 += (int16_t)(v0[2 * RN + j] * x0 + v1[2 * RN + j] * x1);   \
				s3 += (int16_t)(v0[3 * RN + j] * x0 + v1[3 * RN + j] * x1);   \
			}                                                                     \
			acc[j] = s0;                                                          \
			acc[RN + j] = s1;                                                     \
			acc[2 * RN + j] = s2;                                                 \
			acc[3 * RN + j] = s3;                                                 \
		}                                                                             \
	}

static void rows_block_b(const int16_t *restrict xp, const int16_t *restrict wb, int64_t kp,
			 int32_t *restrict acc)
{
	for (int j = 0; j < RM * RN; j++)
		acc[j] = 0;
	int64_t kc = 0;
	for (; kc + RK <= kp; kc += RK)
		ROWSB_STEP(RK)
	if (kc < kp)
		ROWSB_STEP(RK / 2)
}

/* wb[k][i][j] = w[i * kp + k] for the RM rows of a block */
static void rows_bcast(const int16_t *restrict w, int64_t kp, int16_t *restrict wb)
{
	for (int64_t k = 0; k < kp; k++)
		for (int i = 0; i < RM; i++) {
			int16_t v = w[i * kp + k];
			int16_t *restrict d = wb + (k * RM + i) * RN;
			IVDEP for (int j = 0; j < RN; j++)
				d[j] = v;
		}
}

/* The panel of columns [col, col + n) of rows[0..kk) widened to int16, zero
 * beyond n columns and kk rows. */
static void rows_pack(const int8_t *const *rows, int64_t kk, int64_t kp, int64_t col, int64_t n,
		      int16_t *restrict xp)
{
	for (int64_t k = 0; k < kk; k++) {
		const int8_t *restrict src = rows[k] + col;
		int16_t *restrict d = xp + k * RN;
		if (n == RN) {
			IVDEP for (int j = 0; j < RN; j++)
				d[j] = src[j];
		} else {
			for (int64_t j = 0; j < RN; j++)
				d[j] = j < n ? src[j] : 0;
		}
	}
	memset(xp + kk * RN, 0, sizeof(int16_t) * (size_t)((kp - kk) * RN));
}

/* ---- the dot micro-kernel ------------------------------------------------------ */

#define DM 4  /* output channels per block */
#define DN 4  /* output columns per block */
#define DK 64 /* k is padded to a multiple of this */

/* out[i * DN + j] = sum over k < kp of w[i * kp + k] * b[j * kp + k]: u8 x s8
 * inner products (vpdpbusd), kp a multiple of DK. */
static void dot_block(const int8_t *restrict w, const uint8_t *restrict b, int64_t kp,
		      int32_t *restrict out)
{
	const int8_t *w0 = w, *w1 = w + kp, *w2 = w + 2 * kp, *w3 = w + 3 * kp;
	const uint8_t *b0 = b, *b1 = b + kp, *b2 = b + 2 * kp, *b3 = b + 3 * kp;
	int32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
	int32_t s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
	int64_t nk = kp / DK;
	for (int64_t k = 0; k < nk * DK; k++) {
		int32_t a0 = w0[k], a1 = w1[k], a2 = w2[k], a3 = w3[k];
		int32_t c0 = b0[k], c1 = b1[k], c2 = b2[k], c3 = b3[k];
		s00 += a0 * c0; s01 += a0 * c1; s02 += a0 * c2; s03 += a0 * c3;
		s10 += a1 * c0; s11 += a1 * c1; s12 += a1 * c2; s13 += a1 * c3;
		s20 += a2 * c0; s21 += a2 * c1; s22 += a2 * c2; s23 += a2 * c3;
		s30 += a3 * c0; s31 += a3 * c1; s32 += a3 * c2; s33 += a3 * c3;
	}
	out[0] = s00; out[1] = s01; out[2] = s02; out[3] = s03;
	out[4] = s10; out[5] = s11; out[6] = s12; out[7] = s13;
	out[8] = s20; out[9] = s21; out[10] = s22; out[11] = s23;
	out[12] = s30; out[13] = s31; out[14] = s32; out[15] = s33;
}

/* 16 rows of 64 bytes, transposed: d[p][c] = s[c * stride + p] + 128 (as u8)
 * for p < 64, c < 16. Written as 16 stores of one 64-byte row per p, which
 * gcc turns into byte interleaves (vpermt2b/vpunpck), about 6x faster than
 * a loop with a strided load. */
static void tr16x64(const int8_t *restrict s, int64_t stride, uint8_t *restrict d)
{
	const int8_t *restrict r[16];
	for (int c = 0; c < 16; c++)
		r[c] = s + c * stride;
	const int8_t *restrict r0 = r[0], *restrict r1 = r[1], *restrict r2 = r[2];
	const int8_t *restrict r3 = r[3], *restrict r4 = r[4], *restrict r5 = r[5];
	const int8_t *restrict r6 = r[6], *restrict r7 = r[7], *restrict r8 = r[8];
	const int8_t *restrict r9 = r[9], *restrict r10 = r[10], *restrict r11 = r[11];
	const int8_t *restrict r12 = r[12], *restrict r13 = r[13], *restrict r14 = r[14];
	const int8_t *restrict r15 = r[15];
	IVDEP for (int p = 0; p < 64; p++) {
		uint8_t *q = d + p * 16;
		q[0] = (uint8_t)(r0[p] ^ 0x80), q[1] = (uint8_t)(r1[p] ^ 0x80);
		q[2] = (uint8_t)(r2[p] ^ 0x80), q[3] = (uint8_t)(r3[p] ^ 0x80);
		q[4] = (uint8_t)(r4[p] ^ 0x80), q[5] = (uint8_t)(r5[p] ^ 0x80);
		q[6] = (uint8_t)(r6[p] ^ 0x80), q[7] = (uint8_t)(r7[p] ^ 0x80);
		q[8] = (uint8_t)(r8[p] ^ 0x80), q[9] = (uint8_t)(r9[p] ^ 0x80);
		q[10] = (uint8_t)(r10[p] ^ 0x80), q[11] = (uint8_t)(r11[p] ^ 0x80);
		q[12] = (uint8_t)(r12[p] ^ 0x80), q[13] = (uint8_t)(r13[p] ^ 0x80);
		q[14] = (uint8_t)(r14[p] ^ 0x80), q[15] = (uint8_t)(r15[p] ^ 0x80);
	}
}

/* dst[p][c] = src[c * stride + p] + 128 (as u8) for p < np, c < nc: a byte
 * transpose in blocks of 16 channels by 64 pixels; dst rows ld bytes apart. */
static void transpose_u8(const int8_t *restrict src, int64_t stride, int64_t nc, int64_t np,
			 uint8_t *restrict dst, int64_t ld)
{
	uint8_t tmp[64 * 16] __attribute__((aligned(64)));
	int8_t tail[16 * 64] __attribute__((aligned(64)));
	int64_t c0 = 0;
	for (; c0 + 16 <= nc; c0 += 16) {
		const int8_t *s = src + c0 * stride;
		for (int64_t p0 = 0; p0 < np; p0 += 64) {
			int64_t n = np - p0 < 64 ? np - p0 : 64;
			if (n == 64) {
				tr16x64(s + p0, stride, tmp);
			} else { /* the last pixels, through a copy (no reads past the rows) */
				for (int c = 0; c < 16; c++)
					memcpy(tail + c * 64, s + c * stride + p0, (size_t)n);
				tr16x64(tail, 64, tmp);
			}
			for (int64_t p = 0; p < n; p++)
				memcpy(dst + (p0 + p) * ld + c0, tmp + p * 16, 16);
		}
	}
	for (int64_t p = 0; p < np; p++)
		for (int64_t c = c0; c < nc; c++)
			dst[p * ld + c] = (uint8_t)(src[c * stride + p] ^ 0x80);
}

/* ---- QConv ------------------------------------------------------------------------- */

enum qc_path { QC_DW, QC_ROWS, QC_DOT, QC_ROWWISE };

struct qc {
	const struct ir_kctx *k;
	enum qc_path path;
	int64_t nb, ci, ih, iw, m, oh, ow, g, cg, mg;
	int64_t kh, kw, sh, sw, dh, dw, pt, pl;
	int64_t kk;             /* taps per output: cg * kh * kw */
	int64_t kp;             /* kk padded (RK or DK) */
	int64_t mp;             /* mg padded to RM / DM */
	int pointwise;
	int32_t zx;
	const int8_t *x, *w;
	int8_t *wp;             /* [g][mp][kp] packed weights (dot) */
	int16_t *wp16;          /* the same, int16 (rows) */
	struct epi e;
	/* bands */
	int64_t rows, nband;    /* output rows per band (im2col), bands per plane */
	int64_t cols;           /* pointwise: output columns per band */
	/* dot with im2col: the padded NHWC plane of one (image, group) */
	uint8_t *xt;
	int64_t xth, xtw;       /* its rows and columns */
	int64_t xt_bi, xt_gi;
	int64_t ubase;          /* the first unit of that image and group */
	/* depthwise */
	int64_t dph, dpwid;     /* padded plane rows, columns */
	int dwfast;
	/* an int16 input (the int16 paths below; NULL for int8) */
	const int16_t *x16;
	int32_t *wp32;          /* rows16: [g][mp][kp] int32 weights */
	int16_t *xt16;          /* dot16 with im2row: the padded NHWC plane */
	int carry;              /* dot16: int32 sums of D16CHUNK taps carried into int64 */
};

/* int8 im2col of output rows [oy0, oy1) of cg channels: col[(c*kh + ky)*kw +
 * kx][(oy - oy0) * ow + ox], padding z_x. */
static void im2col_i8(const struct qc *c, const int8_t *in, int64_t oy0, int64_t oy1,
		      int8_t *restrict col, int64_t ld)
{
	const int8_t z = (int8_t)c->zx;
	const int64_t ih = c->ih, iw = c->iw, ow = c->ow, kh = c->kh, kw = c->kw;
	const int64_t sh = c->sh, sw = c->sw, dh = c->dh, dw = c->dw, pt = c->pt, pl = c->pl;
	for (int64_t ci = 0; ci < c->cg; ci++) {
		const int8_t *plane = in + ci * ih * iw;
		for (int64_t ky = 0; ky < kh; ky++)
			for (int64_t kx = 0; kx < kw; kx++) {
				int8_t *dst = col + ((ci * kh + ky) * kw + kx) * ld;
				int64_t off = kx * dw - pl;
				int64_t lo = off < 0 ? (-off + sw - 1) / sw : 0;
				int64_t hi = iw - off <= 0 ? 0 : (iw - off + sw - 1) / sw;
				if (hi > ow)
					hi = ow;
				if (lo > hi)
					lo = hi;
				for (int64_t oy = oy0; oy < oy1; oy++) {
					int8_t *restrict d = dst + (oy - oy0) * ow;
					int64_t iy = oy * sh + ky * dh - pt;
					if (iy < 0 || iy >= ih) {
						memset(d, z, (size_t)ow);
						continue;
					}
					const int8_t *restrict s = plane + iy * iw + off;
					memset(d, z, (size_t)lo);
					if (sw == 1)
						memcpy(d + lo, s + lo, (size_t)(hi - lo));
					else if (sw == 2)
						IVDEP for (int64_t ox = lo; ox < hi; ox++)
							d[ox] = s[2 * ox];
					else
						for (int64_t ox = lo; ox < hi; ox++)
							d[ox] = s[ox * sw];
					memset(d + hi, z, (size_t)(ow - hi));
				}
			}
	}
}

/* The rows kernel over ncols output columns of one group: rows[k] (k < kk)
 * are the inputs of column 0. In chunks of RCW columns: the chunk's panels
 * widened once; per block of RM channels, the weights broadcast once and
 * every panel into an int32 tile; then the epilogue per channel over the
 * chunk. Channel mo of the group goes to yoff + mo * ystride. scratch:
 * rows_scratch(mp, kp) bytes. */
static size_t rows_scratch(int64_t mp, int64_t kp)
{
	return align64(sizeof(int16_t) * (size_t)(kp * RCW)) +
	       align64(sizeof(int16_t) * (size_t)(kp * RM * RN)) +
	       sizeof(int32_t) * (size_t)(mp * RCW);
}

static void rows_run(const struct qc *c, const int8_t *const *rows, int64_t ncols,
		     const int16_t *wg, int64_t o0, int64_t yoff, int64_t ystride, void *scratch)
{
	int64_t kp = c->kp;
	unsigned char *s = scratch;
	int16_t *xp = scratch;
	int16_t *wb = (int16_t *)(s + align64(sizeof(int16_t) * (size_t)(kp * RCW)));
	int32_t *tile = (int32_t *)((unsigned char *)wb +
				    align64(sizeof(int16_t) * (size_t)(kp * RM * RN)));
	int32_t acc[RM * RN];
	for (int64_t c0 = 0; c0 < ncols; c0 += RCW) {
		int64_t cw = ncols - c0 < RCW ? ncols - c0 : RCW;
		for (int64_t p = 0; p < cw; p += RN)
			rows_pack(rows, c->kk, kp, c0 + p, cw - p < RN ? cw - p : RN, xp + p * kp);
		for (int64_t mb = 0; mb < c->mg; mb += RM) {
			rows_bcast(wg + mb * kp, kp, wb);
			for (int64_t p = 0; p < cw; p += RN) {
				rows_block_b(xp + p * kp, wb, kp, acc);
				for (int64_t i = 0; i < RM; i++)
					memcpy(tile + (mb + i) * RCW + p, acc + i * RN, sizeof(int32_t) * RN);
			}
		}
		for (int64_t mo = 0; mo < c->mg; mo++)
			emit(&c->e, o0 + mo, 0, tile + mo * RCW, cw, yoff + mo * ystride + c0);
	}
}

/* The band of unit u: first output column p0 (of the plane) and count;
 * oy0/oy1 for an im2col band. */
static void band_of(const struct qc *c, int64_t band, int64_t *p0, int64_t *ncols, int64_t *oy0,
		    int64_t *oy1)
{
	int64_t hw = c->oh * c->ow;
	if (c->pointwise) {
		*p0 = band * c->cols;
		*ncols = hw - *p0 < c->cols ? hw - *p0 : c->cols;
		*oy0 = *oy1 = 0;
	} else {
		*oy0 = band * c->rows;
		*oy1 = *oy0 + c->rows < c->oh ? *oy0 + c->rows : c->oh;
		*p0 = *oy0 * c->ow;
		*ncols = (*oy1 - *oy0) * c->ow;
	}
}

static void rows_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	int64_t band = u % c->nband, gi = u / c->nband % c->g, bi = u / c->nband / c->g;
	int64_t hw = c->oh * c->ow, p0, ncols, oy0, oy1;
	band_of(c, band, &p0, &ncols, &oy0, &oy1);
	const int8_t *xin = c->x + (bi * c->ci + gi * c->cg) * c->ih * c->iw;
	size_t sz_rows = align64(sizeof(int8_t *) * (size_t)c->kk);
	size_t sz_run = align64(rows_scratch(c->mp, c->kp));
	unsigned char *s = ir_scratch(sz_rows + sz_run + (c->pointwise ? 0 : (size_t)(c->kk * ncols)));
	const int8_t **rows = (const int8_t **)s;
	if (c->pointwise) {
		for (int64_t k = 0; k < c->kk; k++)
			rows[k] = xin + k * hw + p0;
	} else {
		int8_t *col = (int8_t *)(s + sz_rows + sz_run);
		im2col_i8(c, xin, oy0, oy1, col, ncols);
		for (int64_t k = 0; k < c->kk; k++)
			rows[k] = col + k * ncols;
	}
	rows_run(c, rows, ncols, c->wp16 + gi * c->mp * c->kp, gi * c->mg,
		 (bi * c->m + gi * c->mg) * hw + p0, hw, s + sz_rows);
}

/* One row of the padded NHWC plane of (xt_bi, xt_gi): xt[y][x][c] = x_q + 128
 * at input (y - pt, x - pl), z_x + 128 outside the input. */
static void xt_unit(void *vj, int64_t y)
{
	const struct qc *c = vj;
	uint8_t pad = (uint8_t)(c->zx + 128);
	uint8_t *dst = c->xt + y * c->xtw * c->cg;
	int64_t iy = y - c->pt;
	if (iy < 0 || iy >= c->ih) {
		memset(dst, pad, (size_t)(c->xtw * c->cg));
		return;
	}
	int64_t x0 = c->pl > 0 ? c->pl : 0, x1 = c->pl + c->iw < c->xtw ? c->pl + c->iw : c->xtw;
	if (x0 > c->xtw)
		x0 = c->xtw;
	if (x1 < x0)
		x1 = x0;
	memset(dst, pad, (size_t)(x0 * c->cg));
	memset(dst + x1 * c->cg, pad, (size_t)((c->xtw - x1) * c->cg));
	const int8_t *src = c->x + (c->xt_bi * c->ci + c->xt_gi * c->cg) * c->ih * c->iw +
			    iy * c->iw + (x0 - c->pl);
	transpose_u8(src, c->ih * c->iw, c->cg, x1 - x0, dst + x0 * c->cg, c->cg);
}

static void dot_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	int64_t band = u % c->nband, gi = u / c->nband % c->g, bi = u / c->nband / c->g;
	int64_t hw = c->oh * c->ow, p0, ncols, oy0, oy1, kp = c->kp;
	band_of(c, band, &p0, &ncols, &oy0, &oy1);
	int64_t n4 = round_up(ncols, DN);
	size_t sz_b = align64((size_t)(n4 * kp));
	unsigned char *s = ir_scratch(sz_b + sizeof(int32_t) * (size_t)(c->mp * n4));
	uint8_t *b = s;
	int32_t *ct = (int32_t *)(s + sz_b);
	if (c->pointwise) {
		const int8_t *xin = c->x + (bi * c->ci + gi * c->cg) * hw + p0;
		transpose_u8(xin, hw, c->cg, ncols, b, kp);
		if (kp > c->cg)
			for (int64_t n = 0; n < ncols; n++)
				memset(b + n * kp + c->cg, 0, (size_t)(kp - c->cg));
	} else {
		/* im2row from the NHWC plane: k = (ky * kw + kx) * cg + c */
		int64_t cg = c->cg, seg = c->dw == 1 ? c->kw * cg : cg;
		for (int64_t oy = oy0; oy < oy1; oy++)
			for (int64_t ox = 0; ox < c->ow; ox++) {
				uint8_t *restrict d = b + ((oy - oy0) * c->ow + ox) * kp;
				for (int64_t ky = 0; ky < c->kh; ky++) {
					const uint8_t *restrict src =
						c->xt + ((oy * c->sh + ky * c->dh) * c->xtw + ox * c->sw) * cg;
					if (c->dw == 1) {
						IVDEP for (int64_t i = 0; i < seg; i++)
							d[ky * seg + i] = src[i];
					} else {
						for (int64_t kx = 0; kx < c->kw; kx++) {
							const uint8_t *restrict s2 = src + kx * c->dw * cg;
							uint8_t *restrict d2 = d + (ky * c->kw + kx) * cg;
							IVDEP for (int64_t i = 0; i < cg; i++)
								d2[i] = s2[i];
						}
					}
				}
				memset(d + c->kk, 0, (size_t)(kp - c->kk));
			}
	}
	memset(b + ncols * kp, 0, (size_t)((n4 - ncols) * kp));
	const int8_t *wg = c->wp + gi * c->mp * kp;
	int32_t out[DM * DN];
	for (int64_t n = 0; n < n4; n += DN)
		for (int64_t mb = 0; mb < c->mp; mb += DM) {
			dot_block(wg + mb * kp, b + n * kp, kp, out);
			for (int i = 0; i < DM; i++)
				for (int j = 0; j < DN; j++)
					ct[(mb + i) * n4 + n + j] = out[i * DN + j];
		}
	for (int64_t mo = 0; mo < c->mg; mo++)
		emit(&c->e, gi * c->mg + mo, 0, ct + mo * n4, ncols,
		     (bi * c->m + gi * c->mg + mo) * hw + p0);
}

static void dot_xt_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	dot_unit(vj, c->ubase + u);
}

/* A 1x1 conv over 1x1 maps (what ir-fuse makes of MatMul and Gemm): the
 * images are the columns of one product, Y[n][M] = X[n][C] W^T, by the dot
 * kernel with X + 128 as its packed rows (c->xt, [nb rounded to DN][kp]).
 * Units: blocks of 64 output channels. */
#define RW_BLOCK 64

static void rowwise_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	int64_t m0 = u * RW_BLOCK, m1 = m0 + RW_BLOCK < c->mp ? m0 + RW_BLOCK : c->mp;
	int64_t n4 = round_up(c->nb, DN);
	int32_t out[DM * DN];
	for (int64_t n = 0; n < n4; n += DN)
		for (int64_t mb = m0; mb < m1; mb += DM) {
			dot_block(c->wp + mb * c->kp, c->xt + n * c->kp, c->kp, out);
			for (int i = 0; i < DM && mb + i < c->m; i++)
				for (int j = 0; j < DN && n + j < c->nb; j++)
					emit1(&c->e, mb + i, out[i * DN + j], (n + j) * c->m + mb + i);
		}
}

/* ---- depthwise ------------------------------------------------------------------- */

/* Output rows from fixed taps over a padded plane p of x_q - z_x (zero
 * outside the input), rows pw apart; for a column stride S == 2 p holds the
 * even columns and p + ph * pw the odd ones, so every load is contiguous:
 * out[oy][ox] = sum over ky, kx of w[ky][kx] * in[oy * sh + ky][ox * S + kx]
 * for oy < oh, ox < owp (a multiple of 8; the plane is wide enough), out
 * rows ow apart (ow <= owp: a row's extra sums are overwritten by the next
 * row's, out has room for owp more). Blocks of 16 and 8 columns keep gcc
 * to whole vectors, no scalar tail. */
#define DWQ_BLOCK(K, S, B)                                                                   \
	IVDEP for (int j = 0; j < B; j++)                                                     \
	{                                                                                     \
		int64_t ox = ox0 + j;                                                         \
		int32_t acc = 0;                                                              \
		_Pragma("GCC unroll 5")                                                       \
		for (int ky = 0; ky < K; ky++) {                                              \
			const int32_t *r = p + (oy * sh + ky) * pw;                           \
			const int32_t *ro = odd + (oy * sh + ky) * pw;                        \
			_Pragma("GCC unroll 5")                                               \
			for (int kx = 0; kx < K; kx++) {                                      \
				int32_t v = S == 1 ? r[ox + kx]                               \
					    : (kx & 1) ? ro[ox + kx / 2] : r[ox + kx / 2];    \
				acc += w[ky * K + kx] * v;                                    \
			}                                                                     \
		}                                                                             \
		o[j] = acc;                                                                   \
	}
#define DWQ_KERNEL(K, S)                                                                     \
	static void dwq_k##K##s##S(const int32_t *restrict p, int64_t pw, int64_t sh,          \
				   int32_t *restrict out, int64_t oh, int64_t ow, int64_t owp,  \
				   const int32_t *restrict w)                                   \
	{                                                                                     \
		int64_t ph = (oh - 1) * sh + K;                                               \
		const int32_t *restrict odd = p + ph * pw;                                    \
		for (int64_t oy = 0; oy < oh; oy++) {                                         \
			int64_t ox0 = 0;                                                      \
			for (; ox0 + 16 <= owp; ox0 += 16) {                                  \
				int32_t *restrict o = out + oy * ow + ox0;                    \
				DWQ_BLOCK(K, S, 16)                                           \
			}                                                                     \
			if (ox0 < owp) {                                                      \
				int32_t *restrict o = out + oy * ow + ox0;                    \
				DWQ_BLOCK(K, S, 8)                                            \
			}                                                                     \
		}                                                                             \
	}
DWQ_KERNEL(3, 1)
DWQ_KERNEL(3, 2)
DWQ_KERNEL(5, 1)
DWQ_KERNEL(5, 2)

/* Row y of the padded input plane u (x_q - z_x, zero outside), pwid
 * values; for S == 2 split into even columns (ev) and odd ones (od), through
 * tmp. An int16 input (z_x = 0) is copied as it is: exact in int32. */
static void dw_pad_row(const struct qc *c, int64_t u, int64_t y, int64_t pwid, int S,
		       int32_t *restrict tmp, int32_t *restrict ev, int32_t *restrict od)
{
	int64_t iy = y - c->pt;
	int32_t *r = S == 1 ? ev : tmp;
	memset(r, 0, sizeof(int32_t) * (size_t)pwid);
	int64_t x0 = c->pl > 0 ? c->pl : 0, x1 = c->pl + c->iw < pwid ? c->pl + c->iw : pwid;
	if (iy >= 0 && iy < c->ih && x1 > x0) {
		int64_t off = (u * c->ih + iy) * c->iw + (x0 - c->pl);
		int32_t *restrict d = r + x0;
		if (c->x16) {
			const int16_t *restrict src = c->x16 + off;
			IVDEP for (int64_t i = 0; i < x1 - x0; i++)
				d[i] = src[i];
		} else {
			const int8_t *restrict src = c->x + off;
			int32_t zx = c->zx;
			IVDEP for (int64_t i = 0; i < x1 - x0; i++)
				d[i] = src[i] - zx;
		}
	}
	if (S == 2)
		IVDEP for (int64_t j = 0; j < pwid / 2; j++) {
			ev[j] = tmp[2 * j];
			od[j] = tmp[2 * j + 1];
		}
}

/* The depthwise sums of channel ch: an int16 input's through emit16. */
static void dw_emit(const struct qc *c, int64_t ch, const int32_t *acc, int64_t n, int64_t yoff)
{
	if (c->x16)
		emit16(&c->e, ch, acc, NULL, n, yoff);
	else
		emit(&c->e, ch, 0, acc, n, yoff);
}

/* The geometry of the fast depthwise path: output columns computed (owp),
 * padded row width (pwid) and row stride (pw), output rows per band. */
static void dw_geom(const struct qc *c, int64_t *owp, int64_t *pwid, int64_t *pw, int64_t *band)
{
	int64_t K = c->kh, S = c->sw;
	*owp = round_up(c->ow, 8);
	*pwid = round_up((*owp - 1) * S + K, 2);
	*pw = *pwid / S;
	*band = 8192 / *owp > 8 ? 8192 / *owp : 8;
	if (*band > c->oh)
		*band = c->oh;
}

static size_t dw_fast_scratch(const struct qc *c)
{
	int64_t owp, pwid, pw, band;
	dw_geom(c, &owp, &pwid, &pw, &band);
	int64_t ph = (band - 1) * c->sh + c->kh;
	return align64(sizeof(int32_t) * (size_t)pwid) +
	       align64(sizeof(int32_t) * (size_t)(ph * pw * c->sw)) +
	       sizeof(int32_t) * (size_t)(band * c->ow + owp);
}

/* The fast depthwise kernels over bands of output rows: the band's padded
 * input rows (a few tens of KiB), the sums, then the epilogue. */
static void dw_fast(const struct qc *c, int64_t u, const int32_t *w, unsigned char *s)
{
	int64_t ch = u % c->ci, K = c->kh, S = c->sw, sh = c->sh, owp, pwid, pw, band;
	dw_geom(c, &owp, &pwid, &pw, &band);
	int64_t phmax = (band - 1) * sh + K;
	int32_t *tmp = (int32_t *)s;
	int32_t *plane = (int32_t *)(s + align64(sizeof(int32_t) * (size_t)pwid));
	int32_t *acc = (int32_t *)((unsigned char *)plane +
				   align64(sizeof(int32_t) * (size_t)(phmax * pw * S)));
	for (int64_t oy0 = 0; oy0 < c->oh; oy0 += band) {
		int64_t n = c->oh - oy0 < band ? c->oh - oy0 : band, ph = (n - 1) * sh + K;
		for (int64_t y = 0; y < ph; y++)
			dw_pad_row(c, u, oy0 * sh + y, pwid, (int)S, tmp, plane + y * pw,
				   S == 2 ? plane + (ph + y) * pw : NULL);
		if (K == 3 && S == 1)
			dwq_k3s1(plane, pw, sh, acc, n, c->ow, owp, w);
		else if (K == 3)
			dwq_k3s2(plane, pw, sh, acc, n, c->ow, owp, w);
		else if (S == 1)
			dwq_k5s1(plane, pw, sh, acc, n, c->ow, owp, w);
		else
			dwq_k5s2(plane, pw, sh, acc, n, c->ow, owp, w);
		dw_emit(c, ch, acc, n * c->ow, (u * c->oh + oy0) * c->ow);
	}
}

static void dw_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	int64_t ch = u % c->ci, ksz = c->kh * c->kw;
	size_t sz_w = align64(sizeof(int32_t) * (size_t)ksz);
	if (c->dwfast) {
		unsigned char *s = ir_scratch(sz_w + dw_fast_scratch(c));
		int32_t *w = (int32_t *)s;
		for (int64_t i = 0; i < ksz; i++)
			w[i] = c->w[ch * ksz + i];
		dw_fast(c, u, w, s + sz_w);
		return;
	}
	/* any other shape: the whole padded plane, one tap at a time */
	int64_t ph = c->dph, pw = c->dpwid;
	size_t sz_plane = align64(sizeof(int32_t) * (size_t)(ph * pw));
	unsigned char *s = ir_scratch(sz_w + sz_plane + sizeof(int32_t) * (size_t)(c->oh * c->ow));
	int32_t *w = (int32_t *)s, *plane = (int32_t *)(s + sz_w);
	int32_t *acc = (int32_t *)(s + sz_w + sz_plane);
	for (int64_t i = 0; i < ksz; i++)
		w[i] = c->w[ch * ksz + i];
	for (int64_t y = 0; y < ph; y++)
		dw_pad_row(c, u, y, pw, 1, NULL, plane + y * pw, NULL);
	for (int64_t oy = 0; oy < c->oh; oy++) {
		int32_t *restrict o = acc + oy * c->ow;
		memset(o, 0, sizeof(int32_t) * (size_t)c->ow);
		for (int64_t ky = 0; ky < c->kh; ky++)
			for (int64_t kx = 0; kx < c->kw; kx++) {
				int32_t wv = w[ky * c->kw + kx];
				const int32_t *restrict src =
					plane + (oy * c->sh + ky * c->dh) * pw + kx * c->dw;
				if (c->sw == 1) {
					IVDEP for (int64_t ox = 0; ox < c->ow; ox++)
						o[ox] += wv * src[ox];
				} else {
					int64_t sw = c->sw;
					IVDEP for (int64_t ox = 0; ox < c->ow; ox++)
						o[ox] += wv * src[ox * sw];
				}
			}
	}
	dw_emit(c, ch, acc, c->oh * c->ow, u * c->oh * c->ow);
}

/* ---- setup ------------------------------------------------------------------------- */

/* Per-channel multipliers, shifts and zero-point corrections into mem
 * (epi_bytes(m)): b_q - z * wsum[o] (wsum NULL: b_q). The mult/shift attributes are looked up
 * once and read as the reference reads them (one value, or one per channel).
 * -1 if a shift or the clamp is out of range. */
static int setup_epi(const struct ir_kctx *k, struct epi *e, int64_t m, const int64_t *wsum,
		     int64_t z, unsigned char *mem)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *bt = n->n_in > 2 ? k->ti[2] : NULL;
	uint32_t *corr = (uint32_t *)mem;
	int32_t *mult = (int32_t *)(mem + align64(sizeof(uint32_t) * (size_t)m));
	int32_t *shift = (int32_t *)(mem + 2 * align64(sizeof(uint32_t) * (size_t)m));
	const struct ir_attr *ma = ir_attr_find(n, "mult"), *ra = ir_attr_find(n, "shift");
	e->int32_out = ir_attr_int(n, "output_int32", 0) != 0;
	for (int64_t o = 0; o < m; o++) {
		int64_t b = bt && k->in[2] ? get_int(bt->dtype, k->in[2], o) : 0;
		corr[o] = (uint32_t)(b - (wsum ? z * wsum[o] : 0));
		struct qmul q = {1, 0};
		if (ma && ma->type == IR_ATTR_INTS && ma->n)
			q.m = (int32_t)ma->ints[ma->n == 1 ? 0 : o];
		else if (ma && ma->type == IR_ATTR_INT)
			q.m = (int32_t)ma->i;
		if (ra && ra->type == IR_ATTR_INTS && ra->n)
			q.r = (int)ra->ints[ra->n == 1 ? 0 : o];
		else if (ra && ra->type == IR_ATTR_INT)
			q.r = (int)ra->i;
		if (!e->int32_out && (q.r < 0 || q.r > 62))
			return -1;
		mult[o] = q.m;
		shift[o] = q.r;
	}
	e->corr = corr;
	e->mult = mult;
	e->shift = shift;
	e->zy = kq_zero_point(k->to[0]);
	kq_out_range(n, k->to[0], &e->lo, &e->hi);
	if (e->lo > e->hi)
		return -1;
	e->ydt = k->to[0]->dtype;
	e->y = k->out[0];
	return 0;
}

static size_t epi_bytes(int64_t m)
{
	return 3 * align64(sizeof(uint32_t) * (size_t)m);
}

/* The common checks of both ops: int8 input and weights, an int8/int16/int32
 * output (int32 with output_int32), rank 4, the zero point in int8. */
static int fast_ok(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0], *w = k->ti[1], *y = k->to[0];
	const struct ir_tensor *b = k->n->n_in > 2 ? k->ti[2] : NULL;
	if (x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dtype != IR_DTYPE_I8 ||
	    w->dtype != IR_DTYPE_I8)
		return 0;
	if (b && b->dtype != IR_DTYPE_I8 && b->dtype != IR_DTYPE_I16 && b->dtype != IR_DTYPE_I32)
		return 0;
	int int32_out = ir_attr_int(k->n, "output_int32", 0) != 0;
	if (int32_out ? y->dtype != IR_DTYPE_I32
		      : y->dtype != IR_DTYPE_I8 && y->dtype != IR_DTYPE_I16 && y->dtype != IR_DTYPE_I32)
		return 0;
	int32_t zx = kq_zero_point(x);
	return zx >= -128 && zx <= 127;
}

/* A QConv node's shape into c (zeroed first): dims, kernel, strides,
 * dilations, pads, groups, the input's zero point and the weights. */
static void qc_geom(const struct ir_kctx *k, struct qc *c)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *yt = k->to[0];
	memset(c, 0, sizeof *c);
	c->k = k;
	c->nb = xt->dims[0], c->ci = xt->dims[1], c->ih = xt->dims[2], c->iw = xt->dims[3];
	c->m = yt->dims[1], c->oh = yt->dims[2], c->ow = yt->dims[3];
	int64_t ks[2] = {1, 1}, st[2] = {1, 1}, dl[2] = {1, 1}, pd[4] = {0, 0, 0, 0};
	ir_attr_ints(n, "kernel_shape", ks, 2);
	ir_attr_ints(n, "strides", st, 2);
	ir_attr_ints(n, "dilations", dl, 2);
	ir_attr_ints(n, "pads", pd, 4);
	c->kh = ks[0], c->kw = ks[1], c->sh = st[0], c->sw = st[1], c->dh = dl[0], c->dw = dl[1];
	c->pt = pd[0], c->pl = pd[1];
	c->g = ir_attr_int(n, "group", 1), c->cg = c->ci / c->g, c->mg = c->m / c->g;
	c->kk = c->cg * c->kh * c->kw;
	c->zx = kq_zero_point(xt);
	c->w = k->in[1];
	c->pointwise = c->kh == 1 && c->kw == 1 && c->sh == 1 && c->sw == 1 && pd[0] == 0 &&
		       pd[1] == 0 && pd[2] == 0 && pd[3] == 0;
}

/* The checks of an int16 input (zero point 0) with int8 weights: rank 4, an
 * int8/int16/int32 output (int32 with output_int32), the bias's type. */
static int fast16_ok(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0], *w = k->ti[1], *y = k->to[0];
	const struct ir_tensor *b = k->n->n_in > 2 ? k->ti[2] : NULL;
	if (x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dtype != IR_DTYPE_I16 ||
	    w->dtype != IR_DTYPE_I8 || kq_zero_point(x) != 0)
		return 0;
	if (b && b->dtype != IR_DTYPE_I8 && b->dtype != IR_DTYPE_I16 && b->dtype != IR_DTYPE_I32)
		return 0;
	int int32_out = ir_attr_int(k->n, "output_int32", 0) != 0;
	return int32_out ? y->dtype == IR_DTYPE_I32
			 : y->dtype == IR_DTYPE_I8 || y->dtype == IR_DTYPE_I16 || y->dtype == IR_DTYPE_I32;
}

static int conv_w16(const struct ir_kctx *k, int transpose);
static int qconv16(const struct ir_kctx *k);

int k_qconv(const struct ir_kctx *k)
{
	if (kq_use_ref())
		return k_qconv_ref(k);
	if (k->ti[0]->dtype == IR_DTYPE_I16) {
		if (qconv16(k) == 0)
			return 0;
		return conv_w16(k, 0) < 0 ? k_qconv_ref(k) : 0;
	}
	if (!fast_ok(k))
		return k_qconv_ref(k);
	struct qc c;
	qc_geom(k, &c);
	c.x = k->in[0];
	int64_t hw = c.oh * c.ow;
	if (c.kk > MAX_TAPS || hw == 0 || c.nb == 0 || c.m == 0)
		return k_qconv_ref(k);
	if (c.cg == 1 && c.mg == 1) {
		c.path = QC_DW;
	} else if (c.pointwise && c.g == 1 && c.ih * c.iw == 1) {
		c.path = QC_ROWWISE;
	} else if (c.kk < 128) {
		/* weights of -128 (outside numerics.md's symmetric range) would
		 * break the rows kernel's int16 pairs */
		int8_t wmin = 0;
		for (int64_t i = 0; i < c.m * c.kk; i++)
			wmin = c.w[i] < wmin ? c.w[i] : wmin;
		c.path = wmin == -128 ? QC_DOT : QC_ROWS;
	} else {
		c.path = QC_DOT;
	}
	int64_t z = c.path == QC_ROWS ? c.zx : c.path == QC_DW ? 0 : c.zx + 128;
	if (c.path == QC_ROWS) {
		c.kp = round_up(c.kk, RK / 2);
		c.mp = round_up(c.mg, RM);
	} else if (c.path == QC_DOT || c.path == QC_ROWWISE) {
		c.kp = round_up(c.kk, DK);
		c.mp = round_up(c.mg, DM);
	}
	size_t sz_epi = epi_bytes(c.m), sz_ws = align64(sizeof(int64_t) * (size_t)c.m);
	size_t sz_wp = align64((size_t)(c.g * c.mp * c.kp) * (c.path == QC_ROWS ? 2 : 1));
	int64_t xth = (c.oh - 1) * c.sh + (c.kh - 1) * c.dh + 1;
	int64_t xtw = (c.ow - 1) * c.sw + (c.kw - 1) * c.dw + 1;
	int need_xt = c.path == QC_DOT && !c.pointwise;
	size_t sz_xt = need_xt ? (size_t)(xth * xtw * c.cg)
		     : c.path == QC_ROWWISE ? (size_t)(round_up(c.nb, DN) * c.kp) : 0;
	unsigned char *mem = shared_buf(sz_epi + sz_ws + sz_wp + sz_xt);
	int64_t *wsum = (int64_t *)(mem + sz_epi);
	c.wp = (int8_t *)(mem + sz_epi + sz_ws);
	c.wp16 = (int16_t *)c.wp;
	double work = (double)c.nb * c.m * hw * c.kk;
	int threads = ir_threads_for(k->threads, work);

	if (c.path == QC_DW) {
		/* the sums are of x_q - z_x: no correction but the bias */
		if (setup_epi(k, &c.e, c.m, NULL, 0, mem) < 0)
			return k_qconv_ref(k);
		int64_t K = c.kh, S = c.sh;
		c.dwfast = c.kh == c.kw && (K == 3 || K == 5) && (c.sw == 1 || c.sw == 2) &&
			   (S == 1 || S == 2) && c.dh == 1 && c.dw == 1;
		c.dph = xth, c.dpwid = xtw;
		ir_parallel_for(threads, c.nb * c.ci, dw_unit, &c);
		return 0;
	}

	/* packed weights [g][mp][kp], zero padded (the dot path with im2row
	 * takes k as (ky, kx, c)), and the weight sums for the zero-point
	 * correction */
	memset(c.wp, 0, sz_wp);
	for (int64_t o = 0; o < c.m; o++) {
		int64_t gi = o / c.mg, mo = o % c.mg;
		int8_t *d = c.wp + (gi * c.mp + mo) * c.kp;
		const int8_t *restrict s = c.w + o * c.kk;
		int32_t sum = 0;
		if (c.path == QC_ROWS) {
			int16_t *restrict d16 = c.wp16 + (gi * c.mp + mo) * c.kp;
			for (int64_t i = 0; i < c.kk; i++) {
				d16[i] = s[i];
				sum += s[i];
			}
		} else if (need_xt) {
			for (int64_t ci = 0; ci < c.cg; ci++)
				for (int64_t t = 0; t < c.kh * c.kw; t++)
					d[t * c.cg + ci] = s[ci * c.kh * c.kw + t];
			for (int64_t i = 0; i < c.kk; i++)
				sum += s[i];
		} else {
			memcpy(d, s, (size_t)c.kk);
			for (int64_t i = 0; i < c.kk; i++)
				sum += s[i];
		}
		wsum[o] = sum;
	}
	if (setup_epi(k, &c.e, c.m, wsum, z, mem) < 0)
		return k_qconv_ref(k);
	if (c.path == QC_ROWWISE) {
		uint8_t *b = (uint8_t *)(mem + sz_epi + sz_ws + sz_wp);
		memset(b, 0, sz_xt);
		for (int64_t n = 0; n < c.nb; n++)
			for (int64_t i = 0; i < c.ci; i++)
				b[n * c.kp + i] = (uint8_t)(c.x[n * c.ci + i] ^ 0x80);
		c.xt = b;
		ir_parallel_for(threads, (c.mp + RW_BLOCK - 1) / RW_BLOCK, rowwise_unit, &c);
		return 0;
	}
	/* bands: a few hundred KiB of packed inputs each */
	if (c.path == QC_ROWS) {
		if (c.pointwise) {
			c.cols = 2048;
		} else {
			c.rows = (128 * 1024) / (c.kk * c.ow > 0 ? c.kk * c.ow : 1);
		}
	} else {
		int64_t per = c.kp + 4 * c.mp;
		if (c.pointwise) {
			c.cols = (256 * 1024 / per) & ~(int64_t)15;
			if (c.cols < 16)
				c.cols = 16;
		} else {
			c.rows = 256 * 1024 / (per * c.ow);
		}
	}
	if (c.pointwise) {
		c.nband = (hw + c.cols - 1) / c.cols;
	} else {
		if (c.rows < 1)
			c.rows = 1;
		if (c.rows > c.oh)
			c.rows = c.oh;
		c.nband = (c.oh + c.rows - 1) / c.rows;
	}
	if (c.path == QC_ROWS) {
		ir_parallel_for(threads, c.nb * c.g * c.nband, rows_unit, &c);
		return 0;
	}
	if (c.pointwise) {
		ir_parallel_for(threads, c.nb * c.g * c.nband, dot_unit, &c);
		return 0;
	}
	/* dot over im2row: per (image, group), the NHWC plane, then the bands */
	c.xt = (uint8_t *)(mem + sz_epi + sz_ws + sz_wp);
	c.xth = xth, c.xtw = xtw;
	for (int64_t bi = 0; bi < c.nb; bi++)
		for (int64_t gi = 0; gi < c.g; gi++) {
			c.xt_bi = bi, c.xt_gi = gi;
			ir_parallel_for(threads, xth, xt_unit, &c);
			c.ubase = (bi * c.g + gi) * c.nband;
			ir_parallel_for(threads, c.nband, dot_xt_unit, &c);
		}
	return 0;
}

/* ---- int16 inputs: the fast paths ------------------------------------------------- */

/*
 * QConv on an int16 input (z_x = 0, numerics.md "Convolution") with int8
 * weights, to an int8, int16 or int32 (output_int32) output.
 *
 * Why the bits agree. The reference forms acc = b_q + sum x_q w_q in int64
 * and requantizes it exactly (q_requant_out), or saturates it to int32. A
 * product is at most 2^15 * 2^7 = 2^22 in magnitude; per output channel o,
 * B_o = 2^15 * sum |w_q| (over its taps) bounds |any partial sum| of its
 * products, in any order and any grouping (padding taps read 0). So:
 *   - when B_o < 2^31 the products add exactly in int32, whatever the
 *     order: always for fewer than 512 taps (511 * 2^22 < 2^31), and for
 *     more whenever the weights allow it;
 *   - when also B_o + |b_q| < 2^31 ("narrow"), acc itself fits int32: b_q
 *     added modulo 2^32 (emit's corr) is acc exactly, and for an int32 acc
 *     q_requant_out is emit's int64 arithmetic (|acc m| < 2^62: no 128-bit
 *     product, no clamp at 2^62), the int32 saturation the identity. Such a
 *     channel takes the int8 inputs' epilogue, emit;
 *   - any other channel (a bias near the int32 bound) forms acc in int64
 *     and calls q_requant_out itself (emit16);
 *   - the dot path with some B_o >= 2^31 (only possible past 511 taps) sums
 *     runs of D16CHUNK = 480 taps in int32 and carries each into int64,
 *     numerics.md's own allowance: the same integers.
 *
 * Paths (the int8 ones' structure, units and bands):
 *   - depthwise: the int8 path itself, over an int32 copy of the band's
 *     int16 rows (exact; 25 taps sum below 2^27), then emit16;
 *   - "rows16" (fewer than ROWS16_MAXK = 128 taps, so B_o < 2^31 always):
 *     vectorized across 32 output columns like the int8 rows kernel, over
 *     int16 panels (NCHW rows, or an im2col band padded with 0), 4 output
 *     channels by 4 taps per step with the weights in registers; the
 *     products are int32 multiplies (int16 pairs of them do not fit int16);
 *   - "dot16" (more taps): inner products over k of int16 rows, 4 x 4
 *     outputs at once, k padded to 32 with zero weights; gcc turns the
 *     int16 x int16 sums into vpdpwssd (two products summed in int32, below
 *     2^23, then added: the same integers). Its rows are a pointwise input
 *     transposed in 16 x 32 blocks, or read in place from a strip of the
 *     padded NHWC plane (dot16_unit), or im2row'd from that plane;
 *   - QConvTranspose: the int8 path with rows16's kernel, when every B_o
 *     (over all its input channels and taps) is below 2^31.
 * Any other node (a depthwise kernel of 512 taps or more, shifts out of
 * range, more than MAX_TAPS taps) goes to the int16 passes at the end
 * (conv_w16), and from there to the reference.
 */
#define ROWS16_MAXK 128   /* rows16 below this many taps, dot16 from it */
#define R16K 4           /* rows16: taps per step */
#define D16K 32          /* dot16: k is padded to a multiple of this */
#define D16CHUNK 480     /* dot16 carrying: taps per int32 sum (15 * 32 <= 511) */

/* acc[i][j] = sum over k < kp of w[i * kp + k] * xp[k * RN + j], i < RM, j < RN:
 * xp a panel of int16 inputs (k-major), w int32 weights, kp a multiple of
 * R16K; the callers see that the sums are exact in int32 (B_o < 2^31). The
 * block's 4 x 4 weights of a step sit in registers, broadcast; the inputs
 * are widened as they are loaded, the products int32 multiplies
 * (vpmulld); acc is read and written once per step. */
static void rows16_block(const int16_t *restrict xp, const int32_t *restrict w, int64_t kp,
			 int32_t *restrict acc)
{
	const int32_t *restrict w0 = w, *restrict w1 = w0 + kp;
	const int32_t *restrict w2 = w1 + kp, *restrict w3 = w2 + kp;
	for (int j = 0; j < RM * RN; j++)
		acc[j] = 0;
	for (int64_t k = 0; k < kp; k += R16K) {
		const int16_t *restrict x = xp + k * RN;
		int32_t a0 = w0[k], a1 = w0[k + 1], a2 = w0[k + 2], a3 = w0[k + 3];
		int32_t b0 = w1[k], b1 = w1[k + 1], b2 = w1[k + 2], b3 = w1[k + 3];
		int32_t c0 = w2[k], c1 = w2[k + 1], c2 = w2[k + 2], c3 = w2[k + 3];
		int32_t d0 = w3[k], d1 = w3[k + 1], d2 = w3[k + 2], d3 = w3[k + 3];
		IVDEP for (int j = 0; j < RN; j++) {
			int32_t x0 = x[j], x1 = x[RN + j], x2 = x[2 * RN + j], x3 = x[3 * RN + j];
			acc[j] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
			acc[RN + j] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
			acc[2 * RN + j] += c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3;
			acc[3 * RN + j] += d0 * x0 + d1 * x1 + d2 * x2 + d3 * x3;
		}
	}
}

/* The panel of columns [col, col + n) of rows[0..kk), zero beyond n columns
 * and kk rows. */
static void rows16_pack(const int16_t *const *rows, int64_t kk, int64_t kp, int64_t col,
			int64_t n, int16_t *restrict xp)
{
	for (int64_t k = 0; k < kk; k++) {
		const int16_t *restrict src = rows[k] + col;
		int16_t *restrict d = xp + k * RN;
		if (n == RN) {
			IVDEP for (int j = 0; j < RN; j++)
				d[j] = src[j];
		} else {
			for (int64_t j = 0; j < RN; j++)
				d[j] = j < n ? src[j] : 0;
		}
	}
	memset(xp + kk * RN, 0, sizeof(int16_t) * (size_t)((kp - kk) * RN));
}

/* int16 im2col of output rows [oy0, oy1) of cg channels: col[(c*kh + ky)*kw +
 * kx][(oy - oy0) * ow + ox], padding 0 (z_x). */
static void im2col_i16(const struct qc *c, const int16_t *in, int64_t oy0, int64_t oy1,
		       int16_t *restrict col, int64_t ld)
{
	const int64_t ih = c->ih, iw = c->iw, ow = c->ow, kh = c->kh, kw = c->kw;
	const int64_t sh = c->sh, sw = c->sw, dh = c->dh, dw = c->dw, pt = c->pt, pl = c->pl;
	const size_t es = sizeof(int16_t);
	for (int64_t ci = 0; ci < c->cg; ci++) {
		const int16_t *plane = in + ci * ih * iw;
		for (int64_t ky = 0; ky < kh; ky++)
			for (int64_t kx = 0; kx < kw; kx++) {
				int16_t *dst = col + ((ci * kh + ky) * kw + kx) * ld;
				int64_t off = kx * dw - pl;
				int64_t lo = off < 0 ? (-off + sw - 1) / sw : 0;
				int64_t hi = iw - off <= 0 ? 0 : (iw - off + sw - 1) / sw;
				if (hi > ow)
					hi = ow;
				if (lo > hi)
					lo = hi;
				for (int64_t oy = oy0; oy < oy1; oy++) {
					int16_t *restrict d = dst + (oy - oy0) * ow;
					int64_t iy = oy * sh + ky * dh - pt;
					if (iy < 0 || iy >= ih) {
						memset(d, 0, es * (size_t)ow);
						continue;
					}
					const int16_t *restrict s = plane + iy * iw + off;
					memset(d, 0, es * (size_t)lo);
					if (sw == 1)
						memcpy(d + lo, s + lo, es * (size_t)(hi - lo));
					else if (sw == 2)
						IVDEP for (int64_t ox = lo; ox < hi; ox++)
							d[ox] = s[2 * ox];
					else
						for (int64_t ox = lo; ox < hi; ox++)
							d[ox] = s[ox * sw];
					memset(d + hi, 0, es * (size_t)(ow - hi));
				}
			}
	}
}

/* rows_run for int16 inputs: in chunks of RCW columns, the chunk's panels
 * packed once; per block of RM channels every panel into an int32 tile;
 * then the epilogue per channel. scratch: rows16_scratch(mp, kp) bytes. */
static size_t rows16_scratch(int64_t mp, int64_t kp)
{
	return align64(sizeof(int16_t) * (size_t)(kp * RCW)) + sizeof(int32_t) * (size_t)(mp * RCW);
}

static void rows16_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	int64_t band = u % c->nband, gi = u / c->nband % c->g, bi = u / c->nband / c->g;
	int64_t hw = c->oh * c->ow, p0, ncols, oy0, oy1, kp = c->kp;
	band_of(c, band, &p0, &ncols, &oy0, &oy1);
	const int16_t *xin = c->x16 + (bi * c->ci + gi * c->cg) * c->ih * c->iw;
	size_t sz_rows = align64(sizeof(int16_t *) * (size_t)c->kk);
	size_t sz_run = align64(rows16_scratch(c->mp, kp));
	size_t sz_col = c->pointwise ? 0 : sizeof(int16_t) * (size_t)(c->kk * ncols);
	unsigned char *s = ir_scratch(sz_rows + sz_run + sz_col);
	const int16_t **rows = (const int16_t **)s;
	if (c->pointwise) {
		for (int64_t k = 0; k < c->kk; k++)
			rows[k] = xin + k * hw + p0;
	} else {
		int16_t *col = (int16_t *)(s + sz_rows + sz_run);
		im2col_i16(c, xin, oy0, oy1, col, ncols);
		for (int64_t k = 0; k < c->kk; k++)
			rows[k] = col + k * ncols;
	}
	int16_t *xp = (int16_t *)(s + sz_rows);
	int32_t *tile = (int32_t *)(s + sz_rows + align64(sizeof(int16_t) * (size_t)(kp * RCW)));
	const int32_t *wg = c->wp32 + gi * c->mp * kp;
	int64_t o0 = gi * c->mg, yoff = (bi * c->m + gi * c->mg) * hw + p0;
	int32_t acc[RM * RN];
	for (int64_t c0 = 0; c0 < ncols; c0 += RCW) {
		int64_t cw = ncols - c0 < RCW ? ncols - c0 : RCW;
		for (int64_t p = 0; p < cw; p += RN)
			rows16_pack(rows, c->kk, kp, c0 + p, cw - p < RN ? cw - p : RN, xp + p * kp);
		for (int64_t mb = 0; mb < c->mg; mb += RM)
			for (int64_t p = 0; p < cw; p += RN) {
				rows16_block(xp + p * kp, wg + mb * kp, kp, acc);
				for (int64_t i = 0; i < RM; i++)
					memcpy(tile + (mb + i) * RCW + p, acc + i * RN, sizeof(int32_t) * RN);
			}
		for (int64_t mo = 0; mo < c->mg; mo++)
			emit16(&c->e, o0 + mo, tile + mo * RCW, NULL, cw, yoff + mo * hw + c0);
	}
}

/* out[i * DN + j] = sum over k < nk * D16K of w[i * ldw + k] * b[j * ldb + k]:
 * int16 x int16 inner products (vpdpwssd), exact in int32 for the runs the
 * callers give (B_o < 2^31, or at most D16CHUNK taps). */
static void dot16_block(const int16_t *restrict w, int64_t ldw, const int16_t *restrict b,
			int64_t ldb, int64_t nk, int32_t *restrict out)
{
	const int16_t *w0 = w, *w1 = w + ldw, *w2 = w + 2 * ldw, *w3 = w + 3 * ldw;
	const int16_t *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
	int32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
	int32_t s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
	for (int64_t k = 0; k < nk * D16K; k++) {
		int32_t a0 = w0[k], a1 = w1[k], a2 = w2[k], a3 = w3[k];
		int32_t c0 = b0[k], c1 = b1[k], c2 = b2[k], c3 = b3[k];
		s00 += a0 * c0; s01 += a0 * c1; s02 += a0 * c2; s03 += a0 * c3;
		s10 += a1 * c0; s11 += a1 * c1; s12 += a1 * c2; s13 += a1 * c3;
		s20 += a2 * c0; s21 += a2 * c1; s22 += a2 * c2; s23 += a2 * c3;
		s30 += a3 * c0; s31 += a3 * c1; s32 += a3 * c2; s33 += a3 * c3;
	}
	out[0] = s00; out[1] = s01; out[2] = s02; out[3] = s03;
	out[4] = s10; out[5] = s11; out[6] = s12; out[7] = s13;
	out[8] = s20; out[9] = s21; out[10] = s22; out[11] = s23;
	out[12] = s30; out[13] = s31; out[14] = s32; out[15] = s33;
}

/* 16 rows of 32 int16, transposed: d[p][c] = s[c * stride + p] for p < 32,
 * c < 16, as 16 stores of one row per p (tr16x64's form). */
static void tr16x32_i16(const int16_t *restrict s, int64_t stride, int16_t *restrict d)
{
	const int16_t *restrict r0 = s, *restrict r1 = s + stride, *restrict r2 = s + 2 * stride;
	const int16_t *restrict r3 = s + 3 * stride, *restrict r4 = s + 4 * stride;
	const int16_t *restrict r5 = s + 5 * stride, *restrict r6 = s + 6 * stride;
	const int16_t *restrict r7 = s + 7 * stride, *restrict r8 = s + 8 * stride;
	const int16_t *restrict r9 = s + 9 * stride, *restrict r10 = s + 10 * stride;
	const int16_t *restrict r11 = s + 11 * stride, *restrict r12 = s + 12 * stride;
	const int16_t *restrict r13 = s + 13 * stride, *restrict r14 = s + 14 * stride;
	const int16_t *restrict r15 = s + 15 * stride;
	IVDEP for (int p = 0; p < 32; p++) {
		int16_t *q = d + p * 16;
		q[0] = r0[p], q[1] = r1[p], q[2] = r2[p], q[3] = r3[p];
		q[4] = r4[p], q[5] = r5[p], q[6] = r6[p], q[7] = r7[p];
		q[8] = r8[p], q[9] = r9[p], q[10] = r10[p], q[11] = r11[p];
		q[12] = r12[p], q[13] = r13[p], q[14] = r14[p], q[15] = r15[p];
	}
}

/* dst[p][c] = src[c * stride + p] for p < np, c < nc (dst rows ld apart):
 * blocks of 16 channels by 32 pixels. */
static void transpose_i16(const int16_t *restrict src, int64_t stride, int64_t nc, int64_t np,
			  int16_t *restrict dst, int64_t ld)
{
	int16_t tmp[32 * 16] __attribute__((aligned(64)));
	int16_t tail[16 * 32] __attribute__((aligned(64)));
	const size_t es = sizeof(int16_t);
	int64_t c0 = 0;
	for (; c0 + 16 <= nc; c0 += 16) {
		const int16_t *s = src + c0 * stride;
		for (int64_t p0 = 0; p0 < np; p0 += 32) {
			int64_t n = np - p0 < 32 ? np - p0 : 32;
			if (n == 32) {
				tr16x32_i16(s + p0, stride, tmp);
			} else { /* the last pixels, through a copy (no reads past the rows) */
				for (int c = 0; c < 16; c++)
					memcpy(tail + c * 32, s + c * stride + p0, es * (size_t)n);
				tr16x32_i16(tail, 32, tmp);
			}
			for (int64_t p = 0; p < n; p++)
				memcpy(dst + (p0 + p) * ld + c0, tmp + p * 16, 16 * es);
		}
	}
	for (int64_t p = 0; p < np; p++)
		for (int64_t c = c0; c < nc; c++)
			dst[p * ld + c] = src[c * stride + p];
}

/* One row of the padded NHWC plane of (xt_bi, xt_gi): xt16[y][x][c] = x_q at
 * input (y - pt, x - pl), 0 outside the input. */
static void xt16_unit(void *vj, int64_t y)
{
	const struct qc *c = vj;
	const size_t es = sizeof(int16_t);
	int16_t *dst = c->xt16 + y * c->xtw * c->cg;
	int64_t iy = y - c->pt;
	if (iy < 0 || iy >= c->ih) {
		memset(dst, 0, es * (size_t)(c->xtw * c->cg));
		return;
	}
	int64_t x0 = c->pl > 0 ? c->pl : 0, x1 = c->pl + c->iw < c->xtw ? c->pl + c->iw : c->xtw;
	if (x0 > c->xtw)
		x0 = c->xtw;
	if (x1 < x0)
		x1 = x0;
	memset(dst, 0, es * (size_t)(x0 * c->cg));
	memset(dst + x1 * c->cg, 0, es * (size_t)((c->xtw - x1) * c->cg));
	const int16_t *src = c->x16 + (c->xt_bi * c->ci + c->xt_gi * c->cg) * c->ih * c->iw +
			     iy * c->iw + (x0 - c->pl);
	transpose_i16(src, c->ih * c->iw, c->cg, x1 - x0, dst + x0 * c->cg, c->cg);
}

/* The sums of columns j < n4 (a multiple of DN) of one group, column j's
 * inputs at b[j * ldb + k] (k < kp), into the tile: int32 at
 * tile[(mb + i) * ldt + t0 + j], or int64 when carrying (runs of D16CHUNK
 * taps, each exact in int32, added in int64). */
static void dot16_tile(const struct qc *c, const int16_t *wg, const int16_t *b, int64_t ldb,
		       int64_t n4, void *tile, int64_t ldt, int64_t t0)
{
	int64_t kp = c->kp;
	int32_t out[DM * DN];
	for (int64_t n = 0; n < n4; n += DN)
		for (int64_t mb = 0; mb < c->mp; mb += DM) {
			const int16_t *w = wg + mb * kp, *bn = b + n * ldb;
			if (!c->carry) {
				dot16_block(w, kp, bn, ldb, kp / D16K, out);
				int32_t *t = (int32_t *)tile + mb * ldt + t0 + n;
				for (int i = 0; i < DM; i++)
					for (int j = 0; j < DN; j++)
						t[i * ldt + j] = out[i * DN + j];
				continue;
			}
			int64_t a[DM * DN] = {0};
			for (int64_t k0 = 0; k0 < kp; k0 += D16CHUNK) {
				int64_t len = kp - k0 < D16CHUNK ? kp - k0 : D16CHUNK;
				dot16_block(w + k0, kp, bn + k0, ldb, len / D16K, out);
				for (int i = 0; i < DM * DN; i++)
					a[i] += out[i];
			}
			int64_t *t = (int64_t *)tile + mb * ldt + t0 + n;
			for (int i = 0; i < DM; i++)
				for (int j = 0; j < DN; j++)
					t[i * ldt + j] = a[i * DN + j];
		}
}

/*
 * One band of one (image, group). The k of a column is (kx, ky, c) for a
 * kernel (the weights are packed so). A pointwise input is transposed. With
 * column dilation 1 the band needs no im2row: per output row, the strip
 * R[x][ky][c] = xt16[oy * sh + ky * dh][x][c] holds the kh input rows
 * interleaved, and output column ox's k-vector (kx, ky, c) is then the
 * contiguous R[ox * sw + kx][ky][c], kx < kw: the dot kernel reads it in
 * place, columns sw * kh * cg apart (a third of im2row's copying for 3x3).
 * Any other dilation copies im2row from the NHWC plane.
 */
static void dot16_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	int64_t band = u % c->nband, gi = u / c->nband % c->g, bi = u / c->nband / c->g;
	int64_t hw = c->oh * c->ow, p0, ncols, oy0, oy1, kp = c->kp, cg = c->cg;
	const size_t es = sizeof(int16_t);
	band_of(c, band, &p0, &ncols, &oy0, &oy1);
	int strip = !c->pointwise && c->dw == 1;
	int64_t n4 = round_up(strip ? c->ow : ncols, DN);
	/* the strip: rx positions of rs values, and what the last column reads past them */
	int64_t rs = c->kh * cg, rx = (n4 - 1) * c->sw + c->kw;
	size_t sz_b = align64(es * (size_t)(strip ? rx * rs + kp : n4 * kp));
	int64_t ldt = strip ? ncols + DN : n4;
	size_t sz_t = (c->carry ? sizeof(int64_t) : sizeof(int32_t)) * (size_t)(c->mp * ldt);
	unsigned char *s = ir_scratch(sz_b + sz_t);
	int16_t *b = (int16_t *)s;
	void *tile = s + sz_b;
	const int16_t *wg = c->wp16 + gi * c->mp * kp;
	if (c->pointwise) {
		const int16_t *xin = c->x16 + (bi * c->ci + gi * cg) * hw + p0;
		transpose_i16(xin, hw, cg, ncols, b, kp);
		if (kp > cg)
			for (int64_t n = 0; n < ncols; n++)
				memset(b + n * kp + cg, 0, es * (size_t)(kp - cg));
		memset(b + ncols * kp, 0, es * (size_t)((n4 - ncols) * kp));
		dot16_tile(c, wg, b, kp, n4, tile, ldt, 0);
	} else if (strip) {
		int64_t xw = rx < c->xtw ? rx : c->xtw;
		memset(b + xw * rs, 0, es * (size_t)((rx - xw) * rs + kp));
		for (int64_t oy = oy0; oy < oy1; oy++) {
			for (int64_t ky = 0; ky < c->kh; ky++) {
				const int16_t *restrict src = c->xt16 + (oy * c->sh + ky * c->dh) * c->xtw * cg;
				for (int64_t x = 0; x < xw; x++) {
					int16_t *restrict d = b + x * rs + ky * cg;
					IVDEP for (int64_t i = 0; i < cg; i++)
						d[i] = src[x * cg + i];
				}
			}
			dot16_tile(c, wg, b, c->sw * rs, n4, tile, ldt, (oy - oy0) * c->ow);
		}
	} else {
		for (int64_t oy = oy0; oy < oy1; oy++)
			for (int64_t ox = 0; ox < c->ow; ox++) {
				int16_t *restrict d = b + ((oy - oy0) * c->ow + ox) * kp;
				for (int64_t kx = 0; kx < c->kw; kx++)
					for (int64_t ky = 0; ky < c->kh; ky++)
						memcpy(d + (kx * c->kh + ky) * cg,
						       c->xt16 + ((oy * c->sh + ky * c->dh) * c->xtw +
								  ox * c->sw + kx * c->dw) * cg,
						       es * (size_t)cg);
				memset(d + c->kk, 0, es * (size_t)(kp - c->kk));
			}
		memset(b + ncols * kp, 0, es * (size_t)((n4 - ncols) * kp));
		dot16_tile(c, wg, b, kp, n4, tile, ldt, 0);
	}
	for (int64_t mo = 0; mo < c->mg; mo++) {
		int64_t o = gi * c->mg + mo, yoff = (bi * c->m + o) * hw + p0;
		if (c->carry)
			emit16(&c->e, o, NULL, (int64_t *)tile + mo * ldt, ncols, yoff);
		else
			emit16(&c->e, o, (int32_t *)tile + mo * ldt, NULL, ncols, yoff);
	}
}

static void dot16_xt_unit(void *vj, int64_t u)
{
	const struct qc *c = vj;
	dot16_unit(vj, c->ubase + u);
}

/* The epilogue's int16 part into mem (epi16_bytes(m), after setup_epi's):
 * b_q per channel, and whether the channel is narrow: 2^15 * wabs[o] +
 * |b_q| < 2^31, wabs[o] = sum |w_q| of its taps (see above). */
static size_t epi16_bytes(int64_t m)
{
	return epi_bytes(m) + align64(sizeof(int64_t) * (size_t)m) + align64((size_t)m);
}

static int setup_epi16(const struct ir_kctx *k, struct epi *e, int64_t m, const int64_t *wabs,
		       unsigned char *mem)
{
	if (setup_epi(k, e, m, NULL, 0, mem) < 0) /* corr = b_q mod 2^32 */
		return -1;
	const struct ir_tensor *bt = k->n->n_in > 2 ? k->ti[2] : NULL;
	int64_t *b64 = (int64_t *)(mem + epi_bytes(m));
	unsigned char *narrow = mem + epi_bytes(m) + align64(sizeof(int64_t) * (size_t)m);
	for (int64_t o = 0; o < m; o++) {
		int64_t b = bt && k->in[2] ? get_int(bt->dtype, k->in[2], o) : 0;
		b64[o] = b;
		narrow[o] = (wabs[o] << 15) + (b < 0 ? -b : b) <= INT32_MAX;
	}
	e->b64 = b64;
	e->narrow = narrow;
	return 0;
}

/* QConv of an int16 input by the paths above; -1 when the node is not one
 * they take (the caller runs the int16 passes). */
static int qconv16(const struct ir_kctx *k)
{
	if (!fast16_ok(k))
		return -1;
	struct qc c;
	qc_geom(k, &c);
	c.x16 = k->in[0];
	int64_t hw = c.oh * c.ow;
	if (c.kk > MAX_TAPS || hw == 0 || c.nb == 0 || c.m == 0)
		return -1;
	enum { P_DW, P_ROWS, P_DOT } path;
	if (c.cg == 1 && c.mg == 1)
		path = P_DW;
	else
		path = c.kk < ROWS16_MAXK ? P_ROWS : P_DOT;
	if (path == P_DW && c.kk >= 512)
		return -1;
	if (path == P_ROWS) {
		c.kp = round_up(c.kk, R16K);
		c.mp = round_up(c.mg, RM);
	} else if (path == P_DOT) {
		c.kp = round_up(c.kk, D16K);
		c.mp = round_up(c.mg, DM);
	}
	size_t sz_epi = epi16_bytes(c.m), sz_wa = align64(sizeof(int64_t) * (size_t)c.m);
	size_t sz_wp = path == P_ROWS ? align64(sizeof(int32_t) * (size_t)(c.g * c.mp * c.kp))
		     : path == P_DOT  ? align64(sizeof(int16_t) * (size_t)(c.g * c.mp * c.kp))
				      : 0;
	int64_t xth = (c.oh - 1) * c.sh + (c.kh - 1) * c.dh + 1;
	int64_t xtw = (c.ow - 1) * c.sw + (c.kw - 1) * c.dw + 1;
	int need_xt = path == P_DOT && !c.pointwise;
	size_t sz_xt = need_xt ? sizeof(int16_t) * (size_t)(xth * xtw * c.cg) : 0;
	unsigned char *mem = shared_buf(sz_epi + sz_wa + sz_wp + sz_xt);
	int64_t *wabs = (int64_t *)(mem + sz_epi);
	unsigned char *wp = mem + sz_epi + sz_wa;
	c.wp32 = (int32_t *)wp;
	c.wp16 = (int16_t *)wp;
	/* packed weights [g][mp][kp], zero padded (dot16 with im2row takes k as
	 * (ky, kx, c)), and sum |w_q| per channel */
	memset(wp, 0, sz_wp);
	int64_t wmax = 0;
	for (int64_t o = 0; o < c.m; o++) {
		int64_t gi = o / c.mg, mo = o % c.mg, sum = 0;
		const int8_t *restrict s = c.w + o * c.kk;
		for (int64_t i = 0; i < c.kk; i++)
			sum += s[i] < 0 ? -s[i] : s[i];
		wabs[o] = sum;
		wmax = sum > wmax ? sum : wmax;
		if (path == P_ROWS) {
			int32_t *d = c.wp32 + (gi * c.mp + mo) * c.kp;
			for (int64_t i = 0; i < c.kk; i++)
				d[i] = s[i];
		} else if (path == P_DOT) {
			int16_t *d = c.wp16 + (gi * c.mp + mo) * c.kp;
			if (need_xt) { /* k = (kx, ky, c), dot16_unit's order */
				for (int64_t ci = 0; ci < c.cg; ci++)
					for (int64_t ky = 0; ky < c.kh; ky++)
						for (int64_t kx = 0; kx < c.kw; kx++)
							d[(kx * c.kh + ky) * c.cg + ci] =
								s[(ci * c.kh + ky) * c.kw + kx];
			} else {
				for (int64_t i = 0; i < c.kk; i++)
					d[i] = s[i];
			}
		}
	}
	c.carry = path == P_DOT && (wmax << 15) > INT32_MAX;
	if (setup_epi16(k, &c.e, c.m, wabs, mem) < 0)
		return -1;
	double work = (double)c.nb * c.m * hw * c.kk;
	int threads = ir_threads_for(k->threads, work);
	if (path == P_DW) {
		int64_t K = c.kh, S = c.sh;
		c.dwfast = c.kh == c.kw && (K == 3 || K == 5) && (c.sw == 1 || c.sw == 2) &&
			   (S == 1 || S == 2) && c.dh == 1 && c.dw == 1;
		c.dph = xth, c.dpwid = xtw;
		ir_parallel_for(threads, c.nb * c.ci, dw_unit, &c);
		return 0;
	}
	/* bands: a few hundred KiB of packed inputs each */
	if (path == P_ROWS) {
		if (c.pointwise)
			c.cols = 2048;
		else
			c.rows = (64 * 1024) / (c.kk * c.ow > 0 ? c.kk * c.ow : 1);
	} else {
		int64_t per = 2 * c.kp + 4 * c.mp;
		if (c.pointwise) {
			c.cols = (256 * 1024 / per) & ~(int64_t)15;
			if (c.cols < 16)
				c.cols = 16;
		} else {
			c.rows = 256 * 1024 / (per * c.ow);
		}
	}
	if (c.pointwise) {
		c.nband = (hw + c.cols - 1) / c.cols;
	} else {
		if (c.rows < 1)
			c.rows = 1;
		if (c.rows > c.oh)
			c.rows = c.oh;
		c.nband = (c.oh + c.rows - 1) / c.rows;
	}
	if (path == P_ROWS) {
		ir_parallel_for(threads, c.nb * c.g * c.nband, rows16_unit, &c);
		return 0;
	}
	if (c.pointwise) {
		ir_parallel_for(threads, c.nb * c.g * c.nband, dot16_unit, &c);
		return 0;
	}
	/* dot16 over im2row: per (image, group), the NHWC plane, then the bands */
	c.xt16 = (int16_t *)(mem + sz_epi + sz_wa + sz_wp);
	c.xth = xth, c.xtw = xtw;
	for (int64_t bi = 0; bi < c.nb; bi++)
		for (int64_t gi = 0; gi < c.g; gi++) {
			c.xt_bi = bi, c.xt_gi = gi;
			ir_parallel_for(threads, xth, xt16_unit, &c);
			c.ubase = (bi * c.g + gi) * c.nband;
			ir_parallel_for(threads, c.nband, dot16_xt_unit, &c);
		}
	return 0;
}

/* ---- int16 inputs ------------------------------------------------------------------ */

/*
 * QConv and QConvTranspose on an int16 input (zero point 0, numerics.md)
 * with int8 weights: per (image, output channel, band of output rows), one
 * pass over the band per (input channel, tap) adds w * x to int32 lanes
 * across the band's outputs, vectorized along the rows. A product is at
 * most 2^15 * 2^7 = 2^22 in magnitude, so 511 passes cannot overflow int32
 * (511 * 2^22 < 2^31); after 511 the lanes are carried into int64. That is
 * the exact int64 accumulator the reference forms, in another order; then
 * the reference's epilogue: saturated to int32 with output_int32, else
 * requantized with the exact product (q_requant_out).
 *
 * The transposed conv gathers: output row oy takes input row iy where
 * oy = iy * sh + ky * dh - pt, and output column ox = ix * sw + kx * dw - pl,
 * every sw-th column from the first one that lands.
 */
#define W16_BAND 4096   /* int32 lanes per band (16 KiB), whole output rows */
#define W16_CARRY 511   /* passes before the int32 lanes are carried */

struct w16 {
	const int16_t *x;
	const int8_t *w;
	const struct ir_tensor *bt;
	const void *b;
	int transpose, int32_out;
	int64_t ci, ih, iw, m, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, cg, mg;
	int64_t rows, nband;
	const int32_t *mult, *shift;
	int32_t zy, lo, hi;
	enum ir_dtype ydt;
	void *y;
};

static void w16_unit(void *vj, int64_t u)
{
	const struct w16 *c = vj;
	int64_t band = u % c->nband, o = u / c->nband % c->m, bi = u / c->nband / c->m;
	int64_t oy0 = band * c->rows, oy1 = oy0 + c->rows < c->oh ? oy0 + c->rows : c->oh;
	int64_t nr = oy1 - oy0, ow = c->ow, np = nr * ow;
	unsigned char *mem = ir_scratch(align64(sizeof(int32_t) * (size_t)np) + sizeof(int64_t) * (size_t)np);
	int32_t *restrict a32 = (int32_t *)mem;
	int64_t *restrict a64 = (int64_t *)(mem + align64(sizeof(int32_t) * (size_t)np));
	memset(a32, 0, sizeof(int32_t) * (size_t)np);
	memset(a64, 0, sizeof(int64_t) * (size_t)np);
	int64_t gi = o / c->mg, mo = o % c->mg, passes = 0;
	for (int64_t cc = 0; cc < c->cg; cc++) {
		int64_t cin = gi * c->cg + cc;
		const int16_t *xc = c->x + (bi * c->ci + cin) * c->ih * c->iw;
		for (int64_t ky = 0; ky < c->kh; ky++)
			for (int64_t kx = 0; kx < c->kw; kx++) {
				int32_t wv = c->transpose
					? c->w[((cin * c->mg + mo) * c->kh + ky) * c->kw + kx]
					: c->w[((o * c->cg + cc) * c->kh + ky) * c->kw + kx];
				if (!wv)
					continue;
				/* the output columns [lo, hi) this tap reaches, every
				 * step-th from lo, and the input column of lo */
				int64_t lo, hi, step, ix0, sx;
				if (!c->transpose) {
					int64_t off = kx * c->dw - c->pl; /* ix = ox * sw + off */
					lo = off < 0 ? (-off + c->sw - 1) / c->sw : 0;
					hi = c->iw - 1 - off < 0 ? 0 : (c->iw - 1 - off) / c->sw + 1;
					step = 1, sx = c->sw, ix0 = lo * c->sw + off;
				} else {
					int64_t off = kx * c->dw - c->pl; /* ox = ix * sw + off */
					int64_t i0 = off < 0 ? (-off + c->sw - 1) / c->sw : 0;
					lo = i0 * c->sw + off;
					int64_t ilast = c->iw - 1;
					hi = ilast * c->sw + off + 1;
					step = c->sw, sx = 1, ix0 = i0;
				}
				if (hi > ow)
					hi = ow;
				if (lo >= hi)
					continue;
				int64_t cnt = (hi - lo + step - 1) / step;
				for (int64_t oy = oy0; oy < oy1; oy++) {
					int64_t iy;
					if (!c->transpose) {
						iy = oy * c->sh + ky * c->dh - c->pt;
					} else {
						int64_t t = oy + c->pt - ky * c->dh;
						if (t < 0 || t % c->sh)
							continue;
						iy = t / c->sh;
					}
					if (iy < 0 || iy >= c->ih)
						continue;
					const int16_t *restrict xr = xc + iy * c->iw + ix0;
					int32_t *restrict ar = a32 + (oy - oy0) * ow + lo;
					if (step == 1 && sx == 1) {
						IVDEP for (int64_t i = 0; i < cnt; i++)
							ar[i] += wv * xr[i];
					} else {
						IVDEP for (int64_t i = 0; i < cnt; i++)
							ar[i * step] += wv * xr[i * sx];
					}
				}
				if (++passes == W16_CARRY) {
					IVDEP for (int64_t i = 0; i < np; i++)
						a64[i] += a32[i];
					memset(a32, 0, sizeof(int32_t) * (size_t)np);
					passes = 0;
				}
			}
	}
	int64_t b = c->b ? get_int(c->bt->dtype, c->b, o) : 0;
	struct qmul q = {c->mult[o], c->shift[o]};
	int64_t yo = ((bi * c->m + o) * c->oh + oy0) * ow;
	for (int64_t i = 0; i < np; i++) {
		int64_t acc = a64[i] + a32[i] + b;
		int32_t v = c->int32_out ? q_sat(acc, INT32_MIN, INT32_MAX)
					 : q_requant_out(acc, q, c->zy, c->lo, c->hi);
		switch (c->ydt) {
		case IR_DTYPE_I8: ((int8_t *)c->y)[yo + i] = (int8_t)v; break;
		case IR_DTYPE_I16: ((int16_t *)c->y)[yo + i] = (int16_t)v; break;
		default: ((int32_t *)c->y)[yo + i] = v; break;
		}
	}
}

/* QConv / QConvTranspose of an int16 input by the passes above; -1 when the
 * node is not that case (the caller runs the reference). */
static int conv_w16(const struct ir_kctx *k, int transpose)
{
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *wt = k->ti[1], *yt = k->to[0];
	const struct ir_tensor *bt = n->n_in > 2 ? k->ti[2] : NULL;
	if (xt->rank != 4 || wt->rank != 4 || yt->rank != 4 || xt->dtype != IR_DTYPE_I16 ||
	    wt->dtype != IR_DTYPE_I8 || kq_zero_point(xt) != 0)
		return -1;
	if (bt && bt->dtype != IR_DTYPE_I8 && bt->dtype != IR_DTYPE_I16 && bt->dtype != IR_DTYPE_I32)
		return -1;
	struct w16 c;
	memset(&c, 0, sizeof c);
	c.transpose = transpose;
	c.int32_out = ir_attr_int(n, "output_int32", 0) != 0;
	c.ydt = yt->dtype;
	if (c.int32_out ? c.ydt != IR_DTYPE_I32
			: c.ydt != IR_DTYPE_I8 && c.ydt != IR_DTYPE_I16 && c.ydt != IR_DTYPE_I32)
		return -1;
	int64_t nb = xt->dims[0];
	c.ci = xt->dims[1], c.ih = xt->dims[2], c.iw = xt->dims[3];
	c.m = yt->dims[1], c.oh = yt->dims[2], c.ow = yt->dims[3];
	c.kh = wt->dims[2], c.kw = wt->dims[3];
	int64_t st[2] = {1, 1}, dl[2] = {1, 1}, pd[4] = {0, 0, 0, 0};
	ir_attr_ints(n, "strides", st, 2);
	ir_attr_ints(n, "dilations", dl, 2);
	ir_attr_ints(n, "pads", pd, 4);
	c.sh = st[0], c.sw = st[1], c.dh = dl[0], c.dw = dl[1], c.pt = pd[0], c.pl = pd[1];
	int64_t g = ir_attr_int(n, "group", 1);
	c.cg = c.ci / g, c.mg = c.m / g;
	if (c.ow == 0 || c.oh == 0 || c.m == 0 || nb == 0)
		return -1;
	c.x = k->in[0], c.w = k->in[1], c.bt = bt, c.b = bt ? k->in[2] : NULL;
	c.y = k->out[0];
	c.zy = kq_zero_point(yt);
	kq_out_range(n, yt, &c.lo, &c.hi);
	if (c.lo > c.hi)
		return -1;
	int32_t *ms = shared_buf(sizeof(int32_t) * 2 * (size_t)c.m);
	const struct ir_attr *ma = ir_attr_find(n, "mult"), *ra = ir_attr_find(n, "shift");
	for (int64_t o = 0; o < c.m; o++) {
		struct qmul q = {1, 0};
		if (ma && ma->type == IR_ATTR_INTS && ma->n)
			q.m = (int32_t)ma->ints[ma->n == 1 ? 0 : o];
		else if (ma && ma->type == IR_ATTR_INT)
			q.m = (int32_t)ma->i;
		if (ra && ra->type == IR_ATTR_INTS && ra->n)
			q.r = (int)ra->ints[ra->n == 1 ? 0 : o];
		else if (ra && ra->type == IR_ATTR_INT)
			q.r = (int)ra->i;
		if (!c.int32_out && (q.r < 0 || q.r > 62))
			return -1;
		ms[o] = q.m;
		ms[c.m + o] = q.r;
	}
	c.mult = ms, c.shift = ms + c.m;
	c.rows = W16_BAND / c.ow;
	if (c.rows < 1)
		c.rows = 1;
	if (c.rows > c.oh)
		c.rows = c.oh;
	c.nband = (c.oh + c.rows - 1) / c.rows;
	double work = (double)nb * c.m * c.oh * c.ow * c.cg * c.kh * c.kw / (transpose ? c.sh * c.sw : 1);
	ir_parallel_for(ir_threads_for(k->threads, work), nb * c.m * c.nband, w16_unit, &c);
	return 0;
}

/* ---- QConvTranspose ------------------------------------------------------------- */

struct qct {
	int64_t nb, ci, ih, iw, m, oh, ow, g, cg, mg, kh, kw, sh, sw, dh, dw, pt, pl;
	int64_t taps, tp, kp;   /* kh * kw, padded to RM; cg padded to RK / 2 */
	const int8_t *x;
	const int16_t *wp;      /* [m][tp][kp]: the taps of an output channel by input channel */
	int16_t *xpk;           /* the input packed: [nb][g][ih][iwp / RN][kp][RN] (int16 */
				/* inputs as they are, int8 ones widened) */
	int64_t iwp;
	const uint32_t *tcorr;  /* [m][tp]: -z_x * the tap's weight sum, modulo 2^32 */
	struct epi e;
	/* an int16 input (NULL for int8): rows16_block's int32 weights [m][tp][kp] */
	const int16_t *x16;
	const int32_t *wp32;
};

/* The panels of input row u = (image, group, row), packed once for every
 * output channel. */
static void ct_pack_unit(void *vj, int64_t u)
{
	const struct qct *c = vj;
	int64_t iy = u % c->ih, gi = u / c->ih % c->g, bi = u / c->ih / c->g;
	if (c->x16) {
		const int16_t **rows = ir_scratch(sizeof(int16_t *) * (size_t)c->cg);
		for (int64_t cc = 0; cc < c->cg; cc++)
			rows[cc] = c->x16 + (bi * c->ci + gi * c->cg + cc) * c->ih * c->iw + iy * c->iw;
		int16_t *xp = c->xpk + u * (c->iwp / RN) * c->kp * RN;
		for (int64_t ix = 0; ix < c->iw; ix += RN)
			rows16_pack(rows, c->cg, c->kp, ix, c->iw - ix < RN ? c->iw - ix : RN,
				    xp + ix / RN * c->kp * RN);
		return;
	}
	const int8_t **rows = ir_scratch(sizeof(int8_t *) * (size_t)c->cg);
	for (int64_t cc = 0; cc < c->cg; cc++)
		rows[cc] = c->x + (bi * c->ci + gi * c->cg + cc) * c->ih * c->iw + iy * c->iw;
	int16_t *xp = c->xpk + u * (c->iwp / RN) * c->kp * RN;
	for (int64_t ix = 0; ix < c->iw; ix += RN)
		rows_pack(rows, c->cg, c->kp, ix, c->iw - ix < RN ? c->iw - ix : RN,
			  xp + ix / RN * c->kp * RN);
}

/* One (image, output channel), an input row at a time: every tap's products
 * of the row's pixels by the rows kernel, added onto an int32 plane where
 * the tap lands (any order: integer sums), then the epilogue. */
static void ct_unit(void *vj, int64_t u)
{
	const struct qct *c = vj;
	int64_t o = u % c->m, bi = u / c->m, gi = o / c->mg;
	int64_t ohw = c->oh * c->ow, kp = c->kp, iwp = c->iwp;
	size_t sz_plane = align64(sizeof(uint32_t) * (size_t)ohw);
	unsigned char *s = ir_scratch(sz_plane + sizeof(int32_t) * (size_t)(c->tp * iwp));
	uint32_t *plane = (uint32_t *)s;
	int32_t *gt = (int32_t *)(s + sz_plane);
	memset(plane, 0, sizeof(uint32_t) * (size_t)ohw);
	const int16_t *xpk = c->xpk + (bi * c->g + gi) * c->ih * iwp * kp;
	const int16_t *wo = c->wp + o * c->tp * kp;
	const uint32_t *tc = c->tcorr + o * c->tp;
	int32_t acc[RM * RN];
	int pair = c->kw == 2 && c->sw == 2 && c->dw == 1 && c->pl == 0 && c->ow == 2 * c->iw;
	const int32_t *wo32 = c->x16 ? c->wp32 + o * c->tp * kp : NULL;
	for (int64_t iy = 0; iy < c->ih; iy++) {
		/* gt[t][ix]: tap t of input pixel (iy, ix) */
		for (int64_t ix = 0; ix < c->iw; ix += RN)
			for (int64_t tb = 0; tb < c->tp; tb += RM) {
				if (c->x16)
					rows16_block(xpk + (iy * iwp + ix) * kp, wo32 + tb * kp, kp, acc);
				else
					rows_block(xpk + (iy * iwp + ix) * kp, wo + tb * kp, kp, acc);
				for (int64_t i = 0; i < RM; i++)
					memcpy(gt + (tb + i) * iwp + ix, acc + i * RN, sizeof(int32_t) * RN);
			}
		for (int64_t ky = 0; ky < c->kh; ky++) {
			int64_t oy = iy * c->sh + ky * c->dh - c->pt;
			if (oy < 0 || oy >= c->oh)
				continue;
			uint32_t *restrict orow = plane + oy * c->ow;
			if (pair) { /* 2x2 stride 2: the two taps fill even and odd columns */
				const int32_t *restrict g0 = gt + ky * 2 * iwp, *restrict g1 = g0 + iwp;
				uint32_t a0 = tc[ky * 2], a1 = tc[ky * 2 + 1];
				IVDEP for (int64_t ix = 0; ix < c->iw; ix++) {
					orow[2 * ix] += (uint32_t)g0[ix] + a0;
					orow[2 * ix + 1] += (uint32_t)g1[ix] + a1;
				}
				continue;
			}
			for (int64_t kx = 0; kx < c->kw; kx++) {
				int64_t t = ky * c->kw + kx, off = kx * c->dw - c->pl;
				/* 0 <= ix * sw + off < ow */
				int64_t lo = off < 0 ? (-off + c->sw - 1) / c->sw : 0;
				int64_t hi = c->ow - off <= 0 ? 0 : (c->ow - off + c->sw - 1) / c->sw;
				if (hi > c->iw)
					hi = c->iw;
				const int32_t *restrict gr = gt + t * iwp;
				uint32_t add = tc[t];
				int64_t sw = c->sw;
				for (int64_t ix = lo; ix < hi; ix++)
					orow[ix * sw + off] += (uint32_t)gr[ix] + add;
			}
		}
	}
	if (c->x16)
		emit16(&c->e, o, (const int32_t *)plane, NULL, ohw, (bi * c->m + o) * ohw);
	else
		emit(&c->e, o, 0, (const int32_t *)plane, ohw, (bi * c->m + o) * ohw);
}

/* An int16 input takes the same path (rows16_pack, rows16_block, no
 * zero-point corrections) when every output channel's sums are exact in
 * int32: 2^15 * sum |w_q| over its input channels and taps below 2^31 (see
 * "int16 inputs" above; an output sums at most all of them), with emit16's
 * epilogue; else the int16 passes, which carry. */
int k_qconv_transpose(const struct ir_kctx *k)
{
	if (kq_use_ref())
		return k_qconv_transpose_ref(k);
	int x16 = k->ti[0]->dtype == IR_DTYPE_I16;
	if (x16 ? !fast16_ok(k) : !fast_ok(k))
		return x16 && conv_w16(k, 1) == 0 ? 0 : k_qconv_transpose_ref(k);
	const struct ir_node *n = k->n;
	const struct ir_tensor *xt = k->ti[0], *wt = k->ti[1], *yt = k->to[0];
	struct qct c;
	memset(&c, 0, sizeof c);
	c.nb = xt->dims[0], c.ci = xt->dims[1], c.ih = xt->dims[2], c.iw = xt->dims[3];
	c.m = yt->dims[1], c.oh = yt->dims[2], c.ow = yt->dims[3];
	c.kh = wt->dims[2], c.kw = wt->dims[3];
	int64_t st[2] = {1, 1}, dl[2] = {1, 1}, pd[4] = {0, 0, 0, 0};
	ir_attr_ints(n, "strides", st, 2);
	ir_attr_ints(n, "dilations", dl, 2);
	ir_attr_ints(n, "pads", pd, 4);
	c.sh = st[0], c.sw = st[1], c.dh = dl[0], c.dw = dl[1], c.pt = pd[0], c.pl = pd[1];
	c.g = ir_attr_int(n, "group", 1), c.cg = c.ci / c.g, c.mg = c.m / c.g;
	c.taps = c.kh * c.kw;
	c.tp = round_up(c.taps, RM);
	c.kp = round_up(c.cg, RK / 2);
	const int8_t *w = k->in[1];
	int32_t zx = kq_zero_point(xt);
	int64_t nw = c.ci * c.mg * c.taps;
	if (c.cg * c.taps > MAX_TAPS || c.m == 0 || c.nb == 0)
		return x16 && conv_w16(k, 1) == 0 ? 0 : k_qconv_transpose_ref(k);
	if (x16) {
		c.x16 = k->in[0];
	} else {
		c.x = k->in[0];
		int wmin128 = 0;
		for (int64_t i = 0; i < nw; i++)
			wmin128 |= w[i] == -128;
		if (wmin128)
			return k_qconv_transpose_ref(k);
	}
	size_t sz_epi = x16 ? epi16_bytes(c.m) : epi_bytes(c.m);
	size_t sz_tc = align64(sizeof(uint32_t) * (size_t)(c.m * c.tp));
	size_t sz_wa = align64(sizeof(int64_t) * (size_t)c.m);
	size_t es = x16 ? sizeof(int32_t) : sizeof(int16_t); /* packed weights */
	c.iwp = round_up(c.iw, RN);
	size_t sz_wp = align64(es * (size_t)(c.m * c.tp * c.kp));
	unsigned char *mem = shared_buf(sz_epi + sz_tc + sz_wa + sz_wp +
					sizeof(int16_t) * (size_t)(c.nb * c.g * c.ih * c.iwp * c.kp));
	uint32_t *tcorr = (uint32_t *)(mem + sz_epi);
	int64_t *wabs = (int64_t *)(mem + sz_epi + sz_tc);
	unsigned char *wp = mem + sz_epi + sz_tc + sz_wa;
	int16_t *wp16 = (int16_t *)wp;
	int32_t *wp32 = (int32_t *)wp;
	memset(wp, 0, sz_wp);
	memset(tcorr, 0, sizeof(uint32_t) * (size_t)(c.m * c.tp));
	int64_t wmax = 0;
	for (int64_t o = 0; o < c.m; o++) {
		int64_t gi = o / c.mg, mo = o % c.mg;
		wabs[o] = 0;
		for (int64_t t = 0; t < c.taps; t++) {
			int64_t sum = 0;
			for (int64_t cc = 0; cc < c.cg; cc++) {
				int8_t v = w[((gi * c.cg + cc) * c.mg + mo) * c.taps + t];
				if (x16)
					wp32[(o * c.tp + t) * c.kp + cc] = v;
				else
					wp16[(o * c.tp + t) * c.kp + cc] = v;
				sum += v;
				wabs[o] += v < 0 ? -v : v;
			}
			tcorr[o * c.tp + t] = (uint32_t)(-(int64_t)zx * sum);
		}
		wmax = wabs[o] > wmax ? wabs[o] : wmax;
	}
	if (x16 && (wmax << 15) > INT32_MAX)
		return conv_w16(k, 1) == 0 ? 0 : k_qconv_transpose_ref(k);
	/* the corrections are per tap (int16: z_x = 0, none) */
	if ((x16 ? setup_epi16(k, &c.e, c.m, wabs, mem) : setup_epi(k, &c.e, c.m, NULL, 0, mem)) < 0)
		return x16 && conv_w16(k, 1) == 0 ? 0 : k_qconv_transpose_ref(k);
	c.wp = wp16;
	c.wp32 = wp32;
	c.tcorr = tcorr;
	c.xpk = (int16_t *)(wp + sz_wp);
	double work = (double)c.nb * c.ci * c.ih * c.iw * c.mg * c.taps;
	int threads = ir_threads_for(k->threads, work);
	ir_parallel_for(threads, c.nb * c.g * c.ih, ct_pack_unit, &c);
	ir_parallel_for(threads, c.nb * c.m, ct_unit, &c);
	return 0;
}
