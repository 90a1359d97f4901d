// A kernel set whose hot loops run in C (firmware/native/graph/), given the host functions that
// call them (xsmc bindings on Moddable, a test driver on the desktop). Each kernel runs the
// reference kernel's validation (convLayer and the like for the weighted ops: the reference
// prepare() without its packed weight copies; the whole prepare() for pooling and SOFTMAX,
// whose states are small), so the same load-time checks guard the C code, keeps only what C
// needs (its params array and the weights view), and asks for no scratch. At bind, each op
// becomes its host function bound to its buffers (step): the engine's run() is then one call
// per op.

import { OP_AVERAGE_POOL_2D, OP_CONV_2D, OP_DEPTHWISE_CONV_2D, OP_FULLY_CONNECTED, OP_MAX_POOL_2D, OP_SOFTMAX } from './format';
import type { Graph, OpNode } from './format';
import type { OpBinding, OpKernel, OpRegistry, Prepared } from './kernel';
import { convParams, depthwiseParams, fullyConnectedParams, poolParams, softmaxParams } from './native-params';
import { referenceRegistry } from './registry';
import { conv2d, convLayer } from './ops/conv2d';
import { depthwiseConv2d, depthwiseLayer } from './ops/depthwise-conv2d';
import { fullyConnected, fullyConnectedLayer } from './ops/fully-connected';
import { averagePool2d, maxPool2d } from './ops/pool';
import { softmax } from './ops/softmax';

/** params: the bytes of the op's int32 params (xsmc reads byte views of any typed array). */
export type NativeWeightedOp = (params: Uint8Array, weights: Int8Array, input: Int8Array, output: Int8Array) => void;
export type NativePoolOp = (params: Uint8Array, input: Int8Array, output: Int8Array) => void;

export interface NativeGraphHosts {
  readonly conv2d: NativeWeightedOp;
  readonly depthwiseConv2d: NativeWeightedOp;
  readonly fullyConnected: NativeWeightedOp;
  readonly maxPool2d: NativePoolOp;
  readonly averagePool2d: NativePoolOp;
  /** (params of softmaxParams, input, output) */
  readonly softmax: NativePoolOp;
}

export interface NativeState {
  readonly params: Uint8Array;
  readonly weights: Int8Array;
}

const NO_WEIGHTS = new Int8Array(0);

function bytesOf(p: Int32Array): Uint8Array {
  return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
}

function weighted<L>(reference: OpKernel<unknown>, layer: (op: OpNode, graph: Graph) => L, params: (l: L) => Int32Array,
  weights: (l: L) => Int8Array, work: (l: L) => number, host: NativeWeightedOp): OpKernel<NativeState> {
  return {
    name: reference.name,
    prepare(op: OpNode, graph: Graph): Prepared<NativeState> {
      const l = layer(op, graph);
      return { state: { params: bytesOf(params(l)), weights: weights(l) }, work: work(l), scratchBytes: 0 };
    },
    eval(s: NativeState, b: OpBinding): void {
      host(s.params, s.weights, b.inputs[0] as Int8Array, b.output);
    },
    step(s: NativeState, b: OpBinding): () => void {
      return host.bind(undefined, s.params, s.weights, b.inputs[0] as Int8Array, b.output) as () => void;
    },
  };
}

function unweighted<S>(reference: OpKernel<S>, params: (s: S) => Int32Array, host: NativePoolOp): OpKernel<NativeState> {
  return {
    name: reference.name,
    prepare(op: OpNode, graph: Graph): Prepared<NativeState> {
      const p = reference.prepare(op, graph);
      return { state: { params: bytesOf(params(p.state)), weights: NO_WEIGHTS }, work: p.work, scratchBytes: 0 };
    },
    eval(s: NativeState, b: OpBinding): void {
      host(s.params, b.inputs[0] as Int8Array, b.output);
    },
    step(s: NativeState, b: OpBinding): () => void {
      return host.bind(undefined, s.params, b.inputs[0] as Int8Array, b.output) as () => void;
    },
  };
}

/** The reference registry with CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, pooling and SOFTMAX in C. */
export function nativeGraphKernels(hosts: NativeGraphHosts): OpRegistry {
  return Object.freeze({
    ...referenceRegistry,
    [OP_CONV_2D]: weighted(conv2d, convLayer, convParams, (l) => l.filter, (l) => l.work, hosts.conv2d),
    [OP_DEPTHWISE_CONV_2D]: weighted(depthwiseConv2d, depthwiseLayer, depthwiseParams, (l) => l.filter, (l) => l.work,
      hosts.depthwiseConv2d),
    [OP_FULLY_CONNECTED]: weighted(fullyConnected, fullyConnectedLayer, fullyConnectedParams, (l) => l.w,
      (l) => l.units * l.inUnits, hosts.fullyConnected),
    [OP_MAX_POOL_2D]: unweighted(maxPool2d, poolParams, hosts.maxPool2d),
    [OP_AVERAGE_POOL_2D]: unweighted(averagePool2d, poolParams, hosts.averagePool2d),
    [OP_SOFTMAX]: unweighted(softmax, softmaxParams, hosts.softmax),
  });
}
