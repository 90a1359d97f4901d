// XS side of a simulated device: the handlers the Node host (simulated-device.ts) calls, around
// an application built by `factory` over the bridge platform (xs-platform.ts). xs-entry.ts binds
// the real firmware application; tests bind small applications of their own.
import type { Platform } from '../../firmware/platform/interfaces';
import { registerHandlers } from '../xs/host-api';
import { ADVANCE_HEADER, type BootOptions, OutputFlag, decodeUtf8, encodeUtf8 } from './protocol';
import { XsSimPlatform } from './xs-platform';

export interface SimApplication {
  start(): void;
  stop(): void;
}

export type ApplicationFactory = (platform: Platform, options: Record<string, unknown> | undefined) => SimApplication;

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export function registerDevice(factory: ApplicationFactory): void {
  let platform: XsSimPlatform | undefined;
  let app: SimApplication | undefined;

  function booted(): XsSimPlatform {
    if (!platform) throw new RangeError('the device has not booted');
    return platform;
  }

  registerHandlers({
    boot(payload) {
      if (platform) throw new RangeError('the device has already booted');
      const options = JSON.parse(decodeUtf8(payload)) as BootOptions;
      const p = new XsSimPlatform(options);
      platform = p;
      let flags = 0;
      try {
        app = factory(p, options.options);
        app.start();
      } catch (e) {
        p.log(`uncaught ${describe(e)}`);
        flags |= OutputFlag.THREW;
      }
      return p.output(flags);
    },

    advance(payload) {
      const p = booted();
      const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      const time = v.getFloat64(0, true);
      const count = v.getUint32(8, true);
      const first = v.getFloat64(12, true);
      const interval = v.getFloat64(20, true);
      p.setHeap(v.getUint32(28, true), v.getUint32(32, true));
      const sampleBytes = count * p.sensor.axes * 2;
      const samples = new Int16Array(count * p.sensor.axes);
      for (let i = 0; i < samples.length; i++) samples[i] = v.getInt16(ADVANCE_HEADER + 2 * i, true);
      const serial = payload.subarray(ADVANCE_HEADER + sampleBytes);
      let flags = 0;
      try {
        p.network.poll();
        p.receive(serial.slice());
        p.advance(time, samples, count, first, interval);
      } catch (e) {
        p.log(`uncaught ${describe(e)}`);
        flags |= OutputFlag.THREW;
      }
      return p.output(flags);
    },

    stop() {
      app?.stop();
      return booted().output();
    },

    stats() {
      const p = booted();
      p.stats.now = p.clock.now();
      p.stats.timers = p.clock.pending;
      return encodeUtf8(JSON.stringify(p.stats));
    },
  });
}
