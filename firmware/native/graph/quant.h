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

/* floor(x / 2^e), e in [0, 31]. */
static inline int32_t edgeml_floor_shift(int32_t x, int e)
{
	return x >= 0 ? x >> e : ~(~x >> e);
}

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline int32_t edgeml_srdhm(int32_t a, int32_t b)
{
	int64_t ab;
	if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
	ab = (int64_t)a * b;
	return (int32_t)((ab + (ab >= 0 ? (1 << 30) : 1 - (1 << 30))) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^e rounded half away from zero, e in [0, 31]. */
static inline int32_t edgeml_rdbpot(int32_t x, int e)
{
	int32_t mask = (int32_t)(((uint32_t)1 << e) - 1u);
	int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
	return edgeml_floor_shift(x, e) + ((x & mask) > threshold ? 1 : 0);
}

/*
 * clamp(zp + MultiplyByQuantizedMultiplier(acc), actMin, actMax) for channel record ch;
 * lo = actMin - zp and hi = actMax - zp (the clamp is done before adding zp, so no overflow).
 */
static inline int8_t edgeml_requantize(uint32_t acc, const int32_t *ch, int32_t zp, int32_t lo, int32_t hi)
{
	int32_t shift = ch[EDGEML_CH_SHIFT];
	int32_t x = edgeml_wrap(shift > 0 ? acc << shift : acc);
	int32_t v = edgeml_rdbpot(edgeml_srdhm(x, ch[EDGEML_CH_MULTIPLIER]), shift > 0 ? 0 : (int)-shift);
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
