// OTA_STATE (retained on ota/state): where the device is with an offer, and why it stopped.
import { truncateUtf8, utf8Length, writeUtf8 } from '../protocol/index';
import { decodeUtf8 } from '../utf8';
import { fleetFail } from './errors';
import { FLEET_LAYOUT, SHA256_BYTES, checkBytes, checkPayload, checkU32, getU32, setU32 } from './layout';

export const OTA_STATE_HEADER_BYTES = 48;

export const OtaPhase = {
  DOWNLOADING: 1,
  /** The offer's package runs (code OK), now or already. */
  ACTIVATED: 2,
  /** Refused before any byte was taken. */
  REFUSED: 3,
  /** Verification or activation failed; the previous model runs. */
  FAILED: 4,
} as const;

export type OtaPhaseName = keyof typeof OtaPhase;

const PHASE_NAMES = ['', 'DOWNLOADING', 'ACTIVATED', 'REFUSED', 'FAILED'];

export function otaPhaseName(phase: number): string { return PHASE_NAMES[phase] || `PHASE_${phase}`; }

export interface OtaState {
  readonly phase: number;
  /** A serial-protocol error code; 0 OK. */
  readonly code: number;
  readonly sha256: Uint8Array;
  readonly held: number;
  readonly size: number;
  /** The active model's version after this step (0: no model). */
  readonly activeVersion: number;
  /** The reason in words (encoders cut it to 255 bytes of UTF-8). */
  readonly message: string;
}

export function encodeOtaState(s: OtaState): Uint8Array {
  if (!Number.isInteger(s.phase) || s.phase < OtaPhase.DOWNLOADING || s.phase > OtaPhase.FAILED) fleetFail('BAD_VALUE', `phase ${String(s.phase)}`);
  if (!Number.isInteger(s.code) || s.code < 0 || s.code > 0xff) fleetFail('BAD_VALUE', `code ${String(s.code)}`);
  checkBytes(s.sha256, SHA256_BYTES, 'sha256');
  checkU32(s.held, 0, 'held');
  checkU32(s.size, 0, 'size');
  checkU32(s.activeVersion, 0, 'activeVersion');
  if (typeof s.message !== 'string') fleetFail('BAD_VALUE', 'message must be a string');
  const message = truncateUtf8(s.message, 255);
  const n = utf8Length(message);
  const out = new Uint8Array(OTA_STATE_HEADER_BYTES + 1 + n);
  out[0] = FLEET_LAYOUT;
  out[1] = s.phase;
  out[2] = s.code;
  out.set(s.sha256, 4);
  setU32(out, 36, s.held);
  setU32(out, 40, s.size);
  setU32(out, 44, s.activeVersion);
  out[48] = n;
  writeUtf8(message, out, 49);
  return out;
}

export function decodeOtaState(p: Uint8Array): OtaState {
  checkPayload(p, OTA_STATE_HEADER_BYTES + 1, false, 'OTA_STATE');
  const phase = p[1];
  if (phase < OtaPhase.DOWNLOADING || phase > OtaPhase.FAILED) fleetFail('BAD_FIELD', `OTA_STATE: phase ${phase}`);
  if (p[3] !== 0) fleetFail('BAD_RESERVED', 'OTA_STATE: byte 3 must be 0');
  const n = p[48];
  if (p.length !== OTA_STATE_HEADER_BYTES + 1 + n) fleetFail('BAD_SIZE', `OTA_STATE: ${p.length} bytes, expected ${OTA_STATE_HEADER_BYTES + 1 + n}`);
  let message: string;
  try {
    message = decodeUtf8(p, 49, 49 + n);
  } catch {
    return fleetFail('BAD_FIELD', 'OTA_STATE: message is not UTF-8');
  }
  return {
    phase, code: p[2], sha256: p.slice(4, 36), held: getU32(p, 36), size: getU32(p, 40), activeVersion: getU32(p, 44), message,
  };
}
