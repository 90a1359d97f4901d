// Typed errors for everything the core rejects. `code` is stable and documented in
// docs/model-format.md; messages are for people and may change.

export type ModelErrorCode =
  | 'TRUNCATED'          // buffer shorter than a declared length
  | 'MISALIGNED'         // buffer or section not on the alignment the format requires
  | 'BAD_MAGIC'
  | 'UNSUPPORTED_VERSION'
  | 'BAD_CRC'
  | 'BAD_HEADER'         // a header field out of range
  | 'BAD_SECTION'        // section table entry out of range, overlapping, duplicated or missing
  | 'BAD_INPUT_SPEC'
  | 'BAD_OUTPUT_SPEC'
  | 'BAD_BODY'           // model body inconsistent (counts, offsets, indices)
  | 'BAD_TREE'           // a tree link that points backwards, out of range, or to nothing
  | 'UNKNOWN_KIND'
  | 'UNKNOWN_OP'
  | 'BAD_SHAPE'          // tensor shapes that an op cannot take
  | 'BAD_QUANT'          // quantization parameters out of range (scale <= 0, zero point, shift)
  | 'OVERFLOW'           // a model whose accumulators could overflow int32
  | 'TOO_LARGE'          // exceeds an implementation limit
  | 'BAD_SELFTEST'
  | 'BAD_SIGNATURE_SECTION'
  | 'BAD_ARGUMENT';

export class ModelError extends Error {
  readonly code: ModelErrorCode;
  constructor(code: ModelErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ModelError';
    this.code = code;
  }
}

export function fail(code: ModelErrorCode, message: string): never {
  throw new ModelError(code, message);
}
