// Fleet update figures (for `npm run bench`; also runnable alone: `npx tsx tools/bench-fleet.ts
// [--json]`): 20 simulated devices running the real firmware, on the embedded broker, updated in
// one stage to a signed ~32 KB package over MQTT. Reports the wall time of the rollout and the
// bytes the broker carried per device (topics and payloads that clients published: offers,
// chunk requests, chunks, OTA states, statuses). Telemetry is off so that the bytes are the update's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv } from '../host/data/csv';
import { startBroker } from '../host/broker/broker';
import { connectBroker } from '../host/fleet/connect';
import { deploy } from '../host/fleet/deploy';
import { preparePackage } from '../host/fleet/package';
import { createSigner, generateSigningKeys, rawPublicKey } from '../host/package/signing';
import { trainModel } from '../host/train/train';
import { startSimulatedFleet } from '../sim/device/fleet';

export interface FleetBench {
  devices: number;
  packageBytes: number;
  /** The whole rollout: collecting statuses (0.3 s), offers, transfers, activations, status checks. */
  seconds: number;
  /** Per device, offer to ACTIVATED. */
  deviceSecondsMedian: number;
  deviceSecondsMax: number;
  brokerBytesPerDevice: number;
  brokerMessagesPerDevice: number;
  /** Broker bytes per package byte. */
  overhead: number;
  updated: number;
}

export async function runFleetBench(options: { devices?: number; packageBytes?: number } = {}): Promise<FleetBench> {
  const count = options.devices ?? 20;
  const target = options.packageBytes ?? 32 * 1024;
  const keys = generateSigningKeys();
  const signer = createSigner(keys.privateKeyPem);
  const data = loadCsv('datasets/digits.csv');
  const train = async (version: number, trees: number, maxDepth: number) =>
    (await trainModel(data, { algorithm: 'rf', trees, maxDepth, name: `bench-fleet-v${version}`, modelVersion: version, createdAt: 0, signer, sizeCurve: false })).bytes;
  const v1 = await train(1, 2, 4);
  // A forest on digits of at least the target size: scaled from 8 trees, then grown.
  let trees = Math.max(1, Math.floor((8 * target) / (await train(2, 8, 8)).length));
  let bytes = await train(2, trees, 8);
  while (bytes.length < target) bytes = await train(2, ++trees, 8);
  const v2 = preparePackage(bytes);

  const broker = await startBroker({ port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'edgeml-bench-fleet-'));
  const fleet = await startSimulatedFleet({
    count, broker: { url: broker.url }, trustedKey: rawPublicKey(keys.publicKeyPem), dir, model: v1,
    device: { config: { 'telemetry.ms': 0 } },
  });
  const client = await connectBroker({ url: broker.url, prefix: 'edgeml', clientId: 'bench-fleet' });
  try {
    const before = { ...broker.traffic };
    const summary = await deploy(client, 'edgeml', v2, { devices: 'all', timeoutMs: 120_000 });
    const times = summary.outcomes.map((o) => o.seconds).sort((a, b) => a - b);
    const bytes = broker.traffic.bytes - before.bytes;
    return {
      devices: count, packageBytes: v2.size, seconds: summary.seconds,
      deviceSecondsMedian: times[Math.floor(times.length / 2)], deviceSecondsMax: times[times.length - 1],
      brokerBytesPerDevice: Math.round(bytes / count),
      brokerMessagesPerDevice: Math.round((broker.traffic.messages - before.messages) / count),
      overhead: bytes / count / v2.size,
      updated: summary.updated.length,
    };
  } finally {
    await client.endAsync(true);
    await fleet.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describeFleetBench(r: FleetBench): string {
  return `  ${r.devices} devices, ${r.packageBytes.toLocaleString('en-US')} B package, one stage: ${r.updated}/${r.devices} updated in ${r.seconds.toFixed(2)} s ` +
    `(per device: median ${r.deviceSecondsMedian.toFixed(2)} s, max ${r.deviceSecondsMax.toFixed(2)} s); broker carried ` +
    `${r.brokerBytesPerDevice.toLocaleString('en-US')} B in ${r.brokerMessagesPerDevice} messages per device (${r.overhead.toFixed(3)} B per package byte)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runFleetBench().then((r) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
    else console.log(`fleet update over MQTT (embedded broker, simulated devices running the real firmware):\n${describeFleetBench(r)}`);
  }, (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
