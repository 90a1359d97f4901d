// edgeml fleet ls | watch: the devices on a broker and their live telemetry.
import { Command } from 'commander';
import { loadModel } from '../../../firmware/core/model';
import { addBrokerOptions, BrokerCliOptions, brokerSettings, displayUrl, withBroker } from '../../fleet/connect';
import { DeviceSummary, listDevices } from '../../fleet/devices';
import { TelemetryEvent, watchTelemetry } from '../../fleet/telemetry';
import { readPackageFile } from '../../package/read';
import { CliError, EXIT } from '../errors';

export function registerFleet(program: Command): void {
  const fleet = program.command('fleet').description('devices reached through an MQTT broker: list them, watch their telemetry');

  addBrokerOptions(fleet.command('ls'))
    .description('list the devices with a status on the broker: online state, firmware, active model, last seen')
    .option('--settle <ms>', 'how long to collect retained statuses', '500')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  edgeml fleet ls --broker mqtts://broker.example:8883 --username ops --ca ca.pem')
    .action(async (opts: BrokerCliOptions & { settle: string; json?: boolean }) => {
      const settleMs = Number(opts.settle);
      if (!(settleMs >= 0)) throw new CliError(`--settle ${opts.settle}: milliseconds >= 0`, EXIT.usage);
      const s = brokerSettings(opts);
      const devices = await withBroker(s, (client) => listDevices(client, s.prefix, { settleMs }));
      if (opts.json) { console.log(JSON.stringify(devices, null, 2)); return; }
      if (devices.length === 0) { console.log(`no devices under ${s.prefix}/ on ${displayUrl(s.url)}`); return; }
      console.log(['device'.padEnd(16), 'state'.padEnd(8), 'firmware'.padEnd(10), 'model'.padEnd(34), 'uptime'.padEnd(10), 'heard'].join(' '));
      for (const d of devices) console.log(deviceLine(d));
    });

  addBrokerOptions(fleet.command('watch'))
    .description('print live telemetry (inference results, statistics) and status changes until Ctrl-C')
    .option('--devices <ids>', 'only these devices (comma-separated)')
    .option('--model <model.edgm>', 'the package the devices run, to print class labels')
    .option('--json', 'one JSON line per event')
    .addHelpText('after', '\nExample:\n  edgeml fleet watch --devices sim-001,sim-002 --model model.edgm')
    .action(async (opts: BrokerCliOptions & { devices?: string; model?: string; json?: boolean }) => {
      const labels = opts.model ? loadModel(readPackageFile(opts.model)).outputSpec.labels : [];
      const s = brokerSettings(opts);
      const devices = opts.devices?.split(',').map((d) => d.trim()).filter((d) => d !== '');
      // Listen for Ctrl-C before the first event can be printed, so it never meets the default handler.
      const interrupted = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await withBroker(s, async (client) => {
        const watch = await watchTelemetry(client, s.prefix, (e) => console.log(opts.json ? JSON.stringify(eventJson(e, labels)) : eventLine(e, labels)), { devices, status: true });
        if (!opts.json) console.error(`watching ${devices ? devices.join(', ') : `every device under ${s.prefix}/`} on ${displayUrl(s.url)}; Ctrl-C stops`);
        await interrupted;
        await watch.stop();
      });
    });
}

function deviceLine(d: DeviceSummary): string {
  const model = d.model ? `"${d.model.name}" v${d.model.version} ${d.model.sha256.slice(0, 12)}` : d.online ? 'none' : '';
  const state = d.malformed ? 'malformed' : d.online ? 'online' : 'offline';
  const heard = d.retained ? 'retained' : `${d.heardAt.toISOString().slice(11, 19)}`;
  return [d.id.padEnd(16), state.padEnd(8), (d.firmwareVersion ?? '').padEnd(10), model.padEnd(34), duration(d.uptimeSeconds).padEnd(10), heard].join(' ') + (d.malformed ? `  (${d.malformed})` : '');
}

function duration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

function eventJson(e: TelemetryEvent, labels: readonly string[]): unknown {
  if (e.type === 'result') {
    const r = e.result;
    return { type: 'result', device: e.deviceId, window: r.windowSeq, timeMs: r.timestampMs, class: r.classIndex, label: labels[r.classIndex] ?? String(r.classIndex), confidence: r.confidence, latencyUs: r.latencyUs };
  }
  if (e.type === 'stats') return { type: 'stats', device: e.deviceId, ...e.stats };
  if (e.type === 'status') return { type: 'status', device: e.deviceId, online: e.status.online, model: e.status.model, uptimeSeconds: e.status.uptimeSeconds };
  return { type: 'malformed', device: e.deviceId, reason: e.reason };
}

function eventLine(e: TelemetryEvent, labels: readonly string[]): string {
  const time = new Date().toISOString().slice(11, 19);
  const who = `${time} ${e.deviceId.padEnd(16)}`;
  switch (e.type) {
    case 'result': {
      const r = e.result;
      return `${who} window ${String(r.windowSeq).padStart(6)}  ${(labels[r.classIndex] ?? String(r.classIndex)).padEnd(14)} ${(100 * r.confidence).toFixed(1).padStart(5)}%  ${r.latencyUs} µs`;
    }
    case 'stats':
      return `${who} stats: ${e.stats.inferences} inferences, latency ${e.stats.latencyMinUs}/${e.stats.latencyMeanUs}/${e.stats.latencyMaxUs} µs min/mean/max`;
    case 'status':
      return `${who} ${e.status.online ? `online, model ${e.status.model ? `"${e.status.model.name}" v${e.status.model.version}` : 'none'}` : 'offline'}`;
    default:
      return `${who} malformed telemetry: ${e.reason}`;
  }
}
