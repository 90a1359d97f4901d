// The simulator's Platform (firmware/platform/interfaces.ts) as it runs INSIDE XS: every I/O
// goes to the Node host through XS's issueCommand() with the bridge protocol of protocol.ts,
// except the clock, the sensor and the serial port, which Node drives with `advance` commands.
// No Node APIs here: this file is bundled by esbuild into the firmware script.
//
// Flash map(): each partition keeps a RAM mirror in XS, read from Node once at the first
// map() or read() and updated in place by every successful write (AND) and erase (0xFF), so
// the array map() returns stays live like memory-mapped flash. Only XS writes the flash while
// the device runs, so the mirror cannot go stale; a failed write or erase (power cut) drops the
// mirror, and the device is rebooted by the host anyway.
//
// Clock: virtual. now() is the time of the timer, frame or command being handled; micros() is
// now() × 1000 (inference takes no virtual time: use the XS meter for costs).
//
// System.computrons reads the running XS meter of the crank: xsnap's globals currentMeterLimit()
// and resetMeter(limit, index) (which returns the meter and sets it) read it and put it back, so
// the Device can difference it around each inference (the read costs a few computrons, lost from
// the crank's figure). System.heap: xsnap has no in-XS heap figure, so the Node host sends, with
// each `advance`, the slot heap its meter reported at the end of the previous crank
// (currentHeapCount × 32 bytes: live slots, garbage not yet collected included; chunk memory,
// i.e. typed-array and string storage, is not in the meter) and the peak over the cranks of this
// boot. Figures are one crank old and undefined until the first `advance`.
import type {
  Clock, Config, ConfigValue, Crypto, DeviceInfo, FlashPartition, HeapFigures, Kernels, ModelStorage, Platform,
  SampleSource, SerialPort, System, TimerHandle,
} from '../../firmware/platform/interfaces';
import { createNativeKernels } from '../../firmware/platform/moddable/native-kernels';
import {
  type BootOptions, type PartitionGeometry, type XsStats, Op, OutputFlag, Status, decodeUtf8, encodeUtf8,
} from './protocol';
import { XsNetwork } from './xs-network';

interface XsHost {
  issueCommand(request: ArrayBuffer): ArrayBuffer;
}

const host = globalThis as unknown as XsHost;

/** xsnap's meter globals (absent from a machine built without metering). */
interface XsMeterGlobals {
  currentMeterLimit?(): number;
  resetMeter?(limit: number, index: number): number;
}

/** The running computron count of the crank, or undefined without xsnap's meter globals. */
function meterReader(): (() => number) | undefined {
  const g = globalThis as unknown as XsMeterGlobals;
  const limitOf = g.currentMeterLimit;
  const reset = g.resetMeter;
  if (typeof limitOf !== 'function' || typeof reset !== 'function') return undefined;
  return () => {
    const limit = limitOf();
    const now = reset(limit, 0) >>> 0;
    reset(limit, now);
    return now;
  };
}

export class PowerCut extends Error {
  override name = 'PowerCut';
}

export class BridgeError extends Error {
  override name = 'BridgeError';
}

/** Sends one request to Node; returns the body of an OK reply, throws otherwise. */
export function rpc(op: number, ...parts: (Uint8Array | number[])[]): Uint8Array {
  let length = 1;
  for (const p of parts) length += p.length;
  const request = new Uint8Array(length);
  request[0] = op;
  let at = 1;
  for (const p of parts) {
    request.set(p, at);
    at += p.length;
  }
  const reply = new Uint8Array(host.issueCommand(request.buffer));
  if (reply.length === 0) throw new BridgeError(`no reply from the host to op ${op}`);
  const status = reply[0];
  const body = reply.subarray(1);
  if (status === Status.OK) return body;
  const message = decodeUtf8(body);
  if (status === Status.POWER_OFF) throw new PowerCut(message);
  throw new BridgeError(message);
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

class BridgeFlash implements FlashPartition {
  readonly byteLength: number;
  readonly blockSize: number;
  readonly #part: number;
  readonly #stats: XsStats;
  #mirror: Uint8Array | undefined;

  constructor(part: number, geometry: PartitionGeometry, stats: XsStats) {
    this.#part = part;
    this.byteLength = geometry.byteLength;
    this.blockSize = geometry.blockSize;
    this.#stats = stats;
  }

  erase(index: number): void {
    const blocks = this.byteLength / this.blockSize;
    if (!Number.isInteger(index) || index < 0 || index >= blocks) throw new RangeError(`erase(${index}): block index outside 0..${blocks - 1}`);
    this.#stats.flashOps++;
    try {
      rpc(Op.FLASH_ERASE, [this.#part], u32(index));
    } catch (e) {
      this.#mirror = undefined;
      throw e;
    }
    this.#mirror?.fill(0xff, index * this.blockSize, (index + 1) * this.blockSize);
  }

  write(offset: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('write: bytes must be a Uint8Array');
    this.#range('write', offset, bytes.length);
    this.#stats.flashOps++;
    try {
      rpc(Op.FLASH_WRITE, [this.#part], u32(offset), bytes);
    } catch (e) {
      this.#mirror = undefined;
      throw e;
    }
    const m = this.#mirror;
    if (m) for (let i = 0; i < bytes.length; i++) m[offset + i] &= bytes[i]!;
  }

  read(offset: number, length: number): Uint8Array {
    this.#range('read', offset, length);
    if (this.#mirror) return this.#mirror.slice(offset, offset + length);
    this.#stats.flashOps++;
    return rpc(Op.FLASH_READ, [this.#part], u32(offset), u32(length)).slice();
  }

  map(): Uint8Array {
    if (!this.#mirror) {
      this.#stats.flashOps++;
      const all = rpc(Op.FLASH_READ, [this.#part], u32(0), u32(this.byteLength));
      const mirror = new Uint8Array(this.byteLength);
      mirror.set(all);
      this.#mirror = mirror;
    }
    return this.#mirror;
  }

  #range(what: string, offset: number, length: number): void {
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0 || offset + length > this.byteLength) {
      throw new RangeError(`${what}: ${length} bytes at ${offset} outside the partition (${this.byteLength})`);
    }
  }
}

interface Timer {
  due: number;
  seq: number;
  interval: number; // 0: one-shot
  callback: () => void;
  live: boolean;
}

/** A virtual clock: timers wait in a queue until the host advances the time past them. */
export class VirtualClock implements Clock {
  #now = 0;
  #seq = 0;
  #queue: Timer[] = [];

  now(): number { return this.#now; }
  micros(): number { return Math.round(this.#now * 1000); }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.#add(callback, ms, 0);
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    return this.#add(callback, ms, Math.max(1, ms || 0));
  }

  clear(handle: TimerHandle): void {
    const t = handle as Timer;
    if (!t || typeof t !== 'object' || !('live' in t)) return;
    t.live = false;
    const i = this.#queue.indexOf(t);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  get pending(): number { return this.#queue.length; }

  /** Fires every timer due at or before `time`, in order, then sets now() to `time`. */
  runUntil(time: number, guard: () => boolean): void {
    const q = this.#queue;
    while (q.length > 0 && q[0]!.due <= time && guard()) {
      const t = q.shift()!;
      if (t.due > this.#now) this.#now = t.due;
      if (t.interval > 0) {
        t.due += t.interval;
        this.#insert(t);
      } else t.live = false;
      t.callback();
    }
    if (time > this.#now) this.#now = time;
  }

  #add(callback: () => void, ms: number, interval: number): TimerHandle {
    if (typeof callback !== 'function') throw new TypeError('timer callback must be a function');
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const t: Timer = { due: this.#now + delay, seq: this.#seq++, interval, callback, live: true };
    this.#insert(t);
    return t;
  }

  #insert(t: Timer): void {
    const q = this.#queue;
    let i = q.length;
    while (i > 0 && (q[i - 1]!.due > t.due || (q[i - 1]!.due === t.due && q[i - 1]!.seq > t.seq))) i--;
    q.splice(i, 0, t);
  }
}

class PushedSensor implements SampleSource {
  readonly axes: number;
  readonly rate: number;
  readonly frame: Int16Array;
  onFrame: ((frame: Int16Array) => void) | undefined;

  constructor(axes: number, rate: number) {
    this.axes = axes;
    this.rate = rate;
    this.frame = new Int16Array(axes);
  }

  start(onFrame: (frame: Int16Array) => void): void {
    if (typeof onFrame !== 'function') throw new TypeError('start: onFrame must be a function');
    this.onFrame = onFrame;
  }

  stop(): void {
    this.onFrame = undefined;
  }
}

class BufferedSerial implements SerialPort {
  readonly #stats: XsStats;
  #chunks: Uint8Array[] = [];
  #length = 0;
  onData: ((bytes: Uint8Array) => void) | undefined;
  enabled = true;

  constructor(stats: XsStats) {
    this.#stats = stats;
  }

  write(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('serial write: bytes must be a Uint8Array');
    if (!this.enabled || bytes.length === 0) return;
    this.#chunks.push(bytes.slice());
    this.#length += bytes.length;
    this.#stats.serialOut += bytes.length;
  }

  onReceive(callback: (bytes: Uint8Array) => void): void {
    this.onData = callback;
  }

  /** Bytes written since the last call. */
  take(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.#chunks = [];
    this.#length = 0;
    return out;
  }
}

class BridgeConfig implements Config {
  get(key: string): ConfigValue | undefined {
    const body = rpc(Op.CONFIG_GET, encodeUtf8(String(key)));
    return body.length === 0 ? undefined : (JSON.parse(decodeUtf8(body)) as ConfigValue);
  }

  set(key: string, value: ConfigValue): void {
    const t = typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') throw new TypeError(`config ${key}: a string, number or boolean`);
    if (t === 'number' && !Number.isFinite(value)) throw new RangeError(`config ${key}: ${value} is not a finite number`);
    rpc(Op.CONFIG_SET, encodeUtf8(JSON.stringify([String(key), value])));
  }

  keys(): string[] {
    return JSON.parse(decodeUtf8(rpc(Op.CONFIG_KEYS))) as string[];
  }
}

const bridgeCrypto: Crypto = {
  sha256(bytes: Uint8Array): Uint8Array {
    return rpc(Op.SHA256, bytes).slice();
  },
  verifyP256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length > 255 || signature.length > 255) return false;
    return rpc(Op.VERIFY_P256, [publicKey.length], publicKey, [signature.length], signature, message)[0] === 1;
  },
};

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/** The platform of one boot plus the controls the entry needs to drive it. */
export class XsSimPlatform implements Platform {
  readonly stats: XsStats = { now: 0, timers: 0, framesDelivered: 0, framesDropped: 0, serialIn: 0, serialOut: 0, flashOps: 0 };
  readonly clock = new VirtualClock();
  readonly sensor: PushedSensor;
  readonly storage: ModelStorage;
  readonly serial: BufferedSerial;
  readonly crypto = bridgeCrypto;
  readonly config: Config = new BridgeConfig();
  readonly device: DeviceInfo;
  readonly system: System;
  /** The MQTT link, bridged to a real broker connection in Node (used when the config names a broker). */
  readonly network = new XsNetwork(rpc, (line) => this.log(line));
  /** The Moddable platform's native kernels, through the same xsmc bindings, in the native XS host. */
  readonly kernels: Kernels | undefined;
  #logs: string[] = [];
  /** The slot heap Node's meter reported (setHeap, from each `advance`). */
  #heap: HeapFigures | undefined;
  restartRequested = false;

  constructor(boot: BootOptions) {
    const [a, b, s] = boot.partitions;
    this.storage = {
      slots: [new BridgeFlash(0, a, this.stats), new BridgeFlash(1, b, this.stats)],
      state: new BridgeFlash(2, s, this.stats),
    };
    this.sensor = new PushedSensor(boot.sensor.axes, boot.sensor.rate);
    this.serial = new BufferedSerial(this.stats);
    this.kernels = boot.nativeKernels ? createNativeKernels() : undefined;
    this.device = Object.freeze({
      id: boot.id,
      firmwareVersion: boot.firmwareVersion,
      trustedKey: boot.trustedKey ? hexToBytes(boot.trustedKey) : undefined,
    });
    const platform = this;
    const computrons = meterReader();
    this.system = {
      restart(): void {
        // A board never returns from restart(): here the rest of the crank runs, but nothing
        // more reaches the serial line and no timer or frame fires; the host reboots after it.
        platform.restartRequested = true;
        platform.serial.enabled = false;
      },
      freeMemory(): number | undefined {
        return undefined;
      },
      log(message: string): void {
        platform.log(String(message));
      },
      heap(): HeapFigures | undefined {
        return platform.#heap;
      },
      ...(computrons ? { computrons } : {}),
    };
  }

  log(line: string): void {
    this.#logs.push(line.replace(/\n/g, ' '));
  }

  /** The heap figures of the previous crank, as the Node host's meter saw them (bytes). */
  setHeap(used: number, peak: number): void {
    if (used > 0) this.#heap = { used, peak: Math.max(used, peak) };
  }

  /** Hands received bytes to the application. */
  receive(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.restartRequested) return;
    this.stats.serialIn += bytes.length;
    this.serial.onData?.(bytes);
  }

  /**
   * Runs the device up to `time`: frames (each at its own time) interleaved with the timers due
   * before them, then the timers due up to `time`.
   */
  advance(time: number, frames: Int16Array, count: number, first: number, interval: number): void {
    const alive = () => !this.restartRequested;
    const axes = this.sensor.axes;
    const frame = this.sensor.frame;
    for (let i = 0; i < count; i++) {
      const at = first + i * interval;
      this.clock.runUntil(at, alive);
      if (!alive()) break;
      const onFrame = this.sensor.onFrame;
      if (!onFrame) {
        this.stats.framesDropped++;
        continue;
      }
      for (let k = 0; k < axes; k++) frame[k] = frames[i * axes + k]!;
      this.stats.framesDelivered++;
      onFrame(frame);
    }
    this.clock.runUntil(time, alive);
  }

  /** The Output reply (protocol.ts): serial bytes written and log lines since the last one. */
  output(extraFlags = 0): Uint8Array {
    const serial = this.serial.take();
    const logs = encodeUtf8(this.#logs.join('\n'));
    this.#logs = [];
    let flags = extraFlags;
    if (this.restartRequested) flags |= OutputFlag.RESTART;
    if (this.sensor.onFrame) flags |= OutputFlag.SENSOR_RUNNING;
    const out = new Uint8Array(5 + serial.length + logs.length);
    out[0] = flags;
    out.set(u32(serial.length), 1);
    out.set(serial, 5);
    out.set(logs, 5 + serial.length);
    this.stats.now = this.clock.now();
    this.stats.timers = this.clock.pending;
    return out;
  }
}
