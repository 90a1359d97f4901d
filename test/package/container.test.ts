import { describe, expect, it } from 'vitest';
import { crc32 } from '../../firmware/core/crc32';
import { ModelError } from '../../firmware/core/errors';
import { loadModel } from '../../firmware/core/model';
import { SECTION_SELFTEST } from '../../firmware/core/package/layout';
import { parseContainer } from '../../firmware/core/package/container';
import { buildPackage } from '../../host/package/build';
import { encodePackage } from '../../host/package/encode';
import { alignedCopy } from '../../host/package/read';
import { createSigner, generateSigningKeys, keyIdOf, verifySignature } from '../../host/package/signing';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { Prng } from '../support/prng';

const rng = new Prng(2024);
const trees = randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees: 4, depth: 5, features: 12, classes: 3 });
const def = { ...treePackageDef(trees, 3, 'vibration-rf ✓'), modelVersion: 42, createdAt: 1_800_000_123 };
const inputs = Array.from({ length: 5 }, () => Array.from({ length: 12 }, () => rng.int(-3000, 3000)));
const keys = generateSigningKeys();

/** Rewrites the CRC so a deliberate change reaches the deeper checks. */
function fixCrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

function codeOf(f: () => unknown): string {
  try { f(); } catch (e) {
    if (e instanceof ModelError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('package container', () => {
  it('round-trips header, specs, self-test and signature', () => {
    const bytes = buildPackage(def, { selfTestInputs: inputs, signer: createSigner(keys.privateKeyPem) });
    const model = loadModel(bytes);
    expect(model.header).toEqual({ formatVersion: 1, kind: 1, modelVersion: 42, createdAt: 1_800_000_123, totalLength: bytes.length, name: 'vibration-rf ✓' });
    expect(model.inputSpec.dims).toEqual([12]);
    expect(model.outputSpec.labels).toEqual(['class 0', 'class 1', 'class 2']);
    expect(model.outputSpec.classCount).toBe(3);
    expect(model.selfTestVectors).toHaveLength(5);
    expect(model.selfTest()).toEqual({ passed: true, count: 5, failedVector: -1 });
    expect(Array.from(model.selfTestVectors[2].input)).toEqual(inputs[2]);

    const signed = model.signedBytes();
    expect(signed.length).toBe(bytes.length - 4 - 76);
    expect(verifySignature(keys.publicKeyPem, signed, model.signature!.signature)).toBe(true);
    expect(Array.from(model.signature!.keyId)).toEqual(Array.from(keyIdOf(keys.publicKeyPem)));
    const other = generateSigningKeys();
    expect(verifySignature(other.publicKeyPem, signed, model.signature!.signature)).toBe(false);
  });

  it('encodes one model one way: re-encoding gives identical bytes', () => {
    const a = buildPackage(def, { selfTestInputs: inputs });
    const b = buildPackage(def, { selfTestInputs: inputs });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('makes views into the buffer rather than copies', () => {
    const bytes = buildPackage(def);
    const container = parseContainer(bytes);
    for (const section of container.sections) if (section) expect(section.buffer).toBe(bytes.buffer);
  });

  it('loads from an aligned offset inside a larger buffer and refuses a misaligned one', () => {
    const bytes = buildPackage(def);
    const big = new Uint8Array(bytes.length + 8);
    big.set(bytes, 4);
    expect(loadModel(big.subarray(4, 4 + bytes.length)).header.name).toBe(def.name);
    const odd = new Uint8Array(bytes.length + 8);
    odd.set(bytes, 1);
    expect(codeOf(() => loadModel(odd.subarray(1, 1 + bytes.length)))).toBe('MISALIGNED');
    expect(loadModel(alignedCopy(odd.subarray(1, 1 + bytes.length))).header.name).toBe(def.name);
  });

  it('a self-test vector that disagrees with the engine is reported', () => {
    const bytes = buildPackage(def, { selfTestInputs: inputs });
    const selfTest = parseContainer(bytes).sections[SECTION_SELFTEST]!;
    const firstScore = selfTest.byteOffset + 4 + 24; // count, then 12 int16 inputs
    new DataView(bytes.buffer).setInt32(firstScore, new DataView(bytes.buffer).getInt32(firstScore, true) + 1, true);
    expect(loadModel(fixCrc(bytes)).selfTest()).toEqual({ passed: false, count: 5, failedVector: 0 });
  });

  it('quantizes real inputs per feature, rounding half away from zero and clamping', () => {
    const q = loadModel(encodePackage({
      ...def,
      input: { dtype: 2, dims: [12], scales: Array.from({ length: 12 }, (_, i) => 0.5 * (i + 1)), zeroPoints: Array.from({ length: 12 }, (_, i) => i - 6) },
    }));
    q.setInput([0.25, -0.5, 2.25, 1e9, -1e9, NaN, 0, 0, 0, 0, 0, 0]);
    // 0.25/0.5 = 0.5 rounds to 1; -0.5/1 = -0.5 rounds to -1; huge values clamp; NaN is the missing code.
    expect(Array.from(q.input.subarray(0, 6))).toEqual([1 - 6, -1 - 5, 2 - 4, 32767, -32767, -32768]);
    expect(() => q.setInput([1, 2])).toThrow(ModelError);
  });
});

describe('bad packages give typed errors', () => {
  const good = buildPackage(def, { selfTestInputs: inputs, signer: createSigner(keys.privateKeyPem) });
  const edit = (f: (b: Uint8Array, v: DataView) => void, crc = true) => {
    const b = good.slice();
    f(b, new DataView(b.buffer));
    return crc ? fixCrc(b) : b;
  };
  const cases: [string, string, Uint8Array][] = [
    ['empty', 'TRUNCATED', new Uint8Array(0)],
    ['bad magic', 'BAD_MAGIC', edit((b) => (b[0] = 0x41))],
    ['future version', 'UNSUPPORTED_VERSION', edit((_b, v) => v.setUint16(4, 2, true))],
    ['unknown kind', 'UNKNOWN_KIND', edit((b) => (b[6] = 9))],
    ['flipped byte, CRC not fixed', 'BAD_CRC', edit((b) => (b[100] ^= 1), false)],
    ['total length beyond the buffer', 'TRUNCATED', edit((_b, v) => v.setUint32(16, good.length + 4, true), false)],
    ['section count 0', 'BAD_SECTION', edit((_b, v) => v.setUint16(20, 0, true))],
    ['section count huge', 'BAD_SECTION', edit((_b, v) => v.setUint16(20, 60000, true))],
    ['section offset moved', 'BAD_SECTION', edit((_b, v) => v.setUint32(56 + 4, 200, true))],
    ['section length past the end', 'TRUNCATED', edit((_b, v) => v.setUint32(56 + 12 + 8, 0xfffffff0, true))],
    ['duplicate section', 'BAD_SECTION', edit((_b, v) => v.setUint16(56 + 12, 1, true))],
    ['sections out of type order', 'BAD_SECTION', edit((_b, v) => { v.setUint16(56, 2, true); v.setUint16(56 + 12, 1, true); })],
    ['unknown section type', 'BAD_SECTION', edit((_b, v) => v.setUint16(56 + 12, 77, true))],
    ['nonzero reserved header byte', 'BAD_HEADER', edit((b) => (b[7] = 1))],
    ['name that is not UTF-8', 'BAD_HEADER', edit((b) => (b[24] = 0xff))],
  ];
  for (const [what, code, bytes] of cases) {
    it(`${what}: ${code}`, () => expect(codeOf(() => loadModel(bytes))).toBe(code));
  }

  it('a self-test section with its reserved field or an input padding byte set: BAD_SELFTEST', () => {
    const reserved = good.slice();
    reserved[parseContainer(reserved).sections[SECTION_SELFTEST]!.byteOffset + 2] = 1;
    expect(codeOf(() => loadModel(fixCrc(reserved)))).toBe('BAD_SELFTEST');
    // 11 int16 inputs leave 2 bytes of padding before each vector's scores.
    const elevenFeatures = randomEnsemble(new Prng(11), { ensemble: ENSEMBLES.soft, trees: 2, depth: 3, features: 11, classes: 3 });
    const odd = buildPackage(treePackageDef(elevenFeatures, 3, 'odd'), { selfTestInputs: inputs.map((x) => x.slice(0, 11)) });
    expect(loadModel(odd).selfTest().passed).toBe(true);
    const padded = odd.slice();
    padded[parseContainer(padded).sections[SECTION_SELFTEST]!.byteOffset + 4 + 22] = 1;
    expect(codeOf(() => loadModel(fixCrc(padded)))).toBe('BAD_SELFTEST');
  });

  it('every truncation of a valid package is refused with a ModelError', () => {
    for (let n = 0; n < good.length; n++) {
      const code = codeOf(() => loadModel(good.slice(0, n)));
      expect(code === 'TRUNCATED' || code === 'MISALIGNED', `length ${n}: ${code}`).toBe(true);
    }
  });

  it('a truncated package with a matching CRC is still refused', () => {
    for (let n = 60; n < good.length; n += 4) {
      const cut = good.slice(0, n);
      new DataView(cut.buffer).setUint32(16, n, true);
      const code = codeOf(() => loadModel(fixCrc(cut)));
      expect(code, `length ${n}`).not.toBe('OK');
    }
  });
});
