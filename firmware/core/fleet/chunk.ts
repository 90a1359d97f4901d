// CHUNK_REQUEST (device → ota/req) and CHUNK (host → ota/data). Both name the package by the
// first 8 bytes of its SHA-256: enough to tell offers apart, small enough for every chunk.
import { fleetFail } from './errors';
import { FLEET_LAYOUT, HASH_PREFIX_BYTES, checkBytes, checkPayload, checkU32, checkZeros, getU32, setU32 } from './layout';

export const CHUNK_REQUEST_BYTES = 20;
export const CHUNK_HEADER_BYTES = 16;

export interface ChunkRequest {
  /** The first 8 bytes of the offer's SHA-256. */
  readonly hash: Uint8Array;
  readonly offset: number;
  readonly length: number;
}

export interface Chunk {
  /** The first 8 bytes of the package's SHA-256. */
  readonly hash: Uint8Array;
  readonly offset: number;
  /** From decodeChunk: a view into the payload (copy what you keep). */
  readonly data: Uint8Array;
}

export function encodeChunkRequest(r: ChunkRequest): Uint8Array {
  checkBytes(r.hash, HASH_PREFIX_BYTES, 'hash');
  checkU32(r.offset, 0, 'offset');
  checkU32(r.length, 1, 'length');
  if (r.offset + r.length > 0xffffffff) fleetFail('BAD_VALUE', 'offset + length beyond 2^32 - 1');
  const out = new Uint8Array(CHUNK_REQUEST_BYTES);
  out[0] = FLEET_LAYOUT;
  out.set(r.hash, 4);
  setU32(out, 12, r.offset);
  setU32(out, 16, r.length);
  return out;
}

export function decodeChunkRequest(p: Uint8Array): ChunkRequest {
  checkPayload(p, CHUNK_REQUEST_BYTES, true, 'CHUNK_REQUEST');
  checkZeros(p, 1, 4, 'CHUNK_REQUEST');
  const offset = getU32(p, 12);
  const length = getU32(p, 16);
  if (length < 1) fleetFail('BAD_FIELD', 'CHUNK_REQUEST: length 0');
  if (offset + length > 0xffffffff) fleetFail('BAD_FIELD', 'CHUNK_REQUEST: offset + length beyond 2^32 - 1');
  return { hash: p.slice(4, 12), offset, length };
}

export function encodeChunk(c: Chunk): Uint8Array {
  checkBytes(c.hash, HASH_PREFIX_BYTES, 'hash');
  checkU32(c.offset, 0, 'offset');
  if (!(c.data instanceof Uint8Array) || c.data.length < 1) fleetFail('BAD_VALUE', 'data must be at least 1 byte');
  if (c.offset + c.data.length > 0xffffffff) fleetFail('BAD_VALUE', 'offset + length beyond 2^32 - 1');
  const out = new Uint8Array(CHUNK_HEADER_BYTES + c.data.length);
  out[0] = FLEET_LAYOUT;
  out.set(c.hash, 4);
  setU32(out, 12, c.offset);
  out.set(c.data, CHUNK_HEADER_BYTES);
  return out;
}

export function decodeChunk(p: Uint8Array): Chunk {
  checkPayload(p, CHUNK_HEADER_BYTES + 1, false, 'CHUNK');
  checkZeros(p, 1, 4, 'CHUNK');
  const offset = getU32(p, 12);
  const data = p.subarray(CHUNK_HEADER_BYTES);
  if (offset + data.length > 0xffffffff) fleetFail('BAD_FIELD', 'CHUNK: offset + length beyond 2^32 - 1');
  return { hash: p.slice(4, 12), offset, data };
}
