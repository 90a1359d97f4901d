/*
 * Integer helpers shared by the graph kernels: TFLite's MultiplyByQuantizedMultiplier
 * (gemmlowp SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) and the output clamp.
 * Accumulators are uint32_t so that wrapping is defined (the TypeScript kernels wrap the same
 * way with `| 0`); int32_t is two's complement by definition, and no operation here relies on
 * implementation-defined conversions or signed right shifts.
 */
#ifndef EDGEML_GRAPH_QUANT_H
#define EDGEML_GRAPH_QUANT_H

#include <stdint.h>
#include "../edgeml_graph.h"

/* The int32 congruent to u modulo 2^32. */
static inline int32_t edgeml_wrap(uint32_t u)
{
	return u <= 0x7fffffffu ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* floor(x / 2^e) for e in [0, 62], without a signed right shift of a negative number. */
static inline int64_t edgeml_floor_shift64(int64_t x, int e)
{
	return x >= 0 ? x >> e : ~(~x >> e);
}

/*
 * TFLite MultiplyByQuantizedMultiplier(x, m, shift) for a multiplier m in [0, 2^31) (what
 * QuantizeMultiplier gives), in one exact step. With the left shift l = max(shift, 0) applied
 * to x first (wrapping, as in the TypeScript kernels), right shift e = max(-shift, 0) and
 * p = (x << l) * m exact in 64 bits:
 *   SaturatingRoundingDoublingHighMul = floor((p + 2^30) / 2^31) (gemmlowp's nudge 1 - 2^30 for
 *     negative p, truncated toward zero, is this floor; the saturating case needs m = -2^31);
 *   RoundingDivideByPOT(s, e), e >= 1, = floor((s + 2^(e-1) - [s < 0]) / 2^e), and nesting the
 *     floors gives floor((p + 2^30 + 2^(30+e) - [p < 0] 2^31) / 2^(31+e)) (p < 0 decides as
 *     s < 0 does whenever the result can differ: for -2^30 <= p < 0 both give 0).
 * So the result is floor((p + round - [p < 0] negative) / 2^right) with the channel's constants
 * (EDGEML_CH_*, computed at load by native-params.ts): left = l, right = 31 + e,
 * round = 2^30 + [e > 0] 2^(30+e) and negative = [e > 0] 2^31. |p| < 2^62 and round < 2^62, so
 * nothing overflows. Identical to the two-step gemmlowp arithmetic bit for bit.
 *
 * Returns clamp(zp + that, actMin, actMax) for channel record ch and accumulator acc;
 * lo = actMin - zp and hi = actMax - zp (the clamp is done before adding zp, so no overflow).
 */
static inline int8_t edgeml_requantize(uint32_t acc, const int32_t *ch, int32_t zp, int32_t lo, int32_t hi)
{
	const int64_t p = (int64_t)edgeml_wrap(acc << ch[EDGEML_CH_LEFT]) * ch[EDGEML_CH_MULTIPLIER];
	const uint64_t round = ((uint64_t)(uint32_t)ch[EDGEML_CH_ROUND_HI] << 32) | (uint32_t)ch[EDGEML_CH_ROUND_LO];
	const int64_t n = p + (int64_t)round - (p < 0 ? (int64_t)(uint32_t)ch[EDGEML_CH_NEGATIVE] : 0);
	int32_t v = (int32_t)edgeml_floor_shift64(n, ch[EDGEML_CH_RIGHT]);
	v = v < lo ? lo : v > hi ? hi : v;
	return (int8_t)(v + zp);
}

/* sum of w[i] * x[i] over n taps, modulo 2^32. */
static inline uint32_t edgeml_dot(const int8_t *w, const int8_t *x, int32_t n)
{
	uint32_t acc = 0;
	int32_t i;
	for (i = 0; i < n; i++) acc += (uint32_t)(w[i] * x[i]);
	return acc;
}

/* sum of w[i] * (x[i] - zp) over n taps, modulo 2^32 (windows that reach into the padding). */
static inline uint32_t edgeml_dot_offset(const int8_t *w, const int8_t *x, int32_t n, int32_t zp)
{
	uint32_t acc = 0;
	int32_t i;
	for (i = 0; i < n; i++) acc += (uint32_t)(w[i] * (x[i] - zp));
	return acc;
}

/* The clipped range [k0, k1) of filter taps of a window starting at `origin` along one axis. */
static inline void edgeml_clip(int32_t origin, int32_t size, int32_t filter, int32_t *k0, int32_t *k1)
{
	*k0 = origin < 0 ? -origin : 0;
	*k1 = size - origin < filter ? size - origin : filter;
}

#endif
