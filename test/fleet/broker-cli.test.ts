// `edgeml broker` as a user runs it: listens, shows clients coming and going, lets in only its
// user, and stops cleanly on Ctrl-C; bad options are usage errors.
import { describe, expect, it } from 'vitest';
import { connectBroker } from '../../host/fleet/connect';
import { edgeml } from '../support/cli';
import { freePort } from '../support/mosquitto';
import { startCli } from '../support/spawn-cli';

describe('edgeml broker', () => {
  it('prints client connections and disconnections, refuses strangers, and exits 0 on Ctrl-C', async () => {
    const port = await freePort();
    const broker = startCli(['broker', '--port', String(port), '--username', 'ops'], { EDGEML_MQTT_PASSWORD: 'pw' });
    try {
      await broker.waitFor(new RegExp(`broker listening on mqtt://127\\.0\\.0\\.1:${port} \\(users only\\)`));
      const url = `mqtt://127.0.0.1:${port}`;
      const client = await connectBroker({ url, prefix: 'edgeml', clientId: 'laptop-1', username: 'ops', password: 'pw' });
      await broker.waitFor(/\+ laptop-1/);
      await client.endAsync();
      await broker.waitFor(/- laptop-1/);
      await expect(connectBroker({ url, prefix: 'edgeml', clientId: 'intruder', username: 'ops', password: 'guess' })).rejects.toThrow(/bad user name or password/);
      expect(await broker.stop('SIGINT')).toBe(0);
      expect(broker.stdout()).toMatch(/broker stopped/);
    } finally {
      await broker.stop('SIGKILL');
    }
  });

  it('a port in use is a sentence; option mistakes are usage errors', async () => {
    const port = await freePort();
    const first = startCli(['broker', '--port', String(port), '--quiet']);
    try {
      await first.waitFor(/listening/);
      const second = edgeml(['broker', '--port', String(port)]);
      expect(second.code).toBe(1);
      expect(second.stderr).toBe(`edgeml: port ${port} on 127.0.0.1 is in use (another broker? pick one with --port)\n`);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(edgeml(['broker', '--port', '70000']).code).toBe(2);
    expect(edgeml(['broker', '--password', 'x']).stderr).toMatch(/--password needs --username/);
  });
});
