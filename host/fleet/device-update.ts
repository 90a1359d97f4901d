// One device's part of a rollout: offer, follow its OTA_STATE (and its chunk requests, for
// progress) until ACTIVATED, REFUSED or FAILED, or until it makes no progress for the timeout;
// withdraw the offer; then check its STATUS: the new model when activated, the old one otherwise.
//
// The broker keeps each device's last OTA_STATE. The one held before the offer is not this
// rollout's answer, and the broker hands it over again when the host reconnects: it is ignored
// then. But a device ignores repeats of an offer it answered REFUSED or FAILED (until it
// restarts, docs/mqtt-topics.md), so when that held state is such an answer about this very
// package, it is the answer, reported at once instead of after the timeout.
import { OtaPhase, OtaState } from '../../firmware/core/fleet/index';
import { ErrorCode, errorCodeName } from '../../firmware/core/protocol/index';
import { ActiveModelSummary, DeviceSummary, DeviceTracker } from './devices';
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

/**
 * What a device says about the offer: its OTA_STATE (`retained`: the broker's copy, delivered on
 * subscribing; `payload`: its bytes), or a chunk request (offset it holds).
 */
export type DeviceSignal = { kind: 'state'; state: OtaState; retained: boolean; payload: Uint8Array } | { kind: 'request'; offset: number };

/** An OTA_STATE as received. */
export interface HeldState { state: OtaState; payload: Uint8Array }

export interface UpdateContext {
  pkg: FleetPackage;
  tracker: DeviceTracker;
  /** Give up on a device that makes no progress (new bytes or a new phase) for this long. */
  timeoutMs: number;
  /** How long to wait for the STATUS that shows the new model after ACTIVATED. */
  statusWaitMs: number;
  signal?: AbortSignal;
  /** Whether the host is connected to the broker now (default: yes). */
  brokerConnected?: () => boolean;
  /** Whether the offer carries a signed FORCE. */
  forced: boolean;
  /** The last OTA_STATE heard from `id` (the broker's retained one, at first), if any. */
  lastState(id: string): HeldState | undefined;
  /** Routes `id`'s signals about this package to `fn`; returns an unsubscribe function. */
  route(id: string, fn: (s: DeviceSignal) => void): () => void;
  publishOffer(id: string): void;
  /** Resolves false when the broker did not confirm the withdrawal in time. */
  withdrawOffer(id: string): Promise<boolean>;
  onProgress(id: string, held: number): void;
}

const sameHash = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function updateDevice(ctx: UpdateContext, id: string): Promise<DeviceOutcome> {
  const started = Date.now();
  const before = ctx.tracker.devices.get(id)?.model ?? null;
  const prior = ctx.lastState(id);
  const earlier = prior && earlierAnswer(ctx, prior.state, before);
  const runsIt = (d: DeviceSummary | undefined) => d?.model?.sha256 === ctx.pkg.sha256Hex && before?.sha256 !== ctx.pkg.sha256Hex;
  const ended = earlier ?? await new Promise<{ outcome: Outcome; code: string; reason: string }>((resolve) => {
    let held = -1;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(runsIt(ctx.tracker.devices.get(id)) ? shownActive : { outcome: 'timeout', code: 'TIMEOUT', reason: stalledReason(ctx, id, held) }), ctx.timeoutMs);
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
      if (s.retained && prior && sameHash(s.payload, prior.payload)) {
        // The broker's copy of what the device said before this offer, handed over again after a
        // reconnection: not an answer. (Had the device activated the package meanwhile, with the
        // very same words, its STATUS shows it.)
        if (state.phase === OtaPhase.ACTIVATED && runsIt(ctx.tracker.devices.get(id))) finish(shownActive);
        return;
      }
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
  if (!earlier) await ctx.withdrawOffer(id);
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

const shownActive = { outcome: 'activated', code: 'OK', reason: 'its status shows the package active' } as const;

/**
 * The device's held answer to an earlier offer of this package, when it will ignore this one:
 * REFUSED or FAILED about the same hash, for a reason it remembers (not BUSY or BAD_ARGUMENT),
 * from an offer with the same FORCE flag as far as the code tells (OLDER_VERSION answers a plain
 * offer only, a REFUSED BAD_SIGNATURE a forced one), and still true of its active model.
 */
function earlierAnswer(ctx: UpdateContext, state: OtaState, before: ActiveModelSummary | null): { outcome: Outcome; code: string; reason: string } | undefined {
  if (!sameHash(state.sha256, ctx.pkg.sha256)) return undefined;
  if (state.phase !== OtaPhase.REFUSED && state.phase !== OtaPhase.FAILED) return undefined;
  if (state.code === ErrorCode.BUSY || state.code === ErrorCode.BAD_ARGUMENT) return undefined;
  if (before?.sha256 === ctx.pkg.sha256Hex) return undefined; // it runs the package: it will say so
  if (state.phase === OtaPhase.REFUSED) {
    if (state.code === ErrorCode.OLDER_VERSION && (ctx.forced || before === null || before.version < ctx.pkg.version)) return undefined;
    if (state.code === ErrorCode.BAD_SIGNATURE && !ctx.forced) return undefined;
  }
  const code = errorCodeName(state.code);
  return {
    outcome: state.phase === OtaPhase.REFUSED ? 'refused' : 'failed', code,
    reason: `${state.message || code} (its answer to an earlier offer of this package: a device does not take the same offer again until it restarts)`,
  };
}

function stalledReason(ctx: UpdateContext, id: string, held: number): string {
  const status = ctx.tracker.devices.get(id);
  const seconds = `${ctx.timeoutMs / 1000} s`;
  if (ctx.brokerConnected?.() === false) return `no progress in ${seconds}, and the connection to the broker is down`;
  if (!status) return `no status from the device and no progress in ${seconds}`;
  if (!status.online) return `the device is offline: no progress in ${seconds}`;
  return held < 0 ? `the device did not take up the offer in ${seconds}` : `no progress in ${seconds} (held ${held} of ${ctx.pkg.size} bytes)`;
}
