// Small file helpers for commands: read a package, write files atomically (a failed command
// never leaves a partial file behind).
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadModel, Model } from '../../firmware/core/model';
import { readPackageFile } from '../package/read';

export function readModel(path: string): { bytes: Uint8Array; model: Model } {
  const bytes = readPackageFile(path);
  return { bytes, model: loadModel(bytes) };
}

export function writeFileAtomic(path: string, data: Uint8Array | string, mode?: number): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, data, mode === undefined ? undefined : { mode });
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
