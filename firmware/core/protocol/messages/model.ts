// Model upload to the inactive slot (MODEL_BEGIN, MODEL_CHUNK, MODEL_END), ACTIVATE, ROLLBACK.
import { checkInt, checkRange } from '../bytes';
import { protocolFail } from '../errors';
import { Layout, SHA256_BYTES, checkCode, readCode } from './layout';

/** MODEL_BEGIN flags. */
export const BEGIN_FORCE = 0x1;   // accept a model version not newer than the active one
export const BEGIN_RESTART = 0x2; // discard what the slot holds for this hash and start at 0

/** MODEL_BEGIN: announce a package. */
export interface ModelBegin {
  readonly size: number;
  readonly sha256: Uint8Array;
  /** The package header's model version (the device checks it again at MODEL_END). */
  readonly modelVersion: number;
  readonly force: boolean;
  readonly restart: boolean;
}

export const MODEL_BEGIN: Layout<ModelBegin> = {
  write(w, v) {
    w.u32(checkInt(v.size, 1, 0xffffffff, 'size'));
    w.u32(v.modelVersion, 'modelVersion');
    w.u8((v.force ? BEGIN_FORCE : 0) | (v.restart ? BEGIN_RESTART : 0));
    w.zeros(3);
    w.fixed(v.sha256, SHA256_BYTES, 'sha256');
  },
  read(r) {
    const size = checkRange(r.u32(), 1, 0xffffffff, 'size');
    const modelVersion = r.u32();
    const flags = r.u8();
    if (flags & ~(BEGIN_FORCE | BEGIN_RESTART)) protocolFail('BAD_PAYLOAD', `unknown MODEL_BEGIN flags 0x${flags.toString(16)}`);
    r.reserved(3);
    const sha256 = r.copy(SHA256_BYTES);
    return { size, sha256, modelVersion, force: (flags & BEGIN_FORCE) !== 0, restart: (flags & BEGIN_RESTART) !== 0 };
  },
};

/** What the inactive slot held for the announced hash. */
export const BeginStatus = {
  NEW: 0,       // nothing: start at offset 0
  RESUMED: 1,   // a partial upload of this very package: continue at resumeOffset
  COMPLETE: 2,  // every byte already there: go straight to MODEL_END
} as const;

/** MODEL_BEGIN_ACK: where to start and how to send. */
export interface ModelBeginAck {
  readonly status: number;
  /** Slot receiving the package. */
  readonly slot: number;
  /** Chunks the host may have in flight (sent and not acknowledged). */
  readonly window: number;
  /** Bytes [0, resumeOffset) are already in the slot. */
  readonly resumeOffset: number;
  /** Largest chunk data the device takes (the host may send smaller ones). */
  readonly chunkSize: number;
}

export const MODEL_BEGIN_ACK: Layout<ModelBeginAck> = {
  write(w, v) {
    w.u8(checkInt(v.status, 0, BeginStatus.COMPLETE, 'status'));
    w.u8(v.slot, 'slot');
    w.u16(checkInt(v.window, 1, 0xffff, 'window'));
    w.u32(v.resumeOffset, 'resumeOffset');
    w.u32(checkInt(v.chunkSize, 1, 0xffffffff, 'chunkSize'));
  },
  read(r) {
    const status = checkRange(r.u8(), 0, BeginStatus.COMPLETE, 'status');
    const slot = r.u8();
    const window = checkRange(r.u16(), 1, 0xffff, 'window');
    return { status, slot, window, resumeOffset: r.u32(), chunkSize: checkRange(r.u32(), 1, 0xffffffff, 'chunkSize') };
  },
};

/** MODEL_CHUNK: package bytes [offset, offset + data.length). */
export interface ModelChunk {
  readonly offset: number;
  /** Decoded: a view into the payload (no copy). */
  readonly data: Uint8Array;
}

export const MODEL_CHUNK: Layout<ModelChunk> = {
  write(w, v) {
    if (!(v.data instanceof Uint8Array)) protocolFail('BAD_VALUE', 'data must be a Uint8Array');
    checkInt(v.offset + v.data.length, 0, 0xffffffff, 'offset + length');
    w.u32(v.offset, 'offset');
    w.bytes(v.data);
  },
  read(r) {
    const offset = r.u32('offset');
    if (offset + r.remaining > 0xffffffff) protocolFail('BAD_PAYLOAD', 'chunk ends beyond 2^32');
    return { offset, data: r.view(r.remaining, 'data') };
  },
};

/** What the device did with a chunk. */
export const ChunkDisposition = {
  WRITTEN: 0,       // new bytes written (a chunk overlapping the held prefix writes only its new part)
  DUPLICATE: 1,     // every byte was already held: nothing written
  OUT_OF_ORDER: 2,  // the chunk starts past nextOffset (an earlier one was lost): dropped; resend from nextOffset
  BUFFERED: 3,      // the chunk starts past nextOffset and the device keeps it until the gap is filled: do not resend it
} as const;

/** MODEL_CHUNK_ACK: the slot's contiguous prefix after this chunk. */
export interface ModelChunkAck {
  /** The chunk's offset (as sent). */
  readonly offset: number;
  /** Bytes [0, nextOffset) are held; the next byte the device needs. */
  readonly nextOffset: number;
  readonly disposition: number;
}

export const MODEL_CHUNK_ACK: Layout<ModelChunkAck> = {
  write(w, v) {
    w.u32(v.offset, 'offset');
    w.u32(v.nextOffset, 'nextOffset');
    w.u8(checkInt(v.disposition, 0, ChunkDisposition.BUFFERED, 'disposition'));
  },
  read(r) {
    return { offset: r.u32(), nextOffset: r.u32(), disposition: checkRange(r.u8(), 0, ChunkDisposition.BUFFERED, 'disposition') };
  },
};

/** Verification steps of MODEL_END, in the order the device runs them. */
export const Check = {
  HASH: 1,         // size and SHA-256 of the received bytes match MODEL_BEGIN
  CRC: 2,          // the package's CRC-32
  PACKAGE: 3,      // the package loads (structure, sections, body)
  SIGNATURE: 4,    // ECDSA P-256 against the trusted key
  VERSION: 5,      // newer than the active model (or forced)
  INPUT_SHAPE: 6,  // input matches the device's sensors and feature pipeline
  SELFTEST: 7,     // the embedded vectors reproduce exactly
} as const;

export const CheckStatus = { PASS: 0, FAIL: 1, SKIPPED: 2 } as const;

export interface CheckResult {
  readonly check: number;
  readonly status: number;
  /** An ErrorCode: OK on PASS, the reason otherwise. */
  readonly code: number;
  readonly message: string;
}

/** MODEL_END_RESULT: the verification outcome. */
export interface ModelEndResult {
  /** OK when every check passed (the slot is VERIFIED), else the first failure's code. */
  readonly code: number;
  readonly slot: number;
  /** SHA-256 of the bytes the slot holds, as the device computed it. */
  readonly sha256: Uint8Array;
  /** The package header's model version (0 if it could not be read). */
  readonly modelVersion: number;
  readonly checks: readonly CheckResult[];
}

export const MODEL_END_RESULT: Layout<ModelEndResult> = {
  write(w, v) {
    w.u8(checkCode(v.code, 'code'));
    w.u8(v.slot, 'slot');
    w.u8(checkInt(v.checks.length, 0, 16, 'check count'));
    w.u8(0);
    w.fixed(v.sha256, SHA256_BYTES, 'sha256');
    w.u32(v.modelVersion, 'modelVersion');
    for (const c of v.checks) {
      w.u8(checkInt(c.check, Check.HASH, Check.SELFTEST, 'check'));
      w.u8(checkInt(c.status, 0, CheckStatus.SKIPPED, 'check status'));
      w.u8(checkCode(c.code, 'check code'));
      w.str8(c.message, 'check message');
    }
  },
  read(r) {
    const code = readCode(r);
    const slot = r.u8();
    const count = checkRange(r.u8(), 0, 16, 'check count');
    r.reserved(1);
    const sha256 = r.copy(SHA256_BYTES);
    const modelVersion = r.u32();
    const checks: CheckResult[] = [];
    for (let i = 0; i < count; i++) {
      const check = checkRange(r.u8(), Check.HASH, Check.SELFTEST, 'check');
      const status = checkRange(r.u8(), 0, CheckStatus.SKIPPED, 'check status');
      checks.push({ check, status, code: readCode(r), message: r.str8() });
    }
    return { code, slot, sha256, modelVersion, checks };
  },
};

/** ACTIVATE: make a verified slot the active one (self-test again, then switch). */
export interface Activate {
  /** The slot, or NO_SLOT for the one the last MODEL_END verified. */
  readonly slot: number;
  /** Accept a model version not newer than the active one. */
  readonly force: boolean;
}

export const ACTIVATE: Layout<Activate> = {
  write(w, v) {
    w.u8(v.slot, 'slot');
    w.bool(v.force, 'force');
  },
  read(r) {
    return { slot: r.u8(), force: r.bool('force') };
  },
};

/** ACTIVATED (answer to ACTIVATE) and ROLLED_BACK (answer to ROLLBACK): the model now active. */
export interface ActiveModel {
  readonly slot: number;
  /** The slot active before (the rollback target from now on), or NO_SLOT. */
  readonly previousSlot: number;
  readonly modelVersion: number;
  readonly sha256: Uint8Array;
  readonly name: string;
}

export const ACTIVE_MODEL: Layout<ActiveModel> = {
  write(w, v) {
    w.u8(v.slot, 'slot');
    w.u8(v.previousSlot, 'previousSlot');
    w.u32(v.modelVersion, 'modelVersion');
    w.fixed(v.sha256, SHA256_BYTES, 'sha256');
    w.str8(v.name, 'name');
  },
  read(r) {
    return { slot: r.u8(), previousSlot: r.u8(), modelVersion: r.u32(), sha256: r.copy(SHA256_BYTES), name: r.str8() };
  },
};
