// A kernel set whose hot loops run in C (firmware/native/graph/), given the host functions that
// call them (xsmc bindings on Moddable, a test driver on the desktop). Each kernel runs the
// reference kernel's prepare(), so the same load-time validation guards the C code, keeps only
// what C needs (its params array and the weights view), and asks for no scratch: the reference
// kernel's packed copies are dropped after prepare.

import { OP_AVERAGE_POOL_2D, OP_CONV_2D, OP_DEPTHWISE_CONV_2D, OP_FULLY_CONNECTED, OP_MAX_POOL_2D } from './format';
import type { Graph, OpNode } from './format';
import type { OpBinding, OpKernel, OpRegistry, Prepared } from './kernel';
import { convParams, depthwiseParams, fullyConnectedParams, poolParams } from './native-params';
import { referenceRegistry } from './registry';
import { conv2d } from './ops/conv2d';
import { depthwiseConv2d } from './ops/depthwise-conv2d';
import { fullyConnected } from './ops/fully-connected';
import { averagePool2d, maxPool2d } from './ops/pool';

/** params: the bytes of the op's int32 params (xsmc reads byte views of any typed array). */
export type NativeWeightedOp = (params: Uint8Array, weights: Int8Array, input: Int8Array, output: Int8Array) => void;
export type NativePoolOp = (params: Uint8Array, input: Int8Array, output: Int8Array) => void;

export interface NativeGraphHosts {
  readonly conv2d: NativeWeightedOp;
  readonly depthwiseConv2d: NativeWeightedOp;
  readonly fullyConnected: NativeWeightedOp;
  readonly maxPool2d: NativePoolOp;
  readonly averagePool2d: NativePoolOp;
}

export interface NativeState {
  readonly params: Uint8Array;
  readonly weights: Int8Array;
}

const NO_WEIGHTS = new Int8Array(0);

function bytesOf(p: Int32Array): Uint8Array {
  return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
}

function weighted<S>(reference: OpKernel<S>, params: (s: S) => Int32Array, weights: (s: S) => Int8Array,
  host: NativeWeightedOp): OpKernel<NativeState> {
  return {
    name: reference.name,
    prepare(op: OpNode, graph: Graph): Prepared<NativeState> {
      const p = reference.prepare(op, graph);
      return { state: { params: bytesOf(params(p.state)), weights: weights(p.state) }, work: p.work, scratchBytes: 0 };
    },
    eval(s: NativeState, b: OpBinding): void {
      host(s.params, s.weights, b.inputs[0] as Int8Array, b.output);
    },
  };
}

function pooling<S>(reference: OpKernel<S>, params: (s: S) => Int32Array, host: NativePoolOp): OpKernel<NativeState> {
  return {
    name: reference.name,
    prepare(op: OpNode, graph: Graph): Prepared<NativeState> {
      const p = reference.prepare(op, graph);
      return { state: { params: bytesOf(params(p.state)), weights: NO_WEIGHTS }, work: p.work, scratchBytes: 0 };
    },
    eval(s: NativeState, b: OpBinding): void {
      host(s.params, b.inputs[0] as Int8Array, b.output);
    },
  };
}

/** The reference registry with CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and pooling in C. */
export function nativeGraphKernels(hosts: NativeGraphHosts): OpRegistry {
  return Object.freeze({
    ...referenceRegistry,
    [OP_CONV_2D]: weighted(conv2d, convParams, (s) => s.filter, hosts.conv2d),
    [OP_DEPTHWISE_CONV_2D]: weighted(depthwiseConv2d, depthwiseParams, (s) => s.filter, hosts.depthwiseConv2d),
    [OP_FULLY_CONNECTED]: weighted(fullyConnected, fullyConnectedParams, (s) => s.w, hosts.fullyConnected),
    [OP_MAX_POOL_2D]: pooling(maxPool2d, poolParams, hosts.maxPool2d),
    [OP_AVERAGE_POOL_2D]: pooling(averagePool2d, poolParams, hosts.averagePool2d),
  });
}
