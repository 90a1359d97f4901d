// What every payload layout of docs/mqtt-topics.md shares: the layout byte, little-endian
// fields, exact sizes and reserved zeros.
import { fleetFail } from './errors';

/** The layout byte of every payload in this version. */
export const FLEET_LAYOUT = 1;
export const SHA256_BYTES = 32;
/** CHUNK_REQUEST and CHUNK name the package by the first bytes of its SHA-256. */
export const HASH_PREFIX_BYTES = 8;

/** Checks the layout byte and the size (exact, or at least `min` when `exact` is false). */
export function checkPayload(p: Uint8Array, size: number, exact: boolean, what: string): void {
  if (!(p instanceof Uint8Array)) fleetFail('BAD_SIZE', `${what}: not bytes`);
  if (p.length < 1) fleetFail('BAD_SIZE', `${what}: empty`);
  if (p[0] !== FLEET_LAYOUT) fleetFail('BAD_LAYOUT', `${what}: layout ${p[0]}, expected ${FLEET_LAYOUT}`);
  if (exact ? p.length !== size : p.length < size) fleetFail('BAD_SIZE', `${what}: ${p.length} bytes, expected ${exact ? '' : 'at least '}${size}`);
}

export function checkZeros(p: Uint8Array, from: number, to: number, what: string): void {
  for (let i = from; i < to; i++) if (p[i] !== 0) fleetFail('BAD_RESERVED', `${what}: byte ${i} must be 0`);
}

export function checkU32(v: number, lo: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > 0xffffffff) fleetFail('BAD_VALUE', `${what} must be an integer in [${lo}, 2^32 - 1], is ${String(v)}`);
  return v;
}

export function checkBytes(v: Uint8Array, n: number, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== n) fleetFail('BAD_VALUE', `${what} must be ${n} bytes`);
  return v;
}

export function getU32(p: Uint8Array, at: number): number {
  return (p[at] | (p[at + 1] << 8) | (p[at + 2] << 16) | (p[at + 3] << 24)) >>> 0;
}

export function setU32(p: Uint8Array, at: number, v: number): void {
  p[at] = v & 0xff;
  p[at + 1] = (v >>> 8) & 0xff;
  p[at + 2] = (v >>> 16) & 0xff;
  p[at + 3] = v >>> 24;
}

/** The first HASH_PREFIX_BYTES of a SHA-256 (a copy). */
export function hashPrefix(sha256: Uint8Array): Uint8Array {
  return checkBytes(sha256, SHA256_BYTES, 'sha256').slice(0, HASH_PREFIX_BYTES);
}

/** True when `prefix` (8 bytes) starts `sha256`. */
export function matchesPrefix(prefix: Uint8Array, sha256: Uint8Array): boolean {
  if (prefix.length !== HASH_PREFIX_BYTES || sha256.length < HASH_PREFIX_BYTES) return false;
  for (let i = 0; i < HASH_PREFIX_BYTES; i++) if (prefix[i] !== sha256[i]) return false;
  return true;
}
