// Serializer for the package container (docs/model-format.md), the exact inverse of
// firmware/core/package/*. The canonical layout it writes is the only one the loader accepts.
import { crc32 } from '../../firmware/core/crc32';
import { DTYPE_INT8 } from '../../firmware/core/engine';
import {
  CRC_BYTES, FORMAT_VERSION, HEADER_BYTES, MAGIC, NAME_BYTES, SECTION_BODY, SECTION_ENTRY_BYTES, SECTION_FEATURES,
  SECTION_INPUT, SECTION_OUTPUT, SECTION_SELFTEST, SECTION_SIGNATURE, SIGNATURE_ALG_ECDSA_P256_SHA256,
  SIGNATURE_BYTES, SIGNATURE_SECTION_BYTES, align4,
} from '../../firmware/core/package/layout';

export interface InputSpecDef {
  dtype: number;
  dims: number[];
  scales: number[];      // 1 or one per element
  zeroPoints: number[];  // same length as scales
}

export interface OutputSpecDef {
  task: number;
  postprocess: number;
  classCount: number;
  scoreCount: number;
  scale: number;
  zeroPoint: number;
  labels: string[];
}

export interface SelfTestDef {
  inputs: ArrayLike<number>[];
  scores: ArrayLike<number>[];
  classes: number[];
}

export interface PackageDef {
  kind: number;
  name: string;
  modelVersion: number;
  createdAt: number;     // Unix seconds
  input: InputSpecDef;
  output: OutputSpecDef;
  body: Uint8Array;
  features?: Uint8Array;
  selfTest?: SelfTestDef;
}

export interface Signer {
  /** First 8 bytes of SHA-256 of the uncompressed public key. */
  readonly keyId: Uint8Array;
  /** ECDSA P-256 over SHA-256 of `bytes`, as r ‖ s (64 bytes). */
  sign(bytes: Uint8Array): Uint8Array;
}

const utf8 = new TextEncoder();

export function encodeInputSpec(def: InputSpecDef): Uint8Array {
  const q = def.scales.length;
  if (def.zeroPoints.length !== q) throw new RangeError('input scales and zero points differ in length');
  if (def.dims.length < 1 || def.dims.length > 4) throw new RangeError(`input rank ${def.dims.length}`);
  const out = new Uint8Array(16 + 8 * q);
  const v = new DataView(out.buffer);
  out[0] = def.dtype;
  out[1] = def.dims.length;
  v.setUint16(2, q, true);
  def.dims.forEach((d, i) => v.setUint16(4 + 2 * i, d, true));
  v.setUint32(12, def.dims.reduce((a, b) => a * b, 1), true);
  for (let i = 0; i < q; i++) {
    v.setFloat32(16 + 4 * i, def.scales[i], true);
    v.setInt32(16 + 4 * q + 4 * i, def.zeroPoints[i], true);
  }
  return out;
}

export function encodeOutputSpec(def: OutputSpecDef): Uint8Array {
  const labels = def.labels.map((l) => utf8.encode(l));
  for (const l of labels) if (l.length > 255) throw new RangeError('a label is longer than 255 bytes');
  const out = new Uint8Array(16 + labels.reduce((n, l) => n + 1 + l.length, 0));
  const v = new DataView(out.buffer);
  out[0] = def.task;
  out[1] = def.postprocess;
  v.setUint16(2, def.classCount, true);
  v.setUint16(4, def.scoreCount, true);
  v.setUint16(6, labels.length, true);
  v.setFloat32(8, def.scale, true);
  v.setInt32(12, def.zeroPoint, true);
  let at = 16;
  for (const l of labels) { out[at++] = l.length; out.set(l, at); at += l.length; }
  return out;
}

export function encodeSelfTest(def: SelfTestDef, input: InputSpecDef, output: OutputSpecDef): Uint8Array {
  const elements = input.dims.reduce((a, b) => a * b, 1);
  const elementBytes = input.dtype === DTYPE_INT8 ? 1 : 2;
  const inputBytes = align4(elements * elementBytes);
  const stride = inputBytes + 4 * output.scoreCount + 4;
  const n = def.inputs.length;
  const out = new Uint8Array(4 + n * stride);
  const v = new DataView(out.buffer);
  v.setUint16(0, n, true);
  for (let i = 0; i < n; i++) {
    const at = 4 + i * stride;
    for (let e = 0; e < elements; e++) {
      if (elementBytes === 1) v.setInt8(at + e, def.inputs[i][e]);
      else v.setInt16(at + 2 * e, def.inputs[i][e], true);
    }
    for (let k = 0; k < output.scoreCount; k++) v.setInt32(at + inputBytes + 4 * k, def.scores[i][k], true);
    v.setInt32(at + inputBytes + 4 * output.scoreCount, def.classes[i], true);
  }
  return out;
}

/** Writes the whole package; with a signer, appends the SIGNATURE section over everything before it. */
export function encodePackage(def: PackageDef, signer?: Signer): Uint8Array {
  const sections: [number, Uint8Array][] = [
    [SECTION_INPUT, encodeInputSpec(def.input)],
    [SECTION_OUTPUT, encodeOutputSpec(def.output)],
    [SECTION_BODY, def.body],
  ];
  if (def.features) sections.push([SECTION_FEATURES, def.features]);
  if (def.selfTest) sections.push([SECTION_SELFTEST, encodeSelfTest(def.selfTest, def.input, def.output)]);
  if (signer) sections.push([SECTION_SIGNATURE, new Uint8Array(SIGNATURE_SECTION_BYTES)]);

  const offsets: number[] = [];
  let at = align4(HEADER_BYTES + SECTION_ENTRY_BYTES * sections.length);
  for (const [, data] of sections) { offsets.push(at); at = align4(at + data.length); }
  const total = at + CRC_BYTES;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint16(4, FORMAT_VERSION, true);
  out[6] = def.kind;
  v.setUint32(8, def.modelVersion >>> 0, true);
  v.setUint32(12, def.createdAt >>> 0, true);
  v.setUint32(16, total, true);
  v.setUint16(20, sections.length, true);
  const name = utf8.encode(def.name);
  if (name.length > NAME_BYTES) throw new RangeError(`model name is ${name.length} bytes, at most ${NAME_BYTES}`);
  if (name.includes(0)) throw new RangeError('model name contains a NUL character');
  out.set(name, 24);
  sections.forEach(([type, data], i) => {
    const entry = HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    v.setUint16(entry, type, true);
    v.setUint32(entry + 4, offsets[i], true);
    v.setUint32(entry + 8, data.length, true);
    out.set(data, offsets[i]);
  });
  if (signer) {
    const sigAt = offsets[offsets.length - 1];
    const signature = signer.sign(out.subarray(0, sigAt));
    if (signature.length !== SIGNATURE_BYTES) throw new RangeError('a P-256 signature is 64 bytes (r ‖ s)');
    out[sigAt] = SIGNATURE_ALG_ECDSA_P256_SHA256;
    v.setUint16(sigAt + 2, SIGNATURE_BYTES, true);
    out.set(signature, sigAt + 4);
    out.set(signer.keyId.subarray(0, 8), sigAt + 4 + SIGNATURE_BYTES);
  }
  v.setUint32(total - CRC_BYTES, crc32(out, 0, total - CRC_BYTES), true);
  return out;
}
