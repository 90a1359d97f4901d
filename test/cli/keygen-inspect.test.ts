import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPackage } from '../../host/package/build';
import { createSigner } from '../../host/package/signing';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { edgeml } from '../support/cli';
import { Prng } from '../support/prng';

const dir = mkdtempSync(join(tmpdir(), 'edgeml-cli-'));

describe('edgeml keygen and inspect', () => {
  it('creates a key pair, refuses to overwrite it, and inspect verifies a signed package with it', () => {
    const prefix = join(dir, 'fleet');
    const made = edgeml(['keygen', '--out', prefix, '--json']);
    expect(made.code, made.stderr).toBe(0);
    const { keyId } = JSON.parse(made.stdout);
    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    const again = edgeml(['keygen', '--out', prefix]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists; pass --force');

    const rng = new Prng(3);
    const def = treePackageDef(randomEnsemble(rng, { ensemble: ENSEMBLES.boosting, trees: 3, depth: 3, features: 5, classes: 3 }), 3, 'cli-test');
    const inputs = [[1, 2, 3, 4, 5], [-100, 0, 100, 200, 300]];
    const file = join(dir, 'signed.edgm');
    writeFileSync(file, buildPackage(def, { selfTestInputs: inputs, signer: createSigner(readFileSync(`${prefix}.key`, 'utf8')) }));

    const text = edgeml(['inspect', file, '--key', `${prefix}.pub`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('"cli-test" version 1, tree ensemble');
    expect(text.stdout).toContain('gradient boosting, 9 trees');
    expect(text.stdout).toContain('2 vectors, all reproduce exactly');
    expect(text.stdout).toContain(`key id ${keyId}`);
    expect(text.stdout).toContain('verified');

    const json = JSON.parse(edgeml(['inspect', file, '--json']).stdout);
    expect(json.header.name).toBe('cli-test');
    expect(json.selfTest).toEqual({ vectors: 2, passed: true, failedVector: -1 });
    expect(json.signature.verified).toBeNull();

    edgeml(['keygen', '--out', join(dir, 'other')]);
    const wrongKey = edgeml(['inspect', file, '--key', join(dir, 'other.pub')]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('signature does not verify');
  });

  it('explains bad input in a sentence with a documented exit code', () => {
    const missing = edgeml(['inspect', join(dir, 'nope.edgm')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^edgeml: no such file: .*nope\.edgm\n$/);

    const corrupt = join(dir, 'corrupt.edgm');
    const bytes = buildPackage(treePackageDef(randomEnsemble(new Prng(1), { ensemble: ENSEMBLES.single, trees: 1, depth: 3, features: 2, classes: 2 }), 2));
    bytes[bytes.length - 9] ^= 0x40;
    writeFileSync(corrupt, bytes);
    const bad = edgeml(['inspect', corrupt]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('not a valid model package (BAD_CRC');
    expect(bad.stderr).not.toContain('    at ');

    const usage = edgeml(['inspect']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'model'");
  });
});
