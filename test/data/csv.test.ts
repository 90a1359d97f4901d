import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCsv, loadCsv, parseCsv, parseCsvRecords } from '../../host/data/csv';
import { DatasetError, DatasetErrorCode } from '../../host/data/dataset';

function errorOf(text: string, options = {}): DatasetError {
  try {
    parseCsv(text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return e as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('CSV datasets', () => {
  it('loads the bundled datasets with their shapes and classes', () => {
    const digits = loadCsv('datasets/digits.csv');
    expect(digits.X).toHaveLength(1797);
    expect(digits.featureNames).toHaveLength(64);
    expect(digits.featureNames[0]).toBe('px0');
    expect(digits.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(digits.X.every((row) => row.length === 64 && row.every((v) => Number.isInteger(v) && v >= 0 && v <= 16))).toBe(true);
    for (let i = 0; i < digits.y.length; i++) expect(digits.classes[digits.y[i]]).toBe(digits.labels[i]);

    const iris = loadCsv('datasets/iris.csv');
    expect(iris.X).toHaveLength(150);
    expect(iris.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(iris.X[0])).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(Array.from(iris.y).filter((k) => k === 2)).toHaveLength(50);
  });

  it('handles quoting, CRLF, a byte order mark, blank lines and a chosen label column', () => {
    const text = '\ufeffa,"the class",b\r\n1,"x, y",2\r\n\r\n-3.5e1,"say ""hi""",.5\r\n';
    const d = parseCsv(text, { labelColumn: 'the class' });
    expect(d.featureNames).toEqual(['a', 'b']);
    expect(d.X.map((r) => Array.from(r))).toEqual([[1, 2], [-35, 0.5]]);
    expect(d.labels).toEqual(['x, y', 'say "hi"']);
    expect(d.classes).toEqual(['say "hi"', 'x, y']);
    expect(parseCsvRecords('a,b\n"multi\nline",3\n').map((r) => r.line)).toEqual([1, 2]);
  });

  it('orders numeric labels numerically and other labels by code point', () => {
    expect(parseCsv('x,label\n1,10\n2,9\n3,2\n').classes).toEqual(['2', '9', '10']);
    expect(parseCsv('x,label\n1,b\n2,B\n3,a\n').classes).toEqual(['B', 'a', 'b']);
    expect(parseCsv('x,label\n1,b\n2,a\n', { classes: ['b', 'a'] }).y).toEqual(Int32Array.from([0, 1]));
  });

  it('selects and orders feature columns', () => {
    const d = parseCsv('a,b,c,label\n1,2,3,x\n4,5,6,y\n', { featureColumns: ['c', 'a'] });
    expect(d.featureNames).toEqual(['c', 'a']);
    expect(d.X.map((r) => Array.from(r))).toEqual([[3, 1], [6, 4]]);
  });

  const cases: [string, string, DatasetErrorCode, number | undefined, string | undefined, object?][] = [
    ['an empty file', '', 'EMPTY', undefined, undefined],
    ['only blank lines', '\n\n', 'EMPTY', undefined, undefined],
    ['a header and no rows', 'a,label\n', 'EMPTY', undefined, undefined],
    ['an unclosed quote', 'a,label\n1,"x\n2,y\n', 'MALFORMED', 2, undefined],
    ['text after a closing quote', 'a,label\n1,"x"y\n', 'MALFORMED', 2, undefined],
    ['a quote inside a field', 'a,label\n1,x"y\n', 'MALFORMED', 2, undefined],
    ['a non-numeric value', 'a,b,label\n1,2,x\n3,four,y\n', 'NOT_NUMERIC', 3, 'b'],
    ['a missing value', 'a,b,label\n1,,x\n', 'NOT_NUMERIC', 2, 'b'],
    ['NaN', 'a,label\nNaN,x\n1,y\n', 'NOT_NUMERIC', 2, 'a'],
    ['Infinity', 'a,label\n1,x\nInfinity,y\n', 'NOT_NUMERIC', 3, 'a'],
    ['a hexadecimal number', 'a,label\n0x10,x\n1,y\n', 'NOT_NUMERIC', 2, 'a'],
    ['an overflowing number', 'a,label\n1e999,x\n1,y\n', 'NOT_NUMERIC', 2, 'a'],
    ['no label column', 'a,b\n1,2\n', 'NO_LABEL_COLUMN', 1, undefined],
    ['another label column missing', 'a,label\n1,x\n', 'NO_LABEL_COLUMN', 1, undefined, { labelColumn: 'class' }],
    ['a row too short', 'a,b,label\n1,2,x\n3,y\n', 'RAGGED', 3, undefined],
    ['a row too long', 'a,label\n1,x\n2,y,3\n', 'RAGGED', 3, undefined],
    ['one class', 'a,label\n1,x\n2,x\n', 'ONE_CLASS', undefined, undefined],
    ['an empty label', 'a,label\n1,x\n2,\n', 'MISSING_LABEL', 3, 'label'],
    ['a duplicated column', 'a,a,label\n1,2,x\n', 'DUPLICATE_COLUMN', 1, 'a'],
    ['an unknown feature column', 'a,label\n1,x\n', 'NO_COLUMN', 1, 'z', { featureColumns: ['z'] }],
    ['a label outside the classes', 'a,label\n1,x\n2,y\n', 'UNKNOWN_LABEL', undefined, undefined, { classes: ['x', 'z'] }],
  ];
  for (const [name, text, code, row, column, options] of cases) {
    it(`refuses ${name} with ${code}`, () => {
      const e = errorOf(text, options);
      expect(e.code).toBe(code);
      if (row !== undefined) expect(e.row).toBe(row);
      if (column !== undefined) expect(e.column).toBe(column);
      if (row !== undefined) expect(e.message).toContain(`row ${row}`);
    });
  }

  it('accepts one class when asked to', () => {
    expect(parseCsv('a,label\n1,x\n2,x\n', { allowOneClass: true }).classes).toEqual(['x']);
  });

  const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes CSV that reads back to the same dataset', () => {
    const iris = loadCsv('datasets/iris.csv');
    const text = formatCsv({ ...iris, labels: iris.labels.map((l, i) => (i % 7 === 0 ? `${l}, "odd"` : l)) });
    const file = path.join(dir, 'round.csv');
    writeFileSync(file, text);
    const back = loadCsv(file);
    expect(back.featureNames).toEqual(iris.featureNames);
    expect(back.X.map((r) => Array.from(r))).toEqual(iris.X.map((r) => Array.from(r)));
    expect(back.labels.filter((l) => l.includes('"odd"'))).toHaveLength(Math.ceil(150 / 7));
  });
});
