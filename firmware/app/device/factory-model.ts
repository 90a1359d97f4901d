// The model built into the firmware image (a resource on the board): installed through the
// model store, with every check an upload gets, when the device has no valid model of its own.
import type { Crypto } from '../../platform/interfaces';
import type { Device } from './device';

const CHUNK = 4096;

/** Returns what happened, for the boot log; never throws. */
export function installFactoryModel(device: Device, bytes: Uint8Array, crypto: Crypto): string {
  if (device.model) return 'factory model not needed: a model is running';
  try {
    const version = bytes.length >= 12 ? (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0 : 0;
    const begun = device.store.begin({ size: bytes.length, sha256: crypto.sha256(bytes), modelVersion: version, force: true });
    for (let at = begun.resumeOffset; at < bytes.length; at += CHUNK) {
      device.store.write(at, bytes.subarray(at, Math.min(bytes.length, at + CHUNK)));
    }
    const end = device.store.end();
    if (!end.ok) return `factory model refused: ${end.codeName}`;
    device.activate(begun.slot, true);
    return 'factory model installed';
  } catch (e) {
    return `factory model not installed: ${(e as Error).message}`;
  }
}
