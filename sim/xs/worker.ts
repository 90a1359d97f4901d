// XsWorker: drives Moddable's XS engine as compiled by @agoric/xsnap (the `xsnap-worker`
// binary) over its netstring protocol, without xsnap's Node API (which needs SES lockdown).
//
//   to the worker   (fd 3): `e<source>` evaluate a script · `?<bytes>` call globalThis.handleCommand
//                            · `/<bytes>` answer a query · `q` quit
//   from the worker (fd 4): `.<meter JSON>\x01<reply>` ok · `!<message>` uncaught exception
//                            · `?<bytes>` query from XS's issueCommand(), answered with `/<reply>`
//
// Requests run one at a time. A worker that exits or crashes rejects the pending call and
// every later one with an XsExitError; nothing waits forever on a dead process.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { NetstringDecoder, encodeNetstring } from './netstring';

/** Figures the XS meter reports for one crank (one evaluate() or command()). */
export interface Meter {
  /** Deterministic computron count of the crank. */
  compute: number;
  /** Live heap slots (txSlot, 32 bytes each on 64-bit) when the crank ended, garbage included. */
  heapCount: number;
  /** Bytes the machine has obtained from the system so far (heap + chunk blocks; grows in steps). */
  allocate: number;
}

export type StdioMode = 'inherit' | 'pipe' | 'ignore';

export interface XsWorkerOptions {
  /** Worker name (appears in error messages); must not start with '-'. */
  name?: string;
  /** Computrons allowed per crank; the worker exits (code 17) beyond it. Default: no limit. */
  meteringLimit?: number;
  /** Where XS's print() goes. 'pipe' collects it for readOutput(). Default 'inherit'. */
  stdout?: StdioMode;
  /** The engine's stderr. 'pipe' (default) keeps its tail for crash messages. */
  stderr?: StdioMode;
  /** Path of the xsnap-worker binary. Default: the one built by @agoric/xsnap. */
  binary?: string;
}

export type QueryHandler = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** xsnap-worker exit codes (xsnap-worker.c / @agoric/xsnap api.js). -1 shows up as 255. */
export const XSNAP_EXIT_MESSAGES: Readonly<Record<number, string>> = {
  255: 'unknown error',
  1: 'bad argument usage',
  2: 'I/O error',
  11: 'not enough memory',
  12: 'stack overflow',
  15: 'unhandled exception',
  16: 'property (key) name space exhausted',
  17: 'too much computation',
};

/** An exception thrown by JavaScript running inside XS; the worker is still usable. */
export class XsError extends Error {
  override name = 'XsError';
}

/** The worker process is gone (crashed, killed, closed or never started). */
export class XsExitError extends Error {
  override name = 'XsExitError';
  constructor(
    message: string,
    readonly code: number | null = null,
    readonly signal: string | null = null,
  ) {
    super(message);
  }
}

const RELATIVE_BINARY = 'xsnap-native/xsnap/build/bin/lin/release/xsnap-worker';

/** Absolute path of the xsnap-worker binary that `npm install` built (it may not exist). */
export function xsnapWorkerPath(): string {
  const platform = process.platform === 'darwin' ? 'mac' : 'lin';
  const relative = RELATIVE_BINARY.replace('/lin/', `/${platform}/`);
  try {
    const pkg = createRequire(import.meta.url).resolve('@agoric/xsnap/package.json');
    return path.join(path.dirname(pkg), relative);
  } catch {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    return path.join(root, 'node_modules/@agoric/xsnap', relative);
  }
}

const OK = 0x2e; // '.'
const ERROR = 0x21; // '!'
const QUERY = 0x3f; // '?'
const SEPARATOR = 0x01;
const STDERR_TAIL = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Pending {
  resolve(value: { reply: Uint8Array; meter: Meter }): void;
  reject(error: Error): void;
  queryError?: Error;
}

export class XsWorker {
  /** Answers XS's issueCommand(bytes). Default: echo. An exception here answers XS with
   * an empty buffer and rejects the call in progress with that exception. */
  onQuery: QueryHandler = (bytes) => bytes;

  readonly name: string;
  readonly #child: ChildProcess;
  readonly #toWorker: Writable;
  readonly #decoder = new NetstringDecoder();
  #baton: Promise<unknown> = Promise.resolve();
  #current: Pending | undefined;
  #dead: XsExitError | undefined;
  #closing = false;
  #stdout = '';
  #pipedStdout = false;
  #stderrTail = '';
  #exitCode: number | null | undefined;
  #exitSignal: string | null = null;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess, name: string) {
    this.#child = child;
    this.name = name;
    const stdio = child.stdio as unknown as [null, Readable | null, Readable | null, Writable, Readable];
    this.#toWorker = stdio[3];
    const fromWorker = stdio[4];
    this.#pipedStdout = stdio[1] !== null && stdio[1] !== undefined;
    stdio[1]?.on('data', (d: Buffer) => {
      this.#stdout += d.toString('utf8');
    });
    stdio[2]?.on('data', (d: Buffer) => {
      this.#stderrTail = (this.#stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    // Writes to a dead worker fail with EPIPE: the exit handler reports that.
    this.#toWorker.on('error', () => {});
    fromWorker.on('data', (chunk: Buffer) => this.#onData(chunk));
    fromWorker.on('error', () => {});

    let exited = false;
    let drained = false;
    let resolveExited!: () => void;
    this.#exited = new Promise((r) => (resolveExited = r));
    const finish = () => {
      this.#die(this.#exitError());
      resolveExited();
    };
    child.on('error', (err) => {
      this.#die(new XsExitError(`${name}: cannot run the XS engine: ${err.message}`));
      resolveExited();
    });
    child.on('exit', (code, signal) => {
      this.#exitCode = code;
      this.#exitSignal = signal;
      exited = true;
      if (drained) finish();
      // A reply already in the pipe is delivered before the pipe closes; do not wait on it forever.
      else setTimeout(finish, 200).unref();
    });
    fromWorker.on('close', () => {
      drained = true;
      if (exited) finish();
    });
  }

  /** Spawns an XS machine. Rejects with a clear message when the binary was not built. */
  static async start(opts: XsWorkerOptions = {}): Promise<XsWorker> {
    const name = opts.name ?? 'xs';
    if (name.startsWith('-')) throw new RangeError(`worker name must not start with '-': ${name}`);
    const binary = opts.binary ?? xsnapWorkerPath();
    if (!existsSync(binary)) {
      throw new XsExitError(`the XS engine was not built: run npm rebuild @agoric/xsnap (missing ${binary})`);
    }
    const args = [name];
    if (opts.meteringLimit !== undefined) {
      if (!Number.isSafeInteger(opts.meteringLimit) || opts.meteringLimit <= 0) {
        throw new RangeError(`meteringLimit must be a positive integer: ${opts.meteringLimit}`);
      }
      args.push('-l', String(opts.meteringLimit));
    }
    const child = spawn(binary, args, {
      stdio: ['ignore', opts.stdout ?? 'inherit', opts.stderr ?? 'pipe', 'pipe', 'pipe'],
    });
    const worker = new XsWorker(child, name);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((err: Error) => {
      throw new XsExitError(`${name}: cannot run the XS engine ${binary}: ${err.message}`);
    });
    return worker;
  }

  /** Process id of the engine (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the engine process is gone. */
  get exited(): boolean {
    return this.#dead !== undefined;
  }

  /** Text XS printed since the last call (only with `stdout: 'pipe'`). */
  readOutput(): string {
    const out = this.#stdout;
    this.#stdout = '';
    return out;
  }

  /** Evaluates a script (global, sloppy mode) in the machine; rejects with XsError if it throws. */
  async evaluate(source: string): Promise<Meter> {
    const { meter } = await this.#request(encoder.encode(`e${source}`));
    return meter;
  }

  /** Calls globalThis.handleCommand(ArrayBuffer) in XS; its ArrayBuffer result is the reply. */
  command(bytes: Uint8Array): Promise<{ reply: Uint8Array; meter: Meter }> {
    const message = new Uint8Array(bytes.byteLength + 1);
    message[0] = QUERY;
    message.set(bytes, 1);
    return this.#request(message);
  }

  /**
   * Stops the engine. Calls still queued or in flight reject. Idle: asks the engine to quit
   * (and kills it if it does not within a second); busy: kills it at once.
   */
  async close(): Promise<void> {
    if (this.#closing) return this.#exited;
    this.#closing = true;
    if (this.#dead) return;
    if (this.#current) {
      this.#child.kill('SIGKILL');
    } else {
      this.#toWorker.write(encodeNetstring(encoder.encode('q')));
      this.#toWorker.end();
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 1000);
      timer.unref();
      await this.#exited;
      clearTimeout(timer);
      return;
    }
    await this.#exited;
  }

  #request(message: Uint8Array): Promise<{ reply: Uint8Array; meter: Meter }> {
    const run = () =>
      new Promise<{ reply: Uint8Array; meter: Meter }>((resolve, reject) => {
        if (this.#dead) return reject(this.#dead);
        if (this.#closing) return reject(new XsExitError(`${this.name}: worker closed`));
        this.#current = { resolve, reject };
        this.#toWorker.write(encodeNetstring(message));
      });
    const result = this.#baton.then(run);
    this.#baton = result.catch(() => {});
    return result;
  }

  #onData(chunk: Buffer): void {
    let messages: Uint8Array[];
    try {
      messages = this.#decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (err) {
      this.#protocolError((err as Error).message);
      return;
    }
    for (const m of messages) this.#onMessage(m);
  }

  #onMessage(message: Uint8Array): void {
    const current = this.#current;
    const kind = message[0];
    if (kind === QUERY) {
      void this.#answerQuery(message.subarray(1), current);
      return;
    }
    if (!current) {
      this.#protocolError(`unexpected message ${describe(message)} with no request in flight`);
      return;
    }
    if (kind === OK) {
      const sep = message.indexOf(SEPARATOR, 1);
      let meter: Meter = { compute: 0, heapCount: 0, allocate: 0 };
      if (sep >= 0) {
        try {
          const info = JSON.parse(decoder.decode(message.subarray(1, sep))) as Record<string, number>;
          meter = { compute: info.compute ?? 0, heapCount: info.currentHeapCount ?? 0, allocate: info.allocate ?? 0 };
        } catch {
          this.#protocolError(`unreadable meter data ${describe(message)}`);
          return;
        }
      }
      this.#current = undefined;
      if (current.queryError) current.reject(current.queryError);
      else {
        const result = { reply: message.subarray(sep < 0 ? 1 : sep + 1), meter };
        // print() flushed stdout before the reply was written: let its pipe be read first.
        if (this.#pipedStdout) setImmediate(() => current.resolve(result));
        else current.resolve(result);
      }
    } else if (kind === ERROR) {
      this.#current = undefined;
      current.reject(current.queryError ?? new XsError(decoder.decode(message.subarray(1))));
    } else {
      this.#protocolError(`unknown message ${describe(message)}`);
    }
  }

  async #answerQuery(bytes: Uint8Array, current: Pending | undefined): Promise<void> {
    let reply: Uint8Array;
    try {
      reply = await this.onQuery(bytes);
      if (!(reply instanceof Uint8Array)) throw new TypeError('onQuery must return a Uint8Array');
    } catch (err) {
      if (current && !current.queryError) current.queryError = err instanceof Error ? err : new Error(String(err));
      reply = new Uint8Array(0);
    }
    if (this.#dead) return;
    const message = new Uint8Array(reply.byteLength + 1);
    message[0] = 0x2f; // '/'
    message.set(reply, 1);
    this.#toWorker.write(encodeNetstring(message));
  }

  #protocolError(reason: string): void {
    this.#die(new XsExitError(`${this.name}: xsnap protocol error: ${reason}`));
    this.#child.kill('SIGKILL');
  }

  #exitError(): XsExitError {
    const code = this.#exitCode ?? null;
    const signal = this.#exitSignal;
    let why: string;
    if (this.#closing) why = 'worker closed';
    else if (signal) why = `engine killed by signal ${signal}`;
    else if (code === 0) why = 'engine exited';
    else why = `engine exited with code ${code}: ${XSNAP_EXIT_MESSAGES[code ?? -1] ?? 'unknown error'}`;
    const tail = this.#stderrTail.trim();
    return new XsExitError(`${this.name}: ${why}${tail ? ` (stderr: ${tail})` : ''}`, code, signal);
  }

  #die(error: XsExitError): void {
    if (this.#dead) return;
    this.#dead = error;
    const current = this.#current;
    this.#current = undefined;
    current?.reject(error);
  }
}

function describe(message: Uint8Array): string {
  const text = decoder.decode(message.subarray(0, 60));
  return JSON.stringify(message.byteLength > 60 ? `${text}…` : text);
}
