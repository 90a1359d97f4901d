// How the CLI fails: a sentence and an exit code, never a stack trace for a user mistake.
import { ModelError } from '../../firmware/core/errors';
import { DatasetError } from '../data/dataset';
import { StoreError } from '../data/store';

/** Exit codes, documented in README.md. */
export const EXIT = {
  ok: 0,
  failure: 1,      // the operation ran and failed (model refused, accuracy below a bar, ...)
  usage: 2,        // bad arguments or options
  badInput: 3,     // an input file is missing, unreadable or malformed
  device: 4,       // the device cannot be reached: no such port, busy, permission, no answer, protocol mismatch
  interrupted: 130, // stopped by Ctrl-C (SIGINT) before the end; the device was left consistent
} as const;

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Turns any error into what the user sees and the exit code. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof StoreError) return { message: `dataset store: ${error.message}`, exitCode: EXIT.badInput };
  if (error instanceof DatasetError) return { message: `bad data (${error.code}): ${error.message}`, exitCode: EXIT.badInput };
  if (error instanceof ModelError) return { message: `not a valid model package (${error.message})`, exitCode: EXIT.badInput };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (code === 'ENOENT') return { message: `no such file: ${path}`, exitCode: EXIT.badInput };
  if (code === 'EACCES' || code === 'EPERM') return { message: `permission denied: ${path}`, exitCode: EXIT.badInput };
  if (code === 'EISDIR') return { message: `${path} is a directory, a file was expected`, exitCode: EXIT.badInput };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `unexpected error: ${message}${process.env.EDGEML_DEBUG && error instanceof Error ? `\n${error.stack}` : ' (set EDGEML_DEBUG=1 for details)'}`, exitCode: EXIT.failure };
}
