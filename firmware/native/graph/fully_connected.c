/*
 * FULLY_CONNECTED, int8, per-channel or per-tensor weights, batch 1 (TFLite
 * reference_integer_ops::FullyConnected[PerChannel]); the twin of
 * firmware/core/graph/ops/fully-connected.ts. Weights [units, inUnits]; the folded bias absorbs
 * the input offset, and four (then two, then one) units share every input load.
 */
#include "quant.h"

void edgeml_fully_connected(const int32_t *p, const int8_t *w, const int8_t *x, int8_t *y)
{
	const int32_t units = p[EDGEML_P_OUT_C], K = p[EDGEML_P_IN_C];
	const int32_t zp = p[EDGEML_P_OUT_ZP], lo = p[EDGEML_P_ACT_MIN] - zp, hi = p[EDGEML_P_ACT_MAX] - zp;
	const int32_t *ch = p + EDGEML_P_CHANNELS;
	uint32_t acc[4] = { 0, 0, 0, 0 };
	int32_t u = 0, i, k, n;
	for (; u < units; u += n) {
		const int8_t *wu = w + u * K;
		n = units - u >= 4 ? 4 : units - u >= 2 ? 2 : 1;
		if (n == 4) {
			uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
			for (i = 0; i < K; i++) {
				int32_t v = x[i];
				a0 += (uint32_t)(wu[i] * v);
				a1 += (uint32_t)(wu[i + K] * v);
				a2 += (uint32_t)(wu[i + 2 * K] * v);
				a3 += (uint32_t)(wu[i + 3 * K] * v);
			}
			acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
		} else if (n == 2) {
			uint32_t a0 = 0, a1 = 0;
			for (i = 0; i < K; i++) {
				int32_t v = x[i];
				a0 += (uint32_t)(wu[i] * v);
				a1 += (uint32_t)(wu[i + K] * v);
			}
			acc[0] = a0; acc[1] = a1;
		} else {
			acc[0] = edgeml_dot(wu, x, K);
		}
		for (k = 0; k < n; k++) {
			const int32_t *c = ch + EDGEML_CH_SIZE * (u + k);
			y[u + k] = edgeml_requantize(acc[k] + (uint32_t)c[EDGEML_CH_BIAS_FOLDED], c, zp, lo, hi);
		}
	}
}
