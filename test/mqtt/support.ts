// Helpers for the device-side MQTT tests: the embedded broker on a free loopback port, a host
// client that records what it hears, a simulated device on that broker, and a minimal chunk
// server (the host side of an OTA download, in a few lines: the product's is host/fleet).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeChunkRequest, deviceTopics, matchesPrefix, encodeChunk, encodeOffer, forceSignedBytes, type DeviceTopics, type Offer } from '../../firmware/core/fleet';
import { startBroker, type RunningBroker } from '../../host/broker/broker';
import { installModel } from '../../sim/device/fleet';
import type { BrokerOptions } from '../../sim/device/mqtt-bridge';
import { SimulatedDevice, type SimulatedDeviceOptions } from '../../sim/device/simulated-device';
import { sha256 } from '../device/packages';
import type { Signer } from '../../host/package/encode';

export { startBroker, type RunningBroker };

export interface Heard { topic: string; payload: Buffer; at: number }

/** A host MQTT client that keeps every message it hears. */
export class HostClient {
  readonly heard: Heard[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => { this.heard.push({ topic, payload, at: performance.now() }); });
  }

  static async connect(url: string, clientId: string): Promise<HostClient> {
    const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
    return new HostClient(client);
  }

  async subscribe(filter: string): Promise<void> { await this.client.subscribeAsync(filter, { qos: 0 }); }

  async publish(topic: string, payload: Uint8Array, retain = false): Promise<void> {
    await this.client.publishAsync(topic, Buffer.from(payload), { qos: retain ? 1 : 0, retain });
  }

  on(topic: string): Heard[] { return this.heard.filter((h) => h.topic === topic); }

  /** Waits until `predicate` holds (checked every 20 ms). */
  async until<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 15000): Promise<T> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v;
      if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> { return this.client.endAsync(true); }
}

export interface MqttDevice { device: SimulatedDevice; topics: DeviceTopics }

/** A simulated device on `broker`, running in real time, with `model` installed over serial first. */
export async function startDevice(
  broker: RunningBroker, id: string, options: SimulatedDeviceOptions & { model?: Uint8Array; bridge?: Partial<BrokerOptions> } = {},
): Promise<MqttDevice> {
  const { model, bridge, ...rest } = options;
  const dir = rest.dir ?? mkdtempSync(path.join(tmpdir(), 'edgeml-mqtt-'));
  const device = await SimulatedDevice.start({ ...rest, id, dir, broker: { url: broker.url, ...bridge } });
  device.startRealTime(5);
  if (model) await installModel(device, model);
  return { device, topics: deviceTopics('edgeml', id) };
}

export function offerOf(pkg: Uint8Array, modelVersion: number, force?: Signer): Uint8Array {
  const offer: Offer = { size: pkg.length, modelVersion, sha256: sha256(pkg) };
  return encodeOffer(force ? { ...offer, signature: force.sign(forceSignedBytes(offer)) } : offer);
}

/** Serves CHUNK_REQUESTs of `topics` from `pkg`; `hold(offset)` true leaves a request unanswered. */
export function serveChunks(host: HostClient, topics: DeviceTopics, pkg: Uint8Array, hold: (offset: number) => boolean = () => false): { requests: number[]; stop(): void } {
  const requests: number[] = [];
  const hash = sha256(pkg);
  const onMessage = (topic: string, payload: Buffer) => {
    if (topic !== topics.chunkRequest) return;
    const r = decodeChunkRequest(payload);
    if (!matchesPrefix(r.hash, hash)) return; // another package's request: another server's
    requests.push(r.offset);
    if (hold(r.offset)) return;
    void host.publish(topics.chunk, encodeChunk({ hash: r.hash, offset: r.offset, data: pkg.subarray(r.offset, r.offset + r.length) }));
  };
  host.client.on('message', onMessage);
  return { requests, stop: () => { host.client.off('message', onMessage); } };
}
