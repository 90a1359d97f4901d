// STATUS (retained, and the last will): online flag, uptime and, online only, the device's
// INFO exactly as the serial protocol encodes it.
import { MSG, ProtocolError, decodePayload, encodePayload } from '../protocol/index';
import type { Info } from '../protocol/index';
import { fleetFail } from './errors';
import { FLEET_LAYOUT, checkPayload, checkU32, checkZeros, getU32, setU32 } from './layout';

export const STATUS_HEADER_BYTES = 8;

export interface Status {
  readonly online: boolean;
  readonly uptimeSeconds: number;
  /** Present exactly when online. */
  readonly info?: Info;
}

export function encodeStatus(s: Status): Uint8Array {
  if (typeof s.online !== 'boolean') fleetFail('BAD_VALUE', 'online must be a boolean');
  checkU32(s.uptimeSeconds, 0, 'uptimeSeconds');
  if (s.online !== (s.info !== undefined)) fleetFail('BAD_VALUE', s.online ? 'an online STATUS carries INFO' : 'an offline STATUS carries no INFO');
  let info: Uint8Array = new Uint8Array(0);
  if (s.info) {
    try {
      info = encodePayload(MSG.INFO, s.info);
    } catch (e) {
      if (e instanceof ProtocolError) fleetFail('BAD_VALUE', `info: ${e.message}`);
      throw e;
    }
  }
  const out = new Uint8Array(STATUS_HEADER_BYTES + info.length);
  out[0] = FLEET_LAYOUT;
  out[1] = s.online ? 1 : 0;
  setU32(out, 4, s.uptimeSeconds);
  out.set(info, STATUS_HEADER_BYTES);
  return out;
}

export function decodeStatus(p: Uint8Array): Status {
  checkPayload(p, STATUS_HEADER_BYTES, false, 'STATUS');
  const flag = p[1];
  if (flag > 1) fleetFail('BAD_FIELD', `STATUS: online flag ${flag}`);
  checkZeros(p, 2, 4, 'STATUS');
  const uptimeSeconds = getU32(p, 4);
  if (flag === 0) {
    if (p.length !== STATUS_HEADER_BYTES) fleetFail('BAD_SIZE', `STATUS: offline is ${STATUS_HEADER_BYTES} bytes, got ${p.length}`);
    return { online: false, uptimeSeconds };
  }
  try {
    return { online: true, uptimeSeconds, info: decodePayload(MSG.INFO, p.subarray(STATUS_HEADER_BYTES)) };
  } catch (e) {
    if (e instanceof ProtocolError) fleetFail('BAD_FIELD', `STATUS info: ${e.message}`);
    throw e;
  }
}
