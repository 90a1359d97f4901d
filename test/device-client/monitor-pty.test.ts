// edgeml monitor through the real binary and a pseudo-terminal: --count n prints n lines, and a
// device that restarts mid-stream (BOOT) gets its stream turned on again.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socatAvailable } from '../../sim/device/pty';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { Keys, featurePackage, makeKeys } from '../device/packages';
import { edgemlAsync } from '../support/cli';

describe.skipIf(!socatAvailable())('edgeml monitor over a pseudo-terminal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-monitor-'));
  let keys: Keys;
  let device: SimulatedDevice;
  let port: string;
  let file: string;
  beforeAll(async () => {
    keys = makeKeys();
    device = await SimulatedDevice.start({ id: 'mon-1', dir: path.join(dir, 'dev'), trustedKey: keys.raw });
    port = (await device.openPty()).path;
    device.startRealTime(5);
    file = path.join(dir, 'm.edgm');
    writeFileSync(file, featurePackage({ version: 1, signer: keys.signer }));
    const flashed = await edgemlAsync(['flash', file, '--port', port]);
    expect(flashed.code, flashed.stderr).toBe(0);
  });
  afterAll(async () => { await device?.close(); });

  it('--count n prints exactly n results, across a device restart', async () => {
    const t = performance.now();
    const first = await edgemlAsync(['monitor', '--port', port, '--count', '3', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(3);
    const perResult = (performance.now() - t) / 3;

    let rebooted = false;
    const unsubscribe = device.onReboot(() => { rebooted = true; });
    const reboot = setTimeout(() => { void device.reboot(); }, Math.max(1500, 2 * perResult));
    try {
      const r = await edgemlAsync(['monitor', '--port', port, '--count', '12', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { window: number });
      expect(lines).toHaveLength(12);
      expect(rebooted).toBe(true);
      // the window sequence starts again after the restart: results came from both boots
      expect(lines.some((l, i) => i > 0 && l.window < lines[i - 1]!.window)).toBe(true);
    } finally {
      clearTimeout(reboot);
      unsubscribe();
    }
  });
});
