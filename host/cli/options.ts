// Option parsers shared by the commands: a value commander hands over is checked here, and a
// bad one is a usage error (exit 2) naming the option and what it takes.
import { InvalidArgumentError } from 'commander';

/** The largest model version (and seed): an unsigned 32-bit integer. */
export const MAX_U32 = 0xffffffff;

/** A whole number from 1 to `max`. */
export function positiveInt(option: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || n < 1 || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `${option} takes a whole number of at least 1.` : `${option} takes a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

/** A whole number from 0 to `max`. */
export function wholeNumber(option: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !(n <= max)) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `${option} takes a whole number of 0 or more.` : `${option} takes a whole number from 0 to ${max}.`);
    }
    return n;
  };
}

/** --model-version: what the package header holds (u32; devices refuse older versions). */
export const modelVersionOf = wholeNumber('--model-version', MAX_U32);
