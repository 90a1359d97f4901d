// A simulated device (the real firmware in XS) on the embedded broker: its retained online
// STATUS carries its INFO; a power cut makes the broker publish the offline STATUS of its last
// will, and the rebooted firmware comes back online; commands over cmd/rsp run through the
// protocol server; oversized messages are dropped and counted and the device keeps answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatus } from '../../firmware/core/fleet';
import { FrameDecoder, MSG, PROTOCOL_COUNTERS, type ProtocolCounterName, activeModelOf, decodeMessage, encodeMessage, type Message } from '../../firmware/core/protocol';
import { featurePackage, makeKeys } from '../device/packages';
import { HostClient, type MqttDevice, type RunningBroker, startBroker, startDevice } from './support';

let broker: RunningBroker;
let host: HostClient;
let dev: MqttDevice;
const keys = makeKeys();

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  host = await HostClient.connect(broker.url, 'status-test');
  await host.subscribe('edgeml/#');
  dev = await startDevice(broker, 'dev-status', { trustedKey: keys.raw, model: featurePackage({ version: 1, signer: keys.signer }) });
});
afterAll(async () => {
  await dev?.device.close();
  await host?.close();
  await broker?.close();
});

function responses(heard: { payload: Buffer }[]): Message[] {
  const out: Message[] = [];
  const d = new FrameDecoder({ maxPayload: 0xffff, onFrame: (f) => out.push(decodeMessage(f)) });
  for (const h of heard) d.push(h.payload);
  return out;
}

describe('device STATUS and commands over MQTT', () => {
  it('publishes a retained online STATUS with its INFO', async () => {
    const { topics } = dev;
    const status = await host.until('online STATUS with the model', () => {
      const last = host.on(topics.status).at(-1);
      const s = last && decodeStatus(last.payload);
      return s && s.online && s.info && activeModelOf(s.info) ? s : undefined;
    });
    expect(status.info!.deviceId).toBe('dev-status');
    expect(activeModelOf(status.info!)!.name).toBe('vibration-v1');
    expect(status.info!.maxPayload).toBeLessThanOrEqual(4096);
    // A late subscriber gets it from the broker (retained).
    const late = await HostClient.connect(broker.url, 'late');
    await late.subscribe(topics.status);
    const got = await late.until('retained STATUS', () => late.on(topics.status)[0]);
    expect(decodeStatus(got.payload).online).toBe(true);
    await late.close();
  });

  it('answers HELLO with INFO and STATS with STATS_REPORT on rsp/<client>', async () => {
    const { topics } = dev;
    await host.publish(topics.cmd('host1'), encodeMessage(MSG.HELLO, 7, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 4096 }));
    await host.publish(topics.cmd('host1'), encodeMessage(MSG.STATS, 8, { reset: false }));
    const got = await host.until('INFO and STATS_REPORT', () => {
      const m = responses(host.on(topics.rsp('host1'))).filter((r) => r.type !== MSG.LOG);
      return m.length >= 2 ? m : undefined;
    });
    expect(got.map((m) => m.type)).toEqual([MSG.INFO, MSG.STATS_REPORT]);
    const info = got[0]!.body as { deviceId: string };
    expect(info.deviceId).toBe('dev-status');
    // The counters are this client's server's: its two frames in, and what it sent before
    // the STATS_REPORT (INFO, and any LOG).
    const all = responses(host.on(topics.rsp('host1')));
    const at = all.findIndex((m) => m.type === MSG.STATS_REPORT);
    const report = all[at]!;
    if (report.type !== MSG.STATS_REPORT) throw new Error('not a STATS_REPORT');
    const counter = (name: ProtocolCounterName) => report.body.counters[PROTOCOL_COUNTERS.indexOf(name)];
    expect(report.body.counters).toHaveLength(PROTOCOL_COUNTERS.length);
    expect(counter('framesIn')).toBe(2);
    expect(counter('framesOut')).toBe(at);
  });

  it('drops and counts a message larger than maxMessage, and keeps answering', async () => {
    const { topics, device } = dev;
    const before = device.mqtt!.stats.dropped;
    await host.publish(topics.cmd('host2'), new Uint8Array(5000).fill(1));
    await host.until('the drop', () => device.mqtt!.stats.dropped > before);
    await host.publish(topics.cmd('host2'), encodeMessage(MSG.HELLO, 1, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 4096 }));
    await host.until('INFO after the drop', () => responses(host.on(topics.rsp('host2'))).some((m) => m.type === MSG.INFO));
  });

  it('serves the two most recent clients: a third ends the STREAM of the least recent one', async () => {
    const { topics } = dev;
    const hello = encodeMessage(MSG.HELLO, 1, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 4096 });
    const results = () => responses(host.on(topics.rsp('streamer'))).filter((m) => m.type === MSG.RESULT).length;
    await host.publish(topics.cmd('streamer'), encodeMessage(MSG.STREAM, 1, { enabled: true, includeScores: false }));
    await host.until('RESULT events', () => results() >= 2);
    await host.publish(topics.cmd('second'), hello);
    await host.until('the second client served', () => host.on(topics.rsp('second')).length > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(results()).toBeGreaterThan(2); // two clients: the stream goes on
    await host.publish(topics.cmd('third'), hello);
    await host.until('the third client served', () => host.on(topics.rsp('third')).length > 0);
    await new Promise((r) => setTimeout(r, 100));
    const stopped = results();
    await new Promise((r) => setTimeout(r, 600));
    expect(results()).toBe(stopped);
  });

  it('a power cut makes the broker publish the offline STATUS; the rebooted firmware comes back online', async () => {
    const { topics, device } = dev;
    const mark = host.on(topics.status).length;
    const boots = device.boots;
    // The power goes at the next flash write: the state record of an upload MODEL_BEGIN opens.
    device.cutPowerAfter(0);
    await host.publish(topics.cmd('host1'), encodeMessage(MSG.MODEL_BEGIN, 9, { size: 100, sha256: new Uint8Array(32).fill(3), modelVersion: 9, force: false, restart: false }));
    const statuses = await host.until('offline then online', () => {
      const s = host.on(topics.status).slice(mark).map((h) => decodeStatus(h.payload));
      const off = s.findIndex((x) => !x.online);
      return off >= 0 && s.slice(off + 1).some((x) => x.online) ? s : undefined;
    });
    expect(device.boots).toBeGreaterThan(boots);
    const off = statuses.find((x) => !x.online)!;
    expect(off.info).toBeUndefined();
  });
});
