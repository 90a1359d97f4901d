// The real firmware (firmware/app/device) in XS through the simulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FrameDecoder, MSG, type Message, PROTOCOL_VERSION, decodeMessage, encodeMessage,
} from '../../firmware/core/protocol';
import { SimulatedDevice } from '../../sim/device/simulated-device';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'edgeml-simdev-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function host(device: SimulatedDevice) {
  const received: Message[] = [];
  const decoder = new FrameDecoder({ maxPayload: 0xffff, onFrame: (f) => received.push(decodeMessage(f)) });
  device.serial.onData((b) => decoder.push(b));
  return received;
}

describe('simulated device running the real firmware', () => {
  it('boots with no model and answers HELLO over the in-process serial; meter figures per crank', async () => {
    const device = await SimulatedDevice.start({ id: 'sim-hello', dir: path.join(dir, 'a') });
    try {
      expect(device.logs.join('\n')).toMatch(/edgeml: .*/);
      const received = host(device);
      await device.advance(50);
      received.length = 0;
      device.serial.write(encodeMessage(MSG.HELLO, 1, { protocolVersion: PROTOCOL_VERSION, minProtocolVersion: 1, maxPayload: 4160 }));
      await device.poll();
      const info = received.find((m) => m.type === MSG.INFO);
      expect(info, JSON.stringify(received)).toBeDefined();
      const body = info!.body as unknown as Record<string, unknown>;
      expect(body.deviceId).toBe('sim-hello');
      expect(body.activeSlot).toBe(255); // no model
      expect(device.logs.some((l) => /no model/.test(l))).toBe(true);
      const m = device.lastMeter!;
      expect(m.compute).toBeGreaterThan(0);
      expect(m.heapCount).toBeGreaterThan(0);
      expect(device.cranks.every((c) => c.meter.compute > 0)).toBe(true);
    } finally {
      await device.close();
    }
  });
});
