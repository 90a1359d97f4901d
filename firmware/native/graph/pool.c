/*
 * MAX_POOL_2D and AVERAGE_POOL_2D, int8 (TFLite reference_integer_ops::MaxPool / AveragePool);
 * the twins of firmware/core/graph/ops/pool.ts. Windows are clipped to the input (padding taps
 * are skipped); input and output share scale and zero point; the average of n taps with sum s
 * is s / n rounded half away from zero, as (s +- n/2) / n with C's truncating division.
 */
#include "quant.h"

static void pool(const int32_t *p, const int8_t *x, int8_t *y, int average)
{
	const int32_t inH = p[EDGEML_P_IN_H], inW = p[EDGEML_P_IN_W], C = p[EDGEML_P_IN_C];
	const int32_t outH = p[EDGEML_P_OUT_H], outW = p[EDGEML_P_OUT_W];
	const int32_t kH = p[EDGEML_P_K_H], kW = p[EDGEML_P_K_W];
	const int32_t sH = p[EDGEML_P_STRIDE_H], sW = p[EDGEML_P_STRIDE_W];
	const int32_t padT = p[EDGEML_P_PAD_T], padL = p[EDGEML_P_PAD_L];
	const int32_t actMin = p[EDGEML_P_ACT_MIN], actMax = p[EDGEML_P_ACT_MAX];
	int32_t oy, ox, c, ky, kx;
	for (oy = 0; oy < outH; oy++) {
		const int32_t iy0 = oy * sH - padT;
		int32_t ky0, ky1;
		edgeml_clip(iy0, inH, kH, &ky0, &ky1);
		for (ox = 0; ox < outW; ox++) {
			const int32_t ix0 = ox * sW - padL;
			int32_t kx0, kx1, count, half;
			const int8_t *first;
			edgeml_clip(ix0, inW, kW, &kx0, &kx1);
			first = x + ((iy0 + ky0) * inW + ix0 + kx0) * C;
			count = (ky1 - ky0) * (kx1 - kx0);
			half = count / 2;
			if (!average) {
				/* channels innermost: the running maximum of every channel in y */
				int8_t *const y0 = y;
				for (c = 0; c < C; c++) y0[c] = -128;
				for (ky = 0; ky < ky1 - ky0; ky++) {
					for (kx = 0; kx < kx1 - kx0; kx++) {
						const int8_t *t = first + (ky * inW + kx) * C;
						for (c = 0; c < C; c++) if (t[c] > y0[c]) y0[c] = t[c];
					}
				}
				for (c = 0; c < C; c++, y++) *y = (int8_t)(*y < actMin ? actMin : *y > actMax ? actMax : *y);
				continue;
			}
			for (c = 0; c < C; c++, y++) {
				int32_t v = 0;
				for (ky = 0; ky < ky1 - ky0; ky++) {
					const int8_t *t = first + ky * inW * C + c;
					for (kx = 0; kx < kx1 - kx0; kx++) v += t[kx * C];
				}
				v = v > 0 ? (v + half) / count : (v - half) / count;
				*y = (int8_t)(v < actMin ? actMin : v > actMax ? actMax : v);
			}
		}
	}
}

void edgeml_max_pool2d(const int32_t *p, const int8_t *x, int8_t *y)
{
	pool(p, x, y, 0);
}

void edgeml_average_pool2d(const int32_t *p, const int8_t *x, int8_t *y)
{
	pool(p, x, y, 1);
}
