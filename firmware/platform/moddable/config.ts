// Config on Moddable's `preference` module (NVS on ESP32: written to flash at once, so it survives
// a restart). One preference domain holds the device's keys. NVS limits what it takes, and set()
// refuses the rest with a RangeError instead of failing inside the native call: key names of 1..15
// ASCII characters (NVS counts bytes), integers in the int32 range (no fractions), strings up to
// 3999 UTF-8 bytes (nvs_set_str's 4000 include the NUL).
import Preference from 'preference';
import type { Config, ConfigValue } from '../interfaces';

export const MAX_KEY_LENGTH = 15;
export const MAX_STRING_BYTES = 3999;

export class PreferenceConfig implements Config {
  readonly domain: string;

  constructor(domain = 'edgeml') {
    checkName(domain, 'domain');
    this.domain = domain;
  }

  get(key: string): ConfigValue | undefined {
    checkName(key, 'key');
    const value = Preference.get(this.domain, key);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
  }

  set(key: string, value: ConfigValue): void {
    checkName(key, 'key');
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff)
        throw new RangeError(`config "${key}": ${value} is not an int32 (preferences hold no fractions)`);
    } else if (typeof value === 'string') {
      if (utf8Length(value) > MAX_STRING_BYTES) throw new RangeError(`config "${key}": string longer than ${MAX_STRING_BYTES} bytes`);
    } else if (typeof value !== 'boolean') {
      throw new TypeError(`config "${key}": not a string, number or boolean`);
    }
    Preference.set(this.domain, key, value);
  }

  delete(key: string): void {
    checkName(key, 'key');
    Preference.delete(this.domain, key);
  }

  keys(): string[] {
    return Preference.keys(this.domain);
  }
}

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(name))
    throw new RangeError(`preference ${what} "${name}": 1..${MAX_KEY_LENGTH} printable ASCII characters`);
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
