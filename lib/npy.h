/*
 * npy.h: NumPy .npy files (format versions 1.0, 2.0, 3.0), the tensor files
 * ir-run reads and writes. Little-endian, C order; every IR dtype maps to a
 * numpy descr (bf16, which numpy lacks, is written as '<u2' raw bits).
 */
#ifndef NPY_H
#define NPY_H

#include "ir.h"

/* A detached tensor (free with ir_tensor_free); NULL + ir_errmsg naming the
 * file on error. */
struct ir_tensor *npy_read(const char *path);
/* Writes atomically (temporary name, then rename); -1 + ir_errmsg. */
int npy_write(const char *path, enum ir_dtype dt, int rank, const int64_t *dims,
	      const void *data);

/* Reads a tensor file of either kind the tools accept: .npy (by its magic)
 * or a serialized ONNX TensorProto (the ONNX test data's .pb files). */
struct ir_tensor *tensor_file_read(const char *path);

#endif
