// Small file helpers for commands: read a package, write files atomically (a failed command
// never leaves a partial file behind). Errors name the path the user gave, never a temporary
// file, and a directory where a file belongs is said to be one.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadModel, Model } from '../../firmware/core/model';
import type { Signer } from '../package/encode';
import { readPackageFile } from '../package/read';
import { createSigner, rawPublicKey } from '../package/signing';
import { CliError, EXIT } from './errors';

/** Returns `path`, or throws a CliError if it names a directory (a missing file is left to the reader: ENOENT names it). */
export function inputFile(path: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // missing or unreadable: the read that follows says so, with the path
  }
  if (isDirectory) throw new CliError(`${path} is a directory, a file was expected`, EXIT.badInput);
  return path;
}

export function readTextFile(path: string): string {
  return readFileSync(inputFile(path), 'utf8');
}

export function readModel(path: string): { bytes: Uint8Array; model: Model } {
  const bytes = readPackageFile(inputFile(path));
  return { bytes, model: loadModel(bytes) };
}

/** A signer from a private key file (edgeml keygen's PREFIX.key); anything else is bad input. */
export function readSigner(path: string): Signer {
  const pem = readTextFile(path);
  try {
    return createSigner(pem);
  } catch {
    if (isPublicKey(pem)) throw new CliError(`${path} is a public key; signing takes the private key (the .key file of edgeml keygen)`, EXIT.badInput);
    throw new CliError(`${path} is not a P-256 private key (make one with edgeml keygen)`, EXIT.badInput);
  }
}

/** A public key file's PEM text, checked to be a P-256 key (what signatures verify with). */
export function readPublicKey(path: string): string {
  const pem = readTextFile(path);
  if (!isPublicKey(pem)) throw new CliError(`${path} is not a P-256 public key (the .pub file of edgeml keygen)`, EXIT.badInput);
  return pem;
}

function isPublicKey(pem: string): boolean {
  try {
    rawPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}

export interface WriteOptions {
  /** File mode of a new file (e.g. 0o600 for a private key). */
  mode?: number;
  /** Create the parent directories if they are missing (default: refuse, naming the directory). */
  createDirectory?: boolean;
}

export function writeFileAtomic(path: string, data: Uint8Array | string, options: WriteOptions | number = {}): void {
  const { mode, createDirectory } = typeof options === 'number' ? { mode: options, createDirectory: false } : options;
  checkOutputFile(path, createDirectory ?? false);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, data, mode === undefined ? undefined : { mode });
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw outputError(path, e);
  }
}

/** Checks (or with `createDirectory`, makes) what writing `path` needs: a directory to hold it, and no directory in its place. */
export function checkOutputFile(path: string, createDirectory: boolean): void {
  const dir = dirname(path);
  const kind = (p: string) => {
    try {
      return statSync(p).isDirectory() ? 'directory' : 'file';
    } catch {
      return 'missing';
    }
  };
  if (kind(path) === 'directory') throw new CliError(`${path} is a directory, a file was expected`, EXIT.usage);
  const parent = kind(dir);
  if (parent === 'file') throw new CliError(`cannot write ${path}: ${dir} is a file, not a directory`, EXIT.usage);
  if (parent === 'missing') {
    if (!createDirectory) throw new CliError(`cannot write ${path}: the directory ${dir} does not exist`, EXIT.usage);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw outputError(path, e);
    }
  }
}

function outputError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new CliError(`cannot write ${path}: permission denied`, EXIT.badInput);
  if (code === 'EISDIR') return new CliError(`${path} is a directory, a file was expected`, EXIT.usage);
  if (code === 'ENOTDIR' || code === 'EEXIST') return new CliError(`cannot write ${path}: ${dirname(path)} is not a directory`, EXIT.usage);
  if (code === 'ENOENT') return new CliError(`cannot write ${path}: the directory ${dirname(path)} does not exist`, EXIT.usage);
  if (code === 'ENOSPC') return new CliError(`cannot write ${path}: no space left on the device`, EXIT.failure);
  return e;
}
