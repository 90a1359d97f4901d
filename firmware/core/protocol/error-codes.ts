// The error code table of the serial protocol: the `code` byte of an ERROR response, of a
// MODEL_END verification check, and of other results. Numbers are stable across versions.

export const ErrorCode = {
  OK: 0,
  BAD_FRAME: 1,             // a frame the device could read the header of, but not use
  UNKNOWN_COMMAND: 2,       // a message type the device does not handle (or not as a request)
  BAD_ARGUMENT: 3,          // a payload of the wrong size or a field out of range
  BUSY: 4,                  // another operation is running (upload, capture, restart pending)
  NO_MODEL: 5,              // no active model (PREDICT, STREAM, ROLLBACK target)
  MODEL_TOO_LARGE: 6,       // the package does not fit the inactive slot
  BAD_OFFSET: 7,            // a chunk outside [0, size), or MODEL_END before every byte arrived
  HASH_MISMATCH: 8,         // the received bytes do not hash to the SHA-256 given at MODEL_BEGIN
  BAD_CRC: 9,               // the package CRC-32 does not match
  BAD_SIGNATURE: 10,        // missing or wrong signature for the trusted key
  OLDER_VERSION: 11,        // model version not newer than the active one (and not forced)
  SELFTEST_FAILED: 12,      // an embedded self-test vector did not reproduce exactly
  WRONG_INPUT_SHAPE: 13,    // the model's input does not match the device's feature pipeline / sensors
  FLASH_ERROR: 14,          // erase, write or read of the flash failed
  BAD_PACKAGE: 15,          // the package does not load (a ModelError; the message carries its code)
  NO_SESSION: 16,           // MODEL_CHUNK or MODEL_END without a MODEL_BEGIN
  NOT_VERIFIED: 17,         // ACTIVATE of a slot that MODEL_END did not verify
  NO_ROLLBACK: 18,          // no valid previous model to roll back to
  UNSUPPORTED_VERSION: 19,  // protocol version outside what the device speaks
  NOT_SUPPORTED: 20,        // a capability this device lacks (no sensor for SAMPLE …)
  TOO_LARGE: 21,            // a request beyond a device limit (input length, window count …)
  UNKNOWN_KEY: 22,          // CONFIG: no such key
  READ_ONLY: 23,            // CONFIG: the key cannot be set
  BAD_TYPE: 24,             // CONFIG: a value of the wrong type for the key
  TIMEOUT: 25,              // the device gave up waiting (sensor, capture)
  INTERNAL: 26,             // an unexpected failure inside the device
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

const NAMES: string[] = [];
for (const name of Object.keys(ErrorCode) as ErrorCodeName[]) NAMES[ErrorCode[name]] = name;

/** The name of an error code, or `ERROR_<n>` for a number this table does not have. */
export function errorCodeName(code: number): string {
  return NAMES[code] ?? `ERROR_${code}`;
}

/** True for a number in the table. */
export function isKnownErrorCode(code: number): boolean {
  return NAMES[code] !== undefined;
}
