// A test Platform for the device application (simulated flash, node crypto, a manual clock, a
// scripted sensor, an in-memory serial pair, a Map config) and a host that talks to the device
// through firmware/core/protocol, as the edgeml CLI does.
import { Device, DeviceOptions } from '../../firmware/app/device/device';
import { ProtocolServer, ProtocolServerOptions } from '../../firmware/app/device/protocol-server';
import {
  FLAG_RETRY, Frame, FrameDecoder, MSG, Message, MessageBodies, MessageTypeOf, PROTOCOL_VERSION, decodeMessage, encodeMessage,
} from '../../firmware/core/protocol/index';
import type { Clock, Config, ConfigValue, Platform, SampleSource, SerialPort, TimerHandle } from '../../firmware/platform/interfaces';
import { nodeCrypto } from '../../sim/platform/crypto';
import { SimModelStorage, simModelStorage } from '../../sim/platform/flash';

export class ManualClock implements Clock {
  ms = 0;
  #timers: { at: number; every: number; fn: () => void; handle: object }[] = [];
  now(): number { return this.ms; }
  micros(): number { return this.ms * 1000; }
  setTimeout(fn: () => void, ms: number): TimerHandle { return this.#add(fn, ms, 0); }
  setInterval(fn: () => void, ms: number): TimerHandle { return this.#add(fn, ms, Math.max(1, ms)); }
  clear(handle: TimerHandle): void { this.#timers = this.#timers.filter((t) => t.handle !== handle); }
  advance(ms: number): void {
    const end = this.ms + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.ms = Math.max(this.ms, due.at);
      if (due.every) due.at += due.every; else this.clear(due.handle);
      due.fn();
    }
    this.ms = end;
  }
  #add(fn: () => void, ms: number, every: number): TimerHandle {
    const handle = {};
    this.#timers.push({ at: this.ms + Math.max(0, ms), every, fn, handle });
    return handle;
  }
}

/** A sensor the test drives: feed() delivers frames (the clock advances by 1/rate each). */
export class ScriptedSensor implements SampleSource {
  readonly axes: number;
  readonly rate: number;
  readonly #clock: ManualClock;
  readonly #frame: Int16Array;
  #onFrame: ((frame: Int16Array) => void) | undefined;
  /** Frames delivered so far. */
  frames = 0;

  constructor(clock: ManualClock, axes = 3, rate = 1000) {
    this.#clock = clock;
    this.axes = axes;
    this.rate = rate;
    this.#frame = new Int16Array(axes);
  }
  get started(): boolean { return this.#onFrame !== undefined; }
  start(onFrame: (frame: Int16Array) => void): void { this.#onFrame = onFrame; }
  stop(): void { this.#onFrame = undefined; }

  /** Frames [from, to) of an interleaved recording. */
  feed(samples: Int16Array, from = 0, to = samples.length / this.axes): void {
    const a = this.axes;
    for (let f = from; f < to; f++) {
      for (let i = 0; i < a; i++) this.#frame[i] = samples[f * a + i];
      this.#clock.ms += 1000 / this.rate;
      this.frames++;
      this.#onFrame?.(this.#frame);
    }
  }
}

export class MapConfig implements Config {
  readonly values = new Map<string, ConfigValue>();
  constructor(initial: Record<string, ConfigValue> = {}) { for (const [k, v] of Object.entries(initial)) this.values.set(k, v); }
  get(key: string): ConfigValue | undefined { return this.values.get(key); }
  set(key: string, value: ConfigValue): void {
    if (key === 'sensor.rate' && (typeof value !== 'number' || value <= 0 || value > 8000)) throw new RangeError(`sensor.rate ${String(value)}`);
    this.values.set(key, value);
  }
  keys(): string[] { return [...this.values.keys()]; }
}

/** The device's end of the serial line; `toHost` collects what it writes. */
export class LoopSerial implements SerialPort {
  #receive: ((bytes: Uint8Array) => void) | undefined;
  toHost: ((bytes: Uint8Array) => void) | undefined;
  write(bytes: Uint8Array): void { this.toHost?.(bytes.slice()); }
  onReceive(callback: (bytes: Uint8Array) => void): void { this.#receive = callback; }
  /** Host → device. */
  send(bytes: Uint8Array): void { this.#receive?.(bytes); }
}

export interface TestPlatform extends Platform {
  readonly clock: ManualClock;
  readonly sensor: ScriptedSensor;
  readonly storage: SimModelStorage;
  readonly serial: LoopSerial;
  readonly config: MapConfig;
  restarts: number;
  logs: string[];
}

export function testPlatform(options: { trustedKey?: Uint8Array; storage?: SimModelStorage; slotBytes?: number } = {}): TestPlatform {
  const clock = new ManualClock();
  const p: TestPlatform = {
    clock,
    sensor: new ScriptedSensor(clock),
    storage: options.storage ?? simModelStorage({ slotBytes: options.slotBytes ?? 64 * 1024, blockSize: 1024 }),
    serial: new LoopSerial(),
    crypto: nodeCrypto,
    config: new MapConfig({ 'sensor.rate': 1000, 'sensor.scale': 1 / 16384, name: 'bench-1', 'stream.default': false }),
    device: { id: 'sim-0001', firmwareVersion: '0.1.0-test', trustedKey: options.trustedKey },
    system: {
      restart: () => { p.restarts++; },
      freeMemory: () => undefined,
      log: (m: string) => { p.logs.push(m); },
    },
    restarts: 0,
    logs: [],
  };
  return p;
}

/** The host side: encodes requests, decodes everything the device sends. */
export class TestHost {
  readonly platform: TestPlatform;
  readonly received: { frame: Omit<Frame, 'payload'>; message: Message }[] = [];
  readonly undecodable: number[] = [];
  readonly decoder: FrameDecoder;
  seq = 1;

  constructor(platform: TestPlatform) {
    this.platform = platform;
    this.decoder = new FrameDecoder({
      maxPayload: 0xffff,
      onFrame: (frame) => {
        try {
          this.received.push({ frame: { version: frame.version, flags: frame.flags, type: frame.type, seq: frame.seq }, message: decodeMessage(frame) });
        } catch {
          this.undecodable.push(frame.type);
        }
      },
    });
    platform.serial.toHost = (bytes) => this.decoder.push(bytes);
  }

  /** Sends raw bytes to the device. */
  sendRaw(bytes: Uint8Array): void { this.platform.serial.send(bytes); }

  /** Sends a request and returns the one response with its sequence number (the device answers synchronously). */
  request<T extends MessageTypeOf>(type: T, body: MessageBodies[T], options: { seq?: number; retry?: boolean } = {}): Message {
    const seq = options.seq ?? this.#nextSeq();
    const before = this.received.length;
    this.sendRaw(encodeMessage(type, seq, body, options.retry ? FLAG_RETRY : 0));
    const responses = this.received.slice(before).filter((r) => r.frame.type >= 0x80 && r.frame.seq === seq);
    if (responses.length !== 1) throw new Error(`expected one response to ${type} seq ${seq}, got ${responses.length}`);
    return responses[0].message;
  }

  /** A request whose response must be of `responseType`; returns its body. */
  call<T extends MessageTypeOf, R extends MessageTypeOf>(type: T, body: MessageBodies[T], responseType: R): MessageBodies[R] {
    const m = this.request(type, body);
    if (m.type !== responseType) throw new Error(`expected 0x${responseType.toString(16)}, got ${JSON.stringify(m)}`);
    return m.body as MessageBodies[R];
  }

  /** The error code of a request that must fail. */
  errorOf<T extends MessageTypeOf>(type: T, body: MessageBodies[T]): number {
    const m = this.request(type, body);
    if (m.type !== MSG.ERROR) throw new Error(`expected ERROR, got 0x${m.type.toString(16)}`);
    return m.body.code;
  }

  hello(): MessageBodies[typeof MSG.INFO] {
    return this.call(MSG.HELLO, { protocolVersion: PROTOCOL_VERSION, minProtocolVersion: 1, maxPayload: 4160 }, MSG.INFO);
  }

  events<T extends MessageTypeOf>(type: T): MessageBodies[T][] {
    return this.received.filter((r) => r.frame.type === type).map((r) => r.message.body as MessageBodies[T]);
  }

  #nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    return s;
  }
}

export interface TestDevice {
  platform: TestPlatform;
  device: Device;
  server: ProtocolServer;
  host: TestHost;
}

/** A started device with its protocol server and a host attached. */
export function startDevice(platform: TestPlatform, options: { device?: DeviceOptions; server?: ProtocolServerOptions } = {}): TestDevice {
  const device = new Device(platform, options.device);
  const host = new TestHost(platform);
  const server = new ProtocolServer(device, options.server);
  device.start();
  server.start();
  return { platform, device, server, host };
}
