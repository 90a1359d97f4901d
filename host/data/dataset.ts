// The in-memory shape of a labelled dataset, shared by the CSV loader, the SQLite store,
// the splitters and the trainers.

export interface Dataset {
  /** Names of the feature columns, in order. */
  featureNames: string[];
  /** One row of features per sample. */
  X: Float64Array[];
  /** The label of each sample as written in the source. */
  labels: string[];
  /** Class index of each sample: classes[y[i]] === labels[i]. */
  y: Int32Array;
  /** Distinct labels; the class index is the position here. */
  classes: string[];
}

export type DatasetErrorCode =
  | 'EMPTY'           // no header, or a header and no rows
  | 'MALFORMED'       // CSV syntax: an unterminated quote, text after a closing quote
  | 'RAGGED'          // a row with more or fewer fields than the header
  | 'NOT_NUMERIC'     // a feature value that is not a finite decimal number
  | 'NO_LABEL_COLUMN' // the label column is not in the header
  | 'MISSING_LABEL'   // a row with an empty label
  | 'NO_COLUMN'       // a requested feature column is not in the header
  | 'NO_FEATURES'     // no feature column at all (only the label column)
  | 'DUPLICATE_COLUMN'
  | 'ONE_CLASS'       // every row has the same label
  | 'BAD_SHAPE'       // rows of different lengths, labels and rows of different counts
  | 'UNKNOWN_LABEL';  // a label outside a fixed class list

/** A dataset that cannot be used, with a code and, when it applies, the row (1-based line of
 * the file, header = 1) and column where the problem is. */
export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  readonly row: number | undefined;
  readonly column: string | undefined;

  constructor(code: DatasetErrorCode, message: string, where: { row?: number; column?: string } = {}) {
    const at = [where.row !== undefined ? `row ${where.row}` : '', where.column !== undefined ? `column "${where.column}"` : '']
      .filter(Boolean).join(', ');
    super(at ? `${at}: ${message}` : message);
    this.name = 'DatasetError';
    this.code = code;
    this.row = where.row;
    this.column = where.column;
  }
}

/** Class order: numeric order when every label is a number, else code-point order. */
export function sortClasses(labels: Iterable<string>): string[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((l) => NUMBER.test(l.trim()));
  return numeric
    ? distinct.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A finite decimal number as CSV files write them (no hex, no Infinity, no NaN, no blanks). */
export const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Builds a dataset from rows and labels, checking shapes. `classes` fixes the class order
 * (labels outside it are refused); by default it is sortClasses(labels).
 */
export function makeDataset(
  featureNames: string[], X: Float64Array[], labels: string[],
  options: { classes?: string[]; allowOneClass?: boolean } = {},
): Dataset {
  if (X.length !== labels.length) throw new DatasetError('BAD_SHAPE', `${X.length} rows and ${labels.length} labels`);
  if (X.length === 0) throw new DatasetError('EMPTY', 'no samples');
  X.forEach((row, i) => {
    if (row.length !== featureNames.length) throw new DatasetError('BAD_SHAPE', `sample ${i} has ${row.length} features, expected ${featureNames.length}`);
  });
  const classes = options.classes ?? sortClasses(labels);
  const index = new Map(classes.map((c, i) => [c, i]));
  if (index.size !== classes.length) throw new DatasetError('BAD_SHAPE', 'the class list has duplicates');
  const y = new Int32Array(labels.length);
  labels.forEach((l, i) => {
    const k = index.get(l);
    if (k === undefined) throw new DatasetError('UNKNOWN_LABEL', `label "${l}" is not one of the classes`, { row: i });
    y[i] = k;
  });
  if (!options.allowOneClass && new Set(labels).size < 2) {
    throw new DatasetError('ONE_CLASS', `every sample has the label "${labels[0]}"; a classifier needs at least two classes`);
  }
  return { featureNames, X, labels, y, classes };
}

/** The samples at `indices`, sharing rows with `data` (rows are not copied). */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  const n = indices.length;
  const X: Float64Array[] = new Array(n);
  const labels: string[] = new Array(n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    X[i] = data.X[j];
    labels[i] = data.labels[j];
    y[i] = data.y[j];
  }
  return { featureNames: data.featureNames, X, labels, y, classes: data.classes };
}
