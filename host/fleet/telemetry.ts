// Live telemetry of a fleet: TELEMETRY batches decoded into RESULT and STATS_REPORT events,
// with status changes, for `edgeml fleet watch` and for programs.
import type { MqttClient } from 'mqtt';
import { decodeTelemetry, FleetError, TOPIC } from '../../firmware/core/fleet/index';
import { decodeMessage, MSG, ProtocolError } from '../../firmware/core/protocol/index';
import type { Result, StatsReport } from '../../firmware/core/protocol/index';
import { DeviceSummary, DeviceTracker } from './devices';
import { listen } from './messages';

export type TelemetryEvent =
  | { type: 'result'; deviceId: string; seq: number; result: Result }
  | { type: 'stats'; deviceId: string; stats: StatsReport }
  | { type: 'status'; deviceId: string; status: DeviceSummary }
  /** A batch or frame that did not decode: counted, never fatal. */
  | { type: 'malformed'; deviceId: string; reason: string };

export interface WatchOptions {
  /** Only these devices (default: all). */
  devices?: readonly string[];
  /** Also report status messages (retained ones at start, then changes). */
  status?: boolean;
}

export interface TelemetryWatch { stop(): Promise<void> }

export async function watchTelemetry(client: MqttClient, prefix: string, onEvent: (e: TelemetryEvent) => void, options: WatchOptions = {}): Promise<TelemetryWatch> {
  const wanted = (id: string) => !options.devices || options.devices.includes(id);
  const tracker = options.status ? await DeviceTracker.start(client, prefix) : undefined;
  tracker?.onStatus((status) => { if (wanted(status.id)) onEvent({ type: 'status', deviceId: status.id, status }); });
  for (const status of tracker?.sorted() ?? []) if (wanted(status.id)) onEvent({ type: 'status', deviceId: status.id, status });
  const stop = await listen(client, prefix, [TOPIC.TELEMETRY], (m) => {
    if (wanted(m.deviceId)) for (const e of decodeBatch(m.deviceId, m.payload)) onEvent(e);
  });
  return {
    stop: async () => {
      await stop();
      await tracker?.stop();
    },
  };
}

/** The events of one TELEMETRY payload. */
export function decodeBatch(deviceId: string, payload: Uint8Array): TelemetryEvent[] {
  const events: TelemetryEvent[] = [];
  let batch;
  try {
    batch = decodeTelemetry(payload);
  } catch (e) {
    if (e instanceof FleetError) return [{ type: 'malformed', deviceId, reason: e.message }];
    throw e;
  }
  for (const error of batch.errors) events.push({ type: 'malformed', deviceId, reason: `telemetry frame: ${error.kind}` });
  for (const frame of batch.frames) {
    try {
      const m = decodeMessage(frame);
      if (m.type === MSG.RESULT) events.push({ type: 'result', deviceId, seq: frame.seq, result: m.body });
      else if (m.type === MSG.STATS_REPORT) events.push({ type: 'stats', deviceId, stats: m.body });
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      events.push({ type: 'malformed', deviceId, reason: e.message });
    }
  }
  return events;
}
