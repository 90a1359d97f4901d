// End to end: the real `edgeml` binary talks to a simulated device through a pseudo-terminal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadCsv } from '../../host/data/csv';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socatAvailable } from '../../sim/device/pty';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { Keys, featurePackage, makeKeys, sha256 } from '../device/packages';
import { edgemlAsync } from '../support/cli';
import { loadModel } from '../../firmware/core/model';
import { alignedCopy } from '../../host/package/read';

describe.skipIf(!socatAvailable())('edgeml over a pseudo-terminal', () => {
  let keys: Keys;
  let device: SimulatedDevice;
  let port: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-pty-'));
  beforeAll(async () => {
    keys = makeKeys();
    device = await SimulatedDevice.start({ id: 'pty-1', dir: path.join(dir, 'dev'), trustedKey: keys.raw, config: { name: 'bench-1' } });
    port = (await device.openPty()).path;
    device.startRealTime(5);
  });
  afterAll(async () => { await device?.close(); });

  it('info, flash (with the verified hash), then info shows the model; errors are sentences with exit codes', async () => {
    const before = await edgemlAsync(['info', '--port', port, '--json']);
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ deviceId: 'pty-1', protocolVersion: 1, activeSlot: null });

    const pkg = featurePackage({ version: 1, signer: keys.signer });
    const file = path.join(dir, 'model.edgm');
    writeFileSync(file, pkg);
    const flash = await edgemlAsync(['flash', file, '--port', port]);
    expect(flash.code, flash.stderr).toBe(0);
    expect(flash.stdout).toContain(`verified sha256 ${Buffer.from(sha256(pkg)).toString('hex')}`);
    expect(flash.stdout).toContain('active: "vibration-v1" version 1');

    const text = await edgemlAsync(['info', '--port', port]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('model        "vibration-v1" version 1');

    const again = await edgemlAsync(['flash', file, '--port', port]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^edgeml: the device refused the package: OLDER_VERSION/);

    const missing = await edgemlAsync(['info', '--port', path.join(dir, 'no-such-tty')]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no such port');
  }, 120_000);

  it('predict matches the host engine; monitor streams results; stats, config and rollback answer', async () => {
    const pkg = featurePackage({ version: 2, signer: keys.signer });
    const file = path.join(dir, 'model-v2.edgm');
    writeFileSync(file, pkg);
    expect((await edgemlAsync(['flash', file, '--port', port])).code).toBe(0);

    const inputs = loadModel(alignedCopy(pkg)).inputSpec.elementCount;
    const rows = Array.from({ length: 5 }, (_, r) => Array.from({ length: inputs }, (_, i) => ((r * 37 + i * 11) % 200) - 100));
    const csv = path.join(dir, 'rows.csv');
    writeFileSync(csv, [Array.from({ length: inputs }, (_, i) => `f${i}`).join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
    const predicted = await edgemlAsync(['predict', '--port', port, '--input', csv, '--model', file, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const lines = predicted.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.sameAsHost === true)).toBe(true);

    const monitored = await edgemlAsync(['monitor', '--port', port, '--count', '2', '--json', '--model', file]);
    expect(monitored.code, monitored.stderr).toBe(0);
    const results = monitored.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(results).toHaveLength(2);
    expect(results[1].window).toBeGreaterThan(results[0].window);

    const stats = JSON.parse((await edgemlAsync(['stats', '--port', port, '--json'])).stdout);
    expect(stats.inferences).toBeGreaterThanOrEqual(2);
    // a simulated device meters XS: both STATS flags set, printed when valid
    expect(stats.computronsPerInference).toBeGreaterThan(0);
    expect(stats.heap.peak).toBeGreaterThanOrEqual(stats.heap.used);
    const text = await edgemlAsync(['stats', '--port', port]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/XS heap [\d.]+ KB in use, peak [\d.]+ KB/);
    expect(text.stdout).toMatch(/XS cost [\d,]+ computrons per inference/);

    const config = await edgemlAsync(['config', 'get', '--port', port, '--json']);
    expect(config.code, config.stderr).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({ name: 'bench-1' });
    const set = await edgemlAsync(['config', 'set', '--port', port, 'name', 'bench-2', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ name: 'bench-2' });
    const unknown = await edgemlAsync(['config', 'set', '--port', port, 'no.such.key', '1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^edgeml: /);

    const back = await edgemlAsync(['rollback', '--port', port, '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).modelVersion).toBe(1);
  }, 120_000);

  it('collect records labelled windows with their features; dataset ls and export show them', async () => {
    const model = path.join(dir, 'model.edgm'); // written by the first test
    const db = path.join(dir, 'collected.db');
    for (const label of ['normal', 'bearing']) {
      const r = await edgemlAsync(['collect', '--port', port, '--label', label, '--windows', '3', '--into', db, '--model', model, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ added: 3, label });
    }
    const ls = JSON.parse((await edgemlAsync(['dataset', 'ls', db, '--json'])).stdout);
    expect(ls).toMatchObject({ samples: 6, labels: { normal: 3, bearing: 3 }, devices: { 'pty-1': 6 } });
    expect(ls.features).toBeGreaterThan(0);
    const csv = path.join(dir, 'collected.csv');
    const exported = await edgemlAsync(['dataset', 'export', db, '--out', csv]);
    expect(exported.code, exported.stderr).toBe(0);
    const data = loadCsv(csv); // what edgeml train reads back (feature names like "ch0.band[4,11)" are quoted)
    expect(data.X).toHaveLength(6);
    expect(data.featureNames).toHaveLength(ls.features);
    expect(data.classes.sort()).toEqual(['bearing', 'normal']);
  }, 120_000);
});
