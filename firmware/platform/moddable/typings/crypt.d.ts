// Local declarations for Moddable SDK modules that @moddable/typings 5.6.0 (npm) does not declare:
// "crypt" (modules/crypt/digest). Newer SDKs ship typings/crypt.d.ts; a device build maps the
// specifier to the SDK's file first and ignores this one, so the code only relies on what both
// declare (the Digest constructor), and reaches write/close/reset through a local structural type.
declare module 'crypt' {
  type DigestType = 'MD5' | 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512';

  /** A hash in progress: write(bytes) any number of times, then close() for the digest. */
  export class Digest {
    constructor(type: DigestType);
    /** Any byte buffer: string, ArrayBuffer, HostBuffer, typed array or DataView (native side). */
    write(data: string | ArrayBuffer | ArrayBufferView): void;
    close(): ArrayBuffer;
    reset(): void;
    readonly blockSize: number;
    readonly outputSize: number;
    process(...data: (string | ArrayBuffer | ArrayBufferView)[]): ArrayBuffer;
  }
}
