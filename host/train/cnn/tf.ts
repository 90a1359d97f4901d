// The one place that loads TensorFlow.js for training and import: the pure-JS CPU backend,
// quiet (no "install tfjs-node" banner), with faster filter-gradient kernels.
//
// tfjs-backend-cpu computes the filter gradients of CONV_2D and DEPTHWISE_CONV_2D, and the
// gradient of MAX_POOL_2D, through TensorBuffer.get() with rest arguments: 80% of the time of a
// training step on the digits CNN. The replacements below index the typed arrays directly and
// add the terms of each gradient element in exactly the original order (from a double 0,
// stored as float32), so they give bit-identical results, several times faster.
import * as tf from '@tensorflow/tfjs';

export { tf };

interface CpuBackend {
  data: { get(id: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: Record<string, unknown> };

function conv2DBackpropFilterFast(original: tf.KernelFunc) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { x, dy } = args.inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as {
      strides: [number, number] | number; pad: 'same' | 'valid' | number; dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
    };
    if (dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') return original(args as never) as tf.TensorInfo;
    const backend = args.backend as CpuBackend;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    return backend.makeTensorInfo(info.filterShape, 'float32',
      filterGradient(info, backend.data.get(x.dataId).values, backend.data.get(dy.dataId).values, false));
  };
}

function depthwiseBackpropFilterFast(original: tf.KernelFunc) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { x, dy } = args.inputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as {
      strides: [number, number] | number; dilations: [number, number] | number; pad: 'same' | 'valid' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
    };
    const d = typeof dilations === 'number' ? [dilations, dilations] : dilations;
    if (d[0] !== 1 || d[1] !== 1 || x.dtype !== 'float32' || dy.dtype !== 'float32') return original(args as never) as tf.TensorInfo;
    const backend = args.backend as CpuBackend;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
    return backend.makeTensorInfo(info.filterShape, 'float32',
      filterGradient(info, backend.data.get(x.dataId).values, backend.data.get(dy.dataId).values, true));
  };
}

/** dW[wR, wC, d1, d2] = sum over b, yR, yC of x[b, xR, xC, d1] * dy[b, yR, yC, d2] (channels last). */
function filterGradient(info: tf.backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array, depthwise: boolean): Float32Array {
  const { strideHeight: sH, strideWidth: sW, filterHeight: fH, filterWidth: fW, inHeight, inWidth, outHeight, outWidth,
    inChannels: inC, outChannels: outC, batchSize } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const chMul = outC / inC;
  const acc = new Float64Array(depthwise ? fH * fW * outC : fH * fW * inC * outC);
  for (let b = 0; b < batchSize; b++) {
    for (let wR = 0; wR < fH; wR++) {
      const yRMin = Math.max(0, Math.ceil((top - wR) / sH));
      const yRMax = Math.min(outHeight, (inHeight + top - wR) / sH);
      for (let yR = yRMin; yR < yRMax; yR++) {
        const xR = wR + yR * sH - top;
        for (let wC = 0; wC < fW; wC++) {
          const yCMin = Math.max(0, Math.ceil((left - wC) / sW));
          const yCMax = Math.min(outWidth, (inWidth + left - wC) / sW);
          for (let yC = yCMin; yC < yCMax; yC++) {
            const xC = wC + yC * sW - left;
            const xo = ((b * inHeight + xR) * inWidth + xC) * inC;
            const yo = ((b * outHeight + yR) * outWidth + yC) * outC;
            if (depthwise) {
              const wo = (wR * fW + wC) * outC;
              for (let d2 = 0; d2 < outC; d2++) acc[wo + d2] += x[xo + Math.trunc(d2 / chMul)] * dy[yo + d2];
            } else {
              const wo = (wR * fW + wC) * inC * outC;
              for (let d1 = 0; d1 < inC; d1++) {
                const xv = x[xo + d1];
                const w1 = wo + d1 * outC;
                for (let d2 = 0; d2 < outC; d2++) acc[w1 + d2] += xv * dy[yo + d2];
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/**
 * MaxPoolGrad (dilation 1): each window's gradient goes to its first largest input, as
 * maxPoolPositions picks it; windows are visited in output order, which is the order the stock
 * kernel adds overlapping contributions in, so the sums are the same.
 */
function maxPoolGradFast(original: tf.KernelFunc) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { dy, input } = args.inputs;
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as {
      filterSize: [number, number] | number; strides: [number, number] | number; pad: 'same' | 'valid' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return original(args as never) as tf.TensorInfo;
    const backend = args.backend as CpuBackend;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return original(args as never) as tf.TensorInfo;
    const x = backend.data.get(input.dataId).values;
    const g = backend.data.get(dy.dataId).values;
    const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: oH, outWidth: oW, strideHeight: sH, strideWidth: sW,
      effectiveFilterHeight: fH, effectiveFilterWidth: fW } = info;
    const top = info.padInfo.top, left = info.padInfo.left;
    const dx = new Float64Array(batchSize * H * W * C);
    for (let b = 0; b < batchSize; b++) {
      for (let yR = 0; yR < oH; yR++) {
        const r0 = yR * sH - top;
        const rMin = Math.max(0, r0), rMax = Math.min(H, r0 + fH);
        for (let yC = 0; yC < oW; yC++) {
          const c0 = yC * sW - left;
          const cMin = Math.max(0, c0), cMax = Math.min(W, c0 + fW);
          const yo = ((b * oH + yR) * oW + yC) * C;
          for (let d = 0; d < C; d++) {
            let best = Number.NEGATIVE_INFINITY, at = -1;
            for (let r = rMin; r < rMax; r++) {
              for (let c = cMin; c < cMax; c++) {
                const i = ((b * H + r) * W + c) * C + d;
                if (x[i] > best) { best = x[i]; at = i; }
              }
            }
            if (at >= 0) dx[at] += g[yo + d];
          }
        }
      }
    }
    return backend.makeTensorInfo(input.shape, 'float32', Float32Array.from(dx));
  };
}

let ready: Promise<void> | undefined;

/** Selects the CPU backend, silences the Node banner and installs the fast kernels (once). */
export function initTf(): Promise<void> {
  ready ??= (async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    await tf.ready();
    const replace = (name: string, make: (original: tf.KernelFunc) => (args: KernelArgs) => tf.TensorInfo): void => {
      const k = tf.getKernel(name, 'cpu');
      if (k === undefined || (k.kernelFunc as { edgemlFast?: boolean }).edgemlFast) return;
      const fast = make(k.kernelFunc) as unknown as tf.KernelFunc & { edgemlFast?: boolean };
      fast.edgemlFast = true;
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: fast });
    };
    replace('Conv2DBackpropFilter', conv2DBackpropFilterFast);
    replace('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilterFast);
    replace('MaxPoolGrad', maxPoolGradFast);
  })();
  return ready;
}
