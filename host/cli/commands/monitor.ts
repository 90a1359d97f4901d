// edgeml monitor: live inference results from a device until Ctrl-C (which stops the stream).
import { Command } from 'commander';
import type { Result } from '../../../firmware/core/protocol/index';
import { PORT_HELP, withDevice } from '../../device/connect';
import { readModel } from '../io';
import { positiveInt } from '../options';

export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .description("stream the device's inference results (label, confidence, latency) until Ctrl-C")
    .requiredOption('-p, --port <path>', PORT_HELP)
    .option('--baud <rate>', 'baud rate', '115200')
    .option('--model <model.edgm>', 'the package the device runs, to print class labels')
    .option('--count <n>', 'stop after n results', positiveInt('--count'))
    .option('--json', 'one JSON line per result')
    .addHelpText('after', '\nExample:\n  edgeml monitor --port /dev/ttyUSB0 --model model.edgm')
    .action(async (opts: { port: string; baud: string; model?: string; count?: number; json?: boolean }) => {
      const labels = opts.model ? readModel(opts.model).model.outputSpec.labels : [];
      await withDevice(opts, async (client) => {
        let seen = 0;
        await new Promise<void>((resolve, reject) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          client.on('close', (error?: Error) => (error ? reject(error) : resolve()));
          client.on('result', (r: Result) => {
            const label = labels[r.classIndex] ?? String(r.classIndex);
            if (opts.json) {
              console.log(JSON.stringify({ window: r.windowSeq, timeMs: r.timestampMs, class: r.classIndex, label, confidence: r.confidence, latencyUs: r.latencyUs }));
            } else {
              console.log(`${(r.timestampMs / 1000).toFixed(2).padStart(9)} s  window ${String(r.windowSeq).padStart(6)}  ${label.padEnd(14)} ${(100 * r.confidence).toFixed(1).padStart(5)}%  ${r.latencyUs} µs`);
            }
            if (opts.count !== undefined && ++seen >= opts.count) stop();
          });
          client.stream(true).catch(reject);
        }).finally(() => process.removeAllListeners('SIGINT'));
        await client.stream(false).catch(() => undefined); // leave the device quiet
      });
    });
}
