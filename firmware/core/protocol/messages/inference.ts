// PREDICT, STREAM and its RESULT events, SAMPLE and its SAMPLE_DATA events.
import { ByteReader, ByteWriter, checkInt, checkRange } from '../bytes';
import { protocolFail } from '../errors';
import { Layout } from './layout';

/** Element type of a PREDICT input: the package's INPUT element types, and real values. */
export const InputType = { INT8: 1, INT16: 2, FLOAT32: 3 } as const;

/** PREDICT: run the active model on this input. int8/int16: the quantized input as the model
 * takes it; float32: real values the device quantizes as the package's INPUT says. */
export interface Predict {
  readonly input: Int8Array | Int16Array | Float32Array;
}

export const PREDICT: Layout<Predict> = {
  write(w, v) {
    const x = v.input;
    const type = x instanceof Int8Array ? InputType.INT8 : x instanceof Int16Array ? InputType.INT16 : x instanceof Float32Array ? InputType.FLOAT32 : 0;
    if (type === 0) protocolFail('BAD_VALUE', 'input must be an Int8Array, Int16Array or Float32Array');
    w.u8(type);
    w.u8(0);
    w.u16(x.length, 'input length');
    if (type === InputType.INT8) for (let i = 0; i < x.length; i++) w.i8(x[i]);
    else if (type === InputType.INT16) for (let i = 0; i < x.length; i++) w.i16(x[i]);
    else for (let i = 0; i < x.length; i++) w.f32(x[i]);
  },
  read(r) {
    const type = checkRange(r.u8('input type'), InputType.INT8, InputType.FLOAT32, 'input type');
    r.reserved(1);
    const n = r.u16('input length');
    if (type === InputType.INT8) {
      r.count(n, 1, 'input');
      const x = new Int8Array(n);
      for (let i = 0; i < n; i++) x[i] = r.i8();
      return { input: x };
    }
    if (type === InputType.INT16) {
      r.count(n, 2, 'input');
      const x = new Int16Array(n);
      for (let i = 0; i < n; i++) x[i] = r.i16();
      return { input: x };
    }
    r.count(n, 4, 'input');
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = r.f32();
    return { input: x };
  },
};

/** PREDICT_RESULT: the model's raw int32 scores and how to read them as reals. */
export interface PredictResult {
  /** Class index, −1 for regression. */
  readonly classIndex: number;
  readonly latencyUs: number;
  /** Real score = (score − zeroPoint) × scale (the package's OUTPUT). */
  readonly scale: number;
  readonly zeroPoint: number;
  readonly scores: Int32Array;
}

export const PREDICT_RESULT: Layout<PredictResult> = {
  write(w, v) {
    w.i32(v.classIndex, 'classIndex');
    w.u32(v.latencyUs, 'latencyUs');
    w.f32(v.scale, 'scale');
    w.i32(v.zeroPoint, 'zeroPoint');
    writeScores(w, v.scores);
  },
  read(r) {
    return { classIndex: r.i32(), latencyUs: r.u32(), scale: r.f32(), zeroPoint: r.i32(), scores: readScores(r) };
  },
};

/** STREAM (request) and STREAM_STATE (response: the state now in effect). */
export interface Stream {
  readonly enabled: boolean;
  /** RESULT events carry the scores (else an empty score list). */
  readonly includeScores: boolean;
}

export const STREAM: Layout<Stream> = {
  write(w, v) {
    w.bool(v.enabled, 'enabled');
    w.bool(v.includeScores, 'includeScores');
  },
  read(r) {
    return { enabled: r.bool('enabled'), includeScores: r.bool('includeScores') };
  },
};

/** RESULT event: one inference of the streaming loop. */
export interface Result {
  /** Number of the window the device classified (counts every window since boot). */
  readonly windowSeq: number;
  /** Milliseconds since the device booted, when the window ended. */
  readonly timestampMs: number;
  readonly classIndex: number;
  /** The class's probability (or vote share) as the OUTPUT post-processing gives it, 0..1. */
  readonly confidence: number;
  readonly latencyUs: number;
  readonly scores: Int32Array;
}

export const RESULT: Layout<Result> = {
  write(w, v) {
    w.u32(v.windowSeq, 'windowSeq');
    w.u64(v.timestampMs, 'timestampMs');
    w.i32(v.classIndex, 'classIndex');
    w.f32(v.confidence, 'confidence');
    w.u32(v.latencyUs, 'latencyUs');
    writeScores(w, v.scores);
  },
  read(r) {
    return { windowSeq: r.u32(), timestampMs: r.u64(), classIndex: r.i32(), confidence: r.f32(), latencyUs: r.u32(), scores: readScores(r) };
  },
};

/** SAMPLE: capture the next `windows` raw sensor windows and send them as SAMPLE_DATA events. */
export interface Sample {
  readonly windows: number;
}

export const SAMPLE: Layout<Sample> = {
  write(w, v) { w.u16(checkInt(v.windows, 1, 0xffff, 'windows')); },
  read(r) { return { windows: checkRange(r.u16(), 1, 0xffff, 'windows') }; },
};

/** SAMPLE_STARTED: what the SAMPLE_DATA events will hold. */
export interface SampleStarted {
  readonly windows: number;
  readonly samplesPerWindow: number;
  readonly axes: number;
  readonly rateHz: number;
  /** Physical units per count (e.g. g per LSB), 0 if unknown. */
  readonly scale: number;
}

export const SAMPLE_STARTED: Layout<SampleStarted> = {
  write(w, v) {
    w.u16(v.windows, 'windows');
    w.u16(v.samplesPerWindow, 'samplesPerWindow');
    w.u8(checkInt(v.axes, 1, 255, 'axes'));
    w.u8(0);
    w.f32(v.rateHz, 'rateHz');
    w.f32(v.scale, 'scale');
  },
  read(r) {
    const windows = r.u16();
    const samplesPerWindow = r.u16();
    const axes = checkRange(r.u8(), 1, 255, 'axes');
    r.reserved(1);
    return { windows, samplesPerWindow, axes, rateHz: r.f32(), scale: r.f32() };
  },
};

/** SAMPLE_DATA event: raw int16 samples (axes interleaved) of one window, or of a part of it
 * (`sampleOffset` > 0) when a window does not fit one frame. */
export interface SampleData {
  readonly windowSeq: number;
  /** Index of this window in the capture, 0..total − 1. */
  readonly index: number;
  readonly total: number;
  readonly timestampMs: number;
  readonly rateHz: number;
  readonly scale: number;
  readonly axes: number;
  /** Samples in the whole window. */
  readonly windowSamples: number;
  /** Index of the first sample of this part in the window. */
  readonly sampleOffset: number;
  /** (sample count of this part) × axes values: s0.a0, s0.a1, …, s1.a0, … */
  readonly samples: Int16Array;
}

export const SAMPLE_DATA: Layout<SampleData> = {
  write(w, v) {
    const axes = checkInt(v.axes, 1, 255, 'axes');
    if (!(v.samples instanceof Int16Array) || v.samples.length % axes !== 0) protocolFail('BAD_VALUE', 'samples must be an Int16Array of a whole number of samples');
    const count = v.samples.length / axes;
    checkInt(v.index, 0, v.total - 1, 'index');
    checkInt(v.sampleOffset + count, 0, v.windowSamples, 'sampleOffset + sample count');
    w.u32(v.windowSeq, 'windowSeq');
    w.u16(v.index, 'index');
    w.u16(v.total, 'total');
    w.u64(v.timestampMs, 'timestampMs');
    w.f32(v.rateHz, 'rateHz');
    w.f32(v.scale, 'scale');
    w.u8(axes);
    w.u8(0);
    w.u16(v.windowSamples, 'windowSamples');
    w.u16(v.sampleOffset, 'sampleOffset');
    w.u16(count, 'sample count');
    for (let i = 0; i < v.samples.length; i++) w.i16(v.samples[i]);
  },
  read(r) {
    const windowSeq = r.u32();
    const index = r.u16();
    const total = r.u16();
    checkRange(index, 0, total - 1, 'index');
    const timestampMs = r.u64();
    const rateHz = r.f32();
    const scale = r.f32();
    const axes = checkRange(r.u8(), 1, 255, 'axes');
    r.reserved(1);
    const windowSamples = r.u16();
    const sampleOffset = r.u16();
    const count = r.u16();
    checkRange(sampleOffset + count, 0, windowSamples, 'sampleOffset + sample count');
    const n = r.count(count * axes, 2, 'samples');
    const samples = new Int16Array(n);
    for (let i = 0; i < n; i++) samples[i] = r.i16();
    return { windowSeq, index, total, timestampMs, rateHz, scale, axes, windowSamples, sampleOffset, samples };
  },
};

const MAX_SCORES = 0xffff;

function writeScores(w: ByteWriter, scores: Int32Array): void {
  if (!(scores instanceof Int32Array)) protocolFail('BAD_VALUE', 'scores must be an Int32Array');
  w.u16(checkInt(scores.length, 0, MAX_SCORES, 'score count'));
  w.u16(0);
  for (let i = 0; i < scores.length; i++) w.i32(scores[i]);
}

function readScores(r: ByteReader): Int32Array {
  const count = r.u16('score count');
  r.reserved(2);
  const n = r.count(count, 4, 'scores');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.i32();
  return out;
}
