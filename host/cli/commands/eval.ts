// edgeml eval: run a package through the device's own engine on a CSV dataset.
import { Command } from 'commander';
import { evaluate, EvalReport, Prediction, classLabels } from '../../eval/evaluate';
import { readEvalRows, readReferencePredictions } from '../../eval/table';
import { Model } from '../../../firmware/core/model';
import { CliError, EXIT } from '../errors';
import { checkOutputFile, inputFile, readModel, writeFileAtomic } from '../io';
import { wholeNumber } from '../options';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("run a model package with the device's own engine on a dataset and report accuracy and cost")
    .argument('<model>', 'package file (.edgm)')
    .requiredOption('--data <file.csv>', "CSV with the model's feature columns and, optionally, a label column")
    .option('--label <column>', "name of the label column (default: label, if the data has one)")
    .option('--predictions <out.csv>', 'write one row per input: the predicted class and the per-class scores (or the regression value)')
    .option('--reference <predictions.csv>', "agreement with reference predictions, one per row in a 'predicted' column (the float model's, or the original library's)")
    .option('--xs-samples <n>', 'rows to measure in the XS engine (0 to skip)', wholeNumber('--xs-samples'), 8)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExample:\n  edgeml eval model.edgm --data datasets/digits.csv --predictions out.csv')
    .action(async (file: string, opts: { data: string; label?: string; predictions?: string; reference?: string; xsSamples: number; json?: boolean }) => {
      const { model } = readModel(file);
      if (opts.predictions) checkOutputFile(opts.predictions, true);
      const rows = readEvalRows(inputFile(opts.data), opts.label ?? 'label');
      if (opts.label !== undefined && rows.labels === undefined) {
        throw new CliError(`${opts.data} has no column "${opts.label}" (the --label column); its columns are ${columnList(rows.featureNames)}`, EXIT.badInput);
      }
      const reference = opts.reference ? readReferencePredictions(inputFile(opts.reference)) : undefined;
      const { report, predictions } = await evaluate(model, rows, { xsSamples: opts.xsSamples, reference });
      if (opts.predictions) writeFileAtomic(opts.predictions, predictionsCsv(model, predictions), { createDirectory: true });
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(file, report));
    });
}

function columnList(names: string[]): string {
  const shown = names.slice(0, 6).map((n) => `"${n}"`).join(', ');
  return names.length > 6 ? `${shown} and ${names.length - 6} more` : shown;
}

function predictionsCsv(model: Model, predictions: Prediction[]): string {
  const regression = model.outputSpec.classCount === 0;
  const header = regression ? ['value'] : ['predicted', ...classLabels(model).slice(0, model.outputSpec.scoreCount).map((l) => `score_${l}`)];
  const lines = predictions.map((p) => (regression ? [p.scores[0]] : [p.label, ...p.scores]).map(csvField).join(','));
  return [header.map(csvField).join(','), ...lines].join('\n') + '\n';
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function percent(x: number | null): string {
  return x === null ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`;
}

function formatReport(file: string, r: EvalReport): string {
  const lines = [`${file} on ${r.rows} rows: ${r.task}, package ${r.packageBytes.toLocaleString('en-US')} B, arena ${r.arenaBytes.toLocaleString('en-US')} B`];
  if (r.accuracy !== null) lines.push(`  accuracy  ${percent(r.accuracy).trim()}`);
  if (r.regression) lines.push(`  MAE ${r.regression.mae.toPrecision(4)}, RMSE ${r.regression.rmse.toPrecision(4)}`);
  if (r.classes.length) {
    lines.push('  class            support  precision  recall');
    for (const c of r.classes) lines.push(`  ${c.label.padEnd(16)} ${String(c.support).padStart(7)}  ${percent(c.precision).padStart(9)}  ${percent(c.recall).padStart(6)}`);
  }
  if (r.confusion) {
    lines.push('  confusion matrix (rows: true class, columns: predicted)');
    const width = Math.max(3, ...r.confusion.flat().map((n) => String(n).length));
    for (const row of r.confusion) lines.push(`    ${row.map((n) => String(n).padStart(width)).join(' ')}`);
  }
  if (r.agreement) lines.push(`  agreement ${percent(r.agreement.agreement).trim()} with the reference (${r.agreement.differing.length} of ${r.agreement.rows} rows differ)`);
  lines.push(`  XS cost   ${r.xsComputronsPerInference === null ? 'not measured' : `${Math.round(r.xsComputronsPerInference).toLocaleString('en-US')} computrons per inference`}`);
  return lines.join('\n');
}
