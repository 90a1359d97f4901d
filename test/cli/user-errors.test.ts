// User mistakes get one sentence naming what is wrong and the documented exit code (README.md:
// 1 failed, 2 usage, 3 bad input), never "unexpected error", a temporary file name or "undefined".
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../host/data/csv';
import { DatasetStore } from '../../host/data/store';
import { CliResult, edgeml } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'edgeml-user-errors-'));
const IRIS = 'datasets/iris.csv';
const DIGITS = 'datasets/digits.csv';
const XGB = 'test/fixtures/xgboost/iris-softprob.model.json';
const TFJS = 'test/fixtures/tfjs/digits-cnn/model.json';
const DIGITS_MODEL = 'models/rf-10x8.edgm';

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const folder = (name: string) => {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
};

/** Exit code `code` and exactly one line on stderr matching `message`. */
function expectRefusal(r: CliResult, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n').filter((l) => l !== '(run with --help for usage)');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/unexpected error|undefined|\.tmp\b|EISDIR|ENOENT|routines::/);
}

const keys = (() => {
  const prefix = join(dir, 'keys', 'fleet'); // keys/ does not exist yet: keygen makes it
  const made = edgeml(['keygen', '--out', prefix]);
  return { made, key: `${prefix}.key`, pub: `${prefix}.pub` };
})();

describe('numbers in options', () => {
  it('import --model-version is a whole number from 0 to 4294967295, as for train', () => {
    for (const v of ['-1', 'abc', '99999999999', '1.5']) {
      expectRefusal(edgeml(['import', 'xgboost', XGB, '--out', join(dir, 'v.edgm'), '--model-version', v]), 2,
        /--model-version takes a whole number from 0 to 4294967295/);
    }
    expect(existsSync(join(dir, 'v.edgm'))).toBe(false);
    const out = join(dir, 'max.edgm');
    expect(edgeml(['import', 'xgboost', XGB, '--out', out, '--model-version', '4294967295']).code).toBe(0);
    expect(JSON.parse(edgeml(['inspect', out, '--json']).stdout).header.modelVersion).toBe(4294967295);
  });

  it('eval --xs-samples is a whole number of 0 or more', () => {
    for (const v of ['abc', '-5', '2.5']) {
      expectRefusal(edgeml(['eval', DIGITS_MODEL, '--data', DIGITS, '--xs-samples', v]), 2, /--xs-samples takes a whole number of 0 or more/);
    }
  });
});

describe('output paths', () => {
  it('keygen, import --out and eval --predictions create a missing directory', () => {
    expect(keys.made.code, keys.made.stderr).toBe(0);
    expect(existsSync(keys.key) && existsSync(keys.pub)).toBe(true);
    const out = join(dir, 'new', 'deeper', 'iris.edgm');
    expect(edgeml(['import', 'xgboost', XGB, '--out', out]).code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const predictions = join(dir, 'new', 'predictions', 'p.csv');
    const r = edgeml(['eval', DIGITS_MODEL, '--data', DIGITS, '--xs-samples', '0', '--predictions', predictions]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(predictions)).toBe(true);
  });

  it('a directory given as the output file is named, and nothing is left behind', () => {
    const target = folder('out-dir');
    expectRefusal(edgeml(['import', 'xgboost', XGB, '--out', target]), 2, new RegExp(`^edgeml: ${target} is a directory, a file was expected$`));
    expectRefusal(edgeml(['eval', DIGITS_MODEL, '--data', DIGITS, '--xs-samples', '0', '--predictions', target]), 2, /out-dir is a directory, a file was expected$/);
    folder('kg/half.pub');
    expectRefusal(edgeml(['keygen', '--out', join(dir, 'kg', 'half')]), 2, /half\.pub is a directory, a file was expected$/);
    expect(existsSync(join(dir, 'kg', 'half.key'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a directory where an input file belongs is named', () => {
  const d = folder('in-dir');
  const named = new RegExp(`^edgeml: ${d} is a directory, (a|the model\\.json) file was expected`);
  it.each([
    ['train --data', ['train', '--data', d, '--algo', 'dt', '--out', join(dir, 't.edgm')]],
    ['train --key', ['train', '--data', IRIS, '--key', d, '--algo', 'dt', '--out', join(dir, 't.edgm')]],
    ['eval', ['eval', d, '--data', IRIS]],
    ['eval --data', ['eval', DIGITS_MODEL, '--data', d]],
    ['inspect', ['inspect', d]],
    ['inspect --key', ['inspect', DIGITS_MODEL, '--key', d]],
    ['import', ['import', 'xgboost', d, '--out', join(dir, 'i.edgm')]],
    ['import tfjs', ['import', 'tfjs', d, '--calibration', DIGITS, '--out', join(dir, 'i.edgm')]],
    ['predict --input', ['predict', '--port', join(dir, 'no-tty'), '--input', d]],
  ])('%s', (_, args) => {
    expectRefusal(edgeml(args), 3, named);
  });
});

describe('bad input is exit 3 with a sentence, bad usage exit 2', () => {
  const notAKey = file('not-a-key.txt', 'hello\n');
  const ed25519 = file('ed25519.pub', generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const notSqlite = file('not-sqlite.db', 'id,label\n1,a\n');
  const storeDir = folder('store-dir');

  it('train on a CSV with only a label column', () => {
    const onlyLabel = file('only-label.csv', 'label\na\nb\na\nb\na\nb\na\nb\n');
    expectRefusal(edgeml(['train', '--data', onlyLabel, '--algo', 'dt', '--out', join(dir, 't.edgm')]), 3, /no feature columns: the header has only the label column "label"/);
  });

  it('keys that are not keys, or the wrong kind', () => {
    expectRefusal(edgeml(['inspect', DIGITS_MODEL, '--key', notAKey]), 3, /not-a-key\.txt is not a P-256 public key/);
    expectRefusal(edgeml(['inspect', DIGITS_MODEL, '--key', ed25519]), 3, /ed25519\.pub is not a P-256 public key/);
    expectRefusal(edgeml(['import', 'xgboost', XGB, '--out', join(dir, 'k.edgm'), '--key', notAKey]), 3, /not-a-key\.txt is not a P-256 private key/);
    expectRefusal(edgeml(['import', 'xgboost', XGB, '--out', join(dir, 'k.edgm'), '--key', keys.pub]), 3, /fleet\.pub is a public key; signing takes the private key/);
  });

  it('import --labels of the wrong count and --name over 32 bytes are usage errors', () => {
    expectRefusal(edgeml(['import', 'xgboost', XGB, '--out', join(dir, 'l.edgm'), '--labels', 'a,b']), 2, /--labels gives 2 labels, but the model has 3 classes/);
    expectRefusal(edgeml(['import', 'xgboost', XGB, '--out', join(dir, 'l.edgm'), '--name', 'x'.repeat(33)]), 2, /--name "x+" is 33 bytes; a model name is at most 32/);
    expectRefusal(edgeml(['import', 'tfjs', TFJS, '--calibration', DIGITS, '--out', join(dir, 'l.edgm'), '--labels', 'a,b']), 2, /--labels gives 2 labels, but the model has 10 classes/);
    expect(existsSync(join(dir, 'l.edgm'))).toBe(false);
  });

  it('data of the wrong width is blamed on the data, not the model package', () => {
    expectRefusal(edgeml(['import', 'tfjs', TFJS, '--calibration', IRIS, '--out', join(dir, 'c.edgm')]), 3,
      /the calibration data datasets\/iris\.csv does not fit the model: row 1 has 4 values, the model takes 64 inputs/);
    expectRefusal(edgeml(['predict', '--port', join(dir, 'no-tty'), '--model', 'models/cnn-digits.edgm', '--input', IRIS]), 3,
      /datasets\/iris\.csv has 4 feature columns, but models\/cnn-digits\.edgm takes 64 inputs/);
  });

  it('eval --label names a column the data does not have', () => {
    expectRefusal(edgeml(['eval', DIGITS_MODEL, '--data', DIGITS, '--label', 'nosuch', '--xs-samples', '0']), 3, /digits\.csv has no column "nosuch" \(the --label column\)/);
  });

  it('dataset stores that are missing, directories or not SQLite', () => {
    const missing = join(dir, 'nope.db');
    expectRefusal(edgeml(['dataset', 'ls', missing]), 3, /^edgeml: dataset store: .*nope\.db does not exist$/);
    expectRefusal(edgeml(['dataset', 'export', missing, '--out', join(dir, 'e.csv')]), 3, /nope\.db does not exist$/);
    expectRefusal(edgeml(['dataset', 'ls', storeDir]), 3, /store-dir is a directory, not a dataset store$/);
    expectRefusal(edgeml(['dataset', 'ls', notSqlite]), 3, /not-sqlite\.db is not a dataset store \(not an SQLite database\)$/);
    const port = join(dir, 'no-tty');
    expectRefusal(edgeml(['collect', '--port', port, '--label', 'a', '--into', storeDir]), 3, /store-dir is a directory, not a dataset store$/);
    expectRefusal(edgeml(['collect', '--port', port, '--label', 'a', '--into', notSqlite]), 3, /not-sqlite\.db is not a dataset store/);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('inspect --key and dataset export --split', () => {
  it('asking to verify the signature of an unsigned package fails (exit 1)', () => {
    const unsigned = join(dir, 'unsigned.edgm');
    expect(edgeml(['import', 'xgboost', XGB, '--out', unsigned]).code).toBe(0);
    const r = edgeml(['inspect', unsigned, '--key', keys.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('signature  none (unsigned)');
    expect(r.stderr).toMatch(/^edgeml: the package is not signed/);
    expect(edgeml(['inspect', unsigned]).code).toBe(0);
  });

  it('--split must be one of the store\'s splits', () => {
    const db = join(dir, 'iris.db');
    const store = DatasetStore.open(db);
    store.insertDataset(loadCsv(IRIS), { device: 'bench', timestamp: 0, split: (i) => (i % 4 === 0 ? 'test' : 'train') });
    store.close();
    const out = join(dir, 'export', 'test.csv');
    expectRefusal(edgeml(['dataset', 'export', db, '--out', out, '--split', 'bogus']), 2, /unknown split "bogus": use unassigned, train, validation, test/);
    const r = edgeml(['dataset', 'export', db, '--out', out, '--split', 'test']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('38 rows, 4 features');
  });
});
