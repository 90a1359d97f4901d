/*
 * edgeml int8 graph kernels in C99: the native twins of the TypeScript reference kernels in
 * firmware/core/graph/ops/, bit-exact with them (TFLite int8 quantization spec: per-channel
 * requantization by SaturatingRoundingDoublingHighMul then RoundingDivideByPOT, round half away
 * from zero; average pooling rounded half away from zero; padding taps skipped).
 *
 * No allocation, no state: every kernel reads and writes buffers its caller owns. The caller
 * (the engine's prepare(), once at model load) has validated every shape, offset and range;
 * the kernels check nothing, so they must only be called with a params array built by
 * firmware/core/graph/native-params.ts from a prepared op and with buffers of the sizes it implies:
 *   input  inH * inW * inC int8    output  outH * outW * outC int8  (SOFTMAX: rows * depth both)
 *   weights: CONV_2D [outC, kH, kW, inC]; DEPTHWISE_CONV_2D [1, kH, kW, outC];
 *            FULLY_CONNECTED [outC, inC] (units = outC, input length = inC).
 */
#ifndef EDGEML_GRAPH_H
#define EDGEML_GRAPH_H

#include <stdint.h>

/* Indices into the int32 params array (one layout for every op; unused entries are 1 or 0). */
enum {
	EDGEML_P_IN_H = 0,
	EDGEML_P_IN_W,
	EDGEML_P_IN_C,
	EDGEML_P_OUT_H,
	EDGEML_P_OUT_W,
	EDGEML_P_OUT_C,
	EDGEML_P_K_H,
	EDGEML_P_K_W,
	EDGEML_P_STRIDE_H,
	EDGEML_P_STRIDE_W,
	EDGEML_P_PAD_T,        /* leading padding (TFLite ComputePaddingWithOffset) */
	EDGEML_P_PAD_L,
	EDGEML_P_IN_ZP,
	EDGEML_P_OUT_ZP,
	EDGEML_P_ACT_MIN,      /* fused activation range, int8 */
	EDGEML_P_ACT_MAX,
	EDGEML_P_DEPTH_MULT,   /* DEPTHWISE_CONV_2D: output channel oc reads input channel oc / mult */
	EDGEML_P_CHANNELS      /* first per-output-channel record (conv, depthwise, fully connected) */
};

/* Per-output-channel record at params[EDGEML_P_CHANNELS + EDGEML_CH_SIZE * c]. */
enum {
	EDGEML_CH_BIAS_FOLDED = 0, /* bias - inZp * sum(all weights of c), mod 2^32 */
	EDGEML_CH_BIAS,            /* bias (0 when the op has none) */
	EDGEML_CH_MULTIPLIER,      /* Q31 multiplier, TFLite QuantizeMultiplier */
	/* the TFLite shift s in [-31, 30] (left when > 0, right by -s when <= 0), with e = max(-s, 0): */
	EDGEML_CH_LEFT,            /* max(s, 0) */
	EDGEML_CH_RIGHT,           /* 31 + e */
	EDGEML_CH_NEGATIVE,        /* 2^31 (as int32: INT32_MIN) when e > 0, else 0 */
	EDGEML_CH_ROUND_LO,        /* 2^30 + (e > 0 ? 2^(30+e) : 0), low 32 bits */
	EDGEML_CH_ROUND_HI,        /* and high 32 bits (graph/quant.h: edgeml_requantize) */
	EDGEML_CH_SIZE
};

/* params length of an op with c output channels (pooling: EDGEML_P_CHANNELS). */
#define EDGEML_PARAMS_LENGTH(c) (EDGEML_P_CHANNELS + EDGEML_CH_SIZE * (c))

/*
 * SOFTMAX has params of its own: rows, depth (the last dimension, 1..4095; input and output
 * hold rows * depth int8), then the 256 exp terms e[d] in Q0.31 for d = max(row) - x
 * (firmware/core/graph/ops/softmax.ts tabulates them at prepare: e[0] = INT32_MAX, 0 for
 * differences beyond the input radius).
 */
enum {
	EDGEML_SOFTMAX_ROWS = 0,
	EDGEML_SOFTMAX_DEPTH,
	EDGEML_SOFTMAX_EXP,
	EDGEML_SOFTMAX_PARAMS_LENGTH = EDGEML_SOFTMAX_EXP + 256
};

void edgeml_conv2d(const int32_t *params, const int8_t *weights, const int8_t *input, int8_t *output);
void edgeml_depthwise_conv2d(const int32_t *params, const int8_t *weights, const int8_t *input, int8_t *output);
void edgeml_fully_connected(const int32_t *params, const int8_t *weights, const int8_t *input, int8_t *output);
void edgeml_max_pool2d(const int32_t *params, const int8_t *input, int8_t *output);
void edgeml_average_pool2d(const int32_t *params, const int8_t *input, int8_t *output);
void edgeml_softmax(const int32_t *params, const int8_t *input, int8_t *output);

#endif
