// The serial port of a simulated device as a pseudo-terminal, so that `edgeml`, `serialport`,
// `screen` or `picocom` can open it like a USB-serial board. socat (Debian package `socat`)
// makes the pty (raw, no echo) and relays it to its stdin/stdout, which are pipes to this
// process: binary-safe, no tty handling in Node. A client may close and reopen the pty.
//
//   socat -d -d pty,raw,echo=0[,link=PATH] STDIO
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SerialEndpoint } from './simulated-device';

/** Whether socat can be run here. */
export function socatAvailable(): boolean {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export interface PtyOptions {
  /** Also make a symlink at this path to the pty (stable across runs). */
  link?: string;
}

export class SerialPty {
  /** The pty device path (/dev/pts/N) the clients open. */
  readonly path: string;
  /** The symlink, when asked for. */
  readonly link: string | undefined;
  readonly #child: ChildProcess;
  readonly #unsubscribe: () => void;
  readonly #exited: Promise<void>;

  private constructor(path: string, link: string | undefined, child: ChildProcess, unsubscribe: () => void, exited: Promise<void>) {
    this.path = path;
    this.link = link;
    this.#child = child;
    this.#unsubscribe = unsubscribe;
    this.#exited = exited;
  }

  /** Opens a pty whose other end is `endpoint` (a SimulatedDevice's serial). */
  static async open(endpoint: SerialEndpoint, options: PtyOptions = {}): Promise<SerialPty> {
    if (options.link !== undefined && /[,!:]/.test(options.link)) throw new RangeError(`pty link path must not contain , ! or : (${options.link})`);
    const address = `pty,raw,echo=0${options.link ? `,link=${options.link}` : ''}`;
    const child = spawn('socat', ['-d', '-d', address, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stderr = '';
    const path = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat did not report its pty: ${stderr.trim()}`)), 5000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run socat (apt-get install socat): ${err.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`socat exited with code ${code}: ${stderr.trim()}`));
      });
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /PTY is (\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    }).catch((err: Error) => {
      child.kill();
      throw err;
    });
    // socat may report the pty before it has made the link
    for (let i = 0; options.link && !existsSync(options.link) && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
    child.stdin!.on('error', () => {}); // socat gone: close() reports nothing more
    child.stdout!.on('data', (d: Buffer) => endpoint.write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    const unsubscribe = endpoint.onData((bytes) => {
      if (child.stdin!.writable) child.stdin!.write(Buffer.from(bytes));
    });
    return new SerialPty(path, options.link, child, unsubscribe, exited);
  }

  /** Whether socat still runs. */
  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    if (this.alive) this.#child.kill('SIGTERM');
    await this.#exited;
  }
}
