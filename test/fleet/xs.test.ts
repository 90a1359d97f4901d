// The fleet payload codecs in the real XS engine and in Node: byte-identical encodings and
// identical decodes (errors included) of the same seeded payloads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsRunner } from '../../sim/xs/runner';
import { samplePayloads } from './support/samples';

const here = path.dirname(fileURLToPath(import.meta.url));
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
let xs: XsRunner;

beforeAll(async () => { xs = await XsRunner.start(path.join(here, 'fixtures/fleet-entry.ts')); });
afterAll(async () => { await xs?.close(); });

describe('fleet codecs: XS and Node byte-identical', () => {
  it.each([1, 2, 3])('seed %i: the same payloads and the same decodes', async (seed) => {
    const args = new Uint8Array([...le32(seed), ...le32(140)]);
    const node = samplePayloads(seed, 140);
    const wire = (await xs.call('payloads', args)).reply;
    expect(Buffer.from(wire).equals(Buffer.from(node.wire))).toBe(true);
    const text = new TextDecoder().decode((await xs.call('describe', args)).reply);
    expect(text).toBe(node.text);
    expect(text).toContain('error BAD_SIZE');
  });
});
