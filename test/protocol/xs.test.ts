// The protocol codec in the real XS engine and in Node: byte-identical encodings, identical
// decodes (frames, errors, counters, messages) of clean and mutated streams, and the XS cost
// of encoding and decoding a chunk frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cobsDecode, cobsEncode, encodeMessage, MSG } from '../../firmware/core/protocol';
import { XsRunner } from '../../sim/xs/runner';
import { Prng } from '../support/prng';
import { mutateWire } from './support/mutate';
import { concat, describeSamples, describeStream, encodeSamples, transcode } from './support/transcode';

const FULL = !!process.env.EDGEML_FULL;
const here = path.dirname(fileURLToPath(import.meta.url));
const td = new TextDecoder();
let xs: XsRunner;

beforeAll(async () => { xs = await XsRunner.start(path.join(here, 'fixtures/protocol-entry.ts')); });
afterAll(async () => { await xs?.close(); });

const le32 = (n: number) => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
const args = (...ns: number[]) => concat(ns.map(le32));
async function call(name: string, payload: Uint8Array): Promise<Uint8Array> { return (await xs.call(name, payload)).reply; }

describe('protocol codec: XS and Node byte-identical', () => {
  it('encodes the same sample messages of every type to the same bytes', async () => {
    for (const seed of [1, 2, 3]) {
      const count = FULL ? 600 : 150;
      const fromXs = await call('encodeSamples', args(seed, count));
      const fromNode = encodeSamples(seed, count);
      expect(fromXs.length).toBe(fromNode.length);
      expect(Buffer.from(fromXs).equals(Buffer.from(fromNode))).toBe(true);
      expect(td.decode(await call('describeSamples', args(seed, count)))).toBe(td.decode(describeSamples(seed, count)));
    }
  });

  it('decodes clean streams in any chunking to the same messages, and re-encodes them to the same bytes', async () => {
    const wire = encodeSamples(4, FULL ? 400 : 120);
    for (const chunking of [0, 1, 2]) {
      const text = td.decode(await call('describeStream', concat([args(0xffff, chunking), wire])));
      expect(text).toBe(describeStream(wire, 0xffff, chunking));
      expect(text).not.toContain('error');
      const again = await call('transcode', concat([args(0xffff, chunking), wire]));
      expect(Buffer.from(again).equals(Buffer.from(wire))).toBe(true);
    }
  });

  it(`${FULL ? 3000 : 500} mutated streams: the same frames, errors and counters as in Node`, async () => {
    const rng = new Prng(99);
    const frames: Uint8Array[] = [];
    const samples = encodeSamples(5, 60);
    // split the sample stream into its frames
    let start = 0;
    for (let i = 0; i < samples.length; i++) if (samples[i] === 0) { frames.push(samples.subarray(start, i + 1)); start = i + 1; }
    const cases = FULL ? 3000 : 500;
    for (let c = 0; c < cases; c += 10) {
      // ten mutated frames per stream, each followed by a clean one
      const parts: Uint8Array[] = [];
      for (let k = 0; k < 10; k++) {
        parts.push(mutateWire(rng, frames[(c + k) % frames.length], frames[rng.int(0, frames.length - 1)]));
        parts.push(frames[rng.int(0, frames.length - 1)]);
      }
      const wire = concat(parts);
      const maxPayload = rng.pick([64, 1024, 4160, 0xffff]);
      const seed = c + 1;
      const text = td.decode(await call('describeStream', concat([args(maxPayload, seed), wire])));
      expect(text, `case ${c}`).toBe(describeStream(wire, maxPayload, seed));
      const again = await call('transcode', concat([args(maxPayload, seed), wire]));
      expect(Buffer.from(again).equals(Buffer.from(transcode(wire, maxPayload, seed))), `case ${c}`).toBe(true);
    }
  });

  it('COBS and UTF-8 encoders agree', async () => {
    const rng = new Prng(7);
    for (let c = 0; c < 50; c++) {
      const data = new Uint8Array(rng.int(0, 1000)).map(() => (rng.next() < 0.1 ? 0 : rng.int(1, 255)));
      const enc = await call('cobs', concat([new Uint8Array([0]), data]));
      expect(Array.from(enc)).toEqual(Array.from(cobsEncode(data)));
      expect(Array.from(await call('cobs', concat([new Uint8Array([1]), enc])))).toEqual(Array.from(cobsDecode(enc)));
    }
    const text = 'aé€𝄞\ud800z日本';
    const units = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) { units[2 * i] = text.charCodeAt(i) & 0xff; units[2 * i + 1] = text.charCodeAt(i) >> 8; }
    expect(Array.from(await call('utf8', units))).toEqual(Array.from(new TextEncoder().encode(text)));
  });

  it('XS cost of a 1 KB and a 4 KB chunk frame (computrons; reported)', async () => {
    const figures: string[] = [];
    for (const size of [1024, 4096]) {
      const prepared = await call('prepareChunk', le32(size));
      const wireLength = new DataView(prepared.buffer, prepared.byteOffset, 4).getUint32(0, true);
      expect(wireLength).toBe(encodeMessage(MSG.MODEL_CHUNK, 1, { offset: 0, data: new Uint8Array(size).fill(1) }).length);
      const base = (await xs.call('__noop')).meter.compute;
      const enc = (await xs.call('encodeChunk')).meter.compute - base;
      const dec = (await xs.call('decodeChunk')).meter.compute - base;
      figures.push(`${size} B: encode ${enc} (${(enc / wireLength).toFixed(1)}/wire byte), decode ${dec} (${(dec / wireLength).toFixed(1)}/wire byte)`);
      // CRC-32 (core/crc32) is ~28 per byte of this; COBS runs are found and copied natively
      expect(dec / wireLength).toBeLessThan(50);
      expect(enc / wireLength).toBeLessThan(50);
    }
    console.log(`protocol in XS, computrons per MODEL_CHUNK frame: ${figures.join('; ')}`);
  });
});
