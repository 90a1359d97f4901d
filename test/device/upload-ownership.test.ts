// One model store, several uploaders (a serial host, MQTT command clients, the OTA downloader):
// an active protocol upload keeps an offer out (BUSY); an idle one is taken over; and a client
// whose upload was taken over gets NO_SESSION, its chunks never written into another upload.
import { describe, expect, it } from 'vitest';
import { OtaDownloader, PROTOCOL_UPLOAD_IDLE_MS } from '../../firmware/app/mqtt/ota';
import { agentSettings } from '../../firmware/app/mqtt/settings';
import { OtaPhase, decodeChunkRequest, decodeOtaState, encodeOffer, type OtaState } from '../../firmware/core/fleet';
import { ErrorCode, MSG } from '../../firmware/core/protocol/index';
import { startDevice, testPlatform } from './harness';
import { featurePackage, makeKeys, sha256 } from './packages';

const keys = makeKeys();

describe('uploads of a protocol client and of the OTA downloader', () => {
  it('BUSY while the client is active, taken over once it is idle; the client then gets NO_SESSION', () => {
    const { platform, device, host } = startDevice(testPlatform({ trustedKey: keys.raw }));
    const states: OtaState[] = [];
    const requests: number[] = [];
    const ota = new OtaDownloader(device, agentSettings(platform.config, 'dev'), {
      publishState: (p) => states.push(decodeOtaState(p)),
      requestChunk: (p) => requests.push(decodeChunkRequest(p).offset),
    }, 4096);

    const serial = featurePackage({ version: 2, signer: keys.signer });
    const offered = featurePackage({ version: 3, signer: keys.signer });
    host.call(MSG.MODEL_BEGIN, { size: serial.length, sha256: sha256(serial), modelVersion: 2, force: false, restart: false }, MSG.MODEL_BEGIN_ACK);
    host.call(MSG.MODEL_CHUNK, { offset: 0, data: serial.subarray(0, 100) }, MSG.MODEL_CHUNK_ACK);
    const offer = encodeOffer({ size: offered.length, modelVersion: 3, sha256: sha256(offered) });

    platform.clock.advance(PROTOCOL_UPLOAD_IDLE_MS - 1000);
    ota.onOffer(offer);
    expect(states.at(-1)).toMatchObject({ phase: OtaPhase.REFUSED, code: ErrorCode.BUSY });
    expect(requests).toHaveLength(0);

    platform.clock.advance(2000);
    ota.onOffer(offer); // BUSY is not remembered: the offer again, now taken
    expect(states.at(-1)).toMatchObject({ phase: OtaPhase.DOWNLOADING, code: ErrorCode.OK, held: 0 });
    expect(requests).toEqual([0]);
    expect(Buffer.from(device.store.upload!.sha256)).toEqual(Buffer.from(sha256(offered)));

    // The serial host comes back: its chunk is refused, not written into the offered package.
    expect(host.errorOf(MSG.MODEL_CHUNK, { offset: 100, data: serial.subarray(100, 200) })).toBe(ErrorCode.NO_SESSION);
    expect(host.errorOf(MSG.MODEL_END, {})).toBe(ErrorCode.NO_SESSION);
    expect(device.store.upload!.written).toBe(0);
    ota.stop();
  });
});
