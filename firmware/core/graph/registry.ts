// The reference kernel set (portable TypeScript), keyed by TFLite builtin opcode. Another
// kernel set with the same OpKernel signatures (native C later) can be passed to
// createGraphEngine instead, or mixed in: { ...referenceRegistry, [OP_CONV_2D]: fastConv }.

import {
  OP_ADD, OP_AVERAGE_POOL_2D, OP_CONV_2D, OP_DEPTHWISE_CONV_2D, OP_FULLY_CONNECTED, OP_MAX_POOL_2D,
  OP_RESHAPE, OP_SOFTMAX,
} from './format';
import type { OpKernel, OpRegistry } from './kernel';
import { add } from './ops/add';
import { conv2d } from './ops/conv2d';
import { depthwiseConv2d } from './ops/depthwise-conv2d';
import { fullyConnected } from './ops/fully-connected';
import { averagePool2d, maxPool2d } from './ops/pool';
import { reshape } from './ops/reshape';
import { softmax } from './ops/softmax';

export const referenceRegistry: OpRegistry = Object.freeze({
  [OP_ADD]: add,
  [OP_AVERAGE_POOL_2D]: averagePool2d,
  [OP_CONV_2D]: conv2d,
  [OP_DEPTHWISE_CONV_2D]: depthwiseConv2d,
  [OP_FULLY_CONNECTED]: fullyConnected,
  [OP_MAX_POOL_2D]: maxPool2d,
  [OP_RESHAPE]: reshape,
  [OP_SOFTMAX]: softmax,
});

/** The kernel for an opcode, or undefined (own properties only). */
export function lookupKernel(registry: OpRegistry, opcode: number): OpKernel<unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(registry, opcode) ? registry[opcode] : undefined;
}
