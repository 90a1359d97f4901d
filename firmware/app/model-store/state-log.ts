// An append-only log of state records over a NOR flash partition of two or more erase blocks,
// used as a ring. The newest valid record (highest sequence number) is the state. A power cut
// at any byte leaves either the previous newest record or the new one valid:
// - a record is written into never-written (erased) space, so a torn record has a bad CRC and
//   the one before it stays the newest;
// - a block is erased only when the log moves into it, and the newest record is always in the
//   block before it, never in the one being erased.
import type { FlashPartition } from '../../platform/interfaces';
import { RECORD_BYTES, StoreState, decodeRecord, encodeRecord, isErasedRecord } from './state-record';

export class StateLog {
  readonly #flash: FlashPartition;
  readonly #perBlock: number;
  readonly #count: number;
  /** Index of the newest valid record, -1 when there is none. */
  #newest = -1;
  #seq = 0;
  #scanned = false;

  constructor(flash: FlashPartition) {
    const { blockSize, byteLength } = flash;
    if (blockSize < RECORD_BYTES || blockSize % RECORD_BYTES !== 0) {
      throw new RangeError(`state partition: block size ${blockSize} is not a multiple of the ${RECORD_BYTES}-byte record`);
    }
    const blocks = Math.floor(byteLength / blockSize);
    if (blocks < 2) throw new RangeError(`state partition: ${blocks} erase block(s); the log needs at least 2`);
    this.#flash = flash;
    this.#perBlock = blockSize / RECORD_BYTES;
    this.#count = blocks * this.#perBlock;
  }

  /** Records the partition holds. */
  get capacity(): number { return this.#count; }
  /** Sequence number of the newest record (0: none). */
  get sequence(): number { return this.#seq; }

  /** Scans the partition: the newest valid state, or undefined when no record is valid. */
  load(): StoreState | undefined {
    const bytes = this.#flash.map();
    let best: StoreState | undefined;
    let bestIndex = -1;
    for (let i = 0; i < this.#count; i++) {
      const record = decodeRecord(bytes, i * RECORD_BYTES);
      if (record && (!best || record.seq > best.seq)) {
        best = record;
        bestIndex = i;
      }
    }
    this.#newest = bestIndex;
    this.#seq = best ? best.seq : 0;
    this.#scanned = true;
    return best;
  }

  /** Writes `state` as the next record (its sequence number is assigned here) and returns that number. */
  append(state: StoreState): number {
    if (!this.#scanned) this.load();
    const flash = this.#flash;
    const seq = this.#seq + 1;
    const record = encodeRecord(state, seq);
    try {
      let i = this.#newest + 1;
      for (;;) {
        if (i >= this.#count) i = 0;
        if (i % this.#perBlock === 0) {
          // Entering a block: erase it first. The newest record is in another block (there are
          // at least two), so a cut during this erase loses nothing.
          flash.erase(i / this.#perBlock);
          break;
        }
        if (isErasedRecord(flash.map(), i * RECORD_BYTES)) break;
        i++; // a torn record from an earlier power cut: never write over it
      }
      flash.write(i * RECORD_BYTES, record);
      const back = flash.read(i * RECORD_BYTES, RECORD_BYTES);
      for (let k = 0; k < RECORD_BYTES; k++) {
        if (back[k] !== record[k]) throw new Error(`state record ${seq} did not read back as written`);
      }
      this.#newest = i;
      this.#seq = seq;
      return seq;
    } catch (err) {
      this.#scanned = false; // find the position again from what the flash holds
      throw err;
    }
  }
}
