// OTA over MQTT with the real firmware in XS: a minimal chunk server (the test's own few lines)
// answers the device's CHUNK_REQUESTs; the device downloads, verifies and activates, and
// STATUS shows the new version; a restart mid-transfer resumes from the held offset and
// activates once; malformed, unsigned, older and forced offers get the documented answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtaPhase, decodeOtaState, decodeStatus, type OtaState } from '../../firmware/core/fleet';
import { ErrorCode, MSG, SlotState, activeModelOf, encodeMessage } from '../../firmware/core/protocol';
import { featurePackage, makeKeys, sha256 } from '../device/packages';
import { HostClient, type MqttDevice, type RunningBroker, offerOf, serveChunks, startBroker, startDevice } from './support';

const keys = makeKeys();
const v1 = featurePackage({ version: 1, signer: keys.signer });
const v2 = featurePackage({ version: 2, signer: keys.signer });
const v3 = featurePackage({ version: 3, signer: keys.signer });
let broker: RunningBroker;
let host: HostClient;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  host = await HostClient.connect(broker.url, 'ota-test');
  await host.subscribe('edgeml/#');
});
afterAll(async () => {
  await host?.close();
  await broker?.close();
});

/** The OTA_STATEs heard for `pkg` since `mark`. */
function states(dev: MqttDevice, pkg: Uint8Array, mark = 0): OtaState[] {
  const hash = Buffer.from(sha256(pkg));
  return host.on(dev.topics.otaState).slice(mark).map((h) => decodeOtaState(h.payload)).filter((s) => hash.equals(s.sha256));
}

function final(dev: MqttDevice, pkg: Uint8Array, mark = 0): Promise<OtaState> {
  return host.until('an outcome', () => states(dev, pkg, mark).find((s) => s.phase !== OtaPhase.DOWNLOADING));
}

function activeVersion(dev: MqttDevice): number | undefined {
  const last = host.on(dev.topics.status).at(-1);
  const info = last ? decodeStatus(last.payload).info : undefined;
  return info ? activeModelOf(info)?.modelVersion : undefined;
}

describe('OTA update over MQTT', () => {
  let dev: MqttDevice;
  beforeAll(async () => { dev = await startDevice(broker, 'dev-ota', { trustedKey: keys.raw, model: v1, config: { 'ota.chunk': 200 } }); });
  afterAll(async () => { await dev?.device.close(); });

  it('downloads, verifies and activates a newer package; STATUS shows the new version; a repeated offer changes nothing', async () => {
    const server = serveChunks(host, dev.topics, v2);
    await host.publish(dev.topics.offer, offerOf(v2, 2), true);
    const outcome = await final(dev, v2);
    expect(outcome).toMatchObject({ phase: OtaPhase.ACTIVATED, code: ErrorCode.OK, held: v2.length, size: v2.length, activeVersion: 2 });
    expect(server.requests.slice(0, 4)).toEqual([0, 200, 400, 600]);
    await host.until('STATUS with v2', () => activeVersion(dev) === 2);
    const progress = states(dev, v2).filter((s) => s.phase === OtaPhase.DOWNLOADING);
    expect(progress[0]).toMatchObject({ held: 0, code: ErrorCode.OK });

    // The same offer again (a host repeating itself): ACTIVATED at once, no download, no activation.
    const mark = host.on(dev.topics.otaState).length;
    const requests = server.requests.length;
    await host.publish(dev.topics.offer, new Uint8Array(0), true);
    await host.publish(dev.topics.offer, offerOf(v2, 2), true);
    expect(await final(dev, v2, mark)).toMatchObject({ phase: OtaPhase.ACTIVATED, message: 'already active' });
    expect(server.requests.length).toBe(requests);
    server.stop();
    await host.publish(dev.topics.offer, new Uint8Array(0), true);
  });

  it('refuses a truncated offer (BAD_ARGUMENT), an older version (OLDER_VERSION) and a FORCE without a valid signature', async () => {
    const t = dev.topics;
    let mark = host.on(t.otaState).length;
    await host.publish(t.offer, offerOf(v3, 3).subarray(0, 40), true);
    const truncated = await host.until('REFUSED', () => host.on(t.otaState).slice(mark).map((h) => decodeOtaState(h.payload))[0]);
    expect(truncated).toMatchObject({ phase: OtaPhase.REFUSED, code: ErrorCode.BAD_ARGUMENT });

    mark = host.on(t.otaState).length;
    await host.publish(t.offer, offerOf(v1, 1), true);
    expect(await final(dev, v1, mark)).toMatchObject({ phase: OtaPhase.REFUSED, code: ErrorCode.OLDER_VERSION, activeVersion: 2 });

    const stranger = makeKeys();
    const v0 = featurePackage({ version: 0, signer: keys.signer, name: 'v0' });
    mark = host.on(t.otaState).length;
    await host.publish(t.offer, offerOf(v0, 0, stranger.signer), true);
    expect(await final(dev, v0, mark)).toMatchObject({ phase: OtaPhase.REFUSED, code: ErrorCode.BAD_SIGNATURE, activeVersion: 2 });
    await host.publish(t.offer, new Uint8Array(0), true);
    expect(activeVersion(dev)).toBe(2);
  });

  it('a FORCE offer signed by the trusted key rolls back to an older package', async () => {
    const t = dev.topics;
    const server = serveChunks(host, t, v1);
    const mark = host.on(t.otaState).length;
    await host.publish(t.offer, offerOf(v1, 1, keys.signer), true);
    expect(await final(dev, v1, mark)).toMatchObject({ phase: OtaPhase.ACTIVATED, activeVersion: 1 });
    await host.until('STATUS with v1', () => activeVersion(dev) === 1);
    server.stop();
    await host.publish(t.offer, new Uint8Array(0), true);
  });

  it('an unsigned package fails verification (BAD_SIGNATURE); the old model keeps running', async () => {
    const t = dev.topics;
    const unsigned = featurePackage({ version: 5 });
    const server = serveChunks(host, t, unsigned);
    const mark = host.on(t.otaState).length;
    await host.publish(t.offer, offerOf(unsigned, 5), true);
    expect(await final(dev, unsigned, mark)).toMatchObject({ phase: OtaPhase.FAILED, code: ErrorCode.BAD_SIGNATURE, held: unsigned.length, activeVersion: 1 });
    server.stop();
    await host.publish(t.offer, new Uint8Array(0), true);
    const info = decodeStatus(host.on(t.status).at(-1)!.payload).info!;
    expect(activeModelOf(info)?.modelVersion).toBe(1);
  });


  it('refuses an offer while an upload over the protocol is open (BUSY)', async () => {
    const t = dev.topics;
    await host.publish(t.cmd('flasher'), encodeMessage(MSG.MODEL_BEGIN, 1, { size: v3.length, sha256: sha256(v3), modelVersion: 3, force: false, restart: false }));
    await host.until('MODEL_BEGIN_ACK', () => host.on(t.rsp('flasher')).length > 0);
    const v4 = featurePackage({ version: 4, signer: keys.signer });
    const mark = host.on(t.otaState).length;
    await host.publish(t.offer, offerOf(v4, 4), true);
    expect(await final(dev, v4, mark)).toMatchObject({ phase: OtaPhase.REFUSED, code: ErrorCode.BUSY, activeVersion: 1 });
    await host.publish(t.offer, new Uint8Array(0), true);
  });
});

describe('OTA resume', () => {
  it('a withdrawn offer stops the requests and keeps the held prefix; offered again, the download continues', async () => {
    const dev = await startDevice(broker, 'dev-withdraw', { trustedKey: keys.raw, model: v1, blockSize: 256, config: { 'ota.chunk': 64, 'ota.retryMs': 300 } });
    try {
      const t = dev.topics;
      let holding = true;
      const server = serveChunks(host, t, v2, (offset) => holding && offset >= 320);
      await host.publish(t.offer, offerOf(v2, 2), true);
      await host.until('the download to reach 320', () => server.requests.includes(320));
      await host.publish(t.offer, new Uint8Array(0), true);
      await new Promise((r) => setTimeout(r, 400)); // the withdrawal arrives; a retry would be due
      const stopped = server.requests.length;
      await new Promise((r) => setTimeout(r, 900));
      expect(server.requests.length).toBe(stopped);
      holding = false;
      await host.publish(t.offer, offerOf(v2, 2), true);
      expect(await final(dev, v2)).toMatchObject({ phase: OtaPhase.ACTIVATED, activeVersion: 2 });
      expect(server.requests[stopped]).toBe(320);
      server.stop();
      await host.publish(t.offer, new Uint8Array(0), true);
    } finally {
      await dev.device.close();
    }
  });


  it('a withdrawn download does not block the next package: its open upload is taken over', async () => {
    const dev = await startDevice(broker, 'dev-replace', { trustedKey: keys.raw, model: v1, blockSize: 256, config: { 'ota.chunk': 64, 'ota.retryMs': 300 } });
    try {
      const t = dev.topics;
      const stalled = serveChunks(host, t, v2, (offset) => offset >= 320);
      await host.publish(t.offer, offerOf(v2, 2), true);
      await host.until('the download to reach 320', () => stalled.requests.includes(320));
      await host.publish(t.offer, new Uint8Array(0), true);
      const server = serveChunks(host, t, v3);
      await host.publish(t.offer, offerOf(v3, 3), true);
      expect(await final(dev, v3)).toMatchObject({ phase: OtaPhase.ACTIVATED, activeVersion: 3 });
      expect(server.requests[0]).toBe(0);
      stalled.stop();
      server.stop();
      await host.publish(t.offer, new Uint8Array(0), true);
    } finally {
      await dev.device.close();
    }
  });

  it('an offer withdrawn while the device was offline: after reconnecting it asks for nothing more', async () => {
    const dev = await startDevice(broker, 'dev-blip', { trustedKey: keys.raw, model: v1, blockSize: 256, config: { 'ota.chunk': 64, 'ota.retryMs': 200 } });
    try {
      const t = dev.topics;
      const server = serveChunks(host, t, v2, (offset) => offset >= 320);
      await host.publish(t.offer, offerOf(v2, 2), true);
      await host.until('the download to reach 320', () => server.requests.includes(320));
      const connects = dev.device.mqtt!.stats.connects;
      dev.device.mqtt!.interrupt();
      await host.publish(t.offer, new Uint8Array(0), true);
      await host.until('the device back online', () => dev.device.mqtt!.stats.connects > connects);
      await new Promise((r) => setTimeout(r, 300));
      const asked = server.requests.length;
      await new Promise((r) => setTimeout(r, 800)); // four retry periods
      expect(server.requests.length).toBe(asked);
      server.stop();
    } finally {
      await dev.device.close();
    }
  });

  it('after a restart mid-transfer the first request is past 0; the package is activated once', async () => {
    const dev = await startDevice(broker, 'dev-resume', { trustedKey: keys.raw, model: v1, blockSize: 256, config: { 'ota.chunk': 64 } });
    try {
      const t = dev.topics;
      let holding = true;
      const server = serveChunks(host, t, v2, (offset) => holding && offset >= 512);
      await host.publish(t.offer, offerOf(v2, 2), true);
      await host.until('the download to reach 512', () => server.requests.includes(512));
      const before = server.requests.length;
      await dev.device.reboot();
      holding = false;
      const outcome = await final(dev, v2);
      expect(outcome).toMatchObject({ phase: OtaPhase.ACTIVATED, activeVersion: 2 });
      const after = server.requests.slice(before);
      expect(after[0]).toBeGreaterThan(0);
      expect(after[0]! % 256).toBe(0);
      const resumed = states(dev, v2).filter((s) => s.phase === OtaPhase.DOWNLOADING && s.message === 'resumed');
      expect(resumed.length).toBeGreaterThan(0);
      expect(states(dev, v2).filter((s) => s.phase === OtaPhase.ACTIVATED)).toHaveLength(1);
      const info = await host.until('STATUS with v2', () => {
        const s = decodeStatus(host.on(t.status).at(-1)!.payload);
        return s.info && activeModelOf(s.info)?.modelVersion === 2 ? s.info : undefined;
      });
      expect(info.slots.filter((s) => s.state === SlotState.PREVIOUS).map((s) => s.modelVersion)).toEqual([1]);
      server.stop();
      await host.publish(t.offer, new Uint8Array(0), true);
    } finally {
      await dev.device.close();
    }
  });
});
