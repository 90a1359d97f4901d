// Devices that are only retained messages on a broker: a STATUS (online or offline, with a
// model) and, when asked, an OTA_STATE. Nothing answers an offer for them, so a host test can
// see what the host makes of the broker's state alone, in milliseconds and without XS.
import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { deviceTopics, encodeChunkRequest, encodeOtaState, encodeStatus, fleetFilter, hashPrefix, OtaPhase, TOPIC } from '../../../firmware/core/fleet/index';
import { connectBroker } from '../../../host/fleet/connect';
import { ErrorCode, NO_SLOT, PROTOCOL_VERSION, SlotState } from '../../../firmware/core/protocol/index';
import type { FleetPackage } from '../../../host/fleet/package';

export interface GhostModel { name: string; version: number; sha256: Uint8Array }

export const modelOf = (pkg: FleetPackage): GhostModel => ({ name: pkg.name, version: pkg.version, sha256: pkg.sha256 });

/** A model that is no package at all: a name, a version and the hash of the name. */
export const fakeModel = (name: string, version: number): GhostModel => ({ name, version, sha256: new Uint8Array(createHash('sha256').update(name).digest()) });

/** The STATUS payload of a device `id`: offline, or online running `model` (or none). */
export function statusPayload(id: string, online: boolean, model?: GhostModel): Uint8Array {
  if (!online) return encodeStatus({ online: false, uptimeSeconds: 5 });
  const slot = (m: GhostModel) => ({ state: SlotState.ACTIVE, bytes: 1000, size: 1000, modelVersion: m.version, sha256: m.sha256, name: m.name });
  return encodeStatus({
    online: true, uptimeSeconds: 5,
    info: {
      protocolVersion: PROTOCOL_VERSION, formatVersion: 1, capabilities: 0, maxPayload: 4096, maxChunk: 1024, freeSlotSize: 65536,
      activeSlot: model ? 0 : NO_SLOT, firmwareVersion: 'ghost', deviceId: id, slots: model ? [slot(model)] : [],
    },
  });
}

export async function publishStatus(client: MqttClient, id: string, online: boolean, model?: GhostModel, prefix = 'edgeml'): Promise<void> {
  await client.publishAsync(deviceTopics(prefix, id).status, Buffer.from(statusPayload(id, online, model)), { qos: 1, retain: true });
}

export type PhaseName = 'DOWNLOADING' | 'ACTIVATED' | 'REFUSED' | 'FAILED';

/** An OTA_STATE about `pkg` with `code` (an error code name) and `message`. */
export function otaStatePayload(pkg: FleetPackage, phase: PhaseName, code: keyof typeof ErrorCode, message: string, activeVersion = 1): Uint8Array {
  const held = phase === 'ACTIVATED' ? pkg.size : 0;
  return encodeOtaState({ phase: OtaPhase[phase], code: ErrorCode[code], sha256: pkg.sha256, held, size: pkg.size, activeVersion, message });
}

export async function publishOtaState(client: MqttClient, id: string, payload: Uint8Array, prefix = 'edgeml'): Promise<void> {
  await client.publishAsync(deviceTopics(prefix, id).otaState, Buffer.from(payload), { qos: 1, retain: true });
}

/** Clears what a test left retained for `ids`: status, OTA state and offer. */
export async function clearGhosts(client: MqttClient, ids: readonly string[], prefix = 'edgeml'): Promise<void> {
  for (const id of ids) {
    const t = deviceTopics(prefix, id);
    for (const topic of [t.status, t.otaState, t.offer]) await client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true });
  }
}

/**
 * A device that answers offers the way a test wants and does nothing else: `onOffer` gets each
 * (non-empty) offer for `id`. Returns a function that stops it.
 */
export async function puppet(client: MqttClient, id: string, onOffer: (offer: Uint8Array) => void, prefix = 'edgeml'): Promise<() => Promise<void>> {
  const topic = deviceTopics(prefix, id).offer;
  const onMessage = (t: string, payload: Buffer) => { if (t === topic && payload.length > 0) onOffer(new Uint8Array(payload)); };
  client.on('message', onMessage);
  await client.subscribeAsync(topic, { qos: 1 });
  return async () => {
    client.off('message', onMessage);
    await client.unsubscribeAsync(topic).catch(() => undefined);
  };
}

/** What a device publishes to ask for `length` bytes at `offset` of `pkg`. */
export async function requestChunk(client: MqttClient, id: string, pkg: FleetPackage, offset: number, length: number, prefix = 'edgeml'): Promise<void> {
  const request = encodeChunkRequest({ hash: hashPrefix(pkg.sha256), offset, length });
  await client.publishAsync(deviceTopics(prefix, id).chunkRequest, Buffer.from(request), { qos: 0 });
}

/** Every retained offer on the broker: topic and size (empty ones are not retained). */
export async function retainedOffers(settings: { url: string }, prefix = 'edgeml'): Promise<string[]> {
  const spy = await connectBroker({ url: settings.url, prefix, clientId: `offers-${Math.random().toString(36).slice(2, 8)}` });
  const offers: string[] = [];
  spy.on('message', (topic, payload) => { if (payload.length > 0) offers.push(topic); });
  await spy.subscribeAsync(fleetFilter(prefix, TOPIC.OFFER));
  await new Promise((r) => setTimeout(r, 300));
  await spy.endAsync(true);
  return offers;
}
