// The fleet through a real Mosquitto with a password file (allow_anonymous false): telemetry
// arrives, a deploy updates the devices and fleet ls shows the new version, and wrong
// credentials are exit 4 with a sentence. `.ci/run` installs mosquitto, so CI runs this.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchTelemetry } from '../../host/fleet/telemetry';
import { edgemlAsync } from '../support/cli';
import { Mosquitto, mosquittoMissing, startMosquitto } from '../support/mosquitto';
import { featurePackage } from './packages';
import { jsonLines, Rig, startRig } from './rig';

describe.skipIf(mosquittoMissing())(`a fleet on Mosquitto ${mosquittoMissing() ?? ''}`, () => {
  let mosquitto: Mosquitto;
  let rig: Rig;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
    rig = await startRig({ count: 2, mosquitto });
  });
  afterAll(async () => {
    await rig?.close();
    await mosquitto?.stop();
  });

  it('telemetry arrives from each device', async () => {
    const from = new Set<string>();
    let stop: (() => Promise<void>) | undefined;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`results after 15 s only from ${[...from].join(', ') || 'nobody'}`)), 15_000);
      watchTelemetry(rig.client, 'edgeml', (e) => {
        if (e.type === 'malformed') reject(new Error(e.reason));
        if (e.type === 'result') from.add(e.deviceId);
        if (from.size === rig.fleet.devices.length) { clearTimeout(timer); resolve(); }
      }).then((w) => { stop = () => w.stop(); }, reject);
    }).finally(() => stop?.());
  });

  it('a deploy updates the devices and fleet ls shows the new version', async () => {
    const file = rig.file('v2.edgm', featurePackage({ version: 2, signer: rig.keys.signer }));
    const r = await edgemlAsync(['deploy', file, '--devices', 'sim-0,sim-1', '--json', '--timeout', '30', ...rig.cliArgs]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'summary', updated: ['sim-0', 'sim-1'], failed: [] });
    const ls = await edgemlAsync(['fleet', 'ls', ...rig.cliArgs]);
    expect(ls.code).toBe(0);
    for (const id of ['sim-0', 'sim-1']) expect(ls.stdout).toMatch(new RegExp(`^${id} +online +\\S+ +"vibration-v2" v2 `, 'm'));
  });

  it('wrong credentials: exit 4 with a sentence, for ls and deploy alike', async () => {
    const bad = ['--broker', mosquitto.url, '--username', mosquitto.username, '--password', 'not-the-password'];
    const ls = await edgemlAsync(['fleet', 'ls', ...bad]);
    expect(ls.code).toBe(4);
    expect(ls.stderr).toBe(`edgeml: the MQTT broker at ${mosquitto.url} refused the connection as user "fleet": not authorized (wrong user name or password, or a user this broker does not let in)\n`);
    const file = rig.file('v9.edgm', featurePackage({ version: 9, signer: rig.keys.signer }));
    const deploy = await edgemlAsync(['deploy', file, '--devices', 'all', ...bad]);
    expect(deploy.code).toBe(4);
    expect(deploy.stderr).toMatch(/refused the connection as user "fleet"/);
  });
});
