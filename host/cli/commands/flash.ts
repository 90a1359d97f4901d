// edgeml flash: upload, verify and activate a signed package; resumable, with a progress bar.
import { Command } from 'commander';
import { readPackageFile } from '../../package/read';
import { PORT_HELP, withDevice } from '../../device/connect';
import { FlashProgress, flashModel } from '../../device/flash';
import { inputFile } from '../io';

export function registerFlash(program: Command): void {
  program
    .command('flash')
    .description('upload a model package to a device, verify it there and activate it (re-running resumes an interrupted upload)')
    .argument('<model>', 'package file (.edgm)')
    .requiredOption('-p, --port <path>', PORT_HELP)
    .option('--baud <rate>', 'baud rate', '115200')
    .option('--no-activate', 'verify only; activate later with another flash or keep the current model')
    .option('--force', 'accept a model version not newer than the active one (a deliberate downgrade)')
    .option('--restart', 'discard a partial upload of this package and start from the first byte')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  edgeml flash model.edgm --port /dev/ttyUSB0\n  edgeml flash old.edgm --port /dev/ttyUSB0 --force')
    .action(async (file: string, opts: { port: string; baud: string; activate: boolean; force?: boolean; restart?: boolean; json?: boolean }) => {
      const bytes = readPackageFile(inputFile(file));
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      const bar = process.stderr.isTTY && !opts.json ? await progressBar(bytes.length) : undefined;
      try {
        await withDevice({ ...opts, signal: controller.signal }, async (client) => {
          const r = await flashModel(client, bytes, {
            activate: opts.activate, force: opts.force, restart: opts.restart, signal: controller.signal,
            onProgress: (p: FlashProgress) => bar?.update(p.acked, { chunk: p.chunkSize, retries: p.retries }),
          });
          bar?.update(bytes.length);
          bar?.stop();
          if (opts.json) { console.log(JSON.stringify({ file, ...r }, null, 2)); return; }
          if (r.resumedFrom > 0) console.log(`resumed at byte ${r.resumedFrom} of ${r.size}`);
          for (const c of r.checks) console.log(`  ${c.check.padEnd(12)} ${c.status}${c.message ? ` (${c.message})` : ''}`);
          console.log(`verified sha256 ${r.verifiedSha256}`);
          console.log(r.activated ? `active: "${r.activated.name}" version ${r.activated.modelVersion} in slot ${r.activated.slot}` : `verified in slot ${r.slot}, not activated (--no-activate)`);
          console.log(`${r.size - r.resumedFrom} B sent in ${r.seconds.toFixed(2)} s, ${r.wirePerPayloadByte.toFixed(3)} wire bytes per payload byte, ${r.roundTrips} round trips, ${r.retries} retries`);
        });
      } finally {
        bar?.stop();
        process.removeListener('SIGINT', onSigint);
      }
    });
}

async function progressBar(total: number) {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar({ format: 'flash [{bar}] {percentage}% {value}/{total} B  chunk {chunk} B  retries {retries}', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0, { chunk: 0, retries: 0 });
  return bar;
}
