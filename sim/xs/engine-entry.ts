// The engine service's XS entry for any XS engine: the reference kernels only.
import { registerEngine } from './engine-handlers';

registerEngine();
