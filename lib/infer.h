/*
 * infer.h: the shape-inference functions the operator table (ops.c) points
 * at; infer.c implements them. Each sets its node's output dtypes and
 * shapes after checking its inputs and attributes (formats/ir.md).
 */
#ifndef INFER_H
#define INFER_H

#include "ir.h"

int infer_binary(struct ir_graph *g, struct ir_node *n);
int infer_unary(struct ir_graph *g, struct ir_node *n);
int infer_clip(struct ir_graph *g, struct ir_node *n);
int infer_prelu(struct ir_graph *g, struct ir_node *n);
int infer_softmax(struct ir_graph *g, struct ir_node *n);
int infer_conv(struct ir_graph *g, struct ir_node *n);
int infer_conv_transpose(struct ir_graph *g, struct ir_node *n);
int infer_pool(struct ir_graph *g, struct ir_node *n);
int infer_global_pool(struct ir_graph *g, struct ir_node *n);
int infer_gemm(struct ir_graph *g, struct ir_node *n);
int infer_matmul(struct ir_graph *g, struct ir_node *n);
int infer_batch_norm(struct ir_graph *g, struct ir_node *n);
int infer_concat(struct ir_graph *g, struct ir_node *n);
int infer_split(struct ir_graph *g, struct ir_node *n);
int infer_slice(struct ir_graph *g, struct ir_node *n);
int infer_gather(struct ir_graph *g, struct ir_node *n);
int infer_reshape(struct ir_graph *g, struct ir_node *n);
int infer_transpose(struct ir_graph *g, struct ir_node *n);
int infer_flatten(struct ir_graph *g, struct ir_node *n);
int infer_squeeze(struct ir_graph *g, struct ir_node *n);
int infer_unsqueeze(struct ir_graph *g, struct ir_node *n);
int infer_expand(struct ir_graph *g, struct ir_node *n);
int infer_resize(struct ir_graph *g, struct ir_node *n);
int infer_pad(struct ir_graph *g, struct ir_node *n);
int infer_reduce(struct ir_graph *g, struct ir_node *n);
int infer_argmax(struct ir_graph *g, struct ir_node *n);
int infer_identity(struct ir_graph *g, struct ir_node *n);
int infer_cast(struct ir_graph *g, struct ir_node *n);
int infer_shape(struct ir_graph *g, struct ir_node *n);
int infer_constant_of_shape(struct ir_graph *g, struct ir_node *n);

int infer_size(struct ir_graph *g, struct ir_node *n);
int infer_layer_norm(struct ir_graph *g, struct ir_node *n);
int infer_quantize(struct ir_graph *g, struct ir_node *n);
int infer_qlut(struct ir_graph *g, struct ir_node *n);
int infer_qrequant(struct ir_graph *g, struct ir_node *n);

#endif
