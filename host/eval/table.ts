// Reads the rows to evaluate: numeric feature columns and, when present, a label column.
// (Training data goes through host/data's loader, which requires labels; evaluation may not.)
import { readFileSync } from 'node:fs';
import { DatasetError, NUMBER } from '../data/dataset';
import { parseCsvRecords } from '../data/csv';
import type { EvalRows } from './evaluate';

export function readEvalRows(path: string, labelColumn = 'label'): EvalRows {
  const records = parseCsvRecords(readFileSync(path, 'utf8'));
  if (records.length < 2) throw new DatasetError('EMPTY', 'the file has no rows');
  const header = records[0].fields.map((h) => h.trim());
  const labelAt = header.indexOf(labelColumn);
  const featureAt = header.map((_, i) => i).filter((i) => i !== labelAt);
  const X: Float64Array[] = [];
  const labels: string[] = [];
  for (const { fields, line } of records.slice(1)) {
    if (fields.length !== header.length) throw new DatasetError('RAGGED', `${fields.length} fields, the header has ${header.length}`, { row: line });
    X.push(Float64Array.from(featureAt, (i) => {
      const s = fields[i].trim();
      if (s === '' || s.toLowerCase() === 'nan') return NaN; // a missing value
      if (!NUMBER.test(s)) throw new DatasetError('NOT_NUMERIC', `"${s}" is not a number`, { row: line, column: header[i] });
      return Number(s);
    }));
    if (labelAt >= 0) labels.push(fields[labelAt].trim());
  }
  return { featureNames: featureAt.map((i) => header[i]), X, labels: labelAt >= 0 ? labels : undefined };
}

/** The `predicted` column of a predictions CSV (what `edgeml eval --predictions` writes). */
export function readReferencePredictions(path: string, column = 'predicted'): string[] {
  const records = parseCsvRecords(readFileSync(path, 'utf8'));
  if (records.length < 1) throw new DatasetError('EMPTY', 'the reference file is empty');
  const at = records[0].fields.map((h) => h.trim()).indexOf(column);
  if (at < 0) throw new DatasetError('NO_COLUMN', `the reference file has no "${column}" column`, { row: 1, column });
  return records.slice(1).map(({ fields }) => (fields[at] ?? '').trim());
}
