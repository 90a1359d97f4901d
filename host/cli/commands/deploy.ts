// edgeml deploy: a staged rollout of a model package to devices over MQTT.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addBrokerOptions, BrokerCliOptions, BrokerError, brokerSettings, displayUrl, withBroker } from '../../fleet/connect';
import { deploy, DeployEvent, DeploySummary } from '../../fleet/deploy';
import { preparePackage } from '../../fleet/package';
import { checkStages, parsePercent } from '../../fleet/stages';
import { readPackageFile } from '../../package/read';
import { CliError, EXIT } from '../errors';

interface DeployCliOptions extends BrokerCliOptions {
  devices: string; canary?: string; stages?: string; maxFailures: string; timeout: string; force?: boolean; signingKey?: string; json?: boolean;
}

export function registerDeploy(program: Command): void {
  addBrokerOptions(program.command('deploy'))
    .description('roll a model package out to devices over MQTT, in stages: each device pulls, verifies, self-tests and activates it, or keeps its model')
    .argument('<model>', 'package file (.edgm), signed with the key the devices trust')
    .requiredOption('--devices <ids|all>', 'comma-separated device ids, or all (every device whose status on the broker says online)')
    .option('--canary <percent>', 'first stage: this share of the devices (at least one), then the rest')
    .option('--stages <percents>', 'cumulative stage sizes instead of --canary, e.g. 5%,25%,100%')
    .option('--max-failures <n>', 'stop after the stage in which more devices than this have failed', '0')
    .option('--timeout <s>', 'give up on a device that makes no progress for this long', '60')
    .option('--force', 'let devices take a version not newer than theirs (a downgrade); needs --signing-key')
    .option('--signing-key <private.pem>', 'the private key of the devices\' trusted key: signs the FORCE flag')
    .option('--json', 'one JSON line per progress event, for automation')
    .addHelpText('after', '\nExit status: 0 every device updated, 1 the rollout stopped or devices failed, 3 not a valid package, 4 broker unreachable or lost, 130 interrupted (Ctrl-C, SIGTERM).\n\nExamples:\n  edgeml deploy model.edgm --devices all --canary 10% --max-failures 1\n  edgeml deploy old.edgm --devices sim-001 --force --signing-key keys/fleet.key')
    .action(async (file: string, opts: DeployCliOptions) => {
      const maxFailures = Number(opts.maxFailures);
      if (!Number.isInteger(maxFailures) || maxFailures < 0) throw new CliError(`--max-failures ${opts.maxFailures}: an integer >= 0`, EXIT.usage);
      const timeoutS = Number(opts.timeout);
      if (!(timeoutS > 0)) throw new CliError(`--timeout ${opts.timeout}: seconds > 0`, EXIT.usage);
      if (Boolean(opts.force) !== (opts.signingKey !== undefined)) throw new CliError('--force and --signing-key go together: the FORCE flag is signed', EXIT.usage);
      const stages = stagesOf(opts);
      // Refused here, before anything is published, when it is not a valid package (exit 3).
      const pkg = preparePackage(readPackageFile(file));
      const forceKeyPem = opts.signingKey ? readFileSync(opts.signingKey, 'utf8') : undefined;
      const s = brokerSettings(opts);
      // Ctrl-C and SIGTERM (a service manager, a CI job cancelled) both withdraw the offers and exit 130.
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const display = opts.json ? { show: (e: DeployEvent) => console.log(JSON.stringify(e)), close: () => undefined } : await textDisplay();
      try {
        const summary = await withBroker(s, (client) => deploy(client, s.prefix, pkg, {
          devices: opts.devices.trim() === 'all' ? 'all' : opts.devices.split(',').map((d) => d.trim()).filter((d) => d !== ''),
          stages, maxFailures, timeoutMs: timeoutS * 1000, forceKeyPem, signal: controller.signal, onEvent: display.show,
        }));
        if (summary.brokerLost) throw new BrokerError('lost', brokerLostSentence(displayUrl(s.url), summary));
        if (summary.failed.length > 0 || summary.skipped.length > 0) throw new CliError(failureSentence(summary), EXIT.failure);
      } finally {
        // Progress bars run a timer: stopped here, or an interrupted rollout never exits.
        display.close();
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}

function stagesOf(opts: DeployCliOptions): number[] | undefined {
  if (opts.canary !== undefined && opts.stages !== undefined) throw new CliError('--canary and --stages exclude each other', EXIT.usage);
  try {
    if (opts.canary !== undefined) return [parsePercent(opts.canary)];
    return opts.stages === undefined ? undefined : checkStages(opts.stages.split(',').map(parsePercent));
  } catch (e) {
    if (e instanceof RangeError) throw new CliError(`${opts.canary !== undefined ? '--canary' : '--stages'}: ${e.message}`, EXIT.usage);
    throw e;
  }
}

function failureSentence(s: DeploySummary): string {
  const failed = s.failed.map((o) => `${o.deviceId} (${o.code})`).join(', ');
  const stopped = s.stoppedAfterStage === null ? '' : `the rollout stopped after stage ${s.stoppedAfterStage}; ${s.skipped.length} device(s) not offered the update; `;
  return `${stopped}${s.failed.length} device(s) failed: ${failed}; they keep their previous model`;
}

function brokerLostSentence(url: string, s: DeploySummary): string {
  const failed = s.failed.length === 0 ? '' : `: ${s.failed.map((o) => `${o.deviceId} (${o.code})`).join(', ')}`;
  const parts = [
    `lost the MQTT broker at ${url} during the rollout${s.stoppedAfterStage === null ? '' : `, which stopped after stage ${s.stoppedAfterStage}`}`,
    `${s.updated.length} device(s) updated, ${s.failed.length} not confirmed, counted as failed${failed}`,
  ];
  if (s.skipped.length > 0) parts.push(`${s.skipped.length} device(s) not offered the update`);
  if (s.offersLeft.length > 0) parts.push(`the offers to ${s.offersLeft.join(', ')} could not be withdrawn (a broker that keeps retained messages still holds them: deploy again, or withdraw them, once it is back)`);
  return parts.join('; ');
}

interface Display { show(e: DeployEvent): void; close(): void }

/** Progress bars per device on a terminal, plain lines otherwise. */
async function textDisplay(): Promise<Display> {
  const bars = process.stderr.isTTY ? await import('cli-progress').then((m) => new m.default.MultiBar({ format: '{device} [{bar}] {percentage}% {value}/{total} B', stream: process.stderr, hideCursor: true, clearOnComplete: false }, m.default.Presets.shades_classic)) : undefined;
  const byDevice = new Map<string, { update(v: number): void; stop(): void }>();
  // The bars draw (and their timer runs) from the first bar to close(); their log() is written by
  // that timer, so lines go straight out before and after.
  let drawing = false;
  const say = (line: string) => (bars && drawing ? bars.log(`${line}\n`) : console.log(line));
  const close = () => {
    if (!bars || !drawing) return;
    drawing = false;
    bars.update(); // writes what log() holds
    bars.stop();
  };
  const show = (e: DeployEvent) => {
    switch (e.type) {
      case 'start':
        if (e.offline.length > 0) say(`skipped ${e.offline.length} offline device${e.offline.length === 1 ? '' : 's'}: ${e.offline.join(', ')}`);
        say(`deploying "${e.package.name}" version ${e.package.version} (${e.package.size} B, sha256 ${e.package.sha256.slice(0, 16)}…) to ${e.stages.flat().length} device(s) in ${e.stages.length} stage(s)`);
        break;
      case 'stage':
        say(`stage ${e.stage}/${e.stages}: ${e.devices.join(', ')}`);
        break;
      case 'progress':
        if (bars && !byDevice.has(e.deviceId)) {
          byDevice.set(e.deviceId, bars.create(e.size, 0, { device: e.deviceId.padEnd(12) }));
          drawing = true;
        }
        byDevice.get(e.deviceId)?.update(e.held);
        break;
      case 'device': {
        byDevice.get(e.deviceId)?.stop();
        const model = e.model ? ` running "${e.model.name}" v${e.model.version}` : '';
        say(`  ${e.deviceId}: ${e.outcome === 'activated' ? 'updated' : e.outcome} (${e.code}${e.reason && e.reason !== e.code ? `: ${e.reason}` : ''})${model}${e.verified ? '' : ' [status does not confirm]'} in ${e.seconds.toFixed(1)} s`);
        break;
      }
      case 'stopped':
        say(`stopping: ${e.failures} failure(s) exceed --max-failures ${e.maxFailures}`);
        break;
      case 'summary':
        close();
        console.log(`${e.updated.length} updated, ${e.failed.length} failed, ${e.skipped.length} not offered${e.offline.length > 0 ? `, ${e.offline.length} offline left out` : ''}, in ${e.seconds.toFixed(1)} s`);
        break;
    }
  };
  return { show, close };
}
