// Typed errors of the MQTT payload codecs. Decoders throw FleetError for anything a broker may
// deliver that is not a valid payload; encoders throw it (BAD_VALUE) for a value a field cannot
// carry. `reason` is the words without the code, for an OTA_STATE message or a log line.

export type FleetErrorCode =
  | 'BAD_LAYOUT'    // the layout byte is not the one this codec reads
  | 'BAD_SIZE'      // a payload of the wrong size for its layout
  | 'BAD_RESERVED'  // a reserved byte or flag bit that is not zero
  | 'BAD_FIELD'     // a field out of the range its layout allows, on decode
  | 'BAD_VALUE'     // a value a field cannot carry, on encode (a caller bug)
  | 'BAD_TOPIC';    // a topic, prefix, device id or client id outside the topic tree

export class FleetError extends Error {
  readonly code: FleetErrorCode;
  readonly reason: string;
  constructor(code: FleetErrorCode, reason: string) {
    super(`${code}: ${reason}`);
    this.name = 'FleetError';
    this.code = code;
    this.reason = reason;
  }
}

export function fleetFail(code: FleetErrorCode, reason: string): never {
  throw new FleetError(code, reason);
}
