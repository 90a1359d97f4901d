// The serial protocol server (docs/serial-protocol.md): bytes from a byte link (platform.serial
// by default; an MQTT client's cmd/rsp topics in the fleet agent) go through one FrameDecoder; every valid request is answered exactly once (its response or ERROR);
// frames with a trusted header that cannot be served get ERROR BAD_FRAME / UNKNOWN_COMMAND;
// anything else is dropped. A request with FLAG_RETRY that repeats the last one (same sequence
// number and type) is answered from a one-entry cache instead of running twice. Nothing a host
// sends can make it throw out of the serial callback.
import { ModelError } from '../../core/errors';
import {
  DEFAULT_MAX_PAYLOAD, ErrorCode, FLAG_RETRY, Frame, FrameDecoder, FrameError, LogEvent, LogLevel, MSG,
  NO_SLOT, maxWireLength, PROTOCOL_VERSION, ProtocolError, decodeMessage, encodeError, encodeMessage, isRequestType, protocolCounters, truncateUtf8,
} from '../../core/protocol/index';
import type { ConfigEntry, ConfigValue as WireValue, Info, Message, MessageBodies, MessageTypeOf } from '../../core/protocol/index';
import { ModelStoreError, equalBytes } from '../model-store/index';
import type { Activation } from '../model-store/index';
import type { ConfigValue, Platform, SerialPort } from '../../platform/interfaces';
import type { Device, InferenceResult } from './device';
import { deviceInfo } from './info';

/** Where requests come from and responses go: the serial port's shape. */
export type ByteLink = SerialPort;

export interface ProtocolServerOptions {
  /** The transport (default platform.serial). */
  readonly link?: ByteLink;
  /** Largest request payload accepted (default DEFAULT_MAX_PAYLOAD). */
  readonly maxPayload?: number;
  /** Largest MODEL_CHUNK data (default maxPayload − 4, at most 4096). */
  readonly maxChunk?: number;
  /**
   * MODEL_CHUNKs the host may have in flight (MODEL_BEGIN_ACK's window; default
   * DEFAULT_CHUNK_WINDOW), lowered so that `window` chunk frames of `maxChunk` data fit the
   * link's receive buffer (`receiveBuffer`), and at least 1.
   */
  readonly window?: number;
  /** Bytes the link holds while the device is busy (default the link's `receiveBuffer`; absent: no limit). */
  readonly receiveBuffer?: number;
  /** CONFIG keys that CONFIG_SET refuses with READ_ONLY. */
  readonly readOnlyKeys?: readonly string[];
  /**
   * Refuse FORCE on MODEL_BEGIN and ACTIVATE (NOT_SUPPORTED): for clients on the network, where
   * a downgrade takes an OTA offer whose FORCE is signed by the trusted key.
   */
  readonly refuseForce?: boolean;
  /**
   * What CONFIG_GET shows of a value: the value, another one (a URL without its password), or
   * undefined for nothing (left out of a listing; NOT_SUPPORTED when asked for by name).
   */
  readonly reveal?: (key: string, value: ConfigValue) => ConfigValue | undefined;
  /** The SIMULATOR capability. */
  readonly simulator?: boolean;
}

/** Counters the server keeps next to the decoder's (PROTOCOL_COUNTERS). */
export interface ServerCounters {
  badPayload: number;
  framesOut: number;
  bytesOut: number;
  errorsOut: number;
  retriesAnswered: number;
}

const LOG_TEXT_MAX = 1000;

/** MODEL_BEGIN_ACK's window when the link does not limit it (docs/serial-protocol.md). */
export const DEFAULT_CHUNK_WINDOW = 4;

/**
 * The window a device announces: `wanted` (1..65535), lowered to the number of MODEL_CHUNK frames
 * of `maxChunk` data bytes (their whole wire length) that fit `receiveBuffer` bytes, at least 1.
 */
export function chunkWindow(wanted: number, maxChunk: number, receiveBuffer: number | undefined): number {
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > 0xffff) throw new RangeError(`window ${wanted}: 1..65535`);
  if (receiveBuffer === undefined) return wanted;
  const fit = Math.floor(receiveBuffer / maxWireLength(4 + maxChunk));
  return fit < 1 ? 1 : fit < wanted ? fit : wanted;
}

export class ProtocolServer {
  readonly device: Device;
  readonly platform: Platform;
  readonly decoder: FrameDecoder;
  readonly counters: ServerCounters = { badPayload: 0, framesOut: 0, bytesOut: 0, errorsOut: 0, retriesAnswered: 0 };
  readonly maxPayload: number;
  readonly maxChunk: number;
  /** MODEL_CHUNKs in flight the device takes (MODEL_BEGIN_ACK's window). */
  readonly window: number;
  readonly #link: ByteLink;
  readonly #readOnly: readonly string[];
  readonly #refuseForce: boolean;
  readonly #reveal: (key: string, value: ConfigValue) => ConfigValue | undefined;
  readonly #simulator: boolean;
  /** The package this client's MODEL_BEGIN announced: its chunks go to that upload only. */
  #upload: Uint8Array | undefined;
  #hostMaxPayload = DEFAULT_MAX_PAYLOAD;
  #eventSeq = 0;
  #cache: { seq: number; type: number; bytes: Uint8Array } | undefined;
  #unsubscribe: (() => void) | undefined;
  #includeScores = false;
  #restartPending = false;
  #started = false;
  readonly #noScores = new Int32Array(0);

  constructor(device: Device, options: ProtocolServerOptions = {}) {
    this.device = device;
    this.platform = device.platform;
    this.#link = options.link ?? device.platform.serial;
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    this.maxChunk = options.maxChunk ?? Math.min(4096, this.maxPayload - 4);
    if (this.maxChunk < 1) throw new RangeError(`maxPayload ${this.maxPayload} leaves no room for chunk data`);
    this.window = chunkWindow(options.window ?? DEFAULT_CHUNK_WINDOW, this.maxChunk, options.receiveBuffer ?? this.#link.receiveBuffer);
    this.#readOnly = options.readOnlyKeys ?? [];
    this.#refuseForce = options.refuseForce === true;
    this.#reveal = options.reveal ?? ((_key, value) => value);
    this.#simulator = options.simulator === true;
    this.decoder = new FrameDecoder({
      maxPayload: this.maxPayload,
      acceptType: isRequestType,
      onFrame: (frame) => this.#onFrame(frame),
      onError: (error) => this.#onFrameError(error),
    });
  }

  /** Listens on the link and sends the BOOT log event. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#link.onReceive((bytes) => this.receive(bytes));
    const boot = this.device.bootResult;
    this.log(LogEvent.BOOT, boot && boot.model ? LogLevel.INFO : LogLevel.WARN, boot ? boot.message : 'no model');
  }

  /** Ends a STREAM this server started (a fleet client that gave its place to another). */
  stop(): void {
    this.#stopStream();
  }

  /** Feeds received bytes (what the link callback does). Never throws. */
  receive(bytes: Uint8Array): void {
    try {
      this.decoder.push(bytes);
    } catch (err) {
      // A handler failed in a way #onFrame did not catch; the rest of the chunk is dropped.
      this.platform.system.log(`edgeml: protocol: ${String(err)}`);
    }
  }

  /** Sends a LOG event. */
  log(event: number, level: number, text: string): void {
    this.#event(MSG.LOG, { level, event, timestampMs: this.#now(), text: text.length > LOG_TEXT_MAX ? text.slice(0, LOG_TEXT_MAX) : text });
  }

  #now(): number {
    const t = Math.floor(this.platform.clock.now());
    return t > 0 ? t : 0;
  }

  #send(bytes: Uint8Array): void {
    this.counters.framesOut++;
    this.counters.bytesOut += bytes.length;
    try {
      this.#link.write(bytes);
    } catch (err) {
      this.platform.system.log(`edgeml: link write failed: ${String(err)}`);
    }
  }

  #event<T extends MessageTypeOf>(type: T, body: MessageBodies[T]): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage(type, this.#eventSeq, body);
    } catch (err) {
      this.platform.system.log(`edgeml: event not sent: ${String(err)}`);
      return;
    }
    this.#eventSeq = (this.#eventSeq + 1) & 0xffff;
    this.#send(bytes);
  }

  #respond(frame: Frame, bytes: Uint8Array): void {
    this.#cache = { seq: frame.seq, type: frame.type, bytes };
    this.#send(bytes);
  }

  #error(seq: number, code: number, requestType: number, message: string): Uint8Array {
    this.counters.errorsOut++;
    return encodeError(seq, code, requestType, message);
  }

  #onFrameError(e: FrameError): void {
    if (e.seq < 0) return; // no trusted header: the host times out and retries
    if (e.kind === 'UNKNOWN_TYPE') this.#send(this.#error(e.seq, ErrorCode.UNKNOWN_COMMAND, e.type, `type 0x${e.type.toString(16)} is not a request`));
    else if (e.kind === 'BAD_VERSION' || e.kind === 'BAD_LENGTH') this.#send(this.#error(e.seq, ErrorCode.BAD_FRAME, e.type, e.kind === 'BAD_VERSION' ? 'frame version' : 'length field'));
  }

  #onFrame(frame: Frame): void {
    const cache = this.#cache;
    if ((frame.flags & FLAG_RETRY) !== 0 && cache && cache.seq === frame.seq && cache.type === frame.type) {
      this.counters.retriesAnswered++;
      this.#send(cache.bytes);
      return;
    }
    let message: Message;
    try {
      message = decodeMessage(frame);
    } catch (err) {
      this.counters.badPayload++;
      this.#respond(frame, this.#error(frame.seq, ErrorCode.BAD_ARGUMENT, frame.type, err instanceof ProtocolError ? err.message : 'bad payload'));
      return;
    }
    let response: Uint8Array;
    try {
      response = this.#handle(frame.seq, message);
    } catch (err) {
      response = this.#error(frame.seq, codeOf(err), frame.type, messageOf(err));
    }
    this.#respond(frame, response);
  }

  /** The response to one decoded request (throws for an ERROR response). */
  #handle(seq: number, m: Message): Uint8Array {
    if (this.#restartPending && m.type !== MSG.HELLO && m.type !== MSG.STATS) fail('BUSY', 'restart pending');
    const d = this.device;
    switch (m.type) {
      case MSG.HELLO: {
        const host = m.body;
        this.#hostMaxPayload = Math.max(64, Math.min(host.maxPayload, 0xffff));
        const version = Math.max(1, Math.min(PROTOCOL_VERSION, host.protocolVersion));
        return encodeMessage(MSG.INFO, seq, this.info(version));
      }
      case MSG.PREDICT: {
        const r = d.predict(m.body.input);
        const out = r.model.outputSpec;
        return encodeMessage(MSG.PREDICT_RESULT, seq, { classIndex: r.classIndex, latencyUs: r.latencyUs, scale: out.scale, zeroPoint: out.zeroPoint, scores: r.model.scores.slice() });
      }
      case MSG.STREAM: {
        const { enabled, includeScores } = m.body;
        if (enabled) {
          if (!d.model) fail('NO_MODEL', 'no active model');
          this.#includeScores = includeScores;
          if (!this.#unsubscribe) this.#unsubscribe = d.subscribe((r) => this.#onResult(r));
        } else {
          this.#stopStream();
        }
        return encodeMessage(MSG.STREAM_STATE, seq, { enabled: this.#unsubscribe !== undefined, includeScores: this.#unsubscribe !== undefined && this.#includeScores });
      }
      case MSG.SAMPLE: return this.#sample(seq, m.body.windows);
      case MSG.MODEL_BEGIN: {
        const b = m.body;
        if (b.force) this.#checkForce();
        const r = d.store.begin({ size: b.size, sha256: b.sha256, modelVersion: b.modelVersion, force: b.force, restart: b.restart });
        this.#upload = b.sha256;
        d.protocolUpload = { sha256: b.sha256, at: d.platform.clock.now() };
        return encodeMessage(MSG.MODEL_BEGIN_ACK, seq, { status: r.status, slot: r.slot, window: this.window, resumeOffset: r.resumeOffset, chunkSize: this.maxChunk });
      }
      case MSG.MODEL_CHUNK: {
        if (m.body.data.length > this.maxChunk) fail('TOO_LARGE', `chunk of ${m.body.data.length} bytes; at most ${this.maxChunk}`);
        d.protocolUpload = { sha256: this.#ownUpload(), at: d.platform.clock.now() };
        return encodeMessage(MSG.MODEL_CHUNK_ACK, seq, d.store.write(m.body.offset, m.body.data));
      }
      case MSG.MODEL_END: {
        this.#ownUpload();
        const r = d.store.end();
        return encodeMessage(MSG.MODEL_END_RESULT, seq, { code: r.code, slot: r.slot, sha256: r.sha256, modelVersion: r.modelVersion, checks: r.checks });
      }
      case MSG.ACTIVATE: {
        if (m.body.force) this.#checkForce();
        const a = d.activate(m.body.slot, m.body.force);
        this.log(LogEvent.MODEL_ACTIVATED, LogLevel.INFO, `slot ${a.slot}: ${a.name} v${a.modelVersion}; ${d.runState.message}`);
        return encodeMessage(MSG.ACTIVATED, seq, activeModel(a));
      }
      case MSG.ROLLBACK: {
        const a = d.rollback();
        this.log(LogEvent.ROLLED_BACK, LogLevel.INFO, `slot ${a.slot}: ${a.name} v${a.modelVersion}`);
        return encodeMessage(MSG.ROLLED_BACK, seq, activeModel(a));
      }
      case MSG.STATS: {
        const s = d.stats();
        const body: MessageBodies[typeof MSG.STATS_REPORT] = {
          uptimeMs: this.#now(),
          inferences: s.inferences % 4294967296,
          latencyMinUs: clampU32(s.latencyMinUs),
          latencyMeanUs: clampU32(s.latencyMeanUs),
          latencyMaxUs: clampU32(s.latencyMaxUs),
          counters: protocolCounters(this.decoder.stats, this.counters),
          // flag 1 / flag 2 only when the platform measures them (System.heap, System.computrons)
          ...(s.heap ? { heap: { used: clampU32(s.heap.used), peak: clampU32(Math.max(s.heap.used, s.heap.peak)) } } : {}),
          ...(s.computronsPerInference !== undefined ? { computronsPerInference: clampU32(s.computronsPerInference) } : {}),
        };
        if (m.body.reset) this.resetCounters();
        return encodeMessage(MSG.STATS_REPORT, seq, body);
      }
      case MSG.CONFIG_GET: return encodeMessage(MSG.CONFIG_VALUES, seq, { entries: this.#configGet(m.body.key) });
      case MSG.CONFIG_SET: return encodeMessage(MSG.CONFIG_SET_VALUES, seq, { entries: [this.#configSet(m.body)] });
      case MSG.RESTART: {
        this.#restartPending = true;
        const system = this.platform.system;
        this.platform.clock.setTimeout(() => system.restart(), m.body.delayMs);
        return encodeMessage(MSG.RESTARTING, seq, {});
      }
      default:
        return this.#error(seq, ErrorCode.UNKNOWN_COMMAND, m.type, 'not a request');
    }
  }

  /** INFO as the device would answer HELLO now. */
  info(protocolVersion = PROTOCOL_VERSION): Info {
    return deviceInfo(this.device, { maxPayload: this.maxPayload, maxChunk: this.maxChunk, simulator: this.#simulator }, protocolVersion);
  }

  resetCounters(): void {
    this.device.resetStats();
    const s = this.decoder.stats;
    s.frames = s.badCobs = s.badLength = s.badCrc = s.tooLarge = s.badVersion = s.unknownType = s.discardedBytes = s.bytes = 0;
    const c = this.counters;
    c.badPayload = c.framesOut = c.bytesOut = c.errorsOut = c.retriesAnswered = 0;
  }

  #stopStream(): void {
    if (this.#unsubscribe) this.#unsubscribe();
    this.#unsubscribe = undefined;
  }

  #onResult(r: InferenceResult): void {
    this.#event(MSG.RESULT, {
      windowSeq: r.windowSeq % 4294967296,
      timestampMs: Math.max(0, Math.floor(r.timestampMs)),
      classIndex: r.classIndex,
      confidence: r.confidence,
      latencyUs: clampU32(r.latencyUs),
      scores: this.#includeScores ? r.scores : this.#noScores,
    });
  }

  #sample(seq: number, windows: number): Uint8Array {
    const d = this.device;
    const sensor = this.platform.sensor;
    const rateHz = sensor.rate;
    const scaleValue = this.platform.config.get('sensor.scale');
    const scale = typeof scaleValue === 'number' ? scaleValue : 0;
    const perPart = Math.floor((Math.min(this.#hostMaxPayload, 0xffff) - 32) / (2 * sensor.axes));
    if (perPart < 1) fail('TOO_LARGE', 'a sample does not fit the host\'s payload');
    const c = d.capture(windows, (samples, index, windowSeq, timestampMs) => {
      const n = samples.length / c.axes;
      for (let at = 0; at < n; at += perPart) {
        const count = Math.min(perPart, n - at);
        this.#event(MSG.SAMPLE_DATA, {
          windowSeq: windowSeq % 4294967296, index, total: windows, timestampMs, rateHz, scale, axes: c.axes,
          windowSamples: n, sampleOffset: at, samples: samples.subarray(at * c.axes, (at + count) * c.axes),
        });
      }
    }, (completed) => {
      this.log(LogEvent.SAMPLE_DONE, LogLevel.INFO, `${completed} of ${windows} windows`);
    });
    if (c.samplesPerWindow > 0xffff) fail('TOO_LARGE', 'window too long');
    return encodeMessage(MSG.SAMPLE_STARTED, seq, { windows, samplesPerWindow: c.samplesPerWindow, axes: c.axes, rateHz, scale });
  }

  /** The hash of the open upload, which must be the one this client began (not another
   * client's, nor an OTA download's). */
  #ownUpload(): Uint8Array {
    const upload = this.device.store.upload;
    if (!upload) fail('NO_SESSION', 'no upload in progress (MODEL_BEGIN first)');
    if (!this.#upload || !equalBytes(upload.sha256, this.#upload)) fail('NO_SESSION', 'the open upload is not the one this link began (MODEL_BEGIN again)');
    return this.#upload;
  }

  #checkForce(): void {
    if (this.#refuseForce) fail('NOT_SUPPORTED', 'FORCE is not taken over this link: offer the package with a FORCE signed by the trusted key');
  }

  #configGet(key: string): ConfigEntry[] {
    const config = this.platform.config;
    if (key !== '') {
      const v = config.get(key);
      if (v === undefined) fail('UNKNOWN_KEY', `no key ${key}`);
      const shown = this.#reveal(key, v);
      if (shown === undefined) fail('NOT_SUPPORTED', `${key} cannot be read over this link`);
      return [{ key, value: toWire(shown) }];
    }
    const out: ConfigEntry[] = [];
    for (const k of config.keys()) {
      if (out.length === 255) break;
      const v = config.get(k);
      const shown = v === undefined ? undefined : this.#reveal(k, v);
      if (shown !== undefined && k.length > 0) out.push({ key: k, value: toWire(shown) });
    }
    return out;
  }

  #configSet(entry: ConfigEntry): ConfigEntry {
    const config = this.platform.config;
    const { key, value } = entry;
    if (this.#readOnly.includes(key)) fail('READ_ONLY', `${key} is read-only`);
    const current = config.get(key);
    if (current === undefined) fail('UNKNOWN_KEY', `no key ${key}`);
    const v = fromWire(value);
    if (typeof v !== typeof current) fail('BAD_TYPE', `${key} takes a ${typeof current}`);
    try {
      config.set(key, v);
    } catch (err) {
      if (err instanceof TypeError) fail('BAD_TYPE', err.message);
      if (err instanceof RangeError) fail('BAD_ARGUMENT', err.message);
      throw err;
    }
    const now = config.get(key);
    const shown = this.#reveal(key, now === undefined ? v : now);
    return { key, value: toWire(shown === undefined ? '***' : shown) };
  }
}

function fail(code: ConstructorParameters<typeof ModelStoreError>[0], message: string): never {
  throw new ModelStoreError(code, message);
}

function activeModel(a: Activation): MessageBodies[typeof MSG.ACTIVATED] {
  return { slot: a.slot, previousSlot: a.previousSlot === undefined ? NO_SLOT : a.previousSlot, modelVersion: a.modelVersion, sha256: a.sha256, name: truncateUtf8(a.name, 255) };
}

function codeOf(err: unknown): number {
  if (err instanceof ModelStoreError) return ErrorCode[err.code] ?? ErrorCode.INTERNAL;
  if (err instanceof ModelError) return err.code === 'BAD_ARGUMENT' ? ErrorCode.BAD_ARGUMENT : ErrorCode.BAD_PACKAGE;
  if (err instanceof ProtocolError) return err.code === 'TOO_LARGE' ? ErrorCode.TOO_LARGE : ErrorCode.INTERNAL;
  return ErrorCode.INTERNAL;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function clampU32(n: number): number {
  return n < 0 ? 0 : n > 0xffffffff ? 0xffffffff : Math.round(n);
}


function toWire(v: ConfigValue): WireValue {
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return { type: 'i32', value: v };
  return { type: 'f64', value: v };
}

function fromWire(v: WireValue): ConfigValue {
  if (v.type === 'bytes') fail('BAD_TYPE', 'byte values are not stored');
  return v.value as ConfigValue;
}
