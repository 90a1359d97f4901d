// Checks that firmware/core stays portable: plain ES2022 + typed arrays, importing nothing
// outside itself, and using no Node or Moddable globals. Walks the TypeScript AST (comments
// and strings never trip it) and asks the type checker whether an identifier is declared in
// the checked sources or is a free (global) reference.
//
//   tsx tools/check-core-purity.ts [dir]     (default firmware/core; exit 1 on violations)

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export type ViolationKind = 'import' | 'global' | 'bigint' | 'nondeterminism' | 'import-meta';

export interface Violation {
  file: string; // absolute path
  line: number; // 1-based
  column: number; // 1-based
  kind: ViolationKind;
  reason: string;
}

/** Globals core code must not touch, with why. ES builtins (Math, Date, typed arrays …) are fine. */
export const BANNED_GLOBALS: Readonly<Record<string, string>> = {
  // Node
  process: 'Node global',
  Buffer: 'Node global',
  require: 'CommonJS/Node global',
  module: 'CommonJS/Node global',
  exports: 'CommonJS/Node global',
  __dirname: 'Node global',
  __filename: 'Node global',
  global: 'Node global',
  globalThis: 'host global object (core must receive what it needs as arguments)',
  setTimeout: 'host timer',
  setInterval: 'host timer',
  setImmediate: 'host timer',
  clearTimeout: 'host timer',
  clearInterval: 'host timer',
  clearImmediate: 'host timer',
  queueMicrotask: 'host scheduling',
  structuredClone: 'host API',
  console: 'host console (not on Moddable devices)',
  fetch: 'host network API',
  performance: 'host clock',
  TextEncoder: 'host API (not in ES2022; use core/utf8)',
  TextDecoder: 'host API (not in ES2022; use core/utf8)',
  atob: 'host API',
  btoa: 'host API',
  window: 'browser global',
  self: 'browser global',
  // Moddable / XS hosts
  trace: 'Moddable global',
  print: 'XS host global',
  Timer: 'Moddable module/global',
  Host: 'Moddable global',
  device: 'Moddable (ECMA-419 host provider) global',
  harden: 'XS/SES global',
  gc: 'XS host global',
  // Numeric contract
  BigInt: 'BigInt is outside the hot-path numeric contract',
  BigInt64Array: 'BigInt is outside the hot-path numeric contract',
  BigUint64Array: 'BigInt is outside the hot-path numeric contract',
};

/** Members of ES builtins that make results depend on the machine they run on. */
const NONDETERMINISTIC: Readonly<Record<string, readonly string[]>> = {
  Date: ['now'],
  Math: ['random'],
};

/** Lists the .ts files under `dir`, recursively (declaration files included). */
export function listTsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listTsFiles(full));
    else if (/\.(m|c)?ts$/.test(name)) out.push(full);
  }
  return out;
}

/** Returns every purity violation in the .ts files under `dir` (sorted by file and position). */
export function checkCorePurity(dir: string): Violation[] {
  const root = path.resolve(dir);
  const files = listTsFiles(root);
  if (files.length === 0) return [];
  const program = ts.createProgram({
    rootNames: files,
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: [],
      noEmit: true,
      noResolve: true, // never load what core imports from outside: only judge it
      skipLibCheck: true,
    },
  });
  const checker = program.getTypeChecker();
  const ownFiles = new Set(files.map((f) => path.normalize(f)));
  const violations: Violation[] = [];

  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const report = (node: ts.Node, kind: ViolationKind, reason: string) => {
      const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
      violations.push({ file, line: line + 1, column: character + 1, kind, reason });
    };

    const checkSpecifier = (node: ts.Node, specifier: ts.Expression | undefined, how: string) => {
      if (!specifier) return;
      if (!ts.isStringLiteralLike(specifier)) {
        report(node, 'import', `${how} with a computed specifier`);
        return;
      }
      const spec = specifier.text;
      if (!spec.startsWith('./') && !spec.startsWith('../')) {
        report(node, 'import', `${how} '${spec}' is not a relative path inside core`);
        return;
      }
      const target = path.resolve(path.dirname(file), spec);
      const rel = path.relative(root, target);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
        report(node, 'import', `${how} '${spec}' resolves outside ${path.basename(root)}/`);
      }
    };

    // Declared by the checked sources themselves (not ambiently: `declare const trace` does not count).
    const isDeclaredInSources = (id: ts.Identifier): boolean => {
      const parent = id.parent;
      let symbol: ts.Symbol | undefined;
      if (parent && ts.isShorthandPropertyAssignment(parent) && parent.name === id) {
        symbol = checker.getShorthandAssignmentValueSymbol(parent);
      } else if (parent && ts.isExportSpecifier(parent) && !parent.parent.parent.moduleSpecifier) {
        symbol = checker.getExportSpecifierLocalTargetSymbol(parent);
      } else {
        symbol = checker.getSymbolAtLocation(id);
      }
      if (!symbol) return false; // unresolved: a free reference to a host global
      return (symbol.declarations ?? []).some((d) => {
        const sf = d.getSourceFile();
        if (sf.isDeclarationFile || !ownFiles.has(path.normalize(sf.fileName))) return false;
        return !isAmbient(d);
      });
    };

    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node)) {
        checkSpecifier(node, node.moduleSpecifier, 'import');
      } else if (ts.isExportDeclaration(node)) {
        if (node.moduleSpecifier) checkSpecifier(node, node.moduleSpecifier, 'export … from');
      } else if (ts.isImportEqualsDeclaration(node)) {
        if (ts.isExternalModuleReference(node.moduleReference)) {
          checkSpecifier(node, node.moduleReference.expression, 'import = require()');
        }
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        checkSpecifier(node, node.arguments[0], 'import()');
      } else if (ts.isImportTypeNode(node)) {
        const arg = node.argument;
        if (ts.isLiteralTypeNode(arg)) checkSpecifier(node, arg.literal as ts.Expression, "import('…') type");
      } else if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
        report(node, 'import-meta', 'import.meta is host-specific');
      } else if (node.kind === ts.SyntaxKind.BigIntLiteral) {
        report(node, 'bigint', `BigInt literal ${node.getText(source)}: BigInt is outside the hot-path numeric contract`);
      } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
        const owner = node.expression.text;
        const member = node.name.text;
        if (NONDETERMINISTIC[owner]?.includes(member) && !isDeclaredInSources(node.expression)) {
          report(node, 'nondeterminism', `${owner}.${member}() differs between runs and devices: take it from the platform`);
        }
      } else if (ts.isIdentifier(node)) {
        const reason = Object.prototype.hasOwnProperty.call(BANNED_GLOBALS, node.text) ? BANNED_GLOBALS[node.text] : undefined;
        if (reason && isReference(node) && !isDeclaredInSources(node)) {
          report(node, 'global', `uses ${node.text} (${reason})`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return violations;
}

/** Whether a declaration sits in an ambient context (`declare …`, `declare global { … }`). */
function isAmbient(declaration: ts.Node): boolean {
  for (let n: ts.Node | undefined = declaration; n; n = n.parent) {
    if (ts.canHaveModifiers(n) && ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return true;
  }
  return false;
}

/** Whether an identifier stands for a binding (rather than a property or label name). */
function isReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (ts.isPropertyAccessExpression(parent) && parent.name === id) return false;
  if (ts.isQualifiedName(parent) && parent.right === id) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === id) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === id) return false;
  if (ts.isImportSpecifier(parent) && parent.propertyName === id) return false;
  if (ts.isExportSpecifier(parent) && parent.propertyName === id) return false;
  if (
    (ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isGetAccessorDeclaration(parent) ||
      ts.isSetAccessorDeclaration(parent) ||
      ts.isEnumMember(parent)) &&
    parent.name === id
  ) {
    return false;
  }
  if (ts.isModuleDeclaration(parent) && parent.name === id) return false; // `declare global`
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isJsxAttribute(parent)) return false;
  return true;
}

/** Formats a violation as `path:line:column: reason`, path relative to `base`. */
export function formatViolation(v: Violation, base = process.cwd()): string {
  return `${path.relative(base, v.file)}:${v.line}:${v.column}: ${v.reason}`;
}

function main(argv: string[]): number {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = argv[0] ?? path.resolve(here, '../firmware/core');
  let violations: Violation[];
  try {
    violations = checkCorePurity(dir);
  } catch (err) {
    process.stderr.write(`check-core-purity: ${(err as Error).message}\n`);
    return 2;
  }
  for (const v of violations) process.stdout.write(`${formatViolation(v)}\n`);
  if (violations.length > 0) {
    process.stdout.write(`${violations.length} core purity violation(s) in ${dir}\n`);
    return 1;
  }
  process.stdout.write(`${path.relative(process.cwd(), dir) || '.'}: core is pure\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(main(process.argv.slice(2)));
}
