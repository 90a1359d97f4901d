// The serial protocol over MQTT (docs/mqtt-topics.md, "Commands"): request frames go to
// <prefix>/<id>/cmd/<client>, responses and events come back on rsp/<client>. As a Transport
// it lets DeviceClient, and every command built on it, reach a device through a broker.
import type { MqttClient } from 'mqtt';
import { deviceTopics } from '../../firmware/core/fleet/index';
import { Transport, TransportError } from '../device/transport';
import { closeClient, displayUrl, subscribeOrFail } from './connect';

export class MqttTransport implements Transport {
  readonly name: string;
  readonly #client: MqttClient;
  readonly #cmd: string;
  readonly #rsp: string;
  readonly #data = new Set<(bytes: Uint8Array) => void>();
  readonly #close = new Set<(error?: Error) => void>();
  readonly #onMessage: (topic: string, payload: Buffer) => void;
  #closed = false;

  private constructor(client: MqttClient, prefix: string, deviceId: string, brokerUrl: string) {
    const topics = deviceTopics(prefix, deviceId);
    this.name = `${deviceId} via ${displayUrl(brokerUrl)}`;
    this.#client = client;
    this.#cmd = topics.cmd(client.options.clientId!);
    this.#rsp = topics.rsp(client.options.clientId!);
    this.#onMessage = (topic, payload) => {
      if (topic !== this.#rsp || this.#closed) return;
      const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      for (const fn of [...this.#data]) fn(bytes);
    };
  }

  /**
   * Subscribes to the device's responses for this client before anything is sent. The client is
   * the transport's from here on: when the subscription fails it is closed and BrokerError thrown.
   */
  static async open(client: MqttClient, prefix: string, deviceId: string, brokerUrl: string): Promise<MqttTransport> {
    let t: MqttTransport;
    try {
      t = new MqttTransport(client, prefix, deviceId, brokerUrl);
      client.on('message', t.#onMessage);
      await subscribeOrFail(client, t.#rsp, 0);
    } catch (e) {
      await closeClient(client, 0);
      throw e;
    }
    return t;
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) throw new TransportError('CLOSED', this.name, `${this.name} is closed`);
    // QoS 0: the device's client takes nothing else, and DeviceClient repeats unanswered requests.
    this.#client.publish(this.#cmd, Buffer.from(bytes), { qos: 0 });
  }

  onData(callback: (bytes: Uint8Array) => void): () => void {
    this.#data.add(callback);
    return () => this.#data.delete(callback);
  }

  onClose(callback: (error?: Error) => void): () => void {
    this.#close.add(callback);
    return () => this.#close.delete(callback);
  }

  /** Stops listening and disconnects the MQTT client it was given. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.off('message', this.#onMessage);
    for (const fn of [...this.#close]) fn(undefined);
    await closeClient(this.#client);
  }
}
