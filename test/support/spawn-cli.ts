// A long-running edgeml command (broker, fleet watch, sim) as a child process whose output the
// test reads while it runs, then stops with a signal.
import { ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/edgeml.js', import.meta.url));

export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches `pattern` (rejects after `timeoutMs` or if the process ends first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGINT) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => { for (const w of [...waiters]) w(); };
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); notify(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { notify(); resolve(code); }));
  const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
  exited.then(() => clearTimeout(guard), () => undefined);
  return {
    child, exited,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, timeoutMs = 30_000) => new Promise((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) { done(); resolve(m); } else if (child.exitCode !== null) { done(); reject(new Error(`edgeml ${args.join(' ')} exited ${child.exitCode} before printing ${pattern}: ${out}${err}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`edgeml ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms: ${out}${err}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); waiters.delete(check); };
      waiters.add(check);
      check();
    }),
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
