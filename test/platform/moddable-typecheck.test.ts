// The Moddable (ESP32) platform can't run here (no board, no ESP-IDF), so this checks what can be
// checked without one: its code type-checks against @moddable/typings plus the local declarations,
// createModdablePlatform() gives every member of every platform interface, and manifest.json maps
// every firmware module, preloads the platform and names partitions the partition table has.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const platformDir = path.join(root, 'firmware/platform/moddable');

function createProgram(tsconfig: string): ts.Program {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  };
  const config = ts.getParsedCommandLineOfConfigFile(tsconfig, { noEmit: true }, host);
  if (!config) throw new Error(`cannot read ${tsconfig}`);
  return ts.createProgram({ rootNames: config.fileNames, options: config.options });
}

function formatDiagnostic(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.relative(root, d.file.fileName)}(${line + 1},${character + 1}): ${text}`;
}

function moduleFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3));
}

describe('Moddable platform: types', () => {
  const program = createProgram(path.join(platformDir, 'tsconfig.json'));
  const checker = program.getTypeChecker();

  it('type-checks against @moddable/typings and the local declarations, with no error', () => {
    expect(ts.getPreEmitDiagnostics(program).map(formatDiagnostic)).toEqual([]);
  });

  it('covers every module of firmware/platform/moddable', () => {
    const checked = new Set(program.getSourceFiles().map((f) => path.resolve(f.fileName)));
    const missing = moduleFiles(platformDir).filter((m) => !checked.has(path.join(platformDir, `${m}.ts`)));
    expect(missing).toEqual([]);
  });

  // Optional members a board cannot provide: XS on the ESP32 does not meter computrons.
  const BOARD_LACKS = new Set(['system.computrons']);

  it('createModdablePlatform() returns a Platform with every interface member', () => {
    const interfaces = program.getSourceFile(path.join(root, 'firmware/platform/interfaces.ts'))!;
    const factoryFile = program.getSourceFile(path.join(platformDir, 'platform.ts'))!;
    const platformDecl = interfaces.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Platform',
    )!;
    const platformType = checker.getTypeAtLocation(platformDecl);
    const factory = checker.getExportsOfModule(checker.getSymbolAtLocation(factoryFile)!).find((s) => s.name === 'createModdablePlatform')!;
    const signature = checker.getSignaturesOfType(checker.getTypeOfSymbol(factory), ts.SignatureKind.Call)[0];
    const made = checker.getReturnTypeOfSignature(signature);
    expect(checker.isTypeAssignableTo(made, platformType)).toBe(true);

    const missing: string[] = [];
    for (const member of checker.getPropertiesOfType(platformType)) {
      const wanted = checker.getTypeOfSymbol(member);
      const givenSymbol = checker.getPropertyOfType(made, member.name);
      if (!givenSymbol) {
        missing.push(member.name);
        continue;
      }
      const given = checker.getTypeOfSymbol(givenSymbol);
      for (const inner of checker.getPropertiesOfType(wanted))
        if (!checker.getPropertyOfType(given, inner.name) && !BOARD_LACKS.has(`${member.name}.${inner.name}`)) missing.push(`${member.name}.${inner.name}`);
      if (!checker.isTypeAssignableTo(given, wanted)) missing.push(`${member.name} (type)`);
    }
    expect(missing).toEqual([]);
    expect(checker.getPropertiesOfType(platformType).map((p) => p.name).sort()).toEqual(
      ['clock', 'config', 'crypto', 'device', 'kernels', 'network', 'sensor', 'serial', 'storage', 'system'],
    );
  });

  it('declares locally only modules @moddable/typings lacks', () => {
    const typings = path.join(root, 'node_modules/@moddable/typings');
    const declared = new Set<string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (name.endsWith('.d.ts'))
          for (const m of readFileSync(file, 'utf8').matchAll(/declare module ["']([^"']+)["']/g)) declared.add(m[1]);
      }
    };
    walk(typings);
    const local = readdirSync(path.join(platformDir, 'typings')).flatMap((f) =>
      [...readFileSync(path.join(platformDir, 'typings', f), 'utf8').matchAll(/declare module ["']([^"']+)["']/g)].map((m) => m[1]),
    );
    expect(local.sort()).toEqual(['crypt', 'curve', 'ecdsa', 'ecp', 'mqtt']);
    expect(local.filter((m) => declared.has(m))).toEqual([]);
  });
});

interface Manifest {
  creation: { main: string; static: number; chunk: { initial: number }; heap: { initial: number }; stack: number };
  config: Record<string, string | number>;
  modules: Record<string, string | string[]>;
  preload: string[];
  platforms: Record<string, { build?: Record<string, string>; include?: string[]; modules?: Record<string, string | string[]>; preload?: string[] }>;
}

describe('manifest.json (the device build)', () => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as Manifest;
  const local = (p: string) => path.join(root, p);
  const entries = Object.entries(manifest.modules).flatMap(([specifier, v]) => (Array.isArray(v) ? v : [v]).map((source) => ({ specifier, source })));

  it('names every module and preload once (JSON.parse would keep the last of two keys silently)', () => {
    const text = readFileSync(path.join(root, 'manifest.json'), 'utf8');
    const modules = text.slice(text.indexOf('"modules"'), text.indexOf('"preload"'));
    const keys = [...modules.matchAll(/^\t\t"([^"]+)":/gm)].map((m) => m[1]);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(keys.length).toBeGreaterThan(10);
    expect(manifest.preload.filter((k, i) => manifest.preload.indexOf(k) !== i)).toEqual([]);
  });

  it('maps every local module path to something that exists', () => {
    const broken = entries
      .filter((e) => e.source.startsWith('./'))
      .filter((e) => {
        const p = local(e.source);
        if (e.source.endsWith('/*')) return !existsSync(path.dirname(p));
        return !['.ts', '.js', '.d.ts', '.json'].some((ext) => existsSync(p + ext));
      })
      .map((e) => `${e.specifier}: ${e.source}`);
    expect(broken).toEqual([]);
  });

  it('maps each firmware directory as its own path, so relative imports resolve on the device', () => {
    const dirs: string[] = [];
    const walk = (rel: string): void => {
      const abs = local(rel);
      if (readdirSync(abs).some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) dirs.push(rel);
      for (const f of readdirSync(abs)) if (statSync(path.join(abs, f)).isDirectory()) walk(`${rel}/${f}`);
    };
    walk('firmware/core');
    walk('firmware/app');
    const unmapped = dirs.filter((d) => {
      const specifier = `${d.slice('firmware/'.length)}/*`;
      const sources = manifest.modules[specifier];
      return !(Array.isArray(sources) ? sources : [sources]).includes(`./${d}/*`);
    });
    expect(unmapped).toEqual([]);
    expect(existsSync(local(`firmware/${manifest.creation.main}.ts`))).toBe(true);
  });

  it('maps and preloads every platform module by name (mcconfig preloads TypeScript only by exact name)', () => {
    const missing = moduleFiles(platformDir)
      .filter((m) => !m.startsWith('setup-')) // setup modules: their own names, below
      .map((m) => `platform/moddable/${m}`)
      .filter((s) => manifest.modules[s] !== `./firmware/${s}` || !manifest.preload.includes(s));
    expect(missing).toEqual([]);
    const stale = manifest.preload.filter((s) => /^(core|app|platform)\//.test(s) && !existsSync(local(`firmware/${s}.ts`)));
    expect(stale).toEqual([]);
  });

  it('runs its own Wi-Fi setup on ESP32 in place of the SDK\'s setup/network (which holds the application until it has an IP address)', () => {
    const esp32 = manifest.platforms.esp32;
    expect(esp32.modules?.['~']).toContain('$(MODDABLE)/build/devices/esp32/setup/network');
    expect(esp32.modules?.['setup/wifi']).toBe('./firmware/platform/moddable/setup-wifi');
    expect(esp32.preload).toContain('setup/wifi');
    expect(esp32.include).toContain('$(MODDABLE)/modules/network/wifi/manifest.json');
    expect(moduleFiles(platformDir).filter((m) => m.startsWith('setup-'))).toEqual(['setup-wifi']);
  });

  it('names partitions that the ESP32 partition table has, laid out within 4 MB', () => {
    const file = manifest.platforms.esp32.build?.PARTITIONS_FILE;
    expect(file).toBeDefined();
    const rows = readFileSync(local(file!), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(',').map((c) => c.trim()));
    const parts = rows.map(([name, type, subtype, offset, size]) => ({ name, type, subtype, offset: Number(offset), size: Number(size) }));
    for (const key of ['modelSlotA', 'modelSlotB', 'modelState']) {
      const part = parts.find((p) => p.name === manifest.config[key]);
      expect(part, key).toBeDefined();
      expect(part!.type).toBe('data');
      expect(part!.name.length).toBeLessThanOrEqual(16);
    }
    let end = 0x9000;
    for (const p of parts) {
      expect(p.offset % (p.type === 'app' ? 0x10000 : 0x1000), p.name).toBe(0);
      expect(p.size % 0x1000, p.name).toBe(0);
      expect(p.offset, p.name).toBeGreaterThanOrEqual(end);
      end = p.offset + p.size;
    }
    expect(end).toBeLessThanOrEqual(0x400000);
  });

  it('sizes the XS machine for an ESP32 (system heap, 200 KB to start, growable)', () => {
    const { creation } = manifest;
    expect(creation.static).toBe(0);
    expect(creation.chunk.initial).toBeGreaterThanOrEqual(64 * 1024);
    expect(creation.heap.initial * 16 + creation.chunk.initial + creation.stack * 16).toBeLessThanOrEqual(200 * 1024);
  });
});
