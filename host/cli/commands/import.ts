// edgeml import xgboost|lightgbm FILE: a model from another library, quantized and packaged.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { ImportError } from '../../import/ensemble';
import { TfjsImportError, importTfjs } from '../../import/tfjs';
import { readEvalRows } from '../../eval/table';
import { exportGraph } from '../../train/cnn/export';
import { parseLightgbm } from '../../import/lightgbm';
import { importedPackageDef, quantizeEnsemble } from '../../import/quantize';
import { parseXgboost } from '../../import/xgboost';
import { buildPackage } from '../../package/build';
import { createSigner } from '../../package/signing';
import { loadModel } from '../../../firmware/core/model';
import { CliError, EXIT } from '../errors';
import { writeFileAtomic } from '../io';

const PARSERS = { xgboost: parseXgboost, lightgbm: parseLightgbm } as const;

interface ImportOptions { out: string; name?: string; labels?: string; modelVersion: number; key?: string; missing: boolean; calibration?: string; json?: boolean }

const SELF_TEST_VECTORS = 4;

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import an XGBoost (save_model JSON), LightGBM (dump_model JSON) or TensorFlow.js layers model as a quantized, signed package')
    .argument('<format>', 'xgboost, lightgbm or tfjs')
    .argument('<file>', 'the model file (for tfjs: model.json, with its weight files beside it)')
    .requiredOption('--out <model.edgm>', 'package to write')
    .option('--name <name>', 'model name (default: the file name)')
    .option('--labels <a,b,c>', 'class labels, comma-separated (default: 0, 1, ...)')
    .option('--model-version <n>', 'model version (monotonic; devices refuse older ones)', (v) => Number.parseInt(v, 10), 1)
    .option('--key <private.key>', 'sign the package with this key (edgeml keygen)')
    .option('--no-missing', 'trees: assume inputs never have missing values (smaller, faster model)')
    .option('--calibration <data.csv>', 'tfjs: real inputs (flattened, one row each) to choose the int8 activation ranges')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  edgeml import xgboost model.json --out model.edgm --labels setosa,versicolor,virginica --key keys/fleet.key\n  edgeml import tfjs web_model/model.json --calibration train.csv --out cnn.edgm')
    .action(async (format: string, file: string, opts: ImportOptions) => {
      if (format === 'tfjs') return importTfjsCommand(file, opts);
      const parse = PARSERS[format as keyof typeof PARSERS];
      if (!parse) throw new CliError(`unknown format "${format}": use xgboost, lightgbm or tfjs`, EXIT.usage);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        if (e instanceof SyntaxError) throw new CliError(`${file} is not JSON: ${e.message}`, EXIT.badInput);
        throw e;
      }
      let model;
      try {
        model = parse(json);
      } catch (e) {
        if (e instanceof ImportError) throw new CliError(`cannot import ${file}: ${e.message}`, EXIT.badInput);
        throw e;
      }
      const quantized = quantizeEnsemble(model, { missingValues: opts.missing });
      const def = importedPackageDef(model, quantized, {
        name: opts.name ?? basename(file).replace(/\.[^.]*$/, '').slice(0, 32),
        labels: opts.labels?.split(',').map((l) => l.trim()),
        modelVersion: opts.modelVersion,
      });
      const signer = signerOf(opts);
      const bytes = buildPackage(def, { signer });
      writeFileAtomic(opts.out, bytes);
      const m = loadModel(bytes);
      const summary = {
        out: opts.out, bytes: bytes.length, trees: model.trees.length, objective: model.objective, split: model.split === 'lt' ? 'x < t' : 'x <= t',
        features: model.featureCount, classes: m.outputSpec.classCount, arenaBytes: m.arenaBytes, signed: !!signer,
      };
      if (opts.json) console.log(JSON.stringify(summary));
      else console.log(`wrote ${opts.out}: ${summary.bytes.toLocaleString('en-US')} B, ${summary.trees} trees (${summary.objective}, ${summary.split}), ${summary.features} features, arena ${summary.arenaBytes} B, ${signer ? 'signed' : 'unsigned'}`);
    });
}

function signerOf(opts: ImportOptions) {
  return opts.key ? createSigner(readFileSync(opts.key, 'utf8')) : undefined;
}

async function importTfjsCommand(file: string, opts: ImportOptions): Promise<void> {
  if (!opts.calibration) throw new CliError('a TensorFlow.js import needs --calibration data.csv (real inputs to choose the int8 ranges)', EXIT.usage);
  const rows = readEvalRows(opts.calibration);
  let imported;
  try {
    imported = await importTfjs(file, rows.X);
  } catch (e) {
    if (e instanceof TfjsImportError) throw new CliError(`cannot import ${file}: ${e.message}`, EXIT.badInput);
    throw e;
  }
  const signer = signerOf(opts);
  const bytes = exportGraph(imported.quantized, {
    name: opts.name ?? basename(dirname(resolve(file))).slice(0, 32),
    labels: opts.labels?.split(',').map((l) => l.trim()),
    modelVersion: opts.modelVersion,
    selfTestInputs: rows.X.slice(0, SELF_TEST_VECTORS),
    signer,
  });
  writeFileAtomic(opts.out, bytes);
  const m = loadModel(bytes);
  const summary = {
    out: opts.out, bytes: bytes.length, ops: imported.quantized.def.ops.length, inputs: m.inputSpec.elementCount,
    classes: m.outputSpec.classCount, arenaBytes: m.arenaBytes, signed: !!signer,
  };
  if (opts.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${opts.out}: ${summary.bytes.toLocaleString('en-US')} B, ${summary.ops} int8 ops, ${summary.inputs} inputs, ${summary.classes} classes, arena ${summary.arenaBytes} B, ${signer ? 'signed' : 'unsigned'}`);
}
