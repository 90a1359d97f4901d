// edgeml deploy: a staged rollout of a model package to devices over MQTT.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addBrokerOptions, BrokerCliOptions, brokerSettings, withBroker } from '../../fleet/connect';
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
    .requiredOption('--devices <ids|all>', 'comma-separated device ids, or all (every device with a status on the broker)')
    .option('--canary <percent>', 'first stage: this share of the devices (at least one), then the rest')
    .option('--stages <percents>', 'cumulative stage sizes instead of --canary, e.g. 5%,25%,100%')
    .option('--max-failures <n>', 'stop after the stage in which more devices than this have failed', '0')
    .option('--timeout <s>', 'give up on a device that makes no progress for this long', '60')
    .option('--force', 'let devices take a version not newer than theirs (a downgrade); needs --signing-key')
    .option('--signing-key <private.pem>', 'the private key of the devices\' trusted key: signs the FORCE flag')
    .option('--json', 'one JSON line per progress event, for automation')
    .addHelpText('after', '\nExit status: 0 every device updated, 1 the rollout stopped or devices failed, 3 not a valid package, 4 broker unreachable.\n\nExamples:\n  edgeml deploy model.edgm --devices all --canary 10% --max-failures 1\n  edgeml deploy old.edgm --devices sim-001 --force --signing-key keys/fleet.key')
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
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      const display = opts.json ? (e: DeployEvent) => console.log(JSON.stringify(e)) : await textDisplay();
      try {
        const summary = await withBroker(s, (client) => deploy(client, s.prefix, pkg, {
          devices: opts.devices.trim() === 'all' ? 'all' : opts.devices.split(',').map((d) => d.trim()).filter((d) => d !== ''),
          stages, maxFailures, timeoutMs: timeoutS * 1000, forceKeyPem, signal: controller.signal, onEvent: display,
        }));
        if (summary.failed.length > 0 || summary.skipped.length > 0) throw new CliError(failureSentence(summary), EXIT.failure);
      } finally {
        process.removeListener('SIGINT', onSigint);
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

/** Progress bars per device on a terminal, plain lines otherwise. */
async function textDisplay(): Promise<(e: DeployEvent) => void> {
  const bars = process.stderr.isTTY ? await import('cli-progress').then((m) => new m.default.MultiBar({ format: '{device} [{bar}] {percentage}% {value}/{total} B', stream: process.stderr, hideCursor: true, clearOnComplete: false }, m.default.Presets.shades_classic)) : undefined;
  const byDevice = new Map<string, { update(v: number): void; stop(): void }>();
  const say = (line: string) => (bars ? bars.log(`${line}\n`) : console.log(line));
  return (e) => {
    switch (e.type) {
      case 'start':
        say(`deploying "${e.package.name}" version ${e.package.version} (${e.package.size} B, sha256 ${e.package.sha256.slice(0, 16)}…) to ${e.stages.flat().length} device(s) in ${e.stages.length} stage(s)`);
        break;
      case 'stage':
        say(`stage ${e.stage}/${e.stages}: ${e.devices.join(', ')}`);
        break;
      case 'progress':
        if (bars && !byDevice.has(e.deviceId)) byDevice.set(e.deviceId, bars.create(e.size, 0, { device: e.deviceId.padEnd(12) }));
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
        bars?.stop();
        console.log(`${e.updated.length} updated, ${e.failed.length} failed, ${e.skipped.length} not offered, in ${e.seconds.toFixed(1)} s`);
        break;
    }
  };
}
