import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { FloatEnsemble } from '../../host/import/ensemble';
import { parseLightgbm } from '../../host/import/lightgbm';
import { importedPackageDef, quantizeEnsemble, snapThreshold } from '../../host/import/quantize';
import { parseXgboost } from '../../host/import/xgboost';
import { buildPackage } from '../../host/package/build';

const load = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

interface Fixture { inputs: (number | null)[][]; margins: (number | number[])[]; predictions: (number | number[])[] }

function libraryClass(pred: number | number[], objective: FloatEnsemble['objective']): number {
  if (Array.isArray(pred)) return pred.indexOf(Math.max(...pred));
  return objective === 'logistic' ? (pred > 0.5 ? 1 : 0) : -1;
}

const cases = ['iris-softprob', 'digits-softprob', 'digits-binary', 'digits-regression'].flatMap((name) => [
  { name, source: 'xgboost', parse: () => parseXgboost(load(`test/fixtures/xgboost/${name}.model.json`)) },
  { name, source: 'lightgbm', parse: () => parseLightgbm(load(`test/fixtures/lightgbm/${name}.lightgbm.json`)) },
]);

describe('imported ensembles, quantized and run by the device engine, match the library', () => {
  for (const c of cases) {
    it(`${c.source} ${c.name}`, () => {
      const model = c.parse();
      const q = quantizeEnsemble(model);
      const bytes = buildPackage(importedPackageDef(model, q, { name: c.name }));
      const engine = loadModel(bytes);
      const fixture = load(`test/fixtures/xgboost/${c.name}.predictions.json`) as Fixture;
      let sameClass = 0;
      let worst = 0;
      fixture.inputs.forEach((row, i) => {
        engine.setInput(row.map((v) => (v === null ? NaN : v)));
        const cls = engine.predict();
        if (cls === libraryClass(fixture.predictions[i], model.objective)) sameClass++;
        // The library sums in float32: allow its own rounding (1e-5 relative) beside ours.
        ([] as number[]).concat(fixture.margins[i]).forEach((m, k) => { worst = Math.max(worst, Math.abs(engine.realScore(k) - m) - 1e-5 * Math.max(1, Math.abs(m))); });
      });
      const agreement = sameClass / fixture.inputs.length;
      if (model.objective !== 'regression') expect(agreement).toBeGreaterThanOrEqual(0.995);
      // Each tree's leaf is rounded to the score grid: at most half a step per tree and the base.
      expect(worst).toBeLessThanOrEqual((model.trees.length + 1) * q.scoreScale);
    });
  }

  it('snaps thresholds so grid values decide as the float split does', () => {
    const grid = { scale: Math.fround(0.37), zeroPoint: 123 };
    for (const t of [-5.55, -0.37, 0, 0.185, 0.37, 1, 7.4, 10.0001]) {
      for (const split of ['lt', 'le'] as const) {
        const T = snapThreshold(t, grid, split);
        for (let q = T - 3; q <= T + 3; q++) {
          const value = (q - grid.zeroPoint) * grid.scale;
          expect(split === 'lt' ? q < T : q <= T, `t=${t} ${split} q=${q}`).toBe(split === 'lt' ? value < t : value <= t);
        }
      }
    }
  });
});
