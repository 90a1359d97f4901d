// One device's part of a rollout: offer, follow its OTA_STATE (and its chunk requests, for
// progress) until ACTIVATED, REFUSED or FAILED, or until it makes no progress for the timeout;
// withdraw the offer; then check its STATUS: the new model when activated, the old one otherwise.
import { OtaPhase, OtaState } from '../../firmware/core/fleet/index';
import { errorCodeName } from '../../firmware/core/protocol/index';
import { ActiveModelSummary, DeviceTracker } from './devices';
import type { FleetPackage } from './package';

export type Outcome = 'activated' | 'refused' | 'failed' | 'timeout' | 'interrupted';

export interface DeviceOutcome {
  deviceId: string;
  outcome: Outcome;
  /** The device's error code name (OK when activated), TIMEOUT or INTERRUPTED. */
  code: string;
  reason: string;
  /** The active model its STATUS shows afterwards (null: none; undefined: no status heard). */
  model?: ActiveModelSummary | null;
  /** Activated: its STATUS shows the package. Otherwise: it still runs the model it ran before. */
  verified: boolean;
  seconds: number;
}

/** What a device says about the offer: its OTA_STATE, or a chunk request (offset it holds). */
export type DeviceSignal = { kind: 'state'; state: OtaState } | { kind: 'request'; offset: number };

export interface UpdateContext {
  pkg: FleetPackage;
  tracker: DeviceTracker;
  /** Give up on a device that makes no progress (new bytes or a new phase) for this long. */
  timeoutMs: number;
  /** How long to wait for the STATUS that shows the new model after ACTIVATED. */
  statusWaitMs: number;
  signal?: AbortSignal;
  /** Routes `id`'s signals about this package to `fn`; returns an unsubscribe function. */
  route(id: string, fn: (s: DeviceSignal) => void): () => void;
  publishOffer(id: string): void;
  withdrawOffer(id: string): Promise<void>;
  onProgress(id: string, held: number): void;
}

const sameHash = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function updateDevice(ctx: UpdateContext, id: string): Promise<DeviceOutcome> {
  const started = Date.now();
  const before = ctx.tracker.devices.get(id)?.model ?? null;
  const ended = await new Promise<{ outcome: Outcome; code: string; reason: string }>((resolve) => {
    let held = -1;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ outcome: 'timeout', code: 'TIMEOUT', reason: stalledReason(ctx, id, held) }), ctx.timeoutMs);
    };
    const onAbort = () => finish({ outcome: 'interrupted', code: 'INTERRUPTED', reason: 'the rollout was interrupted' });
    const finish = (r: { outcome: Outcome; code: string; reason: string }) => {
      clearTimeout(timer);
      off();
      ctx.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const advance = (bytes: number) => {
      if (bytes <= held) return;
      held = bytes;
      arm();
      ctx.onProgress(id, held);
    };
    const off = ctx.route(id, (s) => {
      if (s.kind === 'request') return advance(s.offset);
      const { state } = s;
      if (!sameHash(state.sha256, ctx.pkg.sha256)) return; // about another offer
      if (state.phase === OtaPhase.DOWNLOADING) return advance(state.held);
      const code = errorCodeName(state.code);
      if (state.phase === OtaPhase.ACTIVATED) finish({ outcome: 'activated', code, reason: state.message || `version ${state.activeVersion} active` });
      else finish({ outcome: state.phase === OtaPhase.REFUSED ? 'refused' : 'failed', code, reason: state.message || code });
    });
    if (ctx.signal?.aborted) return onAbort();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    ctx.publishOffer(id);
  });
  await ctx.withdrawOffer(id);
  let model: ActiveModelSummary | null | undefined;
  let verified: boolean;
  if (ended.outcome === 'activated') {
    const shown = await ctx.tracker.waitFor(id, (d) => d.model?.sha256 === ctx.pkg.sha256Hex, ctx.statusWaitMs);
    model = shown?.model ?? ctx.tracker.devices.get(id)?.model;
    verified = shown !== undefined;
  } else {
    const now = ctx.tracker.devices.get(id);
    model = now?.model;
    verified = now !== undefined && (now.model?.sha256 ?? null) === (before?.sha256 ?? null);
  }
  return { deviceId: id, ...ended, model, verified, seconds: (Date.now() - started) / 1000 };
}

function stalledReason(ctx: UpdateContext, id: string, held: number): string {
  const status = ctx.tracker.devices.get(id);
  const seconds = `${ctx.timeoutMs / 1000} s`;
  if (!status) return `no status from the device and no progress in ${seconds}`;
  if (!status.online) return `the device is offline: no progress in ${seconds}`;
  return held < 0 ? `the device did not take up the offer in ${seconds}` : `no progress in ${seconds} (held ${held} of ${ctx.pkg.size} bytes)`;
}
