// INPUT and OUTPUT sections: what a model takes and what its scores mean.
import {
  DTYPE_INT16, DTYPE_INT8, InputSpec, OutputSpec, POST_PROBABILITY, TASK_CLASSIFICATION, TASK_REGRESSION,
} from '../engine';
import { fail } from '../errors';
import { decodeUtf8 } from '../utf8';

export const MAX_ELEMENTS = 65535;

export function parseInputSpec(s: Uint8Array): InputSpec {
  if (s.length < 16) fail('BAD_INPUT_SPEC', 'INPUT section too short');
  const view = new DataView(s.buffer, s.byteOffset, s.length);
  const dtype = s[0];
  if (dtype !== DTYPE_INT8 && dtype !== DTYPE_INT16) fail('BAD_INPUT_SPEC', `element type ${dtype}`);
  const rank = s[1];
  if (rank < 1 || rank > 4) fail('BAD_INPUT_SPEC', `rank ${rank}`);
  const dims: number[] = [];
  let product = 1;
  for (let d = 0; d < 4; d++) {
    const dim = view.getUint16(4 + 2 * d, true);
    if (d < rank) {
      if (dim === 0) fail('BAD_INPUT_SPEC', `dimension ${d} is zero`);
      dims.push(dim);
      product *= dim;
    } else if (dim !== 0) fail('BAD_INPUT_SPEC', `dimension ${d} beyond rank must be zero`);
  }
  const elementCount = view.getUint32(12, true);
  if (elementCount !== product) fail('BAD_INPUT_SPEC', `element count ${elementCount} is not the product of the dims (${product})`);
  if (elementCount > MAX_ELEMENTS) fail('TOO_LARGE', `${elementCount} input elements`);
  const quantCount = view.getUint16(2, true);
  if (quantCount !== 1 && quantCount !== elementCount) fail('BAD_INPUT_SPEC', `quantization count ${quantCount}`);
  if (s.length !== 16 + 8 * quantCount) fail('BAD_INPUT_SPEC', `INPUT section length ${s.length}, expected ${16 + 8 * quantCount}`);
  const scales = new Float32Array(s.buffer, s.byteOffset + 16, quantCount);
  const zeroPoints = new Int32Array(s.buffer, s.byteOffset + 16 + 4 * quantCount, quantCount);
  for (let i = 0; i < quantCount; i++) {
    const scale = scales[i];
    if (!(scale > 0) || scale === Infinity) fail('BAD_QUANT', `input scale ${i} is ${scale}`);
    // An int16 feature's affine map may be offset anywhere (a feature far from 0); an int8 tensor's
    // zero point is a value of the type, as TFLite requires.
    if (dtype === DTYPE_INT8 && (zeroPoints[i] < -128 || zeroPoints[i] > 127)) fail('BAD_QUANT', `input zero point ${i} is ${zeroPoints[i]}`);
  }
  return { dtype, dims, elementCount, scales, zeroPoints };
}

export function parseOutputSpec(s: Uint8Array): OutputSpec {
  if (s.length < 16) fail('BAD_OUTPUT_SPEC', 'OUTPUT section too short');
  const view = new DataView(s.buffer, s.byteOffset, s.length);
  const task = s[0];
  const postprocess = s[1];
  const classCount = view.getUint16(2, true);
  const scoreCount = view.getUint16(4, true);
  const labelCount = view.getUint16(6, true);
  const scale = view.getFloat32(8, true);
  const zeroPoint = view.getInt32(12, true);
  if (task !== TASK_CLASSIFICATION && task !== TASK_REGRESSION) fail('BAD_OUTPUT_SPEC', `task ${task}`);
  if (postprocess > POST_PROBABILITY) fail('BAD_OUTPUT_SPEC', `post-processing ${postprocess}`);
  if (scoreCount < 1) fail('BAD_OUTPUT_SPEC', 'no scores');
  if (task === TASK_CLASSIFICATION) {
    if (classCount < 2) fail('BAD_OUTPUT_SPEC', `${classCount} classes`);
    if (scoreCount !== classCount && !(scoreCount === 1 && classCount === 2)) {
      fail('BAD_OUTPUT_SPEC', `${scoreCount} scores for ${classCount} classes`);
    }
  } else if (classCount !== 0 || scoreCount !== 1) fail('BAD_OUTPUT_SPEC', 'regression has one score and no classes');
  if (labelCount !== 0 && labelCount !== classCount) fail('BAD_OUTPUT_SPEC', `${labelCount} labels for ${classCount} classes`);
  if (!(scale > 0) || scale === Infinity) fail('BAD_QUANT', `output scale is ${scale}`);
  const labels: string[] = [];
  let at = 16;
  for (let i = 0; i < labelCount; i++) {
    if (at >= s.length) fail('BAD_OUTPUT_SPEC', 'labels run past the section');
    const len = s[at++];
    if (at + len > s.length) fail('BAD_OUTPUT_SPEC', 'labels run past the section');
    labels.push(decodeUtf8(s, at, at + len));
    at += len;
  }
  if (at !== s.length) fail('BAD_OUTPUT_SPEC', 'trailing bytes after the labels');
  return { task, postprocess, classCount, scoreCount, scale, zeroPoint, labels };
}

/** Class decision shared by every engine (docs/model-format.md, OUTPUT). Runs after every
 * inference, so it reads the spec once into locals (XS pays for every property access). */
export function classOf(scores: Int32Array, output: OutputSpec): number {
  if (output.task !== TASK_CLASSIFICATION) return -1;
  const n = output.scoreCount;
  if (n === 1) return scores[0] > output.zeroPoint ? 1 : 0;
  let best = 0;
  let bestScore = scores[0];
  for (let i = 1; i < n; i++) {
    const s = scores[i];
    if (s > bestScore) { best = i; bestScore = s; }
  }
  return best;
}
