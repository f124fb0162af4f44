/*
 * k_quant.h: what the integer kernels share beyond the operator table
 * (ops.h declares the fast kernels it runs): the reference kernels, the
 * definition the fast ones and the BPU simulator are checked against bit
 * for bit (tests/unit/test_qkernels.c), and small helpers of k_quant.c
 * that k_qconv.c uses.
 */
#ifndef K_QUANT_H
#define K_QUANT_H

#include "ops.h"

/* Non-zero when BPU_QREF is set to anything but empty or "0": every fast
 * kernel then calls its reference (read once). */
int kq_use_ref(void);
/* A tensor's per-tensor zero point (0 when symmetric). */
int32_t kq_zero_point(const struct ir_tensor *t);
/* The output clamp of an integer node: out_min/out_max, within y's type. */
void kq_out_range(const struct ir_node *n, const struct ir_tensor *y, int32_t *lo, int32_t *hi);

/* The references, one output at a time, written for clarity. */
int k_qconv_ref(const struct ir_kctx *k);
int k_qconv_transpose_ref(const struct ir_kctx *k);
int k_qadd_ref(const struct ir_kctx *k);
int k_qmul_ref(const struct ir_kctx *k);
int k_qlut_ref(const struct ir_kctx *k);
int k_qrequant_ref(const struct ir_kctx *k);
int k_qpool_ref(const struct ir_kctx *k);
int k_qresize_ref(const struct ir_kctx *k);

#endif
