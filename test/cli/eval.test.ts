import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DTYPE_INT16, POST_NORMALIZE, TASK_CLASSIFICATION } from '../../firmware/core/engine';
import { KIND_TREES } from '../../firmware/core/package/layout';
import { ENSEMBLE_SINGLE, LEAF_INT16, SPLIT_LE } from '../../firmware/core/trees/body';
import { loadCsv } from '../../host/data/csv';
import { buildPackage } from '../../host/package/build';
import { encodeTreeBody } from '../../host/package/tree-body';
import { edgeml } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'edgeml-eval-'));
const IRIS = 'datasets/iris.csv';
const CLASSES = ['setosa', 'versicolor', 'virginica'];
const SCALE = 0.01; // features quantized in hundredths of a centimetre

// The classic two-split iris tree, written by hand: petal length <= 2.45 -> setosa,
// else petal width <= 1.75 -> versicolor, else virginica.
function irisTreePackage(): Uint8Array {
  const leaf = (c: number) => ({ leaf: [0, 1, 2].map((k) => (k === c ? 32767 : 0)) });
  const { body } = encodeTreeBody({
    ensemble: ENSEMBLE_SINGLE, split: SPLIT_LE, leafType: LEAF_INT16, featureCount: 4, scoreCount: 3,
    trees: [{ root: { feature: 2, threshold: 245, left: leaf(0), right: { feature: 3, threshold: 175, left: leaf(1), right: leaf(2) } } }],
  });
  return buildPackage({
    kind: KIND_TREES, name: 'iris-rules', modelVersion: 1, createdAt: 0,
    input: { dtype: DTYPE_INT16, dims: [4], scales: [SCALE], zeroPoints: [0] },
    output: { task: TASK_CLASSIFICATION, postprocess: POST_NORMALIZE, classCount: 3, scoreCount: 3, scale: 1 / 32767, zeroPoint: 0, labels: CLASSES },
    body,
  });
}

describe('edgeml eval', () => {
  const model = join(dir, 'iris.edgm');
  writeFileSync(model, irisTreePackage());

  it('reports accuracy, precision, recall and the confusion matrix of the device engine', () => {
    const data = loadCsv(IRIS);
    const expected = data.X.map(([, , petalLength, petalWidth]) => (petalLength <= 2.45 ? 0 : petalWidth <= 1.75 ? 1 : 2));
    const truth = data.labels.map((l) => CLASSES.indexOf(l));
    const correct = expected.filter((p, i) => p === truth[i]).length;

    const out = join(dir, 'pred.csv');
    const r = edgeml(['eval', model, '--data', IRIS, '--predictions', out, '--json', '--xs-samples', '2']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.rows).toBe(150);
    expect(report.accuracy).toBeCloseTo(correct / 150, 10);
    const confusion: number[][] = report.confusion;
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(150);
    for (let t = 0; t < 3; t++) for (let p = 0; p < 3; p++) {
      expect(confusion[t][p]).toBe(expected.filter((e, i) => truth[i] === t && e === p).length);
    }
    expect(report.classes[0]).toEqual({ label: 'setosa', support: 50, precision: 1, recall: 1 });
    expect(report.xsComputronsPerInference).toBeGreaterThan(0);

    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('predicted,score_setosa,score_versicolor,score_virginica');
    expect(lines).toHaveLength(151);
    lines.slice(1).forEach((line, i) => expect(line.split(',')[0]).toBe(CLASSES[expected[i]]));
  });

  it('evaluates a file without labels, and refuses unknown labels and wrong feature counts', () => {
    const unlabeled = join(dir, 'unlabeled.csv');
    writeFileSync(unlabeled, 'a,b,c,d\n1.0,0.5,1.4,0.2\n6.0,3.0,5.0,2.0\n');
    const r = edgeml(['eval', model, '--data', unlabeled, '--json', '--xs-samples', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 2, accuracy: null, confusion: null });

    const unknown = join(dir, 'unknown.csv');
    writeFileSync(unknown, 'a,b,c,d,label\n1,1,1,1,setosa\n1,1,1,1,tulip\n');
    const bad = edgeml(['eval', model, '--data', unknown, '--xs-samples', '0']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('row 3: label "tulip" is not one of the model\'s classes');

    const wide = join(dir, 'wide.csv');
    writeFileSync(wide, 'a,b,c,d,e,label\n1,1,1,1,1,setosa\n');
    const mismatch = edgeml(['eval', model, '--data', wide, '--xs-samples', '0']);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toContain('the data has 5 feature columns, the model takes 4 inputs');
  });

  it('reports agreement with reference predictions', () => {
    const reference = join(dir, 'reference.csv');
    const data = loadCsv(IRIS);
    // The float rule, except that two rows are made to disagree.
    const predicted = data.X.map(([, , pl, pw]) => CLASSES[pl <= 2.45 ? 0 : pw <= 1.75 ? 1 : 2]);
    predicted[0] = 'virginica';
    predicted[100] = 'setosa';
    writeFileSync(reference, ['predicted', ...predicted].join('\n') + '\n');
    const r = edgeml(['eval', model, '--data', IRIS, '--reference', reference, '--json', '--xs-samples', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).agreement).toEqual({ rows: 150, agreement: 148 / 150, differing: [0, 100] });
  });
});
