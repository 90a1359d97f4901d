// The serial protocol over MQTT (docs/mqtt-topics.md, "Commands"): request frames go to
// <prefix>/<id>/cmd/<client>, responses and events come back on rsp/<client>. As a Transport
// it lets DeviceClient, and every command built on it, reach a device through a broker.
import type { MqttClient } from 'mqtt';
import { deviceTopics } from '../../firmware/core/fleet/index';
import { Transport, TransportError } from '../device/transport';

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
    this.name = `${deviceId} via ${brokerUrl}`;
    this.#client = client;
    this.#cmd = topics.cmd(client.options.clientId!);
    this.#rsp = topics.rsp(client.options.clientId!);
    this.#onMessage = (topic, payload) => {
      if (topic !== this.#rsp || this.#closed) return;
      const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      for (const fn of [...this.#data]) fn(bytes);
    };
  }

  /** Subscribes to the device's responses for this client before anything is sent. */
  static async open(client: MqttClient, prefix: string, deviceId: string, brokerUrl: string): Promise<MqttTransport> {
    const t = new MqttTransport(client, prefix, deviceId, brokerUrl);
    client.on('message', t.#onMessage);
    await client.subscribeAsync(t.#rsp, { qos: 0 });
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
    await this.#client.endAsync();
  }
}
