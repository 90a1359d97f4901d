// Compile C sources into a host executable with the machine's C compiler, for tests and tools
// that run the native kernels directly. Builds are cached under node_modules/.cache/edgeml-cc,
// keyed by a hash of the compiler, flags and every source and header, so a test run compiles
// each configuration once; concurrent builders write to a temporary name and rename.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'edgeml-cc');

/** Warnings are errors: the kernels must build clean on every compiler the firmware meets. */
export const STRICT_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic'];
export const SANITIZE_FLAGS = ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=all'];

export interface CompileOptions {
  /** C files, absolute or relative to the repository root. */
  sources: readonly string[];
  /** Directories searched for headers (relative to the root); their .h files join the cache key. */
  includes?: readonly string[];
  /** Extra flags (default -O2); STRICT_FLAGS always apply. */
  flags?: readonly string[];
  /** Build with AddressSanitizer and UBSan (replaces the optimisation flags). */
  sanitize?: boolean;
  /** Base name of the executable (the hash is appended). */
  name: string;
}

/** The C compiler: $CC, else cc, gcc or clang, whichever runs; null when there is none. */
export function findCompiler(): string | null {
  const candidates = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
  for (const c of candidates) {
    const run = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (!run.error && run.status === 0) return c;
  }
  return null;
}

function headersUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...headersUnder(p));
    else if (p.endsWith('.h')) out.push(p);
  }
  return out.sort();
}

/** Path of the executable built from `opts` (compiled now unless cached). Throws with the compiler's output on failure. */
export function compile(opts: CompileOptions): string {
  const cc = findCompiler();
  if (cc === null) {
    throw new Error('no C compiler found (tried $CC, cc, gcc, clang): install one (e.g. apt-get install build-essential) to build the native kernels');
  }
  const sources = opts.sources.map((s) => path.resolve(ROOT, s));
  const includes = (opts.includes ?? []).map((d) => path.resolve(ROOT, d));
  const flags = [
    ...STRICT_FLAGS,
    ...(opts.sanitize === true ? SANITIZE_FLAGS : (opts.flags ?? ['-O2'])),
    ...includes.map((d) => `-I${d}`),
  ];
  const hash = createHash('sha256');
  hash.update(JSON.stringify([cc, spawnSync(cc, ['--version'], { encoding: 'utf8' }).stdout, flags]));
  for (const f of [...sources, ...includes.flatMap(headersUnder)]) {
    hash.update(f);
    hash.update(readFileSync(f));
  }
  const exe = path.join(CACHE, `${opts.name}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(exe)) return exe;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${exe}.${process.pid}.tmp`;
  const run = spawnSync(cc, [...flags, '-o', tmp, ...sources, '-lm'], { encoding: 'utf8' });
  if (run.error) throw new Error(`${cc} did not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`${cc} failed (${run.status}):\n${run.stderr}${run.stdout}`);
  renameSync(tmp, exe);
  return exe;
}
