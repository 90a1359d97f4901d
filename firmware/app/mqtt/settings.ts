// The agent's settings from the device configuration (keys documented in docs/mqtt-topics.md;
// at most 15 characters each, the NVS limit on a board). Missing or unusable values fall back
// to the defaults: a typo in a setting must not keep a device off its fleet.
import { DEFAULT_PREFIX, isPrefix } from '../../core/fleet/index';
import type { Config, ConfigValue } from '../../platform/interfaces';

export interface AgentSettings {
  readonly prefix: string;
  /** The MQTT client id (default: the device id). */
  readonly clientId: string;
  readonly keepAliveSeconds: number;
  /** Heartbeat: the online STATUS again every this many seconds. */
  readonly statusSeconds: number;
  /** Telemetry batches at most this often; 0 turns telemetry off. */
  readonly telemetryMs: number;
  readonly maxResults: number;
  readonly statsSeconds: number;
  /** Bytes asked per CHUNK_REQUEST (further bounded by the session's maxMessage). */
  readonly chunk: number;
  readonly retryMs: number;
  readonly progressMs: number;
}

/** True when the configuration names a broker (`mqtt.url` or `mqtt.host`). */
export function brokerConfigured(config: Config): boolean {
  const url = read(config, 'mqtt.url');
  const host = read(config, 'mqtt.host');
  return (typeof url === 'string' && url.length > 0) || (typeof host === 'string' && host.length > 0);
}

function int(config: Config, key: string, fallback: number, lo: number, hi: number): number {
  const v = read(config, key);
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : fallback;
}

/** A config value, or undefined when the store cannot read the key. */
function read(config: Config, key: string): ConfigValue | undefined {
  try {
    return config.get(key);
  } catch {
    return undefined;
  }
}

export function agentSettings(config: Config, deviceId: string): AgentSettings {
  const prefix = read(config, 'mqtt.prefix');
  const clientId = read(config, 'mqtt.clientId');
  return {
    prefix: typeof prefix === 'string' && isPrefix(prefix) ? prefix : DEFAULT_PREFIX,
    clientId: typeof clientId === 'string' && clientId.length > 0 && clientId.length <= 64 ? clientId : deviceId,
    keepAliveSeconds: int(config, 'mqtt.keepAlive', 60, 5, 3600),
    statusSeconds: int(config, 'mqtt.statusSec', 60, 1, 86400),
    telemetryMs: int(config, 'telemetry.ms', 1000, 0, 3600000),
    maxResults: int(config, 'telemetry.max', 16, 1, 255),
    statsSeconds: int(config, 'telemetry.stats', 30, 1, 86400),
    chunk: int(config, 'ota.chunk', 1024, 16, 65536),
    retryMs: int(config, 'ota.retryMs', 2000, 50, 600000),
    progressMs: int(config, 'ota.progressMs', 1000, 0, 600000),
  };
}

/**
 * What a command client on the network may read of a configuration value: not the broker
 * password, and the broker URL without the password it may carry (`mqtt://user:password@…`).
 */
export function revealOverNetwork(key: string, value: ConfigValue): ConfigValue | undefined {
  if (key === 'mqtt.password') return undefined;
  if (key !== 'mqtt.url' || typeof value !== 'string') return value;
  const scheme = value.indexOf('://');
  const at = value.indexOf('@', scheme + 3);
  const slash = value.indexOf('/', scheme + 3);
  if (scheme < 0 || at < 0 || (slash >= 0 && slash < at)) return value;
  const colon = value.indexOf(':', scheme + 3);
  return colon < 0 || colon > at ? value : `${value.slice(0, colon)}:***${value.slice(at)}`;
}
