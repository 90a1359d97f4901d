// A SQLite dataset store (better-sqlite3): labelled samples collected from devices, each a
// raw sensor window (a typed array with its shape) and/or a feature vector, with the device,
// the time, the label and the split (train/validation/test) it belongs to. One file holds a
// project's data; `toDataset()` gives the in-memory shape the trainers and the CSV code use.
//
// Blobs are little-endian whatever the host: a window is its elements in row-major order
// (dtype and shape in their own columns), a feature vector is float64s.
import Database from 'better-sqlite3';
import { existsSync, Stats, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatCsv } from './csv';
import { Dataset, makeDataset } from './dataset';
import { stratifiedSplit } from './split';

export const STORE_SCHEMA_VERSION = 1;

export const SPLITS = ['unassigned', 'train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export const DTYPES = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
export type DType = (typeof DTYPES)[number];
export type WindowArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface Window {
  data: WindowArray;
  /** Row-major dimensions, e.g. [samples, axes]; their product is data.length. */
  shape: number[];
}

export interface SampleInput {
  device: string;
  /** Milliseconds since the Unix epoch, or a Date. */
  timestamp: number | Date;
  label?: string | null;
  split?: SplitName;
  window?: Window;
  features?: ArrayLike<number>;
}

export interface StoredSample {
  id: number;
  device: string;
  timestamp: number;
  label: string | null;
  split: SplitName;
  window?: Window & { dtype: DType };
  features?: Float64Array;
}

export interface SampleFilter {
  label?: string | null;
  device?: string;
  split?: SplitName | SplitName[];
  /** Only samples that have a feature vector (true) or a window (false: see hasWindow). */
  hasFeatures?: boolean;
  hasWindow?: boolean;
  since?: number;
  until?: number;
  limit?: number;
  offset?: number;
}

export type StoreErrorCode = 'SCHEMA_VERSION' | 'NOT_A_STORE' | 'CANNOT_OPEN' | 'BAD_SAMPLE' | 'FEATURE_COUNT' | 'NO_SAMPLES';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

const SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE samples (
  id            INTEGER PRIMARY KEY,
  device        TEXT    NOT NULL,
  timestamp     INTEGER NOT NULL,
  label         TEXT,
  split         TEXT    NOT NULL DEFAULT 'unassigned'
                CHECK (split IN ('unassigned', 'train', 'validation', 'test')),
  window        BLOB,
  window_dtype  TEXT    CHECK (window_dtype IN ('int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64')),
  window_shape  TEXT,
  features      BLOB,
  feature_count INTEGER,
  CHECK (window IS NOT NULL OR features IS NOT NULL),
  CHECK ((window IS NULL) = (window_dtype IS NULL) AND (window IS NULL) = (window_shape IS NULL)),
  CHECK ((features IS NULL) = (feature_count IS NULL))
);
CREATE INDEX samples_label  ON samples (label);
CREATE INDEX samples_device ON samples (device, timestamp);
CREATE INDEX samples_split  ON samples (split);
`;

interface Row {
  id: number;
  device: string;
  timestamp: number;
  label: string | null;
  split: SplitName;
  window: Buffer | null;
  window_dtype: DType | null;
  window_shape: string | null;
  features: Buffer | null;
  feature_count: number | null;
}

const ELEMENT: Record<DType, { bytes: number; array: new (n: number) => WindowArray; get: (v: DataView, o: number) => number; set: (v: DataView, o: number, x: number) => void }> = {
  int8: { bytes: 1, array: Int8Array, get: (v, o) => v.getInt8(o), set: (v, o, x) => v.setInt8(o, x) },
  uint8: { bytes: 1, array: Uint8Array, get: (v, o) => v.getUint8(o), set: (v, o, x) => v.setUint8(o, x) },
  int16: { bytes: 2, array: Int16Array, get: (v, o) => v.getInt16(o, true), set: (v, o, x) => v.setInt16(o, x, true) },
  uint16: { bytes: 2, array: Uint16Array, get: (v, o) => v.getUint16(o, true), set: (v, o, x) => v.setUint16(o, x, true) },
  int32: { bytes: 4, array: Int32Array, get: (v, o) => v.getInt32(o, true), set: (v, o, x) => v.setInt32(o, x, true) },
  uint32: { bytes: 4, array: Uint32Array, get: (v, o) => v.getUint32(o, true), set: (v, o, x) => v.setUint32(o, x, true) },
  float32: { bytes: 4, array: Float32Array, get: (v, o) => v.getFloat32(o, true), set: (v, o, x) => v.setFloat32(o, x, true) },
  float64: { bytes: 8, array: Float64Array, get: (v, o) => v.getFloat64(o, true), set: (v, o, x) => v.setFloat64(o, x, true) },
};

export function dtypeOf(data: WindowArray): DType {
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  throw new StoreError('BAD_SAMPLE', 'a window must be a typed array (Int8Array .. Float64Array)');
}

function encode(dtype: DType, values: ArrayLike<number>): Buffer {
  const e = ELEMENT[dtype];
  const out = Buffer.alloc(values.length * e.bytes);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < values.length; i++) e.set(view, i * e.bytes, values[i]);
  return out;
}

function decode(dtype: DType, blob: Buffer): WindowArray {
  const e = ELEMENT[dtype];
  const n = blob.byteLength / e.bytes;
  const out = new e.array(n);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let i = 0; i < n; i++) out[i] = e.get(view, i * e.bytes);
  return out;
}

export class DatasetStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#insert = db.prepare(`INSERT INTO samples (device, timestamp, label, split, window, window_dtype, window_shape, features, feature_count)
      VALUES (@device, @timestamp, @label, @split, @window, @window_dtype, @window_shape, @features, @feature_count)`);
  }

  /** Opens a store, creating it (schema version STORE_SCHEMA_VERSION) if the file is new. */
  static open(path: string, options: { readonly?: boolean } = {}): DatasetStore {
    const readonly = options.readonly ?? false;
    let stat: Stats | undefined;
    try {
      stat = statSync(path);
    } catch {
      // a new file (or one SQLite will fail to open, below)
    }
    if (stat?.isDirectory()) throw new StoreError('CANNOT_OPEN', `${path} is a directory, not a dataset store`);
    if (!stat && readonly) throw new StoreError('CANNOT_OPEN', `${path} does not exist`);
    if (!stat && !existsSync(dirname(resolve(path)))) throw new StoreError('CANNOT_OPEN', `cannot create ${path}: the directory ${dirname(path)} does not exist`);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly, fileMustExist: readonly });
    } catch (e) {
      throw openFailure(path, e);
    }
    try {
      if (!options.readonly) db.pragma('journal_mode = WAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
      if (version === 0) {
        if (tables > 0) throw new StoreError('NOT_A_STORE', `${path} is an SQLite database but not an edgeml dataset store`);
        if (options.readonly) throw new StoreError('NOT_A_STORE', `${path} is empty`);
        db.transaction(() => {
          db.exec(SCHEMA);
          db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
        })();
      } else if (version > STORE_SCHEMA_VERSION) {
        throw new StoreError('SCHEMA_VERSION', `${path} has store schema version ${version}; this edgeml reads up to ${STORE_SCHEMA_VERSION}`);
      } else if (version < STORE_SCHEMA_VERSION) {
        // Migrations from older versions go here as the schema evolves.
        throw new StoreError('SCHEMA_VERSION', `${path} has store schema version ${version}, which cannot be migrated`);
      }
      return new DatasetStore(path, db);
    } catch (e) {
      db.close();
      throw openFailure(path, e);
    }
  }

  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.#db.close();
  }

  /** Names of the feature-vector entries (set once, or inferred as f0.. from the first vector). */
  featureNames(): string[] | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'feature_names'").get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as string[]) : undefined;
  }

  setFeatureNames(names: string[]): void {
    const count = (this.#db.prepare('SELECT DISTINCT feature_count AS n FROM samples WHERE feature_count IS NOT NULL').all() as { n: number }[]);
    if (count.some((c) => c.n !== names.length)) throw new StoreError('FEATURE_COUNT', `the store holds feature vectors of ${count.map((c) => c.n).join(', ')} values, not ${names.length}`);
    if (new Set(names).size !== names.length) throw new StoreError('BAD_SAMPLE', 'feature names must be distinct');
    this.#db.prepare("INSERT INTO meta (key, value) VALUES ('feature_names', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(names));
  }

  /** Inserts one sample; returns its id. */
  insert(sample: SampleInput): number {
    return this.insertMany([sample])[0];
  }

  /**
   * Inserts samples in one transaction (all or none); returns their ids. A store without
   * feature names takes `featureNames` (else f0, f1, ...) with the first feature vector, in the
   * same transaction.
   */
  insertMany(samples: Iterable<SampleInput>, featureNames?: string[]): number[] {
    return this.#db.transaction((items: Iterable<SampleInput>) => {
      let names = this.featureNames();
      const ids: number[] = [];
      let index = 0;
      for (const s of items) {
        const row = this.#row(s, index++);
        if (row.feature_count !== null) {
          if (!names) {
            names = featureNames ?? Array.from({ length: row.feature_count }, (_, i) => `f${i}`);
            this.setFeatureNames(names);
          }
          if (names.length !== row.feature_count) {
            throw new StoreError('FEATURE_COUNT', `sample ${index - 1} has ${row.feature_count} features, the store has ${names.length}`);
          }
        }
        ids.push(Number(this.#insert.run(row).lastInsertRowid));
      }
      return ids;
    })(samples);
  }

  #row(s: SampleInput, index: number) {
    const bad = (why: string) => new StoreError('BAD_SAMPLE', `sample ${index}: ${why}`);
    if (typeof s.device !== 'string' || s.device === '') throw bad('no device id');
    const timestamp = s.timestamp instanceof Date ? s.timestamp.getTime() : s.timestamp;
    if (!Number.isSafeInteger(timestamp)) throw bad(`timestamp ${String(s.timestamp)} is not whole milliseconds`);
    const split = s.split ?? 'unassigned';
    if (!SPLITS.includes(split)) throw bad(`split "${split}"`);
    if (s.label !== undefined && s.label !== null && typeof s.label !== 'string') throw bad('the label must be a string');
    if (!s.window && !s.features) throw bad('neither a window nor features');
    let window: Buffer | null = null;
    let dtype: DType | null = null;
    let shape: string | null = null;
    if (s.window) {
      dtype = dtypeOf(s.window.data);
      const dims = s.window.shape;
      if (!Array.isArray(dims) || dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw bad(`window shape ${JSON.stringify(dims)}`);
      if (dims.reduce((a, b) => a * b, 1) !== s.window.data.length) throw bad(`window shape ${dims.join('x')} does not hold ${s.window.data.length} values`);
      window = encode(dtype, s.window.data);
      shape = JSON.stringify(dims);
    }
    let features: Buffer | null = null;
    let featureCount: number | null = null;
    if (s.features) {
      for (let i = 0; i < s.features.length; i++) if (!Number.isFinite(s.features[i])) throw bad(`feature ${i} is ${s.features[i]}`);
      if (s.features.length === 0) throw bad('an empty feature vector');
      features = encode('float64', s.features);
      featureCount = s.features.length;
    }
    return {
      device: s.device, timestamp, label: s.label ?? null, split,
      window, window_dtype: dtype, window_shape: shape, features, feature_count: featureCount,
    };
  }

  get(id: number): StoredSample | undefined {
    const row = this.#db.prepare('SELECT * FROM samples WHERE id = ?').get(id) as Row | undefined;
    return row && toSample(row);
  }

  /** Samples matching the filter, in id (insertion) order. */
  list(filter: SampleFilter = {}): StoredSample[] {
    const { where, params } = whereOf(filter);
    let sql = `SELECT * FROM samples ${where} ORDER BY id`;
    if (filter.limit !== undefined) { sql += ' LIMIT @limit'; params.limit = filter.limit; }
    if (filter.offset !== undefined) { sql += `${filter.limit === undefined ? ' LIMIT -1' : ''} OFFSET @offset`; params.offset = filter.offset; }
    return (this.#db.prepare(sql).all(params) as Row[]).map(toSample);
  }

  count(filter: SampleFilter = {}): number {
    const { where, params } = whereOf(filter);
    return (this.#db.prepare(`SELECT count(*) AS n FROM samples ${where}`).get(params) as { n: number }).n;
  }

  /** Sample counts grouped by label, device or split (null labels under ''). */
  countBy(field: 'label' | 'device' | 'split', filter: SampleFilter = {}): Map<string, number> {
    if (field !== 'label' && field !== 'device' && field !== 'split') throw new RangeError(`count by ${String(field)}`);
    const { where, params } = whereOf(filter);
    const rows = this.#db.prepare(`SELECT ${field} AS k, count(*) AS n FROM samples ${where} GROUP BY ${field} ORDER BY ${field}`).all(params) as { k: string | null; n: number }[];
    return new Map(rows.map((r) => [r.k ?? '', r.n]));
  }

  /** Moves samples to a split. */
  setSplit(ids: readonly number[], split: SplitName): void {
    if (!SPLITS.includes(split)) throw new StoreError('BAD_SAMPLE', `split "${split}"`);
    const update = this.#db.prepare('UPDATE samples SET split = ? WHERE id = ?');
    this.#db.transaction(() => { for (const id of ids) update.run(split, id); })();
  }

  /** Assigns every labelled sample (matching the filter) to train or test, stratified by
   * label and seeded (host/data/split.ts); returns the counts. */
  assignSplits(options: { testSize?: number; seed?: number; filter?: SampleFilter } = {}): { train: number; test: number } {
    const { where, params } = whereOf({ ...options.filter, label: undefined });
    const rows = this.#db.prepare(`SELECT id, label FROM samples ${where ? `${where} AND` : 'WHERE'} label IS NOT NULL ORDER BY id`)
      .all(params) as { id: number; label: string }[];
    if (rows.length === 0) throw new StoreError('NO_SAMPLES', 'no labelled samples to split');
    const classes = [...new Set(rows.map((r) => r.label))];
    const index = new Map(classes.map((c, i) => [c, i]));
    const { train, test } = stratifiedSplit(rows.map((r) => index.get(r.label)!), { testSize: options.testSize ?? 0.25, seed: options.seed ?? 0 });
    this.#db.transaction(() => {
      this.setSplit(Array.from(train, (i) => rows[i].id), 'train');
      this.setSplit(Array.from(test, (i) => rows[i].id), 'test');
    })();
    return { train: train.length, test: test.length };
  }

  /** The labelled samples with feature vectors, as a Dataset (in id order). */
  toDataset(filter: SampleFilter = {}, options: { classes?: string[]; allowOneClass?: boolean } = {}): Dataset {
    const samples = this.list({ ...filter, hasFeatures: true }).filter((s) => s.label !== null);
    if (samples.length === 0) throw new StoreError('NO_SAMPLES', 'no labelled samples with features match');
    const names = this.featureNames() ?? Array.from({ length: samples[0].features!.length }, (_, i) => `f${i}`);
    return makeDataset(names, samples.map((s) => s.features!), samples.map((s) => s.label!), options);
  }

  /** Writes toDataset(filter) as CSV (features, then `label`). */
  exportCsv(path: string, filter: SampleFilter = {}): Dataset {
    const data = this.toDataset(filter);
    writeFileSync(path, formatCsv(data));
    return data;
  }

  /** Inserts a whole dataset's rows as feature vectors. */
  insertDataset(data: Dataset, options: { device: string; timestamp?: number; split?: SplitName | ((i: number) => SplitName) }): number[] {
    const names = this.featureNames();
    if (!names) this.setFeatureNames(data.featureNames);
    else if (names.join('\u0000') !== data.featureNames.join('\u0000')) {
      throw new StoreError('FEATURE_COUNT', `the store's features (${names.length}) are not the dataset's (${data.featureNames.length})`);
    }
    const t0 = options.timestamp ?? Date.now();
    const split = options.split;
    return this.insertMany(data.X.map((x, i) => ({
      device: options.device, timestamp: t0 + i, label: data.labels[i], features: x,
      split: typeof split === 'function' ? split(i) : split,
    })));
  }
}

/** SQLite's reasons a file does not open, as a StoreError naming the file. */
function openFailure(path: string, e: unknown): unknown {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return new StoreError('NOT_A_STORE', `${path} is not a dataset store (not an SQLite database)`);
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_READONLY' || code === 'SQLITE_IOERR' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) || code === 'SQLITE_AUTH') {
    return new StoreError('CANNOT_OPEN', `cannot open ${path} (${(e as Error).message})`);
  }
  return e;
}

function toSample(row: Row): StoredSample {
  const s: StoredSample = { id: row.id, device: row.device, timestamp: row.timestamp, label: row.label, split: row.split };
  if (row.window && row.window_dtype && row.window_shape) {
    s.window = { data: decode(row.window_dtype, row.window), shape: JSON.parse(row.window_shape) as number[], dtype: row.window_dtype };
  }
  if (row.features) s.features = decode('float64', row.features) as Float64Array;
  return s;
}

function whereOf(f: SampleFilter): { where: string; params: Record<string, unknown> } {
  const terms: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.label === null) terms.push('label IS NULL');
  else if (f.label !== undefined) { terms.push('label = @label'); params.label = f.label; }
  if (f.device !== undefined) { terms.push('device = @device'); params.device = f.device; }
  if (f.split !== undefined) {
    const splits = Array.isArray(f.split) ? f.split : [f.split];
    terms.push(`split IN (${splits.map((_, i) => `@split${i}`).join(', ')})`);
    splits.forEach((s, i) => (params[`split${i}`] = s));
  }
  if (f.hasFeatures !== undefined) terms.push(f.hasFeatures ? 'features IS NOT NULL' : 'features IS NULL');
  if (f.hasWindow !== undefined) terms.push(f.hasWindow ? 'window IS NOT NULL' : 'window IS NULL');
  if (f.since !== undefined) { terms.push('timestamp >= @since'); params.since = f.since; }
  if (f.until !== undefined) { terms.push('timestamp < @until'); params.until = f.until; }
  return { where: terms.length ? `WHERE ${terms.join(' AND ')}` : '', params };
}
