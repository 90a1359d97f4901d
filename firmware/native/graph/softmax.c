/*
 * SOFTMAX, int8 -> int8 with beta = 1 (TFLite reference_ops::Softmax for quantized types); the
 * twin of firmware/core/graph/ops/softmax.ts. The output has scale 1/256 and zero point -128.
 * prepare() tabulated, per d = max(row) - x in 0..255, the term e[d] =
 * exp_on_negative_values(...) in Q0.31 (0 where -d < diffMin), so per row:
 *   sum = sum of RoundingDivideByPOT(e[max - x[c]], 12)          (Q12.19, < 2^31: depth <= 4095)
 *   (scale, bitsOverUnit) = GetReciprocal(sum, 12)
 *   out[c] = e == 0 ? -128 : min(RoundingDivideByPOT(SRDHM(scale, e), bitsOverUnit + 23) - 128, 127)
 * with the quotient 0 when bitsOverUnit + 23 > 31. The gemmlowp helpers below are those of
 * firmware/core/graph/fixed-point.ts; sums wrap modulo 2^32 as there (`| 0`), through uint32_t.
 */
#include "quant.h"

/* gemmlowp SaturatingRoundingDoublingHighMul: (a*b + nudge) / 2^31 truncated toward zero. */
static int32_t srdhm(int32_t a, int32_t b)
{
	int64_t ab;
	if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
	ab = (int64_t)a * b;
	return (int32_t)((ab + (ab >= 0 ? (int64_t)1 << 30 : 1 - ((int64_t)1 << 30))) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT(x, e), e in [0, 31]: x / 2^e rounded half away from zero. */
static int32_t rdbpot(int32_t x, int e)
{
	const int32_t mask = (int32_t)(((uint32_t)1 << e) - 1u);
	const int32_t remainder = x & mask;
	const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
	const int32_t q = x >= 0 ? x >> e : ~(~x >> e);
	return q + (remainder > threshold ? 1 : 0);
}

/* a + b and a - b modulo 2^32. */
static int32_t add32(int32_t a, int32_t b)
{
	return edgeml_wrap((uint32_t)a + (uint32_t)b);
}

static int32_t sub32(int32_t a, int32_t b)
{
	return edgeml_wrap((uint32_t)a - (uint32_t)b);
}

/* SaturatingRoundingMultiplyByPOT<e> for e > 0: a saturating left shift. */
static int32_t saturating_shift_left(int32_t x, int e)
{
	const int32_t threshold = ((int32_t)1 << (31 - e)) - 1;
	if (x > threshold) return INT32_MAX;
	if (x < -threshold) return INT32_MIN;
	return edgeml_wrap((uint32_t)x << e);
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
static int32_t one_over_one_plus_x(int32_t a)
{
	const int64_t sum = (int64_t)a + INT32_MAX;
	const int32_t half = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2); /* RoundingHalfSum(a, 1) */
	const int32_t one_q2 = (int32_t)1 << 29;
	int32_t x = add32(1515870810, srdhm(half, -1010580540)); /* 48/17 - 32/17 * half, Q2.29 */
	int i;
	for (i = 0; i < 3; i++) {
		const int32_t one_minus = sub32(one_q2, srdhm(half, x));
		x = add32(x, saturating_shift_left(srdhm(x, one_minus), 2));
	}
	return saturating_shift_left(x, 1);
}

void edgeml_softmax(const int32_t *p, const int8_t *x, int8_t *y)
{
	const int32_t rows = p[EDGEML_SOFTMAX_ROWS], depth = p[EDGEML_SOFTMAX_DEPTH];
	const int32_t *exp_table = p + EDGEML_SOFTMAX_EXP;
	int32_t r, c;
	for (r = 0; r < rows; r++, x += depth, y += depth) {
		int32_t max = -128, sum = 0, scale, exponent, headroom = 0;
		uint32_t shifted;
		for (c = 0; c < depth; c++) if (x[c] > max) max = x[c];
		/* each term <= 2^19 and depth <= 4095, so the sum stays below 2^31; the row's maximum
		   contributes e[0] = INT32_MAX, so sum >= 2^19 */
		for (c = 0; c < depth; c++) sum += rdbpot(exp_table[max - x[c]], 12);
		/* GetReciprocal(sum, 12): headroom = clz32(sum) in [1, 12] */
		for (shifted = (uint32_t)sum; (shifted & 0x80000000u) == 0; shifted <<= 1) headroom++;
		scale = one_over_one_plus_x(edgeml_wrap(shifted - 0x80000000u));
		exponent = 12 - headroom + 31 - 8;
		for (c = 0; c < depth; c++) {
			const int32_t e = exp_table[max - x[c]];
			int32_t v;
			if (e == 0) v = -128;
			else {
				v = (exponent > 31 ? 0 : rdbpot(srdhm(scale, e), (int)exponent)) - 128;
				if (v > 127) v = 127;
			}
			y[c] = (int8_t)v;
		}
	}
}
