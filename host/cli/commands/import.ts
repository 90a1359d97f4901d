// edgeml import xgboost|lightgbm FILE: a model from another library, quantized and packaged.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { ImportError } from '../../import/ensemble';
import { parseLightgbm } from '../../import/lightgbm';
import { importedPackageDef, quantizeEnsemble } from '../../import/quantize';
import { parseXgboost } from '../../import/xgboost';
import { buildPackage } from '../../package/build';
import { createSigner } from '../../package/signing';
import { loadModel } from '../../../firmware/core/model';
import { CliError, EXIT } from '../errors';
import { writeFileAtomic } from '../io';

const PARSERS = { xgboost: parseXgboost, lightgbm: parseLightgbm } as const;

interface ImportOptions { out: string; name?: string; labels?: string; modelVersion: number; key?: string; missing: boolean; json?: boolean }

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import an XGBoost (save_model JSON) or LightGBM (dump_model JSON) model as a quantized, signed package')
    .argument('<format>', 'xgboost or lightgbm')
    .argument('<file>', 'the model file')
    .requiredOption('--out <model.edgm>', 'package to write')
    .option('--name <name>', 'model name (default: the file name)')
    .option('--labels <a,b,c>', 'class labels, comma-separated (default: 0, 1, ...)')
    .option('--model-version <n>', 'model version (monotonic; devices refuse older ones)', (v) => Number.parseInt(v, 10), 1)
    .option('--key <private.key>', 'sign the package with this key (edgeml keygen)')
    .option('--no-missing', 'assume inputs never have missing values (smaller, faster model)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  edgeml import xgboost model.json --out model.edgm --labels setosa,versicolor,virginica --key keys/fleet.key')
    .action((format: string, file: string, opts: ImportOptions) => {
      const parse = PARSERS[format as keyof typeof PARSERS];
      if (!parse) throw new CliError(`unknown format "${format}": use xgboost or lightgbm (TensorFlow.js models: edgeml import tfjs)`, EXIT.usage);
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
      const signer = opts.key ? createSigner(readFileSync(opts.key, 'utf8')) : undefined;
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
