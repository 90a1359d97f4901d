// Refusals of the model store. Codes are the serial protocol's error codes
// (firmware/core/protocol/error-codes.ts), so a protocol server sends them as they are.
import type { ErrorCodeName } from '../../core/protocol/error-codes';

export class ModelStoreError extends Error {
  readonly code: ErrorCodeName;
  /** What went wrong underneath (the flash's own exception for FLASH_ERROR). */
  override readonly cause: unknown;

  constructor(code: ErrorCodeName, message: string, cause?: unknown) {
    super(`${code}: ${message}`);
    this.name = 'ModelStoreError';
    this.code = code;
    this.cause = cause;
  }
}

export function storeFail(code: ErrorCodeName, message: string, cause?: unknown): never {
  throw new ModelStoreError(code, message, cause);
}
