// The MQTT link on a board: Moddable's legacy `mqtt` client (QoS 0, whole messages in RAM, no
// automatic reconnection). A session makes a new Client after every loss, with exponential
// backoff (1 s doubling to 60 s), until close(). The broker comes from the configuration:
// `mqtt.url` (mqtt[s]://[user:password@]host[:port]) or `mqtt.host` and `mqtt.port`, with
// `mqtt.username` / `mqtt.password`; `mqtt.maxMessage` bounds incoming messages (default 4096,
// at most 8000: the agent's responses follow it, and lwIP refuses a write larger than its 8 KB
// send buffer, CONFIG_LWIP_TCP_SND_BUF_DEFAULT).
// mqtts:// runs over Moddable's SecureSocket (TLS 1.2), verifying the broker against the DER
// CA certificate that `mqtt.ca` names among the firmware's resources.
import Client from 'mqtt';
import Resource from 'Resource';
import SecureSocket from 'securesocket';
import Timer from 'timer';
import type { Config, System } from '../interfaces';
import type { MqttConnectOptions, MqttPublishOptions, MqttSession, Network } from '../network';

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60000;
const DEFAULT_MAX_MESSAGE = 4096;
const MAX_MESSAGE = 8000;
const TLS_1_2 = 0x0303;

export interface Broker {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  /** TLS (mqtts://). */
  readonly secure?: boolean;
  /** Resource name of the DER CA certificate the broker's chain must end in. */
  readonly ca?: string;
}

/** The broker the configuration names, or undefined. Throws RangeError for a URL it cannot use. */
export function brokerFromConfig(config: Config): Broker | undefined {
  const str = (key: string): string | undefined => {
    const v = config.get(key);
    return typeof v === 'string' && v.length > 0 ? v : undefined;
  };
  const port = config.get('mqtt.port');
  const fromConfig = { username: str('mqtt.username'), password: str('mqtt.password'), ca: str('mqtt.ca') };
  const url = str('mqtt.url');
  if (url) return { ...fromConfig, ...parseBrokerUrl(url) };
  const host = str('mqtt.host');
  if (!host) return undefined;
  return { ...fromConfig, host, port: typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : 1883 };
}

/** mqtt[s]://[user[:password]@]host[:port] (default port 1883, or 8883 for mqtts). */
export function parseBrokerUrl(url: string): Broker {
  const m = /^mqtt(s?):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (!m) throw new RangeError(`mqtt.url ${url}: mqtt[s]://[user[:password]@]host[:port]`);
  const secure = m[1] === 's';
  const port = m[5] ? Number(m[5]) : secure ? 8883 : 1883;
  if (port < 1 || port > 65535) throw new RangeError(`mqtt.url ${url}: port ${port}`);
  const out: { host: string; port: number; username?: string; password?: string; secure?: boolean } = { host: m[4], port };
  if (secure) out.secure = true;
  if (m[2]) out.username = decodeURIComponent(m[2]);
  if (m[3]) out.password = decodeURIComponent(m[3]);
  return out;
}

export class ModdableNetwork implements Network {
  readonly #config: Config;
  readonly #system: System;

  constructor(config: Config, system: System) {
    this.#config = config;
    this.#system = system;
  }

  open(options: MqttConnectOptions): MqttSession {
    const broker = brokerFromConfig(this.#config);
    if (!broker) throw new RangeError('no broker configured (mqtt.url or mqtt.host)');
    if (broker.secure && !(broker.ca && Resource.exists(broker.ca))) {
      throw new RangeError(`mqtts needs mqtt.ca: the name of a DER CA certificate among the firmware's resources${broker.ca ? ` (no resource ${broker.ca})` : ''}`);
    }
    const max = this.#config.get('mqtt.maxMessage');
    const maxMessage = typeof max === 'number' && Number.isInteger(max) && max >= 256 && max <= MAX_MESSAGE ? max : DEFAULT_MAX_MESSAGE;
    return new ModdableSession(broker, options, maxMessage, this.#system);
  }
}

class ModdableSession implements MqttSession {
  readonly maxMessage: number;
  /** Messages dropped for being larger than maxMessage. */
  dropped = 0;
  readonly #broker: Broker;
  readonly #options: MqttConnectOptions;
  readonly #system: System;
  #client: Client | undefined;
  #connected = false;
  #closed = false;
  #backoff = FIRST_BACKOFF_MS;
  #retry: Timer | undefined;
  #onConnect: () => void = () => {};
  #onMessage: (topic: string, payload: Uint8Array) => void = () => {};
  #onDisconnect: (reason: string) => void = () => {};

  constructor(broker: Broker, options: MqttConnectOptions, maxMessage: number, system: System) {
    this.#broker = broker;
    this.#options = options;
    this.maxMessage = maxMessage;
    this.#system = system;
    this.#connect();
  }

  get connected(): boolean { return this.#connected; }

  publish(topic: string, payload: Uint8Array, options?: MqttPublishOptions): boolean {
    const client = this.#client;
    if (!client || !this.#connected) return false;
    try {
      client.publish(topic, toBuffer(payload), options && options.retain ? { retain: true } : undefined);
      return true;
    } catch {
      return false;
    }
  }

  subscribe(filter: string): void {
    if (this.#client && this.#connected) this.#client.subscribe(filter);
  }

  onConnect(callback: () => void): void { this.#onConnect = callback; }
  onMessage(callback: (topic: string, payload: Uint8Array) => void): void { this.#onMessage = callback; }
  onDisconnect(callback: (reason: string) => void): void { this.#onDisconnect = callback; }

  close(): void {
    this.#closed = true;
    if (this.#retry) Timer.clear(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    if (client) client.close();
  }

  #connect(): void {
    this.#retry = undefined;
    if (this.#closed) return;
    const o = this.#options;
    const b = this.#broker;
    let client: Client;
    try {
      client = new Client({
        host: b.host, port: b.port, id: o.clientId, user: b.username, password: b.password,
        will: { topic: o.will.topic, message: toBuffer(o.will.payload), retain: o.will.retain },
        timeout: o.keepAliveSeconds * 1000,
        ...(b.secure && b.ca ? { Socket: SecureSocket, secure: { protocolVersion: TLS_1_2, certificate: new Resource(b.ca) } } : {}),
      });
    } catch (e) {
      this.#lost(`connect: ${String(e)}`);
      return;
    }
    this.#client = client;
    client.onReady = () => {
      if (this.#client !== client) return;
      this.#connected = true;
      this.#backoff = FIRST_BACKOFF_MS;
      this.#onConnect();
    };
    client.onMessage = (topic, payload) => {
      if (this.#client !== client) return;
      if (payload.byteLength > this.maxMessage) {
        this.dropped++;
        return;
      }
      this.#onMessage(topic, new Uint8Array(payload));
    };
    client.onClose = () => {
      if (this.#client === client) this.#lost('connection closed');
    };
  }

  #lost(reason: string): void {
    const was = this.#connected;
    this.#connected = false;
    this.#client = undefined;
    if (this.#closed) return;
    if (was) this.#onDisconnect(reason);
    else this.#system.log(`edgeml: mqtt: ${reason}; retry in ${this.#backoff} ms`);
    this.#retry = Timer.set(() => this.#connect(), this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
  }
}

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}
