// The fleet over TLS with a user: the embedded broker speaks mqtts with a certificate from a
// throwaway CA; a simulated device that trusts the CA joins with its credentials and takes a
// deploy made through the CLI over mqtts; one that does not trust the CA never comes online.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningBroker, startBroker } from '../../host/broker/broker';
import { createSigner, generateSigningKeys, rawPublicKey } from '../../host/package/signing';
import { SimulatedFleet, startSimulatedFleet } from '../../sim/device/fleet';
import { edgemlAsync } from '../support/cli';
import { featurePackage } from './packages';
import { jsonLines } from './rig';
import { makeCertificates, TestCertificates } from './tls';

const USER = 'fleet';
const PASSWORD = 'tls-s3cret';

describe('a fleet over mqtts with a user', () => {
  let certs: TestCertificates;
  let broker: RunningBroker;
  let dir: string;
  const fleets: SimulatedFleet[] = [];
  beforeAll(async () => {
    certs = makeCertificates();
    broker = await startBroker({ port: 0, users: new Map([[USER, PASSWORD]]), tls: { cert: certs.cert, key: certs.key } });
    dir = mkdtempSync(join(tmpdir(), 'edgeml-tls-fleet-'));
  });
  afterAll(async () => {
    for (const f of fleets) await f.close();
    await broker?.close();
    certs?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a device that trusts the CA joins and takes a deploy; one that does not never comes online', async () => {
    expect(broker.url).toMatch(/^mqtts:\/\//);
    const pem = generateSigningKeys();
    const signer = createSigner(pem.privateKeyPem);
    const trusted = await startSimulatedFleet({
      count: 1, idPrefix: 'tls-', dir: join(dir, 'a'), trustedKey: rawPublicKey(pem.publicKeyPem),
      broker: { url: broker.url, username: USER, password: PASSWORD, ca: certs.ca },
      model: featurePackage({ version: 1, signer }),
    });
    fleets.push(trusted);
    const stranger = await startSimulatedFleet({
      count: 1, idPrefix: 'nocert-', dir: join(dir, 'b'),
      broker: { url: broker.url, username: USER, password: PASSWORD }, // the system CAs only
    });
    fleets.push(stranger);

    const cli = ['--broker', broker.url, '--username', USER, '--password', PASSWORD, '--ca', certs.caFile];
    const file = join(dir, 'v2.edgm');
    writeFileSync(file, featurePackage({ version: 2, signer }));
    const deploy = await edgemlAsync(['deploy', file, '--devices', 'tls-0', '--json', '--timeout', '30', ...cli]);
    expect(deploy.stderr).toBe('');
    expect(deploy.code).toBe(0);
    expect(jsonLines(deploy.stdout).at(-1)).toMatchObject({ type: 'summary', updated: ['tls-0'], failed: [] });

    const ls = await edgemlAsync(['fleet', 'ls', '--json', ...cli]);
    expect(ls.code).toBe(0);
    const devices = JSON.parse(ls.stdout) as { id: string; online: boolean; model?: { version: number } }[];
    expect(devices.map((d) => d.id)).toEqual(['tls-0']); // the stranger failed the handshake
    expect(devices[0]).toMatchObject({ online: true, model: { version: 2 } });
    expect(stranger.devices[0].mqtt?.connected).toBe(false);
  }, 120_000);
});
