// im2col for one output position of a convolution: copy its receptive field (kH rows of
// kW * inC bytes) from the input tensor to scratch with native copyWithin, and fill the taps
// that fall in the padding with the input zero point.

export interface Im2colGeometry {
  readonly inH: number; readonly inW: number; readonly inC: number;
  readonly kH: number; readonly kW: number;
  readonly strideH: number; readonly strideW: number;
  readonly padT: number; readonly padL: number;
  readonly inZp: number;
}

/**
 * Copy the receptive field of output (oy, ox) to arena[dst, dst + K), padding taps = zpIn.
 * Every index stays inside the input tensor (the window is clipped to it) and the scratch.
 */
export function im2col(arena: Int8Array, s: Im2colGeometry, xBase: number, dst: number, oy: number, ox: number): void {
  const inH = s.inH, inW = s.inW, inC = s.inC, kH = s.kH, kW = s.kW, inZp = s.inZp;
  const rowBytes = inW * inC;
  const kRow = kW * inC;
  const iy0 = oy * s.strideH - s.padT;
  const ky0 = iy0 < 0 ? -iy0 : 0;
  const ky1 = inH - iy0 < kH ? inH - iy0 : kH;
  const ix0 = ox * s.strideW - s.padL;
  const kx0 = ix0 < 0 ? -ix0 : 0;
  const kx1 = inW - ix0 < kW ? inW - ix0 : kW;
  let c = dst;
  let src = xBase + (iy0 * inW + ix0) * inC;
  if (ky0 === 0 && ky1 === kH && kx0 === 0 && kx1 === kW) {
    for (let ky = 0; ky < kH; ky++) {
      arena.copyWithin(c, src, src + kRow);
      c += kRow;
      src += rowBytes;
    }
    return;
  }
  const before = kx0 * inC, mid = (kx1 - kx0) * inC, after = (kW - kx1) * inC;
  for (let ky = 0; ky < kH; ky++) {
    if (ky < ky0 || ky >= ky1) {
      arena.fill(inZp, c, c + kRow);
    } else {
      if (before !== 0) arena.fill(inZp, c, c + before);
      arena.copyWithin(c + before, src + before, src + before + mid);
      if (after !== 0) arena.fill(inZp, c + before + mid, c + kRow);
    }
    c += kRow;
    src += rowBytes;
  }
}
