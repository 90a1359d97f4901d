import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { edgeml } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'edgeml-import-'));

describe('edgeml import', () => {
  it('imports, signs and evaluates an XGBoost model', () => {
    const key = join(dir, 'k');
    expect(edgeml(['keygen', '--out', key]).code).toBe(0);
    const out = join(dir, 'iris.edgm');
    const r = edgeml(['import', 'xgboost', 'test/fixtures/xgboost/iris-softprob.model.json', '--out', out, '--labels', 'setosa,virginica,versicolor', '--key', `${key}.key`, '--model-version', '7', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ trees: 60, objective: 'softmax', classes: 3, signed: true });
    const info = JSON.parse(edgeml(['inspect', out, '--key', `${key}.pub`, '--json']).stdout);
    expect(info.header.modelVersion).toBe(7);
    expect(info.signature.verified).toBe(true);
    const evaluated = JSON.parse(edgeml(['eval', out, '--data', 'datasets/iris.csv', '--json', '--xs-samples', '0']).stdout);
    // The fixture's classes are in make_fixtures.py's order; trained on all of iris, so near-perfect on it.
    expect(evaluated.accuracy).toBeGreaterThan(0.95);
  });

  it('refuses what it cannot import, with the reason, and writes nothing', () => {
    const out = join(dir, 'rank.edgm');
    const r = edgeml(['import', 'xgboost', 'test/fixtures/xgboost/unsupported-rank.model.json', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('unsupported XGBoost objective "rank:pairwise"');
    expect(existsSync(out)).toBe(false);

    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"learner": ');
    const broken = edgeml(['import', 'lightgbm', notJson, '--out', out]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain('is not JSON');

    expect(edgeml(['import', 'onnx', notJson, '--out', out]).code).toBe(2);
  });

  it('imports a TensorFlow.js CNN with a calibration set; the device engine keeps its accuracy', () => {
    const out = join(dir, 'cnn.edgm');
    const r = edgeml(['import', 'tfjs', 'test/fixtures/tfjs/digits-cnn/model.json', '--calibration', 'datasets/digits.csv', '--out', out, '--labels', '0,1,2,3,4,5,6,7,8,9', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ inputs: 64, classes: 10 });
    const evaluated = JSON.parse(edgeml(['eval', out, '--data', 'datasets/digits.csv', '--json', '--xs-samples', '1']).stdout);
    expect(evaluated.accuracy).toBeGreaterThan(0.97);
    expect(evaluated.xsComputronsPerInference).toBeGreaterThan(0);
    const noCalibration = edgeml(['import', 'tfjs', 'test/fixtures/tfjs/digits-cnn/model.json', '--out', join(dir, 'x.edgm')]);
    expect(noCalibration.code).toBe(2);
    expect(noCalibration.stderr).toContain('needs --calibration');
  });
});
