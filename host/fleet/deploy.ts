// Staged rollout of a model package over MQTT: a canary stage, then the rest (or the stages
// asked for). Each stage offers the package to its devices at once and waits for every outcome;
// when the failures so far exceed the limit, the rollout stops after that stage and the devices
// not reached keep their model without being offered anything.
import { setMaxListeners } from 'node:events';
import type { MqttClient } from 'mqtt';
import { decodeOtaState, deviceTopics, FleetError, isDeviceId, TOPIC } from '../../firmware/core/fleet/index';
import { CliError, EXIT } from '../cli/errors';
import { serveChunks } from './chunk-server';
import { DeviceTracker, settle } from './devices';
import { DeviceOutcome, DeviceSignal, updateDevice } from './device-update';
import { listen } from './messages';
import { FleetPackage, offerFor } from './package';
import { planStages } from './stages';

export interface DeployOptions {
  /** Device ids, or 'all': every device with a retained STATUS. */
  devices: readonly string[] | 'all';
  /** Fractions of the fleet done after each stage, e.g. [0.1] for a 10% canary then the rest (default: one stage). */
  stages?: readonly number[];
  /** The rollout stops after the stage in which failures exceed this (default 0). */
  maxFailures?: number;
  /** Per device: give up when it makes no progress for this long (default 60 s). */
  timeoutMs?: number;
  /** Private key (PEM) that signs a FORCE offer: lets devices take a version not newer than theirs. */
  forceKeyPem?: string;
  /** Time to collect retained statuses before choosing devices (default 300 ms). */
  settleMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: DeployEvent) => void;
}

export interface PackageSummary { name: string; version: number; sha256: string; size: number }

export interface DeploySummary {
  package: PackageSummary;
  updated: string[];
  failed: DeviceOutcome[];
  /** Not offered: the rollout stopped before their stage. */
  skipped: string[];
  /** 1-based; null when every stage ran. */
  stoppedAfterStage: number | null;
  outcomes: DeviceOutcome[];
  seconds: number;
}

export type DeployEvent =
  | { type: 'start'; package: PackageSummary; stages: string[][] }
  | { type: 'stage'; stage: number; stages: number; devices: string[] }
  | { type: 'progress'; deviceId: string; held: number; size: number; percent: number }
  | ({ type: 'device' } & DeviceOutcome)
  | { type: 'stopped'; afterStage: number; failures: number; maxFailures: number }
  | ({ type: 'summary' } & DeploySummary);

/** `pkg` comes from preparePackage(), which refuses bytes that are not a valid package. */
export async function deploy(client: MqttClient, prefix: string, pkg: FleetPackage, options: DeployOptions): Promise<DeploySummary> {
  const started = Date.now();
  const offer = Buffer.from(offerFor(pkg, options.forceKeyPem));
  const maxFailures = options.maxFailures ?? 0;
  const emit = options.onEvent ?? (() => undefined);
  const summary: PackageSummary = { name: pkg.name, version: pkg.version, sha256: pkg.sha256Hex, size: pkg.size };

  const tracker = await DeviceTracker.start(client, prefix);
  const routes = new Map<string, (s: DeviceSignal) => void>();
  const offered = new Set<string>();
  // A restarted broker has lost its retained messages: offer again on every reconnection.
  const reoffer = () => { for (const id of offered) publishOffer(id); };
  const publishOffer = (id: string) => {
    offered.add(id);
    client.publish(deviceTopics(prefix, id).offer, offer, { qos: 1, retain: true }, () => undefined);
  };
  const stops: (() => Promise<void>)[] = [() => tracker.stop()];
  // Every device of a stage listens for an interruption: a signal of our own, without the listener limit.
  const interrupt = new AbortController();
  setMaxListeners(0, interrupt.signal);
  const onAbort = () => interrupt.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  stops.push(async () => options.signal?.removeEventListener('abort', onAbort));
  try {
    client.on('connect', reoffer);
    stops.push(async () => { client.off('connect', reoffer); });
    stops.push(await listen(client, prefix, [TOPIC.OTA_STATE], (m) => {
      if (m.payload.length === 0) return;
      try {
        routes.get(m.deviceId)?.({ kind: 'state', state: decodeOtaState(m.payload) });
      } catch (e) {
        if (!(e instanceof FleetError)) throw e; // a malformed state: the timeout decides
      }
    }));
    const server = await serveChunks(client, prefix, new Map([[pkg.hashPrefixHex, pkg.bytes]]), (r) => routes.get(r.deviceId)?.({ kind: 'request', offset: r.offset }));
    stops.push(() => server.stop());
    await settle(tracker, options.settleMs ?? 300);

    const devices = chooseDevices(tracker, prefix, options.devices);
    const stages = planStages(devices, options.stages ?? [1]);
    emit({ type: 'start', package: summary, stages });
    const lastPercent = new Map<string, number>();
    const ctx = {
      pkg, tracker, signal: interrupt.signal,
      timeoutMs: options.timeoutMs ?? 60_000,
      statusWaitMs: Math.min(options.timeoutMs ?? 60_000, 10_000),
      route: (id: string, fn: (s: DeviceSignal) => void) => { routes.set(id, fn); return () => routes.delete(id); },
      publishOffer,
      withdrawOffer: async (id: string) => {
        offered.delete(id);
        await withTimeout(client.publishAsync(deviceTopics(prefix, id).offer, Buffer.alloc(0), { qos: 1, retain: true }), 5000);
      },
      onProgress: (id: string, held: number) => {
        const percent = Math.floor((100 * held) / pkg.size);
        if (lastPercent.get(id) === percent) return;
        lastPercent.set(id, percent);
        emit({ type: 'progress', deviceId: id, held, size: pkg.size, percent });
      },
    };

    const outcomes: DeviceOutcome[] = [];
    let stoppedAfterStage: number | null = null;
    for (let i = 0; i < stages.length; i++) {
      emit({ type: 'stage', stage: i + 1, stages: stages.length, devices: stages[i] });
      const results = await Promise.all(stages[i].map(async (id) => {
        const o = await updateDevice(ctx, id);
        emit({ type: 'device', ...o });
        return o;
      }));
      outcomes.push(...results);
      if (options.signal?.aborted) throw new CliError(`interrupted during stage ${i + 1}: offers withdrawn; ${outcomes.filter((o) => o.outcome === 'activated').length} device(s) updated`, EXIT.interrupted);
      const failures = outcomes.filter((o) => o.outcome !== 'activated').length;
      if (failures > maxFailures && i < stages.length - 1) {
        stoppedAfterStage = i + 1;
        emit({ type: 'stopped', afterStage: i + 1, failures, maxFailures });
        break;
      }
    }
    const reached = new Set(outcomes.map((o) => o.deviceId));
    const result: DeploySummary = {
      package: summary,
      updated: outcomes.filter((o) => o.outcome === 'activated').map((o) => o.deviceId),
      failed: outcomes.filter((o) => o.outcome !== 'activated'),
      skipped: devices.filter((id) => !reached.has(id)),
      stoppedAfterStage, outcomes,
      seconds: (Date.now() - started) / 1000,
    };
    emit({ type: 'summary', ...result });
    return result;
  } finally {
    // Offers still out (an error in the middle): withdraw them so no device keeps pulling.
    await Promise.all([...offered].map((id) => withTimeout(client.publishAsync(deviceTopics(prefix, id).offer, Buffer.alloc(0), { qos: 1, retain: true }), 5000)));
    for (const stop of stops.reverse()) await stop();
  }
}

function chooseDevices(tracker: DeviceTracker, prefix: string, wanted: DeployOptions['devices']): string[] {
  if (wanted === 'all') {
    const all = tracker.sorted().filter((d) => !d.malformed).map((d) => d.id);
    if (all.length === 0) throw new CliError(`no device has a status under ${prefix}/ on this broker (are they connected to it, with this --prefix?)`, EXIT.failure);
    return all;
  }
  if (wanted.length === 0) throw new CliError('which devices? pass --devices with ids or "all"', EXIT.usage);
  for (const id of wanted) {
    if (!isDeviceId(id)) throw new CliError(`"${id}" is not a device id ([A-Za-z0-9_.-], at most 64)`, EXIT.usage);
    if (!tracker.devices.has(id)) throw new CliError(`device "${id}" has no status under ${prefix}/ on this broker (see edgeml fleet ls)`, EXIT.usage);
  }
  return [...new Set(wanted)];
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => { timer = setTimeout(r, ms); })]);
  clearTimeout(timer);
}
