// SerialPort on ECMA-419 `embedded:io/serial` (binary, "buffer" format). The ESP32 implementation
// adds no buffering of its own: received bytes wait in the UART's 128-byte hardware FIFO until
// onReadable runs, and write() throws unless the transmit FIFO has room for everything. So this
// class reads the FIFO dry on each onReadable, and queues outgoing bytes in a ring buffer that
// onWritable (space freed) drains. A write that does not fit the queue is dropped whole (a frame
// is never cut) and counted in `dropped`. Bytes that arrive while JavaScript is busy for longer
// than the FIFO lasts (11 ms at 115200 baud) are lost: the protocol's CRC and resume recover.
// Nothing is buffered on the receive side but that FIFO (`receiveBuffer`), so the protocol server
// announces a window of 1 chunk here: the host sends the next chunk when the last is written.
import Serial from 'embedded:io/serial';
import type { SerialPort } from '../interfaces';

export interface SerialPortOptions {
  /** UART number (0 is the USB bridge on most boards, which the debugger owns in -d builds). */
  port: number;
  transmit: number;
  receive: number;
  baud: number;
  /** Bytes of the outgoing queue (16 KB by default). */
  queueBytes?: number;
}

/** The hardware FIFO size: never more than this is read or written at once. */
const CHUNK = 128;

export class ModdableSerialPort implements SerialPort {
  readonly port: number;
  /** What arrives while JavaScript is busy waits in the UART's hardware FIFO only. */
  readonly receiveBuffer = CHUNK;
  #io: Serial | undefined;
  #receiver: ((bytes: Uint8Array) => void) | undefined;
  #rx = new Uint8Array(CHUNK);
  #rxViews: Uint8Array[] = [];
  #queue: Uint8Array;
  #head = 0;
  #size = 0;
  #writable = 0;
  #stage = new Uint8Array(CHUNK);
  #stageViews: Uint8Array[] = [];
  #dropped = 0;

  constructor(options: SerialPortOptions) {
    const queueBytes = options.queueBytes ?? 16384;
    if (!(Number.isInteger(queueBytes) && queueBytes >= CHUNK)) throw new RangeError(`bad serial queue size: ${queueBytes}`);
    this.#queue = new Uint8Array(queueBytes);
    for (let n = 1; n <= CHUNK; n++) {
      this.#rxViews.push(this.#rx.subarray(0, n));
      this.#stageViews.push(this.#stage.subarray(0, n));
    }
    this.port = options.port;
    this.#io = new Serial({
      port: options.port,
      transmit: options.transmit,
      receive: options.receive,
      baud: options.baud,
      format: 'buffer',
      onReadable: () => this.#onReadable(),
      onWritable: (count: number) => {
        this.#writable = count;
        this.#pump();
      },
    });
  }

  /** Writes dropped because the outgoing queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Bytes waiting in the outgoing queue. */
  get queued(): number {
    return this.#size;
  }

  write(bytes: Uint8Array): void {
    const length = bytes.byteLength;
    const queue = this.#queue;
    if (length > queue.byteLength - this.#size) {
      this.#dropped++;
      return;
    }
    const tail = (this.#head + this.#size) % queue.byteLength;
    const first = Math.min(length, queue.byteLength - tail);
    queue.set(first === length ? bytes : bytes.subarray(0, first), tail);
    if (first < length) queue.set(bytes.subarray(first), 0);
    this.#size += length;
    this.#pump();
  }

  onReceive(callback: (bytes: Uint8Array) => void): void {
    this.#receiver = callback;
  }

  close(): void {
    this.#io?.close();
    this.#io = undefined;
  }

  /** Reads the receive FIFO dry (unread bytes would keep the interrupt firing). */
  #onReadable(): void {
    const io = this.#io;
    if (!io) return;
    for (let round = 0; round < 8; round++) {
      const n = io.read(this.#rx);
      if (!n) return;
      this.#receiver?.(this.#rxViews[n - 1]);
    }
  }

  #pump(): void {
    const io = this.#io;
    if (!io) return;
    const queue = this.#queue;
    while (this.#writable > 0 && this.#size > 0) {
      const n = Math.min(this.#writable, this.#size, CHUNK, queue.byteLength - this.#head);
      const stage = this.#stageViews[n - 1];
      for (let i = 0, j = this.#head; i < n; i++, j++) stage[i] = queue[j];
      try {
        io.write(stage);
      } catch {
        this.#writable = 0; // the FIFO is fuller than onWritable said: wait for the next call
        return;
      }
      this.#writable -= n;
      this.#head = (this.#head + n) % queue.byteLength;
      this.#size -= n;
    }
  }
}
