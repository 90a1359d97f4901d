// The training report: one self-contained HTML page (inline CSS, inline SVG, no scripts, no
// external files) with the summary of a `edgeml train` run, the confusion matrix as a heat
// map, feature importance, and test accuracy against package size.
import type { FeatureImportance, SizePoint, TrainSummary } from '../train/train';
import { confusionHeatmap, formatBytes, importanceBars, importanceImage, sizeCurve } from './charts';
import { escapeXml as esc, percent } from './svg';

export interface TrainReportInput {
  dataFile: string;
  packageFile: string;
  /** The command line that produced the run (shown for reproduction). */
  command?: string;
  generatedAt?: Date;
  keyId?: string;
  summary: TrainSummary;
  confusion: number[][];
  importance: FeatureImportance | null;
  sizeCurve: SizePoint[];
  shape: [number, number, number] | null;
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2937; margin: 0; background: #f9fafb; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
p.meta, p.note { color: #6b7280; margin: 4px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 16px; min-width: 140px; }
.card .label { color: #6b7280; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 600; }
.card .sub { color: #6b7280; font-size: 12px; }
.columns { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
table { border-collapse: collapse; background: #fff; border: 1px solid #e5e7eb; }
th, td { text-align: left; padding: 4px 12px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
th { color: #6b7280; font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; }
pre { background: #f3f4f6; padding: 8px 12px; border-radius: 6px; overflow-x: auto; }
figure { margin: 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px; }
figcaption { color: #6b7280; font-size: 12px; margin-top: 6px; max-width: 640px; }
svg.chart { display: block; font-family: inherit; }
svg .tick { font-size: 11px; fill: #374151; }
svg .value { font-size: 11px; fill: #6b7280; }
svg .axis-title { font-size: 12px; fill: #374151; font-weight: 500; }
svg .grid { stroke: #e5e7eb; stroke-width: 1; }
svg .axis { stroke: #6b7280; stroke-width: 1; }
svg .bar { fill: #2563eb; }
svg rect.diagonal { stroke: #111827; stroke-width: 1; }
svg .series-package { fill: none; stroke: #2563eb; stroke-width: 2; }
svg .series-float { fill: none; stroke: #ea580c; stroke-width: 1.5; stroke-dasharray: 5 4; }
svg .point-package { fill: #2563eb; stroke: #fff; stroke-width: 1; }
svg .point-float { fill: #ea580c; }
svg .point-label { font-size: 10px; fill: #374151; }
.ok { color: #047857; } .bad { color: #b91c1c; }
`;

const IMPORTANCE_MEANING: Record<FeatureImportance['kind'], string> = {
  impurity: 'mean decrease in gini impurity over the trees (as scikit-learn\'s feature_importances_), each tree normalized to 1',
  splits: 'share of all the splits in the ensemble that test the feature',
  weights: 'sum over the classes of |weight| times the feature\'s standard deviation',
};

export function renderTrainReport(r: TrainReportInput): string {
  const s = r.summary;
  const title = `edgeml training report: ${s.algorithmName} on ${baseName(r.dataFile)}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">${esc(r.packageFile)} &middot; generated ${esc((r.generatedAt ?? new Date()).toISOString())}</p>`,
    cards(s),
    '<h2>Summary</h2>',
    `<div class="columns">${datasetTable(r)}${paramsTable(s)}${resultsTable(r)}</div>`,
    '<h2>Confusion matrix</h2>',
    `<div class="columns"><figure>${confusionHeatmap(r.confusion, s.dataset.classes)}<figcaption>The package, run by the device's engine (firmware/core), on the ${s.dataset.testRows} test rows. Rows: true class; columns: predicted class. Colour: share of the row (recall); the diagonal is outlined.</figcaption></figure>${classTable(r.confusion, s.dataset.classes)}</div>`,
    '<h2>Feature importance</h2>',
    importanceSection(r),
    '<h2>Accuracy against model size</h2>',
    curveSection(r),
    r.command ? `<h2>Reproduce</h2><pre><code>${esc(r.command)}</code></pre>` : '',
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function card(label: string, value: string, sub = ''): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>${sub ? `<div class="sub">${esc(sub)}</div>` : ''}</div>`;
}

function cards(s: TrainSummary): string {
  return `<div class="cards">${[
    card('float accuracy', percent(s.floatAccuracy), `${s.dataset.testRows} test rows`),
    card('package accuracy', percent(s.quantizedAccuracy), 'quantized, device engine'),
    card('agreement', percent(s.agreement), `${s.disagreements} of ${s.dataset.testRows} rows differ`),
    card('package', formatBytes(s.packageBytes), `${s.packageBytes.toLocaleString('en-US')} bytes`),
    card('arena', formatBytes(s.arenaBytes), 'working memory'),
  ].join('')}</div>`;
}

function rows(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
}

function datasetTable(r: TrainReportInput): string {
  const d = r.summary.dataset;
  const classes = d.classes.length > 12 ? `${d.classes.slice(0, 12).join(', ')}, …` : d.classes.join(', ');
  return `<table><caption>Dataset</caption>${rows([
    ['file', r.dataFile],
    ['rows', `${d.rows} (${d.trainRows} train, ${d.testRows} test, stratified)`],
    ['features', String(d.features)],
    ['classes', `${d.classes.length}: ${classes}`],
  ])}</table>`;
}

function paramsTable(s: TrainSummary): string {
  const params = Object.entries(s.params).map(([k, v]): [string, string] => [k, v === null ? 'none' : String(v)]);
  return `<table><caption>Algorithm</caption>${rows([['algorithm', `${s.algorithmName} (${s.algorithm})`], ...params])}</table>`;
}

function resultsTable(r: TrainReportInput): string {
  const s = r.summary;
  const model = Object.entries(s.model).map(([k, v]): [string, string] => [k, typeof v === 'number' && Number.isInteger(v) ? v.toLocaleString('en-US') : String(v)]);
  return `<table><caption>Package</caption>${rows([
    ['float accuracy', percent(s.floatAccuracy)],
    ['package accuracy', percent(s.quantizedAccuracy)],
    ['agreement', `${percent(s.agreement)} (${s.disagreements} rows differ)`],
    ['package size', `${s.packageBytes.toLocaleString('en-US')} B`],
    ['arena', `${s.arenaBytes.toLocaleString('en-US')} B`],
    ['self-test', `${s.selfTest.vectors} vectors, ${s.selfTest.passed ? 'all reproduce' : 'FAILED'}`],
    ['signature', s.signed ? `ECDSA P-256${r.keyId ? `, key id ${r.keyId}` : ''}` : 'none'],
    ...model,
    ['training time', `${(s.trainMs / 1000).toFixed(2)} s`],
  ])}</table>`;
}

function classTable(confusion: number[][], labels: string[]): string {
  const body = labels.map((label, k) => {
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((n, row) => n + row[k], 0);
    const precision = predicted ? confusion[k][k] / predicted : NaN;
    const recall = support ? confusion[k][k] / support : NaN;
    return `<tr><td>${esc(label)}</td><td class="num">${support}</td><td class="num">${percent(precision, 1)}</td><td class="num">${percent(recall, 1)}</td></tr>`;
  }).join('');
  return `<table><caption>Per class (package, test rows)</caption><tr><th>class</th><th>support</th><th>precision</th><th>recall</th></tr>${body}</table>`;
}

function importanceSection(r: TrainReportInput): string {
  const imp = r.importance;
  if (!imp) return '<p class="note">Not computed for this model (a CNN has no per-feature importance of this kind).</p>';
  const figures = [`<figure>${importanceBars(imp.names, imp.values, 20)}<figcaption>Top ${Math.min(20, imp.names.length)} of ${imp.names.length} features: ${esc(IMPORTANCE_MEANING[imp.kind])}.</figcaption></figure>`];
  if (r.shape) {
    const [h, w, c] = r.shape;
    figures.push(`<figure>${importanceImage(imp.values, r.shape)}<figcaption>The same, laid out as the ${h} x ${w}${c > 1 ? ` x ${c} (channels summed)` : ''} input image.</figcaption></figure>`);
  }
  return `<div class="columns">${figures.join('')}</div>`;
}

function curveSection(r: TrainReportInput): string {
  if (r.sizeCurve.length === 0) return '<p class="note">Not measured.</p>';
  const what: Record<string, string> = {
    rf: 'forests of the first k trees of the trained forest',
    gbdt: 'the first r boosting rounds of the trained ensemble',
    dt: 'trees grown on the same rows to lesser depths',
  };
  const how = what[r.summary.algorithm] ?? 'the trained model (one size)';
  const table = r.sizeCurve.map((p) => `<tr><td>${esc(p.label)}</td><td class="num">${p.packageBytes.toLocaleString('en-US')}</td><td class="num">${percent(p.floatAccuracy)}</td><td class="num">${percent(p.quantizedAccuracy)}</td></tr>`).join('');
  return `<div class="columns"><figure>${sizeCurve(r.sizeCurve)}<figcaption>Test accuracy of ${esc(how)}, each exported as a package with the same feature quantization, self-test vectors and signature.</figcaption></figure>`
    + `<table><caption>Sizes</caption><tr><th>model</th><th>bytes</th><th>float</th><th>package</th></tr>${table}</table></div>`;
}
