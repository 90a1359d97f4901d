/*
 * DEPTHWISE_CONV_2D, int8 per-channel (TFLite reference_integer_ops::DepthwiseConvPerChannel),
 * dilation 1; the twin of firmware/core/graph/ops/depthwise-conv2d.ts. Output channel
 * oc = ic * mult + m reads input channel ic; filter tap t of channel oc is w[t * outC + oc].
 *
 * As in conv2d.c, a window inside the input uses the folded bias and raw taps, a window that
 * reaches into the padding the plain bias and taps offset by inZp, skipping the padding. Fast
 * path: 3x3 inside the input with multiplier 1, the nine taps of a channel in one expression.
 */
#include "quant.h"

void edgeml_depthwise_conv2d(const int32_t *p, const int8_t *w, const int8_t *x, int8_t *y)
{
	const int32_t inH = p[EDGEML_P_IN_H], inW = p[EDGEML_P_IN_W], inC = p[EDGEML_P_IN_C];
	const int32_t outH = p[EDGEML_P_OUT_H], outW = p[EDGEML_P_OUT_W], outC = p[EDGEML_P_OUT_C];
	const int32_t kH = p[EDGEML_P_K_H], kW = p[EDGEML_P_K_W];
	const int32_t sH = p[EDGEML_P_STRIDE_H], sW = p[EDGEML_P_STRIDE_W];
	const int32_t padT = p[EDGEML_P_PAD_T], padL = p[EDGEML_P_PAD_L];
	const int32_t inZp = p[EDGEML_P_IN_ZP], zp = p[EDGEML_P_OUT_ZP], mult = p[EDGEML_P_DEPTH_MULT];
	const int32_t lo = p[EDGEML_P_ACT_MIN] - zp, hi = p[EDGEML_P_ACT_MAX] - zp;
	const int32_t *chs = p + EDGEML_P_CHANNELS;
	const int32_t R = inW * inC, R2 = 2 * R;
	const int fast3x3 = kH == 3 && kW == 3 && mult == 1;
	int32_t oy, ox, oc, ky, kx;
	for (oy = 0; oy < outH; oy++) {
		const int32_t iy0 = oy * sH - padT;
		for (ox = 0; ox < outW; ox++, y += outC) {
			const int32_t ix0 = ox * sW - padL;
			int32_t ky0, ky1, kx0, kx1;
			edgeml_clip(iy0, inH, kH, &ky0, &ky1);
			edgeml_clip(ix0, inW, kW, &kx0, &kx1);
			if (ky0 == 0 && ky1 == kH && kx0 == 0 && kx1 == kW) {
				const int8_t *xw = x + (iy0 * inW + ix0) * inC;
				if (fast3x3) {
					const int32_t C = outC;
					for (oc = 0; oc < outC; oc++) {
						const int8_t *t = xw + oc, *f = w + oc;
						uint32_t a = (uint32_t)(f[0] * t[0] + f[C] * t[inC] + f[2 * C] * t[2 * inC] +
							f[3 * C] * t[R] + f[4 * C] * t[R + inC] + f[5 * C] * t[R + 2 * inC] +
							f[6 * C] * t[R2] + f[7 * C] * t[R2 + inC] + f[8 * C] * t[R2 + 2 * inC]);
						const int32_t *ch = chs + EDGEML_CH_SIZE * oc;
						y[oc] = edgeml_requantize(a + (uint32_t)ch[EDGEML_CH_BIAS_FOLDED], ch, zp, lo, hi);
					}
					continue;
				}
				for (oc = 0; oc < outC; oc++) {
					const int32_t *ch = chs + EDGEML_CH_SIZE * oc;
					const int8_t *xc = xw + oc / mult;
					uint32_t a = (uint32_t)ch[EDGEML_CH_BIAS_FOLDED];
					for (ky = 0; ky < kH; ky++) {
						const int8_t *f = w + ky * kW * outC + oc, *t = xc + ky * R;
						for (kx = 0; kx < kW; kx++) a += (uint32_t)(f[kx * outC] * t[kx * inC]);
					}
					y[oc] = edgeml_requantize(a, ch, zp, lo, hi);
				}
				continue;
			}
			for (oc = 0; oc < outC; oc++) {
				const int32_t *ch = chs + EDGEML_CH_SIZE * oc;
				const int32_t ic = oc / mult;
				uint32_t a = (uint32_t)ch[EDGEML_CH_BIAS];
				for (ky = ky0; ky < ky1; ky++) {
					const int8_t *f = w + (ky * kW + kx0) * outC + oc;
					const int8_t *t = x + ((iy0 + ky) * inW + ix0 + kx0) * inC + ic;
					for (kx = 0; kx < kx1 - kx0; kx++) a += (uint32_t)(f[kx * outC] * (t[kx * inC] - inZp));
				}
				y[oc] = edgeml_requantize(a, ch, zp, lo, hi);
			}
		}
	}
}
