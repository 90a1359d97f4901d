import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { floatMargins, ImportError } from '../../host/import/ensemble';
import { parseXgboost } from '../../host/import/xgboost';

const dir = 'test/fixtures/xgboost';
const load = (name: string) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'));

describe('XGBoost JSON parsing', () => {
  for (const name of ['iris-softprob', 'digits-softprob', 'digits-binary', 'digits-regression']) {
    it(`${name}: float margins equal XGBoost's own`, () => {
      const model = parseXgboost(load(`${name}.model.json`));
      const { inputs, margins } = load(`${name}.predictions.json`) as { inputs: (number | null)[][]; margins: (number | number[])[] };
      inputs.forEach((row, i) => {
        const x = row.map((v) => (v === null ? NaN : v));
        const expected = ([] as number[]).concat(margins[i]);
        const got = floatMargins(model, x);
        expected.forEach((m, k) => expect(Math.abs(got[k] - m), `row ${i} output ${k}`).toBeLessThan(1e-4));
      });
    });
  }

  it('refuses an unsupported objective by name', () => {
    expect(() => parseXgboost(load('unsupported-rank.model.json'))).toThrow(/unsupported XGBoost objective "rank:pairwise"/);
    expect(() => parseXgboost({ nothing: true })).toThrow(ImportError);
  });
});
