// The host side of the fleet when things go wrong, against the embedded broker and devices that
// are only retained messages or a few lines of test (support/ghosts.ts): a broker that goes away
// in the middle of a rollout, Ctrl-C and SIGTERM, subscriptions the broker refuses, retained OTA
// states from before the rollout, passwords in broker URLs. No simulated firmware: fast.
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetFilter, TOPIC } from '../../firmware/core/fleet/index';
import { RunningBroker, startBroker } from '../../host/broker/broker';
import { BrokerError, BrokerSettings, connectBroker } from '../../host/fleet/connect';
import { deploy, DeployEvent } from '../../host/fleet/deploy';
import { FleetPackage, preparePackage } from '../../host/fleet/package';
import { createSigner, generateSigningKeys } from '../../host/package/signing';
import { SerialPty, socatAvailable } from '../../sim/device/pty';
import { edgemlAsync } from '../support/cli';
import { startCli } from '../support/spawn-cli';
import { featurePackage } from './packages';
import { jsonLines } from './rig';
import { clearGhosts, fakeModel, otaStatePayload, publishOtaState, publishStatus, puppet, requestChunk, retainedOffers } from './support/ghosts';

const keys = generateSigningKeys();
const signer = createSigner(keys.privateKeyPem);
const BIN = fileURLToPath(new URL('../../bin/edgeml.js', import.meta.url));

/** `p`, or 'hung' after `ms`. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

let dir: string;
let bytes: Uint8Array;
let file: string;
let pkg: FleetPackage;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeml-host-failures-'));
  bytes = featurePackage({ version: 2, signer });
  pkg = preparePackage(bytes);
  file = join(dir, 'v2.edgm');
  writeFileSync(file, bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settingsOf = (url: string, clientId: string): BrokerSettings => ({ url, prefix: 'edgeml', clientId });

describe('a rollout whose broker goes away', () => {
  it('ends with a sentence and exit 4, the unconfirmed device counted as failed', async () => {
    const broker = await startBroker({ port: 0 });
    let closed = false;
    try {
      const seed = await connectBroker(settingsOf(broker.url, 'seed'));
      await publishStatus(seed, 'g1', true, fakeModel('m', 1));
      await seed.endAsync();
      const run = startCli(['deploy', file, '--devices', 'g1', '--json', '--timeout', '1', '--broker', broker.url]);
      try {
        await run.waitFor(/"type":"stage"/, 20_000);
        await broker.close();
        closed = true;
        // It used to wait forever for the withdrawal's PUBACK and leave without a word.
        expect(await within(run.exited, 20_000), run.stdout() + run.stderr()).toBe(4);
        expect(run.stderr()).toMatch(/^edgeml: lost the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ during the rollout; 0 device\(s\) updated, 1 not confirmed, counted as failed: g1 \(TIMEOUT\); the offers to g1 could not be withdrawn/);
        const events = jsonLines(run.stdout());
        expect(events.find((e) => e.type === 'device')).toMatchObject({ deviceId: 'g1', outcome: 'timeout', reason: expect.stringMatching(/connection to the broker is down/) });
        expect(events.at(-1)).toMatchObject({ type: 'summary', brokerLost: true, offersLeft: ['g1'], failed: [{ deviceId: 'g1' }] });
      } finally {
        await run.stop('SIGKILL');
      }
    } finally {
      if (!closed) await broker.close();
    }
  });
});

describe('interruptions and stale states, on one broker', () => {
  let broker: RunningBroker;
  let seed: MqttClient;
  const ghosts = ['g1', 'g2', 'g3', 'g4', 'g5', 'p1'];
  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
    seed = await connectBroker(settingsOf(broker.url, 'seed'));
  });
  afterAll(async () => {
    await clearGhosts(seed, ghosts);
    await seed.endAsync(true);
    await broker.close();
  });

  /** Offers published while `fn` runs (withdrawals are empty and left out). */
  async function offersDuring<T>(fn: () => Promise<T>): Promise<{ result: T; offers: string[] }> {
    const spy = await connectBroker(settingsOf(broker.url, `spy-${Math.random().toString(36).slice(2, 8)}`));
    const offers: string[] = [];
    spy.on('message', (topic, payload) => { if (payload.length > 0) offers.push(topic); });
    await spy.subscribeAsync(fleetFilter('edgeml', TOPIC.OFFER));
    try {
      return { result: await fn(), offers };
    } finally {
      await spy.endAsync(true);
    }
  }

  it('SIGTERM stops a rollout like Ctrl-C: offers withdrawn, exit 130', async () => {
    await publishStatus(seed, 'g1', true, fakeModel('m', 1));
    const run = startCli(['deploy', file, '--devices', 'g1', '--json', '--timeout', '60', '--broker', broker.url]);
    try {
      await run.waitFor(/"type":"stage"/, 20_000);
      expect(await within(run.stop('SIGTERM'), 15_000)).toBe(130);
      expect(run.stderr()).toBe('edgeml: interrupted during stage 1: offers withdrawn; 0 device(s) updated\n');
    } finally {
      await run.stop('SIGKILL');
    }
    expect(await retainedOffers(broker)).toEqual([]);
  });

  it.skipIf(!socatAvailable())('Ctrl-C with progress bars on a terminal: the bars stop and the command exits 130', async () => {
    const stopPuppet = await puppet(seed, 'p1', () => void requestChunk(seed, 'p1', pkg, 0, 16));
    await publishStatus(seed, 'p1', true, fakeModel('m', 1));
    let terminal = '';
    const pty = await SerialPty.open({ write: (b) => { terminal += Buffer.from(b).toString(); }, onData: () => () => undefined });
    const fd = openSync(pty.path, 'w');
    const child = spawn(process.execPath, [BIN, 'deploy', file, '--devices', 'p1', '--timeout', '60', '--broker', broker.url], { stdio: ['ignore', 'pipe', fd] });
    closeSync(fd);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 200 && !/p1 +\[.*\] 0%/.test(terminal); i++) await new Promise((r) => setTimeout(r, 50));
      expect(terminal, 'a progress bar on the terminal').toMatch(/p1 +\[.*\] 0%/);
      child.kill('SIGINT');
      // The bars' timer used to keep the process alive after the interrupted rollout.
      expect(await within(exited, 15_000)).toBe(130);
      expect(terminal).toMatch(/interrupted during stage 1: offers withdrawn/);
    } finally {
      child.kill('SIGKILL');
      await pty.close();
      await stopPuppet();
    }
    expect(await retainedOffers(broker)).toEqual([]);
  });

  it('a rollout interrupted before it began (Ctrl-C while connecting) offers nothing', async () => {
    await publishStatus(seed, 'g2', true, fakeModel('m', 1));
    const interrupted = new AbortController();
    interrupted.abort();
    const started = Date.now();
    const { result, offers } = await offersDuring(() => deploy(seed, 'edgeml', pkg, { devices: ['g2'], timeoutMs: 3000, signal: interrupted.signal }).then(() => undefined, (e: unknown) => e));
    expect(result).toMatchObject({ exitCode: 130, message: 'interrupted before any device was offered the update: nothing changed' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(offers).toEqual([]);
  });

  it('after a reconnection, the OTA state the broker held from before the offer is not taken for the answer', async () => {
    // g3 activated this package once and has gone back to m v1 since: the broker still holds that ACTIVATED.
    await publishStatus(seed, 'g3', true, fakeModel('m', 1));
    await publishOtaState(seed, 'g3', otaStatePayload(pkg, 'ACTIVATED', 'OK', 'slot 0: vibration-v2 v2', 2));
    const client = await connectBroker(settingsOf(broker.url, 'reconnecting'));
    const events: DeployEvent[] = [];
    try {
      const summary = await deploy(client, 'edgeml', pkg, {
        devices: ['g3'], timeoutMs: 3000, withdrawMs: 2000,
        onEvent: (e) => {
          events.push(e);
          // The connection drops once the offer is out; MQTT.js reconnects and subscribes again, and the broker hands its retained states over again.
          if (e.type === 'stage') setTimeout(() => client.stream.destroy(), 100);
        },
      });
      expect(summary.outcomes).toMatchObject([{ deviceId: 'g3', outcome: 'timeout', code: 'TIMEOUT' }]);
    } finally {
      await client.endAsync(true);
    }
  });

  it('a package the device refused or failed before is reported with that reason at once; a signed FORCE after a refused plain offer is offered', async () => {
    await publishStatus(seed, 'g4', true, fakeModel('m', 1));
    await publishOtaState(seed, 'g4', otaStatePayload(pkg, 'FAILED', 'SELFTEST_FAILED', 'self-test vector 0: class 1, expected 2'));
    await publishStatus(seed, 'g5', true, fakeModel('m', 3));
    await publishOtaState(seed, 'g5', otaStatePayload(pkg, 'REFUSED', 'OLDER_VERSION', 'version 2 is not newer than the active 3', 3));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const { result: plain, offers } = await offersDuring(() => deploy(seed, 'edgeml', pkg, { devices: ['g4', 'g5'], timeoutMs: 20_000 }));
    expect(Date.now() - started, 'no waiting for the timeout').toBeLessThan(3000);
    expect(offers, 'a device ignores the same offer again: none is sent').toEqual([]);
    expect(plain.outcomes).toMatchObject([
      { deviceId: 'g4', outcome: 'failed', code: 'SELFTEST_FAILED', verified: true, reason: expect.stringMatching(/^self-test vector 0: class 1, expected 2 \(its answer to an earlier offer of this package/) },
      { deviceId: 'g5', outcome: 'refused', code: 'OLDER_VERSION', verified: true },
    ]);
    // OLDER_VERSION answers a plain offer: a signed FORCE one is new to the device, so it is offered (and this ghost never answers).
    const forced = await offersDuring(() => deploy(seed, 'edgeml', pkg, { devices: ['g5'], timeoutMs: 800, withdrawMs: 1000, forceKeyPem: keys.privateKeyPem }));
    expect(forced.offers).toEqual(['edgeml/g5/ota/offer']);
    expect(forced.result.outcomes).toMatchObject([{ deviceId: 'g5', outcome: 'timeout' }]);
  });
});

describe('subscriptions the broker refuses', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
    const seed = await connectBroker(settingsOf(broker.url, 'seed'));
    await publishStatus(seed, 'g1', true, fakeModel('m', 1));
    await seed.endAsync();
    // An ACL that lets nobody read: SUBACK 0x80 for every filter.
    broker.aedes.authorizeSubscribe = (_client, _sub, callback) => callback(null, null);
  });
  afterAll(async () => { await broker?.close(); });

  it('fleet ls, deploy and a command to one device end with a sentence and exit 4, without hanging', async () => {
    const refused = /^edgeml: the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ refused the subscription to edgeml\/(\+\/status|g1\/rsp\/[\w-]+) \(does its access control let clients without a user name read these topics\?\)\n$/;
    const [ls, rollout, stats] = await Promise.all([
      edgemlAsync(['fleet', 'ls', '--broker', broker.url], { killAfterMs: 20_000 }),
      edgemlAsync(['deploy', file, '--devices', 'all', '--broker', broker.url], { killAfterMs: 20_000 }),
      edgemlAsync(['stats', '--device', 'g1', '--broker', broker.url], { killAfterMs: 20_000 }),
    ]);
    for (const r of [ls, rollout, stats]) {
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(refused);
    }
    expect(stats.stderr).toMatch(/subscription to edgeml\/g1\/rsp\//);
  });
});

describe('a password in the broker URL', () => {
  it('is shown as *** in fleet ls and in connection errors, which name the URL\'s user', async () => {
    const broker = await startBroker({ port: 0, users: new Map([['ops', 's3cret']]) });
    try {
      const withPassword = broker.url.replace('mqtt://', 'mqtt://ops:s3cret@');
      const ls = await edgemlAsync(['fleet', 'ls', '--broker', withPassword]);
      expect(ls.stderr).toBe('');
      expect(ls.stdout).toBe(`no devices under edgeml/ on ${broker.url.replace('mqtt://', 'mqtt://ops:***@')}\n`);
      const e = await connectBroker(settingsOf(broker.url.replace('mqtt://', 'mqtt://ops:wrong@'), 'bad')).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(BrokerError);
      expect((e as BrokerError).message).toBe(`the MQTT broker at ${broker.url.replace('mqtt://', 'mqtt://ops:***@')} refused the connection as user "ops": bad user name or password`);
    } finally {
      await broker.close();
    }
  });
});
