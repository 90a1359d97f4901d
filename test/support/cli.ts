// Runs the real `edgeml` binary (bin/edgeml.js) as a user would.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/edgeml.js', import.meta.url));

export interface CliResult { code: number; stdout: string; stderr: string }

export function edgeml(args: string[], cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
