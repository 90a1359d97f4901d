// Stream → text and stream → re-encoded stream, with the core codec only (no Node API), so
// that Node and the XS fixture run the very same steps and their outputs can be compared.
import {
  FrameDecoder, ProtocolError, decodeMessage, encodeFrame, encodeMessage, encodeUtf8, type Frame, type FrameDecoderStats,
} from '../../../firmware/core/protocol';
import { Prng } from '../../support/prng';
import { describeMessage, sampleMessages } from './samples';

/** Pushes `wire` in chunks chosen by `seed` (0: one push). */
function pushChunked(d: FrameDecoder, wire: Uint8Array, seed: number): void {
  if (seed === 0) { d.push(wire); return; }
  const rng = new Prng(seed);
  let at = 0;
  while (at < wire.length) {
    const end = Math.min(wire.length, at + rng.pick([1, 3, 17, 256, rng.int(1, 3000)]));
    d.push(wire, at, end);
    at = end;
  }
}

function statsText(s: FrameDecoderStats): string {
  return `frames=${s.frames} badCobs=${s.badCobs} badLength=${s.badLength} badCrc=${s.badCrc} tooLarge=${s.tooLarge} badVersion=${s.badVersion} unknownType=${s.unknownType} discarded=${s.discardedBytes} bytes=${s.bytes}`;
}

/** One line per frame (its message, or why its payload did not decode) and per frame error, then the counters. */
export function describeStream(wire: Uint8Array, maxPayload: number, seed: number): string {
  const lines: string[] = [];
  const d = new FrameDecoder({
    maxPayload,
    onFrame: (f: Frame) => {
      let text: string;
      try {
        text = describeMessage(decodeMessage(f));
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        text = `payload error ${e.code}`;
      }
      lines.push(`frame seq=${f.seq} flags=${f.flags} type=${f.type} ${text}`);
    },
    onError: (e) => lines.push(`error ${e.kind} seq=${e.seq} type=${e.type} wire=${e.wireBytes}`),
  });
  pushChunked(d, wire, seed);
  lines.push(statsText(d.stats));
  return lines.join('\n');
}

/** Decodes every frame's message and encodes it again with the same seq and flags; frames whose payload does not decode are re-framed as they are. */
export function transcode(wire: Uint8Array, maxPayload: number, seed: number): Uint8Array {
  const out: Uint8Array[] = [];
  const d = new FrameDecoder({
    maxPayload,
    onFrame: (f: Frame) => {
      try {
        const m = decodeMessage(f);
        out.push(encodeMessage(m.type, f.seq, m.body as never, f.flags));
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        out.push(encodeFrame(f.type, f.seq, f.payload, f.flags));
      }
    },
  });
  pushChunked(d, wire, seed);
  return concat(out);
}

/** The sample messages of `seed`, encoded one after the other with seq = index. */
export function encodeSamples(seed: number, count: number): Uint8Array {
  return concat(sampleMessages(seed, count).map((m, i) => encodeMessage(m.type, i, m.body as never, i & 1)));
}

export function describeSamples(seed: number, count: number): Uint8Array {
  return encodeUtf8(sampleMessages(seed, count).map(describeMessage).join('\n'));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
