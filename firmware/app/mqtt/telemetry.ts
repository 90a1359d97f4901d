// Telemetry batching: RESULT events of the inferences since the last batch (the most recent
// `maxResults`; the event sequence numbers show how many were left out) and, every
// `statsSeconds`, one STATS_REPORT; sent at most every `telemetryMs`, only when there is
// something to send. A batch that cannot be published is dropped, not kept: telemetry is a
// sample of the present, and the device's RAM is small.
import { encodeTelemetry } from '../../core/fleet/index';
import { MSG, encodeMessage } from '../../core/protocol/index';
import type { Clock, TimerHandle } from '../../platform/interfaces';
import type { Device, InferenceResult } from '../device/device';
import type { AgentSettings } from './settings';

const NO_SCORES = new Int32Array(0);

export class TelemetryBatcher {
  readonly #device: Device;
  readonly #clock: Clock;
  readonly #settings: AgentSettings;
  readonly #publish: (payload: Uint8Array) => boolean;
  #frames: Uint8Array[] = [];
  #seq = 0;
  #lastStats = 0;
  #timer: TimerHandle | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(device: Device, settings: AgentSettings, publish: (payload: Uint8Array) => boolean) {
    this.#device = device;
    this.#clock = device.platform.clock;
    this.#settings = settings;
    this.#publish = publish;
  }

  start(): void {
    if (this.#timer || this.#settings.telemetryMs === 0) return;
    this.#lastStats = this.#clock.now();
    this.#unsubscribe = this.#device.subscribe((r) => this.#onResult(r));
    this.#timer = this.#clock.setInterval(() => this.#flush(), this.#settings.telemetryMs);
  }

  stop(): void {
    if (this.#unsubscribe) this.#unsubscribe();
    if (this.#timer) this.#clock.clear(this.#timer);
    this.#unsubscribe = undefined;
    this.#timer = undefined;
    this.#frames = [];
  }

  /** Sends what is held, with a STATS_REPORT when one is due. */
  #flush(): void {
    const now = this.#clock.now();
    if (now - this.#lastStats >= this.#settings.statsSeconds * 1000) {
      this.#lastStats = now;
      const s = this.#device.stats();
      this.#frames.push(encodeMessage(MSG.STATS_REPORT, 0, {
        uptimeMs: Math.max(0, Math.floor(now)), inferences: s.inferences % 4294967296,
        latencyMinUs: u32(s.latencyMinUs), latencyMeanUs: u32(s.latencyMeanUs), latencyMaxUs: u32(s.latencyMaxUs), counters: [],
        ...(s.heap ? { heap: { used: u32(s.heap.used), peak: u32(Math.max(s.heap.used, s.heap.peak)) } } : {}),
        ...(s.computronsPerInference !== undefined ? { computronsPerInference: u32(s.computronsPerInference) } : {}),
      }));
    }
    if (this.#frames.length === 0) return;
    const batch = encodeTelemetry(this.#frames);
    this.#frames = [];
    this.#publish(batch);
  }

  #onResult(r: InferenceResult): void {
    const seq = this.#seq;
    this.#seq = (seq + 1) & 0xffff;
    if (this.#frames.length >= this.#settings.maxResults) this.#frames.shift();
    this.#frames.push(encodeMessage(MSG.RESULT, seq, {
      windowSeq: r.windowSeq % 4294967296, timestampMs: Math.max(0, Math.floor(r.timestampMs)), classIndex: r.classIndex,
      confidence: r.confidence, latencyUs: u32(r.latencyUs), scores: NO_SCORES,
    }));
  }
}

function u32(n: number): number {
  return n < 0 ? 0 : n > 0xffffffff ? 0xffffffff : Math.round(n);
}
