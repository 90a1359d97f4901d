/*
 * CONV_2D, int8 per-channel (TFLite reference_integer_ops::ConvPerChannel), dilation 1;
 * the twin of firmware/core/graph/ops/conv2d.ts.
 *
 * The input offset is folded into the bias (bias - inZp * sum w), so a window's taps need no
 * offset. Fast paths: 1x1 (a window is one pixel, never padded: four output channels share
 * every input load) and 3x3 on one input channel (the nine taps held in locals for every output
 * channel; a window reaching into the padding is first gathered with inZp in the padding taps,
 * which contribute w * (inZp - inZp) = 0 under the folded bias). Otherwise, when a window has at
 * most EDGEML_CONV_GATHER taps (K = kH * kW * inC), windows are gathered the same way into runs
 * of K bytes on the stack, two at a time, and each weight load serves both windows and four
 * output channels. Larger windows are read in place, kH rows of kW * inC contiguous bytes, and
 * one that reaches into the padding skips the padding taps and offsets the others by inZp,
 * starting from the plain bias: both give the same sum modulo 2^32.
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

/* Two windows of K contiguous taps each (gathered): every weight load serves both. */
static void window_pair(const Outputs *o, const int8_t *w, const int8_t *xa, const int8_t *xb, int8_t *ya, int8_t *yb)
{
	const int32_t K = o->K, outC = o->outC;
	int32_t oc = 0, i;
	for (; oc + 4 <= outC; oc += 4) {
		const int8_t *w0 = w + oc * K;
		uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
		for (i = 0; i < K; i++) {
			const int32_t u = xa[i], v = xb[i];
			const int32_t k0 = w0[i], k1 = w0[i + K], k2 = w0[i + 2 * K], k3 = w0[i + 3 * K];
			a0 += (uint32_t)(k0 * u);
			b0 += (uint32_t)(k0 * v);
			a1 += (uint32_t)(k1 * u);
			b1 += (uint32_t)(k1 * v);
			a2 += (uint32_t)(k2 * u);
			b2 += (uint32_t)(k2 * v);
			a3 += (uint32_t)(k3 * u);
			b3 += (uint32_t)(k3 * v);
		}
		ya[oc] = out_folded(o, oc, a0);
		ya[oc + 1] = out_folded(o, oc + 1, a1);
		ya[oc + 2] = out_folded(o, oc + 2, a2);
		ya[oc + 3] = out_folded(o, oc + 3, a3);
		yb[oc] = out_folded(o, oc, b0);
		yb[oc + 1] = out_folded(o, oc + 1, b1);
		yb[oc + 2] = out_folded(o, oc + 2, b2);
		yb[oc + 3] = out_folded(o, oc + 3, b3);
	}
	for (; oc < outC; oc++) {
		ya[oc] = out_folded(o, oc, edgeml_dot(w + oc * K, xa, K));
		yb[oc] = out_folded(o, oc, edgeml_dot(w + oc * K, xb, K));
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

/* gather() for 3x3 on one channel: nine selects, no library calls for one-byte runs. */
static void gather_3x3x1(const int32_t *p, const int8_t *x, int32_t iy0, int32_t ix0, int8_t *col)
{
	const int32_t inH = p[EDGEML_P_IN_H], inW = p[EDGEML_P_IN_W];
	const int8_t zp = (int8_t)p[EDGEML_P_IN_ZP];
	int32_t ky, kx;
	for (ky = 0; ky < 3; ky++) {
		const int32_t iy = iy0 + ky;
		const int rowIn = iy >= 0 && iy < inH;
		for (kx = 0; kx < 3; kx++) {
			const int32_t ix = ix0 + kx;
			col[3 * ky + kx] = rowIn && ix >= 0 && ix < inW ? x[iy * inW + ix] : zp;
		}
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
	const int is1x1 = kH == 1 && kW == 1;
	int8_t col[2 * EDGEML_CONV_GATHER];
	Outputs o;
	int32_t oy, ox;
	outputs_init(&o, p);
	if (!is1x1 && !is3x3x1 && o.K <= EDGEML_CONV_GATHER) {
		/* every window gathered into one run of K taps, two windows at a time */
		const int32_t positions = outH * outW;
		int32_t q;
		for (q = 0; q + 2 <= positions; q += 2, y += 2 * outC) {
			gather(p, x, (q / outW) * sH - padT, (q % outW) * sW - padL, col);
			gather(p, x, ((q + 1) / outW) * sH - padT, ((q + 1) % outW) * sW - padL, col + EDGEML_CONV_GATHER);
			window_pair(&o, w, col, col + EDGEML_CONV_GATHER, y, y + outC);
		}
		if (q < positions) {
			gather(p, x, (q / outW) * sH - padT, (q % outW) * sW - padL, col);
			window_inside(&o, w, col, 1, o.K, 0, y);
		}
		return;
	}
	for (oy = 0; oy < outH; oy++) {
		const int32_t iy0 = oy * sH - padT;
		for (ox = 0; ox < outW; ox++, y += outC) {
			const int32_t ix0 = ox * sW - padL;
			const int8_t *xw;
			if (iy0 < 0 || ix0 < 0 || iy0 + kH > inH || ix0 + kW > inW) {
				if (is3x3x1) {
					gather_3x3x1(p, x, iy0, ix0, col);
					window_3x3x1(&o, w, col, 3, y);
				} else {
					window_border(&o, p, w, x, iy0, ix0, y);
				}
				continue;
			}
			xw = x + (iy0 * inW + ix0) * inC;
			if (is1x1) {
				window_inside(&o, w, xw, 1, inC, 0, y);
			} else if (is3x3x1) {
				window_3x3x1(&o, w, xw, inW, y);
			} else {
				window_inside(&o, w, xw, kH, kW * inC, rowStep, y);
			}
		}
	}
}
