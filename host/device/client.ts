// DeviceClient: requests and responses over a Transport (docs/serial-protocol.md). Each request
// gets a sequence number; a response with that number (its type, or ERROR) settles it. A
// request not answered in `timeoutMs` is sent again with the same number and FLAG_RETRY (the
// device answers a repeated request from its one-entry cache), `retries` times. Events (RESULT,
// SAMPLE_DATA, LOG) are emitted as 'result', 'sample', 'log'.
import { EventEmitter } from 'node:events';
import {
  FLAG_RETRY, FrameDecoder, FrameError, MSG, Message, MessageBodies, MessageTypeOf, PROTOCOL_VERSION,
  answers, decodeMessage, encodeMessage, errorCodeName, isEventType, messageTypeName, nextSeq,
} from '../../firmware/core/protocol/index';
import type {
  ActiveModel, ConfigEntry, ConfigValue, Info, Log, ModelBegin, ModelBeginAck, ModelChunkAck, ModelEndResult, PredictResult, Result,
  SampleData, SampleStarted, StatsReport, Stream,
} from '../../firmware/core/protocol/index';
import type { Transport } from './transport';

/** The lowest protocol version this client speaks. */
export const MIN_PROTOCOL_VERSION = 1;
/** Largest payload the host accepts (it can buffer any frame). */
export const HOST_MAX_PAYLOAD = 0xffff;

/** The device answered ERROR: `code` is its error code (ErrorCode), `message` its sentence. */
export class DeviceError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly requestType: number;
  readonly deviceMessage: string;
  constructor(code: number, requestType: number, deviceMessage: string) {
    super(`the device refused ${messageTypeName(requestType)}: ${errorCodeName(code)}${deviceMessage ? ` (${deviceMessage})` : ''}`);
    this.name = 'DeviceError';
    this.code = code;
    this.codeName = errorCodeName(code);
    this.requestType = requestType;
    this.deviceMessage = deviceMessage;
  }
}

/** No answer after every retry. */
export class DeviceTimeoutError extends Error {
  readonly requestType: number;
  readonly attempts: number;
  constructor(port: string, requestType: number, attempts: number, timeoutMs: number) {
    super(`the device on ${port} is not answering: ${messageTypeName(requestType)} sent ${attempts} time${attempts === 1 ? '' : 's'}, ${timeoutMs} ms each, no answer (is it powered, running edgeml firmware, at the right port?)`);
    this.name = 'DeviceTimeoutError';
    this.requestType = requestType;
    this.attempts = attempts;
  }
}

/** The device speaks no protocol version this client speaks. */
export class ProtocolMismatchError extends Error {
  readonly deviceVersion: number;
  constructor(deviceVersion: number) {
    super(`protocol version mismatch: the device speaks version ${deviceVersion}, this edgeml speaks ${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION}; update the ${deviceVersion > PROTOCOL_VERSION ? 'host (edgeml)' : 'firmware'}`);
    this.name = 'ProtocolMismatchError';
    this.deviceVersion = deviceVersion;
  }
}

/** The device answered something the protocol does not allow (an undecodable or mistyped answer, an impossible value). */
export class ProtocolViolationError extends Error {
  constructor(detail: string) {
    super(`the device broke the protocol: ${detail} (is it running a compatible edgeml firmware?)`);
    this.name = 'ProtocolViolationError';
  }
}

/** The request was given up by its AbortSignal or because the client closed. */
export class RequestAbortedError extends Error {
  constructor(message = 'the request was aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Retransmissions after the first send (default: the client's). */
  retries?: number;
  signal?: AbortSignal;
}

export interface DeviceClientOptions {
  /** Default per-attempt timeout (default 1000 ms). */
  timeoutMs?: number;
  /** Default retransmissions (default 3). */
  retries?: number;
  /** First sequence number (default random, so that a restarted host does not reuse a recent one). */
  firstSeq?: number;
}

/** Traffic counters since the client was made. */
export interface ClientCounters {
  bytesOut: number;
  bytesIn: number;
  requests: number;
  retransmissions: number;
  responses: number;
  events: number;
  /** Received frames that failed their checks (FrameDecoder errors). */
  badFrames: number;
  /** Responses nobody waited for (late answers to an abandoned request). */
  stray: number;
}

interface Pending {
  type: number;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
}

export interface DeviceClientEvents {
  result: [Result];
  sample: [SampleData];
  log: [Log];
  frameError: [FrameError];
  close: [Error | undefined];
}

/** A typed value for CONFIG_SET from a string the user typed, given the key's current type. */
export function parseConfigValue(text: string, like?: ConfigValue['type']): ConfigValue {
  const type = like ?? (/^(true|false)$/.test(text) ? 'bool' : /^-?\d+$/.test(text) ? 'i32' : /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(text) ? 'f64' : 'string');
  switch (type) {
    case 'bool':
      if (!/^(true|false|1|0|on|off)$/.test(text)) throw new RangeError(`"${text}" is not a boolean (true/false)`);
      return { type, value: /^(true|1|on)$/.test(text) };
    case 'i32': {
      const n = Number(text);
      if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new RangeError(`"${text}" is not a 32-bit integer`);
      return { type, value: n };
    }
    case 'f64': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new RangeError(`"${text}" is not a number`);
      return { type, value: n };
    }
    case 'bytes':
      if (!/^([0-9a-f]{2})*$/i.test(text)) throw new RangeError(`"${text}" is not hex bytes`);
      return { type, value: Uint8Array.from(Buffer.from(text, 'hex')) };
    default:
      return { type: 'string', value: text };
  }
}

/** A plain JS value of a config entry (bytes as hex). */
export function configValueToJs(v: ConfigValue): boolean | number | string {
  return v.type === 'bytes' ? Buffer.from(v.value).toString('hex') : v.value;
}

export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  readonly transport: Transport;
  readonly counters: ClientCounters = { bytesOut: 0, bytesIn: 0, requests: 0, retransmissions: 0, responses: 0, events: 0, badFrames: 0, stray: 0 };
  /** INFO from the last hello(). */
  lastInfo: Info | undefined;
  readonly #decoder: FrameDecoder;
  readonly #pending = new Map<number, Pending>();
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #unsubscribe: (() => void)[] = [];
  #seq: number;
  #closed = false;

  constructor(transport: Transport, options: DeviceClientOptions = {}) {
    super();
    this.transport = transport;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#retries = options.retries ?? 3;
    this.#seq = (options.firstSeq ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
    this.#decoder = new FrameDecoder({
      maxPayload: HOST_MAX_PAYLOAD,
      onFrame: (frame) => {
        const p = isEventType(frame.type) ? undefined : this.#pending.get(frame.seq);
        if (p && (frame.type === MSG.ERROR || answers(p.type, frame.type) || frame.type >= 0x80)) {
          // an answer to a pending request (its sequence number, a response type): it settles it
          this.counters.responses++;
          this.#pending.delete(frame.seq);
          if (!answers(p.type, frame.type)) {
            p.reject(new ProtocolViolationError(`${messageTypeName(frame.type)} answered ${messageTypeName(p.type)}`));
            return;
          }
          let m: Message;
          try {
            m = decodeMessage(frame);
          } catch (e) {
            if (p.type === MSG.HELLO && frame.type === MSG.INFO && frame.payload.length >= 2) {
              // INFO's first field keeps its place in every version: a newer device is a mismatch
              const version = frame.payload[0]! | (frame.payload[1]! << 8);
              if (version > PROTOCOL_VERSION) { p.reject(new ProtocolMismatchError(version)); return; }
            }
            p.reject(new ProtocolViolationError(`its ${messageTypeName(frame.type)} answer to ${messageTypeName(p.type)} does not decode (${(e as Error).message})`));
            return;
          }
          p.resolve(m);
          return;
        }
        let m: Message;
        try {
          m = decodeMessage(frame);
        } catch {
          this.counters.badFrames++;
          return;
        }
        if (isEventType(frame.type)) {
          this.counters.events++;
          if (m.type === MSG.RESULT) this.emit('result', m.body);
          else if (m.type === MSG.SAMPLE_DATA) this.emit('sample', { ...m.body, samples: m.body.samples.slice() });
          else if (m.type === MSG.LOG) this.emit('log', m.body);
          return;
        }
        this.counters.stray++;
      },
      onError: (e) => {
        this.counters.badFrames++;
        if (this.listenerCount('frameError') > 0) this.emit('frameError', e);
      },
    });
    this.#unsubscribe.push(transport.onData((bytes) => {
      this.counters.bytesIn += bytes.length;
      this.#decoder.push(bytes);
    }));
    this.#unsubscribe.push(transport.onClose((err) => this.#shutdown(err ?? new RequestAbortedError(`the link to ${transport.name} closed`))));
    // A lone delimiter flushes whatever partial frame the device holds from an earlier host.
    this.#write(new Uint8Array([0]));
  }

  get closed(): boolean { return this.#closed; }
  /** Requests waiting for an answer. */
  get inFlight(): number { return this.#pending.size; }

  #write(bytes: Uint8Array): void {
    this.counters.bytesOut += bytes.length;
    this.transport.write(bytes);
  }

  #takeSeq(): number {
    let s = this.#seq;
    while (this.#pending.has(s)) s = nextSeq(s);
    this.#seq = nextSeq(s);
    return s;
  }

  /** Sends a request and resolves with its response (ERROR included: see call() for typed results). */
  request<T extends MessageTypeOf>(type: T, body: MessageBodies[T], options: RequestOptions = {}): Promise<Message> {
    if (this.#closed) return Promise.reject(new RequestAbortedError(`the link to ${this.transport.name} is closed`));
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const retries = options.retries ?? this.#retries;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new RequestAbortedError());
    const seq = this.#takeSeq();
    const frame = encodeMessage(type, seq, body);
    return new Promise<Message>((resolve, reject) => {
      let attempts = 0;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => finish(() => reject(new RequestAbortedError()));
      const finish = (then: () => void) => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(seq);
        then();
      };
      const send = () => {
        attempts++;
        try {
          if (attempts === 1) this.#write(frame);
          else {
            this.counters.retransmissions++;
            this.#write(encodeMessage(type, seq, body, FLAG_RETRY));
          }
        } catch (e) {
          finish(() => reject(e as Error));
          return;
        }
        timer = setTimeout(() => {
          if (attempts > retries) finish(() => reject(new DeviceTimeoutError(this.transport.name, type, attempts, timeoutMs)));
          else send();
        }, timeoutMs);
      };
      this.#pending.set(seq, {
        type,
        resolve: (m) => finish(() => resolve(m)),
        reject: (e) => finish(() => reject(e)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.counters.requests++;
      send();
    });
  }

  /** A request whose answer must be `responseType`; ERROR becomes DeviceError. */
  async call<T extends MessageTypeOf, R extends MessageTypeOf>(type: T, body: MessageBodies[T], responseType: R, options?: RequestOptions): Promise<MessageBodies[R]> {
    const m = await this.request(type, body, options);
    if (m.type === MSG.ERROR) throw new DeviceError(m.body.code, m.body.requestType, m.body.message);
    if (m.type !== responseType) throw new Error(`unexpected answer ${messageTypeName(m.type)} to ${messageTypeName(type)}`);
    return m.body as MessageBodies[R];
  }

  /** HELLO: the device's description; throws ProtocolMismatchError when no common version. */
  async hello(options?: RequestOptions): Promise<Info> {
    const info = await this.call(MSG.HELLO, { protocolVersion: PROTOCOL_VERSION, minProtocolVersion: MIN_PROTOCOL_VERSION, maxPayload: HOST_MAX_PAYLOAD }, MSG.INFO, options);
    if (info.protocolVersion < MIN_PROTOCOL_VERSION || info.protocolVersion > PROTOCOL_VERSION) throw new ProtocolMismatchError(info.protocolVersion);
    this.lastInfo = info;
    return info;
  }

  /** INFO again (HELLO is idempotent). */
  info(options?: RequestOptions): Promise<Info> { return this.hello(options); }

  /** One inference on `input`: int8/int16 quantized values, or float32 real values the device quantizes. */
  predict(input: Int8Array | Int16Array | Float32Array, options?: RequestOptions): Promise<PredictResult> {
    return this.call(MSG.PREDICT, { input }, MSG.PREDICT_RESULT, options);
  }

  /** Turns RESULT events on or off; resolves with the state in effect. */
  stream(enabled: boolean, includeScores = false, options?: RequestOptions): Promise<Stream> {
    return this.call(MSG.STREAM, { enabled, includeScores }, MSG.STREAM_STATE, options);
  }

  /** Starts capturing `windows` raw windows (SAMPLE_DATA events, then a SAMPLE_DONE log). */
  sample(windows: number, options?: RequestOptions): Promise<SampleStarted> {
    return this.call(MSG.SAMPLE, { windows }, MSG.SAMPLE_STARTED, options);
  }

  stats(reset = false, options?: RequestOptions): Promise<StatsReport> {
    return this.call(MSG.STATS, { reset }, MSG.STATS_REPORT, options);
  }

  /** Every key (no key) or one. */
  async configGet(key = '', options?: RequestOptions): Promise<ConfigEntry[]> {
    return [...(await this.call(MSG.CONFIG_GET, { key }, MSG.CONFIG_VALUES, options)).entries];
  }

  /** Sets one key; resolves with the entry as now stored. */
  async configSet(key: string, value: ConfigValue, options?: RequestOptions): Promise<ConfigEntry> {
    return (await this.call(MSG.CONFIG_SET, { key, value }, MSG.CONFIG_SET_VALUES, options)).entries[0]!;
  }

  rollback(options?: RequestOptions): Promise<ActiveModel> {
    return this.call(MSG.ROLLBACK, {}, MSG.ROLLED_BACK, options);
  }

  /** Activates a verified slot (default: the one the last MODEL_END verified). */
  activate(slot = 0xff, force = false, options?: RequestOptions): Promise<ActiveModel> {
    return this.call(MSG.ACTIVATE, { slot, force }, MSG.ACTIVATED, options);
  }

  restart(delayMs = 100, options?: RequestOptions): Promise<void> {
    return this.call(MSG.RESTART, { delayMs }, MSG.RESTARTING, options).then(() => undefined);
  }

  modelBegin(begin: ModelBegin, options?: RequestOptions): Promise<ModelBeginAck> {
    return this.call(MSG.MODEL_BEGIN, begin, MSG.MODEL_BEGIN_ACK, options);
  }

  modelChunk(offset: number, data: Uint8Array, options?: RequestOptions): Promise<ModelChunkAck> {
    return this.call(MSG.MODEL_CHUNK, { offset, data }, MSG.MODEL_CHUNK_ACK, options);
  }

  modelEnd(options?: RequestOptions): Promise<ModelEndResult> {
    return this.call(MSG.MODEL_END, {}, MSG.MODEL_END_RESULT, options);
  }

  #shutdown(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#unsubscribe.splice(0)) u();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
    this.emit('close', error instanceof RequestAbortedError ? undefined : error);
  }

  /** Fails pending requests and closes the transport. */
  async close(): Promise<void> {
    this.#shutdown(new RequestAbortedError('the client was closed'));
    await this.transport.close();
  }
}
