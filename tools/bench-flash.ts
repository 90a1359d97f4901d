// Flash transfer figures (part of `npm run bench`): a signed ~64 KB package flashed to a
// simulated device running the real firmware, over a clean line and through 1% line noise
// (each byte dropped, duplicated or corrupted with probability 1%). A report, not a test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv } from '../host/data/csv';
import { DeviceClient } from '../host/device/client';
import { flashModel } from '../host/device/flash';
import { InProcessTransport } from '../host/device/transport';
import { createSigner, generateSigningKeys, rawPublicKey } from '../host/package/signing';
import { trainModel } from '../host/train/train';
import { SimulatedDevice } from '../sim/device/simulated-device';

export interface FlashRow {
  link: string;
  packageBytes: number;
  wireBytesPerPayloadByte: number;
  roundTrips: number;
  requests: number;
  retries: number;
  seconds: number;
}

export async function runFlashBench(onRow?: (row: FlashRow) => void): Promise<FlashRow[]> {
  const keys = generateSigningKeys();
  const signer = createSigner(keys.privateKeyPem);
  // A random forest on digits sized to about 64 KB, at increasing versions so each flash is newer.
  const data = loadCsv('datasets/digits.csv');
  const packageAt = async (version: number) =>
    (await trainModel(data, { algorithm: 'rf', trees: 48, maxDepth: 8, name: 'bench-64k', modelVersion: version, createdAt: 0, signer, sizeCurve: false })).bytes;
  const dir = mkdtempSync(join(tmpdir(), 'edgeml-bench-flash-'));
  const device = await SimulatedDevice.start({ id: 'bench', dir, trustedKey: rawPublicKey(keys.publicKeyPem), slotBytes: 256 * 1024 });
  device.startRealTime(5);
  const client = new DeviceClient(new InProcessTransport(device.serial, { pump: () => device.poll() }), { timeoutMs: 500, retries: 20 });
  const rows: FlashRow[] = [];
  try {
    const cases = [
      { link: 'clean', noise: 0 },
      { link: '1% line noise', noise: 0.01 },
    ];
    let version = 1;
    for (const c of cases) {
      device.setLineNoise(c.noise ? { in: { rate: c.noise, seed: 3 }, out: { rate: c.noise, seed: 4 } } : {});
      const bytes = await packageAt(version++);
      const r = await flashModel(client, bytes);
      const row: FlashRow = {
        link: c.link, packageBytes: bytes.length, wireBytesPerPayloadByte: r.wirePerPayloadByte,
        roundTrips: r.roundTrips, requests: r.requests, retries: r.retries, seconds: r.seconds,
      };
      rows.push(row);
      onRow?.(row);
    }
  } finally {
    await client.close();
    await device.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
