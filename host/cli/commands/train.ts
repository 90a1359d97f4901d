// edgeml train: a model from a labelled CSV, quantized, self-tested, optionally signed, and
// evaluated with the device's own engine on a held-out split (host/train/train.ts does the work).
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadCsv } from '../../data/csv';
import { DatasetError } from '../../data/dataset';
import { renderTrainReport } from '../../report/report';
import { ALGORITHMS, Algorithm, TrainOptionError, TrainResult, trainModel } from '../../train/train';
import { CliError, EXIT } from '../errors';
import { inputFile, readSigner, writeFileAtomic } from '../io';
import { MAX_U32, modelVersionOf, positiveInt, wholeNumber } from '../options';

interface TrainCliOptions {
  data: string; algo: string; out: string; trees?: number; depth?: number; shape?: [number, number, number]; epochs?: number;
  seed: number; testSize: number; label: string; name?: string; modelVersion: number; key?: string; report?: string; json?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on a labelled CSV, quantize it, and write a self-testing (optionally signed) package, evaluated on a held-out split')
    .requiredOption('--data <file.csv>', 'training data: numeric feature columns and a label column')
    .requiredOption('--algo <name>', `algorithm: ${ALGORITHMS.join(', ')}`)
    .requiredOption('--out <model.edgm>', 'package to write')
    .option('--trees <n>', 'rf: number of trees (default 100); gbdt: boosting rounds (default 100)', positiveInt('--trees'))
    .option('--depth <d>', 'deepest leaf, root = 0 (default: none for dt and rf, 3 for gbdt)', positiveInt('--depth'))
    .option('--shape <HxWxC>', 'view the feature columns as an image, row-major, channel fastest (required for cnn, e.g. 8x8x1)', shapeOf)
    .option('--epochs <n>', 'cnn: most training epochs; early stopping may end sooner (default 60)', positiveInt('--epochs'))
    .option('--seed <s>', 'seed of the split and the training', wholeNumber('--seed', MAX_U32), 0)
    .option('--test-size <f>', 'test split: a fraction in (0, 1) or a row count', testSizeOf, 0.25)
    .option('--label <column>', 'name of the label column', 'label')
    .option('--name <name>', 'model name, at most 32 bytes (default: data file name and algorithm)')
    .option('--model-version <n>', 'model version (monotonic; devices refuse older ones)', modelVersionOf, 1)
    .option('--key <private.key>', 'sign the package with this key (edgeml keygen)')
    .option('--report <report.html>', 'also write a self-contained HTML report (confusion matrix, importance, accuracy vs size)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', [
      '',
      'Examples:',
      '  edgeml train --data datasets/digits.csv --algo rf --trees 50 --out digits.edgm --key keys/fleet.key --report digits.html',
      '  edgeml train --data datasets/iris.csv --algo gbdt --depth 2 --out iris.edgm --json',
      '  edgeml train --data datasets/digits.csv --algo cnn --shape 8x8x1 --out digits-cnn.edgm',
    ].join('\n'))
    .action(async (opts: TrainCliOptions) => {
      const algorithm = opts.algo as Algorithm;
      if (!ALGORITHMS.includes(algorithm)) throw new CliError(`unknown algorithm "${opts.algo}": use one of ${ALGORITHMS.join(', ')}`, EXIT.usage);
      for (const [option, path] of [['--out', opts.out], ['--report', opts.report]] as const) if (path) checkWritable(option, path);
      if (opts.report && resolve(opts.report) === resolve(opts.out)) throw new CliError('--report and --out name the same file', EXIT.usage);
      const name = opts.name ?? defaultName(opts.data, algorithm);
      if (Buffer.byteLength(name, 'utf8') > 32 || name.includes('\0')) throw new CliError(`--name "${name}" is longer than 32 bytes`, EXIT.usage);
      const signer = opts.key ? readSigner(opts.key) : undefined;

      let data;
      try {
        data = loadCsv(inputFile(opts.data), { labelColumn: opts.label });
      } catch (e) {
        if (e instanceof DatasetError) throw new CliError(`cannot train on ${opts.data}: ${e.message}`, EXIT.badInput);
        throw e;
      }

      const progress = !opts.json && process.stderr.isTTY ? await progressBar() : undefined;
      let result: TrainResult;
      try {
        result = await trainModel(data, {
          algorithm, trees: opts.trees, maxDepth: opts.depth, shape: opts.shape, epochs: opts.epochs, seed: opts.seed,
          testSize: opts.testSize, name, modelVersion: opts.modelVersion, signer, sizeCurve: !!opts.report,
          onProgress: progress?.update,
        });
      } catch (e) {
        if (e instanceof TrainOptionError) throw new CliError(e.message, EXIT.usage);
        if (e instanceof DatasetError) throw new CliError(`cannot train on ${opts.data}: ${e.message}`, EXIT.badInput);
        throw e;
      } finally {
        progress?.stop();
      }
      const s = result.summary;
      if (!s.selfTest.passed) throw new CliError('the package does not reproduce its own self-test vectors; nothing written', EXIT.failure);

      const keyId = signer ? Buffer.from(signer.keyId).toString('hex') : undefined;
      const report = opts.report ? renderTrainReport({
        dataFile: opts.data, packageFile: opts.out, command: commandLine(), keyId, ...result,
      }) : undefined;
      writeFileAtomic(opts.out, result.bytes);
      if (opts.report && report !== undefined) {
        try {
          writeFileAtomic(opts.report, report);
        } catch (e) {
          rmSync(opts.out, { force: true }); // all or nothing
          throw e;
        }
      }

      const out = { out: opts.out, data: opts.data, report: opts.report ?? null, keyId: keyId ?? null, ...s };
      console.log(opts.json ? JSON.stringify(out, null, 2) : formatSummary(out));
    });
}

function testSizeOf(v: string): number {
  const x = Number(v);
  if (!/^\s*(\d+|\d*\.\d+)\s*$/.test(v) || !(x > 0) || (x >= 1 && !Number.isInteger(x))) {
    throw new InvalidArgumentError('--test-size takes a fraction between 0 and 1 (e.g. 0.25) or a whole number of rows.');
  }
  return x;
}

/** "8x8x1" (or "8x8", one channel) to [8, 8, 1]. */
function shapeOf(v: string): [number, number, number] {
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*(?:[xX×]\s*(\d+))?\s*$/.exec(v);
  const dims = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)] : [];
  if (dims.length !== 3 || dims.some((d) => !(d >= 1))) throw new InvalidArgumentError('--shape takes HxWxC, three whole numbers of at least 1 (e.g. 8x8x1).');
  return dims as [number, number, number];
}

function checkWritable(option: string, path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${option} ${path}: the directory ${dir} does not exist`, EXIT.usage);
  if (existsSync(path) && statSync(path).isDirectory()) throw new CliError(`${option} ${path} is a directory, a file was expected`, EXIT.usage);
}

/** "digits-rf" from datasets/digits.csv, cut to 32 bytes. */
function defaultName(data: string, algorithm: string): string {
  let name = `${basename(data).replace(/\.[^.]*$/, '')}-${algorithm}`;
  while (Buffer.byteLength(name, 'utf8') > 32) name = name.slice(0, -1);
  return name;
}

function commandLine(): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['edgeml', ...process.argv.slice(2)].map(quote).join(' ');
}

async function progressBar(): Promise<{ update: (done: number, total: number, unit: string) => void; stop: () => void }> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  let bar: InstanceType<typeof SingleBar> | undefined;
  return {
    update: (done, total, unit) => {
      if (!bar) {
        bar = new SingleBar({ format: `training [{bar}] {value}/{total} ${unit} | {duration_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
        bar.start(total, 0);
      }
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function formatSummary(r: TrainResult['summary'] & { out: string; data: string; report: string | null; keyId: string | null }): string {
  const d = r.dataset;
  const params = Object.entries(r.params).map(([k, v]) => `${k} ${v ?? 'none'}`).join(', ');
  const model = Object.entries(r.model).map(([k, v]) => `${k} ${typeof v === 'number' && Number.isInteger(v) ? v.toLocaleString('en-US') : v}`).join(', ');
  const lines = [
    `trained ${r.algorithmName} on ${r.data}: ${d.trainRows} training rows, ${d.testRows} test rows, ${d.features} features, ${d.classes.length} classes, ${(r.trainMs / 1000).toFixed(1)} s`,
    `  params     ${params}`,
    `  model      ${model}`,
    `  accuracy   float ${pct(r.floatAccuracy)}, package ${pct(r.quantizedAccuracy)} (device engine), agreement ${pct(r.agreement)} (${r.disagreements} of ${d.testRows} test rows differ)`,
    `  package    ${r.out}: ${r.packageBytes.toLocaleString('en-US')} B, arena ${r.arenaBytes.toLocaleString('en-US')} B, self-test ${r.selfTest.vectors} vectors ${r.selfTest.passed ? 'reproduce' : 'FAIL'}, ${r.signed ? `signed (key id ${r.keyId})` : 'unsigned'}`,
  ];
  if (r.report) lines.push(`  report     ${r.report}`);
  return lines.join('\n');
}
