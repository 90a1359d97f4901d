// TELEMETRY: a run of serial-protocol frames (RESULT events, then at times one STATS_REPORT),
// each with its 0x00 delimiter, so a host reads a batch with the serial FrameDecoder.
import { FrameDecoder, MSG } from '../protocol/index';
import type { Frame, FrameError } from '../protocol/index';
import { fleetFail } from './errors';

export interface TelemetryFrames {
  /** Valid frames, in order, their payloads copied. */
  readonly frames: Frame[];
  /** Frames the decoder rejected (bad CRC, a type telemetry does not carry …). */
  readonly errors: FrameError[];
}

function isTelemetryType(type: number): boolean {
  return type === MSG.RESULT || type === MSG.STATS_REPORT;
}

/** A batch of wire frames (each as encodeMessage makes it: stuffed, delimiter last). */
export function encodeTelemetry(frames: readonly Uint8Array[]): Uint8Array {
  if (frames.length === 0) fleetFail('BAD_VALUE', 'a batch holds at least one frame');
  let n = 0;
  for (const f of frames) {
    if (!(f instanceof Uint8Array) || f.length < 2 || f[f.length - 1] !== 0 || f.indexOf(0) !== f.length - 1) fleetFail('BAD_VALUE', 'each frame must be one stuffed frame ending with its delimiter');
    n += f.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const f of frames) { out.set(f, at); at += f.length; }
  return out;
}

/** Splits a batch into its frames. Throws BAD_SIZE for an empty batch or one cut inside a frame. */
export function decodeTelemetry(p: Uint8Array, maxPayload?: number): TelemetryFrames {
  if (!(p instanceof Uint8Array) || p.length === 0) fleetFail('BAD_SIZE', 'TELEMETRY: empty');
  if (p[p.length - 1] !== 0) fleetFail('BAD_SIZE', 'TELEMETRY: the last frame has no delimiter');
  const frames: Frame[] = [];
  const errors: FrameError[] = [];
  const decoder = new FrameDecoder({
    maxPayload,
    acceptType: isTelemetryType,
    onFrame: (f) => { frames.push({ version: f.version, flags: f.flags, type: f.type, seq: f.seq, payload: f.payload.slice() }); },
    onError: (e) => { errors.push(e); },
  });
  decoder.push(p);
  return { frames, errors };
}
