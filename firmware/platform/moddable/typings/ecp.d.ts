// Local declarations for Moddable SDK modules that @moddable/typings does not declare:
// "ecp" (modules/crypt/arith/ecp.js), an elliptic-curve point with BigInt coordinates.
declare module 'ecp' {
  export default class ECPoint {
    constructor(x: bigint, y: bigint, identity?: boolean);
    readonly X: bigint;
    readonly Y: bigint;
    isZero(): boolean;
    /** From the uncompressed octet string 04 ‖ x ‖ y; throws for any other format. */
    static fromOctetString(os: Uint8Array): ECPoint;
  }
}
