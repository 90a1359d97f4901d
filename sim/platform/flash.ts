// Simulated NOR flash for the desktop simulator and the tests: a FlashPartition backed by a
// Uint8Array, optionally persisted to a file, with exact NOR semantics (erase sets a block to
// 0xFF, a write ANDs bits in, so it can only clear them) and power-cut injection at any byte.
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { FlashPartition, ModelStorage } from '../../firmware/platform/interfaces';

export const DEFAULT_BLOCK_SIZE = 4096;

/** Thrown by the operation the power cut stopped, and by every operation until restore(). */
export class PowerCut extends Error {
  override name = 'PowerCut';
}

/**
 * The power rail shared by every partition of one simulated device: counts the bytes written and
 * erased, and cuts the power after a chosen number of them, in the middle of an operation.
 */
export class PowerSupply {
  #touched = 0;
  #cutAt = Infinity;
  #off = false;

  /** Bytes written plus bytes erased (block size per erase) through every partition so far. */
  get touched(): number { return this.#touched; }
  /** True between a power cut and restore(). */
  get off(): boolean { return this.#off; }
  /** True while a cut is armed and has not happened yet. */
  get armed(): boolean { return this.#cutAt !== Infinity && !this.#off; }

  /** Cuts the power once `bytes` more bytes have been written or erased (0: at the next byte). */
  cutAfter(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`cutAfter(${bytes}): a byte count >= 0`);
    this.#cutAt = this.#touched + bytes;
  }

  /** Cancels an armed cut. */
  disarm(): void { this.#cutAt = Infinity; }

  /** Power back on ("reboot"): operations work again; any armed cut is cancelled. */
  restore(): void {
    this.#off = false;
    this.#cutAt = Infinity;
  }

  /** Zeroes the byte counter (and disarms). */
  resetCounter(): void {
    this.#touched = 0;
    this.#cutAt = Infinity;
  }

  /** @internal Throws while the power is off. */
  check(): void {
    if (this.#off) throw new PowerCut('the power is off (call restore())');
  }

  /** @internal How many of `n` bytes the next operation may touch before the cut (n when no cut). */
  grant(n: number): number {
    const left = this.#cutAt - this.#touched;
    return left >= n ? n : left;
  }

  /** @internal Records `done` bytes touched; cuts the power when the operation wanted more. */
  consume(done: number, wanted: number): void {
    this.#touched += done;
    if (done < wanted) {
      this.#off = true;
      this.#cutAt = Infinity;
      throw new PowerCut(`power cut after ${this.#touched} bytes written or erased`);
    }
  }
}

export interface SimFlashOptions {
  byteLength: number;
  /** Erase block size in bytes (default 4096); byteLength must be a multiple of it. */
  blockSize?: number;
  /** Persist the contents to this file (created erased when missing, read back when present). */
  file?: string;
  /** Shared power rail (default: one of its own). */
  power?: PowerSupply;
  /** Initial contents (byteLength bytes; default: erased). Ignored when `file` exists. */
  initial?: Uint8Array;
}

export class SimFlash implements FlashPartition {
  readonly byteLength: number;
  readonly blockSize: number;
  readonly power: PowerSupply;
  readonly #bytes: Uint8Array;
  #fd: number | undefined;

  constructor(options: SimFlashOptions) {
    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`block size ${blockSize}`);
    const { byteLength } = options;
    if (!Number.isInteger(byteLength) || byteLength < blockSize || byteLength % blockSize !== 0) {
      throw new RangeError(`byte length ${byteLength} is not a positive multiple of the block size ${blockSize}`);
    }
    this.byteLength = byteLength;
    this.blockSize = blockSize;
    this.power = options.power ?? new PowerSupply();
    this.#bytes = new Uint8Array(byteLength).fill(0xff);
    if (options.initial !== undefined) {
      if (options.initial.length !== byteLength) throw new RangeError(`initial contents: ${options.initial.length} bytes, the partition has ${byteLength}`);
      this.#bytes.set(options.initial);
    }
    if (options.file !== undefined) this.#open(options.file);
  }

  erase(index: number): void {
    this.power.check();
    const blocks = this.byteLength / this.blockSize;
    if (!Number.isInteger(index) || index < 0 || index >= blocks) throw new RangeError(`erase(${index}): block index outside 0..${blocks - 1}`);
    const start = index * this.blockSize;
    const n = this.power.grant(this.blockSize);
    this.#bytes.fill(0xff, start, start + n); // a cut leaves the block partly erased
    this.#persist(start, n);
    this.power.consume(n, this.blockSize);
  }

  write(offset: number, bytes: Uint8Array): void {
    this.power.check();
    if (!(bytes instanceof Uint8Array)) throw new TypeError('write: bytes must be a Uint8Array');
    this.#range('write', offset, bytes.length);
    const n = this.power.grant(bytes.length);
    const flash = this.#bytes;
    for (let i = 0; i < n; i++) flash[offset + i] &= bytes[i]; // NOR: programming only clears bits
    this.#persist(offset, n);
    this.power.consume(n, bytes.length);
  }

  read(offset: number, length: number): Uint8Array {
    this.power.check();
    this.#range('read', offset, length);
    return this.#bytes.slice(offset, offset + length);
  }

  /** The live contents (treat as read-only: writes must go through write()). */
  map(): Uint8Array {
    this.power.check();
    return this.#bytes;
  }

  /** The contents regardless of the power state (for tests and tools; a copy). */
  snapshot(): Uint8Array {
    return this.#bytes.slice();
  }

  /** Closes the backing file, if any. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #range(what: string, offset: number, length: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.byteLength) throw new RangeError(`${what}: offset ${offset} outside 0..${this.byteLength}`);
    if (!Number.isInteger(length) || length < 0 || offset + length > this.byteLength) {
      throw new RangeError(`${what}: ${length} bytes at ${offset} run past the end (${this.byteLength})`);
    }
  }

  #open(file: string): void {
    const exists = existsSync(file);
    const fd = openSync(file, exists ? 'r+' : 'w+');
    try {
      if (exists) {
        const size = fstatSync(fd).size;
        if (size !== this.byteLength) throw new RangeError(`${file} holds ${size} bytes, the partition has ${this.byteLength}`);
        let at = 0;
        while (at < size) {
          const n = readSync(fd, this.#bytes, at, size - at, at);
          if (n <= 0) throw new Error(`${file}: short read at ${at}`);
          at += n;
        }
      } else {
        writeSync(fd, this.#bytes, 0, this.byteLength, 0);
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.#fd = fd;
  }

  #persist(offset: number, length: number): void {
    if (this.#fd !== undefined && length > 0) writeSync(this.#fd, this.#bytes, offset, length, offset);
  }
}

export interface SimStorageOptions {
  /** Bytes per model slot (default 64 KiB). */
  slotBytes?: number;
  /** Bytes of the state partition (default 2 blocks). */
  stateBytes?: number;
  blockSize?: number;
  /** Directory for the backing files slot-a.bin, slot-b.bin and state.bin (default: memory only). */
  dir?: string;
  power?: PowerSupply;
  /** Start from a copy of another storage's contents (same geometry); its files are not shared. */
  copyOf?: SimModelStorage;
}

export interface SimModelStorage extends ModelStorage {
  readonly slots: readonly [SimFlash, SimFlash];
  readonly state: SimFlash;
  readonly power: PowerSupply;
  close(): void;
}

/** Two model slots and a state partition on one power rail: the model storage of a simulated device. */
export function simModelStorage(options: SimStorageOptions = {}): SimModelStorage {
  const blockSize = options.copyOf ? options.copyOf.state.blockSize : options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const power = options.power ?? new PowerSupply();
  const file = (name: string): string | undefined => (options.dir === undefined ? undefined : `${options.dir}/${name}`);
  const from = options.copyOf;
  const slotBytes = from ? from.slots[0].byteLength : options.slotBytes ?? 64 * 1024;
  const slots = [
    new SimFlash({ byteLength: slotBytes, blockSize, power, file: file('slot-a.bin'), initial: from?.slots[0].snapshot() }),
    new SimFlash({ byteLength: slotBytes, blockSize, power, file: file('slot-b.bin'), initial: from?.slots[1].snapshot() }),
  ] as const;
  const stateBytes = from ? from.state.byteLength : options.stateBytes ?? 2 * blockSize;
  const state = new SimFlash({ byteLength: stateBytes, blockSize, power, file: file('state.bin'), initial: from?.state.snapshot() });
  return {
    slots,
    state,
    power,
    close() {
      slots[0].close();
      slots[1].close();
      state.close();
    },
  };
}
