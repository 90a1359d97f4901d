// Runs the real `edgeml` binary (bin/edgeml.js) as a user would.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/edgeml.js', import.meta.url));

export interface CliResult { code: number; stdout: string; stderr: string }

export function edgeml(args: string[], cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs edgeml without blocking the event loop (a simulated device in this process keeps serving its pty). */
export function edgemlAsync(args: string[], options: { killAfterMs?: number; killWhen?: () => boolean; signal?: NodeJS.Signals } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const kill = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill(options.signal ?? 'SIGKILL'), options.killAfterMs);
    const watch = options.killWhen === undefined ? undefined : setInterval(() => { if (options.killWhen!()) child.kill(options.signal ?? 'SIGKILL'); }, 20);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (kill) clearTimeout(kill);
      if (watch) clearInterval(watch);
      resolve({ code: code ?? (signal ? -1 : -2), stdout, stderr });
    });
  });
}
