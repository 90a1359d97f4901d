// What the fleet's retained STATUS messages say about each device: online or not, firmware,
// active model, uptime and when the host heard it. `edgeml fleet ls` and the rollout read it.
import type { MqttClient } from 'mqtt';
import { decodeStatus, FleetError, Status, TOPIC } from '../../firmware/core/fleet/index';
import { NO_SLOT } from '../../firmware/core/protocol/index';
import { FleetMessage, listen } from './messages';

export interface ActiveModelSummary { name: string; version: number; sha256: string }

export interface DeviceSummary {
  id: string;
  online: boolean;
  /** Seconds since the device booted, when it published this status. */
  uptimeSeconds: number;
  /** Online only. */
  firmwareVersion?: string;
  /** Null: no model (or offline, where STATUS carries no INFO). */
  model: ActiveModelSummary | null;
  /** When this host received the status. */
  heardAt: Date;
  /** The broker held it from before the host listened: published at an unknown earlier time. */
  retained: boolean;
  /** Set when the status did not decode; the other fields are then defaults. */
  malformed?: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function summarize(id: string, status: Status, heardAt: Date, retained: boolean): DeviceSummary {
  const info = status.info;
  const slot = info && info.activeSlot !== NO_SLOT ? info.slots[info.activeSlot] : undefined;
  return {
    id, online: status.online, uptimeSeconds: status.uptimeSeconds, heardAt, retained,
    firmwareVersion: info?.firmwareVersion,
    model: slot ? { name: slot.name, version: slot.modelVersion, sha256: hex(slot.sha256) } : null,
  };
}

/** The latest status of every device under a prefix, kept up to date while it listens. */
export class DeviceTracker {
  readonly devices = new Map<string, DeviceSummary>();
  readonly #listeners = new Set<(d: DeviceSummary) => void>();
  #stop: (() => Promise<void>) | undefined;

  static async start(client: MqttClient, prefix: string): Promise<DeviceTracker> {
    const tracker = new DeviceTracker();
    tracker.#stop = await listen(client, prefix, [TOPIC.STATUS], (m) => tracker.#onStatus(m));
    return tracker;
  }

  #onStatus(m: FleetMessage): void {
    if (m.payload.length === 0) {
      this.devices.delete(m.deviceId); // a cleared retained status: the device was removed
      return;
    }
    let d: DeviceSummary;
    try {
      d = summarize(m.deviceId, decodeStatus(m.payload), new Date(), m.retained);
    } catch (e) {
      if (!(e instanceof FleetError)) throw e;
      d = { id: m.deviceId, online: false, uptimeSeconds: 0, model: null, heardAt: new Date(), retained: m.retained, malformed: e.message };
    }
    this.devices.set(d.id, d);
    for (const fn of [...this.#listeners]) fn(d);
  }

  /** Called with every status from now on; returns an unsubscribe function. */
  onStatus(fn: (d: DeviceSummary) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Resolves with the first status of `id` that satisfies `test` (the current one included), or undefined after `timeoutMs`. */
  waitFor(id: string, test: (d: DeviceSummary) => boolean, timeoutMs: number): Promise<DeviceSummary | undefined> {
    const now = this.devices.get(id);
    if (now && test(now)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { off(); resolve(undefined); }, timeoutMs);
      const off = this.onStatus((d) => {
        if (d.id === id && test(d)) { clearTimeout(timer); off(); resolve(d); }
      });
    });
  }

  sorted(): DeviceSummary[] {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  }

  async stop(): Promise<void> {
    this.#listeners.clear();
    await this.#stop?.();
  }
}

/**
 * Every device with a retained status, after the broker has delivered them: retained messages
 * follow the SUBACK, so this waits until `settleMs` pass without a new one.
 */
export async function listDevices(client: MqttClient, prefix: string, options: { settleMs?: number } = {}): Promise<DeviceSummary[]> {
  const tracker = await DeviceTracker.start(client, prefix);
  try {
    await settle(tracker, options.settleMs ?? 300);
    return tracker.sorted();
  } finally {
    await tracker.stop();
  }
}

/** Waits until `quietMs` pass without a status (at most 10 quiet periods). */
export async function settle(tracker: DeviceTracker, quietMs: number): Promise<void> {
  let last = Date.now();
  const off = tracker.onStatus(() => { last = Date.now(); });
  const deadline = Date.now() + 10 * quietMs;
  while (Date.now() - last < quietMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.max(10, quietMs - (Date.now() - last))));
  off();
}
