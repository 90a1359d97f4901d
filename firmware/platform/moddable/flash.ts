// FlashPartition and ModelStorage on Moddable's `flash` module. On ESP32 a name opens the data
// partition of that label in the partition table (esp_partition_find_first); erase, write and
// read go through esp_partition_*, so the NOR semantics are the chip's own: erase sets a 4 KB
// sector to 0xFF, a write can only clear bits. map() memory-maps the whole partition once
// (esp_partition_mmap) and keeps the view.
import Flash from 'flash';
import type { FlashPartition, ModelStorage } from '../interfaces';

export class ModdableFlashPartition implements FlashPartition {
  readonly name: string;
  readonly byteLength: number;
  readonly blockSize: number;
  #flash: Flash;
  #mapped: Uint8Array | undefined;

  constructor(name: string) {
    try {
      this.#flash = new Flash(name);
    } catch (e) {
      throw new Error(`flash partition "${name}" not found (${String(e)}): flash the partition table of firmware/platform/moddable/esp32/partitions.csv`);
    }
    this.name = name;
    this.byteLength = this.#flash.byteLength;
    this.blockSize = this.#flash.blockSize;
  }

  erase(index: number): void {
    const blocks = Math.floor(this.byteLength / this.blockSize);
    if (!Number.isInteger(index) || index < 0 || index >= blocks)
      throw new RangeError(`${this.name}: block ${index} outside 0..${blocks - 1}`);
    this.#flash.erase(index);
  }

  write(offset: number, bytes: Uint8Array): void {
    this.#check(offset, bytes.byteLength);
    if (bytes.byteLength > 0) this.#flash.write(offset, bytes.byteLength, bytes);
  }

  read(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    return length > 0 ? new Uint8Array(this.#flash.read(offset, length)) : new Uint8Array(0);
  }

  map(): Uint8Array {
    return (this.#mapped ??= new Uint8Array(this.#flash.map()));
  }

  #check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.byteLength)
      throw new RangeError(`${this.name}: bytes ${offset}..${offset + length} outside 0..${this.byteLength}`);
  }
}

export interface ModelPartitionNames {
  slotA: string;
  slotB: string;
  state: string;
}

export function createModelStorage(names: ModelPartitionNames): ModelStorage {
  return {
    slots: [new ModdableFlashPartition(names.slotA), new ModdableFlashPartition(names.slotB)],
    state: new ModdableFlashPartition(names.state),
  };
}
