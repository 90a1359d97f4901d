// Message types. A request from the host has a type in 0x01..0x3F; the device answers it with
// the same sequence number and the type `request | 0x80`, or with ERROR (0xFF). Events are
// pushed by the device unasked (0x40..0x5F) and carry the device's own event counter as
// their sequence number.

export const MSG = {
  // requests (host → device)
  HELLO: 0x01,
  PREDICT: 0x02,
  STREAM: 0x03,
  SAMPLE: 0x04,
  MODEL_BEGIN: 0x05,
  MODEL_CHUNK: 0x06,
  MODEL_END: 0x07,
  ACTIVATE: 0x08,
  ROLLBACK: 0x09,
  STATS: 0x0a,
  CONFIG_GET: 0x0b,
  CONFIG_SET: 0x0c,
  RESTART: 0x0d,
  // responses (device → host): request | 0x80
  INFO: 0x81,
  PREDICT_RESULT: 0x82,
  STREAM_STATE: 0x83,
  SAMPLE_STARTED: 0x84,
  MODEL_BEGIN_ACK: 0x85,
  MODEL_CHUNK_ACK: 0x86,
  MODEL_END_RESULT: 0x87,
  ACTIVATED: 0x88,
  ROLLED_BACK: 0x89,
  STATS_REPORT: 0x8a,
  CONFIG_VALUES: 0x8b,
  CONFIG_SET_VALUES: 0x8c,
  RESTARTING: 0x8d,
  ERROR: 0xff,
  // events (device → host, unasked)
  RESULT: 0x40,
  SAMPLE_DATA: 0x41,
  LOG: 0x42,
} as const;

export type MessageTypeName = keyof typeof MSG;
export type MessageType = (typeof MSG)[MessageTypeName];

const NAMES: (MessageTypeName | undefined)[] = new Array(256);
for (const name of Object.keys(MSG) as MessageTypeName[]) NAMES[MSG[name]] = name;

export function isKnownType(type: number): boolean { return NAMES[type] !== undefined; }
export function messageTypeName(type: number): string { return NAMES[type] ?? `TYPE_0x${type.toString(16)}`; }

export function isRequestType(type: number): boolean { return type >= 0x01 && type <= 0x3f && NAMES[type] !== undefined; }
export function isEventType(type: number): boolean { return type >= 0x40 && type <= 0x5f && NAMES[type] !== undefined; }
/** A response to some request (ERROR included). */
export function isResponseType(type: number): boolean { return type >= 0x80 && NAMES[type] !== undefined; }
/** The successful response type of a request type. */
export function responseTypeOf(requestType: number): number { return requestType | 0x80; }
/** True if a frame of `responseType` answers a request of `requestType` (its own response or ERROR). */
export function answers(requestType: number, responseType: number): boolean {
  return responseType === MSG.ERROR || responseType === (requestType | 0x80);
}

/** Sequence numbers are u16 and wrap. */
export function nextSeq(seq: number): number { return (seq + 1) & 0xffff; }
