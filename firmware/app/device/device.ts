// The device application: boots the model store, samples the sensor into a sliding window,
// turns each hop into features (the pipeline stored in the model package) and classifies it.
// Results go to a small ring history and to subscribers (the protocol server's STREAM), and
// feed the latency statistics (and, where the platform meters XS, computrons per inference;
// where it can tell, heap figures). Written against firmware/platform/interfaces only: it runs on
// the board and, unchanged, inside XS in the simulator.
import { POST_NORMALIZE, POST_PROBABILITY, POST_SIGMOID, POST_SOFTMAX, TASK_CLASSIFICATION } from '../../core/engine';
import { FeaturePipeline, WindowBuffer, featurePipelineFor } from '../../core/features/index';
import type { Model } from '../../core/model';
import { NO_SLOT } from '../../core/protocol/messages/layout';
import { ModelStore, ModelStoreError } from '../model-store/index';
import type { Activation, BootResult, ModelStoreOptions } from '../model-store/index';
import type { HeapFigures, Platform } from '../../platform/interfaces';

export interface DeviceOptions {
  /** Inference results kept for inspection (default 16). */
  readonly historySize?: number;
  /** Window length (frames) for SAMPLE captures when the model has no FEATURES section (default 128). */
  readonly sampleWindow?: number;
  /** Hop (frames) between raw-input windows of a model without FEATURES (default: the window length). */
  readonly rawHop?: number;
  /** Passed to the ModelStore (crypto and trusted key come from the platform). */
  readonly store?: Partial<Omit<ModelStoreOptions, 'crypto' | 'trustedKey'>>;
}

/** One inference of the sampling loop. Entries of the history are reused: copy what you keep. */
export interface InferenceResult {
  windowSeq: number;
  timestampMs: number;
  classIndex: number;
  confidence: number;
  latencyUs: number;
  /** The model's raw scores (a buffer owned by the history entry). */
  scores: Int32Array;
}

export interface InferenceStats {
  inferences: number;
  latencyMinUs: number;
  latencyMeanUs: number;
  latencyMaxUs: number;
  /** Mean XS computrons per inference (0 before the first), when the platform meters XS
   * (System.computrons): the same span as the latency (features and model, or PREDICT's model). */
  computronsPerInference?: number;
  /** XS heap in use and its peak, when the platform can tell (System.heap). */
  heap?: HeapFigures;
}

/** Why the loop does or does not classify, for INFO/LOG ("no model", "input mismatch" …). */
export interface RunState {
  readonly model: Model | undefined;
  /** True when windows of the sensor reach the model. */
  readonly inferring: boolean;
  readonly message: string;
}

export type ResultListener = (result: InferenceResult) => void;

/** A raw window capture (SAMPLE): `onWindow` gets each window's samples (a reused buffer). */
export interface Capture {
  readonly windows: number;
  readonly samplesPerWindow: number;
  readonly axes: number;
}

interface CaptureState extends Capture {
  readonly buffer: Int16Array;
  filled: number;
  index: number;
  readonly onWindow: (samples: Int16Array, index: number, windowSeq: number, timestampMs: number) => void;
  readonly onDone: (completed: number) => void;
}

const DEFAULT_HISTORY = 16;
const DEFAULT_SAMPLE_WINDOW = 128;

export class Device {
  readonly platform: Platform;
  readonly store: ModelStore;
  /** The upload a protocol client (serial or MQTT command) last began or wrote, and when (on
   * the platform clock): the OTA downloader leaves it alone while its client is active. */
  protocolUpload: { readonly sha256: Uint8Array; readonly at: number } | undefined;
  readonly #options: DeviceOptions;
  readonly #historySize: number;
  #history: InferenceResult[] = [];
  #historyCount = 0;
  #historyHead = 0;
  #listeners: ResultListener[] = [];
  #modelListeners: (() => void)[] = [];
  #running = false;
  #bootResult: BootResult | undefined;
  // the inference path of the active model
  #model: Model | undefined;
  #pipeline: FeaturePipeline | undefined;
  #buffer: WindowBuffer | undefined;
  #rawInput: Int16Array | undefined;
  #runMessage = 'not started';
  #windowSeq = 0;
  #capture: CaptureState | undefined;
  // statistics
  #inferences = 0;
  #latencySum = 0;
  #latencyMin = 0;
  #latencyMax = 0;
  #computronSum = 0;
  /** System.computrons, when the platform meters XS. */
  readonly #meter: (() => number) | undefined;
  /** What two back-to-back meter reads cost (subtracted from each inference's figure). */
  readonly #meterCost: number = 0;
  readonly #onFrame = (frame: Int16Array): void => this.#frame(frame);

  constructor(platform: Platform, options: DeviceOptions = {}) {
    const h = options.historySize ?? DEFAULT_HISTORY;
    if (!Number.isInteger(h) || h < 1 || h > 1024) throw new RangeError(`historySize ${h}`);
    this.platform = platform;
    this.#options = options;
    this.#historySize = h;
    const system = platform.system;
    if (system.computrons) {
      const meter = (): number => system.computrons!();
      this.#meter = meter;
      let cost = 0;
      for (let i = 0; i < 2; i++) { // the second pair: the first may pay one-time costs
        const c0 = meter();
        cost = meter() - c0;
      }
      this.#meterCost = cost > 0 ? cost : 0;
    }
    this.store = new ModelStore(platform.storage, {
      ...options.store,
      crypto: platform.crypto,
      trustedKey: platform.device.trustedKey,
      // The platform's kernels (native on Moddable) unless the options name others.
      loadOptions: { kernels: platform.kernels?.graph, treeKernel: platform.kernels?.trees, ...options.store?.loadOptions },
    });
  }

  /** Boots the model store and starts sampling. Never throws for a missing or invalid model. */
  start(): BootResult {
    if (this.#running) return this.#bootResult!;
    const boot = this.store.boot();
    this.#bootResult = boot;
    this.#install(boot.model);
    if (!boot.model) this.#runMessage = boot.message;
    this.#running = true;
    this.platform.sensor.start(this.#onFrame);
    this.platform.system.log(`edgeml: ${boot.message}`);
    return boot;
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.platform.sensor.stop();
    this.cancelCapture();
  }

  get running(): boolean { return this.#running; }
  get bootResult(): BootResult | undefined { return this.#bootResult; }
  get model(): Model | undefined { return this.#model; }
  get windowSeq(): number { return this.#windowSeq; }
  get runState(): RunState {
    return { model: this.#model, inferring: this.#buffer !== undefined, message: this.#runMessage };
  }
  /** The slot running now, or NO_SLOT. */
  get activeSlot(): number { return this.#model ? this.store.runningSlot : NO_SLOT; }

  /** ACTIVATE: switches the store's active slot and rebuilds the inference path. Throws ModelStoreError. */
  activate(slot: number = NO_SLOT, force = false): Activation {
    const a = this.store.activate(slot, force);
    this.#install(a.model);
    this.#modelChanged();
    return a;
  }

  /** ROLLBACK: the previous model runs again. Throws ModelStoreError NO_ROLLBACK. */
  rollback(): Activation {
    const a = this.store.rollback();
    this.#install(a.model);
    this.#modelChanged();
    return a;
  }

  /** Calls `listener` after every activation and rollback; returns the unsubscribe function. */
  onModelChange(listener: () => void): () => void {
    this.#modelListeners = this.#modelListeners.concat([listener]);
    return () => { this.#modelListeners = this.#modelListeners.filter((l) => l !== listener); };
  }

  #modelChanged(): void {
    for (const l of this.#modelListeners) {
      try {
        l();
      } catch (err) {
        this.platform.system.log(`edgeml: model listener failed: ${String(err)}`);
      }
    }
  }

  /** Calls `listener` after each inference of the sampling loop; returns the unsubscribe function. */
  subscribe(listener: ResultListener): () => void {
    this.#listeners = this.#listeners.concat([listener]);
    return () => { this.#listeners = this.#listeners.filter((l) => l !== listener); };
  }

  /** The last results, oldest first (copies). */
  history(): InferenceResult[] {
    const out: InferenceResult[] = [];
    const n = this.#historyCount;
    for (let i = 0; i < n; i++) {
      const e = this.#history[(this.#historyHead - n + i + this.#historySize) % this.#historySize];
      out.push({ ...e, scores: e.scores.slice() });
    }
    return out;
  }

  stats(): InferenceStats {
    const n = this.#inferences;
    const out: InferenceStats = {
      inferences: n,
      latencyMinUs: n ? this.#latencyMin : 0,
      latencyMeanUs: n ? Math.round(this.#latencySum / n) : 0,
      latencyMaxUs: this.#latencyMax,
    };
    const system = this.platform.system;
    if (this.#meter) out.computronsPerInference = n ? Math.round(this.#computronSum / n) : 0;
    const heap = system.heap ? system.heap() : undefined;
    if (heap) out.heap = heap;
    return out;
  }

  resetStats(): void {
    this.#inferences = 0;
    this.#latencySum = 0;
    this.#latencyMin = 0;
    this.#latencyMax = 0;
    this.#computronSum = 0;
  }

  /**
   * Runs the active model on `input` (PREDICT): int8/int16 values are the quantized input,
   * float32 values are real values quantized as the INPUT section says. Returns the class;
   * the scores are in `model.scores`. Throws ModelStoreError NO_MODEL / WRONG_INPUT_SHAPE / BAD_ARGUMENT.
   */
  predict(input: Int8Array | Int16Array | Float32Array): { classIndex: number; latencyUs: number; model: Model } {
    const model = this.#model;
    if (!model) throw new ModelStoreError('NO_MODEL', 'no active model');
    const target = model.input;
    if (input.length !== target.length) throw new ModelStoreError('WRONG_INPUT_SHAPE', `the model takes ${target.length} values, got ${input.length}`);
    const clock = this.platform.clock;
    if (input instanceof Float32Array) {
      model.setInput(input);
    } else {
      if (input instanceof Int16Array && target instanceof Int8Array) throw new ModelStoreError('BAD_ARGUMENT', 'the model takes int8 input, got int16');
      target.set(input);
    }
    const meter = this.#meter;
    const t0 = clock.micros();
    const c0 = meter ? meter() : 0;
    const classIndex = model.predict();
    const cost = meter ? meter() - c0 : 0;
    const latencyUs = Math.max(0, Math.round(clock.micros() - t0));
    this.#count(latencyUs, cost);
    return { classIndex, latencyUs, model };
  }

  /** Window length (frames) a SAMPLE capture uses: the model's window, else the default. */
  get sampleWindow(): number {
    return this.#buffer ? this.#buffer.length : this.#options.sampleWindow ?? DEFAULT_SAMPLE_WINDOW;
  }

  get capturing(): boolean { return this.#capture !== undefined; }

  /** Starts capturing `windows` consecutive raw windows. Throws ModelStoreError BUSY if one runs. */
  capture(windows: number, onWindow: CaptureState['onWindow'], onDone: CaptureState['onDone']): Capture {
    if (this.#capture) throw new ModelStoreError('BUSY', 'a capture is running');
    const axes = this.platform.sensor.axes;
    const samplesPerWindow = this.sampleWindow;
    this.#capture = { windows, samplesPerWindow, axes, buffer: new Int16Array(samplesPerWindow * axes), filled: 0, index: 0, onWindow, onDone };
    return { windows, samplesPerWindow, axes };
  }

  cancelCapture(): void {
    const c = this.#capture;
    if (!c) return;
    this.#capture = undefined;
    c.onDone(c.index);
  }

  /** Rebuilds the window buffer and feature pipeline for `model` (or none). */
  #install(model: Model | undefined): void {
    this.#model = model;
    this.#pipeline = undefined;
    this.#buffer = undefined;
    this.#rawInput = undefined;
    if (!model) {
      this.#runMessage = 'no model';
      this.#resizeHistory(0);
      return;
    }
    this.#resizeHistory(model.scores.length);
    const axes = this.platform.sensor.axes;
    const name = `${model.header.name} v${model.header.modelVersion}`;
    let pipeline: FeaturePipeline | undefined;
    try {
      pipeline = featurePipelineFor(model);
    } catch (err) {
      this.#runMessage = `${name}: features do not fit the model (${String(err)}); no inference`;
      return;
    }
    if (pipeline) {
      const c = pipeline.config;
      if (c.channels !== axes) {
        this.#runMessage = `${name}: the pipeline wants ${c.channels} channels, the sensor gives ${axes}; no inference`;
        return;
      }
      this.#pipeline = pipeline;
      this.#buffer = new WindowBuffer(c.windowLength, c.channels, c.hop);
      this.#runMessage = `${name}: window ${c.windowLength}, hop ${c.hop}, ${pipeline.featureCount} features`;
      return;
    }
    const n = model.input.length;
    if (!(model.input instanceof Int16Array) || n % axes !== 0 || n / axes > 65535) {
      this.#runMessage = `${name}: no FEATURES section and the input (${n} values) is not a raw int16 window of ${axes} axes; no inference`;
      return;
    }
    const length = n / axes;
    this.#rawInput = model.input;
    this.#buffer = new WindowBuffer(length, axes, this.#options.rawHop ?? length);
    this.#runMessage = `${name}: raw window of ${length} frames`;
  }

  #resizeHistory(scoreCount: number): void {
    const entries: InferenceResult[] = [];
    for (let i = 0; i < this.#historySize; i++) {
      entries.push({ windowSeq: 0, timestampMs: 0, classIndex: -1, confidence: 0, latencyUs: 0, scores: new Int32Array(scoreCount) });
    }
    this.#history = entries;
    this.#historyCount = 0;
    this.#historyHead = 0;
  }

  /** The hot path: one sensor frame. */
  #frame(frame: Int16Array): void {
    if (!this.#running) return;
    const c = this.#capture;
    if (c) this.#captureFrame(c, frame);
    const buffer = this.#buffer;
    if (buffer && buffer.push(frame)) {
      this.#windowSeq++;
      this.#infer(buffer);
    }
  }

  #captureFrame(c: CaptureState, frame: Int16Array): void {
    const axes = c.axes;
    const at = c.filled * axes;
    for (let i = 0; i < axes; i++) c.buffer[at + i] = frame[i];
    if (++c.filled < c.samplesPerWindow) return;
    c.filled = 0;
    const index = c.index++;
    try {
      c.onWindow(c.buffer, index, this.#windowSeq, this.platform.clock.now());
    } finally {
      if (c.index >= c.windows && this.#capture === c) {
        this.#capture = undefined;
        c.onDone(c.index);
      }
    }
  }

  #infer(buffer: WindowBuffer): void {
    const model = this.#model!;
    const clock = this.platform.clock;
    const meter = this.#meter;
    const t0 = clock.micros();
    const c0 = meter ? meter() : 0;
    const pipeline = this.#pipeline;
    if (pipeline) {
      pipeline.compute(buffer.samples, model.input as Int16Array, buffer.offset);
    } else {
      const raw = this.#rawInput!;
      raw.set(buffer.samples.subarray(buffer.offset, buffer.offset + raw.length));
    }
    const classIndex = model.predict();
    const cost = meter ? meter() - c0 : 0;
    const latencyUs = Math.max(0, Math.round(clock.micros() - t0));
    this.#count(latencyUs, cost);
    const e = this.#history[this.#historyHead];
    this.#historyHead = (this.#historyHead + 1) % this.#historySize;
    if (this.#historyCount < this.#historySize) this.#historyCount++;
    e.windowSeq = this.#windowSeq;
    e.timestampMs = clock.now();
    e.classIndex = classIndex;
    e.confidence = confidenceOf(model, classIndex);
    e.latencyUs = latencyUs;
    e.scores.set(model.scores);
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](e);
      } catch (err) {
        this.platform.system.log(`edgeml: result listener failed: ${String(err)}`);
      }
    }
  }

  #count(latencyUs: number, computrons: number): void {
    const c = computrons - this.#meterCost;
    this.#computronSum += c > 0 ? c : 0;
    // lets a platform that samples its heap (Moddable: instrumentation) see each inference's peak
    const system = this.platform.system;
    if (system.heap) system.heap();
    if (this.#inferences === 0 || latencyUs < this.#latencyMin) this.#latencyMin = latencyUs;
    if (latencyUs > this.#latencyMax) this.#latencyMax = latencyUs;
    this.#inferences++;
    this.#latencySum += latencyUs;
  }
}

/** The class's probability (or vote share) after the OUTPUT post-processing, in 0..1. */
export function confidenceOf(model: Model, classIndex: number): number {
  const out = model.outputSpec;
  if (out.task !== TASK_CLASSIFICATION || classIndex < 0) return 0;
  const scores = model.scores;
  const n = out.scoreCount;
  const zp = out.zeroPoint;
  const scale = out.scale;
  let p = 0;
  switch (out.postprocess) {
    case POST_PROBABILITY:
      p = (scores[classIndex] - zp) * scale;
      break;
    case POST_NORMALIZE: {
      let sum = 0;
      for (let i = 0; i < n; i++) { const r = (scores[i] - zp) * scale; if (r > 0) sum += r; }
      const r = (scores[classIndex] - zp) * scale;
      p = sum > 0 && r > 0 ? r / sum : 0;
      break;
    }
    case POST_SOFTMAX: {
      let max = -Infinity;
      for (let i = 0; i < n; i++) { const r = (scores[i] - zp) * scale; if (r > max) max = r; }
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp((scores[i] - zp) * scale - max);
      p = Math.exp((scores[classIndex] - zp) * scale - max) / sum;
      break;
    }
    case POST_SIGMOID: {
      const s = 1 / (1 + Math.exp(-(scores[0] - zp) * scale));
      p = n === 1 ? (classIndex === 1 ? s : 1 - s) : s;
      break;
    }
    default:
      return 0;
  }
  return p > 1 ? 1 : p < 0 || p !== p ? 0 : p;
}
