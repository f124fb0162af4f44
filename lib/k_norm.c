/*
 * k_norm.c: LayerNormalization, and the Quantize/Dequantize boundary
 * markers (formats/ir.md, "Operators").
 *
 * LayerNormalization normalizes each row of the dims [axis:]: mean and
 * (biased) variance accumulated in double, then y = (x - mean) /
 * sqrt(var + epsilon) * scale + bias, with scale and bias broadcast over
 * the row. It is what ir-fuse makes of the ReduceMean, Sub, Pow,
 * ReduceMean, Add, Sqrt, Div, Mul, Add chain exporters write, and ONNX's
 * LayerNormalization-17.
 */
#include "ops.h"
#include "qmath.h"

#include <math.h>
#include <string.h>

/* One operand (scale or bias) broadcast, numpy-style, to a row of the
 * normalized dims rd[0..rr): its value at every row position, aligned from
 * the right. */
static const float *row_operand(const struct ir_tensor *t, const float *data, int rr,
				const int64_t *rd, float *tmp)
{
	int64_t len = ir_shape_numel(rr, rd);
	if (ir_tensor_numel(t) == len)
		return data;
	for (int64_t j = 0; j < len; j++) {
		int64_t rem = j, off = 0, stride = 1;
		for (int i = rr - 1; i >= 0; i--) {
			int64_t idx = rem % rd[i];
			rem /= rd[i];
			int ti = t->rank - (rr - i);
			if (ti >= 0) {
				if (t->dims[ti] != 1)
					off += idx * stride;
				stride *= t->dims[ti];
			}
		}
		tmp[j] = data[off];
	}
	return tmp;
}

int k_layer_norm(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0];
	int axis = ir_norm_axis(ir_attr_int(k->n, "axis", -1), x->rank);
	double eps = ir_attr_float(k->n, "epsilon", 1e-5f);
	int64_t len = ir_shape_numel(x->rank - axis, x->dims + axis);
	int64_t rows = len ? ir_tensor_numel(x) / len : 0;
	float *tmp = ir_scratch(sizeof(float) * 2 * (size_t)(len ? len : 1));
	int rr = x->rank - axis;
	const float *scale = row_operand(k->ti[1], k->in[1], rr, x->dims + axis, tmp);
	const float *bias = k->n->n_in > 2 && k->in[2]
				    ? row_operand(k->ti[2], k->in[2], rr, x->dims + axis, tmp + len)
				    : NULL;
	const float *in = k->in[0];
	float *out = k->out[0];
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = in + r * len;
		float *yr = out + r * len;
		double s = 0, q = 0;
		for (int64_t j = 0; j < len; j++)
			s += xr[j];
		double mean = s / len;
		for (int64_t j = 0; j < len; j++)
			q += (xr[j] - mean) * (xr[j] - mean);
		float m = (float)mean, inv = (float)(1.0 / sqrt(q / len + eps));
		if (k->n->n_out > 1 && k->out[1])
			((float *)k->out[1])[r] = m;
		if (k->n->n_out > 2 && k->out[2])
			((float *)k->out[2])[r] = inv;
		for (int64_t j = 0; j < len; j++) {
			float v = (xr[j] - m) * inv * scale[j];
			yr[j] = bias ? v + bias[j] : v;
		}
	}
	return 0;
}

/*
 * Quantize and Dequantize (formats/numerics.md). Before ir-quant gives the
 * integer side its quant parameters they pass f32 through (and may run in
 * place). A Dequantize of a per-channel i32 tensor (a tail Conv's
 * accumulators) scales each channel of axis 1 by its own scale.
 *
 * Quantize to i8 and i16, vectorizable, gives q_quantize's bits
 * (tests/unit/test_qkernels.c compares them element by element):
 *   - v = x / s is the same correctly rounded f32 division (vdivps rounds
 *     like divss; gcc does not turn it into a reciprocal without
 *     -ffast-math);
 *   - clamping v to [Tmin - z, Tmax - z] before rounding gives the same
 *     integer as saturating after. The bounds are integers, exact in f32
 *     (|Tmin - z|, |Tmax - z| <= 2^16 for z within the type's range), so
 *     rne leaves them unchanged, and rne is monotone: v <= Tmin - z gives
 *     rne(v) <= Tmin - z, which saturates to Tmin, while the clamped value
 *     rounds to Tmin - z itself; likewise at the top; in between the clamp
 *     changes nothing and rne(v) + z needs no saturation. +-inf and the
 *     quotients beyond 4e18, which q_quantize saturates first, land on the
 *     bounds too;
 *   - NaN becomes 0 before rounding, i.e. z, which is within the range
 *     (q_quantize's sat(z));
 *   - rintf is nearbyintf (rne) in the default rounding mode, and gcc
 *     inlines it (vrndscaleps), then converts the exact integer.
 * i32 (which only a hand-written IR has: ir-quant writes i8 and i16) keeps
 * q_quantize itself, its bounds not being exact in f32. Once quantized, the
 * input (f32) and output never share memory (the executor runs a node in
 * place only when the types match), hence restrict.
 */
#define QUANTIZE_LOOP(T, TMIN, TMAX)                                                           \
	do {                                                                                   \
		T *restrict o = k->out[0];                                                     \
		const float lo = (float)((TMIN) - z), hi = (float)((TMAX) - z);                \
		for (int64_t i = 0; i < n; i++) {                                              \
			float v = in[i] / s;                                                   \
			v = v == v ? v : 0.0f;                                                 \
			v = v < lo ? lo : v;                                                   \
			v = v > hi ? hi : v;                                                   \
			o[i] = (T)((int32_t)rintf(v) + z);                                     \
		}                                                                              \
	} while (0)

int k_quantize(const struct ir_kctx *k)
{
	const struct ir_tensor *x = k->ti[0], *y = k->to[0];
	int64_t n = ir_tensor_numel(x);
	if (k->n->op == IR_OP_QUANTIZE && y->quant) {
		const float *restrict in = k->in[0];
		float s = y->quant->scale[0];
		int32_t z = y->quant->zero_point ? y->quant->zero_point[0] : 0;
		if (y->dtype == IR_DTYPE_I8 && z >= -128 && z <= 127)
			QUANTIZE_LOOP(int8_t, -128, 127);
		else if (y->dtype == IR_DTYPE_I16 && z >= -32768 && z <= 32767)
			QUANTIZE_LOOP(int16_t, -32768, 32767);
		else if (y->dtype == IR_DTYPE_I8)
			for (int64_t i = 0; i < n; i++)
				((int8_t *)k->out[0])[i] = (int8_t)q_quantize(in[i], s, z, -128, 127);
		else if (y->dtype == IR_DTYPE_I16)
			for (int64_t i = 0; i < n; i++)
				((int16_t *)k->out[0])[i] =
					(int16_t)q_quantize(in[i], s, z, -32768, 32767);
		else if (y->dtype == IR_DTYPE_I32)
			for (int64_t i = 0; i < n; i++)
				((int32_t *)k->out[0])[i] = q_quantize(in[i], s, z, INT32_MIN, INT32_MAX);
		else
			return ir_error("%sQuantize writes i8, i16 or i32, not %s", ir_node_ctx(k->n),
					ir_dtype_name(y->dtype));
		return 0;
	}
	if (k->n->op == IR_OP_DEQUANTIZE && x->quant) {
		float *o = k->out[0];
		const struct ir_quant *q = x->quant;
		int64_t inner = 1, ch = 1;
		if (q->n > 1) {
			ch = x->dims[q->axis];
			inner = ir_shape_numel(x->rank - q->axis - 1, x->dims + q->axis + 1);
		}
		for (int64_t i = 0; i < n; i++) {
			int c = q->n > 1 ? (int)(i / inner % ch) : 0;
			int32_t z = q->zero_point ? q->zero_point[c] : 0;
			int64_t v = x->dtype == IR_DTYPE_I8    ? ((const int8_t *)k->in[0])[i]
				    : x->dtype == IR_DTYPE_I16 ? ((const int16_t *)k->in[0])[i]
							       : ((const int32_t *)k->in[0])[i];
			o[i] = q_dequantize(v, q->scale[c], z);
		}
		return 0;
	}
	if (k->out[0] != k->in[0])
		memcpy(k->out[0], k->in[0], ir_tensor_nbytes(x));
	return 0;
}

/* Size: the element count of the input, an i64 scalar (always folded). */
int k_size(const struct ir_kctx *k)
{
	*(int64_t *)k->out[0] = ir_tensor_numel(k->ti[0]);
	return 0;
}
