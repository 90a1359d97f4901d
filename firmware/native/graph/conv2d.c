/*
 * CONV_2D, int8 per-channel (TFLite reference_integer_ops::ConvPerChannel), dilation 1;
 * the twin of firmware/core/graph/ops/conv2d.ts.
 *
 * A window inside the input uses the folded bias (bias - inZp * sum w), so its taps need no
 * offset: each of its kH rows is kW * inC contiguous bytes in the input and in the weights, and
 * four output channels share every input load. A window of at most EDGEML_CONV_GATHER taps
 * (K = kH * kW * inC) is first gathered into one run of K bytes on the stack, with inZp in the
 * padding taps (w * (inZp - inZp) = 0 under the folded bias), so that the dot products have no
 * row loop and padded windows take the same path. A larger window that reaches into the padding
 * skips the padding taps and offsets the others by inZp, starting from the plain bias: both
 * give the same sum modulo 2^32. Fast paths: 1x1 (a window is one pixel, never padded) and 3x3 on
 * one input channel (the nine taps held in locals for every output channel).
 */
#include <string.h>
#include "quant.h"

typedef struct {
	const int32_t *ch;
	int32_t outC, K, zp, lo, hi;
} Outputs;

static void outputs_init(Outputs *o, const int32_t *p)
{
	o->ch = p + EDGEML_P_CHANNELS;
	o->outC = p[EDGEML_P_OUT_C];
	o->K = p[EDGEML_P_K_H] * p[EDGEML_P_K_W] * p[EDGEML_P_IN_C];
	o->zp = p[EDGEML_P_OUT_ZP];
	o->lo = p[EDGEML_P_ACT_MIN] - o->zp;
	o->hi = p[EDGEML_P_ACT_MAX] - o->zp;
}

static inline int8_t out_folded(const Outputs *o, int32_t oc, uint32_t sum)
{
	const int32_t *ch = o->ch + EDGEML_CH_SIZE * oc;
	return edgeml_requantize(sum + (uint32_t)ch[EDGEML_CH_BIAS_FOLDED], ch, o->zp, o->lo, o->hi);
}

/* A window inside the input: kH rows of kRow bytes, rowStep apart in the input. */
static void window_inside(const Outputs *o, const int8_t *w, const int8_t *x, int32_t kH, int32_t kRow,
	int32_t rowStep, int8_t *y)
{
	const int32_t K = o->K, outC = o->outC;
	int32_t oc = 0, ky;
	for (; oc + 4 <= outC; oc += 4) {
		const int8_t *w0 = w + oc * K;
		uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
		for (ky = 0; ky < kH; ky++) {
			const int8_t *xr = x + ky * rowStep;
			const int8_t *wr = w0 + ky * kRow;
			int32_t i;
			for (i = 0; i < kRow; i++) {
				int32_t v = xr[i];
				a0 += (uint32_t)(wr[i] * v);
				a1 += (uint32_t)(wr[i + K] * v);
				a2 += (uint32_t)(wr[i + 2 * K] * v);
				a3 += (uint32_t)(wr[i + 3 * K] * v);
			}
		}
		y[oc] = out_folded(o, oc, a0);
		y[oc + 1] = out_folded(o, oc + 1, a1);
		y[oc + 2] = out_folded(o, oc + 2, a2);
		y[oc + 3] = out_folded(o, oc + 3, a3);
	}
	for (; oc < outC; oc++) {
		uint32_t a = 0;
		for (ky = 0; ky < kH; ky++) a += edgeml_dot(w + oc * K + ky * kRow, x + ky * rowStep, kRow);
		y[oc] = out_folded(o, oc, a);
	}
}

/* 3x3 on one input channel, window inside: nine taps in locals. */
static void window_3x3x1(const Outputs *o, const int8_t *w, const int8_t *x, int32_t inW, int8_t *y)
{
	const int32_t x0 = x[0], x1 = x[1], x2 = x[2];
	const int32_t x3 = x[inW], x4 = x[inW + 1], x5 = x[inW + 2];
	const int32_t x6 = x[2 * inW], x7 = x[2 * inW + 1], x8 = x[2 * inW + 2];
	int32_t oc;
	for (oc = 0; oc < o->outC; oc++, w += 9) {
		uint32_t a = (uint32_t)(w[0] * x0 + w[1] * x1 + w[2] * x2 + w[3] * x3 + w[4] * x4 + w[5] * x5 +
			w[6] * x6 + w[7] * x7 + w[8] * x8);
		y[oc] = out_folded(o, oc, a);
	}
}

/* A window that reaches into the padding: taps [ky0, ky1) x [kx0, kx1), plain bias. */
static void window_border(const Outputs *o, const int32_t *p, const int8_t *w, const int8_t *x,
	int32_t iy0, int32_t ix0, int8_t *y)
{
	const int32_t inW = p[EDGEML_P_IN_W], inC = p[EDGEML_P_IN_C], kH = p[EDGEML_P_K_H], kW = p[EDGEML_P_K_W];
	const int32_t inZp = p[EDGEML_P_IN_ZP];
	int32_t ky0, ky1, kx0, kx1, oc, ky;
	edgeml_clip(iy0, p[EDGEML_P_IN_H], kH, &ky0, &ky1);
	edgeml_clip(ix0, inW, kW, &kx0, &kx1);
	for (oc = 0; oc < o->outC; oc++) {
		const int32_t *ch = o->ch + EDGEML_CH_SIZE * oc;
		uint32_t a = (uint32_t)ch[EDGEML_CH_BIAS];
		for (ky = ky0; ky < ky1; ky++) {
			a += edgeml_dot_offset(w + oc * o->K + (ky * kW + kx0) * inC,
				x + ((iy0 + ky) * inW + ix0 + kx0) * inC, (kx1 - kx0) * inC, inZp);
		}
		y[oc] = edgeml_requantize(a, ch, o->zp, o->lo, o->hi);
	}
}

/* Windows of up to this many taps are gathered (gather(): the window, padded with inZp). */
#define EDGEML_CONV_GATHER 256

static void gather(const int32_t *p, const int8_t *x, int32_t iy0, int32_t ix0, int8_t *col)
{
	const int32_t inH = p[EDGEML_P_IN_H], inW = p[EDGEML_P_IN_W], inC = p[EDGEML_P_IN_C];
	const int32_t kH = p[EDGEML_P_K_H], kW = p[EDGEML_P_K_W];
	const int zp = (int)p[EDGEML_P_IN_ZP];
	const size_t row = (size_t)(kW * inC);
	int32_t kx0, kx1, ky;
	edgeml_clip(ix0, inW, kW, &kx0, &kx1);
	for (ky = 0; ky < kH; ky++, col += row) {
		const int32_t iy = iy0 + ky;
		if (iy < 0 || iy >= inH || kx0 >= kx1) {
			memset(col, zp, row);
			continue;
		}
		if (kx0 > 0) memset(col, zp, (size_t)(kx0 * inC));
		memcpy(col + kx0 * inC, x + (iy * inW + ix0 + kx0) * inC, (size_t)((kx1 - kx0) * inC));
		if (kx1 < kW) memset(col + kx1 * inC, zp, (size_t)((kW - kx1) * inC));
	}
}

void edgeml_conv2d(const int32_t *p, const int8_t *w, const int8_t *x, int8_t *y)
{
	const int32_t inH = p[EDGEML_P_IN_H], inW = p[EDGEML_P_IN_W], inC = p[EDGEML_P_IN_C];
	const int32_t outH = p[EDGEML_P_OUT_H], outW = p[EDGEML_P_OUT_W], outC = p[EDGEML_P_OUT_C];
	const int32_t kH = p[EDGEML_P_K_H], kW = p[EDGEML_P_K_W];
	const int32_t sH = p[EDGEML_P_STRIDE_H], sW = p[EDGEML_P_STRIDE_W];
	const int32_t padT = p[EDGEML_P_PAD_T], padL = p[EDGEML_P_PAD_L];
	const int32_t rowStep = inW * inC;
	const int is3x3x1 = kH == 3 && kW == 3 && inC == 1;
	int8_t col[EDGEML_CONV_GATHER];
	Outputs o;
	int32_t oy, ox;
	outputs_init(&o, p);
	for (oy = 0; oy < outH; oy++) {
		const int32_t iy0 = oy * sH - padT;
		for (ox = 0; ox < outW; ox++, y += outC) {
			const int32_t ix0 = ox * sW - padL;
			const int8_t *xw;
			if (iy0 < 0 || ix0 < 0 || iy0 + kH > inH || ix0 + kW > inW) {
				if (o.K > EDGEML_CONV_GATHER) {
					window_border(&o, p, w, x, iy0, ix0, y);
				} else {
					gather(p, x, iy0, ix0, col);
					if (is3x3x1) window_3x3x1(&o, w, col, 3, y);
					else window_inside(&o, w, col, 1, o.K, 0, y);
				}
				continue;
			}
			xw = x + (iy0 * inW + ix0) * inC;
			if (kH == 1 && kW == 1) {
				window_inside(&o, w, xw, 1, inC, 0, y);
			} else if (is3x3x1) {
				window_3x3x1(&o, w, xw, inW, y);
			} else if (o.K <= EDGEML_CONV_GATHER) {
				/* one run of K taps, without the row loop */
				gather(p, x, iy0, ix0, col);
				window_inside(&o, w, col, 1, o.K, 0, y);
			} else {
				window_inside(&o, w, xw, kH, kW * inC, rowStep, y);
			}
		}
	}
}
