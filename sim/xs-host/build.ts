// Builds the desktop XS host: Moddable's XS engine and xsnap's worker (netstring protocol on
// fds 3/4, driven by sim/xs/worker.ts), both from the sources @agoric/xsnap ships, linked
// with every native kernel (firmware/native/**.c), every xsmc binding
// (firmware/platform/moddable/native/**.c) and native-glue.c, which gives XS the global
// native(name) the bindings are reached through on the device. Run by `npm install`
// (postinstall) and `npm run build:xs-host`; nothing is downloaded.
//
// The compile flags are those of xsnap's own release build (makefiles/lin/xsnap-worker.mk,
// whose object list is read from the makefile), so the host meters computrons exactly as the
// stock xsnap-worker does. Objects are cached by a hash of compiler, flags, source and headers
// (rm -rf sim/xs-host/build clears old ones), compiled as many at a time as there are cores;
// unchanged inputs rebuild nothing.
//
//   tsx sim/xs-host/build.ts [--postinstall]   (--postinstall: a failure warns, exit 0)
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XS_HOST_BINARY, XS_HOST_BUILD_DIR } from './paths';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = path.join(ROOT, 'sim/xs-host');
const OBJ = path.join(XS_HOST_BUILD_DIR, 'obj');
/** Where the bindings' C lives: every .c under these is linked in. */
export const NATIVE_SOURCE_DIRS = ['firmware/native', 'firmware/platform/moddable/native'];
const CALLBACK = /^\s*void\s+(xs_edgeml_\w+)\s*\(\s*xsMachine\s*\*\s*the\s*\)\s*\{?\s*$/gm;

interface Unit { source: string; object: string; flags: string[] }

function xsnapDir(): string {
  return path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('@agoric/xsnap/package.json'));
}

function filesEndingIn(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) return filesEndingIn(p, ext);
    return p.endsWith(ext) ? [p] : [];
  });
}

function cFiles(dir: string): string[] {
  return existsSync(dir) ? filesEndingIn(dir, '.c').sort() : [];
}

function compiler(): string {
  for (const cc of process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang']) {
    const run = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (!run.error && run.status === 0) return cc;
  }
  throw new Error('no C compiler (tried $CC, cc, gcc, clang): install one, e.g. apt-get install build-essential');
}

/** The XS and worker sources of xsnap's release build, from the OBJECTS of its makefile. */
function xsnapSources(xsnap: string): { sources: string[]; flags: string[]; includes: string[] } {
  const moddable = path.join(xsnap, 'moddable');
  const worker = path.join(xsnap, 'xsnap-native/xsnap');
  const makefile = readFileSync(path.join(worker, 'makefiles/lin/xsnap-worker.mk'), 'utf8');
  const objects = [...makefile.matchAll(/\$\(TMP_DIR\)\/([\w-]+)\.o\s*\\?$/gm)].map((m) => m[1]);
  if (!objects.includes('xsnap-worker') || !objects.includes('xsAll')) throw new Error('xsnap-worker.mk has no OBJECTS list this build understands');
  const includes = [`${moddable}/xs/includes`, `${moddable}/xs/platforms`, `${moddable}/xs/sources`, `${worker}/sources`];
  const vpath = [`${moddable}/xs/sources`, `${worker}/sources`, `${moddable}/modules/data/text/decoder`, `${moddable}/modules/data/text/encoder`, `${moddable}/modules/data/base64`];
  const sources = objects.map((name) => {
    const dir = vpath.find((d) => existsSync(path.join(d, `${name}.c`)));
    if (!dir) throw new Error(`${name}.c is not in the @agoric/xsnap sources`);
    return path.join(dir, `${name}.c`);
  });
  const version = (JSON.parse(readFileSync(path.join(xsnap, 'package.json'), 'utf8')) as { version: string }).version;
  // C_OPTIONS of xsnap-worker.mk for GOAL=release
  const flags = [
    '-fno-common', '-DINCLUDE_XSPLATFORM', '-DXSPLATFORM="xsnapPlatform.h"', `-DXSNAP_VERSION="${version}"`,
    '-DXSNAP_TEST_RECORD=0', '-DmxLockdown=1', '-DmxMetering=1', '-DmxDebug=1', '-UmxInstrument', '-DmxNoConsole=1',
    '-DmxBoundsCheck=1', '-DmxParse=1', '-DmxRun=1', '-DmxSloppy=1', '-DmxSnapshot=1', '-DmxRegExpUnicodePropertyEscapes=1',
    '-DmxStringNormalize=1', '-DmxMinusZero=1', ...includes.map((d) => `-I${d}`),
    '-Wno-misleading-indentation', '-Wno-implicit-fallthrough', '-O3',
  ];
  return { sources, flags, includes };
}

/** C source of the callback table native() looks names up in. */
export function nativeTable(sources: readonly string[]): string {
  const names = new Set<string>();
  for (const s of sources) for (const m of readFileSync(s, 'utf8').matchAll(CALLBACK)) names.add(m[1]);
  const sorted = [...names].sort();
  return [
    '/* GENERATED by sim/xs-host/build.ts from the binding sources: do not edit. */',
    '#include "xs.h"',
    '#include <stddef.h>',
    ...sorted.map((n) => `extern void ${n}(xsMachine *the);`),
    'typedef struct { const char *name; xsCallback callback; } edgeml_native_entry;',
    'extern const edgeml_native_entry edgeml_native_table[];',
    'const edgeml_native_entry edgeml_native_table[] = {',
    ...sorted.map((n) => `\t{ "${n}", ${n} },`),
    '\t{ NULL, NULL }',
    '};',
    '',
  ].join('\n');
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}\n${output}`))));
  });
}

async function parallel(tasks: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => { while (next < tasks.length) await tasks[next++](); };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, lane));
}

// Builds may run side by side (postinstall, test setups): every output appears whole, by rename.
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function objectName(source: string, key: string): string {
  const rel = path.relative(ROOT, source).replace(/^node_modules\/@agoric\/xsnap\//, 'xsnap/').replace(/[/\\]/g, '_');
  return path.join(OBJ, `${rel.replace(/\.c$/, '')}-${key}.o`);
}

/** Builds (or finds up to date) the host binary; returns whether anything was rebuilt. */
export async function buildXsHost(log: (line: string) => void = () => {}): Promise<boolean> {
  const cc = compiler();
  const xsnap = xsnapDir();
  const xs = xsnapSources(xsnap);
  const ours = NATIVE_SOURCE_DIRS.flatMap((d) => cFiles(path.join(ROOT, d)));
  mkdirSync(OBJ, { recursive: true });
  const table = path.join(XS_HOST_BUILD_DIR, 'edgeml-native-table.c');
  const tableText = nativeTable(ours);
  if (!existsSync(table) || readFileSync(table, 'utf8') !== tableText) writeAtomically(table, tableText);

  const headers = createHash('sha256');
  headers.update(spawnSync(cc, ['--version'], { encoding: 'utf8' }).stdout);
  for (const dir of [...xs.includes, ...NATIVE_SOURCE_DIRS.map((d) => path.join(ROOT, d))].filter(existsSync)) {
    for (const h of filesEndingIn(dir, '.h').sort()) headers.update(h).update(readFileSync(h));
  }
  const headerKey = headers.digest('hex');
  const native = ['-I', path.join(ROOT, 'firmware/native')];
  // xsBuildAgent's call of modInstallBase64 becomes ours: see native-glue.c.
  const hook = ['-DmodInstallBase64(the)=edgemlInstallBase64AndNative(the)'];
  const units: Unit[] = [
    ...xs.sources.map((source) => ({ source, flags: source.endsWith('xsnap-worker.c') ? [...xs.flags, ...hook] : xs.flags })),
    ...[...ours, path.join(HERE, 'native-glue.c'), table].map((source) => ({ source, flags: [...xs.flags, ...native] })),
  ].map((u) => {
    const key = createHash('sha256').update(headerKey).update(JSON.stringify(u.flags)).update(readFileSync(u.source)).digest('hex').slice(0, 16);
    return { ...u, object: objectName(u.source, key) };
  });

  const stale = units.filter((u) => !existsSync(u.object));
  if (stale.length > 0) log(`compiling ${stale.length} of ${units.length} C files`);
  await parallel(stale.map((u) => async () => {
    const tmp = `${u.object}.${process.pid}.tmp`;
    await run(cc, ['-c', u.source, ...u.flags, '-o', tmp]);
    renameSync(tmp, u.object);
  }), os.availableParallelism());

  const objects = units.map((u) => u.object);
  const linkKey = createHash('sha256').update(objects.join('\n')).digest('hex');
  const keyFile = `${XS_HOST_BINARY}.key`;
  if (existsSync(XS_HOST_BINARY) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === linkKey) return false;
  const tmp = `${XS_HOST_BINARY}.${process.pid}.tmp`;
  await run(cc, ['-rdynamic', ...objects, '-ldl', '-lm', '-lpthread', '-o', tmp]);
  renameSync(tmp, XS_HOST_BINARY);
  writeAtomically(keyFile, linkKey);
  log(`built ${path.relative(ROOT, XS_HOST_BINARY)}`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const postinstall = process.argv.includes('--postinstall');
  const started = Date.now();
  buildXsHost((line) => console.log(`xs-host: ${line}`)).then(
    (rebuilt) => console.log(`xs-host: ${rebuilt ? 'done' : 'up to date'} in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    (err: Error) => {
      console.error(`xs-host: the native XS host could not be built: ${err.message}`);
      if (postinstall) console.error('xs-host: everything else is installed; the simulator needs this host for native kernels (npm run build:xs-host retries)');
      process.exitCode = postinstall ? 0 : 1;
    },
  );
}
