// Mutations of wire frames for the fuzz tests: bit flips, byte changes, insertions, deletions,
// duplications, truncations, lost or extra delimiters, splices of two frames.
import { Prng } from '../../support/prng';

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
