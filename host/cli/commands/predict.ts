// edgeml predict: run the device's model on CSV rows, optionally compared with the host engine.
import { Command } from 'commander';
import { addDeviceOptions, ConnectOptions, withDevice } from '../../device/connect';
import { readEvalRows } from '../../eval/table';
import { CliError, EXIT } from '../errors';
import { inputFile, readModel } from '../io';

export function registerPredict(program: Command): void {
  addDeviceOptions(program
    .command('predict')
    .description("run the device's model on input rows (real values; the device quantizes them)"))
    .requiredOption('--input <rows.csv>', 'CSV of input rows (a label column, if any, is ignored)')
    .option('--model <model.edgm>', "compare with the host engine's answer for the same package")
    .option('--json', 'one JSON line per row')
    .addHelpText('after', '\nExample:\n  edgeml predict --port /dev/ttyUSB0 --input windows.csv --model model.edgm')
    .action(async (opts: ConnectOptions & { input: string; model?: string; json?: boolean }) => {
      const rows = readEvalRows(inputFile(opts.input));
      const host = opts.model ? readModel(opts.model).model : undefined;
      if (host && rows.featureNames.length !== host.inputSpec.elementCount) {
        throw new CliError(`${opts.input} has ${rows.featureNames.length} feature columns, but ${opts.model} takes ${host.inputSpec.elementCount} inputs`, EXIT.badInput);
      }
      let differing = 0;
      await withDevice(opts, async (client) => {
        for (let i = 0; i < rows.X.length; i++) {
          const r = await client.predict(Float32Array.from(rows.X[i]));
          let same: boolean | undefined;
          if (host) {
            host.setInput(Float32Array.from(rows.X[i]));
            const cls = host.predict();
            same = cls === r.classIndex && host.scores.length === r.scores.length && host.scores.every((s, k) => s === r.scores[k]);
            if (!same) differing++;
          }
          const label = host?.outputSpec.labels[r.classIndex] ?? String(r.classIndex);
          if (opts.json) console.log(JSON.stringify({ row: i + 1, class: r.classIndex, label, scores: Array.from(r.scores), latencyUs: r.latencyUs, sameAsHost: same }));
          else console.log(`row ${i + 1}: ${label}  (${r.latencyUs} µs)${same === undefined ? '' : same ? '  same as the host engine' : '  DIFFERS from the host engine'}`);
        }
      });
      if (differing > 0) throw new CliError(`${differing} of ${rows.X.length} rows differ from the host engine`, EXIT.failure);
    });
}
