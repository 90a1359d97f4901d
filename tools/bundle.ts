// Bundles a TypeScript entry into one classic script for the XS engine (esbuild, IIFE, ES2022).
//
//   tsx tools/bundle.ts <entry.ts> <out.js> [--minify]

import { build, type BuildOptions } from 'esbuild';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BundleOptions {
  /** Minify the output (default false: readable stack traces in XS). */
  minify?: boolean;
  /** esbuild `define` substitutions, e.g. { 'DEBUG': 'false' }. */
  define?: Record<string, string>;
  /** Reuse an earlier bundle while no input file changed (default true). */
  cache?: boolean;
}

interface CacheEntry {
  key: string;
  inputs: Map<string, number>; // absolute path → mtimeMs
  text: string;
}

const cache = new Map<string, CacheEntry>();

/** Returns the script text of `entry` bundled for XS. */
export async function bundleForXs(entry: string, opts: BundleOptions = {}): Promise<string> {
  const absolute = path.resolve(entry);
  const key = `${absolute}\0${opts.minify ? 1 : 0}\0${JSON.stringify(opts.define ?? {})}`;
  if (opts.cache !== false) {
    const hit = cache.get(key);
    if (hit && unchanged(hit.inputs)) return hit.text;
  }
  const options: BuildOptions = {
    entryPoints: [absolute],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['module', 'import', 'default'],
    resolveExtensions: ['.ts', '.mts', '.js', '.mjs', '.json'],
    sourcemap: false,
    minify: opts.minify ?? false,
    define: opts.define ?? {},
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: process.cwd(),
  };
  const result = await build(options);
  const text = result.outputFiles?.[0]?.text;
  if (text === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  const inputs = new Map<string, number>();
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    const file = path.resolve(process.cwd(), input);
    inputs.set(file, mtime(file));
  }
  cache.set(key, { key, inputs, text });
  return text;
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function unchanged(inputs: Map<string, number>): boolean {
  for (const [file, time] of inputs) if (mtime(file) !== time) return false;
  return true;
}

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'));
  if (args.length !== 2) {
    process.stderr.write('usage: tsx tools/bundle.ts <entry.ts> <out.js> [--minify]\n');
    return 2;
  }
  try {
    const text = await bundleForXs(args[0]!, { minify: argv.includes('--minify'), cache: false });
    writeFileSync(args[1]!, text);
    process.stdout.write(`${args[1]}: ${text.length} bytes\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`bundle failed: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
