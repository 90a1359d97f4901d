// `edgeml sim --devices N --broker URL`: simulated devices join a broker as a fleet, show up in
// fleet ls, and go offline when the simulator stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../host/broker/broker';
import { connectBroker } from '../../host/fleet/connect';
import { listDevices } from '../../host/fleet/devices';
import { socatAvailable } from '../../sim/device/pty';
import { startCli } from '../support/spawn-cli';

describe.skipIf(!socatAvailable())('edgeml sim --broker', () => {
  it('connects each device to the broker; Ctrl-C takes them offline', async () => {
    const broker = await startBroker({ port: 0, users: new Map([['sim', 'pw']]) });
    const dir = mkdtempSync(join(tmpdir(), 'edgeml-sim-fleet-'));
    const sim = startCli(['sim', '--devices', '2', '--dir', dir, '--broker', broker.url, '--username', 'sim'], { EDGEML_MQTT_PASSWORD: 'pw' });
    const client = await connectBroker({ url: broker.url, prefix: 'edgeml', clientId: 'sim-test', username: 'sim', password: 'pw' });
    try {
      await sim.waitFor(/2 devices running/, 60_000);
      expect(sim.stdout()).toMatch(new RegExp(`^sim-001  port \\S+  flash \\S+  broker ${broker.url.replace(/\./g, '\\.')}$`, 'm'));
      let devices = await listDevices(client, 'edgeml');
      for (let i = 0; i < 50 && devices.filter((d) => d.online).length < 2; i++) {
        await new Promise((r) => setTimeout(r, 200));
        devices = await listDevices(client, 'edgeml', { settleMs: 100 });
      }
      expect(devices.map((d) => [d.id, d.online, d.model])).toEqual([['sim-001', true, null], ['sim-002', true, null]]);
      expect(await sim.stop('SIGINT')).toBe(0);
      const after = await listDevices(client, 'edgeml');
      expect(after.map((d) => [d.id, d.online])).toEqual([['sim-001', false], ['sim-002', false]]);
    } finally {
      await sim.stop('SIGKILL');
      await client.endAsync(true);
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
