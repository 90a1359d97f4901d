// The image a window kernel reads (conv-small.ts, depthwise-conv2d.ts): the input tensor itself
// when every window lies inside it, else a padded copy in the op's scratch, its border filled
// with the input zero point (padding taps then contribute w * (zpIn - zpIn) = 0, the input offset
// being folded into the bias). Every window is then a plain one at origin
// i = (oy * strideH * srcW + ox * strideW) * C of the source, and a tap at (ky, kx, c) is at
// i + (ky * srcW + kx) * C + c.

import type { OpBinding } from '../kernel';

export interface WindowGeometry {
  readonly inH: number; readonly inW: number; readonly inC: number;
  readonly outH: number; readonly outW: number;
  readonly kH: number; readonly kW: number;
  readonly strideH: number; readonly strideW: number;
  readonly padT: number; readonly padL: number;
  readonly inZp: number;
}

export interface WindowSource {
  /** Whether eval builds a padded copy in scratch (padBytes bytes). */
  readonly padded: boolean;
  readonly padBytes: number;
  /** Pixels per source row. */
  readonly srcW: number;
  /** Window origin step along x; origins per output row times step; skip to the next row. */
  readonly stepX: number; readonly rowLen: number; readonly rowSkip: number;
  // copy geometry
  readonly padRowBytes: number; readonly padStart: number;
  readonly inRowBytes: number; readonly copyRows: number; readonly copyBytes: number;
  readonly inZp: number;
}

export function windowSource(g: WindowGeometry): WindowSource {
  const C = g.inC;
  const needH = (g.outH - 1) * g.strideH + g.kH;
  const needW = (g.outW - 1) * g.strideW + g.kW;
  const padded = g.padT > 0 || g.padL > 0 || needH > g.inH || needW > g.inW;
  const srcW = padded ? needW : g.inW;
  const stepX = g.strideW * C;
  const rowLen = g.outW * stepX;
  return {
    padded,
    padBytes: padded ? needH * needW * C : 0,
    srcW, stepX, rowLen, rowSkip: g.strideH * srcW * C - rowLen,
    padRowBytes: needW * C,
    padStart: (g.padT * needW + g.padL) * C,
    inRowBytes: g.inW * C,
    copyRows: Math.min(g.inH, needH - g.padT),
    copyBytes: Math.min(g.inW, needW - g.padL) * C,
    inZp: g.inZp,
  };
}

/** The source image: the padded scratch or the input view. */
export function sourceView(s: WindowSource, b: OpBinding): Int8Array {
  return s.padded ? b.scratch : (b.inputs[0] as Int8Array);
}

/** View of the source starting at `offset` (a tap's offset inside the window), to its end. */
export function shiftedView(src: Int8Array, offset: number): Int8Array {
  const at = offset < src.length ? offset : src.length;
  return new Int8Array(src.buffer, src.byteOffset + at, src.length - at);
}

/** Eval: build the padded copy (when the source is padded). */
export function fillSource(s: WindowSource, b: OpBinding): void {
  if (!s.padded) return;
  const arena = b.arena;
  const dst = b.scratch.byteOffset - arena.byteOffset;
  arena.fill(s.inZp, dst, dst + s.padBytes);
  const rowBytes = s.padRowBytes, inRow = s.inRowBytes, n = s.copyBytes;
  let d = dst + s.padStart;
  let src = b.inputs[0].byteOffset - arena.byteOffset;
  for (let r = s.copyRows; r > 0; r--) {
    arena.copyWithin(d, src, src + n);
    d += rowBytes;
    src += inRow;
  }
}
