// Broker connection for every fleet command: the options (--broker, credentials, TLS,
// --prefix), and a connect that fails fast with a sentence saying what was tried, instead of
// MQTT.js's default of retrying forever. Once connected the client reconnects by itself, so a
// broker restart in the middle of a rollout only pauses it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { DEFAULT_PREFIX, isClientId, isPrefix } from '../../firmware/core/fleet/index';
import { CliError, EXIT } from '../cli/errors';

export const DEFAULT_BROKER = 'mqtt://127.0.0.1:1883';

/** What a command needs to reach the fleet. */
export interface BrokerSettings {
  url: string;
  prefix: string;
  clientId: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** CONNECT to CONNACK, per attempt (default 5000 ms). */
  connectTimeoutMs?: number;
}

/** The broker refused or could not be reached: exit code 4, like an unreachable device. */
export class BrokerError extends CliError {
  /** `refused`: the broker took the connection but refused a subscription; `lost`: it went away and did not come back. */
  readonly reason: 'unreachable' | 'credentials' | 'tls' | 'timeout' | 'refused' | 'lost';
  constructor(reason: BrokerError['reason'], message: string) {
    super(message, EXIT.device);
    this.name = 'BrokerError';
    this.reason = reason;
  }
}

export interface BrokerCliOptions {
  broker: string; username?: string; password?: string; ca?: string; cert?: string; key?: string; prefix: string; clientId?: string;
}

/** Adds the connection options to a command (their values arrive as BrokerCliOptions). */
export function addBrokerOptions(command: Command): Command {
  return command
    .option('--broker <url>', 'MQTT broker: mqtt://host:port, or mqtts://host:port for TLS', DEFAULT_BROKER)
    .option('--username <name>', 'broker user name')
    .option('--password <password>', 'broker password (or set EDGEML_MQTT_PASSWORD, which keeps it out of the process list)')
    .option('--ca <file>', 'PEM CA certificate(s) that sign the broker\'s TLS certificate')
    .option('--cert <file>', 'PEM client certificate, for brokers that want one')
    .option('--key <file>', 'PEM private key of --cert')
    .option('--prefix <prefix>', 'topic prefix of the fleet', DEFAULT_PREFIX)
    .option('--client-id <id>', 'MQTT client id of this host ([A-Za-z0-9_-], at most 23; default random)');
}

/** Checks the options (usage errors exit 2, unreadable files exit 3) and reads the TLS files. */
export function brokerSettings(o: BrokerCliOptions): BrokerSettings {
  let url: URL;
  try {
    url = new URL(o.broker);
  } catch {
    throw new CliError(`--broker ${o.broker}: expected mqtt://host:port or mqtts://host:port`, EXIT.usage);
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw new CliError(`--broker ${displayUrl(o.broker)}: the scheme must be mqtt:// or mqtts://`, EXIT.usage);
  if (!isPrefix(o.prefix)) throw new CliError(`--prefix "${o.prefix}": topic levels without wildcards (+, #) or empty levels, at most 128 characters`, EXIT.usage);
  const clientId = o.clientId ?? `edgeml-${randomBytes(6).toString('hex')}`;
  if (!isClientId(clientId)) throw new CliError(`--client-id "${clientId}": 1 to 23 of A-Z a-z 0-9 _ -`, EXIT.usage);
  if ((o.cert === undefined) !== (o.key === undefined)) throw new CliError('--cert and --key go together', EXIT.usage);
  const password = o.password ?? process.env.EDGEML_MQTT_PASSWORD;
  if (password !== undefined && o.username === undefined) throw new CliError('a password needs --username', EXIT.usage);
  const file = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  return { url: o.broker, prefix: o.prefix, clientId, username: o.username, password, ca: file(o.ca), cert: file(o.cert), key: file(o.key) };
}

/** Connects, or throws BrokerError after the first failed attempt or the connect timeout. */
export function connectBroker(s: BrokerSettings, extra: IClientOptions = {}): Promise<MqttClient> {
  const timeoutMs = s.connectTimeoutMs ?? 5000;
  const client = mqtt.connect(s.url, {
    protocolVersion: 4, // MQTT 3.1.1, what the devices speak
    clientId: s.clientId, username: s.username, password: s.password,
    ca: s.ca, cert: s.cert, key: s.key,
    // MQTT.js's own CONNACK timer only serves later reconnects: ours reports the first attempt.
    connectTimeout: timeoutMs + 1000, reconnectPeriod: 1000,
    ...extra,
  });
  const shown = displayUrl(s.url);
  return new Promise((resolve, reject) => {
    const fail = (e: BrokerError) => {
      cleanup();
      client.end(true);
      reject(e);
    };
    const onConnect = () => { cleanup(); resolve(client); };
    const onError = (e: Error) => fail(explainConnectError(s, e));
    const onClose = () => fail(new BrokerError('unreachable', `cannot reach the MQTT broker at ${shown}: the connection closed before the broker answered (${hint(s)})`));
    const timer = setTimeout(() => fail(new BrokerError('timeout', `the MQTT broker at ${shown} did not answer within ${timeoutMs / 1000} s (${hint(s)})`)), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      client.off('connect', onConnect).off('error', onError).off('close', onClose);
    };
    client.on('connect', onConnect).on('error', onError).on('close', onClose);
  });
}

/** Runs `fn` with a connected client and always disconnects (see closeClient). */
export async function withBroker<T>(s: BrokerSettings, fn: (client: MqttClient) => Promise<T>, extra?: IClientOptions): Promise<T> {
  const client = await connectBroker(s, extra);
  try {
    return await fn(client);
  } finally {
    await closeClient(client);
  }
}

/**
 * Disconnects without ever waiting on a broker that is gone. MQTT.js's plain end() waits until
 * every QoS 1 message in flight is acknowledged, forever when the broker does not come back (and
 * a later end(true) is then ignored): this lets them drain for at most `graceMs` while connected,
 * then closes, by force when something is still unacknowledged or the connection is down.
 */
export async function closeClient(client: MqttClient, graceMs = 5000): Promise<void> {
  const pending = () => Object.keys(client.outgoing).length > 0;
  if (client.connected && pending()) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('outgoingEmpty', done).off('close', done);
        resolve();
      };
      const timer = setTimeout(done, graceMs);
      client.on('outgoingEmpty', done).on('close', done);
    });
  }
  await client.endAsync(!client.connected || pending());
}

/**
 * Subscribes, or throws BrokerError (exit 4) with a sentence: a broker that refuses a filter
 * (SUBACK 0x80, an ACL that does not let this user read it) or a connection lost on the way.
 */
export async function subscribeOrFail(client: MqttClient, filters: string | string[], qos: 0 | 1): Promise<void> {
  const list = typeof filters === 'string' ? [filters] : filters;
  try {
    await client.subscribeAsync(list, { qos }); // MQTT.js rejects a SUBACK failure code (0x80)
  } catch (e) {
    // A refused filter: MQTT.js gives the SUBACK (ErrorWithSubackPacket) or, in older versions, its code.
    const { code, packet } = e as { code?: unknown; packet?: { granted?: unknown[] } };
    const failed = (c: unknown) => typeof c === 'number' && (c & 0x80) !== 0;
    const what = list.length === 1 ? list[0] : list.join(', ');
    if (failed(code) || packet?.granted?.some(failed)) {
      throw new BrokerError('refused', `the MQTT broker at ${brokerAddress(client)} refused the subscription to ${what} (does its access control let ${client.options.username === undefined ? 'clients without a user name' : `user "${client.options.username}"`} read these topics?)`);
    }
    throw new BrokerError('unreachable', `lost the MQTT broker at ${brokerAddress(client)} while subscribing to ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `url` as it may be shown: a password it carries (mqtt://user:password@host) becomes ***. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.href.endsWith('/') && !url.endsWith('/') ? u.href.slice(0, -1) : u.href;
  } catch {
    return url;
  }
}

/** What to call the broker a client is connected to, for sentences: scheme, host and port, no credentials. */
export function brokerAddress(client: MqttClient): string {
  const o = client.options;
  const host = o.hostname ?? o.host ?? '?';
  return `${o.protocol ?? 'mqtt'}://${host.includes(':') ? `[${host}]` : host}${o.port ? `:${o.port}` : ''}`;
}

function hint(s: BrokerSettings): string {
  return s.url.startsWith('mqtts:') ? 'is it an MQTT broker speaking TLS on that port?' : 'is it an MQTT broker? use mqtts:// if it wants TLS';
}

const CONNACK: Record<number, string> = {
  1: 'unacceptable protocol version (it needs MQTT 3.1.1)',
  2: 'client id rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized (wrong user name or password, or a user this broker does not let in)',
};

function explainConnectError(s: BrokerSettings, e: Error): BrokerError {
  const code = (e as { code?: string | number }).code;
  const url = new URL(s.url);
  const shown = displayUrl(s.url);
  // MQTT.js takes the URL's credentials over the options (so does the device: docs/mqtt-topics.md).
  const user = url.username !== '' ? decodeURIComponent(url.username) : s.username;
  const who = user === undefined ? 'without a user name (pass --username and --password)' : `as user "${user}"`;
  if (typeof code === 'number') {
    const reason = CONNACK[code] ?? `CONNACK code ${code}`;
    return new BrokerError(code === 4 || code === 5 ? 'credentials' : 'unreachable', `the MQTT broker at ${shown} refused the connection ${who}: ${reason}`);
  }
  const host = url.hostname;
  if (code === 'ECONNREFUSED') return new BrokerError('unreachable', `cannot reach the MQTT broker at ${shown}: connection refused (is a broker running there? \`edgeml broker\` starts one)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new BrokerError('unreachable', `cannot reach the MQTT broker at ${shown}: no such host "${host}"`);
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new BrokerError('unreachable', `cannot reach the MQTT broker at ${shown}: ${code === 'ETIMEDOUT' ? 'no answer' : 'no route to the host'}`);
  if (typeof code === 'string' && (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL/.test(code) || code === 'EPROTO' || code === 'ECONNRESET' && s.url.startsWith('mqtts:'))) {
    return new BrokerError('tls', `TLS with the MQTT broker at ${shown} failed: ${e.message}${s.ca ? '' : ' (pass the CA certificate that signed the broker\'s certificate with --ca)'}`);
  }
  return new BrokerError('unreachable', `cannot reach the MQTT broker at ${shown}: ${e.message}`);
}
