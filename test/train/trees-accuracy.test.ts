// The quality bar of datasets/README.md: on 5 stratified 75/25 splits (seeds 0..4), mean
// test accuracy within 1.5 percentage points of scikit-learn 1.2.1's, or better. The
// reference table is read from the README itself. By default a representative subset runs;
// EDGEML_FULL=1 runs every configuration on both datasets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../host/data/csv';
import { GradientBoostingModel } from '../../host/train/trees/boosting';
import { DecisionTreeClassifier } from '../../host/train/trees/cart';
import { Trainer, holdoutAccuracy } from '../../host/train/trees/evaluate';
import { RandomForestClassifier } from '../../host/train/trees/forest';

const FULL = !!process.env.EDGEML_FULL;
const TOLERANCE = 1.5; // percentage points

/** Reference accuracies from the table in datasets/README.md: dataset -> column -> %. */
function referenceTable(): Map<string, Map<string, number>> {
  const text = readFileSync('datasets/README.md', 'utf8');
  const rows = text.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const header = rows.find((r) => r[0] === 'dataset' && r.includes('DecisionTree'));
  if (!header) throw new Error('no reference table in datasets/README.md');
  const at = rows.indexOf(header);
  const table = new Map<string, Map<string, number>>();
  for (const row of rows.slice(at + 2)) {
    if (row.length !== header.length) break;
    table.set(row[0], new Map(header.slice(1).map((h, i) => [h, Number(row[i + 1])])));
  }
  return table;
}

const CONFIGS: { column: string; train: Trainer; quick: string[] }[] = [
  { column: 'DecisionTree', train: (X, y, k) => DecisionTreeClassifier.fit(X, y, { classCount: k }), quick: ['digits', 'iris'] },
  { column: 'DecisionTree depth 8', train: (X, y, k) => DecisionTreeClassifier.fit(X, y, { classCount: k, maxDepth: 8 }), quick: [] },
  { column: 'RandomForest 100 trees', train: (X, y, k) => RandomForestClassifier.fit(X, y, { classCount: k, trees: 100 }), quick: ['iris'] },
  { column: 'RandomForest 10 trees depth 8', train: (X, y, k) => RandomForestClassifier.fit(X, y, { classCount: k, trees: 10, maxDepth: 8 }), quick: ['digits'] },
  { column: 'GradientBoosting 100', train: (X, y, k) => GradientBoostingModel.fitClassifier(X, y, { classCount: k, rounds: 100 }), quick: ['iris'] },
];

describe('accuracy against the scikit-learn reference (datasets/README.md)', () => {
  const table = referenceTable();
  const data = { digits: loadCsv('datasets/digits.csv'), iris: loadCsv('datasets/iris.csv') };

  for (const { column, train, quick } of CONFIGS) {
    for (const name of ['digits', 'iris'] as const) {
      const run = FULL || quick.includes(name);
      it.runIf(run)(`${column} on ${name}`, () => {
        const reference = table.get(name)?.get(column);
        expect(reference, `reference for ${column} on ${name}`).toBeGreaterThan(0);
        const result = holdoutAccuracy(data[name], train, { seeds: [0, 1, 2, 3, 4], testSize: 0.25 });
        const mean = result.mean * 100;
        console.log(`${name} ${column}: ${mean.toFixed(2)}% (scikit-learn ${reference}%), splits ${result.accuracies.map((a) => (a * 100).toFixed(1)).join(' ')}, train ${Math.max(...result.trainMs).toFixed(0)} ms max`);
        expect(mean).toBeGreaterThanOrEqual(reference! - TOLERANCE);
      }, 120_000);
    }
  }
});
