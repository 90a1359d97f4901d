// End to end: the real `edgeml` binary talks to a simulated device through a pseudo-terminal.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socatAvailable } from '../../sim/device/pty';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { Keys, featurePackage, makeKeys, sha256 } from '../device/packages';

const BIN = fileURLToPath(new URL('../../bin/edgeml.js', import.meta.url));

/** Runs edgeml without blocking the event loop (the simulated device must keep serving the pty). */
function edgemlAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
  });
}

describe.skipIf(!socatAvailable())('edgeml over a pseudo-terminal', () => {
  let keys: Keys;
  let device: SimulatedDevice;
  let port: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-pty-'));
  beforeAll(async () => {
    keys = makeKeys();
    device = await SimulatedDevice.start({ id: 'pty-1', dir: path.join(dir, 'dev'), trustedKey: keys.raw });
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
});
