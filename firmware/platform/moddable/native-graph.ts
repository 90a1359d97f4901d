// The int8 graph kernels in C on Moddable: firmware/native/graph through their xsmc bindings
// (native/graph-bindings.c), wrapped by the portable kernel set of native-kernels.ts (the
// reference prepare() validates each op once at load; an eval is one host call).
/// <reference path="./typings/native.d.ts" />
import type { OpRegistry } from '../../core/graph/kernel';
import { nativeGraphKernels } from '../../core/graph/native-kernels';
import type { NativePoolOp, NativeWeightedOp } from '../../core/graph/native-kernels';

export function createNativeGraphKernels(): OpRegistry {
  // xsc resolves native() only with a string literal, so each host function is named here once.
  return nativeGraphKernels({
    conv2d: native('xs_edgeml_conv2d') as NativeWeightedOp,
    depthwiseConv2d: native('xs_edgeml_depthwise_conv2d') as NativeWeightedOp,
    fullyConnected: native('xs_edgeml_fully_connected') as NativeWeightedOp,
    maxPool2d: native('xs_edgeml_max_pool2d') as NativePoolOp,
    averagePool2d: native('xs_edgeml_average_pool2d') as NativePoolOp,
    softmax: native('xs_edgeml_softmax') as NativePoolOp,
  });
}
