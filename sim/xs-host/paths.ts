// Where the desktop XS host with the native kernels is built (sim/xs-host/build.ts, run by
// `npm install`), and the message when it is missing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const XS_HOST_BUILD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build');
export const XS_HOST_BINARY = path.join(XS_HOST_BUILD_DIR, 'edgeml-xs-host');

/** The host binary; throws a sentence saying how to build it when it is missing. */
export function xsHostBinary(): string {
  if (!existsSync(XS_HOST_BINARY)) {
    throw new Error(`the native XS host was not built (missing ${XS_HOST_BINARY}): run npm run build:xs-host (it needs a C compiler), or use the reference kernels`);
  }
  return XS_HOST_BINARY;
}
