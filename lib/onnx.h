/*
 * onnx.h: reading ONNX (models and TensorProto files) into the IR.
 *
 * The ONNX protobuf parser is generated at build time by protoc-c from the
 * system's onnx.proto (Debian libonnx-dev); nothing here restates the schema.
 *
 * onnx_import() turns a ModelProto into a float-stage IR graph
 * (formats/ir.md, invariants 1-7): every ONNX node becomes one canonical IR
 * node (a few become two or three), shapes are inferred node by node as the
 * graph is built, and shape subgraphs are folded into constants as soon as
 * their inputs are known, which is what lets a later Reshape take its shape
 * as an attribute.
 */
#ifndef ONNX_H
#define ONNX_H

#include "ir.h"

/* --input-shape NAME=1x3x48x192, or --freeze NAME=FILE (value set: the
 * input becomes a constant holding value, shape and dtype from the file). */
struct onnx_shape {
	const char *name;
	int rank;
	int64_t dims[IR_MAX_RANK];
	struct ir_tensor *value;
	int used;
};

/* When onnx_import fails because the model uses something this importer
 * does not support (an op, an attribute form, a dtype), as opposed to a
 * malformed file, it sets ir_err_unsupported (ir.h); onnx2ir exits 3 then. */

struct ir_graph *onnx_import(const char *path, int n_shapes, struct onnx_shape *shapes);

/* Reads one serialized TensorProto (the ONNX test-data input_0.pb files)
 * into a detached tensor (ir_tensor_free). */
struct ir_tensor *onnx_tensor_read(const char *path);

#endif
