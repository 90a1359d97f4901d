// Mutations of wire frames for the fuzz tests: bit flips, byte changes, insertions, deletions,
// duplications, truncations, lost or extra delimiters, splices of two frames.
import { MSG, encodeMessage } from '../../../firmware/core/protocol/index';
import type { Message, MessageTypeOf } from '../../../firmware/core/protocol/index';
import { Prng } from '../../support/prng';
import { sampleMessage } from './samples';

export function mutateWire(rng: Prng, wire: Uint8Array, other: Uint8Array): Uint8Array {
  const b = Array.from(wire);
  const edits = rng.pick([1, 1, 1, 2, 3, 8]);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(0, Math.max(0, b.length - 1));
    switch (rng.int(0, 9)) {
      case 0: b[at] ^= 1 << rng.int(0, 7); break;
      case 1: b[at] = rng.int(0, 255); break;
      case 2: b.splice(at, 0, ...Array.from({ length: rng.int(1, 20) }, () => rng.int(0, 255))); break;
      case 3: b.splice(at, rng.int(1, 20)); break;
      case 4: b.splice(at, 0, ...b.slice(at, at + rng.int(1, 50))); break;
      case 5: b.length = at; break;
      case 6: b.splice(at, 0, 0); break;
      case 7: if (b[b.length - 1] === 0) b.pop(); break;
      case 8: b.splice(at, b.length - at, ...Array.from(other.subarray(rng.int(0, other.length - 1)))); break;
      case 9: b[at] = rng.pick([0, 1, 0xff, 0xfe]); break;
    }
  }
  return new Uint8Array(b);
}

/** Request types the device fuzz tests damage: all but RESTART (a valid one only reboots). */
const FUZZ_TYPES: MessageTypeOf[] = [
  MSG.HELLO, MSG.PREDICT, MSG.STREAM, MSG.SAMPLE, MSG.MODEL_BEGIN, MSG.MODEL_CHUNK, MSG.MODEL_END,
  MSG.ACTIVATE, MSG.ROLLBACK, MSG.STATS, MSG.CONFIG_GET, MSG.CONFIG_SET,
];

/**
 * `count` damaged request frames as a noisy serial line would carry them: a random request
 * (STATS without reset, so the counters survive for the checks), mutated or spliced with the
 * previous one, or 5 % plain garbage.
 */
export function* damagedRequests(rng: Prng, count: number): Generator<Uint8Array> {
  let previous = encodeMessage(MSG.HELLO, 1, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 4160 });
  for (let i = 0; i < count; i++) {
    let message = sampleMessage(rng, rng.pick(FUZZ_TYPES)) as Message;
    if (message.type === MSG.STATS) message = { type: MSG.STATS, body: { reset: false } };
    let wire: Uint8Array;
    try {
      wire = encodeMessage(message.type, rng.int(0, 0xffff), message.body as never, rng.next() < 0.2 ? 1 : 0);
    } catch {
      continue; // a sample the encoder refuses (a value out of range for this layout)
    }
    yield rng.next() < 0.05 ? new Uint8Array(rng.int(1, 300)).map(() => rng.int(0, 255)) : mutateWire(rng, wire, previous);
    previous = wire;
  }
}
