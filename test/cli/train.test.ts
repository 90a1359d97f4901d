// edgeml train through the real binary: packages that load, self-test, verify and agree with
// the float model; the report; refusals with their exit codes and nothing left behind.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { readPackageFile } from '../../host/package/read';
import { edgeml } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'edgeml-train-'));
const IRIS = 'datasets/iris.csv';
const DIGITS = 'datasets/digits.csv';

function trainJson(args: string[]) {
  const r = edgeml(['train', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal, nor in --json mode
  return JSON.parse(r.stdout);
}

/** The package as a device loads it, and its self-test. */
function loadPackage(path: string) {
  const model = loadModel(readPackageFile(path));
  expect(model.selfTest()).toMatchObject({ passed: true, count: 8 });
  return model;
}

describe('edgeml train', () => {
  it('trains a decision tree on iris: JSON summary, package on disk, device agrees with float', () => {
    const out = join(dir, 'iris-dt.edgm');
    const s = trainJson(['--data', IRIS, '--algo', 'dt', '--out', out]);
    expect(s).toMatchObject({
      out, algorithm: 'dt', signed: false, keyId: null, report: null,
      dataset: { rows: 150, features: 4, classes: ['setosa', 'versicolor', 'virginica'], trainRows: 112, testRows: 38 },
      params: { maxDepth: null, seed: 0, testSize: 0.25 },
      selfTest: { vectors: 8, passed: true },
    });
    expect(s.floatAccuracy).toBeGreaterThan(0.85);
    expect(s.quantizedAccuracy).toBeGreaterThan(0.85);
    expect(s.agreement).toBeGreaterThanOrEqual(0.995);
    expect(s.disagreements).toBe(Math.round((1 - s.agreement) * 38));
    expect(s.model.trees).toBe(1);
    expect(s.model.inexactSplits).toBe(0);
    expect(s.packageBytes).toBe(statSync(out).size);
    const model = loadPackage(out);
    expect(s.arenaBytes).toBe(model.arenaBytes);
    expect(model.header.name).toBe('iris-dt');
    expect([...model.outputSpec.labels]).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  it('trains a signed gradient-boosting model that inspect verifies, with name, version and depth', () => {
    const key = join(dir, 'fleet');
    expect(edgeml(['keygen', '--out', key]).code).toBe(0);
    const out = join(dir, 'iris-gb.edgm');
    const s = trainJson(['--data', IRIS, '--algo', 'gbdt', '--trees', '20', '--depth', '2', '--seed', '3', '--name', 'iris boost', '--model-version', '9', '--key', `${key}.key`, '--out', out]);
    expect(s).toMatchObject({ algorithm: 'gbdt', signed: true, params: { rounds: 20, maxDepth: 2, seed: 3 }, model: { trees: 60, maxDepth: 2 } });
    expect(s.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(s.quantizedAccuracy).toBeGreaterThan(0.85);
    expect(s.agreement).toBeGreaterThanOrEqual(0.995);
    const info = edgeml(['inspect', out, '--key', `${key}.pub`, '--json']);
    expect(info.code, info.stderr).toBe(0);
    const report = JSON.parse(info.stdout);
    expect(report.header).toMatchObject({ name: 'iris boost', modelVersion: 9 });
    expect(report.selfTest).toMatchObject({ vectors: 8, passed: true });
    expect(report.signature).toMatchObject({ present: true, keyId: s.keyId, verified: true });
    expect(report.body.ensemble).toBe('gradient boosting');
  });

  it('trains a small forest on digits and writes a self-contained HTML report', () => {
    const out = join(dir, 'digits-rf.edgm');
    const html = join(dir, 'digits-rf.html');
    const s = trainJson(['--data', DIGITS, '--algo', 'rf', '--trees', '8', '--depth', '10', '--out', out, '--report', html]);
    expect(s).toMatchObject({ algorithm: 'rf', report: html, params: { trees: 8, maxDepth: 10 }, dataset: { trainRows: 1347, testRows: 450 } });
    expect(s.quantizedAccuracy).toBeGreaterThan(0.85);
    expect(s.agreement).toBeGreaterThanOrEqual(0.995);
    loadPackage(out);

    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/https?:\/\//);              // nothing from the network
    expect(page).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|\ssrc=/i); // no scripts, no external files
    expect(page).toContain('<style>');
    const charts = page.match(/<svg [^>]*class="chart ([a-z]+)"/g)!.map((m) => /class="chart ([a-z]+)"/.exec(m)![1]);
    expect(charts).toEqual(['heatmap', 'bars', 'image', 'curve']); // digits: the 8 x 8 importance image too
    expect(page).toContain(`${(100 * s.quantizedAccuracy).toFixed(2)}%`);
    expect(page).toContain(`${s.packageBytes.toLocaleString('en-US')} B`);
    expect(page).toContain('8 trees'); // the last point of the size curve: the package itself
    expect((page.match(/<rect [^>]*class="diagonal"/g) ?? []).length).toBe(10);
  });

  it('prints a readable summary without --json', () => {
    const out = join(dir, 'iris-rf.edgm');
    const r = edgeml(['train', '--data', IRIS, '--algo', 'rf', '--trees', '10', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^trained random forest on datasets\/iris\.csv: 112 training rows, 38 test rows, 4 features, 3 classes/);
    expect(r.stdout).toMatch(/accuracy {3}float \d+\.\d\d%, package \d+\.\d\d% \(device engine\), agreement \d+\.\d\d%/);
    expect(r.stdout).toContain(`${out}: ${statSync(out).size.toLocaleString('en-US')} B`);
    expect(r.stdout).toContain('self-test 8 vectors reproduce, unsigned');
  });

  it('trains logistic regression as an int8 graph', () => {
    const out = join(dir, 'iris-logreg.edgm');
    const s = trainJson(['--data', IRIS, '--algo', 'logreg', '--out', out]);
    expect(s.model.ops).toBe('FULLY_CONNECTED > SOFTMAX');
    expect(s.quantizedAccuracy).toBeGreaterThan(0.85);
    expect(s.agreement).toBeGreaterThanOrEqual(0.95); // int8 probabilities: near ties may flip
    loadPackage(out);
  });

  it('trains a CNN on digits viewed as 8x8x1 images (two epochs)', () => {
    const out = join(dir, 'digits-cnn.edgm');
    const s = trainJson(['--data', DIGITS, '--algo', 'cnn', '--shape', '8x8x1', '--epochs', '2', '--test-size', '0.5', '--out', out]);
    expect(s.params).toMatchObject({ network: 'image CNN', shape: '8x8x1', epochs: 2 });
    expect(s.model.ops).toBe('CONV_2D > MAX_POOL_2D > CONV_2D > RESHAPE > FULLY_CONNECTED > SOFTMAX');
    expect(s.quantizedAccuracy).toBeGreaterThan(0.7);
    expect(s.agreement).toBeGreaterThanOrEqual(0.95);
    loadPackage(out);
  });
});

describe('edgeml train refuses bad input, with the exit code, and writes nothing', () => {
  const out = join(dir, 'refused.edgm');
  const html = join(dir, 'refused.html');
  const refuse = (args: string[], code: number, message: string | RegExp) => {
    const r = edgeml(['train', '--out', out, '--report', html, ...args]);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
    expect(existsSync(html)).toBe(false);
  };
  const csv = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('malformed, one-class, unlabelled and missing data files (exit 3)', () => {
    refuse(['--data', csv('quote.csv', 'a,b,label\n1,2,x\n3,"4,y\n'), '--algo', 'dt'], 3, /quote.csv: row 3: a quoted field is not closed/);
    refuse(['--data', csv('text.csv', 'a,b,label\n1,2,x\n3,four,y\n'), '--algo', 'rf'], 3, /row 3, column "b": "four" is not a number/);
    refuse(['--data', csv('one.csv', 'a,b,label\n1,2,x\n3,4,x\n5,6,x\n'), '--algo', 'dt'], 3, /every sample has the label "x"; a classifier needs at least two classes/);
    refuse(['--data', IRIS, '--label', 'species', '--algo', 'dt'], 3, /no label column "species" in the header/);
    refuse(['--data', join(dir, 'nowhere.csv'), '--algo', 'dt'], 3, /no such file: .*nowhere\.csv/);
  });

  it('unknown algorithms and options that do not fit the algorithm (exit 2)', () => {
    refuse(['--data', IRIS, '--algo', 'svm'], 2, /unknown algorithm "svm": use one of dt, rf, gbdt, logreg, cnn/);
    refuse(['--data', IRIS, '--algo', 'dt', '--trees', '10'], 2, /--trees applies to rf and gbdt, not dt/);
    refuse(['--data', IRIS, '--algo', 'logreg', '--depth', '3'], 2, /--depth applies to dt, rf and gbdt, not logreg/);
  });

  it('bad tree counts and depths (exit 2)', () => {
    refuse(['--data', IRIS, '--algo', 'rf', '--trees', '0'], 2, /--trees takes a whole number of at least 1/);
    refuse(['--data', IRIS, '--algo', 'rf', '--trees', 'many'], 2, /--trees takes a whole number/);
    refuse(['--data', IRIS, '--algo', 'rf', '--trees', '70000'], 2, /--trees must be a whole number from 1 to 65535, not 70000/);
    refuse(['--data', IRIS, '--algo', 'gbdt', '--depth', '2.5'], 2, /--depth takes a whole number/);
  });

  it('bad split sizes and seeds (exit 2)', () => {
    refuse(['--data', IRIS, '--algo', 'dt', '--test-size', '1.5'], 2, /--test-size takes a fraction between 0 and 1/);
    refuse(['--data', IRIS, '--algo', 'dt', '--test-size', '150'], 2, /--test-size must be a fraction between 0 and 1 or a row count below 150/);
    refuse(['--data', IRIS, '--algo', 'dt', '--seed', '-1'], 2, /--seed takes a whole number from 0 to 4294967295/);
  });

  it('shapes that do not fit the data, and a test split too small for the classes', () => {
    refuse(['--data', DIGITS, '--algo', 'cnn', '--shape', '8x8x2'], 2, /--shape 8x8x2 has 128 values, but the data has 64 feature columns/);
    refuse(['--data', DIGITS, '--algo', 'cnn'], 2, /cnn needs --shape HxWxC/);
    refuse(['--data', DIGITS, '--algo', 'cnn', '--shape', '8by8'], 2, /--shape takes HxWxC/);
    refuse(['--data', IRIS, '--algo', 'dt', '--test-size', '2'], 3, /a test set of 2 samples cannot hold all 3 classes/);
  });

  it('unusable output paths and keys', () => {
    refuse(['--data', IRIS, '--algo', 'dt', '--out', join(dir, 'no', 'such', 'dir.edgm')], 2, /does not exist/);
    refuse(['--data', IRIS, '--algo', 'dt', '--key', csv('not-a-key.key', 'hello')], 3, /not-a-key.key is not a P-256 private key/);
  });
});
