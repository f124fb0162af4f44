/*
 * blas.h: which kernels OpenBLAS runs.
 *
 * OpenBLAS picks its GEMM kernels by CPU detection when it loads, unless
 * OPENBLAS_CORETYPE names a kernel set; the tools never override that
 * variable (it is the user's), but report the choice next to timings,
 * because AVX2 ("Haswell") and AVX-512 ("SkylakeX", "Cooperlake") kernels
 * differ twofold in speed on the same machine.
 */
#ifndef BLAS_H
#define BLAS_H

/* The kernel set OpenBLAS chose ("Cooperlake", "Haswell", ...). */
const char *blas_core(void);

#endif
