import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCsv, parseCsv } from '../../host/data/csv';
import { DatasetError } from '../../host/data/dataset';
import { DatasetStore, STORE_SCHEMA_VERSION, SampleInput, StoreError } from '../../host/data/store';

const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = () => path.join(dir, `store-${files++}.sqlite`);

function storeError(f: () => unknown): StoreError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(StoreError); return e as StoreError; }
  throw new Error('expected a StoreError');
}

describe('dataset store', () => {
  it('creates a store with its schema version and reopens it', () => {
    const file = fresh();
    const store = DatasetStore.open(file);
    expect(store.schemaVersion).toBe(STORE_SCHEMA_VERSION);
    store.insert({ device: 'dev-1', timestamp: 1000, label: 'walk', features: [1, 2, 3] });
    store.close();
    const again = DatasetStore.open(file, { readonly: true });
    expect(again.count()).toBe(1);
    again.close();
  });

  it('refuses a newer schema and a foreign database', () => {
    const newer = fresh();
    DatasetStore.open(newer).close();
    const db = new Database(newer);
    db.pragma(`user_version = ${STORE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(storeError(() => DatasetStore.open(newer)).code).toBe('SCHEMA_VERSION');
    const foreign = fresh();
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    expect(storeError(() => DatasetStore.open(foreign)).code).toBe('NOT_A_STORE');
  });

  it('round-trips raw windows of every dtype with their shape, and feature vectors', () => {
    const store = DatasetStore.open(fresh());
    const windows = [
      new Int8Array([-128, 0, 127, 5, 6, 7]), new Uint8Array([0, 255, 3, 4, 5, 6]), new Int16Array([-32768, 32767, 1, 2, 3, 4]),
      new Uint16Array([65535, 0, 1, 2, 3, 4]), new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 1, 2, 3]),
      new Uint32Array([2 ** 32 - 1, 0, 1, 2, 3, 4]), new Float32Array([0.1, -2.5, 1e30, 3, 4, 5]), new Float64Array([Math.PI, -0, 1e-300, 3, 4, 5]),
    ];
    const ids = store.insertMany(windows.map((data, i) => ({
      device: `dev-${i % 3}`, timestamp: new Date(1_700_000_000_000 + i), label: i % 2 ? 'shake' : 'rest',
      window: { data, shape: [3, 2] }, features: i < 4 ? [i, i / 3] : undefined,
    })));
    ids.forEach((id, i) => {
      const s = store.get(id)!;
      expect(s.window!.data.constructor).toBe(windows[i].constructor);
      expect(Array.from(s.window!.data)).toEqual(Array.from(windows[i]));
      expect(s.window!.shape).toEqual([3, 2]);
      expect(s.timestamp).toBe(1_700_000_000_000 + i);
      expect(s.device).toBe(`dev-${i % 3}`);
      expect(s.split).toBe('unassigned');
      if (i < 4) expect(Array.from(s.features!)).toEqual([i, i / 3]);
      else expect(s.features).toBeUndefined();
    });
    expect(Object.is(store.get(ids[7])!.window!.data[1], -0)).toBe(true);
    expect(store.featureNames()).toEqual(['f0', 'f1']);
    store.close();
  });

  it('lists and counts by label, device and split', () => {
    const store = DatasetStore.open(fresh());
    const samples: SampleInput[] = [];
    for (let i = 0; i < 30; i++) {
      samples.push({ device: `d${i % 3}`, timestamp: 1000 + i, label: ['a', 'b', 'c'][i % 5 === 0 ? 2 : i % 2], features: [i, -i] });
    }
    samples.push({ device: 'd9', timestamp: 5000, label: null, features: [0, 0] });
    store.insertMany(samples);
    expect(store.count()).toBe(31);
    expect(store.count({ label: null })).toBe(1);
    const byLabel = store.countBy('label');
    expect(byLabel.get('c')).toBe(6);
    expect([...byLabel.values()].reduce((a, b) => a + b, 0)).toBe(31);
    expect(store.countBy('device').get('d1')).toBe(10);
    expect(store.count({ device: 'd1', label: 'b' })).toBe(samples.filter((s) => s.device === 'd1' && s.label === 'b').length);
    expect(store.list({ since: 1010, until: 1015 }).map((s) => s.timestamp)).toEqual([1010, 1011, 1012, 1013, 1014]);
    expect(store.list({ limit: 3, offset: 2 }).map((s) => s.timestamp)).toEqual([1002, 1003, 1004]);

    const { train, test } = store.assignSplits({ testSize: 0.25, seed: 1 });
    expect(train + test).toBe(30);
    expect(test).toBe(Math.ceil(30 * 0.25));
    expect(store.countBy('split')).toEqual(new Map([['test', test], ['train', train], ['unassigned', 1]]));
    // stratified: each label's test share is its floor or ceil
    for (const [label, n] of byLabel) {
      if (label === '') continue;
      const t = store.count({ label, split: 'test' });
      expect(Math.abs(t - (n * test) / 30)).toBeLessThan(1);
    }
    expect(store.count({ split: ['train', 'test'] })).toBe(30);
    store.setSplit([1, 2], 'validation');
    expect(store.count({ split: 'validation' })).toBe(2);
    store.close();
  });

  it('inserts in one transaction: a bad sample leaves nothing behind', () => {
    const store = DatasetStore.open(fresh());
    store.insert({ device: 'x', timestamp: 1, label: 'a', features: [1, 2] });
    const bad = (s: Partial<SampleInput>) => storeError(() => store.insertMany([
      { device: 'x', timestamp: 2, label: 'a', features: [3, 4] },
      { device: 'x', timestamp: 3, label: 'b', ...s } as SampleInput,
    ]));
    expect(bad({ features: [1, 2, 3] }).code).toBe('FEATURE_COUNT');
    expect(bad({ features: [1, NaN] }).code).toBe('BAD_SAMPLE');
    expect(bad({ features: undefined }).code).toBe('BAD_SAMPLE');
    expect(bad({ device: '' , features: [1, 2] }).code).toBe('BAD_SAMPLE');
    expect(bad({ timestamp: 1.5, features: [1, 2] }).code).toBe('BAD_SAMPLE');
    expect(bad({ window: { data: new Int16Array(6), shape: [4, 2] } }).code).toBe('BAD_SAMPLE');
    expect(bad({ split: 'later' as never, features: [1, 2] }).code).toBe('BAD_SAMPLE');
    expect(store.count()).toBe(1);
    store.close();
  });

  it('exports to the CSV dataset shape and back', () => {
    const iris = loadCsv('datasets/iris.csv');
    const store = DatasetStore.open(fresh());
    store.insertDataset(iris, { device: 'bench', timestamp: 1_700_000_000_000, split: (i) => (i % 4 === 0 ? 'test' : 'train') });
    store.insert({ device: 'bench', timestamp: 1, label: 'setosa', window: { data: new Int16Array(4), shape: [4] } }); // no features: left out
    const all = store.toDataset();
    expect(all.featureNames).toEqual(iris.featureNames);
    expect(all.X.map((x) => Array.from(x))).toEqual(iris.X.map((x) => Array.from(x)));
    expect(all.labels).toEqual(iris.labels);
    expect(all.classes).toEqual(iris.classes);
    expect(Array.from(all.y)).toEqual(Array.from(iris.y));
    const test = store.toDataset({ split: 'test' });
    expect(test.X).toHaveLength(Math.ceil(150 / 4));
    const file = path.join(dir, 'export.csv');
    store.exportCsv(file, { split: 'train' });
    const back = parseCsv(readFileSync(file, 'utf8'));
    expect(back.X).toHaveLength(150 - Math.ceil(150 / 4));
    expect(back.featureNames).toEqual(iris.featureNames);
    expect(() => store.toDataset({ label: 'setosa' })).toThrow(DatasetError); // one class
    expect(storeError(() => store.toDataset({ device: 'nobody' })).code).toBe('NO_SAMPLES');
    store.close();
  });
});
