// The engine service's XS entry for the native XS host (sim/xs-host): the native kernels of
// the Moddable platform, through the same xsmc bindings as on the device, selectable against
// the reference ones.
import { createNativeKernels } from '../../firmware/platform/moddable/native-kernels';
import { registerEngine } from './engine-handlers';

const kernels = createNativeKernels();
registerEngine({ kernels: kernels.graph, treeKernel: kernels.trees });
