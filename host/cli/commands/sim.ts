// edgeml sim: simulated devices running the real firmware in the XS engine, each with its own
// flash files and a pseudo-terminal that edgeml, screen or picocom open like a USB board.
// Models run on the native C kernels in the native XS host (as on the board), or on the
// TypeScript reference kernels with --reference-kernels.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { SCENARIOS, Scenario } from '../../signals/synthetic';
import { rawPublicKey } from '../../package/signing';
import { SimulatedDevice } from '../../../sim/device/simulated-device';
import { socatAvailable } from '../../../sim/device/pty';
import type { BrokerOptions } from '../../../sim/device/mqtt-bridge';
import { DEFAULT_PREFIX } from '../../../firmware/core/fleet/index';
import { brokerSettings, displayUrl } from '../../fleet/connect';
import { CliError, EXIT } from '../errors';
import { readPublicKey } from '../io';

interface SimOptions {
  devices: number; dir: string; trust?: string; scenario: string; json?: boolean; referenceKernels?: boolean;
  broker?: string; username?: string; password?: string; ca?: string; prefix: string;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run simulated devices (the real firmware in the XS engine) with virtual sensors, flash and serial ports')
    .option('--devices <n>', 'how many devices', (v) => Number.parseInt(v, 10), 1)
    .option('--dir <dir>', 'where each device keeps its flash and configuration', '.edgeml-sim')
    .option('--trust <public.pub>', 'the public key the devices trust for model signatures (edgeml keygen)')
    .option('--scenario <name>', `what the virtual accelerometer plays: ${SCENARIOS.join(', ')}`, 'normal')
    .option('--json', 'print one JSON line per device instead of text')
    .option('--reference-kernels', 'run models on the TypeScript reference kernels instead of the native C ones')
    .option('--broker <url>', 'also connect each device to this MQTT broker (mqtt:// or mqtts://), as a fleet')
    .option('--username <name>', 'broker user name of the devices')
    .option('--password <password>', 'broker password (or set EDGEML_MQTT_PASSWORD)')
    .option('--ca <file>', 'PEM CA certificate(s) of the broker\'s TLS certificate')
    .option('--prefix <prefix>', 'topic prefix of the fleet', DEFAULT_PREFIX)
    .addHelpText('after', '\nExamples:\n  edgeml sim --devices 2 --trust keys/fleet.pub   # prints each device\'s port; Ctrl-C stops them\n  edgeml sim --devices 5 --trust keys/fleet.pub --broker mqtt://127.0.0.1:1883   # a fleet for edgeml fleet ls / deploy')
    .action(async (opts: SimOptions) => {
      if (!Number.isInteger(opts.devices) || opts.devices < 1 || opts.devices > 64) throw new CliError('--devices takes 1 to 64', EXIT.usage);
      if (!SCENARIOS.includes(opts.scenario as Scenario)) throw new CliError(`unknown scenario "${opts.scenario}": use ${SCENARIOS.join(', ')}`, EXIT.usage);
      if (!socatAvailable()) throw new CliError('the simulated serial ports need socat (apt-get install socat)', EXIT.failure);
      const trustedKey = opts.trust ? rawPublicKey(readPublicKey(opts.trust)) : undefined;
      const broker = brokerOf(opts);
      const devices: SimulatedDevice[] = [];
      // Ctrl-C while devices are still starting must not meet the default handler either.
      const interrupted = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const stop = async () => {
        for (const d of devices) await d.close();
      };
      try {
        for (let i = 0; i < opts.devices; i++) {
          const id = `sim-${String(i + 1).padStart(3, '0')}`;
          const dir = join(opts.dir, id);
          mkdirSync(dir, { recursive: true });
          const device = await SimulatedDevice.start({ id, dir, trustedKey, sensor: { seed: i + 1, scenario: opts.scenario as Scenario }, referenceKernels: opts.referenceKernels, broker });
          devices.push(device);
          const pty = await device.openPty();
          device.startRealTime();
          if (opts.json) console.log(JSON.stringify({ id, port: pty.path, dir, ...(broker ? { broker: displayUrl(broker.url) } : {}) }));
          else console.log(`${id}  port ${pty.path}  flash ${dir}${broker ? `  broker ${displayUrl(broker.url)}` : ''}`);
        }
      } catch (e) {
        await stop();
        throw e;
      }
      if (!opts.json) console.log(`${devices.length} device${devices.length > 1 ? 's' : ''} running; Ctrl-C stops them`);
      await interrupted;
      await stop();
    });
}

/** The devices' broker connection (checked like every fleet command's), when --broker is given. */
function brokerOf(opts: SimOptions): BrokerOptions | undefined {
  if (opts.broker === undefined) {
    if (opts.username !== undefined || opts.ca !== undefined) throw new CliError('--username and --ca go with --broker', EXIT.usage);
    return undefined;
  }
  const s = brokerSettings({ broker: opts.broker, username: opts.username, password: opts.password, ca: opts.ca, prefix: opts.prefix });
  return { url: s.url, username: s.username, password: s.password, ca: s.ca, prefix: s.prefix };
}
