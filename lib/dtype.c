/*
 * dtype.c: element conversions shared by the kernels, the text form and the
 * comparison tools (ir.h).
 */
#include "ir.h"

#include <math.h>
#include <string.h>

float ir_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
	uint32_t bits;
	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (man << 13);
	} else if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else { /* subnormal: normalize */
			int e = -1;
			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400));
			bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
		}
	} else {
		bits = sign | (exp + 127 - 15) << 23 | man << 13;
	}
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t ir_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000;
	int32_t exp = (int32_t)((x >> 23) & 0xff);
	uint32_t man = x & 0x7fffff;
	if (exp == 0xff) /* inf or nan (keep it a nan) */
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
	int32_t e = exp - 127 + 15;
	if (e >= 0x1f)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) { /* subnormal or zero in f16 */
		if (e < -10)
			return (uint16_t)sign;
		man |= 0x800000;
		int shift = 14 - e;
		uint32_t half = man >> shift, rem = man & ((1u << shift) - 1),
			 mid = 1u << (shift - 1);
		if (rem > mid || (rem == mid && (half & 1)))
			half++;
		return (uint16_t)(sign | half);
	}
	uint32_t h = sign | (uint32_t)e << 10 | man >> 13, rem = man & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++; /* may carry into the exponent, which is right */
	return (uint16_t)h;
}

float ir_bf16_to_f32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

/* Truncation, as ONNX 1.12's Cast (formats/ir.md); NaN stays NaN. */
uint16_t ir_f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	return (uint16_t)(x >> 16);
}

double ir_elem_get(enum ir_dtype t, const void *d, size_t i)
{
	switch (t) {
	case IR_DTYPE_F32: return ((const float *)d)[i];
	case IR_DTYPE_F64: return ((const double *)d)[i];
	case IR_DTYPE_F16: return ir_f16_to_f32(((const uint16_t *)d)[i]);
	case IR_DTYPE_BF16: return ir_bf16_to_f32(((const uint16_t *)d)[i]);
	case IR_DTYPE_I8: return ((const int8_t *)d)[i];
	case IR_DTYPE_U8: return ((const uint8_t *)d)[i];
	case IR_DTYPE_BOOL: return ((const uint8_t *)d)[i] != 0;
	case IR_DTYPE_I16: return ((const int16_t *)d)[i];
	case IR_DTYPE_U16: return ((const uint16_t *)d)[i];
	case IR_DTYPE_I32: return ((const int32_t *)d)[i];
	case IR_DTYPE_U32: return ((const uint32_t *)d)[i];
	case IR_DTYPE_I64: return (double)((const int64_t *)d)[i];
	case IR_DTYPE_U64: return (double)((const uint64_t *)d)[i];
	default: return NAN;
	}
}
