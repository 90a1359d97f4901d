// The embedded broker and the host's broker connection: routing, users, TLS, and the sentences
// a failed connection gives (unreachable, unknown host, silent server, bad credentials, bad TLS),
// against the embedded broker and a real Mosquitto.
import { createServer, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../host/broker/broker';
import { BrokerError, BrokerSettings, connectBroker } from '../../host/fleet/connect';
import { freePort, mosquittoMissing, startMosquitto } from '../support/mosquitto';
import { makeCertificates, TestCertificates } from './tls';

const settings = (url: string, extra: Partial<BrokerSettings> = {}): BrokerSettings => ({ url, prefix: 'edgeml', clientId: `t-${Math.random().toString(36).slice(2, 10)}`, ...extra });

async function refusal(s: BrokerSettings): Promise<BrokerError> {
  const e = await connectBroker(s).then(async (c) => { await c.endAsync(); return undefined; }, (err: unknown) => err);
  expect(e, 'the connection must fail').toBeInstanceOf(BrokerError);
  expect((e as BrokerError).exitCode).toBe(4);
  return e as BrokerError;
}

describe('embedded broker', () => {
  it('routes messages between clients, keeps retained ones, and counts the bytes clients publish', async () => {
    const broker = await startBroker({ port: 0 });
    try {
      const a = await connectBroker(settings(broker.url));
      await a.publishAsync('edgeml/d1/status', Buffer.from([1, 1, 0, 0]), { retain: true, qos: 1 });
      const b = await connectBroker(settings(broker.url));
      const got = new Promise<[string, Buffer]>((resolve) => b.on('message', (t, p) => resolve([t, p])));
      await b.subscribeAsync('edgeml/+/status');
      expect(await got).toEqual(['edgeml/d1/status', Buffer.from([1, 1, 0, 0])]);
      expect(broker.traffic).toEqual({ messages: 1, bytes: 'edgeml/d1/status'.length + 4 });
      await a.endAsync();
      await b.endAsync();
    } finally {
      await broker.close();
    }
  });

  it('with a user, lets that user in and refuses a wrong password with a sentence', async () => {
    const broker = await startBroker({ port: 0, users: new Map([['ops', 's3cret']]) });
    try {
      const ok = await connectBroker(settings(broker.url, { username: 'ops', password: 's3cret' }));
      await ok.endAsync();
      const e = await refusal(settings(broker.url, { username: 'ops', password: 'nope' }));
      expect(e.reason).toBe('credentials');
      expect(e.message).toMatch(/refused the connection as user "ops": bad user name or password/);
      expect((await refusal(settings(broker.url))).message).toMatch(/without a user name/);
    } finally {
      await broker.close();
    }
  });

  it('refuses a port already in use', async () => {
    const first = await startBroker({ port: 0 });
    try {
      await expect(startBroker({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});

describe('TLS', () => {
  let certs: TestCertificates;
  beforeAll(() => { certs = makeCertificates(); });
  afterAll(() => certs.remove());

  it('connects with the CA certificate and explains a failed handshake without it', async () => {
    const broker = await startBroker({ port: 0, tls: { cert: certs.cert, key: certs.key } });
    try {
      expect(broker.url).toMatch(/^mqtts:\/\//);
      const ok = await connectBroker(settings(broker.url, { ca: certs.ca }));
      await ok.endAsync();
      const e = await refusal(settings(broker.url));
      expect(e.reason).toBe('tls');
      expect(e.message).toMatch(/TLS with the MQTT broker at mqtts:\/\/127\.0\.0\.1:\d+ failed: .*--ca/);
      const plain = await refusal(settings(broker.url.replace('mqtts:', 'mqtt:'), { connectTimeoutMs: 1500 }));
      expect(plain.message).toMatch(/mqtt:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await broker.close();
    }
  });
});

describe('connection failures are sentences with exit code 4', () => {
  it('nothing listening', async () => {
    const port = await freePort();
    const e = await refusal(settings(`mqtt://127.0.0.1:${port}`));
    expect(e.message).toBe(`cannot reach the MQTT broker at mqtt://127.0.0.1:${port}: connection refused (is a broker running there? \`edgeml broker\` starts one)`);
  });

  it('unknown host', async () => {
    const e = await refusal(settings('mqtt://no-such-host.invalid:1883'));
    expect(e.message).toMatch(/no such host "no-such-host\.invalid"/);
  });

  it('a server that accepts and never answers: the connect timeout, not a hang', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const e = await refusal(settings(`mqtt://127.0.0.1:${port}`, { connectTimeoutMs: 800 }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(e.reason).toBe('timeout');
    expect(e.message).toMatch(/did not answer within 0\.8 s/);
    for (const s of sockets) s.destroy();
    silent.close();
  });
});

describe.skipIf(mosquittoMissing())(`Mosquitto ${mosquittoMissing() ?? ''}`, () => {
  it('lets the password-file user in and refuses a wrong password', async () => {
    const m = await startMosquitto();
    try {
      const ok = await connectBroker(settings(m.url, { username: m.username, password: m.password }));
      await ok.endAsync();
      const e = await refusal(settings(m.url, { username: m.username, password: 'wrong' }));
      expect(e.reason).toBe('credentials');
      expect(e.message).toMatch(/refused the connection as user "fleet": not authorized/);
    } finally {
      await m.stop();
    }
  });
});
