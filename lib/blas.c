/*
 * blas.c: see blas.h.
 */
#include "blas.h"

#include <cblas.h>

char *openblas_get_corename(void);

const char *blas_core(void)
{
	const char *s = openblas_get_corename();
	return s ? s : "unknown";
}
