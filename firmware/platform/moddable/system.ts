// System on Moddable: restart through the ECMA-419 host's System.restart (esp_restart on ESP32;
// the global comes from the io manifest's "system" module), free memory from `instrumentation`
// ("System Free Memory": only instrumented builds, -d or -i, count it; undefined otherwise),
// log through trace (xsbug in a -d build, nowhere in a release build).
import Instrumentation from 'instrumentation';
import type { System as SystemInterface } from '../interfaces';

export class ModdableSystem implements SystemInterface {
  #freeMemory = Instrumentation.map('System Free Memory');

  restart(): void {
    globalThis.System.restart();
  }

  freeMemory(): number | undefined {
    if (this.#freeMemory === undefined) return undefined;
    const bytes = Instrumentation.get(this.#freeMemory);
    return typeof bytes === 'number' && bytes > 0 ? bytes : undefined;
  }

  log(message: string): void {
    trace(`${message}\n`);
  }
}
