// Interrupted flashes through a real pseudo-terminal and the real binary: the host killed
// halfway, and the link dropped halfway; each time a re-run resumes from the offset the device
// holds, not from zero, and ends with the package's hash.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageFile } from '../../host/package/read';
import { socatAvailable } from '../../sim/device/pty';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { edgemlAsync } from '../support/cli';

const MODEL = 'models/rf-10x8.edgm'; // unsigned: the device below trusts no key, so it takes unsigned models
const hash = createHash('sha256').update(readPackageFile(MODEL)).digest('hex');

describe.skipIf(!socatAvailable())('interrupted flash over a pseudo-terminal', () => {
  let device: SimulatedDevice;
  let port: string;
  beforeAll(async () => {
    device = await SimulatedDevice.start({ id: 'cut-1', dir: mkdtempSync(path.join(tmpdir(), 'edgeml-cut-')) });
    port = (await device.openPty()).path;
    device.startRealTime(5);
  });
  afterAll(async () => { await device?.close(); });

  it('the host killed halfway: a re-run resumes and verifies', async () => {
    device.setLineNoise({ in: { rate: 0.003, seed: 1 }, out: { rate: 0.003, seed: 2 } }); // slow enough to kill midway
    // Killed once the device has written a few kilobytes of the package to its slot.
    const start = device.storage.power.touched;
    const killed = await edgemlAsync(['flash', MODEL, '--port', port], { killWhen: () => device.storage.power.touched - start > 9000 });
    expect(killed.code).toBe(-1); // killed by the signal
    device.setLineNoise(undefined);
    const rerun = await edgemlAsync(['flash', MODEL, '--port', port, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const r = JSON.parse(rerun.stdout);
    expect(r.resumedFrom).toBeGreaterThan(0);
    expect(r.verifiedSha256).toBe(hash);
    expect(r.activated.name).toBe('rf-10x8');
  }, 150_000);

  it('the link dropped halfway: the host gives up with exit 4, a re-run resumes and verifies', async () => {
    expect((await edgemlAsync(['rollback', '--port', port])).code).toBe(1); // nothing to roll back to yet
    // Force a new upload of the same package (it is active): --restart discards what the slot holds.
    device.setLineNoise({ in: { rate: 0.003, seed: 5 }, out: { rate: 0.003, seed: 6 } });
    const start = device.storage.power.touched;
    const dropped = edgemlAsync(['flash', MODEL, '--port', port, '--force', '--restart', '--no-activate']);
    while (device.storage.power.touched - start <= 9000) await new Promise((resolve) => setTimeout(resolve, 20));
    device.setLineNoise({ in: { rate: 1, drop: 1, corrupt: 0, duplicate: 0 } }); // the cable is pulled
    const lost = await dropped;
    expect(lost.code, lost.stderr).toBe(4);
    expect(lost.stderr).toMatch(/^edgeml: /);
    device.setLineNoise(undefined);
    const rerun = await edgemlAsync(['flash', MODEL, '--port', port, '--force', '--no-activate', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const r = JSON.parse(rerun.stdout);
    expect(r.resumedFrom).toBeGreaterThan(0);
    expect(r.verifiedSha256).toBe(hash);
  }, 150_000);
});
