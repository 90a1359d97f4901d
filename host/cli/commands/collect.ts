// edgeml collect / edgeml dataset: record labelled windows from a device into the SQLite
// dataset store, and look at or export what it holds.
import { Command } from 'commander';
import { featurePipelineFor } from '../../../firmware/core/features/index';
import { formatCsv } from '../../data/csv';
import { DatasetStore, SPLITS, SplitName } from '../../data/store';
import { collectWindows } from '../../device/collect';
import { PORT_HELP, withDevice } from '../../device/connect';
import { CliError, EXIT } from '../errors';
import { readModel, writeFileAtomic } from '../io';
import { positiveInt } from '../options';

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('record labelled raw windows from a device into a dataset store (SQLite)')
    .requiredOption('-p, --port <path>', PORT_HELP)
    .requiredOption('--label <label>', 'what the device is measuring now (the class of these windows)')
    .requiredOption('--into <dataset.db>', 'dataset store to add to (created if missing)')
    .option('--windows <n>', 'how many windows, 1 to 10000', positiveInt('--windows', 10000), 10)
    .option('--model <model.edgm>', "also store the features of this package's pipeline")
    .option('--baud <rate>', 'baud rate', '115200')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  edgeml collect --port /dev/ttyUSB0 --label bearing --windows 50 --into vibration.db')
    .action(async (opts: { port: string; baud: string; label: string; into: string; windows: number; model?: string; json?: boolean }) => {
      const pipeline = opts.model ? featurePipelineFor(readModel(opts.model).model) : undefined;
      if (opts.model && !pipeline) throw new CliError(`${opts.model} has no feature pipeline`, EXIT.badInput);
      const store = DatasetStore.open(opts.into);
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const ids = await withDevice({ ...opts, signal: controller.signal }, (client) => collectWindows(client, store, {
          label: opts.label, windows: opts.windows, pipeline, signal: controller.signal,
          onWindow: (done, total) => { if (process.stderr.isTTY && !opts.json) process.stderr.write(`\r  ${done}/${total} windows`); },
        })).finally(() => { if (process.stderr.isTTY && !opts.json) process.stderr.write('\n'); });
        const total = store.count();
        if (opts.json) console.log(JSON.stringify({ added: ids.length, label: opts.label, total }));
        else console.log(`added ${ids.length} "${opts.label}" windows to ${opts.into} (${total} samples in all)`);
      } finally {
        process.removeListener('SIGINT', onSigint);
        store.close();
      }
    });

  const dataset = program.command('dataset').description('look at or export a dataset store');
  dataset
    .command('ls')
    .description('samples per label, device and split')
    .argument('<dataset.db>')
    .option('--json', 'print as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const store = DatasetStore.open(file, { readonly: true });
      try {
        const summary = {
          samples: store.count(),
          features: store.featureNames()?.length ?? 0,
          labels: Object.fromEntries(store.countBy('label')),
          devices: Object.fromEntries(store.countBy('device')),
          splits: Object.fromEntries(store.countBy('split')),
        };
        if (opts.json) { console.log(JSON.stringify(summary, null, 2)); return; }
        console.log(`${file}: ${summary.samples} samples, ${summary.features} features each`);
        for (const key of ['labels', 'devices', 'splits'] as const) {
          console.log(`  ${key.padEnd(8)} ${Object.entries(summary[key]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
        }
      } finally {
        store.close();
      }
    });
  dataset
    .command('export')
    .description('write the labelled feature vectors as a CSV dataset (what edgeml train reads)')
    .argument('<dataset.db>')
    .requiredOption('--out <file.csv>', 'CSV to write')
    .option('--split <name>', `only this split: ${SPLITS.join(', ')}`)
    .action((file: string, opts: { out: string; split?: string }) => {
      if (opts.split !== undefined && !SPLITS.includes(opts.split as SplitName)) {
        throw new CliError(`unknown split "${opts.split}": use ${SPLITS.join(', ')}`, EXIT.usage);
      }
      const store = DatasetStore.open(file, { readonly: true });
      try {
        const data = store.toDataset(opts.split ? { split: opts.split as SplitName } : {});
        writeFileAtomic(opts.out, formatCsv(data), { createDirectory: true });
        console.log(`wrote ${opts.out}: ${data.X.length} rows, ${data.featureNames.length} features, classes ${data.classes.join(', ')}`);
      } finally {
        store.close();
      }
    });
}
