// Reading packages from disk into a buffer the loader accepts (4-byte aligned: Node's
// Buffer pool hands out arbitrary offsets).
import { readFileSync } from 'node:fs';

export function alignedCopy(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new ArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}

export function readPackageFile(path: string): Uint8Array {
  return alignedCopy(readFileSync(path));
}
