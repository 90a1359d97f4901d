// The Moddable platform's kernels capability: the native C kernels through their xsmc
// bindings (firmware/platform/moddable/native/), linked into the firmware by manifest.json.
import type { Kernels } from '../interfaces';
import { createNativeGraphKernels } from './native-graph';
import { createNativeTreeKernel } from './native-trees';

export function createNativeKernels(): Kernels {
  return { graph: createNativeGraphKernels(), trees: createNativeTreeKernel() };
}
