// The model store's state record: one fixed-size, self-checking record (docs/model-store.md).
// A record is valid when its magic, layout version, CRC-32 and every field check out; the
// valid record with the highest sequence number is the state.
import { crc32 } from '../../core/crc32';
import { SlotState } from '../../core/protocol/messages/info';
import { NO_SLOT, SHA256_BYTES } from '../../core/protocol/messages/layout';

export const RECORD_BYTES = 128;
export const RECORD_MAGIC = 0x31534d45; // "EMS1" read as a little-endian u32
export const RECORD_LAYOUT = 1;
const SLOT_AT = 12;
const SLOT_BYTES = 48;
const CRC_AT = RECORD_BYTES - 4;

/** Record flag of a slot: the upload was announced with FORCE (accept a version not newer). */
export const SLOT_FLAG_FORCE = 0x1;

/** What the record says about one slot. `state` is a SlotState: EMPTY, PARTIAL, VERIFIED or INVALID. */
export interface SlotRecord {
  readonly state: number;
  readonly force: boolean;
  /** The announced version while PARTIAL; the package header's once verified. */
  readonly version: number;
  readonly size: number;
  /** PARTIAL: bytes [0, received) are known to be on flash (a multiple of the block size). */
  readonly received: number;
  readonly sha256: Uint8Array;
}

export interface StoreState {
  /** Sequence number of the record (0 for a state no record holds yet). */
  readonly seq: number;
  /** The slot to boot, or NO_SLOT. */
  readonly active: number;
  /** The rollback target, or NO_SLOT. */
  readonly previous: number;
  readonly slots: readonly [SlotRecord, SlotRecord];
}

const PERSISTED_STATES: readonly number[] = [SlotState.EMPTY, SlotState.PARTIAL, SlotState.VERIFIED, SlotState.INVALID];

export const EMPTY_SLOT: SlotRecord = { state: SlotState.EMPTY, force: false, version: 0, size: 0, received: 0, sha256: new Uint8Array(SHA256_BYTES) };

export const INITIAL_STATE: StoreState = { seq: 0, active: NO_SLOT, previous: NO_SLOT, slots: [EMPTY_SLOT, EMPTY_SLOT] };

/** The record bytes of `state` with sequence number `seq`. */
export function encodeRecord(state: StoreState, seq: number): Uint8Array {
  const out = new Uint8Array(RECORD_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, RECORD_MAGIC, true);
  v.setUint32(4, seq >>> 0, true);
  out[8] = RECORD_LAYOUT;
  out[9] = state.active;
  out[10] = state.previous;
  for (let i = 0; i < 2; i++) {
    const s = state.slots[i];
    const at = SLOT_AT + i * SLOT_BYTES;
    out[at] = s.state;
    out[at + 1] = s.force ? SLOT_FLAG_FORCE : 0;
    v.setUint32(at + 4, s.version >>> 0, true);
    v.setUint32(at + 8, s.size >>> 0, true);
    v.setUint32(at + 12, s.received >>> 0, true);
    out.set(s.sha256.subarray(0, SHA256_BYTES), at + 16);
  }
  v.setUint32(CRC_AT, crc32(out, 0, CRC_AT), true);
  return out;
}

/** The state in the record at `bytes[at, at + RECORD_BYTES)`, or undefined when it is not a valid record. */
export function decodeRecord(bytes: Uint8Array, at: number): StoreState | undefined {
  if (at < 0 || at + RECORD_BYTES > bytes.length) return undefined;
  if (u32(bytes, at) !== RECORD_MAGIC) return undefined;
  if (u32(bytes, at + CRC_AT) !== crc32(bytes, at, at + CRC_AT)) return undefined;
  if (bytes[at + 8] !== RECORD_LAYOUT || bytes[at + 11] !== 0) return undefined;
  const active = bytes[at + 9];
  const previous = bytes[at + 10];
  if (!slotOrNone(active) || !slotOrNone(previous)) return undefined;
  const slots: SlotRecord[] = [];
  for (let i = 0; i < 2; i++) {
    const s = at + SLOT_AT + i * SLOT_BYTES;
    const state = bytes[s];
    const flags = bytes[s + 1];
    if (PERSISTED_STATES.indexOf(state) < 0 || (flags & ~SLOT_FLAG_FORCE) !== 0 || bytes[s + 2] !== 0 || bytes[s + 3] !== 0) return undefined;
    const size = u32(bytes, s + 8);
    const received = u32(bytes, s + 12);
    if (received > size) return undefined;
    slots.push({
      state,
      force: (flags & SLOT_FLAG_FORCE) !== 0,
      version: u32(bytes, s + 4),
      size,
      received,
      sha256: bytes.slice(s + 16, s + 16 + SHA256_BYTES),
    });
  }
  for (let i = SLOT_AT + 2 * SLOT_BYTES; i < CRC_AT; i++) if (bytes[at + i] !== 0) return undefined;
  return { seq: u32(bytes, at + 4), active, previous, slots: [slots[0], slots[1]] };
}

/** True when every byte of the record at `at` is 0xFF (never written since the last erase). */
export function isErasedRecord(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + RECORD_BYTES; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

function slotOrNone(n: number): boolean {
  return n === 0 || n === 1 || n === NO_SLOT;
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
