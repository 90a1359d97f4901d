// XsRunner: bundles a TypeScript entry that calls registerHandlers() (sim/xs/host-api.ts),
// evaluates it in an XsWorker and calls its handlers by name.

import { bundleForXs, type BundleOptions } from '../../tools/bundle';
import { XsWorker, type Meter, type QueryHandler, type XsWorkerOptions } from './worker';

/** Size of one XS heap slot (txSlot in xsAll.h) on 64-bit hosts: next pointer (8) + kind/flag/ID
 * (8, mx32bitID) + txValue (16). */
export const XS_SLOT_BYTES = 32;

export interface XsRunnerOptions extends XsWorkerOptions {
  bundle?: BundleOptions;
  /** Answers XS's issueCommand(); default echo. */
  onQuery?: QueryHandler;
}

export interface AllocationMeasure {
  /** Heap slots the handler allocated beyond the dispatch baseline (median of the samples). */
  slots: number;
  /** slots × XS_SLOT_BYTES. */
  bytes: number;
  /** Every sample, in slots. */
  samples: number[];
}

/** A handler threw, or does not exist; `message` is the XS error ("RangeError: …"). */
export class XsHandlerError extends Error {
  override name = 'XsHandlerError';
  constructor(
    readonly handler: string,
    readonly xsMessage: string,
  ) {
    super(`${xsMessage} (in XS handler "${handler}")`);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

export class XsRunner {
  readonly worker: XsWorker;
  readonly entry: string;
  /** Names the entry registered (built-ins excluded). */
  readonly handlers: readonly string[];
  /** Meter of the evaluation of the bundle (compute, heap after load). */
  readonly loadMeter: Meter;

  private constructor(worker: XsWorker, entry: string, handlers: string[], loadMeter: Meter) {
    this.worker = worker;
    this.entry = entry;
    this.handlers = handlers;
    this.loadMeter = loadMeter;
  }

  static async start(entry: string, opts: XsRunnerOptions = {}): Promise<XsRunner> {
    const script = await bundleForXs(entry, opts.bundle);
    const worker = await XsWorker.start({ name: 'xs-runner', ...opts });
    if (opts.onQuery) worker.onQuery = opts.onQuery;
    try {
      const loadMeter = await worker.evaluate(script);
      const runner = new XsRunner(worker, entry, [], loadMeter);
      let names: string[];
      try {
        names = decoder.decode((await runner.call('__handlers')).reply).split(',').filter(Boolean);
      } catch (err) {
        throw new Error(`${entry} did not call registerHandlers() from sim/xs/host-api (${(err as Error).message})`);
      }
      return new XsRunner(worker, entry, names, loadMeter);
    } catch (err) {
      await worker.close();
      throw err;
    }
  }

  /** Calls handler `name` with `payload`; rejects with XsHandlerError if it throws in XS. */
  async call(name: string, payload: Uint8Array = EMPTY): Promise<{ reply: Uint8Array; meter: Meter }> {
    const nameBytes = encoder.encode(name);
    if (nameBytes.length > 255) throw new RangeError(`handler name longer than 255 bytes: ${name}`);
    const message = new Uint8Array(1 + nameBytes.length + payload.length);
    message[0] = nameBytes.length;
    message.set(nameBytes, 1);
    message.set(payload, 1 + nameBytes.length);
    const { reply, meter } = await this.worker.command(message);
    if (reply.length === 0) throw new Error(`handler "${name}" gave no reply: the XS handleCommand is not the one of host-api`);
    const body = reply.subarray(1);
    if (reply[0] === 0) return { reply: body, meter };
    throw new XsHandlerError(name, decoder.decode(body));
  }

  /**
   * Heap slots allocated by one call of handler `name` (XS slots: 32 bytes each on 64-bit),
   * garbage included. One sample:
   *
   *   __gc, __arm, __noop, __probe    baseline = noop.heapCount − arm.heapCount
   *   __gc, __arm, name,   __probe    figure   = call.heapCount − arm.heapCount − baseline
   *
   * `__noop` goes through the same dispatch (command buffer, views, reply, GC sentinel), so the
   * figure is what the handler itself allocates. The handler first runs through `warmup`
   * discarded samples (default 1) so one-time lazy setup is excluded; the result is the median
   * of `samples` samples (default 3; XS is deterministic, they normally agree).
   *
   * A garbage collection inside the measured crank would make heapCount drop and the figure
   * wrong: the probe detects it (a FinalizationRegistry sentinel made just before the handler
   * is collected in that crank) and then this rejects with a RangeError rather than report a
   * wrong figure. That happens when a call allocates more than the free heap (XS starts with
   * 256 K slots). Chunk memory (typed-array storage, string bodies, array item storage) is not
   * counted: XS meters report slots only.
   */
  async measureAllocation(
    name: string,
    payload: Uint8Array = EMPTY,
    opts: { warmup?: number; samples?: number } = {},
  ): Promise<AllocationMeasure> {
    const warmup = opts.warmup ?? 1;
    const count = opts.samples ?? 3;
    const samples: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const base = await this.#measureCall('__noop', payload);
      const run = await this.#measureCall(name, payload);
      if (base.collected || run.collected) {
        throw new RangeError(
          `cannot measure the allocation of "${name}": a garbage collection ran during the call ` +
            '(it allocates more slots than the free heap holds)',
        );
      }
      if (i >= warmup) samples.push(run.slots - base.slots);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const slots = sorted[Math.floor(sorted.length / 2)]!;
    return { slots, bytes: slots * XS_SLOT_BYTES, samples };
  }

  async #measureCall(name: string, payload: Uint8Array): Promise<{ slots: number; collected: boolean }> {
    await this.call('__gc');
    const armed = await this.call('__arm');
    const run = await this.call(name, payload);
    const probe = (await this.call('__probe')).reply[0];
    return { slots: run.meter.heapCount - armed.meter.heapCount, collected: probe === 1 };
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
