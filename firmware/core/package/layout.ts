// Fixed numbers of the package container (docs/model-format.md). Shared by the loader in
// the core and the serializer on the host, so both sides agree byte for byte.

export const MAGIC = 0x4d474445; // "EDGM" read as a little-endian u32
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 56;
export const NAME_BYTES = 32;
export const SECTION_ENTRY_BYTES = 12;
export const MAX_SECTIONS = 8;
export const CRC_BYTES = 4;

export const KIND_TREES = 1;
export const KIND_GRAPH = 2;

export const SECTION_INPUT = 1;
export const SECTION_OUTPUT = 2;
export const SECTION_BODY = 3;
export const SECTION_FEATURES = 4;
export const SECTION_SELFTEST = 5;
export const SECTION_SIGNATURE = 6;

export const SIGNATURE_ALG_ECDSA_P256_SHA256 = 1;
export const SIGNATURE_BYTES = 64;
export const KEY_ID_BYTES = 8;
export const SIGNATURE_SECTION_BYTES = 4 + SIGNATURE_BYTES + KEY_ID_BYTES;

export function align4(n: number): number {
  return (n + 3) & ~3;
}
