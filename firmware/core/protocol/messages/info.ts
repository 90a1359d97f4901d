// HELLO (version handshake) and INFO (what the device is and holds).
import { ByteReader, ByteWriter, checkInt, checkRange } from '../bytes';
import { Layout, NO_SLOT, SHA256_BYTES } from './layout';

/** The message set version this codec speaks. */
export const PROTOCOL_VERSION = 1;

/** HELLO: the host's protocol versions and the largest payload it accepts. */
export interface Hello {
  /** Highest protocol version the host speaks. */
  readonly protocolVersion: number;
  /** Lowest protocol version the host speaks. */
  readonly minProtocolVersion: number;
  /** Largest frame payload the host accepts. */
  readonly maxPayload: number;
}

export const HELLO: Layout<Hello> = {
  write(w, v) {
    w.u16(v.protocolVersion, 'protocolVersion');
    w.u16(v.minProtocolVersion, 'minProtocolVersion');
    w.u32(v.maxPayload, 'maxPayload');
  },
  read(r) {
    return { protocolVersion: r.u16(), minProtocolVersion: r.u16(), maxPayload: r.u32() };
  },
};

export const CAPABILITY = {
  PREDICT: 1 << 0,
  FLOAT_INPUT: 1 << 1,        // PREDICT takes float32 real inputs (quantized on the device)
  STREAM: 1 << 2,
  SAMPLE: 1 << 3,
  MODEL_UPLOAD: 1 << 4,
  SIGNATURE_REQUIRED: 1 << 5, // MODEL_END refuses unsigned packages
  ROLLBACK: 1 << 6,
  CONFIG: 1 << 7,
  RESTART: 1 << 8,
  SIMULATOR: 1 << 9,          // a simulated device: STATS carries XS computrons
  RETRY_CACHE: 1 << 10,       // answers a FLAG_RETRY request from its cache of the last response
} as const;

export const SlotState = {
  EMPTY: 0,
  PARTIAL: 1,   // an upload in progress: `bytes` of `size` held
  VERIFIED: 2,  // a complete package that passed MODEL_END, not active
  ACTIVE: 3,
  PREVIOUS: 4,  // a valid package that was active before (the rollback target)
  INVALID: 5,   // a complete package that failed verification
} as const;

export interface SlotInfo {
  readonly state: number;
  /** Bytes held (PARTIAL) or package size. */
  readonly bytes: number;
  /** Package size announced at MODEL_BEGIN (0 when empty). */
  readonly size: number;
  readonly modelVersion: number;
  readonly sha256: Uint8Array;
  readonly name: string;
}

/** INFO: the answer to HELLO. The first field keeps its place in every protocol version. */
export interface Info {
  /** The protocol version the device will speak: its highest one not above the host's. */
  readonly protocolVersion: number;
  /** Model package format version the firmware reads. */
  readonly formatVersion: number;
  readonly capabilities: number;
  /** Largest frame payload the device accepts. */
  readonly maxPayload: number;
  /** Largest MODEL_CHUNK data. */
  readonly maxChunk: number;
  /** Capacity of the inactive slot: the largest package an upload may have. */
  readonly freeSlotSize: number;
  /** Index into `slots`, or NO_SLOT. */
  readonly activeSlot: number;
  readonly firmwareVersion: string;
  readonly deviceId: string;
  readonly slots: readonly SlotInfo[];
}

const MAX_SLOTS = 8;

export const INFO: Layout<Info> = {
  write(w, v) {
    w.u16(v.protocolVersion, 'protocolVersion');
    w.u16(v.formatVersion, 'formatVersion');
    w.u32(v.capabilities, 'capabilities');
    w.u32(v.maxPayload, 'maxPayload');
    w.u32(v.maxChunk, 'maxChunk');
    w.u32(v.freeSlotSize, 'freeSlotSize');
    w.u8(v.activeSlot, 'activeSlot');
    w.u8(checkInt(v.slots.length, 0, MAX_SLOTS, 'slot count'));
    if (v.activeSlot !== NO_SLOT) checkInt(v.activeSlot, 0, v.slots.length - 1, 'activeSlot');
    w.str8(v.firmwareVersion, 'firmwareVersion');
    w.str8(v.deviceId, 'deviceId');
    for (const s of v.slots) writeSlot(w, s);
  },
  read(r) {
    const protocolVersion = r.u16();
    const formatVersion = r.u16();
    const capabilities = r.u32();
    const maxPayload = r.u32();
    const maxChunk = r.u32();
    const freeSlotSize = r.u32();
    const activeSlot = r.u8();
    const count = checkRange(r.u8(), 0, MAX_SLOTS, 'slot count');
    if (activeSlot !== NO_SLOT) checkRange(activeSlot, 0, count - 1, 'activeSlot');
    const firmwareVersion = r.str8();
    const deviceId = r.str8();
    const slots: SlotInfo[] = [];
    for (let i = 0; i < count; i++) slots.push(readSlot(r));
    return { protocolVersion, formatVersion, capabilities, maxPayload, maxChunk, freeSlotSize, activeSlot, firmwareVersion, deviceId, slots };
  },
};

function writeSlot(w: ByteWriter, s: SlotInfo): void {
  w.u8(checkInt(s.state, 0, SlotState.INVALID, 'slot state'));
  w.u32(s.bytes, 'slot bytes');
  w.u32(s.size, 'slot size');
  w.u32(s.modelVersion, 'slot modelVersion');
  w.fixed(s.sha256, SHA256_BYTES, 'slot sha256');
  w.str8(s.name, 'slot name');
}

function readSlot(r: ByteReader): SlotInfo {
  const state = checkRange(r.u8(), 0, SlotState.INVALID, 'slot state');
  const bytes = r.u32();
  const size = r.u32();
  const modelVersion = r.u32();
  const sha256 = r.copy(SHA256_BYTES);
  const name = r.str8();
  return { state, bytes, size, modelVersion, sha256, name };
}

/** The active slot's entry, if any. */
export function activeModelOf(info: Info): SlotInfo | undefined {
  return info.activeSlot === NO_SLOT ? undefined : info.slots[info.activeSlot];
}
