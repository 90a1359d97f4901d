// What the host makes of a fleet's state, with two simulated devices running the real firmware:
// `config set` of the broker password over MQTT (which the device will not read back), devices
// whose status says offline left out of --devices all, and a package a device failed before
// offered again (the device ignores it: the host reports the earlier answer at once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../host/fleet/deploy';
import { preparePackage } from '../../host/fleet/package';
import { edgemlAsync } from '../support/cli';
import { failingSelfTestPackage, featurePackage } from './packages';
import { jsonLines, Rig, startRig, waitForVersions } from './rig';
import { clearGhosts, publishStatus } from './support/ghosts';

describe('two devices on the embedded broker', () => {
  let rig: Rig;
  beforeAll(async () => { rig = await startRig({ count: 2, config: { 'mqtt.password': 'old-secret' } }); });
  afterAll(async () => { await rig?.close(); });

  it('config set --device of mqtt.password sends the value as a string, though the device will not read the key over MQTT', async () => {
    const get = await edgemlAsync(['config', 'get', 'mqtt.password', '--device', 'sim-0', ...rig.cliArgs]);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/NOT_SUPPORTED/);
    // Digits would be taken for an integer without the key's type: the device wants a string.
    const set = await edgemlAsync(['config', 'set', 'mqtt.password', '4711', '--device', 'sim-0', ...rig.cliArgs]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(rig.fleet.devices[0].config['mqtt.password']).toBe('4711');
  });

  it('--devices all leaves out devices whose status says offline and names them; an offline device named by id is offered', async () => {
    // Sorted first, they would make the canary and stop the rollout after a full timeout.
    await publishStatus(rig.client, 'aaa-0', false);
    await publishStatus(rig.client, 'aaa-1', false);
    try {
      const file = rig.file('v2.edgm', featurePackage({ version: 2, signer: rig.keys.signer }));
      const r = await edgemlAsync(['deploy', file, '--devices', 'all', '--canary', '10%', '--timeout', '20', ...rig.cliArgs]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^skipped 2 offline devices: aaa-0, aaa-1\ndeploying "vibration-v2" version 2 .* to 2 device\(s\) in 2 stage\(s\)\nstage 1\/2: sim-0\n/);
      expect(r.stdout).toMatch(/\n2 updated, 0 failed, 0 not offered, 2 offline left out, in [\d.]+ s\n$/);

      const named = await deploy(rig.client, 'edgeml', preparePackage(featurePackage({ version: 3, signer: rig.keys.signer })), { devices: ['aaa-0'], timeoutMs: 500, withdrawMs: 1000 });
      expect(named.outcomes).toMatchObject([{ deviceId: 'aaa-0', outcome: 'timeout', reason: 'the device is offline: no progress in 0.5 s' }]);
      expect(named.offline).toEqual([]);
    } finally {
      await clearGhosts(rig.client, ['aaa-0', 'aaa-1']);
    }
    expect((await waitForVersions(rig, 2)).map((d) => [d.id, d.model?.version])).toEqual([['sim-0', 2], ['sim-1', 2]]);
  });

  it('a package the device failed before is reported failed at once when offered again, with the reason it gave', async () => {
    const file = rig.file('v9-bad.edgm', failingSelfTestPackage(9, rig.keys.signer));
    const args = ['deploy', file, '--devices', 'sim-1', '--json', '--timeout', '20', ...rig.cliArgs];
    const first = await edgemlAsync(args);
    expect(first.code).toBe(1);
    const failed = jsonLines(first.stdout).find((e) => e.type === 'device');
    expect(failed).toMatchObject({ outcome: 'failed', code: 'SELFTEST_FAILED', verified: true });
    // The device ignores the same offer until it restarts; its retained OTA_STATE says why.
    const again = await edgemlAsync(args);
    expect(again.code).toBe(1);
    const repeated = jsonLines(again.stdout).find((e) => e.type === 'device');
    expect(repeated).toMatchObject({ outcome: 'failed', code: 'SELFTEST_FAILED', verified: true, model: { version: 2 } });
    expect(repeated?.reason).toBe(`${failed?.reason as string} (its answer to an earlier offer of this package: a device does not take the same offer again until it restarts)`);
    expect(repeated?.seconds as number).toBeLessThan(3);
  });
});
