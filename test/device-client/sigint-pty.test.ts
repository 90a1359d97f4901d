// Ctrl-C (SIGINT) through the real binary and a pseudo-terminal: flash while the device has not
// answered HELLO, and collect during a capture, both end at once with exit 130.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetStore } from '../../host/data/store';
import { socatAvailable } from '../../sim/device/pty';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { featurePackage, makeKeys } from '../device/packages';
import { edgemlAsync } from '../support/cli';

describe.skipIf(!socatAvailable())('Ctrl-C over a pseudo-terminal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-sigint-'));
  let silent: SimulatedDevice;
  let silentPort: string;
  let device: SimulatedDevice;
  let port: string;
  beforeAll(async () => {
    silent = await SimulatedDevice.start({ id: 'mute-1', dir: path.join(dir, 'mute') }); // never run: never answers
    silentPort = (await silent.openPty()).path;
    device = await SimulatedDevice.start({ id: 'int-1', dir: path.join(dir, 'dev') });
    port = (await device.openPty()).path;
    device.startRealTime(5);
  });
  afterAll(async () => { await silent?.close(); await device?.close(); });

  it('flash: Ctrl-C while waiting for HELLO is exit 130 at once', async () => {
    const file = path.join(dir, 'm.edgm');
    writeFileSync(file, featurePackage({ version: 1, signer: makeKeys().signer }));
    const t = performance.now();
    const r = await edgemlAsync(['flash', file, '--port', silentPort], { killAfterMs: 1500, signal: 'SIGINT' });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    expect(performance.now() - t).toBeLessThan(4000);
  });

  it('collect: Ctrl-C during the capture is exit 130, nothing stored', async () => {
    const db = path.join(dir, 'd.db');
    const r = await edgemlAsync(['collect', '--port', port, '--label', 'x', '--windows', '10000', '--into', db], { killAfterMs: 2500, signal: 'SIGINT' });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted; nothing was stored/);
    const store = DatasetStore.open(db, { readonly: true });
    try { expect(store.count()).toBe(0); } finally { store.close(); }
  });
});
