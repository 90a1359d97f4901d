import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetstringDecoder, NetstringError, encodeNetstring } from '../../sim/xs/netstring';
import { XS_SLOT_BYTES, XsHandlerError, XsRunner } from '../../sim/xs/runner';
import { XsError, XsExitError, XsWorker } from '../../sim/xs/worker';
import { bundleForXs } from '../../tools/bundle';

const here = path.dirname(fileURLToPath(import.meta.url));
const ECHO_ENTRY = path.join(here, 'fixtures/echo-entry.ts');
const te = new TextEncoder();
const td = new TextDecoder();

function allBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >> 8)) & 0xff;
  return out;
}

describe('netstring', () => {
  it('encodes', () => {
    expect(td.decode(encodeNetstring(te.encode('hello')))).toBe('5:hello,');
    expect(td.decode(encodeNetstring())).toBe('0:,');
    expect(td.decode(encodeNetstring(te.encode('ab'), te.encode('c')))).toBe('3:abc,');
  });

  it('decodes messages split at every byte boundary', () => {
    const stream = te.encode('5:hello,0:,12:hello world!,');
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new NetstringDecoder();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))].map((m) => td.decode(m));
      expect(got).toEqual(['hello', '', 'hello world!']);
      expect(d.pending).toBe(0);
    }
  });

  it('decodes byte by byte and merged chunks of binary data', () => {
    const payload = allBytes(1000);
    const stream = new Uint8Array([...encodeNetstring(payload), ...encodeNetstring(payload.subarray(0, 3))]);
    const d = new NetstringDecoder();
    const got: Uint8Array[] = [];
    for (const b of stream) got.push(...d.push(new Uint8Array([b])));
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual(payload);
    expect(got[1]).toEqual(payload.subarray(0, 3));
    expect(new NetstringDecoder().push(stream)).toHaveLength(2);
  });

  it.each([
    ['a non-digit length', 'x:abc,'],
    ['an empty length', ':abc,'],
    ['a leading zero', '03:abc,'],
    ['a missing comma', '3:abcd'],
    ['a negative length', '-1:,'],
  ])('rejects %s', (_what, text) => {
    const d = new NetstringDecoder();
    expect(() => d.push(te.encode(text))).toThrow(NetstringError);
    expect(() => d.push(te.encode('0:,'))).toThrow(/malformed netstring/); // stays failed
  });

  it('rejects a length over the limit before the body arrives', () => {
    expect(() => new NetstringDecoder({ maxLength: 10 }).push(te.encode('11:'))).toThrow(/limit/);
  });
});

describe('XsWorker', () => {
  let worker: XsWorker;
  beforeAll(async () => {
    worker = await XsWorker.start({ name: 'test-worker', stdout: 'pipe' });
    await worker.evaluate(`
      globalThis.handleCommand = (buffer) => {
        const a = new Uint8Array(buffer);
        if (a[0] === 0x51) return issueCommand(buffer.slice(1)); // 'Q': round trip through Node
        const out = new Uint8Array(a.length);
        for (let i = 0; i < a.length; i++) out[i] = a[a.length - 1 - i];
        return out.buffer;
      };
      globalThis.work = (n) => { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) | 0; return s; };
    `);
  });
  afterAll(() => worker.close());

  it('round-trips 64 KB of arbitrary bytes (all 256 values) through handleCommand', async () => {
    const payload = allBytes(64 * 1024);
    const { reply, meter } = await worker.command(payload);
    expect(reply).toEqual(payload.slice().reverse());
    expect(meter.compute).toBeGreaterThan(0);
    expect(meter.heapCount).toBeGreaterThan(0);
    expect(meter.allocate).toBeGreaterThan(0);
    expect(new Set(payload).size).toBe(256);
  });

  it('round-trips a 4 MB message', async () => {
    const payload = allBytes(4 * 1024 * 1024);
    const { reply } = await worker.command(payload);
    expect(reply.length).toBe(payload.length);
    expect(Buffer.from(reply).equals(Buffer.from(payload.slice().reverse()))).toBe(true);
  });

  it('answers XS queries (issueCommand) through onQuery', async () => {
    worker.onQuery = (bytes) => bytes.map((b) => b ^ 0xff);
    try {
      const payload = allBytes(300);
      const { reply } = await worker.command(new Uint8Array([0x51, ...payload]));
      expect(reply).toEqual(payload.map((b) => b ^ 0xff));
    } finally {
      worker.onQuery = (bytes) => bytes;
    }
  });

  it('an exception thrown in onQuery rejects the call and keeps the worker', async () => {
    worker.onQuery = () => {
      throw new Error('query refused');
    };
    try {
      await expect(worker.command(new Uint8Array([0x51, 1]))).rejects.toThrow('query refused');
    } finally {
      worker.onQuery = (bytes) => bytes;
    }
    expect((await worker.command(new Uint8Array([1, 2]))).reply).toEqual(new Uint8Array([2, 1]));
  });

  it('meters compute deterministically, growing with work', async () => {
    const a = await worker.evaluate('work(1000)');
    const b = await worker.evaluate('work(1000)');
    const c = await worker.evaluate('work(10000)');
    expect(b.compute).toBe(a.compute);
    expect(c.compute).toBeGreaterThan(a.compute * 5);
  });

  it('print() output can be collected', async () => {
    worker.readOutput();
    await worker.evaluate('print("hello from XS", 42)');
    expect(worker.readOutput()).toBe('hello from XS 42\n');
  });

  it('serializes concurrent requests', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => worker.command(new Uint8Array([i, 255 - i]))),
    );
    results.forEach((r, i) => expect(r.reply).toEqual(new Uint8Array([255 - i, i])));
  });

  it('rejects with the XS message on an exception and stays usable', async () => {
    await expect(worker.evaluate('throw new RangeError("boom in XS")')).rejects.toThrow(XsError);
    await expect(worker.evaluate('null.x')).rejects.toThrow(/TypeError/);
    await expect(worker.evaluate('throw new RangeError("boom in XS")')).rejects.toThrow('RangeError: boom in XS');
    expect((await worker.command(new Uint8Array([9, 8]))).reply).toEqual(new Uint8Array([8, 9]));
    expect(worker.exited).toBe(false);
  });

  it('rejects a call in flight, and later ones, when the engine is killed', async () => {
    const w = await XsWorker.start({ name: 'doomed' });
    await w.evaluate('globalThis.x = 1');
    const pending = w.evaluate('for (;;) {}');
    const queued = w.evaluate('1');
    setTimeout(() => process.kill(w.pid!, 'SIGKILL'), 100);
    await expect(pending).rejects.toThrow(/doomed: engine killed by signal SIGKILL/);
    await expect(queued).rejects.toThrow(XsExitError);
    await expect(w.command(new Uint8Array([1]))).rejects.toThrow(/SIGKILL/);
    expect(w.exited).toBe(true);
    await w.close();
  });

  it('reports the meaning of the exit code (too much computation)', async () => {
    const w = await XsWorker.start({ name: 'metered', meteringLimit: 100_000 });
    await expect(w.evaluate('for (;;) {}')).rejects.toThrow(/metered: engine exited with code 17: too much computation/);
    const err = await w.evaluate('1').catch((e: XsExitError) => e);
    expect(err).toBeInstanceOf(XsExitError);
    expect((err as XsExitError).code).toBe(17);
  });

  it('reports a stack overflow, which xsnap treats as fatal', async () => {
    const w = await XsWorker.start({ name: 'deep' });
    await expect(w.evaluate('function f() { f(); } f();')).rejects.toThrow(/deep: engine exited with code 12: stack overflow/);
    await expect(w.evaluate('1')).rejects.toThrow(/stack overflow/);
  });

  it('close() kills a busy engine and rejects its calls', async () => {
    const w = await XsWorker.start({ name: 'busy' });
    const pending = w.evaluate('for (;;) {}');
    await new Promise((r) => setTimeout(r, 50));
    await w.close();
    await expect(pending).rejects.toThrow(/busy: worker closed/);
    await expect(w.evaluate('1')).rejects.toThrow(/worker closed/);
  });

  it('explains a missing engine binary', async () => {
    await expect(XsWorker.start({ binary: '/nonexistent/xsnap-worker' })).rejects.toThrow(
      'the XS engine was not built: run npm rebuild @agoric/xsnap',
    );
  });
});

describe('bundleForXs', () => {
  it('bundles a TS entry into a classic script and caches it', async () => {
    const a = await bundleForXs(ECHO_ENTRY);
    expect(a).toMatch(/^("use strict";\n)?\(\(\) => \{/);
    expect(a).toContain('registerHandlers');
    expect(a).not.toMatch(/^\s*(import|export)\s/m);
    expect(await bundleForXs(ECHO_ENTRY)).toBe(a);
  });
});

describe('XsRunner', () => {
  let runner: XsRunner;
  beforeAll(async () => {
    runner = await XsRunner.start(ECHO_ENTRY);
  });
  afterAll(() => runner.close());

  it('lists the handlers the entry registered', () => {
    expect([...runner.handlers].sort()).toEqual(['alloc', 'churn', 'count', 'echo', 'fail', 'garbage', 'query', 'sum']);
    expect(runner.loadMeter.compute).toBeGreaterThan(0);
  });

  it('calls handlers by name with binary payloads', async () => {
    const payload = allBytes(64 * 1024);
    expect((await runner.call('echo', payload)).reply).toEqual(payload);
    expect((await runner.call('echo')).reply).toEqual(new Uint8Array(0));
    expect((await runner.call('count')).reply).toEqual(new Uint8Array(0));
    const sum = payload.reduce((s, b) => s + b, 0) & 0xff;
    expect((await runner.call('sum', payload)).reply).toEqual(new Uint8Array([sum]));
  });

  it('turns handler exceptions and unknown names into rejections with the XS message', async () => {
    const err = await runner.call('fail').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XsHandlerError);
    expect((err as XsHandlerError).xsMessage).toBe('RangeError: bad value in XS');
    expect((err as XsHandlerError).handler).toBe('fail');
    await expect(runner.call('missing')).rejects.toThrow('unknown handler "missing"');
    expect((await runner.call('echo', new Uint8Array([7]))).reply).toEqual(new Uint8Array([7]));
  });

  it('passes XS queries to onQuery', async () => {
    runner.worker.onQuery = (bytes) => bytes.map((b) => b + 1);
    try {
      expect((await runner.call('query', new Uint8Array([1, 2, 3]))).reply).toEqual(new Uint8Array([2, 3, 4]));
    } finally {
      runner.worker.onQuery = (bytes) => bytes;
    }
  });

  it('measures 0 heap slots for a handler that allocates nothing', async () => {
    const m = await runner.measureAllocation('count');
    expect(m).toEqual({ slots: 0, bytes: 0, samples: [0, 0, 0] });
    expect((await runner.measureAllocation('__noop', allBytes(5000))).slots).toBe(0);
  });

  it('measures the heap slots of a handler that allocates, the same every time', async () => {
    const alloc = await runner.measureAllocation('alloc', undefined, { samples: 5 });
    expect(alloc.slots).toBeGreaterThan(0);
    expect(new Set(alloc.samples).size).toBe(1);
    expect(alloc.bytes).toBe(alloc.slots * XS_SLOT_BYTES);
    // Garbage counts too: 10 short-lived objects cost slots even though none survive.
    const garbage = await runner.measureAllocation('garbage');
    expect(garbage.slots).toBeGreaterThanOrEqual(10);
    // The figure does not depend on the payload size (chunk memory is not counted).
    const small = await runner.measureAllocation('echo', allBytes(10));
    const large = await runner.measureAllocation('echo', allBytes(10_000));
    expect(small.slots).toBeGreaterThan(0);
    expect(large.slots).toBe(small.slots);
  });

  it('refuses to report a figure when a garbage collection ran during the call', async () => {
    expect((await runner.measureAllocation('churn', new Uint8Array([20]))).slots).toBe(40_000);
    await expect(runner.measureAllocation('churn', new Uint8Array([200]))).rejects.toThrow(
      /cannot measure the allocation of "churn": a garbage collection ran during the call/,
    );
    expect((await runner.measureAllocation('count')).slots).toBe(0); // still usable
  });

  it('rejects an entry that does not register handlers', async () => {
    const entry = path.join(here, 'fixtures/no-handlers-entry.ts');
    await expect(XsRunner.start(entry)).rejects.toThrow(/did not call registerHandlers/);
  });
});
