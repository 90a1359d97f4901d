// The simulator's Network (firmware/platform/network.ts) as it runs INSIDE XS: opening,
// publishing and subscribing go to the Node host through the bridge (mqtt-wire.ts), where one
// MQTT.js client per device holds a real TCP connection to the broker (mqtt-bridge.ts); what
// the broker does arrives when poll() runs at the start of each crank. The host reconnects
// and enforces maxMessage. No Node APIs here.
import type { MqttConnectOptions, MqttPublishOptions, MqttSession, Network } from '../../firmware/platform/network';
import { MqttEvent, MqttOp, decodeEvents, encodeOpen, encodePublish } from './mqtt-wire';
import { encodeUtf8 } from './protocol';

type Rpc = (op: number, ...parts: (Uint8Array | number[])[]) => Uint8Array;

export class XsNetwork implements Network {
  readonly #rpc: Rpc;
  readonly #log: (line: string) => void;
  #session: XsSession | undefined;

  constructor(rpc: Rpc, log: (line: string) => void) {
    this.#rpc = rpc;
    this.#log = log;
  }

  open(options: MqttConnectOptions): MqttSession {
    if (this.#session && !this.#session.closed) throw new RangeError('a session is open already');
    const reply = this.#rpc(MqttOp.OPEN, encodeOpen({
      clientId: options.clientId, keepAliveSeconds: options.keepAliveSeconds, willTopic: options.will.topic, willRetain: options.will.retain,
    }, options.will.payload));
    const maxMessage = (reply[0] | (reply[1] << 8) | (reply[2] << 16) | (reply[3] << 24)) >>> 0;
    this.#session = new XsSession(this.#rpc, maxMessage);
    return this.#session;
  }

  /** Delivers what the broker did since the last crank. Never throws. */
  poll(): void {
    const s = this.#session;
    if (!s || s.closed) return;
    try {
      s.deliver(this.#rpc(MqttOp.POLL));
    } catch (e) {
      this.#log(`mqtt bridge: ${String(e)}`);
    }
  }
}

class XsSession implements MqttSession {
  readonly maxMessage: number;
  readonly #rpc: Rpc;
  #connected = false;
  closed = false;
  #onConnect: () => void = () => {};
  #onMessage: (topic: string, payload: Uint8Array) => void = () => {};
  #onDisconnect: (reason: string) => void = () => {};

  constructor(rpc: Rpc, maxMessage: number) {
    this.#rpc = rpc;
    this.maxMessage = maxMessage;
  }

  get connected(): boolean { return this.#connected; }

  publish(topic: string, payload: Uint8Array, options?: MqttPublishOptions): boolean {
    if (!this.#connected) return false;
    return this.#rpc(MqttOp.PUBLISH, encodePublish(topic, payload, options?.retain === true))[0] === 1;
  }

  subscribe(filter: string): void {
    if (this.#connected) this.#rpc(MqttOp.SUBSCRIBE, encodeUtf8(filter));
  }

  onConnect(callback: () => void): void { this.#onConnect = callback; }
  onMessage(callback: (topic: string, payload: Uint8Array) => void): void { this.#onMessage = callback; }
  onDisconnect(callback: (reason: string) => void): void { this.#onDisconnect = callback; }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#connected = false;
    this.#rpc(MqttOp.CLOSE);
  }

  deliver(bytes: Uint8Array): void {
    for (const e of decodeEvents(bytes)) {
      if (this.closed) return;
      if (e.kind === MqttEvent.CONNECT) {
        this.#connected = true;
        this.#onConnect();
      } else if (e.kind === MqttEvent.MESSAGE) {
        if (this.#connected) this.#onMessage(e.text, e.payload);
      } else if (e.kind === MqttEvent.DISCONNECT && this.#connected) {
        this.#connected = false;
        this.#onDisconnect(e.text);
      }
    }
  }
}
