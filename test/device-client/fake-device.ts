// A scripted fake device: a Transport whose answers a test writes by hand (for behaviours the
// simulated firmware does not produce on demand: refusals, silence, malformed answers, reboots).
import { FrameDecoder, MSG, decodeMessage, encodeMessage, encodeFrame } from '../../firmware/core/protocol/index';
import type { Message, MessageBodies, MessageTypeOf } from '../../firmware/core/protocol/index';
import { DeviceClient, DeviceClientOptions } from '../../host/device/client';
import type { Transport } from '../../host/device/transport';

export type Handler = (request: Message, seq: number, fake: FakeDevice) => void;

export class FakeDevice implements Transport {
  readonly name = 'fake';
  readonly requests: Message[] = [];
  handler: Handler;
  #data = new Set<(b: Uint8Array) => void>();
  #close = new Set<(e?: Error) => void>();
  #closed = false;
  readonly #decoder = new FrameDecoder({
    maxPayload: 0xffff,
    onFrame: (frame) => {
      const m = decodeMessage(frame);
      this.requests.push(m);
      const seq = frame.seq;
      queueMicrotask(() => this.handler(m, seq, this));
    },
  });

  constructor(handler: Handler) { this.handler = handler; }

  write(bytes: Uint8Array): void { if (!this.#closed) this.#decoder.push(bytes); }
  onData(cb: (b: Uint8Array) => void) { this.#data.add(cb); return () => { this.#data.delete(cb); }; }
  onClose(cb: (e?: Error) => void) { this.#close.add(cb); return () => { this.#close.delete(cb); }; }
  async close(): Promise<void> { this.drop(); }

  /** The link goes away (unplugged). */
  drop(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const cb of [...this.#close]) cb(error);
  }

  send<T extends MessageTypeOf>(type: T, seq: number, body: MessageBodies[T]): void {
    this.raw(encodeMessage(type, seq, body));
  }
  /** A frame with any payload (malformed answers). */
  sendRaw(type: number, seq: number, payload: Uint8Array): void { this.raw(encodeFrame(type, seq, payload)); }
  raw(bytes: Uint8Array): void {
    if (this.#closed) return;
    const copy = bytes.slice();
    for (const cb of [...this.#data]) cb(copy);
  }
  error(seq: number, code: number, requestType: number, message = ''): void {
    this.send(MSG.ERROR, seq, { code, requestType, message } as MessageBodies[typeof MSG.ERROR]);
  }

  client(options: DeviceClientOptions = {}): DeviceClient {
    return new DeviceClient(this, { timeoutMs: 50, retries: 1, ...options });
  }
}
