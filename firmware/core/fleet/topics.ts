// The topic tree of docs/mqtt-topics.md: `<prefix>/<id>/<kind>` and, for commands,
// `<prefix>/<id>/cmd|rsp/<client>`. Builders refuse names outside the tree (BAD_TOPIC), so a
// device id can never smuggle a wildcard or an extra level into a filter.
import { fleetFail } from './errors';

export const DEFAULT_PREFIX = 'edgeml';

/** The leaf of each topic under `<prefix>/<id>/`. */
export const TOPIC = {
  STATUS: 'status',
  TELEMETRY: 'telemetry',
  CMD: 'cmd',
  RSP: 'rsp',
  OFFER: 'ota/offer',
  CHUNK_REQUEST: 'ota/req',
  CHUNK: 'ota/data',
  OTA_STATE: 'ota/state',
} as const;

export type TopicKind = (typeof TOPIC)[keyof typeof TOPIC];

const KINDS: readonly string[] = [TOPIC.STATUS, TOPIC.TELEMETRY, TOPIC.OFFER, TOPIC.CHUNK_REQUEST, TOPIC.CHUNK, TOPIC.OTA_STATE];

function isIdChar(c: number, dot: boolean): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d || (dot && c === 0x2e);
}

function isName(s: string, max: number, dot: boolean): boolean {
  if (typeof s !== 'string' || s.length < 1 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) if (!isIdChar(s.charCodeAt(i), dot)) return false;
  return true;
}

/** A device id: `[A-Za-z0-9_.-]{1,64}`. */
export function isDeviceId(id: string): boolean { return isName(id, 64, true); }
/** A host client id: `[A-Za-z0-9_-]{1,23}` (MQTT 3.1.1's portable client id). */
export function isClientId(id: string): boolean { return isName(id, 23, false); }

/** A prefix: one or more non-empty levels without wildcards, at most 128 characters. */
export function isPrefix(prefix: string): boolean {
  if (typeof prefix !== 'string' || prefix.length < 1 || prefix.length > 128) return false;
  const levels = prefix.split('/');
  for (const l of levels) {
    if (l.length === 0 || l.indexOf('+') >= 0 || l.indexOf('#') >= 0 || l.indexOf('\u0000') >= 0) return false;
  }
  return true;
}

function checkPrefix(prefix: string): string {
  if (!isPrefix(prefix)) fleetFail('BAD_TOPIC', `prefix ${JSON.stringify(prefix)}: levels without + # or NUL, at most 128 characters`);
  return prefix;
}

function checkDevice(id: string): string {
  if (!isDeviceId(id)) fleetFail('BAD_TOPIC', `device id ${JSON.stringify(id)}: [A-Za-z0-9_.-]{1,64}`);
  return id;
}

function checkClient(id: string): string {
  if (!isClientId(id)) fleetFail('BAD_TOPIC', `client id ${JSON.stringify(id)}: [A-Za-z0-9_-]{1,23}`);
  return id;
}

/** The topics of one device. */
export interface DeviceTopics {
  readonly base: string;
  readonly status: string;
  readonly telemetry: string;
  readonly offer: string;
  readonly chunkRequest: string;
  readonly chunk: string;
  readonly otaState: string;
  /** What the device subscribes to for commands: `<base>/cmd/+`. */
  readonly cmdFilter: string;
  cmd(client: string): string;
  rsp(client: string): string;
}

export function deviceTopics(prefix: string, id: string): DeviceTopics {
  const base = `${checkPrefix(prefix)}/${checkDevice(id)}`;
  return {
    base,
    status: `${base}/${TOPIC.STATUS}`,
    telemetry: `${base}/${TOPIC.TELEMETRY}`,
    offer: `${base}/${TOPIC.OFFER}`,
    chunkRequest: `${base}/${TOPIC.CHUNK_REQUEST}`,
    chunk: `${base}/${TOPIC.CHUNK}`,
    otaState: `${base}/${TOPIC.OTA_STATE}`,
    cmdFilter: `${base}/${TOPIC.CMD}/+`,
    cmd: (client) => `${base}/${TOPIC.CMD}/${checkClient(client)}`,
    rsp: (client) => `${base}/${TOPIC.RSP}/${checkClient(client)}`,
  };
}

/** A filter for one kind of topic of every device under `prefix` (a host's subscription). */
export function fleetFilter(prefix: string, kind: TopicKind, client?: string): string {
  checkPrefix(prefix);
  if (kind === TOPIC.CMD || kind === TOPIC.RSP) return `${prefix}/+/${kind}/${client === undefined ? '+' : checkClient(client)}`;
  if (KINDS.indexOf(kind) < 0) fleetFail('BAD_TOPIC', `no topic kind ${String(kind)}`);
  return `${prefix}/+/${kind}`;
}

export interface ParsedTopic {
  readonly deviceId: string;
  readonly kind: TopicKind;
  /** cmd and rsp only. */
  readonly client?: string;
}

/** The device and kind of a topic of the tree under `prefix`, or undefined for any other topic. */
export function parseTopic(prefix: string, topic: string): ParsedTopic | undefined {
  if (typeof topic !== 'string' || !isPrefix(prefix) || topic.length <= prefix.length + 1) return undefined;
  if (topic.slice(0, prefix.length) !== prefix || topic.charCodeAt(prefix.length) !== 0x2f) return undefined;
  const rest = topic.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const deviceId = rest.slice(0, slash);
  const leaf = rest.slice(slash + 1);
  if (!isDeviceId(deviceId)) return undefined;
  if (KINDS.indexOf(leaf) >= 0) return { deviceId, kind: leaf as TopicKind };
  const at = leaf.indexOf('/');
  if (at < 0) return undefined;
  const kind = leaf.slice(0, at);
  const client = leaf.slice(at + 1);
  if ((kind !== TOPIC.CMD && kind !== TOPIC.RSP) || !isClientId(client)) return undefined;
  return { deviceId, kind, client };
}
