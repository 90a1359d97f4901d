// The simulator's MQTT bridge protocol between the firmware in XS and the Node host (no Node
// APIs: both sides bundle it). XS calls the host synchronously (issueCommand) with the ops
// below; the host queues what the broker does (connect, message, disconnect) and hands the
// queue over when XS polls at the start of each crank.
import { decodeUtf8, encodeUtf8 } from './protocol';

/** Bridge ops (next to protocol.ts's Op numbers, which stay below 64). */
export const MqttOp = {
  /** [u16 n][JSON {clientId, keepAliveSeconds, willTopic, willRetain}, n bytes][will payload] → [u32 maxMessage] */
  OPEN: 64,
  /** [u8 retain][u16 n][topic][payload] → [1] handed to the connection, [0] not */
  PUBLISH: 65,
  /** [filter] */
  SUBSCRIBE: 66,
  /** Sends DISCONNECT and stops reconnecting. */
  CLOSE: 67,
  /** → the queued events */
  POLL: 68,
} as const;

export const MqttEvent = { CONNECT: 1, MESSAGE: 2, DISCONNECT: 3 } as const;

export interface OpenRequest {
  clientId: string;
  keepAliveSeconds: number;
  willTopic: string;
  willRetain: boolean;
}

export interface BridgeEvent {
  kind: number;
  /** The topic (MESSAGE) or the reason (DISCONNECT). */
  text: string;
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** An event record: [u8 kind][u16 n][text, UTF-8][u32 length][payload]. */
export function encodeEvent(kind: number, text: string, payload: Uint8Array = EMPTY): Uint8Array {
  const t = encodeUtf8(text);
  const out = new Uint8Array(7 + t.length + payload.length);
  out[0] = kind;
  out[1] = t.length & 0xff;
  out[2] = t.length >>> 8;
  out.set(t, 3);
  const at = 3 + t.length;
  out[at] = payload.length & 0xff;
  out[at + 1] = (payload.length >>> 8) & 0xff;
  out[at + 2] = (payload.length >>> 16) & 0xff;
  out[at + 3] = payload.length >>> 24;
  out.set(payload, at + 4);
  return out;
}

/** The records of a POLL reply (payloads are views into `bytes`). */
export function decodeEvents(bytes: Uint8Array): BridgeEvent[] {
  const out: BridgeEvent[] = [];
  let at = 0;
  while (at + 7 <= bytes.length) {
    const kind = bytes[at];
    const n = bytes[at + 1] | (bytes[at + 2] << 8);
    const text = decodeUtf8(bytes.subarray(at + 3, at + 3 + n));
    const p = at + 3 + n;
    const length = (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >>> 0;
    out.push({ kind, text, payload: bytes.subarray(p + 4, p + 4 + length) });
    at = p + 4 + length;
  }
  return out;
}

export function encodeOpen(request: OpenRequest, will: Uint8Array): Uint8Array {
  const json = encodeUtf8(JSON.stringify(request));
  const out = new Uint8Array(2 + json.length + will.length);
  out[0] = json.length & 0xff;
  out[1] = json.length >>> 8;
  out.set(json, 2);
  out.set(will, 2 + json.length);
  return out;
}

export function decodeOpen(body: Uint8Array): { request: OpenRequest; will: Uint8Array } {
  const n = body[0] | (body[1] << 8);
  return { request: JSON.parse(decodeUtf8(body.subarray(2, 2 + n))) as OpenRequest, will: body.slice(2 + n) };
}

export function encodePublish(topic: string, payload: Uint8Array, retain: boolean): Uint8Array {
  const t = encodeUtf8(topic);
  const out = new Uint8Array(3 + t.length + payload.length);
  out[0] = retain ? 1 : 0;
  out[1] = t.length & 0xff;
  out[2] = t.length >>> 8;
  out.set(t, 3);
  out.set(payload, 3 + t.length);
  return out;
}

export function decodePublish(body: Uint8Array): { topic: string; payload: Uint8Array; retain: boolean } {
  const n = body[1] | (body[2] << 8);
  return { retain: body[0] === 1, topic: decodeUtf8(body.subarray(3, 3 + n)), payload: body.subarray(3 + n) };
}

export function isMqttOp(op: number): boolean {
  return op >= MqttOp.OPEN && op <= MqttOp.POLL;
}
