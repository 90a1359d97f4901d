// SimulatedDevice: one device of the desktop simulator. The firmware (xs-entry.ts, or a test
// application) runs in the real XS engine (XsRunner); this Node side owns what lies outside the
// chip: the flash files, the configuration file, the crypto, the sensor signal, the virtual
// clock, the serial line (in-process, and a pseudo-terminal through pty.ts) and fault injection.
//
// Time is virtual. advance(ms) fast-forwards (tests); startRealTime() advances with the wall
// clock every ~10 ms. Every crank (one `advance` command in XS) is metered: computrons and heap.
// A power cut (cutPowerAfter) or a restart request from the firmware reboots the device: a fresh
// XS worker over the same flash, the virtual clock back at 0.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Crypto } from '../../firmware/platform/interfaces';
import type { Scenario } from '../../host/signals/synthetic';
import { nodeCrypto } from '../platform/crypto';
import { PowerCut, type SimModelStorage, simModelStorage } from '../platform/flash';
import { XS_SLOT_BYTES, XsRunner } from '../xs/runner';
import { xsHostBinary } from '../xs-host/paths';
import type { Meter } from '../xs/worker';
import { LineNoise, type LineNoiseOptions } from './line-noise';
import { type BrokerOptions, MqttBridge } from './mqtt-bridge';
import { isMqttOp } from './mqtt-wire';
import { type PtyOptions, SerialPty } from './pty';
import {
  ADVANCE_HEADER, type BootOptions, type XsStats, Op, OutputFlag, PART_STATE, Status, decodeOutput, decodeUtf8, encodeUtf8,
} from './protocol';
import { type SignalSource, RecordedSignal, SyntheticSignal } from './sensor';

export const DEFAULT_ENTRY = fileURLToPath(new URL('./xs-entry.ts', import.meta.url));

export type ConfigValue = string | number | boolean;

export interface SimulatedDeviceOptions {
  /** Device id (default "sim-0"). */
  id?: string;
  /** Directory of this device's flash files and config.json (default: memory only). */
  dir?: string;
  /** The XS entry (default: the real firmware, xs-entry.ts). */
  entry?: string;
  firmwareVersion?: string;
  /** 65-byte uncompressed P-256 public key trusted for model signatures. */
  trustedKey?: Uint8Array;
  slotBytes?: number;
  stateBytes?: number;
  blockSize?: number;
  /** Initial configuration (applied when the config file does not exist yet). */
  config?: Record<string, ConfigValue>;
  /** Sensor: synthetic vibration (default seed 1, scenario normal) or a recording. */
  sensor?: { rate?: number; seed?: number; scenario?: Scenario; recording?: RecordedSignal };
  /** Options passed to the application's constructor. */
  appOptions?: Record<string, unknown>;
  /** Longest virtual time one crank covers in advance() (default 20 ms). */
  maxStepMs?: number;
  /** XS computrons allowed per crank (default: no limit). */
  meteringLimit?: number;
  /** Run models on the TypeScript reference kernels in the stock XS engine (default: the native
   * XS host, sim/xs-host, with the native C kernels the device runs). */
  referenceKernels?: boolean;
  crypto?: Crypto;
  /** Connects the firmware's MQTT agent to this broker (the device config gets the mqtt.* keys). */
  broker?: BrokerOptions;
}

export interface CrankRecord {
  /** Virtual time (ms since boot) the crank advanced to. */
  time: number;
  meter: Meter;
  frames: number;
}

export interface SerialEndpoint {
  /** Sends bytes to the device (delivered at the next crank). */
  write(bytes: Uint8Array): void;
  /** Bytes the device wrote; returns an unsubscribe function. */
  onData(callback: (bytes: Uint8Array) => void): () => void;
}

export type RebootReason = 'power-cut' | 'restart' | 'manual';

export class SimulatedDevice {
  readonly id: string;
  readonly storage: SimModelStorage;
  readonly signal: SignalSource;
  /** The host's end of the serial line. */
  readonly serial: SerialEndpoint;
  /** Every log line of the firmware (System.log and uncaught exceptions), all boots. */
  readonly logs: string[] = [];
  /** Meter of every crank of the current boot (cleared at reboot; capped at 10,000). */
  readonly cranks: CrankRecord[] = [];
  boots = 0;
  lastReboot: RebootReason | undefined;
  /** Total computrons of every crank since start(). */
  totalCompute = 0;
  /** Most live XS heap slots any crank of this boot ended with. */
  #heapPeakSlots = 0;

  readonly #options: SimulatedDeviceOptions;
  readonly #entry: string;
  readonly #crypto: Crypto;
  readonly #rate: number;
  readonly #configFile: string | undefined;
  #config: Record<string, ConfigValue>;
  #runner: XsRunner | undefined;
  #baton: Promise<unknown> = Promise.resolve();
  #now = 0;
  #nextFrame = 0;
  #sensorRunning = false;
  #inbox: Uint8Array[] = [];
  #listeners = new Set<(bytes: Uint8Array) => void>();
  #logListeners = new Set<(line: string) => void>();
  #rebootListeners = new Set<(reason: RebootReason) => void>();
  #noiseIn: LineNoise | undefined;
  #noiseOut: LineNoise | undefined;
  #realTime: { timer: NodeJS.Timeout; last: number } | undefined;
  #closed = false;
  #ptys: SerialPty[] = [];
  #lastError: Error | undefined;
  readonly #mqtt: MqttBridge | undefined;

  private constructor(options: SimulatedDeviceOptions) {
    this.#options = options;
    this.id = options.id ?? 'sim-0';
    this.#entry = options.entry ?? DEFAULT_ENTRY;
    this.#crypto = options.crypto ?? nodeCrypto;
    if (options.dir) mkdirSync(options.dir, { recursive: true });
    this.storage = simModelStorage({ dir: options.dir, slotBytes: options.slotBytes, stateBytes: options.stateBytes, blockSize: options.blockSize });
    const s = options.sensor ?? {};
    this.#rate = s.rate ?? 1000;
    this.signal = s.recording ?? new SyntheticSignal({ seed: s.seed ?? 1, scenario: s.scenario, rate: this.#rate });
    this.#configFile = options.dir ? path.join(options.dir, 'config.json') : undefined;
    this.#config = this.#configFile && existsSync(this.#configFile)
      ? (JSON.parse(readFileSync(this.#configFile, 'utf8')) as Record<string, ConfigValue>)
      : { ...(options.config ?? {}) };
    if (options.broker) {
      this.#mqtt = new MqttBridge(options.broker);
      Object.assign(this.#config, brokerConfig(options.broker));
      this.#saveConfig();
    }
    const device = this;
    this.serial = {
      write(bytes: Uint8Array): void {
        const b = device.#noiseIn ? device.#noiseIn.apply(bytes) : bytes;
        if (b.length > 0) device.#inbox.push(Uint8Array.from(b));
      },
      onData(callback) {
        device.#listeners.add(callback);
        return () => device.#listeners.delete(callback);
      },
    };
  }

  /** Creates the device and boots its firmware. */
  static async start(options: SimulatedDeviceOptions = {}): Promise<SimulatedDevice> {
    const device = new SimulatedDevice(options);
    try {
      await device.#serialized(() => device.#boot());
    } catch (err) {
      await device.close();
      throw err;
    }
    return device;
  }

  /** Virtual milliseconds since the current boot. */
  get now(): number {
    return this.#now;
  }

  /** Whether the firmware has a sensor callback installed. */
  get sensorRunning(): boolean {
    return this.#sensorRunning;
  }

  /** The configuration as persisted (a copy). */
  get config(): Record<string, ConfigValue> {
    return { ...this.#config };
  }

  /** The runner of the current boot (for measurements). */
  get runner(): XsRunner | undefined {
    return this.#runner;
  }

  /** The Node half of the MQTT link (broker option only): connection state and counters. */
  get mqtt(): MqttBridge | undefined {
    return this.#mqtt;
  }

  /** The last error a crank raised on the Node side (XS exceptions are logs, not errors). */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  onLog(callback: (line: string) => void): () => void {
    this.#logListeners.add(callback);
    return () => this.#logListeners.delete(callback);
  }

  onReboot(callback: (reason: RebootReason) => void): () => void {
    this.#rebootListeners.add(callback);
    return () => this.#rebootListeners.delete(callback);
  }

  /** Switches the synthetic scenario while running. */
  setScenario(scenario: Scenario, transitionSeconds?: number): void {
    if (!(this.signal instanceof SyntheticSignal)) throw new TypeError('the sensor plays a recording, not the synthetic generator');
    this.signal.setScenario(scenario, transitionSeconds);
  }

  /** Injects noise on the serial line: `in` host → device, `out` device → host; undefined clears. */
  setLineNoise(noise: { in?: LineNoiseOptions; out?: LineNoiseOptions } | undefined): { in?: LineNoise; out?: LineNoise } {
    this.#noiseIn = noise?.in ? new LineNoise(noise.in) : undefined;
    this.#noiseOut = noise?.out ? new LineNoise(noise.out) : undefined;
    return { in: this.#noiseIn, out: this.#noiseOut };
  }

  /** Cuts the flash power after `bytes` more bytes written or erased; the device then reboots. */
  cutPowerAfter(bytes: number): void {
    this.storage.power.cutAfter(bytes);
  }

  /** Fast-forwards the virtual clock by `ms` (in cranks of at most maxStepMs). */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): a duration >= 0`);
    return this.#serialized(async () => {
      const step = this.#options.maxStepMs ?? 20;
      // After a reboot the clock restarts at 0: the remaining time runs on from there.
      for (let left = ms; left > 0 || ms === 0; ) {
        const s = Math.min(step, left);
        await this.#crank(this.#now + s);
        left -= s;
        if (ms === 0) break;
      }
    });
  }

  /** Runs one crank now without moving the clock (delivers pending serial bytes). */
  poll(): Promise<void> {
    return this.#serialized(() => this.#crank(this.#now));
  }

  /** Advances with the wall clock every `periodMs` (default 10) until stopRealTime(). */
  startRealTime(periodMs = 10): void {
    if (this.#realTime) return;
    const state = { timer: undefined as unknown as NodeJS.Timeout, last: performance.now() };
    const tick = () => {
      const t = performance.now();
      const elapsed = t - state.last;
      state.last = t;
      this.#serialized(() => this.#crank(this.#now + elapsed))
        .catch((err: Error) => {
          this.#lastError = err;
        })
        .finally(() => {
          if (this.#realTime === state && !this.#closed) state.timer = setTimeout(tick, periodMs);
        });
    };
    this.#realTime = state;
    state.timer = setTimeout(tick, periodMs);
  }

  stopRealTime(): void {
    if (this.#realTime) clearTimeout(this.#realTime.timer);
    this.#realTime = undefined;
  }

  /** Counters kept by the XS side. */
  xsStats(): Promise<XsStats> {
    return this.#serialized(async () => JSON.parse(decodeUtf8((await this.#live().call('stats')).reply)) as XsStats);
  }

  /** Meter of the last crank. */
  get lastMeter(): Meter | undefined {
    return this.cranks.at(-1)?.meter;
  }

  /**
   * Exposes the serial port as a pseudo-terminal (needs socat); its `path` is what clients open.
   * Bytes flow while the clock runs: call startRealTime() (or advance()) to serve the pty.
   */
  async openPty(options: PtyOptions = {}): Promise<SerialPty> {
    const pty = await SerialPty.open(this.serial, options);
    this.#ptys.push(pty);
    return pty;
  }

  /** Reboots by hand (a reset button): fresh XS worker over the same flash. */
  reboot(): Promise<void> {
    return this.#serialized(() => this.#reboot('manual'));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.stopRealTime();
    await Promise.all(this.#ptys.splice(0).map((p) => p.close()));
    await this.#baton.catch(() => {});
    await this.#runner?.close();
    this.#runner = undefined;
    this.#mqtt?.close();
    this.storage.close();
  }

  // ---- internals ----

  #serialized<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#baton.then(() => {
      if (this.#closed) throw new Error(`${this.id}: device closed`);
      return job();
    });
    this.#baton = run.catch(() => {});
    return run;
  }

  #live(): XsRunner {
    if (!this.#runner) throw new Error(`${this.id}: device not running`);
    return this.#runner;
  }

  async #boot(): Promise<void> {
    const native = !this.#options.referenceKernels;
    const runner = await XsRunner.start(this.#entry, {
      name: `sim-${this.id}`,
      binary: native ? xsHostBinary() : undefined,
      meteringLimit: this.#options.meteringLimit,
      onQuery: (bytes) => this.#onQuery(bytes),
    });
    this.#runner = runner;
    this.boots++;
    this.#now = 0;
    this.#nextFrame = 0;
    this.cranks.length = 0;
    this.#heapPeakSlots = 0;
    const boot: BootOptions = {
      id: this.id,
      firmwareVersion: this.#options.firmwareVersion ?? '0.1.0-sim',
      trustedKey: this.#options.trustedKey ? Buffer.from(this.#options.trustedKey).toString('hex') : undefined,
      partitions: [
        { byteLength: this.storage.slots[0].byteLength, blockSize: this.storage.slots[0].blockSize },
        { byteLength: this.storage.slots[1].byteLength, blockSize: this.storage.slots[1].blockSize },
        { byteLength: this.storage.state.byteLength, blockSize: this.storage.state.blockSize },
      ],
      sensor: { axes: this.signal.axes, rate: this.#rate },
      now: 0,
      options: this.#options.appOptions,
      nativeKernels: native,
    };
    const { reply, meter } = await runner.call('boot', encodeUtf8(JSON.stringify(boot)));
    this.#record(0, meter, 0);
    await this.#afterCrank(reply);
  }

  async #reboot(reason: RebootReason): Promise<void> {
    this.#mqtt?.drop();
    await this.#runner?.close();
    this.#runner = undefined;
    this.storage.power.restore();
    this.lastReboot = reason;
    for (const l of this.#rebootListeners) l(reason);
    if (this.#closed) return;
    await this.#boot();
  }

  async #crank(time: number): Promise<void> {
    const runner = this.#live();
    const interval = 1000 / this.#rate;
    const axes = this.signal.axes;
    let count = 0;
    const first = this.#nextFrame * interval;
    if (this.#sensorRunning) {
      while ((this.#nextFrame + count) * interval <= time) count++;
    } else {
      // Frames nobody listens to are lost, as on a board.
      while (this.#nextFrame * interval <= time) this.#nextFrame++;
    }
    const inbox = this.#inbox;
    this.#inbox = [];
    const serialLength = inbox.reduce((n, b) => n + b.length, 0);
    const payload = new Uint8Array(ADVANCE_HEADER + count * axes * 2 + serialLength);
    const v = new DataView(payload.buffer);
    v.setFloat64(0, time, true);
    v.setUint32(8, count, true);
    v.setFloat64(12, first, true);
    v.setFloat64(20, interval, true);
    // The XS heap as the last crank's meter saw it (System.heap in XS: xs-platform.ts).
    const heapBytes = (slots: number) => Math.min(0xffffffff, slots * XS_SLOT_BYTES);
    v.setUint32(28, heapBytes(this.lastMeter?.heapCount ?? 0), true);
    v.setUint32(32, heapBytes(this.#heapPeakSlots), true);
    const frame = new Int16Array(axes);
    for (let i = 0; i < count; i++) {
      this.signal.next(frame, 0);
      for (let k = 0; k < axes; k++) v.setInt16(ADVANCE_HEADER + 2 * (i * axes + k), frame[k]!, true);
    }
    this.#nextFrame += count;
    let at = ADVANCE_HEADER + count * axes * 2;
    for (const b of inbox) {
      payload.set(b, at);
      at += b.length;
    }
    const { reply, meter } = await runner.call('advance', payload);
    this.#now = time;
    this.#record(time, meter, count);
    await this.#afterCrank(reply);
  }

  #record(time: number, meter: Meter, frames: number): void {
    this.totalCompute += meter.compute;
    if (meter.heapCount > this.#heapPeakSlots) this.#heapPeakSlots = meter.heapCount;
    this.cranks.push({ time, meter, frames });
    if (this.cranks.length > 10_000) this.cranks.splice(0, this.cranks.length - 10_000);
  }

  async #afterCrank(reply: Uint8Array): Promise<void> {
    const out = decodeOutput(reply);
    this.#sensorRunning = (out.flags & OutputFlag.SENSOR_RUNNING) !== 0;
    for (const line of out.logs) {
      this.logs.push(line);
      if (this.logs.length > 10_000) this.logs.shift();
      for (const l of this.#logListeners) l(line);
    }
    const powerCut = this.storage.power.off;
    // The output of a crank in which the power failed never left the chip.
    if (!powerCut && out.serial.length > 0) {
      const bytes = this.#noiseOut ? this.#noiseOut.apply(out.serial) : out.serial;
      for (const l of this.#listeners) l(bytes);
    }
    if (powerCut) await this.#reboot('power-cut');
    else if (out.flags & OutputFlag.RESTART) await this.#reboot('restart');
  }

  #onQuery(request: Uint8Array): Uint8Array {
    try {
      return reply(Status.OK, this.#handle(request));
    } catch (err) {
      const e = err as Error;
      return reply(err instanceof PowerCut ? Status.POWER_OFF : Status.ERROR, encodeUtf8(`${e.name}: ${e.message}`));
    }
  }

  #handle(request: Uint8Array): Uint8Array | undefined {
    const op = request[0];
    const body = request.subarray(1);
    const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const part = () => {
      const p = body[0]!;
      if (p > PART_STATE) throw new RangeError(`no flash partition ${p}`);
      return p === PART_STATE ? this.storage.state : this.storage.slots[p as 0 | 1];
    };
    switch (op) {
      case Op.FLASH_READ:
        return part().read(v.getUint32(1, true), v.getUint32(5, true));
      case Op.FLASH_WRITE:
        part().write(v.getUint32(1, true), body.subarray(5));
        return undefined;
      case Op.FLASH_ERASE:
        part().erase(v.getUint32(1, true));
        return undefined;
      case Op.SHA256:
        return this.#crypto.sha256(body);
      case Op.VERIFY_P256: {
        const keyLength = body[0]!;
        const key = body.subarray(1, 1 + keyLength);
        const sigLength = body[1 + keyLength]!;
        const sig = body.subarray(2 + keyLength, 2 + keyLength + sigLength);
        const message = body.subarray(2 + keyLength + sigLength);
        return new Uint8Array([this.#crypto.verifyP256(key, message, sig) ? 1 : 0]);
      }
      case Op.CONFIG_GET: {
        const key = decodeUtf8(body);
        return Object.hasOwn(this.#config, key) ? encodeUtf8(JSON.stringify(this.#config[key])) : undefined;
      }
      case Op.CONFIG_SET: {
        const [key, value] = JSON.parse(decodeUtf8(body)) as [string, ConfigValue];
        this.#config[key] = value;
        this.#saveConfig();
        return undefined;
      }
      case Op.CONFIG_KEYS:
        return encodeUtf8(JSON.stringify(Object.keys(this.#config)));
      default:
        if (this.#mqtt && isMqttOp(op)) return this.#mqtt.handle(op, body, this.storage.power.off);
        throw new RangeError(`unknown bridge op ${op}`);
    }
  }

  #saveConfig(): void {
    if (!this.#configFile) return;
    const temp = `${this.#configFile}.tmp`;
    writeFileSync(temp, JSON.stringify(this.#config, null, 2));
    renameSync(temp, this.#configFile);
  }
}

/** The device config keys the firmware's agent reads (the password stays in Node, off the disk). */
function brokerConfig(b: BrokerOptions): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = { 'mqtt.url': b.url };
  if (b.prefix !== undefined) out['mqtt.prefix'] = b.prefix;
  if (b.clientId !== undefined) out['mqtt.clientId'] = b.clientId;
  if (b.username !== undefined) out['mqtt.username'] = b.username;
  if (b.maxMessage !== undefined) out['mqtt.maxMessage'] = b.maxMessage;
  return out;
}

function reply(status: number, body: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(1 + (body?.length ?? 0));
  out[0] = status;
  if (body) out.set(body, 1);
  return out;
}
