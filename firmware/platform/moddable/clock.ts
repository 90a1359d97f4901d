// Clock on Moddable: Time.microseconds (esp_timer, 64-bit, never wraps) when the build includes
// $(MODDABLE)/modules/base/microseconds, else Time.ticks (a signed 32-bit millisecond counter that
// wraps after 24.8 days) unwrapped here; timers are Moddable's Timer.
import Time from 'time';
import Timer from 'timer';
import type { Clock, TimerHandle } from '../interfaces';

export class ModdableClock implements Clock {
  #lastTicks: number;
  #elapsed: number;

  constructor() {
    this.#lastTicks = Time.ticks;
    this.#elapsed = this.#lastTicks >>> 0;
  }

  now(): number {
    const us = Time.microseconds;
    return us === undefined ? this.#ticks() : Math.floor(us / 1000);
  }

  micros(): number {
    const us = Time.microseconds;
    return us === undefined ? this.#ticks() * 1000 : us;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return Timer.set(() => callback(), checkDelay(ms, 0));
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    return Timer.repeat(() => callback(), checkDelay(ms, 1));
  }

  clear(handle: TimerHandle): void {
    Timer.clear(handle as Timer);
  }

  /** Milliseconds since boot from Time.ticks, unwrapped (call it at least every 49 days). */
  #ticks(): number {
    const ticks = Time.ticks;
    this.#elapsed += (ticks - this.#lastTicks) >>> 0;
    this.#lastTicks = ticks;
    return this.#elapsed;
  }
}

function checkDelay(ms: number, min: number): number {
  if (!(ms >= 0) || ms === Infinity) throw new RangeError(`bad timer delay: ${ms}`);
  return Math.max(min, Math.ceil(ms));
}
