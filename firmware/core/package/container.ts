// Parses and validates the package container: header, section table, canonical layout, CRC.
// Returns views into the caller's bytes; nothing is copied.
import { crc32 } from '../crc32';
import { fail } from '../errors';
import { decodeUtf8 } from '../utf8';
import {
  CRC_BYTES, FORMAT_VERSION, HEADER_BYTES, KIND_GRAPH, KIND_TREES, MAGIC, MAX_SECTIONS, NAME_BYTES,
  SECTION_BODY, SECTION_ENTRY_BYTES, SECTION_INPUT, SECTION_OUTPUT, SECTION_SIGNATURE, align4,
} from './layout';

export interface PackageHeader {
  readonly formatVersion: number;
  readonly kind: number;
  readonly modelVersion: number;
  readonly createdAt: number;
  readonly totalLength: number;
  readonly name: string;
}

export interface Container {
  readonly header: PackageHeader;
  /** Section views indexed by section type (1..6); undefined when absent. */
  readonly sections: (Uint8Array | undefined)[];
  /** Bytes covered by the signature: [0, signedEnd). Equals the CRC start when unsigned. */
  readonly signedEnd: number;
}

export interface ContainerOptions {
  /** Skip the CRC check (only for callers that verified it already, e.g. while streaming). */
  readonly skipCrc?: boolean;
}

export function parseContainer(bytes: Uint8Array, options: ContainerOptions = {}): Container {
  if (!(bytes instanceof Uint8Array)) fail('BAD_ARGUMENT', 'a package must be a Uint8Array');
  if ((bytes.byteOffset & 3) !== 0) fail('MISALIGNED', 'the package buffer must start on a 4-byte boundary');
  if (bytes.length < HEADER_BYTES + CRC_BYTES) fail('TRUNCATED', `${bytes.length} bytes is shorter than a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0, true) !== MAGIC) fail('BAD_MAGIC', 'not an edgeml model package');
  const formatVersion = view.getUint16(4, true);
  if (formatVersion !== FORMAT_VERSION) fail('UNSUPPORTED_VERSION', `format version ${formatVersion}, this engine reads ${FORMAT_VERSION}`);
  const kind = bytes[6];
  if (kind !== KIND_TREES && kind !== KIND_GRAPH) fail('UNKNOWN_KIND', `model kind ${kind}`);
  if (bytes[7] !== 0 || view.getUint16(22, true) !== 0) fail('BAD_HEADER', 'reserved header fields must be zero');
  const totalLength = view.getUint32(16, true);
  if (totalLength > bytes.length) fail('TRUNCATED', `package declares ${totalLength} bytes, buffer has ${bytes.length}`);
  if (totalLength < bytes.length) fail('BAD_HEADER', `package declares ${totalLength} bytes, buffer has ${bytes.length}`);
  if ((totalLength & 3) !== 0) fail('BAD_HEADER', 'total length must be a multiple of 4');

  const crcStart = totalLength - CRC_BYTES;
  if (!options.skipCrc) {
    const stored = view.getUint32(crcStart, true);
    const actual = crc32(bytes, 0, crcStart);
    if (stored !== actual) fail('BAD_CRC', `stored ${hex(stored)}, computed ${hex(actual)}`);
  }

  let nameEnd = 24;
  while (nameEnd < 24 + NAME_BYTES && bytes[nameEnd] !== 0) nameEnd++;
  for (let i = nameEnd; i < 24 + NAME_BYTES; i++) if (bytes[i] !== 0) fail('BAD_HEADER', 'name padding must be zero');
  const name = decodeUtf8(bytes, 24, nameEnd);

  const count = view.getUint16(20, true);
  if (count < 3 || count > MAX_SECTIONS) fail('BAD_SECTION', `section count ${count}`);
  const tableEnd = HEADER_BYTES + count * SECTION_ENTRY_BYTES;
  if (tableEnd > crcStart) fail('TRUNCATED', 'section table runs past the end');

  const sections: (Uint8Array | undefined)[] = [];
  let expected = align4(tableEnd);
  checkZero(bytes, tableEnd, expected);
  let signedEnd = crcStart;
  let previous = 0;
  for (let s = 0; s < count; s++) {
    const entry = HEADER_BYTES + s * SECTION_ENTRY_BYTES;
    const type = view.getUint16(entry, true);
    const offset = view.getUint32(entry + 4, true);
    const length = view.getUint32(entry + 8, true);
    if (type < SECTION_INPUT || type > SECTION_SIGNATURE) fail('BAD_SECTION', `unknown section type ${type}`);
    if (view.getUint16(entry + 2, true) !== 0) fail('BAD_SECTION', 'reserved section field must be zero');
    // Increasing types: each appears once, and the signature (the highest) comes last.
    if (type <= previous) fail('BAD_SECTION', `section type ${type} after type ${previous}: types must increase`);
    previous = type;
    if (offset !== expected) fail('BAD_SECTION', `section ${type} at ${offset}, expected ${expected}`);
    if (length > crcStart - offset) fail('TRUNCATED', `section ${type} runs past the end`);
    if (type === SECTION_SIGNATURE) signedEnd = offset;
    sections[type] = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length);
    expected = align4(offset + length);
    checkZero(bytes, offset + length, Math.min(expected, crcStart));
  }
  if (expected !== crcStart) fail('BAD_SECTION', `sections end at ${expected}, CRC at ${crcStart}`);
  for (const required of [SECTION_INPUT, SECTION_OUTPUT, SECTION_BODY]) {
    if (sections[required] === undefined) fail('BAD_SECTION', `missing required section ${required}`);
  }
  return {
    header: { formatVersion, kind, modelVersion: view.getUint32(8, true), createdAt: view.getUint32(12, true), totalLength, name },
    sections,
    signedEnd,
  };
}

function checkZero(bytes: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) fail('BAD_SECTION', `padding byte at ${i} is not zero`);
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
