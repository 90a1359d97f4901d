// DeviceInfo on a board. The id is the preference "id" when one was set, else "edgeml-" and the
// Wi-Fi station MAC (Moddable's `net` module), else a random id kept in the preference so it stays
// the same. The trusted key is a 65-byte uncompressed P-256 point written as 130 hex digits: the
// one built into the firmware (manifest config "trustedKey") when there is one, which nothing on
// the device can change, else the preference "trustedKey", read again whenever it changes.
import Net from 'net';
import type { DeviceInfo } from '../interfaces';
import type { PreferenceConfig } from './config';

/** The firmware's version: keep it equal to package.json's. */
export const FIRMWARE_VERSION = '0.1.0';

export const ID_KEY = 'id';
export const TRUSTED_KEY_KEY = 'trustedKey';

export interface DeviceInfoOptions {
  config: PreferenceConfig;
  firmwareVersion?: string;
  /** Built-in trusted key (hex); takes precedence over the preference. */
  trustedKeyHex?: string;
  /** Fixed id; by default as described above. */
  id?: string;
}

export class ModdableDeviceInfo implements DeviceInfo {
  readonly id: string;
  readonly firmwareVersion: string;
  #config: PreferenceConfig;
  #builtInKey: Uint8Array | undefined;
  #hex: string | undefined;
  #key: Uint8Array | undefined;

  constructor(options: DeviceInfoOptions) {
    this.#config = options.config;
    this.firmwareVersion = options.firmwareVersion ?? FIRMWARE_VERSION;
    if (options.trustedKeyHex) {
      this.#builtInKey = parseKeyHex(options.trustedKeyHex);
      if (!this.#builtInKey) throw new RangeError('built-in trusted key: not 130 hex digits of an uncompressed point (04…)');
    }
    this.id = options.id ?? deviceId(options.config);
  }

  /** Undefined when no key is set or the preference holds no well-formed one. */
  get trustedKey(): Uint8Array | undefined {
    if (this.#builtInKey) return this.#builtInKey;
    const hex = this.#config.get(TRUSTED_KEY_KEY);
    if (typeof hex !== 'string' || hex === '') return undefined;
    if (hex !== this.#hex) {
      this.#key = parseKeyHex(hex);
      this.#hex = hex;
    }
    return this.#key;
  }
}

/** The 65 bytes of a hex-written uncompressed point (04 ‖ x ‖ y), or undefined. */
export function parseKeyHex(hex: string): Uint8Array | undefined {
  const bytes = bytesOfHex(hex.trim());
  return bytes && bytes.byteLength === 65 && bytes[0] === 4 ? bytes : undefined;
}

export function bytesOfHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function deviceId(config: PreferenceConfig): string {
  const stored = config.get(ID_KEY);
  if (typeof stored === 'string' && stored !== '') return stored;
  const mac = macAddress();
  if (mac) return `edgeml-${mac}`;
  let random = 'edgeml-';
  for (let i = 0; i < 12; i++) random += Math.floor(Math.random() * 16).toString(16);
  try {
    config.set(ID_KEY, random);
  } catch {
    // an unwritable NVS: the id changes at the next boot, nothing worse
  }
  return random;
}

/** 12 lower-case hex digits, or undefined before the Wi-Fi station interface exists. */
function macAddress(): string | undefined {
  try {
    const mac = Net.get('MAC') as string | undefined;
    if (typeof mac !== 'string') return undefined;
    const digits = mac.split(':').join('').toLowerCase();
    return digits.length === 12 && bytesOfHex(digits) && digits !== '000000000000' ? digits : undefined;
  } catch {
    return undefined;
  }
}
