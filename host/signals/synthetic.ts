// Synthetic, physically plausible vibration of a rotating machine as a 3-axis MEMS accelerometer
// on its bearing housing sees it (an MPU6050 at ±2 g: 16384 counts per g, int16), seedable.
//
// Directions: horizontal radial (H), axial (A) and vertical radial (V); by default x = H,
// y = A, z = V, and gravity (1 g) acts along V. Every machine (seed) draws its own shaft speed,
// structure, offsets and fault severities, so datasets vary from machine to machine.
//
// Scenarios (classic vibration-analysis signatures, e.g. ISO 13373 / Randall, "Vibration-based
// Condition Monitoring"):
//   normal        small residual 1x/2x/3x of the shaft speed, broadband machine noise
//   imbalance     strong 1x (once per revolution), radial, elliptical orbit (H stronger than V)
//   misalignment  strong 2x, above all axial, with 1x axial and radial 2x, some 3x
//   bearing       outer-race defect: impacts at BPFO = (Nb/2)(1 − d/D)·f_shaft, each ringing a
//                 structural resonance (a few hundred Hz, damped), with slip jitter
// On top: sensor noise, gravity with a small tilt, zero-g offsets and a slow thermal drift.
// A running simulator switches scenario smoothly (the fault components ramp), so a simulated
// sensor can replay it and change condition while the device runs.
import { SignalRandom } from './random';

export type Scenario = 'normal' | 'imbalance' | 'misalignment' | 'bearing';
export const SCENARIOS: readonly Scenario[] = ['normal', 'imbalance', 'misalignment', 'bearing'];

export const MPU6050_COUNTS_PER_G = 16384;

export interface MachineOptions {
  /** Samples per second (default 1000). */
  sampleRateHz?: number;
  /** Counts per g (default 16384, MPU6050 at ±2 g). */
  countsPerG?: number;
  /** Shaft frequency in Hz (default: drawn in [24, 30], 1440..1800 rpm). */
  shaftHz?: number;
  /** Fault severity factor (default: drawn in [0.6, 1.4]). */
  severity?: number;
  /** Channel of each direction [H, A, V] (default [0, 1, 2]); gravity acts along V. */
  axes?: [number, number, number];
  /** Sensor noise, g rms per axis (default: drawn in [0.003, 0.006]). */
  sensorNoiseG?: number;
}

/** The resolved parameters of one simulated machine. */
export interface MachineProfile {
  sampleRateHz: number;
  countsPerG: number;
  shaftHz: number;
  severity: number;
  axes: [number, number, number];
  sensorNoiseG: number;
  machineNoiseG: number;
  /** Ball pass frequency, outer race (Hz). */
  bpfoHz: number;
  /** Structural resonance excited by bearing impacts (Hz) and its damping ratio. */
  resonanceHz: number;
  damping: number;
  /** Static acceleration per direction [H, A, V] in g: gravity through the tilt plus zero-g offset. */
  staticG: [number, number, number];
}

const H = 0;
const A = 1;
const V = 2;

interface Tone { harmonic: number; amp: [number, number, number]; phase: [number, number, number] }

/** Target gains of the fault components per scenario. */
const GAINS: Record<Scenario, { imbalance: number; misalignment: number; bearing: number }> = {
  normal: { imbalance: 0, misalignment: 0, bearing: 0 },
  imbalance: { imbalance: 1, misalignment: 0, bearing: 0 },
  misalignment: { imbalance: 0, misalignment: 1, bearing: 0 },
  bearing: { imbalance: 0, misalignment: 0, bearing: 1 },
};

export class VibrationSimulator {
  readonly profile: MachineProfile;
  readonly channels = 3;
  readonly #rng: SignalRandom;
  readonly #baseline: Tone[];
  readonly #imbalance: Tone[];
  readonly #misalignment: Tone[];
  readonly #impactDirection: [number, number, number];
  readonly #impactG: number;
  // resonator y[n] = a1·y[n−1] − a2·y[n−2] + impulse, per direction
  readonly #a1: number;
  readonly #a2: number;
  readonly #y1 = [0, 0, 0];
  readonly #y2 = [0, 0, 0];
  readonly #noiseState = [0, 0, 0];
  readonly #drift: { amp: number; period: number; phase: number }[];
  readonly #wander: { amp: number; period: number; phase: number };
  #scenario: Scenario;
  #gain = { imbalance: 0, misalignment: 0, bearing: 0 };
  #rate = { imbalance: 0, misalignment: 0, bearing: 0 };
  #shaftPhase = 0;      // radians
  #defectPhase = 0;     // cycles of BPFO since the last impact
  #nextImpactAt = 1;    // in cycles (jittered)
  #frame = 0;
  readonly #frameG = [0, 0, 0];

  constructor(options: MachineOptions & { seed: number; scenario?: Scenario }) {
    const rng = new SignalRandom(options.seed);
    this.#rng = rng;
    const sampleRateHz = options.sampleRateHz ?? 1000;
    const shaftHz = options.shaftHz ?? rng.uniform(24, 30);
    const balls = rng.int(8, 12);
    const ratio = rng.uniform(0.18, 0.25);
    const bpfoHz = (balls / 2) * (1 - ratio) * shaftHz;
    const resonanceHz = Math.min(0.4 * sampleRateHz, rng.uniform(280, 380) * (sampleRateHz / 1000));
    const tilt = (rng.uniform(1, 3) * Math.PI) / 180;
    const roll = rng.uniform(0, 2 * Math.PI);
    const staticG: [number, number, number] = [
      Math.sin(tilt) * Math.cos(roll) + rng.uniform(-0.05, 0.05),
      Math.sin(tilt) * Math.sin(roll) + rng.uniform(-0.05, 0.05),
      Math.cos(tilt) + rng.uniform(-0.08, 0.08),
    ];
    this.profile = {
      sampleRateHz,
      countsPerG: options.countsPerG ?? MPU6050_COUNTS_PER_G,
      shaftHz,
      severity: options.severity ?? rng.uniform(0.6, 1.4),
      axes: options.axes ?? [0, 1, 2],
      sensorNoiseG: options.sensorNoiseG ?? rng.uniform(0.003, 0.006),
      machineNoiseG: rng.uniform(0.004, 0.01),
      bpfoHz,
      resonanceHz,
      damping: rng.uniform(0.04, 0.08),
      staticG,
    };
    const p = this.profile;
    const sev = p.severity;
    const ph = () => rng.uniform(0, 2 * Math.PI);
    // Structure: how strongly each direction answers a radial force (V is stiffer, A weakly coupled).
    const hGain = 1;
    const vGain = rng.uniform(0.55, 0.8);
    const aGain = rng.uniform(0.15, 0.3);
    const r0 = rng.uniform(0.006, 0.015); // residual 1x of a healthy machine
    this.#baseline = [
      { harmonic: 1, amp: [r0 * hGain, r0 * aGain, r0 * vGain], phase: [0, ph(), -Math.PI / 2] },
      { harmonic: 2, amp: [0.35 * r0, 0.3 * r0, 0.25 * r0], phase: [ph(), ph(), ph()] },
      { harmonic: 3, amp: [0.15 * r0, 0.1 * r0, 0.12 * r0], phase: [ph(), ph(), ph()] },
    ];
    const u = rng.uniform(0.12, 0.25) * sev; // imbalance force response at 1x, g
    this.#imbalance = [
      // a rotating force: H = cos, V = sin (quadrature), elliptical through the stiffness
      { harmonic: 1, amp: [u * hGain, u * aGain * 0.5, u * vGain], phase: [0, ph(), -Math.PI / 2] },
      { harmonic: 2, amp: [0.06 * u, 0.03 * u, 0.05 * u], phase: [ph(), ph(), ph()] },
    ];
    const m = rng.uniform(0.1, 0.2) * sev; // misalignment: 2x axial
    this.#misalignment = [
      { harmonic: 1, amp: [0.25 * m, 0.55 * m, 0.2 * m], phase: [ph(), ph(), ph()] },
      { harmonic: 2, amp: [0.55 * m, m, 0.4 * m], phase: [ph(), ph(), ph()] },
      { harmonic: 3, amp: [0.2 * m, 0.3 * m, 0.15 * m], phase: [ph(), ph(), ph()] },
    ];
    this.#impactG = rng.uniform(0.2, 0.4) * sev;
    this.#impactDirection = [rng.uniform(0.4, 0.7), rng.uniform(0.1, 0.25), 1];
    const wn = (2 * Math.PI * resonanceHz) / sampleRateHz;
    const r = Math.exp(-p.damping * wn);
    this.#a1 = 2 * r * Math.cos(wn * Math.sqrt(1 - p.damping * p.damping));
    this.#a2 = r * r;
    this.#drift = [0, 1, 2].map(() => ({ amp: rng.uniform(0.002, 0.006), period: rng.uniform(60, 300), phase: ph() }));
    this.#wander = { amp: rng.uniform(0.001, 0.004), period: rng.uniform(8, 30), phase: ph() };
    this.#nextImpactAt = 1 + 0.01 * rng.gaussian();
    this.#scenario = options.scenario ?? 'normal';
    this.#gain = { ...GAINS[this.#scenario] };
  }

  get scenario(): Scenario {
    return this.#scenario;
  }

  /** Seconds simulated so far. */
  get time(): number {
    return this.#frame / this.profile.sampleRateHz;
  }

  /** Frames simulated so far. */
  get frames(): number {
    return this.#frame;
  }

  /** Changes the machine's condition; fault components ramp over `transitionSeconds` (default 0.25). */
  setScenario(scenario: Scenario, transitionSeconds = 0.25): void {
    if (!SCENARIOS.includes(scenario)) throw new RangeError(`unknown scenario "${scenario}"`);
    this.#scenario = scenario;
    const target = GAINS[scenario];
    const steps = Math.max(1, Math.round(transitionSeconds * this.profile.sampleRateHz));
    for (const k of ['imbalance', 'misalignment', 'bearing'] as const) this.#rate[k] = (target[k] - this.#gain[k]) / steps;
  }

  /** Writes the next frame (channels int16 counts) to out[at ..]. */
  nextFrame(out: Int16Array | number[], at = 0): void {
    const g = this.#frameG;
    this.#step(g);
    const p = this.profile;
    for (let d = 0; d < 3; d++) {
      const counts = Math.round(g[d] * p.countsPerG);
      out[at + p.axes[d]] = counts > 32767 ? 32767 : counts < -32768 ? -32768 : counts;
    }
  }

  /** The next `frames` frames, interleaved. */
  read(frames: number): Int16Array {
    const out = new Int16Array(frames * 3);
    for (let f = 0; f < frames; f++) this.nextFrame(out, 3 * f);
    return out;
  }

  /** One sample of each direction [H, A, V] in g. */
  #step(g: number[]): void {
    const p = this.profile;
    const rng = this.#rng;
    const fs = p.sampleRateHz;
    const t = this.#frame / fs;
    this.#frame++;
    // Ramp the fault gains toward the scenario's targets.
    const target = GAINS[this.#scenario];
    for (const k of ['imbalance', 'misalignment', 'bearing'] as const) {
      const rate = this.#rate[k];
      if (rate !== 0) {
        const next = this.#gain[k] + rate;
        if ((rate > 0 && next >= target[k]) || (rate < 0 && next <= target[k])) {
          this.#gain[k] = target[k];
          this.#rate[k] = 0;
        } else {
          this.#gain[k] = next;
        }
      }
    }
    // Shaft speed wanders slowly (load, supply frequency).
    const w = this.#wander;
    const shaftHz = p.shaftHz * (1 + w.amp * Math.sin((2 * Math.PI * t) / w.period + w.phase));
    const phi = this.#shaftPhase;
    this.#shaftPhase = (phi + (2 * Math.PI * shaftHz) / fs) % (2 * Math.PI * 60);
    for (let d = 0; d < 3; d++) g[d] = p.staticG[d];
    this.#tones(g, this.#baseline, phi, 1);
    if (this.#gain.imbalance > 0) this.#tones(g, this.#imbalance, phi, this.#gain.imbalance);
    if (this.#gain.misalignment > 0) this.#tones(g, this.#misalignment, phi, this.#gain.misalignment);
    // Bearing impacts: one per BPFO cycle (with 1 % slip jitter), each ringing the resonance.
    this.#defectPhase += (p.bpfoHz * shaftHz) / p.shaftHz / fs;
    let impulse = 0;
    if (this.#defectPhase >= this.#nextImpactAt) {
      this.#defectPhase -= this.#nextImpactAt;
      this.#nextImpactAt = 1 + 0.01 * rng.gaussian();
      impulse = this.#gain.bearing * this.#impactG * (1 + 0.2 * rng.gaussian());
    }
    for (let d = 0; d < 3; d++) {
      const y = this.#a1 * this.#y1[d] - this.#a2 * this.#y2[d] + impulse * this.#impactDirection[d];
      this.#y2[d] = this.#y1[d];
      this.#y1[d] = y;
      // Machine noise: white through a first-order low-pass (~150 Hz at 1 kHz); sensor noise: white.
      this.#noiseState[d] = 0.6 * this.#noiseState[d] + 0.4 * rng.gaussian();
      const drift = this.#drift[d];
      g[d] += y
        + p.machineNoiseG * 1.9 * this.#noiseState[d]
        + p.sensorNoiseG * rng.gaussian()
        + drift.amp * Math.sin((2 * Math.PI * t) / drift.period + drift.phase);
    }
  }

  #tones(g: number[], tones: Tone[], phi: number, gain: number): void {
    for (const tone of tones) {
      const angle = tone.harmonic * phi;
      g[H] += gain * tone.amp[H] * Math.cos(angle + tone.phase[H]);
      g[A] += gain * tone.amp[A] * Math.cos(angle + tone.phase[A]);
      g[V] += gain * tone.amp[V] * Math.cos(angle + tone.phase[V]);
    }
  }
}

export interface WindowOptions {
  seed: number;
  scenario: Scenario;
  count: number;
  /** Frames per window (default 256). */
  windowLength?: number;
  /** Frames between window starts (default windowLength: no overlap). */
  hop?: number;
  /** Seconds simulated and dropped first (default 0.5: start-up transients of the resonator and noise filter). */
  settleSeconds?: number;
  machine?: MachineOptions;
}

/** `count` windows (frames × 3 interleaved int16) of one machine in one scenario. */
export function vibrationWindows(options: WindowOptions): Int16Array[] {
  const n = options.windowLength ?? 256;
  const hop = options.hop ?? n;
  const sim = new VibrationSimulator({ ...options.machine, seed: options.seed, scenario: options.scenario });
  sim.read(Math.round((options.settleSeconds ?? 0.5) * sim.profile.sampleRateHz));
  const stream = sim.read(n + hop * (options.count - 1));
  return Array.from({ length: options.count }, (_, i) => stream.slice(i * hop * 3, (i * hop + n) * 3));
}

export interface LabelledWindows {
  windows: Int16Array[];
  /** Index into `scenarios` per window. */
  labels: number[];
  /** Machine number per window (machines differ in speed, structure and severity). */
  machines: number[];
  scenarios: readonly Scenario[];
}

/** Windows of every scenario from `machines` simulated machines, labelled. */
export function vibrationDataset(options: {
  seed: number;
  machines?: number;
  windowsPerScenario?: number;
  windowLength?: number;
  hop?: number;
  machine?: MachineOptions;
}): LabelledWindows {
  const rng = new SignalRandom(options.seed);
  const out: LabelledWindows = { windows: [], labels: [], machines: [], scenarios: SCENARIOS };
  for (let m = 0; m < (options.machines ?? 4); m++) {
    const seed = Math.floor(rng.next() * 4294967296);
    SCENARIOS.forEach((scenario, label) => {
      const windows = vibrationWindows({
        seed, scenario, count: options.windowsPerScenario ?? 20, windowLength: options.windowLength, hop: options.hop, machine: options.machine,
      });
      for (const w of windows) {
        out.windows.push(w);
        out.labels.push(label);
        out.machines.push(m);
      }
    });
  }
  return out;
}

export interface ScenarioSegment {
  scenario: Scenario;
  seconds: number;
}

export interface VibrationStream {
  /** Frames × 3 interleaved int16 counts. */
  samples: Int16Array;
  /** Index into SCENARIOS of the condition in force at each frame. */
  labels: Uint8Array;
  sampleRateHz: number;
  channels: 3;
  profile: MachineProfile;
}

/** A continuous recording of one machine going through `segments` (for replay by a simulated sensor). */
export function vibrationStream(options: { seed: number; segments: ScenarioSegment[]; machine?: MachineOptions; transitionSeconds?: number }): VibrationStream {
  if (options.segments.length === 0) throw new RangeError('no segments');
  const sim = new VibrationSimulator({ ...options.machine, seed: options.seed, scenario: options.segments[0].scenario });
  const fs = sim.profile.sampleRateHz;
  const total = options.segments.reduce((n, s) => n + Math.round(s.seconds * fs), 0);
  const samples = new Int16Array(total * 3);
  const labels = new Uint8Array(total);
  let f = 0;
  for (const segment of options.segments) {
    if (segment.scenario !== sim.scenario) sim.setScenario(segment.scenario, options.transitionSeconds);
    const label = SCENARIOS.indexOf(segment.scenario);
    if (label < 0) throw new RangeError(`unknown scenario "${segment.scenario}"`);
    for (let end = f + Math.round(segment.seconds * fs); f < end; f++) {
      sim.nextFrame(samples, 3 * f);
      labels[f] = label;
    }
  }
  return { samples, labels, sampleRateHz: fs, channels: 3, profile: sim.profile };
}
