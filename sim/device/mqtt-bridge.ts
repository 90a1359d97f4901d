// The Node half of a simulated device's MQTT link: one real MQTT.js client (a TCP or TLS
// connection to the broker) per device, driven by the firmware's bridge ops (mqtt-wire.ts).
// Like the board's client it speaks QoS 0 and drops incoming messages larger than maxMessage
// (counted); unlike it, MQTT.js reconnects by itself (every second), which stands in for the
// board network's backoff. drop() kills the TCP connection without DISCONNECT, as a power cut
// does, so the broker publishes the device's last will.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { MqttEvent, MqttOp, decodeOpen, decodePublish, encodeEvent } from './mqtt-wire';
import { decodeUtf8 } from './protocol';

export interface BrokerOptions {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  username?: string;
  password?: string;
  /** TLS: CA certificate(s) (PEM), client certificate and key, and whether to check the server. */
  ca?: string | Buffer | string[] | Buffer[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** Topic prefix (device config `mqtt.prefix`; default edgeml). */
  prefix?: string;
  /** MQTT client id (device config `mqtt.clientId`; default: the device id). */
  clientId?: string;
  /** Largest incoming message the device accepts (default 4096). */
  maxMessage?: number;
  /** Milliseconds between reconnection attempts (default 1000). */
  reconnectMs?: number;
}

export interface MqttBridgeStats {
  /** Incoming messages dropped for being larger than maxMessage. */
  dropped: number;
  received: number;
  published: number;
  connects: number;
}

export const DEFAULT_MAX_MESSAGE = 4096;

export class MqttBridge {
  readonly options: BrokerOptions;
  readonly maxMessage: number;
  readonly stats: MqttBridgeStats = { dropped: 0, received: 0, published: 0, connects: 0 };
  #client: MqttClient | undefined;
  #events: Uint8Array[] = [];

  constructor(options: BrokerOptions) {
    this.options = options;
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
  }

  /** True while a client is connected to the broker. */
  get connected(): boolean { return this.#client?.connected === true; }

  /** Serves one bridge op from XS; `off` is true once the power failed (nothing leaves the chip). */
  handle(op: number, body: Uint8Array, off: boolean): Uint8Array | undefined {
    switch (op) {
      case MqttOp.OPEN: {
        const { request, will } = decodeOpen(body);
        this.#open(request.clientId, request.keepAliveSeconds, { topic: request.willTopic, payload: Buffer.from(will), retain: request.willRetain });
        const m = this.maxMessage;
        return new Uint8Array([m & 0xff, (m >>> 8) & 0xff, (m >>> 16) & 0xff, m >>> 24]);
      }
      case MqttOp.PUBLISH: {
        const c = this.#client;
        if (off || !c || !c.connected) return new Uint8Array([0]);
        const { topic, payload, retain } = decodePublish(body);
        c.publish(topic, Buffer.from(payload), { qos: 0, retain });
        this.stats.published++;
        return new Uint8Array([1]);
      }
      case MqttOp.SUBSCRIBE:
        if (!off) this.#client?.subscribe(decodeUtf8(body), { qos: 0 });
        return undefined;
      case MqttOp.CLOSE:
        this.#end(false);
        return undefined;
      case MqttOp.POLL: {
        const events = this.#events;
        this.#events = [];
        return Buffer.concat(events);
      }
      default:
        throw new RangeError(`unknown MQTT bridge op ${op}`);
    }
  }

  /** Kills the connection without DISCONNECT (power cut, reboot): the broker sends the will. */
  drop(): void {
    this.#end(true);
    this.#events = [];
  }

  /** Breaks the connection as a network failure would: the device sees a disconnect, and
   * MQTT.js reconnects after `reconnectMs`. */
  interrupt(): void {
    this.#client?.stream.destroy();
  }

  close(): void {
    this.#end(true);
  }

  #open(clientId: string, keepAliveSeconds: number, will: { topic: string; payload: Buffer; retain: boolean }): void {
    this.#end(true);
    const o = this.options;
    const options: IClientOptions = {
      clientId: o.clientId ?? clientId,
      keepalive: keepAliveSeconds,
      clean: true,
      reconnectPeriod: o.reconnectMs ?? 1000,
      connectTimeout: 5000,
      resubscribe: false, // the firmware subscribes on every connection, as on a board
      will: { topic: will.topic, payload: will.payload, qos: 0, retain: will.retain },
      username: o.username,
      password: o.password,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      rejectUnauthorized: o.rejectUnauthorized,
    };
    const client = mqtt.connect(o.url, options);
    this.#client = client;
    client.on('connect', () => {
      if (this.#client !== client) return;
      this.stats.connects++;
      this.#events.push(encodeEvent(MqttEvent.CONNECT, ''));
    });
    client.on('close', () => {
      if (this.#client === client) this.#events.push(encodeEvent(MqttEvent.DISCONNECT, 'connection closed'));
    });
    client.on('message', (topic, payload) => {
      if (this.#client !== client) return;
      if (payload.length > this.maxMessage) {
        this.stats.dropped++;
        return;
      }
      this.stats.received++;
      this.#events.push(encodeEvent(MqttEvent.MESSAGE, topic, payload));
    });
    client.on('error', () => { /* reconnection handles it; the firmware sees disconnects */ });
  }

  #end(abrupt: boolean): void {
    const c = this.#client;
    this.#client = undefined;
    if (c) c.end(abrupt);
  }
}
