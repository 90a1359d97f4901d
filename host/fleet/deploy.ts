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
import { DeviceOutcome, DeviceSignal, HeldState, UpdateContext, updateDevice } from './device-update';
import { listen } from './messages';
import { FleetPackage, offerFor } from './package';
import { planStages } from './stages';

export interface DeployOptions {
  /** Device ids, or 'all': every device whose retained STATUS says online (offline ones are left out and listed). */
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
  /** How long the broker has to confirm a withdrawn offer (default 5 s). */
  withdrawMs?: number;
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
  /** Left out of --devices all: their retained STATUS says offline. */
  offline: string[];
  /** 1-based; null when every stage ran. */
  stoppedAfterStage: number | null;
  /**
   * The broker went away during the rollout and did not come back within the withdrawal time:
   * the rollout stopped there, and `offersLeft` are the devices whose offer the broker did not
   * confirm withdrawn (a broker that keeps retained messages across a restart still holds them).
   */
  brokerLost: boolean;
  offersLeft: string[];
  outcomes: DeviceOutcome[];
  seconds: number;
}

export type DeployEvent =
  | { type: 'start'; package: PackageSummary; stages: string[][]; offline: string[] }
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
  const withdrawMs = options.withdrawMs ?? 5000;
  const emit = options.onEvent ?? (() => undefined);
  const summary: PackageSummary = { name: pkg.name, version: pkg.version, sha256: pkg.sha256Hex, size: pkg.size };

  // Every device of a stage listens for an interruption: a signal of our own, without the listener limit.
  const interrupt = new AbortController();
  setMaxListeners(0, interrupt.signal);
  const onAbort = () => interrupt.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort(); // aborted already (Ctrl-C while connecting): no event will come
  const interruptedBeforeOffering = () => new CliError('interrupted before any device was offered the update: nothing changed', EXIT.interrupted);
  const stops: (() => Promise<void>)[] = [async () => options.signal?.removeEventListener('abort', onAbort)];
  const routes = new Map<string, (s: DeviceSignal) => void>();
  const lastStates = new Map<string, HeldState>();
  const offered = new Set<string>();
  // A restarted broker has lost its retained messages: offer again on every reconnection.
  const reoffer = () => { for (const id of offered) publishOffer(id); };
  const publishOffer = (id: string) => {
    offered.add(id);
    client.publish(deviceTopics(prefix, id).offer, offer, { qos: 1, retain: true }, () => undefined);
  };
  const withdraw = (id: string) => withTimeout(client.publishAsync(deviceTopics(prefix, id).offer, Buffer.alloc(0), { qos: 1, retain: true }), withdrawMs);
  try {
    if (interrupt.signal.aborted) throw interruptedBeforeOffering();
    const tracker = await DeviceTracker.start(client, prefix);
    stops.push(() => tracker.stop());
    client.on('connect', reoffer);
    stops.push(async () => { client.off('connect', reoffer); });
    stops.push(await listen(client, prefix, [TOPIC.OTA_STATE], (m) => {
      if (m.payload.length === 0) {
        lastStates.delete(m.deviceId);
        return;
      }
      try {
        const held = { state: decodeOtaState(m.payload), payload: new Uint8Array(m.payload) };
        routes.get(m.deviceId)?.({ kind: 'state', ...held, retained: m.retained });
        lastStates.set(m.deviceId, held);
      } catch (e) {
        if (!(e instanceof FleetError)) throw e; // a malformed state: the timeout decides
      }
    }));
    const server = await serveChunks(client, prefix, new Map([[pkg.hashPrefixHex, pkg.bytes]]), (r) => routes.get(r.deviceId)?.({ kind: 'request', offset: r.offset }));
    stops.push(() => server.stop());
    await settle(tracker, options.settleMs ?? 300);
    if (interrupt.signal.aborted) throw interruptedBeforeOffering();

    const { devices, offline } = chooseDevices(tracker, prefix, options.devices);
    const stages = planStages(devices, options.stages ?? [1]);
    emit({ type: 'start', package: summary, stages, offline });
    const lastPercent = new Map<string, number>();
    const offersLeft = new Set<string>();
    const ctx: UpdateContext = {
      pkg, tracker, signal: interrupt.signal, forced: options.forceKeyPem !== undefined, brokerConnected: () => client.connected,
      timeoutMs: options.timeoutMs ?? 60_000,
      statusWaitMs: Math.min(options.timeoutMs ?? 60_000, 10_000),
      lastState: (id) => lastStates.get(id),
      route: (id, fn) => { routes.set(id, fn); return () => routes.delete(id); },
      publishOffer,
      withdrawOffer: async (id) => {
        offered.delete(id);
        const confirmed = await withdraw(id);
        if (!confirmed) offersLeft.add(id);
        return confirmed;
      },
      onProgress: (id, held) => {
        const percent = Math.floor((100 * held) / pkg.size);
        if (lastPercent.get(id) === percent) return;
        lastPercent.set(id, percent);
        emit({ type: 'progress', deviceId: id, held, size: pkg.size, percent });
      },
    };

    const outcomes: DeviceOutcome[] = [];
    let stoppedAfterStage: number | null = null;
    let brokerLost = false;
    for (let i = 0; i < stages.length; i++) {
      emit({ type: 'stage', stage: i + 1, stages: stages.length, devices: stages[i] });
      const results = await Promise.all(stages[i].map(async (id) => {
        const o = await updateDevice(ctx, id);
        emit({ type: 'device', ...o });
        return o;
      }));
      outcomes.push(...results);
      if (interrupt.signal.aborted) throw new CliError(`interrupted during stage ${i + 1}: offers withdrawn; ${outcomes.filter((o) => o.outcome === 'activated').length} device(s) updated`, EXIT.interrupted);
      // Withdrawals the broker did not confirm while it is still away: it is gone, not restarting.
      if (results.some((o) => offersLeft.has(o.deviceId)) && !client.connected) {
        brokerLost = true;
        if (i < stages.length - 1) stoppedAfterStage = i + 1;
        break;
      }
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
      offline, stoppedAfterStage, brokerLost,
      offersLeft: [...offersLeft].filter((id) => reached.has(id)).sort(byId),
      outcomes,
      seconds: (Date.now() - started) / 1000,
    };
    emit({ type: 'summary', ...result });
    return result;
  } finally {
    // Offers still out (an error in the middle): withdraw them so no device keeps pulling.
    await Promise.all([...offered].map((id) => withdraw(id)));
    for (const stop of stops.reverse()) await stop();
  }
}

const byId = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

function chooseDevices(tracker: DeviceTracker, prefix: string, wanted: DeployOptions['devices']): { devices: string[]; offline: string[] } {
  if (wanted === 'all') {
    const known = tracker.sorted().filter((d) => !d.malformed);
    const offline = known.filter((d) => !d.online).map((d) => d.id);
    const all = known.filter((d) => d.online).map((d) => d.id);
    if (all.length === 0 && offline.length > 0) throw new CliError(`no device under ${prefix}/ is online on this broker (${offline.length} offline: ${offline.join(', ')})`, EXIT.failure);
    if (all.length === 0) throw new CliError(`no device has a status under ${prefix}/ on this broker (are they connected to it, with this --prefix?)`, EXIT.failure);
    return { devices: all, offline };
  }
  if (wanted.length === 0) throw new CliError('which devices? pass --devices with ids or "all"', EXIT.usage);
  for (const id of wanted) {
    if (!isDeviceId(id)) throw new CliError(`"${id}" is not a device id ([A-Za-z0-9_.-], at most 64)`, EXIT.usage);
    if (!tracker.devices.has(id)) throw new CliError(`device "${id}" has no status under ${prefix}/ on this broker (see edgeml fleet ls)`, EXIT.usage);
  }
  return { devices: [...new Set(wanted)], offline: [] };
}

/** Whether `p` settled (either way) within `ms`. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([p.then(() => true, () => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), ms); })]);
  clearTimeout(timer);
  return settled;
}
