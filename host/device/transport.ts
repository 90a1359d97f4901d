// Byte transports for the device client: a real serial port (the `serialport` package) and an
// in-process one over a SimulatedDevice's serial endpoint (tests). A transport only moves bytes;
// framing, sequence numbers and retries live in client.ts.

/** A byte stream to a device. */
export interface Transport {
  /** Queues bytes for the device. Throws TransportError CLOSED after close(). */
  write(bytes: Uint8Array): void;
  /** Bytes from the device; returns an unsubscribe function. */
  onData(callback: (bytes: Uint8Array) => void): () => void;
  /** Called once when the link goes away (unplugged, closed). */
  onClose(callback: (error?: Error) => void): () => void;
  close(): Promise<void>;
  /** What to call the link in messages ("/dev/ttyUSB0"). */
  readonly name: string;
}

export type TransportErrorCode = 'NO_SUCH_PORT' | 'PORT_BUSY' | 'PERMISSION_DENIED' | 'CLOSED' | 'OPEN_FAILED' | 'WRITE_FAILED';

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  readonly port: string;
  constructor(code: TransportErrorCode, port: string, message: string) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.port = port;
  }
}

/** A typed error from what `serialport` (or the OS) said when opening `path`. */
export function openError(path: string, error: unknown): TransportError {
  const text = error instanceof Error ? error.message : String(error);
  if (/no such file|ENOENT|cannot find|not found/i.test(text)) {
    return new TransportError('NO_SUCH_PORT', path, `no such port: ${path} (run \`edgeml ports\` to see the ports of this machine)`);
  }
  if (/permission denied|EACCES|access denied/i.test(text)) {
    return new TransportError('PERMISSION_DENIED', path,
      `permission denied opening ${path}: add yourself to the group that owns it (usually \`sudo usermod -aG dialout $USER\`, then log out and back in)`);
  }
  if (/lock|busy|EBUSY|resource temporarily unavailable/i.test(text)) {
    return new TransportError('PORT_BUSY', path, `${path} is busy: another program (a serial monitor, another edgeml) has it open`);
  }
  return new TransportError('OPEN_FAILED', path, `cannot open ${path}: ${text}`);
}

class Listeners<A extends unknown[]> {
  readonly #set = new Set<(...args: A) => void>();
  add(fn: (...args: A) => void): () => void {
    this.#set.add(fn);
    return () => this.#set.delete(fn);
  }
  emit(...args: A): void { for (const fn of [...this.#set]) fn(...args); }
}

export interface SerialPortTransportOptions {
  /** Baud rate (default 115200; a pseudo-terminal ignores it). */
  baudRate?: number;
}

/** A serial port through the `serialport` package. */
export class SerialPortTransport implements Transport {
  readonly name: string;
  readonly #port: import('serialport').SerialPort;
  readonly #data = new Listeners<[Uint8Array]>();
  readonly #close = new Listeners<[Error | undefined]>();
  #closed = false;

  private constructor(path: string, port: import('serialport').SerialPort) {
    this.name = path;
    this.#port = port;
    port.on('data', (d: Buffer) => this.#data.emit(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    port.on('close', (err?: Error | null) => {
      const wasOpen = !this.#closed;
      this.#closed = true;
      if (wasOpen) this.#close.emit(err ? new TransportError('CLOSED', path, `${path} was closed (${err.message})`) : undefined);
    });
    port.on('error', () => { /* reported through writes and close */ });
  }

  static async open(path: string, options: SerialPortTransportOptions = {}): Promise<SerialPortTransport> {
    let mod: typeof import('serialport');
    try {
      mod = await import('serialport');
    } catch (e) {
      throw new TransportError('OPEN_FAILED', path, `the serialport package cannot load here (${(e as Error).message}); run npm install`);
    }
    const port = new mod.SerialPort({ path, baudRate: options.baudRate ?? 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(path, err)) : resolve())));
    return new SerialPortTransport(path, port);
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) throw new TransportError('CLOSED', this.name, `${this.name} is closed`);
    this.#port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  onData(callback: (bytes: Uint8Array) => void): () => void { return this.#data.add(callback); }
  onClose(callback: (error?: Error) => void): () => void { return this.#close.add(callback); }

  /** Waits until the queued bytes left, then closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const port = this.#port;
    await new Promise<void>((resolve) => port.drain(() => resolve()));
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

/** The host end of a SimulatedDevice's serial line (sim/device), or any endpoint shaped like it. */
export interface SerialEndpointLike {
  write(bytes: Uint8Array): void;
  onData(callback: (bytes: Uint8Array) => void): () => void;
}

export interface InProcessTransportOptions {
  /** Called (coalesced, once per event-loop turn) after writes, e.g. `() => device.poll()`, so requests are served without waiting for the next real-time tick. */
  pump?: () => Promise<void> | void;
  name?: string;
}

/** An in-process transport over a simulated device's serial endpoint. */
export class InProcessTransport implements Transport {
  readonly name: string;
  readonly #endpoint: SerialEndpointLike;
  readonly #unsubscribe: () => void;
  readonly #data = new Listeners<[Uint8Array]>();
  readonly #close = new Listeners<[Error | undefined]>();
  readonly #pump: InProcessTransportOptions['pump'];
  #pumpScheduled = false;
  #closed = false;

  constructor(endpoint: SerialEndpointLike, options: InProcessTransportOptions = {}) {
    this.name = options.name ?? 'in-process';
    this.#endpoint = endpoint;
    this.#pump = options.pump;
    this.#unsubscribe = endpoint.onData((bytes) => { if (!this.#closed) this.#data.emit(bytes); });
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) throw new TransportError('CLOSED', this.name, `${this.name} is closed`);
    this.#endpoint.write(bytes);
    if (this.#pump && !this.#pumpScheduled) {
      this.#pumpScheduled = true;
      setImmediate(() => {
        this.#pumpScheduled = false;
        if (this.#closed) return;
        Promise.resolve(this.#pump?.()).catch(() => { /* the device was closed or rebooted */ });
      });
    }
  }

  onData(callback: (bytes: Uint8Array) => void): () => void { return this.#data.add(callback); }
  onClose(callback: (error?: Error) => void): () => void { return this.#close.add(callback); }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#close.emit(undefined);
  }
}
