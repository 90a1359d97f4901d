// vitest globalSetup: fail fast, with a clear message, when a native build the project needs
// is missing (npm 11 skips install scripts that package.json's allowScripts does not approve).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xsnapWorkerPath } from '../../sim/xs/worker';
import { buildXsHost } from '../../sim/xs-host/build';
import { xsHostBinary } from '../../sim/xs-host/paths';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));

interface NativeCheck {
  /** npm package; checked only if package.json depends on it (xsnap and esbuild always). */
  pkg: string;
  always?: boolean;
  /** How to rebuild it (default: approve it in allowScripts, then npm rebuild). */
  fix?: string;
  /** Throws (or rejects) with a reason when the build is unusable. */
  check(): void | Promise<void>;
}

const CHECKS: NativeCheck[] = [
  {
    pkg: '@agoric/xsnap',
    always: true,
    check() {
      const bin = xsnapWorkerPath();
      if (!existsSync(bin)) throw new Error(`the XS engine was not built (missing ${bin})`);
      const run = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 10_000 });
      if (run.error) throw new Error(`${bin} does not run: ${run.error.message}`);
      if (run.status !== 0) throw new Error(`${bin} -v exited with ${run.status ?? run.signal}: ${run.stderr}`);
    },
  },
  {
    // Ours: built by package.json's postinstall from @agoric/xsnap's XS sources and firmware/native.
    pkg: 'edgeml native XS host (sim/xs-host)',
    always: true,
    fix: 'npm run build:xs-host (needs a C compiler: apt-get install build-essential)',
    async check() {
      // A no-op when nothing changed; after an edit of firmware/native, the tests see the edit.
      await buildXsHost();
      const bin = xsHostBinary();
      const run = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 10_000 });
      if (run.error) throw new Error(`${bin} does not run: ${run.error.message}`);
      if (run.status !== 0) throw new Error(`${bin} -v exited with ${run.status ?? run.signal}: ${run.stderr}`);
    },
  },
  {
    pkg: 'esbuild',
    always: true,
    check() {
      const esbuild = require('esbuild') as typeof import('esbuild');
      if (typeof esbuild.version !== 'string') throw new Error('esbuild has no version');
      const out = esbuild.transformSync('const a: number = 1;', { loader: 'ts' });
      if (!out.code.includes('const a = 1')) throw new Error(`unexpected transform output ${JSON.stringify(out.code)}`);
    },
  },
  {
    pkg: 'better-sqlite3',
    check() {
      const Database = require('better-sqlite3') as new (file: string) => {
        prepare(sql: string): { get(): unknown };
        close(): void;
      };
      const db = new Database(':memory:');
      db.prepare('select 1').get();
      db.close();
    },
  },
  {
    pkg: 'serialport',
    check() {
      require('@serialport/bindings-cpp');
    },
  },
  {
    pkg: 'node-pty',
    check() {
      require('node-pty');
    },
  },
];

function declaredDependencies(): Set<string> {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const names = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const name of Object.keys((manifest[field] as Record<string, string> | undefined) ?? {})) names.add(name);
  }
  return names;
}

/** Throws one error listing every missing or broken native build. */
export async function checkNativeBuilds(): Promise<void> {
  const declared = declaredDependencies();
  const problems: string[] = [];
  for (const c of CHECKS) {
    if (!c.always && !declared.has(c.pkg)) continue;
    try {
      await c.check();
    } catch (err) {
      const fix = c.fix ?? `approve it in package.json "allowScripts", then run: npm rebuild ${c.pkg}`;
      problems.push(`  - ${c.pkg}: ${(err as Error).message.split('\n')[0]}\n    fix: ${fix}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`native builds missing or broken:\n${problems.join('\n')}`);
  }
}

export default async function setup(): Promise<void> {
  await checkNativeBuilds();
}
