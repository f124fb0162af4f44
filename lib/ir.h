/*
 * ir.h: the in-memory graph every tool of the toolchain shares.
 *
 * A graph is plain data: an array of tensors (model inputs, constants with
 * their bytes, and every node output with its static shape), an array of
 * nodes in topological order that refer to tensors by index, the model's
 * input and output lists, and the annotations later stages add. The on-disk
 * form (formats/ir.proto inside the stream of formats/ir.md) maps field for
 * field onto these structs; ir_io.c converts, ir_text.c prints and parses the
 * text form.
 *
 * Building a small graph by hand:
 *
 *     struct ir_graph *g = ir_graph_new("tiny");
 *     int64_t d[] = {1, 3, 8, 8};
 *     int x = ir_tensor_add(g, "x", IR_DTYPE_F32, 4, d);
 *     ir_graph_add_input(g, x);
 *     int y = ir_tensor_add(g, "y", IR_DTYPE_F32, 0, NULL);  // shape inferred
 *     struct ir_node *n = ir_node_add(g, "relu1", IR_OP_RELU);
 *     ir_node_add_input(n, x);
 *     ir_node_add_output(n, y);
 *     ir_graph_add_output(g, y);
 *     if (ir_graph_infer(g) < 0) die("%s", ir_errmsg);
 *
 * Library functions report errors by returning -1 (or NULL) after writing one
 * sentence into ir_errmsg; the tool prefixes its name and prints it.
 */
#ifndef IR_H
#define IR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IR_MAX_RANK 8
#define IR_VERSION_MAJOR 1
#define IR_VERSION_MINOR 0
#define BPU_TOOLCHAIN_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------ */

extern char ir_errmsg[1024];
/* Writes the message into ir_errmsg and returns -1. */
int ir_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, for input that is well-formed but uses something this toolchain
 * does not implement (a dtype an op lacks, ...): also sets
 * ir_err_unsupported, which tools turn into exit status 3. */
int ir_unsupported(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int ir_err_unsupported;

/* ---- element types (numbers = formats/ir.proto DType = ONNX's) --------- */

enum ir_dtype {
	IR_DTYPE_UNDEFINED = 0,
	IR_DTYPE_F32 = 1,
	IR_DTYPE_U8 = 2,
	IR_DTYPE_I8 = 3,
	IR_DTYPE_U16 = 4,
	IR_DTYPE_I16 = 5,
	IR_DTYPE_I32 = 6,
	IR_DTYPE_I64 = 7,
	IR_DTYPE_BOOL = 9,
	IR_DTYPE_F16 = 10,
	IR_DTYPE_F64 = 11,
	IR_DTYPE_U32 = 12,
	IR_DTYPE_U64 = 13,
	IR_DTYPE_BF16 = 16,
	IR_DTYPE_LIMIT = 17
};

size_t ir_dtype_size(enum ir_dtype t);          /* 0 for unknown */
const char *ir_dtype_name(enum ir_dtype t);     /* "f32", "i64", ... */
enum ir_dtype ir_dtype_from_name(const char *s); /* UNDEFINED if unknown */
int ir_dtype_is_float(enum ir_dtype t);
int ir_dtype_is_signed_int(enum ir_dtype t);
int ir_dtype_is_unsigned_int(enum ir_dtype t);  /* includes BOOL */

/* Half-precision conversions (dtype.c): to f32 exact; from f32, f16 rounds
 * to nearest even and bf16 truncates (ONNX 1.12's Cast); NaN stays NaN. */
float ir_f16_to_f32(uint16_t h);
uint16_t ir_f32_to_f16(float f);
float ir_bf16_to_f32(uint16_t h);
uint16_t ir_f32_to_bf16(float f);
/* Element i of an array of dtype t, as a double (exact for every type but
 * 64-bit integers beyond 2^53). */
double ir_elem_get(enum ir_dtype t, const void *data, size_t i);

/* ---- tensors ----------------------------------------------------------- */

struct ir_quant {
	enum ir_dtype dtype;
	int n;                 /* number of scales: 1, or channels */
	float *scale;
	int32_t *zero_point;   /* NULL or n entries */
	int axis;
	char *method;
};

struct ir_tensor {
	char *name;
	enum ir_dtype dtype;
	int rank;              /* -1 while the shape is unknown (during import) */
	int64_t dims[IR_MAX_RANK];
	void *data;            /* constants only: numel * dtype size bytes, owned */
	struct ir_quant *quant;
	int producer;          /* index of the node writing it, -1 if none */
};

int64_t ir_shape_numel(int rank, const int64_t *dims);
int64_t ir_tensor_numel(const struct ir_tensor *t);
size_t ir_tensor_nbytes(const struct ir_tensor *t);
/* "f32[1,3,48,192]" into buf; returns buf. */
char *ir_tensor_type_str(const struct ir_tensor *t, char *buf, size_t n);
char *ir_shape_str(int rank, const int64_t *dims, char *buf, size_t n);
int ir_tensor_is_const(const struct ir_tensor *t);

/* ---- attributes -------------------------------------------------------- */

enum ir_attr_type {
	IR_ATTR_INT,
	IR_ATTR_FLOAT,
	IR_ATTR_STRING,
	IR_ATTR_INTS,
	IR_ATTR_FLOATS,
	IR_ATTR_STRINGS,
	IR_ATTR_TENSOR
};

struct ir_attr {
	char *name;
	enum ir_attr_type type;
	int64_t i;
	float f;
	char *s;
	int n;                 /* length of ints / floats / strings */
	int64_t *ints;
	float *floats;
	char **strings;
	struct ir_tensor *t;   /* a detached tensor (not in the graph's table) */
};

/* ---- operators (names in formats/ir.md; the enum is never written) ----- */

enum ir_op {
	IR_OP_INVALID = 0,
	IR_OP_ADD, IR_OP_SUB, IR_OP_MUL, IR_OP_DIV, IR_OP_POW,
	IR_OP_MIN, IR_OP_MAX,
	IR_OP_RELU, IR_OP_LEAKY_RELU, IR_OP_PRELU, IR_OP_CLIP,
	IR_OP_SIGMOID, IR_OP_TANH, IR_OP_HARD_SIGMOID, IR_OP_HARD_SWISH,
	IR_OP_ERF, IR_OP_SQRT, IR_OP_EXP, IR_OP_LOG, IR_OP_ABS, IR_OP_NEG,
	IR_OP_RECIPROCAL, IR_OP_SOFTMAX,
	IR_OP_CONV, IR_OP_CONV_TRANSPOSE, IR_OP_GEMM, IR_OP_MATMUL,
	IR_OP_BATCH_NORM,
	IR_OP_MAX_POOL, IR_OP_AVERAGE_POOL, IR_OP_GLOBAL_AVERAGE_POOL,
	IR_OP_GLOBAL_MAX_POOL,
	IR_OP_CONCAT, IR_OP_SPLIT, IR_OP_SLICE, IR_OP_GATHER, IR_OP_RESHAPE,
	IR_OP_TRANSPOSE, IR_OP_FLATTEN, IR_OP_SQUEEZE, IR_OP_UNSQUEEZE,
	IR_OP_EXPAND, IR_OP_RESIZE, IR_OP_PAD,
	IR_OP_REDUCE_MEAN, IR_OP_REDUCE_MAX, IR_OP_REDUCE_MIN, IR_OP_REDUCE_SUM,
	IR_OP_ARGMAX, IR_OP_IDENTITY, IR_OP_DROPOUT, IR_OP_CAST,
	IR_OP_SHAPE, IR_OP_SIZE, IR_OP_CONSTANT_OF_SHAPE,
	/* made by ir-fuse from exporters' patterns (and LayerNormalization-17) */
	IR_OP_SILU, IR_OP_GELU, IR_OP_LAYER_NORM,
	/* made by ir-partition at BPU/CPU boundaries */
	IR_OP_QUANTIZE, IR_OP_DEQUANTIZE,
	/* integer ops made by ir-quant (formats/numerics.md) */
	IR_OP_QCONV, IR_OP_QCONV_TRANSPOSE, IR_OP_QADD, IR_OP_QSUB, IR_OP_QMUL,
	IR_OP_QLUT, IR_OP_QREQUANT, IR_OP_QAVERAGE_POOL, IR_OP_QGLOBAL_AVERAGE_POOL,
	IR_OP_QRESIZE,
	IR_OP_COUNT
};

const char *ir_op_name(enum ir_op op);
/* Is op one of ir-quant's integer ops (QConv ... QResize)? */
int ir_op_is_quantized(enum ir_op op);
enum ir_op ir_op_from_name(const char *s);  /* IR_OP_INVALID if unknown */

/* ---- nodes ------------------------------------------------------------- */

enum ir_place { IR_PLACE_UNPLACED = 0, IR_PLACE_BPU = 1, IR_PLACE_CPU = 2 };

struct ir_node {
	char *name;
	enum ir_op op;
	int n_in, n_out;
	int *in;               /* tensor indices; -1 = optional input left out */
	int *out;
	int n_attr;
	struct ir_attr *attr;  /* sorted by name */
	enum ir_place place;
	int segment;
	char *reason;
	char *origin;
	char *qtype;           /* "int16" when node-info asked for it (ir-partition) */
	int line;              /* the text-form line it came from, 0 if none (not stored) */
	int dead;              /* marked for removal by a pass (not stored) */
};

/* ---- graphs ------------------------------------------------------------ */

struct ir_prov {
	char *tool;
	char *version;
	int argc;
	char **argv;
};

struct ir_graph {
	char *name;
	int n_tensors, cap_tensors;
	struct ir_tensor **tensors;
	int n_nodes, cap_nodes;
	struct ir_node *nodes;
	int n_inputs, n_outputs;
	int *inputs, *outputs;
	int n_prov;
	struct ir_prov *prov;
	int n_meta;
	char **meta_key, **meta_val;
	char *march_name;
	void *march_text;
	size_t march_len;
	/* name -> tensor index hash (open addressing) */
	int hash_cap;
	int *hash;
};

struct ir_graph *ir_graph_new(const char *name);
void ir_graph_free(struct ir_graph *g);

/* Adds a tensor; rank < 0 = shape still unknown. Returns its index, or -1
 * (ir_errmsg) if the name is taken. */
int ir_tensor_add(struct ir_graph *g, const char *name, enum ir_dtype dt,
		  int rank, const int64_t *dims);
/* Adds a constant taking ownership of data (numel * size bytes). */
int ir_const_add(struct ir_graph *g, const char *name, enum ir_dtype dt,
		 int rank, const int64_t *dims, void *data);
int ir_tensor_find(const struct ir_graph *g, const char *name); /* -1 if absent */
/* A name not yet used in g, made from base ("base", "base_1", ...). */
char *ir_unique_name(const struct ir_graph *g, const char *base);
void ir_tensor_set_shape(struct ir_tensor *t, int rank, const int64_t *dims);

void ir_graph_add_input(struct ir_graph *g, int t);
void ir_graph_add_output(struct ir_graph *g, int t);
int ir_graph_is_input(const struct ir_graph *g, int t);
int ir_graph_is_output(const struct ir_graph *g, int t);

/* Appends a node; the pointer is valid until the next ir_node_add. */
struct ir_node *ir_node_add(struct ir_graph *g, const char *name, enum ir_op op);
void ir_node_add_input(struct ir_node *n, int t);
void ir_node_add_output(struct ir_node *n, int t);
void ir_node_free_contents(struct ir_node *n);
/* The node named name, or NULL. */
struct ir_node *ir_node_find(const struct ir_graph *g, const char *name);

/* Attributes: setters replace an attribute of the same name and keep the
 * list sorted by name. Getters return the default when absent. */
struct ir_attr *ir_attr_find(const struct ir_node *n, const char *name);
void ir_attr_set_int(struct ir_node *n, const char *name, int64_t v);
void ir_attr_set_float(struct ir_node *n, const char *name, float v);
void ir_attr_set_string(struct ir_node *n, const char *name, const char *v);
void ir_attr_set_ints(struct ir_node *n, const char *name, int cnt, const int64_t *v);
void ir_attr_set_floats(struct ir_node *n, const char *name, int cnt, const float *v);
void ir_attr_set_strings(struct ir_node *n, const char *name, int cnt, char *const *v);
void ir_attr_set_tensor(struct ir_node *n, const char *name, struct ir_tensor *t);
void ir_attr_del(struct ir_node *n, const char *name);
int64_t ir_attr_int(const struct ir_node *n, const char *name, int64_t def);
float ir_attr_float(const struct ir_node *n, const char *name, float def);
const char *ir_attr_string(const struct ir_node *n, const char *name, const char *def);
/* Copies up to max ints into out; returns the count, or -1 if absent. */
int ir_attr_ints(const struct ir_node *n, const char *name, int64_t *out, int max);
void ir_attr_copy(struct ir_attr *dst, const struct ir_attr *src);
void ir_attr_free(struct ir_attr *a);

struct ir_tensor *ir_tensor_dup(const struct ir_tensor *t);
void ir_tensor_free(struct ir_tensor *t);

void ir_graph_add_prov(struct ir_graph *g, const char *tool, int argc, char **argv);
void ir_graph_set_meta(struct ir_graph *g, const char *key, const char *val);

/* Recomputes every tensor's producer; checks names unique, every node input
 * defined before use, topological order. Returns -1 with ir_errmsg. */
int ir_graph_check(struct ir_graph *g);
/* Drops tensors no node, input or output refers to; renumbers. */
void ir_graph_compact(struct ir_graph *g);
/* Runs shape inference over every node in order. */
int ir_graph_infer(struct ir_graph *g);
/* Deletes node i (does not touch tensors). */
void ir_graph_remove_node(struct ir_graph *g, int i);
/* Sorts nodes topologically (stable); -1 on a cycle. */
int ir_graph_toposort(struct ir_graph *g);

/* ---- I/O: formats/ir.md ------------------------------------------------ */

/* Reads a binary or text IR stream held in memory (sniffs the magic); what
 * names the input for messages. NULL with ir_errmsg on failure. */
struct ir_graph *ir_read_mem(const void *buf, size_t len, const char *what);
/* The same without the operator checks (ir_graph_verify): for tests of the
 * syntax alone. */
struct ir_graph *ir_read_mem_unverified(const void *buf, size_t len, const char *what);
/* Binary stream. Returns -1 on a write error. */
int ir_write(const struct ir_graph *g, FILE *f);
/* A deep copy of g (through its serialized form; NULL + ir_errmsg only if
 * g could not be read back, which would be a bug). */
struct ir_graph *ir_graph_clone(const struct ir_graph *g);

/* Text form (ir_text.c). full: print every constant's values. */
enum { IR_TEXT_FULL = 1 };
int ir_text_write(const struct ir_graph *g, FILE *f, int flags);
struct ir_graph *ir_text_parse(const char *text, size_t len, const char *what);

#endif
