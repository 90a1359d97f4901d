// System on Moddable: restart through the ECMA-419 host's System.restart (esp_restart on ESP32;
// the global comes from the io manifest's "system" module), free memory from `instrumentation`
// ("System Free Memory": only instrumented builds, -d or -i, count it; undefined otherwise),
// log through trace (xsbug in a -d build, nowhere in a release build). Heap figures from the
// same module: "XS Slot Heap Used" + "XS Chunk Heap Used" (the machine's currentHeapCount ×
// sizeof(txSlot) and currentChunksSize: the SDK's xs/platforms/mc/xsHosts.c) is the heap in use;
// the instrumentation has no peak, so the peak is the largest sum read here (the Device reads it
// after each inference and at each STATS). Only instrumented builds count them: undefined
// otherwise. XS on the board does not meter computrons: no computrons().
import Instrumentation from 'instrumentation';
import type { HeapFigures, System as SystemInterface } from '../interfaces';

export class ModdableSystem implements SystemInterface {
  #freeMemory = Instrumentation.map('System Free Memory');
  #slotHeap = Instrumentation.map('XS Slot Heap Used');
  #chunkHeap = Instrumentation.map('XS Chunk Heap Used');
  #heapPeak = 0;

  restart(): void {
    globalThis.System.restart();
  }

  freeMemory(): number | undefined {
    if (this.#freeMemory === undefined) return undefined;
    const bytes = Instrumentation.get(this.#freeMemory);
    return typeof bytes === 'number' && bytes > 0 ? bytes : undefined;
  }

  heap(): HeapFigures | undefined {
    if (this.#slotHeap === undefined || this.#chunkHeap === undefined) return undefined;
    const slots = Instrumentation.get(this.#slotHeap);
    const chunks = Instrumentation.get(this.#chunkHeap);
    if (typeof slots !== 'number' || typeof chunks !== 'number' || slots + chunks <= 0) return undefined;
    const used = slots + chunks;
    if (used > this.#heapPeak) this.#heapPeak = used;
    return { used, peak: this.#heapPeak };
  }

  log(message: string): void {
    trace(`${message}\n`);
  }
}
