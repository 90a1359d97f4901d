// The native tree walk on Moddable: the C kernel (firmware/native/trees) through its xsmc
// binding (native/tree-bindings.c). The descriptor and buffers are fetched once at load, so an
// inference is one host call, which also gives the class index (Model.predict() calls it
// directly: no TypeScript between predict() and C but this closure).
/// <reference path="./typings/native.d.ts" />
import type { TreeKernel } from '../../core/trees/kernel';
import { treeDescriptor } from './native-trees-descriptor';

type Walk = (descriptor: ArrayBufferLike, buffer: ArrayBufferLike, input: ArrayBufferLike, scores: ArrayBufferLike) => number;

export function createNativeTreeKernel(): TreeKernel {
  const walk = native('xs_edgeml_tree_walk') as Walk;
  return {
    prepare(body, input, scores, output) {
      // The binding takes whole buffers: the engine's own input and scores start at 0.
      if (input.byteOffset !== 0 || scores.byteOffset !== 0) throw new RangeError('tree kernel: input and scores must own their buffers');
      const { descriptor, buffer } = treeDescriptor(body, output);
      const d = descriptor.buffer;
      const x = input.buffer;
      const s = scores.buffer;
      return () => walk(d, buffer, x, s);
    },
  };
}
