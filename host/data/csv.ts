// CSV datasets: a header row, numeric feature columns and one label column (`label` by
// default). RFC 4180 quoting ("a,b", "say ""hi"""), LF or CRLF line ends, blank lines ignored.
import { readFileSync } from 'node:fs';
import { Dataset, DatasetError, NUMBER, makeDataset } from './dataset';

export interface CsvOptions {
  /** Name of the label column (default `label`). */
  labelColumn?: string;
  /** Feature columns to use, in this order (default: every column but the label). */
  featureColumns?: string[];
  /** Fixed class order; labels outside it are refused (default: sortClasses of the labels). */
  classes?: string[];
  /** Accept a dataset whose rows all have the same label (default false). */
  allowOneClass?: boolean;
}

/** Parses CSV text into records; each record keeps the 1-based line where it starts. */
export function parseCsvRecords(text: string): { fields: string[]; line: number }[] {
  const records: { fields: string[]; line: number }[] = [];
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte order mark
  let line = 1;
  const n = text.length;
  while (at < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (;;) {
      if (at < n && text[at] === '"' && field === '' && !quoted) {
        // A quoted field: runs to the closing quote, "" is a literal quote.
        quoted = true;
        at++;
        for (;;) {
          if (at >= n) throw new DatasetError('MALFORMED', 'a quoted field is not closed', { row: start });
          const c = text[at];
          if (c === '"') {
            if (text[at + 1] === '"') { field += '"'; at += 2; continue; }
            at++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          at++;
        }
        const c = text[at];
        if (at < n && c !== ',' && c !== '\n' && c !== '\r') {
          throw new DatasetError('MALFORMED', `text after the closing quote of field ${fields.length + 1}`, { row: line });
        }
        continue;
      }
      if (at >= n) { fields.push(field); break; }
      const c = text[at];
      if (c === ',') { fields.push(field); field = ''; quoted = false; at++; continue; }
      if (c === '\r' || c === '\n') {
        fields.push(field);
        at += c === '\r' && text[at + 1] === '\n' ? 2 : 1;
        line++;
        break;
      }
      if (c === '"' || quoted) {
        // After a closing quote only a separator may follow (checked above), so this is a
        // quote inside an unquoted field.
        throw new DatasetError('MALFORMED', `a quote inside unquoted field ${fields.length + 1}`, { row: line });
      }
      // An unquoted field: up to the next separator, line end or quote, in one slice.
      const from = at;
      while (at < n) {
        const k = text.charCodeAt(at);
        if (k === 44 || k === 10 || k === 13 || k === 34) break; // , \n \r "
        at++;
      }
      field += text.slice(from, at);
    }
    // A line with nothing on it is not a record.
    if (!(fields.length === 1 && fields[0] === '' && !quoted)) records.push({ fields, line: start });
  }
  return records;
}

/** Parses a CSV dataset from text. Throws DatasetError naming the row and column at fault. */
export function parseCsv(text: string, options: CsvOptions = {}): Dataset {
  const records = parseCsvRecords(text);
  if (records.length === 0) throw new DatasetError('EMPTY', 'the file is empty');
  const header = records[0].fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new DatasetError('DUPLICATE_COLUMN', `column "${h}" appears twice in the header`, { row: 1, column: h });
    seen.add(h);
  }
  const labelColumn = options.labelColumn ?? 'label';
  const labelAt = header.indexOf(labelColumn);
  if (labelAt < 0) throw new DatasetError('NO_LABEL_COLUMN', `no label column "${labelColumn}" in the header (${header.join(', ')})`, { row: 1 });
  const featureNames = options.featureColumns ?? header.filter((_, i) => i !== labelAt);
  const featureAt = featureNames.map((name) => {
    const i = header.indexOf(name);
    if (i < 0 || i === labelAt) throw new DatasetError('NO_COLUMN', `no feature column "${name}" in the header`, { row: 1, column: name });
    return i;
  });
  if (featureAt.length === 0) throw new DatasetError('NO_FEATURES', `no feature columns: the header has only the label column "${labelColumn}"`, { row: 1 });
  if (records.length === 1) throw new DatasetError('EMPTY', 'the file has a header and no rows');

  const X: Float64Array[] = [];
  const labels: string[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== header.length) {
      throw new DatasetError('RAGGED', `${fields.length} fields, the header has ${header.length}`, { row: line });
    }
    const row = new Float64Array(featureAt.length);
    for (let f = 0; f < featureAt.length; f++) {
      const s = fields[featureAt[f]].trim();
      if (!NUMBER.test(s)) {
        throw new DatasetError('NOT_NUMERIC', s === '' ? 'missing value' : `"${s}" is not a number`, { row: line, column: featureNames[f] });
      }
      row[f] = Number(s);
      if (!Number.isFinite(row[f])) throw new DatasetError('NOT_NUMERIC', `"${s}" is out of range`, { row: line, column: featureNames[f] });
    }
    const label = fields[labelAt].trim();
    if (label === '') throw new DatasetError('MISSING_LABEL', 'empty label', { row: line, column: labelColumn });
    X.push(row);
    labels.push(label);
  }
  return makeDataset(featureNames, X, labels, { classes: options.classes, allowOneClass: options.allowOneClass });
}

/** Reads and parses a CSV dataset file. */
export function loadCsv(path: string, options: CsvOptions = {}): Dataset {
  return parseCsv(readFileSync(path, 'utf8'), options);
}

/** Writes a dataset as CSV (features, then `label`), the inverse of parseCsv. */
export function formatCsv(data: Dataset, labelColumn = 'label'): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [[...data.featureNames, labelColumn].map(quote).join(',')];
  for (let i = 0; i < data.X.length; i++) {
    lines.push([...Array.from(data.X[i], (v) => String(v)), quote(data.labels[i])].join(','));
  }
  return lines.join('\n') + '\n';
}
