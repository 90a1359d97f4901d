// Typed errors of the protocol codec. Message encoders and decoders throw ProtocolError;
// the streaming frame decoder never throws on input bytes: it reports FrameError records.

export type ProtocolErrorCode =
  | 'BAD_PAYLOAD'   // a message payload of the wrong size, or a field out of range, on decode
  | 'BAD_VALUE'     // a value that the layout cannot carry, on encode (a caller bug)
  | 'BAD_COBS'      // a COBS block cut short by the end of the data
  | 'UNKNOWN_TYPE'  // a message type this codec does not have
  | 'TOO_LARGE';    // beyond a size limit (payload length field, maximum frame)

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

export function protocolFail(code: ProtocolErrorCode, message: string): never {
  throw new ProtocolError(code, message);
}
