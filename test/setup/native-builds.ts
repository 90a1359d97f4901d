// vitest globalSetup: fail fast, with a clear message, when a native build the project needs
// is missing (npm 11 skips install scripts that package.json's allowScripts does not approve).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xsnapWorkerPath } from '../../sim/xs/worker';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));

interface NativeCheck {
  /** npm package; checked only if package.json depends on it (xsnap and esbuild always). */
  pkg: string;
  always?: boolean;
  /** Throws with a reason when the build is unusable. */
  check(): void;
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
export function checkNativeBuilds(): void {
  const declared = declaredDependencies();
  const problems: string[] = [];
  for (const c of CHECKS) {
    if (!c.always && !declared.has(c.pkg)) continue;
    try {
      c.check();
    } catch (err) {
      problems.push(`  - ${c.pkg}: ${(err as Error).message.split('\n')[0]}\n    fix: approve it in package.json "allowScripts", then run: npm rebuild ${c.pkg}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`native builds missing or broken:\n${problems.join('\n')}`);
  }
}

export default async function setup(): Promise<void> {
  checkNativeBuilds();
}
