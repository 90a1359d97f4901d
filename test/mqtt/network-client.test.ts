// A command client on the network is not a cable (docs/mqtt-topics.md): over cmd/<client> the
// device refuses an unsigned FORCE (a downgrade takes a FORCE offer signed by the trusted key)
// and does not reveal the broker password, while the rest of the protocol works as on serial.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatus } from '../../firmware/core/fleet';
import { ErrorCode, FrameDecoder, MSG, NO_SLOT, decodeMessage, encodeMessage, type Message } from '../../firmware/core/protocol';
import { revealOverNetwork } from '../../firmware/app/mqtt/settings';
import { featurePackage, makeKeys, sha256 } from '../device/packages';
import { HostClient, type MqttDevice, type RunningBroker, startBroker, startDevice } from './support';

describe('revealOverNetwork', () => {
  it('hides the broker password and the password in a broker URL, and nothing else', () => {
    expect(revealOverNetwork('mqtt.password', 'hunter2')).toBeUndefined();
    expect(revealOverNetwork('mqtt.url', 'mqtts://dev:hunter2@broker.example:8883')).toBe('mqtts://dev:***@broker.example:8883');
    expect(revealOverNetwork('mqtt.url', 'mqtt://dev:p:w@host')).toBe('mqtt://dev:***@host');
    expect(revealOverNetwork('mqtt.url', 'mqtt://dev@host:1883')).toBe('mqtt://dev@host:1883');
    expect(revealOverNetwork('mqtt.url', 'mqtt://host:1883/path@x')).toBe('mqtt://host:1883/path@x');
    expect(revealOverNetwork('mqtt.username', 'dev')).toBe('dev');
    expect(revealOverNetwork('telemetry.ms', 1000)).toBe(1000);
  });
});

describe('command clients on the network', () => {
  const keys = makeKeys();
  let broker: RunningBroker;
  let host: HostClient;
  let dev: MqttDevice;
  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
    host = await HostClient.connect(broker.url, 'network-client-test');
    await host.subscribe('edgeml/#');
    dev = await startDevice(broker, 'dev-net', {
      trustedKey: keys.raw, model: featurePackage({ version: 2, signer: keys.signer }), config: { 'mqtt.username': 'dev', 'mqtt.password': 'hunter2' },
    });
    // Online (and so subscribed to its command topics): requests before that are lost.
    await host.until('online STATUS', () => host.on(dev.topics.status).some((h) => decodeStatus(h.payload).online));
  });
  afterAll(async () => {
    await dev?.device.close();
    await host?.close();
    await broker?.close();
  });

  /** Sends one request as `client` and waits for the response with its sequence number. */
  async function request(client: string, seq: number, frame: Uint8Array): Promise<Message> {
    await host.publish(dev.topics.cmd(client), frame);
    return host.until(`the answer to ${seq}`, () => {
      let answer: Message | undefined;
      const d = new FrameDecoder({ maxPayload: 0xffff, onFrame: (f) => { if (f.seq === seq && f.type !== MSG.LOG) answer = decodeMessage(f); } });
      for (const h of host.on(dev.topics.rsp(client))) d.push(h.payload);
      return answer;
    });
  }

  function errorCode(m: Message): number | undefined {
    return m.type === MSG.ERROR ? m.body.code : undefined;
  }

  it('refuses FORCE on MODEL_BEGIN and ACTIVATE with NOT_SUPPORTED; a plain MODEL_BEGIN of an older version is OLDER_VERSION', async () => {
    const older = featurePackage({ version: 1, signer: keys.signer });
    const begin = (seq: number, force: boolean) => encodeMessage(MSG.MODEL_BEGIN, seq, { size: older.length, sha256: sha256(older), modelVersion: 1, force, restart: false });
    expect(errorCode(await request('ops', 1, begin(1, true)))).toBe(ErrorCode.NOT_SUPPORTED);
    expect(errorCode(await request('ops', 2, begin(2, false)))).toBe(ErrorCode.OLDER_VERSION);
    expect(errorCode(await request('ops', 3, encodeMessage(MSG.ACTIVATE, 3, { slot: NO_SLOT, force: true })))).toBe(ErrorCode.NOT_SUPPORTED);
  });

  it('lists the configuration without the broker password, and refuses to read it by name', async () => {
    const list = await request('ops', 10, encodeMessage(MSG.CONFIG_GET, 10, { key: '' }));
    if (list.type !== MSG.CONFIG_VALUES) throw new Error(`not CONFIG_VALUES: ${list.type}`);
    const keys = list.body.entries.map((e) => e.key);
    expect(keys).toContain('mqtt.username');
    expect(keys).not.toContain('mqtt.password');
    expect(JSON.stringify(list.body.entries)).not.toContain('hunter2');
    expect(errorCode(await request('ops', 11, encodeMessage(MSG.CONFIG_GET, 11, { key: 'mqtt.password' })))).toBe(ErrorCode.NOT_SUPPORTED);
    // Setting it works as on serial; the answer does not echo it.
    const set = await request('ops', 12, encodeMessage(MSG.CONFIG_SET, 12, { key: 'mqtt.password', value: { type: 'string', value: 'hunter3' } }));
    if (set.type !== MSG.CONFIG_SET_VALUES) throw new Error(`not CONFIG_SET_VALUES: ${set.type}`);
    expect(set.body.entries[0]).toMatchObject({ key: 'mqtt.password' });
    expect(JSON.stringify(set.body.entries)).not.toContain('hunter3');
  });
});
