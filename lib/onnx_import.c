/*
 * onnx_import.c: ONNX ModelProto -> float-stage IR (onnx.h).
 *
 * One pass over the ONNX nodes in topological order. For each node the
 * importer converts ONNX's operator (at the model's opset) into the canonical
 * IR operator of formats/ir.md, moving inputs that must be constant into
 * attributes; then it infers the output shapes and, for shape operations
 * whose inputs are all constant, evaluates the node with the float kernels
 * and replaces it by constants. Because shapes are known by then, everything
 * a shape subgraph computes is a constant by the time a consumer (Reshape,
 * Slice, Resize, ...) asks for it as an attribute.
 */
#include "onnx.h"
#include "onnx.pb-c.h"
#include "ops.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


#define MAX_OPSET 17

struct importer {
	struct ir_graph *g;
	const char *path;       /* the model file, for messages */
	char *dir;              /* its directory, for external data */
	int64_t opset;
	const Onnx__NodeProto *np;  /* the ONNX node being converted */
	char *nname;            /* its (unique) IR name */
	int anon;               /* counter for unnamed nodes */
};

#define unsupported ir_unsupported

/* "model.onnx: node "n" (Op, opset 11): " */
static const char *ctx(const struct importer *im)
{
	static char buf[768];
	snprintf(buf, sizeof buf, "%s: node \"%s\" (%s, opset %lld): ", im->path,
		 im->np->name && *im->np->name ? im->np->name : im->nname, im->np->op_type,
		 (long long)im->opset);
	return buf;
}

/* ---- tensors ----------------------------------------------------------- */

static enum ir_dtype dtype_from_onnx(int32_t t)
{
	switch (t) {
	case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 9:
	case 10: case 11: case 12: case 13: case 16:
		return (enum ir_dtype)t;
	default:
		return IR_DTYPE_UNDEFINED;
	}
}

static const char *onnx_type_name(int32_t t)
{
	static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
				      "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
				      "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
	return t >= 0 && t < 17 ? names[t] : "unknown";
}

static int read_external(const Onnx__TensorProto *tp, const char *dir, const char *what,
			 void *dst, size_t nbytes)
{
	const char *loc = NULL;
	long long off = 0, len = -1;
	for (size_t i = 0; i < tp->n_external_data; i++) {
		const char *k = tp->external_data[i]->key, *v = tp->external_data[i]->value;
		if (!k || !v)
			continue;
		if (!strcmp(k, "location"))
			loc = v;
		else if (!strcmp(k, "offset"))
			off = atoll(v);
		else if (!strcmp(k, "length"))
			len = atoll(v);
	}
	if (!loc)
		return ir_error("%s: tensor \"%s\" is stored externally but names no location",
				what, tp->name);
	if (loc[0] == '/' || strstr(loc, ".."))
		return ir_error("%s: tensor \"%s\": external data location \"%s\" must be a path "
				"inside the model's directory", what, tp->name, loc);
	if (len >= 0 && (size_t)len != nbytes)
		return ir_error("%s: tensor \"%s\": external data length %lld, the tensor needs "
				"%zu bytes", what, tp->name, len, nbytes);
	char *p = xasprintf("%s/%s", dir, loc);
	FILE *f = fopen(p, "rb");
	if (!f) {
		ir_error("%s: tensor \"%s\": cannot open external data %s: %s", what, tp->name, p,
			 strerror(errno));
		free(p);
		return -1;
	}
	int rc = 0;
	if (fseeko(f, off, SEEK_SET) != 0 || fread(dst, 1, nbytes, f) != nbytes)
		rc = ir_error("%s: tensor \"%s\": external data %s is shorter than offset %lld + "
			      "%zu bytes", what, tp->name, p, off, nbytes);
	fclose(f);
	free(p);
	return rc;
}

/* TensorProto -> (dtype, shape, malloc'd little-endian bytes). */
static int tensor_from_onnx(const Onnx__TensorProto *tp, const char *dir, const char *what,
			    struct ir_tensor *t)
{
	const char *name = tp->name ? tp->name : "";
	enum ir_dtype dt = dtype_from_onnx(tp->data_type);
	if (dt == IR_DTYPE_UNDEFINED)
		return unsupported("%s: tensor \"%s\" has element type %s, which the IR does not "
				   "support", what, name, onnx_type_name(tp->data_type));
	if (tp->segment)
		return unsupported("%s: tensor \"%s\" is segmented; segmented tensors are not "
				   "supported", what, name);
	if (tp->n_dims > IR_MAX_RANK)
		return unsupported("%s: tensor \"%s\" has rank %zu; at most %d is supported", what,
				   name, tp->n_dims, IR_MAX_RANK);
	t->dtype = dt;
	t->rank = (int)tp->n_dims;
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0)
			return ir_error("%s: tensor \"%s\" has negative dim %lld", what, name,
					(long long)tp->dims[i]);
		t->dims[i] = tp->dims[i];
	}
	size_t n = (size_t)ir_tensor_numel(t), es = ir_dtype_size(dt), nb = n * es;
	unsigned char *d = xcalloc(1, nb + 1);
	t->data = d;
	if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return read_external(tp, dir, what, d, nb);
	if (tp->has_raw_data) {
		if (tp->raw_data.len != nb)
			return ir_error("%s: tensor \"%s\" has %zu raw bytes; %s%s needs %zu", what,
					name, tp->raw_data.len, ir_dtype_name(dt),
					ir_shape_str(t->rank, t->dims, (char[128]){0}, 128), nb);
		memcpy(d, tp->raw_data.data, nb);
		return 0;
	}
	size_t have;
	switch (dt) {
	case IR_DTYPE_F32:
		have = tp->n_float_data;
		if (have == n)
			memcpy(d, tp->float_data, nb);
		break;
	case IR_DTYPE_F64:
		have = tp->n_double_data;
		if (have == n)
			memcpy(d, tp->double_data, nb);
		break;
	case IR_DTYPE_I64:
		have = tp->n_int64_data;
		if (have == n)
			memcpy(d, tp->int64_data, nb);
		break;
	case IR_DTYPE_U32: case IR_DTYPE_U64:
		have = tp->n_uint64_data;
		if (have == n)
			for (size_t i = 0; i < n; i++) {
				if (dt == IR_DTYPE_U32)
					((uint32_t *)d)[i] = (uint32_t)tp->uint64_data[i];
				else
					((uint64_t *)d)[i] = tp->uint64_data[i];
			}
		break;
	default: /* int32_data carries every type of 4 bytes or fewer */
		have = tp->n_int32_data;
		if (have == n)
			for (size_t i = 0; i < n; i++) {
				int32_t v = tp->int32_data[i];
				switch (es) {
				case 1: d[i] = (unsigned char)v; break;
				case 2: ((uint16_t *)d)[i] = (uint16_t)v; break;
				default: ((int32_t *)d)[i] = v; break;
				}
			}
		break;
	}
	if (have != n)
		return ir_error("%s: tensor \"%s\" holds %zu values; its shape needs %zu", what,
				name, have, n);
	return 0;
}

struct ir_tensor *onnx_tensor_read(const char *path)
{
	size_t len;
	void *buf = read_file(path, &len);
	if (!buf)
		return NULL;
	Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
	free(buf);
	if (!tp) {
		ir_error("%s: not a serialized ONNX TensorProto", path);
		return NULL;
	}
	struct ir_tensor *t = xcalloc(1, sizeof *t);
	t->name = xstrdup(tp->name ? tp->name : "");
	t->producer = -1;
	char *dup = xstrdup(path);
	int rc = tensor_from_onnx(tp, dirname(dup), path, t);
	free(dup);
	onnx__tensor_proto__free_unpacked(tp, NULL);
	if (rc < 0) {
		ir_tensor_free(t);
		return NULL;
	}
	return t;
}

/* ---- helpers for converters -------------------------------------------- */

static const Onnx__AttributeProto *oattr(const struct importer *im, const char *name)
{
	for (size_t i = 0; i < im->np->n_attribute; i++)
		if (!strcmp(im->np->attribute[i]->name, name))
			return im->np->attribute[i];
	return NULL;
}

static int64_t oattr_int(const struct importer *im, const char *name, int64_t def)
{
	const Onnx__AttributeProto *a = oattr(im, name);
	return a && a->has_i ? a->i : def;
}

static float oattr_float(const struct importer *im, const char *name, float def)
{
	const Onnx__AttributeProto *a = oattr(im, name);
	return a && a->has_f ? a->f : def;
}

/* String attribute into buf ("" when absent). */
static const char *oattr_str(const struct importer *im, const char *name, const char *def)
{
	static char buf[256];
	const Onnx__AttributeProto *a = oattr(im, name);
	if (!a || !a->has_s)
		return def;
	size_t l = a->s.len < sizeof buf - 1 ? a->s.len : sizeof buf - 1;
	memcpy(buf, a->s.data, l);
	buf[l] = 0;
	return buf;
}

/* Input i of the ONNX node as a tensor index; -1 if absent/empty. */
static int oin(const struct importer *im, size_t i)
{
	if (i >= im->np->n_input || !im->np->input[i][0])
		return -1;
	return ir_tensor_find(im->g, im->np->input[i]);
}

static struct ir_tensor *tin(const struct importer *im, size_t i)
{
	int t = oin(im, i);
	return t >= 0 ? im->g->tensors[t] : NULL;
}

/* Copies the ONNX node's attributes listed in names (ints/floats/int/float/
 * string kinds) onto the IR node. */
static void copy_attrs(const struct importer *im, struct ir_node *n, const char *const *names)
{
	for (; *names; names++) {
		const Onnx__AttributeProto *a = oattr(im, *names);
		if (!a)
			continue;
		switch (a->type) {
		case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
			ir_attr_set_int(n, *names, a->i);
			break;
		case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
			ir_attr_set_float(n, *names, a->f);
			break;
		case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
			ir_attr_set_ints(n, *names, (int)a->n_ints, a->ints);
			break;
		case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
			ir_attr_set_floats(n, *names, (int)a->n_floats, a->floats);
			break;
		case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: {
			char *s = xmalloc(a->s.len + 1);
			memcpy(s, a->s.data, a->s.len);
			s[a->s.len] = 0;
			ir_attr_set_string(n, *names, s);
			free(s);
			break;
		}
		default:
			break;
		}
	}
}

/* A constant input's values as int64s (any integer dtype). */
static int const_ints(const struct importer *im, size_t i, const char *what, int64_t *out,
		      int max, int *cnt)
{
	struct ir_tensor *t = tin(im, i);
	if (!t)
		return ir_error("%sinput %zu (%s) is missing", ctx(im), i, what);
	if (!t->data)
		return unsupported("%sinput \"%s\" (%s) is computed at run time; it must be a "
				   "constant (a shape subgraph that folds once --input-shape fixes "
				   "the input shapes is fine; a model input can be fixed with "
				   "--freeze %s=FILE)", ctx(im), t->name, what, t->name);
	int64_t n = ir_tensor_numel(t);
	if (n > max)
		return ir_error("%sinput \"%s\" (%s) has %lld values; at most %d", ctx(im), t->name,
				what, (long long)n, max);
	for (int64_t k = 0; k < n; k++) {
		switch (t->dtype) {
		case IR_DTYPE_I64: out[k] = ((int64_t *)t->data)[k]; break;
		case IR_DTYPE_I32: out[k] = ((int32_t *)t->data)[k]; break;
		case IR_DTYPE_U8: out[k] = ((uint8_t *)t->data)[k]; break;
		case IR_DTYPE_I8: out[k] = ((int8_t *)t->data)[k]; break;
		default:
			return ir_error("%sinput \"%s\" (%s) is %s; integers expected", ctx(im),
					t->name, what, ir_dtype_name(t->dtype));
		}
	}
	*cnt = (int)n;
	return 0;
}

/* A constant input's values as floats (float or integer dtypes). */
static int const_floats(const struct importer *im, size_t i, const char *what, float *out,
			int max, int *cnt)
{
	struct ir_tensor *t = tin(im, i);
	if (!t)
		return ir_error("%sinput %zu (%s) is missing", ctx(im), i, what);
	if (!t->data)
		return unsupported("%sinput \"%s\" (%s) is computed at run time; it must be a "
				   "constant (a model input can be fixed with --freeze %s=FILE)",
				   ctx(im), t->name, what, t->name);
	int64_t n = ir_tensor_numel(t);
	if (n > max)
		return ir_error("%sinput \"%s\" (%s) has %lld values; at most %d", ctx(im), t->name,
				what, (long long)n, max);
	for (int64_t k = 0; k < n; k++) {
		switch (t->dtype) {
		case IR_DTYPE_F32: out[k] = ((float *)t->data)[k]; break;
		case IR_DTYPE_F64: out[k] = (float)((double *)t->data)[k]; break;
		case IR_DTYPE_I64: out[k] = (float)((int64_t *)t->data)[k]; break;
		case IR_DTYPE_I32: out[k] = (float)((int32_t *)t->data)[k]; break;
		case IR_DTYPE_I16: out[k] = (float)((int16_t *)t->data)[k]; break;
		case IR_DTYPE_U16: out[k] = (float)((uint16_t *)t->data)[k]; break;
		case IR_DTYPE_I8: out[k] = (float)((int8_t *)t->data)[k]; break;
		case IR_DTYPE_U8: out[k] = (float)((uint8_t *)t->data)[k]; break;
		case IR_DTYPE_U32: out[k] = (float)((uint32_t *)t->data)[k]; break;
		case IR_DTYPE_U64: out[k] = (float)((uint64_t *)t->data)[k]; break;
		default:
			return ir_error("%sinput \"%s\" (%s) is %s; numbers expected", ctx(im),
					t->name, what, ir_dtype_name(t->dtype));
		}
	}
	*cnt = (int)n;
	return 0;
}

/* A new tensor for a node output, shape to be inferred. */
static int new_out(struct importer *im, const char *name)
{
	int t = ir_tensor_find(im->g, name);
	if (t >= 0)
		return ir_error("%soutput \"%s\" is defined twice", ctx(im), name);
	return ir_tensor_add(im->g, name, IR_DTYPE_UNDEFINED, -1, NULL);
}

/* Appends the IR node for the ONNX node: inputs 0..n_in-1 of the ONNX node
 * (or fewer), all its outputs. */
static struct ir_node *emit(struct importer *im, enum ir_op op, int n_in)
{
	struct ir_node *n = ir_node_add(im->g, im->nname, op);
	for (int i = 0; i < n_in && (size_t)i < im->np->n_input; i++)
		ir_node_add_input(n, oin(im, i));
	while (n->n_in > 0 && n->in[n->n_in - 1] < 0)
		n->n_in--;
	for (size_t i = 0; i < im->np->n_output; i++) {
		if (!im->np->output[i][0]) {
			ir_node_add_output(n, -1);
			continue;
		}
		int t = new_out(im, im->np->output[i]);
		if (t < 0)
			return NULL;
		ir_node_add_output(n, t);
		n = &im->g->nodes[im->g->n_nodes - 1];
	}
	while (n->n_out > 1 && n->out[n->n_out - 1] < 0)
		n->n_out--;
	return n;
}

/* An extra node (Reshape around a legacy Softmax, ...): named
 * "<onnx name>/<role>", origin the ONNX node, output a fresh tensor. */
static struct ir_node *emit_extra(struct importer *im, enum ir_op op, const char *role, int in,
				  int *out)
{
	char *base = xasprintf("%s/%s", im->nname, role);
	char *nm = ir_unique_name(im->g, base);
	free(base);
	*out = ir_tensor_add(im->g, nm, IR_DTYPE_UNDEFINED, -1, NULL);
	struct ir_node *n = ir_node_add(im->g, nm, op);
	free(nm);
	n->origin = xstrdup(im->nname);
	ir_node_add_input(n, in);
	ir_node_add_output(n, *out);
	return n;
}

static int process_node(struct importer *im, int idx);

/* ---- converters -------------------------------------------------------- */

static int conv_binary(struct importer *im, enum ir_op op)
{
	/* Min/Max/Sum-style variadic: fold into a chain of binary nodes; one
	 * input is the identity. */
	if ((op == IR_OP_MIN || op == IR_OP_MAX) && im->np->n_input == 1)
		return emit(im, IR_OP_IDENTITY, 1) ? 0 : -1;
	if (im->np->n_input < 2)
		return ir_error("%sneeds two inputs", ctx(im));
	if (op != IR_OP_MIN && op != IR_OP_MAX && im->np->n_input != 2)
		return ir_error("%sneeds exactly two inputs", ctx(im));
	int b = oin(im, 1);
	/* opset < 7: broadcast=1 with axis aligns B at axis instead of the end */
	if (im->opset < 7 && oattr_int(im, "broadcast", 0) && oattr(im, "axis")) {
		struct ir_tensor *A = tin(im, 0), *B = tin(im, 1);
		int axis = ir_norm_axis(oattr_int(im, "axis", 0), A->rank);
		if (axis < 0)
			return ir_error("%saxis out of range", ctx(im));
		int trail = A->rank - axis - B->rank;
		if (trail > 0) {
			int64_t sh[IR_MAX_RANK];
			int r = 0;
			for (int i = 0; i < B->rank; i++)
				sh[r++] = B->dims[i];
			for (int i = 0; i < trail; i++)
				sh[r++] = 1;
			int o;
			struct ir_node *n = emit_extra(im, IR_OP_RESHAPE, "align", b, &o);
			ir_attr_set_ints(n, "shape", r, sh);
			if (process_node(im, im->g->n_nodes - 1) < 0)
				return -1;
			b = o;
		}
	}
	if (im->np->n_input > 2) {
		int acc = oin(im, 0);
		for (size_t i = 1; i + 1 < im->np->n_input; i++) {
			int o;
			char role[32];
			snprintf(role, sizeof role, "part%zu", i);
			struct ir_node *n = emit_extra(im, op, role, acc, &o);
			ir_node_add_input(n, oin(im, i));
			if (process_node(im, im->g->n_nodes - 1) < 0)
				return -1;
			acc = o;
		}
		struct ir_node *n = emit(im, op, 0);
		if (!n)
			return -1;
		ir_node_add_input(n, acc);
		ir_node_add_input(n, oin(im, im->np->n_input - 1));
		return 0;
	}
	struct ir_node *n = emit(im, op, 1);
	if (!n)
		return -1;
	ir_node_add_input(n, b);
	return 0;
}

static int conv_unary(struct importer *im, enum ir_op op)
{
	struct ir_node *n = emit(im, op, 1);
	if (!n)
		return -1;
	if (op == IR_OP_LEAKY_RELU)
		ir_attr_set_float(n, "alpha", oattr_float(im, "alpha", 0.01f));
	if (op == IR_OP_HARD_SIGMOID) {
		ir_attr_set_float(n, "alpha", oattr_float(im, "alpha", 0.2f));
		ir_attr_set_float(n, "beta", oattr_float(im, "beta", 0.5f));
	}
	return 0;
}

static int conv_clip(struct importer *im)
{
	float lo = -INFINITY, hi = INFINITY;
	int has_lo = 0, has_hi = 0, cnt;
	if (im->opset < 11) {
		if (oattr(im, "min")) {
			lo = oattr_float(im, "min", 0);
			has_lo = 1;
		}
		if (oattr(im, "max")) {
			hi = oattr_float(im, "max", 0);
			has_hi = 1;
		}
	} else {
		if (oin(im, 1) >= 0) {
			if (const_floats(im, 1, "min", &lo, 1, &cnt) < 0)
				return -1;
			has_lo = cnt == 1;
		}
		if (oin(im, 2) >= 0) {
			if (const_floats(im, 2, "max", &hi, 1, &cnt) < 0)
				return -1;
			has_hi = cnt == 1;
		}
	}
	struct ir_node *n = emit(im, IR_OP_CLIP, 1);
	if (!n)
		return -1;
	if (has_lo)
		ir_attr_set_float(n, "min", lo);
	if (has_hi)
		ir_attr_set_float(n, "max", hi);
	return 0;
}

static int conv_prelu(struct importer *im)
{
	struct ir_tensor *x = tin(im, 0), *s = tin(im, 1);
	int slope = oin(im, 1);
	/* opset < 7: a 1-D slope of C values is per channel (axis 1) */
	if (im->opset < 7 && s && x && s->rank == 1 && x->rank >= 2 && s->dims[0] == x->dims[1] &&
	    s->dims[0] != 1) {
		int64_t sh[IR_MAX_RANK];
		sh[0] = s->dims[0];
		for (int i = 1; i < x->rank - 1; i++)
			sh[i] = 1;
		int o;
		struct ir_node *n = emit_extra(im, IR_OP_RESHAPE, "slope", slope, &o);
		ir_attr_set_ints(n, "shape", x->rank - 1, sh);
		if (process_node(im, im->g->n_nodes - 1) < 0)
			return -1;
		slope = o;
	}
	struct ir_node *n = emit(im, IR_OP_PRELU, 1);
	if (!n)
		return -1;
	ir_node_add_input(n, slope);
	return 0;
}

static int conv_softmax(struct importer *im)
{
	struct ir_tensor *x = tin(im, 0);
	int64_t axis = oattr_int(im, "axis", im->opset < 13 ? 1 : -1);
	int a = ir_norm_axis(axis, x->rank);
	if (a < 0)
		return ir_error("%saxis %lld is out of range for rank %d", ctx(im), (long long)axis,
				x->rank);
	if (im->opset >= 13 || a == x->rank - 1) {
		struct ir_node *n = emit(im, IR_OP_SOFTMAX, 1);
		if (!n)
			return -1;
		ir_attr_set_int(n, "axis", im->opset >= 13 ? axis : -1);
		return 0;
	}
	/* Softmax-1/11 normalizes over the flattened dims [axis:]. */
	int64_t flat[2] = {ir_shape_numel(a, x->dims), ir_shape_numel(x->rank - a, x->dims + a)};
	int64_t back[IR_MAX_RANK];
	memcpy(back, x->dims, sizeof(int64_t) * x->rank);
	int xr = x->rank, t1, t2;
	struct ir_node *n = emit_extra(im, IR_OP_RESHAPE, "flatten", oin(im, 0), &t1);
	ir_attr_set_ints(n, "shape", 2, flat);
	if (process_node(im, im->g->n_nodes - 1) < 0)
		return -1;
	n = emit_extra(im, IR_OP_SOFTMAX, "softmax", t1, &t2);
	ir_attr_set_int(n, "axis", 1);
	if (process_node(im, im->g->n_nodes - 1) < 0)
		return -1;
	n = emit(im, IR_OP_RESHAPE, 0);
	if (!n)
		return -1;
	ir_node_add_input(n, t2);
	ir_attr_set_ints(n, "shape", xr, back);
	return 0;
}

/* Resolves auto_pad (SAME_UPPER / SAME_LOWER / VALID) into explicit pads. */
static int resolve_auto_pad(struct importer *im, int sp, const int64_t *in, const int64_t *k,
			    const int64_t *s, const int64_t *d, int64_t *pads)
{
	const char *ap = oattr_str(im, "auto_pad", "NOTSET");
	if (!strcmp(ap, "NOTSET") || !*ap)
		return 0;
	if (!strcmp(ap, "VALID")) {
		for (int i = 0; i < 2 * sp; i++)
			pads[i] = 0;
		return 0;
	}
	int upper = !strcmp(ap, "SAME_UPPER");
	if (!upper && strcmp(ap, "SAME_LOWER"))
		return ir_error("%sauto_pad \"%s\" is not NOTSET, VALID, SAME_UPPER or SAME_LOWER",
				ctx(im), ap);
	for (int i = 0; i < sp; i++) {
		int64_t out = (in[i] + s[i] - 1) / s[i];
		int64_t ext = (k[i] - 1) * d[i] + 1;
		int64_t total = (out - 1) * s[i] + ext - in[i];
		if (total < 0)
			total = 0;
		pads[i] = upper ? total / 2 : total - total / 2;
		pads[i + sp] = total - pads[i];
	}
	return 0;
}

/* Conv, MaxPool, AveragePool: window attributes made explicit. */
static int conv_window(struct importer *im, enum ir_op op)
{
	struct ir_tensor *x = tin(im, 0);
	if (!x || x->rank < 3)
		return ir_error("%sinput must be [N,C,spatial...]", ctx(im));
	int sp = x->rank - 2;
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	const Onnx__AttributeProto *a;
	for (int i = 0; i < sp; i++)
		k[i] = s[i] = d[i] = 1, p[i] = p[i + sp] = 0;
	if ((a = oattr(im, "kernel_shape"))) {
		if ((int)a->n_ints != sp)
			return ir_error("%skernel_shape has %zu values for %d spatial dims", ctx(im),
					a->n_ints, sp);
		memcpy(k, a->ints, sizeof(int64_t) * sp);
	} else if (op == IR_OP_CONV && tin(im, 1) && tin(im, 1)->rank == x->rank) {
		memcpy(k, tin(im, 1)->dims + 2, sizeof(int64_t) * sp);
	} else {
		return ir_error("%skernel_shape is missing", ctx(im));
	}
	if ((a = oattr(im, "strides"))) {
		if ((int)a->n_ints != sp)
			return ir_error("%sstrides has %zu values for %d spatial dims", ctx(im),
					a->n_ints, sp);
		memcpy(s, a->ints, sizeof(int64_t) * sp);
	}
	if ((a = oattr(im, "dilations"))) {
		if ((int)a->n_ints != sp)
			return ir_error("%sdilations has %zu values for %d spatial dims", ctx(im),
					a->n_ints, sp);
		memcpy(d, a->ints, sizeof(int64_t) * sp);
	}
	if ((a = oattr(im, "pads"))) {
		if ((int)a->n_ints != 2 * sp)
			return ir_error("%spads has %zu values for %d spatial dims", ctx(im),
					a->n_ints, sp);
		memcpy(p, a->ints, sizeof(int64_t) * 2 * sp);
	}
	for (int i = 0; i < sp; i++)
		if (s[i] < 1 || d[i] < 1 || k[i] < 1)
			return ir_error("%skernel_shape, strides and dilations must be >= 1", ctx(im));
	if (resolve_auto_pad(im, sp, x->dims + 2, k, s, d, p) < 0)
		return -1;
	struct ir_node *n = emit(im, op, op == IR_OP_CONV ? 3 : 1);
	if (!n)
		return -1;
	ir_attr_set_ints(n, "kernel_shape", sp, k);
	ir_attr_set_ints(n, "strides", sp, s);
	ir_attr_set_ints(n, "pads", 2 * sp, p);
	if (op == IR_OP_CONV) {
		ir_attr_set_ints(n, "dilations", sp, d);
		ir_attr_set_int(n, "group", oattr_int(im, "group", 1));
	} else {
		ir_attr_set_int(n, "ceil_mode", oattr_int(im, "ceil_mode", 0));
	}
	if (op == IR_OP_MAX_POOL) {
		ir_attr_set_ints(n, "dilations", sp, d);
		if (oattr_int(im, "storage_order", 0))
			ir_attr_set_int(n, "storage_order", 1);
	}
	if (op == IR_OP_AVERAGE_POOL)
		ir_attr_set_int(n, "count_include_pad", oattr_int(im, "count_include_pad", 0));
	return 0;
}

static int conv_conv_transpose(struct importer *im)
{
	struct ir_tensor *x = tin(im, 0), *w = tin(im, 1);
	if (!x || !w || x->rank < 3 || w->rank != x->rank)
		return ir_error("%sinput and weight must be [N,C,spatial...] of equal rank", ctx(im));
	int sp = x->rank - 2;
	int64_t k[IR_MAX_RANK], s[IR_MAX_RANK], d[IR_MAX_RANK], p[2 * IR_MAX_RANK];
	int64_t op[IR_MAX_RANK], os[IR_MAX_RANK];
	for (int i = 0; i < sp; i++) {
		k[i] = w->dims[2 + i];
		s[i] = d[i] = 1;
		p[i] = p[i + sp] = op[i] = 0;
	}
	const Onnx__AttributeProto *a;
	struct { const char *name; int64_t *dst; int n; } lists[] = {
		{"kernel_shape", k, sp}, {"strides", s, sp}, {"dilations", d, sp},
		{"pads", p, 2 * sp}, {"output_padding", op, sp}};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		if (!(a = oattr(im, lists[i].name)))
			continue;
		if ((int)a->n_ints != lists[i].n)
			return ir_error("%s%s has %zu values; %d expected", ctx(im), lists[i].name,
					a->n_ints, lists[i].n);
		memcpy(lists[i].dst, a->ints, sizeof(int64_t) * lists[i].n);
	}
	const char *ap = oattr_str(im, "auto_pad", "NOTSET");
	int have_os = 0;
	if ((a = oattr(im, "output_shape"))) {
		/* output_shape lists the spatial dims (or, in some exporters, all) */
		int off = (int)a->n_ints == x->rank ? 2 : 0;
		if ((int)a->n_ints - off != sp)
			return ir_error("%soutput_shape has %zu values for %d spatial dims", ctx(im),
					a->n_ints, sp);
		memcpy(os, a->ints + off, sizeof(int64_t) * sp);
		have_os = 1;
	} else if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
		for (int i = 0; i < sp; i++)
			os[i] = x->dims[2 + i] * s[i];
		have_os = 1;
	}
	if (have_os) {
		int lower = !strcmp(ap, "SAME_LOWER");
		for (int i = 0; i < sp; i++) {
			int64_t total = s[i] * (x->dims[2 + i] - 1) + op[i] + (k[i] - 1) * d[i] + 1 - os[i];
			if (total < 0) { /* the requested size needs more output_padding */
				op[i] -= total;
				total = 0;
			}
			p[i] = lower ? total - total / 2 : total / 2;
			p[i + sp] = total - p[i];
		}
	} else if (!strcmp(ap, "VALID")) {
		for (int i = 0; i < 2 * sp; i++)
			p[i] = 0;
	}
	struct ir_node *n = emit(im, IR_OP_CONV_TRANSPOSE, 3);
	if (!n)
		return -1;
	ir_attr_set_ints(n, "kernel_shape", sp, k);
	ir_attr_set_ints(n, "strides", sp, s);
	ir_attr_set_ints(n, "dilations", sp, d);
	ir_attr_set_ints(n, "pads", 2 * sp, p);
	ir_attr_set_ints(n, "output_padding", sp, op);
	ir_attr_set_int(n, "group", oattr_int(im, "group", 1));
	return 0;
}

static int conv_simple(struct importer *im, enum ir_op op, int n_in, const char *const *attrs)
{
	struct ir_node *n = emit(im, op, n_in);
	if (!n)
		return -1;
	if (attrs)
		copy_attrs(im, n, attrs);
	return 0;
}

static int conv_batch_norm(struct importer *im)
{
	int training = (int)oattr_int(im, "training_mode", 0);
	if (im->opset < 7 && oattr_int(im, "is_test", 0) == 0 && im->np->n_output > 1)
		training = 1;
	struct ir_node *n = emit(im, IR_OP_BATCH_NORM, 5);
	if (!n)
		return -1;
	if (!training || im->opset < 14)
		n->n_out = 1;  /* the old optional outputs are training-only; drop them */
	if (n->n_out > 3)
		n->n_out = 3;
	ir_attr_set_float(n, "epsilon", oattr_float(im, "epsilon", 1e-5f));
	if (training) {
		ir_attr_set_int(n, "training_mode", 1);
		ir_attr_set_float(n, "momentum", oattr_float(im, "momentum", 0.9f));
	}
	return 0;
}

static int conv_split(struct importer *im)
{
	int64_t sp[64];
	int cnt = -1;
	if (im->opset >= 13 && oin(im, 1) >= 0) {
		if (const_ints(im, 1, "split", sp, 64, &cnt) < 0)
			return -1;
	} else if (oattr(im, "split")) {
		const Onnx__AttributeProto *a = oattr(im, "split");
		cnt = (int)a->n_ints;
		if (cnt > 64)
			return unsupported("%smore than 64 outputs", ctx(im));
		memcpy(sp, a->ints, sizeof(int64_t) * cnt);
	}
	struct ir_node *n = emit(im, IR_OP_SPLIT, 1);
	if (!n)
		return -1;
	ir_attr_set_int(n, "axis", oattr_int(im, "axis", 0));
	if (cnt >= 0)
		ir_attr_set_ints(n, "split", cnt, sp);
	return 0;
}

static int conv_slice(struct importer *im)
{
	int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], ax[IR_MAX_RANK], sp[IR_MAX_RANK];
	int ns, ne, na = -1, nsp = -1;
	if (im->opset < 10) {
		const Onnx__AttributeProto *a = oattr(im, "starts"), *b = oattr(im, "ends"),
					   *c = oattr(im, "axes");
		if (!a || !b || a->n_ints > IR_MAX_RANK || b->n_ints > IR_MAX_RANK ||
		    (c && c->n_ints > IR_MAX_RANK))
			return ir_error("%sstarts and ends are required (at most %d)", ctx(im),
					IR_MAX_RANK);
		ns = (int)a->n_ints;
		ne = (int)b->n_ints;
		memcpy(st, a->ints, sizeof(int64_t) * ns);
		memcpy(en, b->ints, sizeof(int64_t) * ne);
		if (c) {
			na = (int)c->n_ints;
			memcpy(ax, c->ints, sizeof(int64_t) * na);
		}
	} else {
		if (const_ints(im, 1, "starts", st, IR_MAX_RANK, &ns) < 0 ||
		    const_ints(im, 2, "ends", en, IR_MAX_RANK, &ne) < 0)
			return -1;
		if (oin(im, 3) >= 0 && const_ints(im, 3, "axes", ax, IR_MAX_RANK, &na) < 0)
			return -1;
		if (oin(im, 4) >= 0 && const_ints(im, 4, "steps", sp, IR_MAX_RANK, &nsp) < 0)
			return -1;
	}
	/* Exporters write INT64_MAX / INT_MIN for "to the end"; keep them (the
	 * clamping rule handles them) but make them readable. */
	struct ir_node *n = emit(im, IR_OP_SLICE, 1);
	if (!n)
		return -1;
	ir_attr_set_ints(n, "starts", ns, st);
	ir_attr_set_ints(n, "ends", ne, en);
	if (na >= 0)
		ir_attr_set_ints(n, "axes", na, ax);
	if (nsp >= 0)
		ir_attr_set_ints(n, "steps", nsp, sp);
	return 0;
}

static int conv_reshape(struct importer *im)
{
	int64_t sh[IR_MAX_RANK];
	int cnt;
	if (im->opset < 5) {
		const Onnx__AttributeProto *a = oattr(im, "shape");
		if (!a || a->n_ints > IR_MAX_RANK)
			return ir_error("%sattribute shape is missing or too long", ctx(im));
		cnt = (int)a->n_ints;
		memcpy(sh, a->ints, sizeof(int64_t) * cnt);
	} else if (const_ints(im, 1, "shape", sh, IR_MAX_RANK, &cnt) < 0) {
		return -1;
	}
	struct ir_node *n = emit(im, IR_OP_RESHAPE, 1);
	if (!n)
		return -1;
	ir_attr_set_ints(n, "shape", cnt, sh);
	if (oattr_int(im, "allowzero", 0))
		ir_attr_set_int(n, "allowzero", 1);
	return 0;
}

/* Squeeze/Unsqueeze/ReduceSum: axes from the attribute or (newer opsets)
 * the optional second input. */
static int conv_axes_op(struct importer *im, enum ir_op op, int input_from_opset)
{
	int64_t ax[IR_MAX_RANK];
	int cnt = -1;
	if (im->opset >= input_from_opset) {
		if (oin(im, 1) >= 0 && const_ints(im, 1, "axes", ax, IR_MAX_RANK, &cnt) < 0)
			return -1;
	} else if (oattr(im, "axes")) {
		const Onnx__AttributeProto *a = oattr(im, "axes");
		if (a->n_ints > IR_MAX_RANK)
			return ir_error("%stoo many axes", ctx(im));
		cnt = (int)a->n_ints;
		memcpy(ax, a->ints, sizeof(int64_t) * cnt);
	}
	struct ir_node *n = emit(im, op, 1);
	if (!n)
		return -1;
	if (cnt >= 0)
		ir_attr_set_ints(n, "axes", cnt, ax);
	if (op >= IR_OP_REDUCE_MEAN && op <= IR_OP_REDUCE_SUM) {
		ir_attr_set_int(n, "keepdims", oattr_int(im, "keepdims", 1));
		if (oattr_int(im, "noop_with_empty_axes", 0))
			ir_attr_set_int(n, "noop_with_empty_axes", 1);
	}
	return 0;
}

static int conv_expand(struct importer *im)
{
	int64_t sh[IR_MAX_RANK];
	int cnt;
	if (const_ints(im, 1, "shape", sh, IR_MAX_RANK, &cnt) < 0)
		return -1;
	struct ir_node *n = emit(im, IR_OP_EXPAND, 1);
	if (!n)
		return -1;
	ir_attr_set_ints(n, "shape", cnt, sh);
	return 0;
}

static int conv_pad(struct importer *im)
{
	struct ir_tensor *x = tin(im, 0);
	int64_t p[2 * IR_MAX_RANK];
	int cnt = 0;
	float value = 0;
	if (im->opset < 11) {
		const Onnx__AttributeProto *a = oattr(im, "pads");
		if (!a)
			a = oattr(im, "paddings");
		if (!a || a->n_ints > 2 * IR_MAX_RANK)
			return ir_error("%sattribute pads is missing", ctx(im));
		cnt = (int)a->n_ints;
		memcpy(p, a->ints, sizeof(int64_t) * cnt);
		value = oattr_float(im, "value", 0);
	} else {
		if (const_ints(im, 1, "pads", p, 2 * IR_MAX_RANK, &cnt) < 0)
			return -1;
		if (oin(im, 2) >= 0) {
			int c;
			if (const_floats(im, 2, "constant_value", &value, 1, &c) < 0)
				return -1;
		}
	}
	if (cnt != 2 * x->rank)
		return ir_error("%spads has %d values for rank %d", ctx(im), cnt, x->rank);
	struct ir_node *n = emit(im, IR_OP_PAD, 1);
	if (!n)
		return -1;
	ir_attr_set_ints(n, "pads", cnt, p);
	ir_attr_set_string(n, "mode", oattr_str(im, "mode", "constant"));
	ir_attr_set_float(n, "value", value);
	return 0;
}

/* Resize (10, 11, 13) and Upsample (7, 9). */
static int conv_resize(struct importer *im, int upsample)
{
	struct ir_tensor *x = tin(im, 0);
	int r = x->rank, ns = 0, nz = 0, nroi = 0;
	float scales[IR_MAX_RANK], roi[2 * IR_MAX_RANK];
	int64_t sizes[IR_MAX_RANK];
	char mode[32], ctm[32], nm[32];
	snprintf(mode, sizeof mode, "%.31s", oattr_str(im, "mode", "nearest"));
	if (!strcmp(mode, "bilinear"))
		strcpy(mode, "linear");
	if (upsample || im->opset < 11) {
		/* Upsample and Resize-10: asymmetric coordinates, nearest floors */
		strcpy(ctm, "asymmetric");
		strcpy(nm, "floor");
		if (upsample && im->opset < 9) {
			const Onnx__AttributeProto *a = oattr(im, "scales");
			if (!a || (int)a->n_floats != r)
				return ir_error("%sattribute scales needs %d values", ctx(im), r);
			memcpy(scales, a->floats, sizeof(float) * r);
			ns = r;
		} else if (const_floats(im, 1, "scales", scales, IR_MAX_RANK, &ns) < 0) {
			return -1;
		}
	} else {
		snprintf(ctm, sizeof ctm, "%.31s",
			 oattr_str(im, "coordinate_transformation_mode", "half_pixel"));
		snprintf(nm, sizeof nm, "%.31s", oattr_str(im, "nearest_mode", "round_prefer_floor"));
		if (oin(im, 2) >= 0 && ir_tensor_numel(tin(im, 2)) > 0 &&
		    const_floats(im, 2, "scales", scales, IR_MAX_RANK, &ns) < 0)
			return -1;
		if (oin(im, 3) >= 0 && ir_tensor_numel(tin(im, 3)) > 0 &&
		    const_ints(im, 3, "sizes", sizes, IR_MAX_RANK, &nz) < 0)
			return -1;
		if (!strcmp(ctm, "tf_crop_and_resize") && oin(im, 1) >= 0 &&
		    const_floats(im, 1, "roi", roi, 2 * IR_MAX_RANK, &nroi) < 0)
			return -1;
	}
	if (ns && ns != r)
		return ir_error("%sscales has %d values for rank %d", ctx(im), ns, r);
	if (nz && nz != r)
		return ir_error("%ssizes has %d values for rank %d", ctx(im), nz, r);
	if (!ns && !nz)
		return ir_error("%sneither scales nor sizes is given", ctx(im));
	for (int i = 0; i < r; i++) {
		if (nz)
			scales[i] = x->dims[i] ? (float)sizes[i] / (float)x->dims[i] : 1.0f;
		else
			sizes[i] = (int64_t)floor((double)x->dims[i] * scales[i]);
	}
	struct ir_node *n = emit(im, IR_OP_RESIZE, 1);
	if (!n)
		return -1;
	ir_attr_set_string(n, "mode", mode);
	ir_attr_set_string(n, "coordinate_transformation_mode", ctm);
	ir_attr_set_string(n, "nearest_mode", nm);
	ir_attr_set_float(n, "cubic_coeff_a", oattr_float(im, "cubic_coeff_a", -0.75f));
	ir_attr_set_int(n, "exclude_outside", oattr_int(im, "exclude_outside", 0));
	ir_attr_set_float(n, "extrapolation_value", oattr_float(im, "extrapolation_value", 0));
	ir_attr_set_floats(n, "scales", r, scales);
	ir_attr_set_ints(n, "sizes", r, sizes);
	if (!strcmp(ctm, "tf_crop_and_resize")) {
		if (nroi != 2 * r)
			return ir_error("%stf_crop_and_resize needs roi with %d values", ctx(im), 2 * r);
		ir_attr_set_floats(n, "roi", nroi, roi);
	}
	return 0;
}

static int conv_dropout(struct importer *im)
{
	float ratio = oattr_float(im, "ratio", 0.5f);
	int training = 0, c;
	if (im->opset >= 12) {
		if (oin(im, 1) >= 0 && const_floats(im, 1, "ratio", &ratio, 1, &c) < 0)
			return -1;
		if (oin(im, 2) >= 0) {
			int64_t t;
			struct ir_tensor *tm = tin(im, 2);
			if (!tm->data)
				return unsupported("%straining_mode must be a constant", ctx(im));
			if (tm->dtype == IR_DTYPE_BOOL)
				t = *(uint8_t *)tm->data;
			else if (const_ints(im, 2, "training_mode", &t, 1, &c) < 0)
				return -1;
			training = t != 0;
		}
	} else if (im->opset < 7) {
		training = oattr_int(im, "is_test", 0) == 0;
	}
	if (training && ratio != 0)
		return unsupported("%straining-mode Dropout with ratio %g is random; only "
				   "inference (or ratio 0) is supported", ctx(im), ratio);
	return conv_simple(im, IR_OP_DROPOUT, 1, NULL) ;
}

static int conv_cast(struct importer *im)
{
	const Onnx__AttributeProto *a = oattr(im, "to");
	int64_t to = 0;
	if (a && a->has_i) {
		to = a->i;
	} else if (a && a->has_s) {
		static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16",
					      "INT16", "INT32", "INT64", "STRING", "BOOL",
					      "FLOAT16", "DOUBLE", "UINT32", "UINT64"};
		for (int i = 0; i < 14; i++)
			if (a->s.len == strlen(names[i]) && !memcmp(a->s.data, names[i], a->s.len))
				to = i;
	}
	if (dtype_from_onnx((int32_t)to) == IR_DTYPE_UNDEFINED)
		return unsupported("%scast to %s is not supported", ctx(im),
				   onnx_type_name((int32_t)to));
	struct ir_node *n = emit(im, IR_OP_CAST, 1);
	if (!n)
		return -1;
	ir_attr_set_int(n, "to", to);
	return 0;
}

static int conv_constant_of_shape(struct importer *im)
{
	if (tin(im, 0) && !tin(im, 0)->data)
		return unsupported("%sinput \"%s\" (shape) is computed at run time; it must be a "
				   "constant (a shape subgraph that folds once --input-shape fixes "
				   "the input shapes is fine)", ctx(im), tin(im, 0)->name);
	struct ir_node *n = emit(im, IR_OP_CONSTANT_OF_SHAPE, 1);
	if (!n)
		return -1;
	const Onnx__AttributeProto *a = oattr(im, "value");
	if (a && a->t) {
		struct ir_tensor *t = xcalloc(1, sizeof *t);
		t->name = xstrdup("value");
		t->producer = -1;
		if (tensor_from_onnx(a->t, im->dir, im->path, t) < 0) {
			ir_tensor_free(t);
			return -1;
		}
		ir_attr_set_tensor(n, "value", t);
	}
	return 0;
}

/* Constant: its value becomes a constant tensor named after the output. */
static int conv_constant(struct importer *im)
{
	if (im->np->n_output != 1)
		return ir_error("%sneeds one output", ctx(im));
	const char *out = im->np->output[0];
	struct ir_tensor t = {0};
	const Onnx__AttributeProto *a;
	if ((a = oattr(im, "value")) && a->t) {
		if (tensor_from_onnx(a->t, im->dir, im->path, &t) < 0) {
			free(t.data);
			return -1;
		}
	} else if ((a = oattr(im, "value_float"))) {
		t.dtype = IR_DTYPE_F32;
		t.data = xmalloc(4);
		*(float *)t.data = a->f;
	} else if ((a = oattr(im, "value_int"))) {
		t.dtype = IR_DTYPE_I64;
		t.data = xmalloc(8);
		*(int64_t *)t.data = a->i;
	} else if ((a = oattr(im, "value_floats"))) {
		t.dtype = IR_DTYPE_F32;
		t.rank = 1;
		t.dims[0] = (int64_t)a->n_floats;
		t.data = xmalloc(4 * a->n_floats + 1);
		memcpy(t.data, a->floats, 4 * a->n_floats);
	} else if ((a = oattr(im, "value_ints"))) {
		t.dtype = IR_DTYPE_I64;
		t.rank = 1;
		t.dims[0] = (int64_t)a->n_ints;
		t.data = xmalloc(8 * a->n_ints + 1);
		memcpy(t.data, a->ints, 8 * a->n_ints);
	} else {
		return unsupported("%sonly tensor, float and int values are supported (not "
				   "strings or sparse tensors)", ctx(im));
	}
	if (ir_const_add(im->g, out, t.dtype, t.rank, t.dims, t.data) < 0)
		return ir_error("%soutput \"%s\" is defined twice", ctx(im), out);
	return 0;
}

static const char *const A_AXIS[] = {"axis", NULL};
static const char *const A_PERM[] = {"perm", NULL};
static const char *const A_GEMM[] = {"alpha", "beta", "transA", "transB", NULL};
static const char *const A_ARGMAX[] = {"axis", "keepdims", "select_last_index", NULL};
static const char *const A_SHAPE[] = {"start", "end", NULL};

static int convert(struct importer *im)
{
	const char *op = im->np->op_type;
	const char *dom = im->np->domain;
	if (dom && *dom && strcmp(dom, "ai.onnx"))
		return unsupported("%sdomain \"%s\" is not supported (only the default ONNX "
				   "domain is)", ctx(im), dom);
	static const struct { const char *name; enum ir_op op; } binary[] = {
		{"Add", IR_OP_ADD}, {"Sub", IR_OP_SUB}, {"Mul", IR_OP_MUL}, {"Div", IR_OP_DIV},
		{"Pow", IR_OP_POW}, {"Min", IR_OP_MIN}, {"Max", IR_OP_MAX}};
	for (size_t i = 0; i < sizeof binary / sizeof *binary; i++)
		if (!strcmp(op, binary[i].name))
			return conv_binary(im, binary[i].op);
	static const struct { const char *name; enum ir_op op; } unary[] = {
		{"Relu", IR_OP_RELU}, {"LeakyRelu", IR_OP_LEAKY_RELU}, {"Sigmoid", IR_OP_SIGMOID},
		{"Tanh", IR_OP_TANH}, {"HardSigmoid", IR_OP_HARD_SIGMOID},
		{"HardSwish", IR_OP_HARD_SWISH}, {"Erf", IR_OP_ERF}, {"Sqrt", IR_OP_SQRT},
		{"Exp", IR_OP_EXP}, {"Log", IR_OP_LOG}, {"Abs", IR_OP_ABS}, {"Neg", IR_OP_NEG},
		{"Reciprocal", IR_OP_RECIPROCAL}};
	for (size_t i = 0; i < sizeof unary / sizeof *unary; i++)
		if (!strcmp(op, unary[i].name))
			return conv_unary(im, unary[i].op);
	if (!strcmp(op, "Clip")) return conv_clip(im);
	if (!strcmp(op, "PRelu")) return conv_prelu(im);
	if (!strcmp(op, "Softmax")) return conv_softmax(im);
	if (!strcmp(op, "Conv")) return conv_window(im, IR_OP_CONV);
	if (!strcmp(op, "MaxPool")) return conv_window(im, IR_OP_MAX_POOL);
	if (!strcmp(op, "AveragePool")) return conv_window(im, IR_OP_AVERAGE_POOL);
	if (!strcmp(op, "ConvTranspose")) return conv_conv_transpose(im);
	if (!strcmp(op, "Gemm")) return conv_simple(im, IR_OP_GEMM, 3, A_GEMM);
	if (!strcmp(op, "MatMul")) return conv_simple(im, IR_OP_MATMUL, 2, NULL);
	if (!strcmp(op, "BatchNormalization")) return conv_batch_norm(im);
	if (!strcmp(op, "GlobalAveragePool")) return conv_simple(im, IR_OP_GLOBAL_AVERAGE_POOL, 1, NULL);
	if (!strcmp(op, "GlobalMaxPool")) return conv_simple(im, IR_OP_GLOBAL_MAX_POOL, 1, NULL);
	if (!strcmp(op, "Concat")) {
		struct ir_node *n = emit(im, IR_OP_CONCAT, (int)im->np->n_input);
		if (!n)
			return -1;
		ir_attr_set_int(n, "axis", oattr_int(im, "axis", im->opset < 4 ? 1 : 0));
		return 0;
	}
	if (!strcmp(op, "Split")) return conv_split(im);
	if (!strcmp(op, "Slice")) return conv_slice(im);
	if (!strcmp(op, "Gather")) return conv_simple(im, IR_OP_GATHER, 2, A_AXIS);
	if (!strcmp(op, "Reshape")) return conv_reshape(im);
	if (!strcmp(op, "Transpose")) return conv_simple(im, IR_OP_TRANSPOSE, 1, A_PERM);
	if (!strcmp(op, "Flatten")) return conv_simple(im, IR_OP_FLATTEN, 1, A_AXIS);
	if (!strcmp(op, "Squeeze")) return conv_axes_op(im, IR_OP_SQUEEZE, 13);
	if (!strcmp(op, "Unsqueeze")) return conv_axes_op(im, IR_OP_UNSQUEEZE, 13);
	if (!strcmp(op, "ReduceSum")) return conv_axes_op(im, IR_OP_REDUCE_SUM, 13);
	if (!strcmp(op, "ReduceMean")) return conv_axes_op(im, IR_OP_REDUCE_MEAN, 18);
	if (!strcmp(op, "ReduceMax")) return conv_axes_op(im, IR_OP_REDUCE_MAX, 18);
	if (!strcmp(op, "ReduceMin")) return conv_axes_op(im, IR_OP_REDUCE_MIN, 18);
	if (!strcmp(op, "Expand")) return conv_expand(im);
	if (!strcmp(op, "Resize")) return conv_resize(im, 0);
	if (!strcmp(op, "Upsample")) return conv_resize(im, 1);
	if (!strcmp(op, "Pad")) return conv_pad(im);
	if (!strcmp(op, "ArgMax")) return conv_simple(im, IR_OP_ARGMAX, 1, A_ARGMAX);
	if (!strcmp(op, "Identity")) return conv_simple(im, IR_OP_IDENTITY, 1, NULL);
	if (!strcmp(op, "Dropout")) return conv_dropout(im);
	if (!strcmp(op, "Cast")) return conv_cast(im);
	if (!strcmp(op, "Shape")) return conv_simple(im, IR_OP_SHAPE, 1, A_SHAPE);
	if (!strcmp(op, "Size")) return conv_simple(im, IR_OP_SIZE, 1, NULL);
	if (!strcmp(op, "ConstantOfShape")) return conv_constant_of_shape(im);
	if (!strcmp(op, "Constant")) return conv_constant(im);
	if (!strcmp(op, "LayerNormalization")) {
		if (oattr_int(im, "stash_type", 1) != 1)
			return unsupported("%sstash_type %lld is not supported (only 1, f32)",
					   ctx(im), (long long)oattr_int(im, "stash_type", 1));
		struct ir_node *n = emit(im, IR_OP_LAYER_NORM, 3);
		if (!n)
			return -1;
		ir_attr_set_int(n, "axis", oattr_int(im, "axis", -1));
		ir_attr_set_float(n, "epsilon", oattr_float(im, "epsilon", 1e-5f));
		return 0;
	}
	return unsupported("%soperator %s is not supported; run `onnx2ir --list-ops` for the "
			   "supported ones", ctx(im), op);
}

/* ---- inference and folding --------------------------------------------- */

/* Should node n, whose inputs are known, be evaluated now? */
static int foldable(const struct ir_graph *g, const struct ir_node *n)
{
	if (n->op == IR_OP_SHAPE || n->op == IR_OP_SIZE)
		return 1;
	if (!(ir_ops[n->op].flags & IR_OPF_FOLD_SHAPE))
		return 0;
	for (int i = 0; i < n->n_in; i++)
		if (n->in[i] >= 0 && !g->tensors[n->in[i]]->data)
			return 0;
	switch (n->op) {
	case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV:
	case IR_OP_MIN: case IR_OP_MAX:
		/* integer arithmetic is shape arithmetic; float is left to ir-fuse */
		return !ir_dtype_is_float(g->tensors[n->out[0]]->dtype);
	default:
		return 1;
	}
}

/* Infers node idx (just appended) and folds it if it is a shape operation. */
static int process_node(struct importer *im, int idx)
{
	struct ir_graph *g = im->g;
	struct ir_node *n = &g->nodes[idx];
	if (ir_node_infer(g, n) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		return ir_error("%s: %s", im->path, msg);
	}
	if (!foldable(g, n))
		return 0;
	void *outs[64];
	if (ir_node_eval(g, n, outs) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		return ir_error("%s: while folding: %s", im->path, msg);
	}
	for (int i = 0; i < n->n_out; i++)
		if (n->out[i] >= 0)
			g->tensors[n->out[i]]->data = outs[i];
	ir_graph_remove_node(g, idx);
	return 0;
}

/* ---- the model --------------------------------------------------------- */

static int import_inputs(struct importer *im, const Onnx__GraphProto *gp, int n_shapes,
			 struct onnx_shape *shapes)
{
	/* every --input-shape / --freeze must name a model input (checked
	 * first, so a misspelt name is what the user hears about) */
	for (int k = 0; k < n_shapes; k++) {
		int found = 0;
		for (size_t i = 0; i < gp->n_input && !found; i++)
			found = !strcmp(gp->input[i]->name, shapes[k].name) &&
				ir_tensor_find(im->g, shapes[k].name) < 0;
		if (found)
			continue;
		char names[512] = "";
		size_t l = 0;
		for (size_t i = 0; i < gp->n_input; i++)
			if (ir_tensor_find(im->g, gp->input[i]->name) < 0 && l < sizeof names)
				l += snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "",
					      gp->input[i]->name);
		return ir_error("%s: %s names \"%s\", which is not a model input (inputs: %s)",
				im->path, shapes[k].value ? "--freeze" : "--input-shape",
				shapes[k].name, names);
	}
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		if (ir_tensor_find(im->g, vi->name) >= 0)
			continue;  /* an initializer listed as input (IR version < 4) */
		if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
			return unsupported("%s: input \"%s\" is not a tensor (sequence, map and "
					   "optional inputs are not supported)", im->path, vi->name);
		const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
		enum ir_dtype dt = dtype_from_onnx(tt->elem_type);
		if (dt == IR_DTYPE_UNDEFINED)
			return unsupported("%s: input \"%s\" has element type %s, which is not "
					   "supported", im->path, vi->name,
					   onnx_type_name(tt->elem_type));
		struct onnx_shape *given = NULL;
		for (int k = 0; k < n_shapes; k++)
			if (!strcmp(shapes[k].name, vi->name))
				given = &shapes[k];
		int rank = tt->shape ? (int)tt->shape->n_dim : -1;
		int64_t dims[IR_MAX_RANK];
		char model_dims[512] = "";
		size_t ml = 0;
		int dynamic = rank < 0;
		if (rank > IR_MAX_RANK)
			return unsupported("%s: input \"%s\" has rank %d; at most %d is supported",
					   im->path, vi->name, rank, IR_MAX_RANK);
		for (int d = 0; d < rank; d++) {
			const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
			if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
			    dim->dim_value >= 0) {
				dims[d] = dim->dim_value;
				ml += snprintf(model_dims + ml, sizeof model_dims - ml, "%s%lld",
					       d ? "x" : "", (long long)dims[d]);
			} else {
				dims[d] = -1;
				dynamic = 1;
				ml += snprintf(model_dims + ml, sizeof model_dims - ml, "%s%s",
					       d ? "x" : "",
					       dim->value_case ==
							       ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
						       ? dim->dim_param
						       : "?");
			}
			if (ml >= sizeof model_dims)
				ml = sizeof model_dims - 1;
		}
		if (rank == 0)
			snprintf(model_dims, sizeof model_dims, "a scalar");
		if (given) {
			given->used = 1;
			if (rank >= 0 && given->rank != rank)
				return ir_error("%s: %s %s has rank %d; the model's input is "
						"%s (rank %d)", im->path,
						given->value ? "--freeze" : "--input-shape", vi->name,
						given->rank, model_dims, rank);
			for (int d = 0; d < given->rank; d++)
				if (rank >= 0 && dims[d] >= 0 && dims[d] != given->dims[d])
					return ir_error("%s: %s %s: dim %d is %lld, but the "
							"model fixes it to %lld (model shape %s)",
							im->path,
							given->value ? "--freeze" : "--input-shape",
							vi->name, d,
							(long long)given->dims[d], (long long)dims[d],
							model_dims);
			rank = given->rank;
			memcpy(dims, given->dims, sizeof(int64_t) * rank);
		} else if (dynamic) {
			return ir_error("%s: input \"%s\" has unresolved dims %s; give its shape with "
					"--input-shape %s=DIMS (e.g. 1x3x224x224)",
					im->path, vi->name, rank < 0 ? "(no shape)" : model_dims,
					vi->name);
		}
		if (given && given->value) {
			if (given->value->dtype != dt)
				return ir_error("%s: --freeze %s: the file holds %s; the model's input "
						"is %s", im->path, vi->name,
						ir_dtype_name(given->value->dtype), ir_dtype_name(dt));
			size_t nb = ir_tensor_nbytes(given->value);
			void *data = xmalloc(nb + 1);
			memcpy(data, given->value->data, nb);
			if (ir_const_add(im->g, vi->name, dt, rank, dims, data) < 0)
				return -1;
			continue;
		}
		int t = ir_tensor_add(im->g, vi->name, dt, rank, dims);
		if (t < 0)
			return -1;
		ir_graph_add_input(im->g, t);
	}
	return 0;
}

/* ONNX requires topological node order, but some exporters do not comply;
 * returns the nodes in an order where producers come first. */
static const Onnx__NodeProto **onnx_toposort(const Onnx__GraphProto *gp, struct importer *im)
{
	size_t nn = gp->n_node;
	const Onnx__NodeProto **order = xmalloc(sizeof *order * (nn + 1));
	char *done = xcalloc(nn + 1, 1);
	/* names defined so far: graph inputs, initializers, done outputs */
	struct ir_graph *names = ir_graph_new("");
	for (int i = 0; i < im->g->n_tensors; i++)
		ir_tensor_add(names, im->g->tensors[i]->name, IR_DTYPE_F32, 0, NULL);
	size_t k = 0;
	int progress = 1;
	while (k < nn && progress) {
		progress = 0;
		for (size_t i = 0; i < nn; i++) {
			if (done[i])
				continue;
			const Onnx__NodeProto *np = gp->node[i];
			int ready = 1;
			for (size_t j = 0; j < np->n_input && ready; j++)
				if (np->input[j][0] && ir_tensor_find(names, np->input[j]) < 0)
					ready = 0;
			if (!ready)
				continue;
			done[i] = 1;
			order[k++] = np;
			progress = 1;
			for (size_t j = 0; j < np->n_output; j++)
				if (np->output[j][0] && ir_tensor_find(names, np->output[j]) < 0)
					ir_tensor_add(names, np->output[j], IR_DTYPE_F32, 0, NULL);
		}
	}
	if (k < nn) {
		for (size_t i = 0; i < nn; i++) {
			if (done[i])
				continue;
			const Onnx__NodeProto *np = gp->node[i];
			for (size_t j = 0; j < np->n_input; j++)
				if (np->input[j][0] && ir_tensor_find(names, np->input[j]) < 0) {
					ir_error("%s: node \"%s\" (%s): input \"%s\" is never defined "
						 "(or the graph has a cycle)", im->path,
						 np->name ? np->name : "", np->op_type, np->input[j]);
					break;
				}
			break;
		}
		free(order);
		order = NULL;
	}
	free(done);
	ir_graph_free(names);
	return order;
}

static char *node_name(struct importer *im, const Onnx__NodeProto *np)
{
	const char *base = np->name && *np->name ? np->name : NULL;
	char *gen = NULL;
	if (!base)
		base = gen = xasprintf("%s_%d", np->op_type, im->anon++);
	char *nm = NULL;
	/* node names share no namespace with tensors in ONNX; only nodes clash */
	if (!ir_node_find(im->g, base)) {
		nm = xstrdup(base);
	} else {
		for (int i = 1; !nm; i++) {
			char *s = xasprintf("%s_%d", base, i);
			if (!ir_node_find(im->g, s))
				nm = s;
			else
				free(s);
		}
	}
	free(gen);
	return nm;
}

struct ir_graph *onnx_import(const char *path, int n_shapes, struct onnx_shape *shapes)
{
	ir_err_unsupported = 0;
	size_t len;
	void *buf = read_file(path, &len);
	if (!buf)
		return NULL;
	if (len == 0) {
		free(buf);
		ir_error("%s: empty file; expected an ONNX model", path);
		return NULL;
	}
	Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
	free(buf);
	if (!mp) {
		ir_error("%s: not an ONNX model: the protobuf does not parse (the file is "
			 "truncated or is not ONNX)", path);
		return NULL;
	}
	struct importer im = {0};
	struct ir_graph *g = NULL;
	const Onnx__NodeProto **order = NULL;
	im.path = path;
	char *dup = xstrdup(path);
	im.dir = xstrdup(dirname(dup));
	free(dup);
	if (!mp->has_ir_version || !mp->graph) {
		ir_error("%s: not an ONNX model: no %s", path,
			 !mp->has_ir_version ? "ir_version" : "graph");
		goto fail;
	}
	im.opset = -1;
	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const char *d = mp->opset_import[i]->domain;
		if (!d || !*d || !strcmp(d, "ai.onnx"))
			im.opset = mp->opset_import[i]->version;
	}
	if (im.opset < 0)
		im.opset = 1;  /* IR version 1/2 models carry no opset_import */
	if (im.opset > MAX_OPSET) {
		unsupported("%s: opset %lld is newer than this importer supports (1..%d, as "
			    "libonnx 1.12)", path, (long long)im.opset, MAX_OPSET);
		goto fail;
	}
	const Onnx__GraphProto *gp = mp->graph;
	g = ir_graph_new(gp->name);
	im.g = g;
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];
		struct ir_tensor t = {0};
		if (tensor_from_onnx(tp, im.dir, path, &t) < 0) {
			free(t.data);
			goto fail;
		}
		if (ir_const_add(g, tp->name, t.dtype, t.rank, t.dims, t.data) < 0) {
			ir_error("%s: initializer \"%s\" is defined twice", path, tp->name);
			goto fail;
		}
	}
	if (gp->n_sparse_initializer) {
		unsupported("%s: sparse initializers are not supported", path);
		goto fail;
	}
	if (import_inputs(&im, gp, n_shapes, shapes) < 0)
		goto fail;
	order = onnx_toposort(gp, &im);
	if (!order)
		goto fail;
	for (size_t i = 0; i < gp->n_node; i++) {
		im.np = order[i];
		im.nname = node_name(&im, im.np);
		int before = g->n_nodes;
		int rc = convert(&im);
		/* the converter appended 0..n nodes; infer and fold the last one
		 * (extra nodes before it were processed by the converter) */
		if (rc == 0 && g->n_nodes > before)
			rc = process_node(&im, g->n_nodes - 1);
		free(im.nname);
		im.nname = NULL;
		if (rc < 0)
			goto fail;
		/* Outputs of the ONNX node that the IR node does not produce (the
		 * old training outputs of BatchNormalization) must not be used. */
	}
	for (size_t i = 0; i < gp->n_output; i++) {
		int t = ir_tensor_find(g, gp->output[i]->name);
		if (t < 0) {
			ir_error("%s: model output \"%s\" is not produced by any node", path,
				 gp->output[i]->name);
			goto fail;
		}
		ir_graph_add_output(g, t);
	}
	if (ir_graph_check(g) < 0) {
		char msg[sizeof ir_errmsg];
		snprintf(msg, sizeof msg, "%s", ir_errmsg);
		ir_error("%s: %s", path, msg);
		goto fail;
	}
	ir_graph_compact(g);
	char v[64];
	ir_graph_set_meta(g, "onnx.source", path);
	if (mp->producer_name && *mp->producer_name)
		ir_graph_set_meta(g, "onnx.producer_name", mp->producer_name);
	if (mp->producer_version && *mp->producer_version)
		ir_graph_set_meta(g, "onnx.producer_version", mp->producer_version);
	snprintf(v, sizeof v, "%lld", (long long)mp->ir_version);
	ir_graph_set_meta(g, "onnx.ir_version", v);
	snprintf(v, sizeof v, "%lld", (long long)im.opset);
	ir_graph_set_meta(g, "onnx.opset", v);
	free(order);
	free(im.dir);
	onnx__model_proto__free_unpacked(mp, NULL);
	return g;
fail:
	free(order);
	free(im.nname);
	free(im.dir);
	ir_graph_free(g);
	onnx__model_proto__free_unpacked(mp, NULL);
	return NULL;
}
