// The checks a package in a slot must pass before it may run: the MODEL_END checks of the serial
// protocol, in their order (HASH, CRC, PACKAGE, SIGNATURE, VERSION, INPUT_SHAPE, SELFTEST).
// After the first failure the remaining checks are SKIPPED.
import { crc32 } from '../../core/crc32';
import type { InputSpec } from '../../core/engine';
import { ModelError } from '../../core/errors';
import { LoadOptions, Model, loadModel } from '../../core/model';
import { ErrorCode, ErrorCodeName } from '../../core/protocol/error-codes';
import { Check, CheckResult, CheckStatus } from '../../core/protocol/messages/model';
import type { Crypto } from '../../platform/interfaces';

/** The input a device can feed: element type (1 int8, 2 int16) and dims. */
export interface InputShape {
  readonly dtype: number;
  readonly dims: readonly number[];
}

export interface VerifyPolicy {
  readonly crypto: Crypto;
  /** 65-byte uncompressed P-256 point; undefined: the device trusts no key. */
  readonly trustedKey: Uint8Array | undefined;
  /** Refuse packages without a valid signature by the trusted key (with no key: refuse all). */
  readonly requireSignature: boolean;
  /** Refuse packages without self-test vectors. */
  readonly requireSelfTest: boolean;
  /** What INPUT must be: 'active' (the running model's shape), 'any', or a fixed shape. */
  readonly inputShape: 'active' | 'any' | InputShape;
  readonly loadOptions: LoadOptions | undefined;
}

export interface VerifyRequest {
  /** The SHA-256 the bytes must have (undefined: no HASH check, e.g. a slot no record describes). */
  readonly sha256: Uint8Array | undefined;
  /** Run the VERSION check against this version (undefined: no running model, or not wanted). */
  readonly activeVersion: number | undefined;
  readonly force: boolean;
  /** Run INPUT_SHAPE; `activeInput` is the running model's input ('active' policy). */
  readonly checkShape: boolean;
  readonly activeInput: InputSpec | undefined;
}

export interface Verification {
  readonly ok: boolean;
  /** 'OK' or the first failure's code. */
  readonly code: ErrorCodeName;
  /** The first failure's message (empty when ok). */
  readonly message: string;
  readonly checks: CheckResult[];
  /** SHA-256 of the bytes, as computed (zeros when the HASH check did not run). */
  readonly sha256: Uint8Array;
  /** From the package header; 0 when the package did not load. */
  readonly modelVersion: number;
  /** The loaded model when every check passed. */
  readonly model: Model | undefined;
}

const CHECK_ORDER = [Check.HASH, Check.CRC, Check.PACKAGE, Check.SIGNATURE, Check.VERSION, Check.INPUT_SHAPE, Check.SELFTEST];

export function verifyPackage(stored: Uint8Array, policy: VerifyPolicy, request: VerifyRequest): Verification {
  const bytes = (stored.byteOffset & 3) === 0 ? stored : stored.slice(); // the loader wants 4-byte alignment
  const checks: CheckResult[] = [];
  let failed: { code: ErrorCodeName; message: string } | undefined;
  const record = (check: number, code: ErrorCodeName, message: string): void => {
    if (failed) return;
    checks.push({ check, status: code === 'OK' ? CheckStatus.PASS : CheckStatus.FAIL, code: ErrorCode[code], message });
    if (code !== 'OK') failed = { code, message };
  };
  let sha256: Uint8Array = new Uint8Array(32);
  let model: Model | undefined;

  // HASH: the bytes are the ones announced.
  if (request.sha256) {
    sha256 = policy.crypto.sha256(bytes);
    record(Check.HASH, equalBytes(sha256, request.sha256) ? 'OK' : 'HASH_MISMATCH',
      equalBytes(sha256, request.sha256) ? '' : `the ${bytes.length} bytes hash to ${hex(sha256)}, expected ${hex(request.sha256)}`);
  }

  // CRC: the package's CRC-32 over everything before it.
  if (failed) { /* skipped */ }
  else if (bytes.length < 8) record(Check.CRC, 'BAD_CRC', `${bytes.length} bytes is too short for a package`);
  else {
    const end = bytes.length - 4;
    const stored32 = (bytes[end] | (bytes[end + 1] << 8) | (bytes[end + 2] << 16) | (bytes[end + 3] << 24)) >>> 0;
    const actual = crc32(bytes, 0, end);
    record(Check.CRC, stored32 === actual ? 'OK' : 'BAD_CRC', stored32 === actual ? '' : `stored ${hex32(stored32)}, computed ${hex32(actual)}`);
  }

  // PACKAGE: the package loads (every section and the body validated, memory planned).
  if (!failed) {
    try {
      model = loadModel(bytes, { ...policy.loadOptions, skipCrc: true });
      record(Check.PACKAGE, 'OK', '');
    } catch (err) {
      record(Check.PACKAGE, 'BAD_PACKAGE', err instanceof ModelError ? err.code : String(err));
    }
  }

  if (model && !failed) record(Check.SIGNATURE, ...signatureCheck(model, policy));

  if (model && !failed && request.activeVersion !== undefined) {
    const version = model.header.modelVersion;
    if (version > request.activeVersion) record(Check.VERSION, 'OK', '');
    else if (request.force) record(Check.VERSION, 'OK', `version ${version} not newer than ${request.activeVersion}: forced`);
    else record(Check.VERSION, 'OLDER_VERSION', `version ${version} is not newer than the active ${request.activeVersion}`);
  }

  // The input shape the device needs, when the check applies at all.
  const want = !request.checkShape ? undefined
    : policy.inputShape === 'active' ? request.activeInput : policy.inputShape === 'any' ? undefined : policy.inputShape;
  if (model && !failed && want) {
    const got = model.inputSpec;
    const same = got.dtype === want.dtype && got.dims.length === want.dims.length && got.dims.every((d, i) => d === want.dims[i]);
    record(Check.INPUT_SHAPE, same ? 'OK' : 'WRONG_INPUT_SHAPE', same ? '' : `input ${shapeText(got)}, the device needs ${shapeText(want)}`);
  }

  if (model && !failed) {
    const result = model.selfTest();
    if (!result.passed) record(Check.SELFTEST, 'SELFTEST_FAILED', `vector ${result.failedVector} of ${result.count} differs`);
    else if (result.count === 0 && policy.requireSelfTest) record(Check.SELFTEST, 'SELFTEST_FAILED', 'the package has no self-test vectors');
    else record(Check.SELFTEST, 'OK', `${result.count} vectors`);
  }

  // Everything that did not run is SKIPPED (checks that do not apply, e.g. VERSION with no running model, are left out).
  if (failed) {
    const ran = checks.map((c) => c.check);
    for (const check of CHECK_ORDER) {
      if (ran.indexOf(check) >= 0) continue;
      if (check === Check.HASH && !request.sha256) continue;
      if (check === Check.VERSION && request.activeVersion === undefined) continue;
      if (check === Check.INPUT_SHAPE && !want) continue;
      checks.push({ check, status: CheckStatus.SKIPPED, code: ErrorCode.OK, message: '' });
    }
  }
  return {
    ok: !failed,
    code: failed ? failed.code : 'OK',
    message: failed ? failed.message : '',
    checks,
    sha256,
    modelVersion: model ? model.header.modelVersion : 0,
    model: failed ? undefined : model,
  };
}

function signatureCheck(model: Model, policy: VerifyPolicy): [ErrorCodeName, string] {
  const signature = model.signature;
  const key = policy.trustedKey;
  if (!signature) return policy.requireSignature ? ['BAD_SIGNATURE', 'the package is not signed'] : ['OK', 'not signed (signatures not required)'];
  if (!key) return policy.requireSignature ? ['BAD_SIGNATURE', 'the device has no trusted key'] : ['OK', 'signed, not verified: the device has no trusted key'];
  const keyId = policy.crypto.sha256(key).subarray(0, 8);
  if (!equalBytes(keyId, signature.keyId)) return ['BAD_SIGNATURE', `signed by key ${hex(signature.keyId)}, the device trusts ${hex(keyId)}`];
  let verified: boolean;
  try {
    verified = policy.crypto.verifyP256(key, model.signedBytes(), signature.signature);
  } catch (err) {
    // A board's verifier throws on a malformed key or point: the package is refused, not lost.
    return ['BAD_SIGNATURE', `the signature could not be checked: ${String(err)}`];
  }
  return verified ? ['OK', ''] : ['BAD_SIGNATURE', 'the signature does not verify with the trusted key'];
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

function hex32(n: number): string {
  return '0x' + ('0000000' + n.toString(16)).slice(-8);
}

function shapeText(s: InputShape): string {
  return `${s.dtype === 1 ? 'int8' : s.dtype === 2 ? 'int16' : `type ${s.dtype}`} [${s.dims.join(', ')}]`;
}
