// A broker (embedded or Mosquitto) with simulated devices on it, each running model v1, and a
// connected host client: the setting of every fleet test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { RunningBroker, startBroker } from '../../host/broker/broker';
import { BrokerSettings, connectBroker } from '../../host/fleet/connect';
import { listDevices, DeviceSummary } from '../../host/fleet/devices';
import { SimulatedFleet, startSimulatedFleet } from '../../sim/device/fleet';
import type { Keys } from '../device/packages';
import { Mosquitto } from '../support/mosquitto';
import { createSigner, generateSigningKeys, rawPublicKey } from '../../host/package/signing';
import { featurePackage } from './packages';

export interface Rig {
  keys: Keys;
  /** The private key (PEM) of `keys`, for the CLI's --signing-key. */
  privateKeyPem: string;
  fleet: SimulatedFleet;
  settings: BrokerSettings;
  client: MqttClient;
  /** The embedded broker (undefined on Mosquitto). */
  broker?: RunningBroker;
  /** Broker options for the CLI. */
  cliArgs: string[];
  /** Writes a package to a temporary file for the CLI. */
  file(name: string, bytes: Uint8Array): string;
  devices(): Promise<DeviceSummary[]>;
  close(): Promise<void>;
}

export async function startRig(options: { count: number; mosquitto?: Mosquitto; config?: Record<string, number | string> }): Promise<Rig> {
  const pem = generateSigningKeys();
  const keys: Keys = { signer: createSigner(pem.privateKeyPem), raw: rawPublicKey(pem.publicKeyPem) };
  const m = options.mosquitto;
  const broker = m ? undefined : await startBroker({ port: 0 });
  const url = m?.url ?? broker!.url;
  const credentials = m ? { username: m.username, password: m.password } : {};
  const dir = mkdtempSync(join(tmpdir(), 'edgeml-fleet-'));
  const config = { 'telemetry.stats': 2, ...options.config };
  let fleet: SimulatedFleet | undefined;
  try {
    fleet = await startSimulatedFleet({
      count: options.count, broker: { url, ...credentials }, trustedKey: keys.raw, dir,
      model: featurePackage({ version: 1, signer: keys.signer }), device: { config },
    });
    const settings: BrokerSettings = { url, prefix: 'edgeml', clientId: `test-${process.pid}`, ...credentials };
    const client = await connectBroker(settings);
    const f = fleet;
    const rig: Rig = {
      keys, privateKeyPem: pem.privateKeyPem, fleet: f, settings, client, broker,
      cliArgs: ['--broker', url, ...(m ? ['--username', m.username, '--password', m.password] : [])],
      file: (name, bytes) => { const path = join(dir, name); writeFileSync(path, bytes); return path; },
      devices: () => listDevices(client, 'edgeml', { settleMs: 300 }),
      close: async () => {
        await client.endAsync(true);
        await f.close();
        await rig.broker?.close(); // a test may have replaced it
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return rig;
  } catch (e) {
    await fleet?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Every device's status, once each is online and shows `version` (or after `timeoutMs`). */
export async function waitForVersions(rig: Rig, version: number, timeoutMs = 15_000): Promise<DeviceSummary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const devices = await rig.devices();
    const ready = devices.length === rig.fleet.devices.length && devices.every((d) => d.online && d.model?.version === version);
    if (ready || Date.now() > deadline) return devices;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** JSON lines printed by `edgeml deploy --json`. */
export function jsonLines(stdout: string): { type: string; [k: string]: unknown }[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string });
}
