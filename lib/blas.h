/*
 * blas.h: OpenBLAS set-up for the tools that run graphs.
 *
 * Debian's OpenBLAS (0.3.21) picks its kernels by CPU model at load time and
 * does not know CPUs newer than it (AMD Zen 5, for one): it falls back to its
 * AVX2 "Haswell" kernels even where AVX-512 is there, which halves GEMM
 * speed. blas_setup() checks for that case and, if so, re-executes the
 * program with OPENBLAS_CORETYPE=SkylakeX (OpenBLAS's AVX-512 kernels), the
 * documented way to override the choice; it has to be set before the
 * library loads, hence the exec. A user's own OPENBLAS_CORETYPE is never
 * overridden. Call it first thing in main, before reading any input.
 */
#ifndef BLAS_H
#define BLAS_H

void blas_setup(char **argv);
/* The kernel set OpenBLAS chose ("SkylakeX", "Haswell", ...). */
const char *blas_core(void);

#endif
