// Every message type with its layout: encode a body into a payload or a whole wire frame,
// decode a payload or a received frame into a typed message.
import { ByteReader, ByteWriter } from './bytes';
import { protocolFail } from './errors';
import { Frame, encodeFrame } from './frame';
import { ACTIVATE, ACTIVE_MODEL, Activate, ActiveModel, MODEL_BEGIN, MODEL_BEGIN_ACK, MODEL_CHUNK, MODEL_CHUNK_ACK, MODEL_END_RESULT, ModelBegin, ModelBeginAck, ModelChunk, ModelChunkAck, ModelEndResult } from './messages/model';
import { CONFIG_GET, CONFIG_SET, CONFIG_VALUES, ConfigEntry, ConfigGet, ConfigValues, ERROR, ErrorResponse, LOG, Log, RESTART, Restart, STATS, STATS_REPORT, Stats, StatsReport } from './messages/admin';
import { HELLO, Hello, INFO, Info } from './messages/info';
import { PREDICT, PREDICT_RESULT, Predict, PredictResult, RESULT, Result, SAMPLE, SAMPLE_DATA, SAMPLE_STARTED, STREAM, Sample, SampleData, SampleStarted, Stream } from './messages/inference';
import { EMPTY, Layout } from './messages/layout';
import { MSG, messageTypeName } from './types';
import { truncateUtf8 } from './utf8-encoder';

type Empty = Record<string, never>;

/** The body type of each message type. */
export interface MessageBodies {
  [MSG.HELLO]: Hello;
  [MSG.PREDICT]: Predict;
  [MSG.STREAM]: Stream;
  [MSG.SAMPLE]: Sample;
  [MSG.MODEL_BEGIN]: ModelBegin;
  [MSG.MODEL_CHUNK]: ModelChunk;
  [MSG.MODEL_END]: Empty;
  [MSG.ACTIVATE]: Activate;
  [MSG.ROLLBACK]: Empty;
  [MSG.STATS]: Stats;
  [MSG.CONFIG_GET]: ConfigGet;
  [MSG.CONFIG_SET]: ConfigEntry;
  [MSG.RESTART]: Restart;
  [MSG.INFO]: Info;
  [MSG.PREDICT_RESULT]: PredictResult;
  [MSG.STREAM_STATE]: Stream;
  [MSG.SAMPLE_STARTED]: SampleStarted;
  [MSG.MODEL_BEGIN_ACK]: ModelBeginAck;
  [MSG.MODEL_CHUNK_ACK]: ModelChunkAck;
  [MSG.MODEL_END_RESULT]: ModelEndResult;
  [MSG.ACTIVATED]: ActiveModel;
  [MSG.ROLLED_BACK]: ActiveModel;
  [MSG.STATS_REPORT]: StatsReport;
  [MSG.CONFIG_VALUES]: ConfigValues;
  [MSG.CONFIG_SET_VALUES]: ConfigValues;
  [MSG.RESTARTING]: Empty;
  [MSG.ERROR]: ErrorResponse;
  [MSG.RESULT]: Result;
  [MSG.SAMPLE_DATA]: SampleData;
  [MSG.LOG]: Log;
}

export type MessageTypeOf = keyof MessageBodies;

/** A decoded message: its type and its body, discriminated by `type`. */
export type Message = { [T in MessageTypeOf]: { readonly type: T; readonly body: MessageBodies[T] } }[MessageTypeOf];

const LAYOUTS: { readonly [T in MessageTypeOf]: Layout<MessageBodies[T]> } = {
  [MSG.HELLO]: HELLO,
  [MSG.PREDICT]: PREDICT,
  [MSG.STREAM]: STREAM,
  [MSG.SAMPLE]: SAMPLE,
  [MSG.MODEL_BEGIN]: MODEL_BEGIN,
  [MSG.MODEL_CHUNK]: MODEL_CHUNK,
  [MSG.MODEL_END]: EMPTY,
  [MSG.ACTIVATE]: ACTIVATE,
  [MSG.ROLLBACK]: EMPTY,
  [MSG.STATS]: STATS,
  [MSG.CONFIG_GET]: CONFIG_GET,
  [MSG.CONFIG_SET]: CONFIG_SET,
  [MSG.RESTART]: RESTART,
  [MSG.INFO]: INFO,
  [MSG.PREDICT_RESULT]: PREDICT_RESULT,
  [MSG.STREAM_STATE]: STREAM,
  [MSG.SAMPLE_STARTED]: SAMPLE_STARTED,
  [MSG.MODEL_BEGIN_ACK]: MODEL_BEGIN_ACK,
  [MSG.MODEL_CHUNK_ACK]: MODEL_CHUNK_ACK,
  [MSG.MODEL_END_RESULT]: MODEL_END_RESULT,
  [MSG.ACTIVATED]: ACTIVE_MODEL,
  [MSG.ROLLED_BACK]: ACTIVE_MODEL,
  [MSG.STATS_REPORT]: STATS_REPORT,
  [MSG.CONFIG_VALUES]: CONFIG_VALUES,
  [MSG.CONFIG_SET_VALUES]: CONFIG_VALUES,
  [MSG.RESTARTING]: EMPTY,
  [MSG.ERROR]: ERROR,
  [MSG.RESULT]: RESULT,
  [MSG.SAMPLE_DATA]: SAMPLE_DATA,
  [MSG.LOG]: LOG,
};

function layoutOf(type: number): Layout<unknown> {
  const layout = (LAYOUTS as Record<number, Layout<unknown> | undefined>)[type];
  if (!layout) protocolFail('UNKNOWN_TYPE', `no message type ${messageTypeName(type)}`);
  return layout;
}

/** The payload of a message. Throws ProtocolError BAD_VALUE (or UNKNOWN_TYPE). */
export function encodePayload<T extends MessageTypeOf>(type: T, body: MessageBodies[T]): Uint8Array {
  const layout = layoutOf(type);
  if (body === null || typeof body !== 'object') protocolFail('BAD_VALUE', `${messageTypeName(type)}: the body must be an object`);
  const w = new ByteWriter(64);
  try {
    layout.write(w, body);
  } catch (e) {
    if (e instanceof TypeError) protocolFail('BAD_VALUE', `${messageTypeName(type)}: ${e.message}`); // a missing field
    throw e;
  }
  return w.finish();
}

/** A message's body from its payload. Throws ProtocolError BAD_PAYLOAD (or UNKNOWN_TYPE); never anything else. */
export function decodePayload<T extends MessageTypeOf>(type: T, payload: Uint8Array): MessageBodies[T];
export function decodePayload(type: number, payload: Uint8Array): unknown;
export function decodePayload(type: number, payload: Uint8Array): unknown {
  const layout = layoutOf(type);
  const r = new ByteReader(payload);
  const body = layout.read(r);
  r.end(messageTypeName(type));
  return body;
}

/** A message ready for the wire: the frame, COBS-stuffed, with its delimiter. */
export function encodeMessage<T extends MessageTypeOf>(type: T, seq: number, body: MessageBodies[T], flags = 0): Uint8Array {
  return encodeFrame(type, seq, encodePayload(type, body), flags);
}

/** The typed message of a received frame. Throws ProtocolError BAD_PAYLOAD or UNKNOWN_TYPE. */
export function decodeMessage(frame: Frame): Message {
  return { type: frame.type, body: decodePayload(frame.type, frame.payload) } as Message;
}



/** An ERROR response ready for the wire; the message is cut to 255 bytes of UTF-8. */
export function encodeError(seq: number, code: number, requestType: number, message: string): Uint8Array {
  return encodeMessage(MSG.ERROR, seq, { code, requestType, message: truncateUtf8(message, 255) });
}
