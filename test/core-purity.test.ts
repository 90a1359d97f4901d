import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCorePurity, formatViolation, listTsFiles, type Violation } from '../tools/check-core-purity';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = path.join(root, 'test/fixtures/impure-core/core');

/** Expected violations per line: fixture lines say `VIOLATION` once per expected report. */
function expectedByLine(file: string): Map<number, number> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out = new Map<number, number>();
  lines.forEach((text, i) => {
    const n = text.split('VIOLATION').length - 1;
    if (n > 0) out.set(i + 1, n);
  });
  return out;
}

function countByLine(violations: Violation[], file: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of violations) if (v.file === file) out.set(v.line, (out.get(v.line) ?? 0) + 1);
  return out;
}

describe('core purity check', () => {
  it('finds no violation in the real firmware/core', () => {
    const violations = checkCorePurity(path.join(root, 'firmware/core'));
    expect(violations.map((v) => formatViolation(v, root))).toEqual([]);
  });

  const violations = checkCorePurity(FIXTURE);

  it.each(['imports.ts', 'globals.ts'])('reports exactly the marked lines of %s', (name) => {
    const file = path.join(FIXTURE, name);
    expect(countByLine(violations, file)).toEqual(expectedByLine(file));
  });

  it('reports nothing in clean fixtures (comments, strings, property names, locals, labels)', () => {
    const clean = [path.join(FIXTURE, 'clean.ts'), path.join(FIXTURE, 'sub/helper.ts')];
    expect(listTsFiles(FIXTURE)).toEqual(expect.arrayContaining(clean));
    expect(violations.filter((v) => clean.includes(v.file))).toEqual([]);
    expect(checkCorePurity(path.join(FIXTURE, 'sub'))).toEqual([
      expect.objectContaining({ kind: 'import', reason: "import '../clean' resolves outside sub/", line: 2 }),
    ]);
  });

  it('names each banned global and each kind of import', () => {
    const reasons = violations.map((v) => v.reason).join('\n');
    for (const name of [
      'process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'globalThis',
      'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'console', 'trace', 'print',
      'Timer', 'Host', 'fetch', 'TextEncoder', 'TextDecoder', 'BigInt', 'performance',
    ]) {
      expect(reasons).toContain(`uses ${name} (`);
    }
    for (const text of [
      "import 'node:fs' is not a relative path inside core",
      "import '../outside' resolves outside core/",
      "export … from '../outside' resolves outside core/",
      "export … from 'node:path' is not a relative path",
      "import() 'node:crypto' is not a relative path",
      "import() '../outside' resolves outside core/",
      "import('…') type '../outside' resolves outside core/",
      "import = require() 'fs'",
      'import.meta is host-specific',
      'BigInt literal 2n',
      'Date.now()',
      'Math.random()',
    ]) {
      expect(reasons).toContain(text);
    }
    const first = violations.find((v) => v.file.endsWith('imports.ts'))!;
    expect(formatViolation(first, root)).toBe(
      "test/fixtures/impure-core/core/imports.ts:2:1: import 'node:fs' is not a relative path inside core",
    );
  });
});
