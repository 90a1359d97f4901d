// edgeml rollback | stats | config: small administrative requests to one device.
import { Command } from 'commander';
import { NO_SLOT } from '../../../firmware/core/protocol/index';
import type { ConfigValue } from '../../../firmware/core/protocol/index';
import { configValueToJs, DeviceClient, DeviceError, parseConfigValue } from '../../device/client';
import { addDeviceOptions, ConnectOptions, withDevice } from '../../device/connect';
import { CliError, EXIT } from '../errors';

type PortOptions = ConnectOptions & { json?: boolean };

function portCommand(program: Command, name: string, description: string, example: string): Command {
  return addDeviceOptions(program
    .command(name)
    .description(description))
    .option('--json', 'print as JSON')
    .addHelpText('after', `\nExample:\n  ${example}`);
}

export function registerDeviceAdmin(program: Command): void {
  portCommand(program, 'rollback', 'go back to the model that was active before the current one', 'edgeml rollback --port /dev/ttyUSB0')
    .action(async (opts: PortOptions) => {
      await withDevice(opts, async (client) => {
        const m = await client.rollback();
        const sha256 = Buffer.from(m.sha256).toString('hex');
        if (opts.json) console.log(JSON.stringify({ slot: m.slot, previousSlot: m.previousSlot === NO_SLOT ? null : m.previousSlot, name: m.name, modelVersion: m.modelVersion, sha256 }));
        else console.log(`now running "${m.name}" version ${m.modelVersion} (slot ${m.slot}, sha256 ${sha256.slice(0, 16)}…)`);
      });
    });

  portCommand(program, 'stats', 'inference count and latency, uptime and protocol error counters', 'edgeml stats --port /dev/ttyUSB0 --reset')
    .option('--reset', 'zero the statistics after reading them')
    .action(async (opts: PortOptions & { reset?: boolean }) => {
      await withDevice(opts, async (client) => {
        const s = await client.stats(opts.reset === true);
        if (opts.json) { console.log(JSON.stringify(s, null, 2)); return; }
        console.log(`uptime ${(s.uptimeMs / 1000).toFixed(1)} s, ${s.inferences} inferences, latency ${s.latencyMinUs}/${s.latencyMeanUs}/${s.latencyMaxUs} µs (min/mean/max)`);
        // present only when the device sets their flags (docs/serial-protocol.md, STATS_REPORT)
        if (s.heap) console.log(`XS heap ${kb(s.heap.used)} in use, peak ${kb(s.heap.peak)}`);
        if (s.computronsPerInference !== undefined) console.log(`XS cost ${s.computronsPerInference.toLocaleString('en-US')} computrons per inference (mean)`);
        for (const [key, value] of Object.entries(s)) {
          if (['uptimeMs', 'inferences', 'latencyMinUs', 'latencyMeanUs', 'latencyMaxUs', 'heap', 'computronsPerInference'].includes(key)) continue;
          console.log(`  ${key.padEnd(14)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
        }
      });
    });

  portCommand(program, 'config', 'read or change the device configuration: config get [KEY], config set KEY VALUE', 'edgeml config set --port /dev/ttyUSB0 stream.default true')
    .argument('<action>', 'get or set')
    .argument('[key]', 'configuration key (get: all keys when absent)')
    .argument('[value]', 'set: the new value (typed like the current one)')
    .action(async (action: string, key: string | undefined, value: string | undefined, opts: PortOptions) => {
      if (action !== 'get' && action !== 'set') throw new CliError(`config ${action}: use get or set`, EXIT.usage);
      if (action === 'set' && (key === undefined || value === undefined)) throw new CliError('config set needs a KEY and a VALUE', EXIT.usage);
      await withDevice(opts, async (client) => {
        let entries;
        if (action === 'get') entries = await client.configGet(key ?? '');
        else entries = [await client.configSet(key!, parseConfigValue(value!, await typeOf(client, key!)))];
        const plain = Object.fromEntries(entries.map((e) => [e.key, configValueToJs(e.value)]));
        if (opts.json) console.log(JSON.stringify(plain, null, 2));
        else for (const [k, v] of Object.entries(plain)) console.log(`${k} = ${String(v)}`);
      });
    });
}

/**
 * The type of `key`'s current value, which CONFIG_SET must match. A key the device will not read
 * over this link (the broker password, over MQTT: NOT_SUPPORTED) is a string.
 */
async function typeOf(client: DeviceClient, key: string): Promise<ConfigValue['type'] | undefined> {
  try {
    const [current] = await client.configGet(key);
    return current?.value.type;
  } catch (e) {
    if (e instanceof DeviceError && e.codeName === 'NOT_SUPPORTED') return 'string';
    throw e;
  }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
