/*
 * blas.c: see blas.h.
 */
#include "blas.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *openblas_get_corename(void);

const char *blas_core(void)
{
	return openblas_get_corename();
}

void blas_setup(char **argv)
{
	if (getenv("OPENBLAS_CORETYPE"))
		return;
	const char *core = openblas_get_corename();
	if (!core || strstr(core, "SkylakeX") || strstr(core, "Cooperlake") ||
	    strstr(core, "SapphireRapids"))
		return;
	__builtin_cpu_init();
	if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
	      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")))
		return;
	setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
	execv("/proc/self/exe", argv);
	/* exec failed: carry on with the kernels we have */
}
