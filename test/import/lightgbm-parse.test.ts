import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { floatMargins } from '../../host/import/ensemble';
import { parseLightgbm } from '../../host/import/lightgbm';

const load = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('LightGBM JSON parsing', () => {
  for (const name of ['iris-softprob', 'digits-softprob', 'digits-binary', 'digits-regression']) {
    it(`${name}: float margins equal the reference predictions`, () => {
      const model = parseLightgbm(load(`test/fixtures/lightgbm/${name}.lightgbm.json`));
      expect(model.split).toBe('le');
      const { inputs, margins } = load(`test/fixtures/xgboost/${name}.predictions.json`) as { inputs: (number | null)[][]; margins: (number | number[])[] };
      inputs.forEach((row, i) => {
        const got = floatMargins(model, row.map((v) => (v === null ? NaN : v)));
        ([] as number[]).concat(margins[i]).forEach((m, k) => expect(Math.abs(got[k] - m), `row ${i}`).toBeLessThan(1e-4));
      });
    });
  }

  it('names what it cannot import', () => {
    const base = load('test/fixtures/lightgbm/iris-softprob.lightgbm.json');
    expect(() => parseLightgbm({ ...base, objective: 'lambdarank' })).toThrow(/unsupported LightGBM objective "lambdarank"/);
    const categorical = structuredClone(base);
    categorical.tree_info[0].tree_structure.decision_type = '==';
    expect(() => parseLightgbm(categorical)).toThrow(/tree 0: decision type "==" is not supported/);
    expect(() => parseLightgbm([])).toThrow(/not a LightGBM JSON dump/);
  });
});
