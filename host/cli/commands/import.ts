// edgeml import xgboost|lightgbm FILE: a model from another library, quantized and packaged.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { ImportError } from '../../import/ensemble';
import { TfjsImportError, importTfjs } from '../../import/tfjs';
import { readEvalRows } from '../../eval/table';
import { exportGraph } from '../../train/cnn/export';
import { parseLightgbm } from '../../import/lightgbm';
import { classCountOf, importedPackageDef, quantizeEnsemble } from '../../import/quantize';
import { parseXgboost } from '../../import/xgboost';
import { buildPackage } from '../../package/build';
import { loadModel } from '../../../firmware/core/model';
import type { Signer } from '../../package/encode';
import { CliError, EXIT } from '../errors';
import { inputFile, readSigner, readTextFile, writeFileAtomic } from '../io';
import { modelVersionOf } from '../options';

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
    .option('--name <name>', 'model name, at most 32 bytes (default: the file name; for tfjs the directory name)')
    .option('--labels <a,b,c>', 'class labels, comma-separated, one per class (default: 0, 1, ...)')
    .option('--model-version <n>', 'model version, 0 to 4294967295 (monotonic; devices refuse older ones)', modelVersionOf, 1)
    .option('--key <private.key>', 'sign the package with this key (edgeml keygen)')
    .option('--no-missing', 'trees: assume inputs never have missing values (smaller, faster model)')
    .option('--calibration <data.csv>', 'tfjs: real inputs (flattened, one row each) to choose the int8 activation ranges')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  edgeml import xgboost model.json --out model.edgm --labels setosa,versicolor,virginica --key keys/fleet.key\n  edgeml import tfjs web_model/model.json --calibration train.csv --out cnn.edgm')
    .action(async (format: string, file: string, opts: ImportOptions) => {
      if (format !== 'tfjs' && !(format in PARSERS)) throw new CliError(`unknown format "${format}": use xgboost, lightgbm or tfjs`, EXIT.usage);
      if (opts.name !== undefined) checkName(opts.name);
      const signer = opts.key ? readSigner(opts.key) : undefined;
      if (format === 'tfjs') return importTfjsCommand(file, opts, signer);
      const parse = PARSERS[format as keyof typeof PARSERS];
      let json: unknown;
      try {
        json = JSON.parse(readTextFile(file));
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
      const labels = labelsOf(opts.labels, classCountOf(model));
      const quantized = quantizeEnsemble(model, { missingValues: opts.missing });
      const def = importedPackageDef(model, quantized, {
        name: opts.name ?? nameFrom(basename(file).replace(/\.[^.]*$/, '')),
        labels,
        modelVersion: opts.modelVersion,
      });
      const bytes = buildPackage(def, { signer });
      writeFileAtomic(opts.out, bytes, { createDirectory: true });
      const m = loadModel(bytes);
      const summary = {
        out: opts.out, bytes: bytes.length, trees: model.trees.length, objective: model.objective, split: model.split === 'lt' ? 'x < t' : 'x <= t',
        features: model.featureCount, classes: m.outputSpec.classCount, arenaBytes: m.arenaBytes, signed: !!signer,
      };
      if (opts.json) console.log(JSON.stringify(summary));
      else console.log(`wrote ${opts.out}: ${summary.bytes.toLocaleString('en-US')} B, ${summary.trees} trees (${summary.objective}, ${summary.split}), ${summary.features} features, arena ${summary.arenaBytes} B, ${signer ? 'signed' : 'unsigned'}`);
    });
}

/** --name: at most 32 UTF-8 bytes, no NUL (the package header's field). */
function checkName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > 32) throw new CliError(`--name "${name}" is ${bytes} bytes; a model name is at most 32`, EXIT.usage);
  if (name.includes('\0')) throw new CliError('--name contains a NUL character', EXIT.usage);
}

/** A default name cut to 32 bytes (whole characters). */
function nameFrom(text: string): string {
  let name = text.replace(/\0/g, '');
  while (Buffer.byteLength(name, 'utf8') > 32) name = name.slice(0, -1);
  return name;
}

/** --labels split and checked against the model's class count. */
function labelsOf(option: string | undefined, classes: number): string[] | undefined {
  if (option === undefined) return undefined;
  const labels = option.split(',').map((l) => l.trim());
  if (classes === 0) throw new CliError('--labels does not apply: the model is a regression, it has no classes', EXIT.usage);
  if (labels.length !== classes) throw new CliError(`--labels gives ${labels.length} label${labels.length === 1 ? '' : 's'}, but the model has ${classes} classes`, EXIT.usage);
  const long = labels.find((l) => Buffer.byteLength(l, 'utf8') > 255);
  if (long !== undefined) throw new CliError(`--labels: "${long.slice(0, 20)}…" is longer than 255 bytes`, EXIT.usage);
  return labels;
}

async function importTfjsCommand(file: string, opts: ImportOptions, signer: Signer | undefined): Promise<void> {
  if (!opts.calibration) throw new CliError('a TensorFlow.js import needs --calibration data.csv (real inputs to choose the int8 ranges)', EXIT.usage);
  if (existsSync(file) && statSync(file).isDirectory()) {
    const hint = existsSync(join(file, 'model.json')) ? ` (give ${join(file, 'model.json')})` : '';
    throw new CliError(`${file} is a directory, the model.json file was expected${hint}`, EXIT.badInput);
  }
  const rows = readEvalRows(inputFile(opts.calibration));
  let imported;
  try {
    imported = await importTfjs(file, rows.X);
  } catch (e) {
    if (e instanceof TfjsImportError && e.code === 'BAD_CALIBRATION') throw new CliError(`the calibration data ${opts.calibration} does not fit the model: ${e.message}`, EXIT.badInput);
    if (e instanceof TfjsImportError) throw new CliError(`cannot import ${file}: ${e.message}`, EXIT.badInput);
    throw e;
  }
  const q = imported.quantized.def;
  const labels = labelsOf(opts.labels, q.tensors[q.output].shape.reduce((a, b) => a * b, 1));
  const bytes = exportGraph(imported.quantized, {
    name: opts.name ?? nameFrom(basename(dirname(resolve(file)))),
    labels,
    modelVersion: opts.modelVersion,
    selfTestInputs: rows.X.slice(0, SELF_TEST_VECTORS),
    signer,
  });
  writeFileAtomic(opts.out, bytes, { createDirectory: true });
  const m = loadModel(bytes);
  const summary = {
    out: opts.out, bytes: bytes.length, ops: imported.quantized.def.ops.length, inputs: m.inputSpec.elementCount,
    classes: m.outputSpec.classCount, arenaBytes: m.arenaBytes, signed: !!signer,
  };
  if (opts.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${opts.out}: ${summary.bytes.toLocaleString('en-US')} B, ${summary.ops} int8 ops, ${summary.inputs} inputs, ${summary.classes} classes, arena ${summary.arenaBytes} B, ${signer ? 'signed' : 'unsigned'}`);
}
