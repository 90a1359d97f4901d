// edgeml monitor: live inference results from a device until Ctrl-C (which stops the stream).
import { Command } from 'commander';
import { LogEvent } from '../../../firmware/core/protocol/index';
import type { Log, Result } from '../../../firmware/core/protocol/index';
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
        let stopped = false;
        let onResult: ((r: Result) => void) | undefined;
        let onLog: ((l: Log) => void) | undefined;
        let onClose: ((error?: Error) => void) | undefined;
        let stop: (() => void) | undefined;
        await new Promise<void>((resolve, reject) => {
          stop = () => { stopped = true; resolve(); };
          process.once('SIGINT', stop);
          onClose = (error?: Error) => { stopped = true; if (error) reject(error); else resolve(); };
          client.on('close', onClose);
          onResult = (r: Result) => {
            if (stopped) return; // results still on the wire while STREAM off goes out
            const label = labels[r.classIndex] ?? String(r.classIndex);
            if (opts.json) {
              console.log(JSON.stringify({ window: r.windowSeq, timeMs: r.timestampMs, class: r.classIndex, label, confidence: r.confidence, latencyUs: r.latencyUs }));
            } else {
              console.log(`${(r.timestampMs / 1000).toFixed(2).padStart(9)} s  window ${String(r.windowSeq).padStart(6)}  ${label.padEnd(14)} ${(100 * r.confidence).toFixed(1).padStart(5)}%  ${r.latencyUs} µs`);
            }
            if (opts.count !== undefined && ++seen >= opts.count) stop!();
          };
          client.on('result', onResult);
          // a device that restarted (BOOT) comes up with its stream off: turn it on again
          onLog = (l: Log) => { if (l.event === LogEvent.BOOT && !stopped) client.stream(true).catch((e: unknown) => { if (!stopped) reject(e as Error); }); };
          client.on('log', onLog);
          client.stream(true).catch(reject);
        }).finally(() => {
          stopped = true;
          if (stop) process.removeListener('SIGINT', stop);
          if (onResult) client.off('result', onResult);
          if (onLog) client.off('log', onLog);
          if (onClose) client.off('close', onClose);
        });
        await client.stream(false).catch(() => undefined); // leave the device quiet
      });
    });
}
