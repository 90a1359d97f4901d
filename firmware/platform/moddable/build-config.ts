// The board settings the manifest's "config" section gives (`mc/config`), with defaults. Each is
// a top-level key so `mcconfig -d -m -p esp32 imuData=25 serialBaud=230400` can override it from
// the command line (values given there arrive as strings).
import config from 'mc/config';

export interface BoardConfig {
  imuData: number;
  imuClock: number;
  imuHz: number;
  imuAddress: number;
  imuPort: number | undefined;
  sampleRate: number;
  accelRange: 2 | 4 | 8 | 16;
  serialPort: number;
  serialTransmit: number;
  serialReceive: number;
  serialBaud: number;
  serialQueue: number;
  /** The UART to fall back on when serialPort is taken (by xsbug in -d and -i builds); "" for none. */
  serialDebugPort: number | undefined;
  serialDebugTransmit: number;
  serialDebugReceive: number;
  slotA: string;
  slotB: string;
  stateName: string;
  configDomain: string;
  trustedKey: string;
}

export function boardConfig(): BoardConfig {
  return {
    imuData: num('imuData', 21),
    imuClock: num('imuClock', 22),
    imuHz: num('imuHz', 400_000),
    imuAddress: num('imuAddress', 0x68),
    imuPort: optionalNum('imuPort'),
    sampleRate: num('sampleRate', 1000),
    accelRange: num('accelRange', 2) as 2 | 4 | 8 | 16,
    serialPort: num('serialPort', 0),
    serialTransmit: num('serialTransmit', 1),
    serialReceive: num('serialReceive', 3),
    serialBaud: num('serialBaud', 115200),
    serialQueue: num('serialQueue', 16384),
    serialDebugPort: optionalNum('serialDebugPort', 2),
    serialDebugTransmit: num('serialDebugTransmit', 17),
    serialDebugReceive: num('serialDebugReceive', 16),
    slotA: str('modelSlotA', 'edgeml_a'),
    slotB: str('modelSlotB', 'edgeml_b'),
    stateName: str('modelState', 'edgeml_st'),
    configDomain: str('configDomain', 'edgeml'),
    trustedKey: str('trustedKey', ''),
  };
}

function optionalNum(key: string, fallback?: number): number | undefined {
  const value: unknown = config[key];
  if (value === undefined) return fallback;
  return value === '' ? undefined : num(key, 0);
}

function num(key: string, fallback: number): number {
  const value: unknown = config[key];
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new RangeError(`manifest config "${key}": ${String(value)} is not a number`);
  return n;
}

function str(key: string, fallback: string): string {
  const value: unknown = config[key];
  return value === undefined ? fallback : String(value);
}
