// Seeded sample payloads of every fleet layout, and a canonical description of what decoding
// them gives. Pure TypeScript (no Node API): the XS fixture entry runs the same code, so the
// test compares XS and Node byte for byte.
import {
  OtaPhase, decodeChunk, decodeChunkRequest, decodeOffer, decodeOtaState, decodeStatus, decodeTelemetry, encodeChunk,
  encodeChunkRequest, encodeOffer, encodeOtaState, encodeStatus, encodeTelemetry, forceSignedBytes,
} from '../../../firmware/core/fleet';
import { MSG, encodeMessage, type Info } from '../../../firmware/core/protocol';
import { Prng } from '../../support/prng';
import { bytes, describeMessage, sampleMessage } from '../../protocol/support/samples';

export const KINDS = ['status', 'offer', 'request', 'chunk', 'state', 'telemetry', 'signed'] as const;
const MESSAGES = ['', 'ok', 'version 3 is not newer than the active 4', 'ÿ€𝄞 ✓', 'x'.repeat(300)];

function u32(rng: Prng): number { return rng.pick([0, 1, 0xffffffff, rng.int(0, 0xffffffff)]); }

/** One payload of `kind`. */
export function samplePayload(rng: Prng, kind: (typeof KINDS)[number]): Uint8Array {
  switch (kind) {
    case 'status': {
      const online = rng.next() < 0.7;
      const info = online ? (sampleMessage(rng, MSG.INFO).body as Info) : undefined;
      return encodeStatus({ online, uptimeSeconds: u32(rng), info });
    }
    case 'offer':
    case 'signed': {
      const o = { size: rng.int(1, 0xffffffff), modelVersion: u32(rng), sha256: bytes(rng, 32) };
      if (kind === 'signed') return forceSignedBytes(o);
      return encodeOffer(rng.next() < 0.5 ? o : { ...o, signature: bytes(rng, 64) });
    }
    case 'request': {
      const length = rng.int(1, 4096);
      return encodeChunkRequest({ hash: bytes(rng, 8), offset: rng.int(0, 0xffffffff - length), length });
    }
    case 'chunk': {
      const data = bytes(rng, rng.int(1, 300));
      return encodeChunk({ hash: bytes(rng, 8), offset: rng.int(0, 0xffffffff - data.length), data });
    }
    case 'state':
      return encodeOtaState({
        phase: rng.int(OtaPhase.DOWNLOADING, OtaPhase.FAILED), code: rng.int(0, 26), sha256: bytes(rng, 32),
        held: u32(rng), size: u32(rng), activeVersion: u32(rng), message: rng.pick(MESSAGES),
      });
    case 'telemetry': {
      const frames: Uint8Array[] = [];
      for (let i = rng.int(1, 5); i > 0; i--) {
        const m = rng.next() < 0.8 ? sampleMessage(rng, MSG.RESULT) : sampleMessage(rng, MSG.STATS_REPORT);
        frames.push(encodeMessage(m.type, rng.int(0, 0xffff), m.body as never));
      }
      return encodeTelemetry(frames);
    }
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** What decoding a payload of `kind` gives, as text (error codes included). */
export function describePayload(kind: (typeof KINDS)[number], p: Uint8Array): string {
  try {
    switch (kind) {
      case 'status': {
        const s = decodeStatus(p);
        return `status ${s.online} ${s.uptimeSeconds} ${s.info ? describeMessage({ type: MSG.INFO, body: s.info }) : '-'}`;
      }
      case 'offer': {
        const o = decodeOffer(p);
        return `offer ${o.size} ${o.modelVersion} ${hex(o.sha256)} ${o.signature ? hex(o.signature) : '-'}`;
      }
      case 'signed': return `signed ${hex(p)}`;
      case 'request': { const r = decodeChunkRequest(p); return `request ${hex(r.hash)} ${r.offset} ${r.length}`; }
      case 'chunk': { const c = decodeChunk(p); return `chunk ${hex(c.hash)} ${c.offset} ${hex(c.data)}`; }
      case 'state': {
        const s = decodeOtaState(p);
        return `state ${s.phase} ${s.code} ${hex(s.sha256)} ${s.held} ${s.size} ${s.activeVersion} ${s.message}`;
      }
      case 'telemetry': {
        const t = decodeTelemetry(p);
        return `telemetry ${t.frames.map((f) => `${f.seq}:${f.type}:${hex(f.payload)}`).join(',')} errors ${t.errors.map((e) => e.kind).join(',')}`;
      }
    }
  } catch (e) {
    return `error ${(e as { code?: string }).code ?? String(e)}`;
  }
}

/** `count` payloads of every kind, each as [u32 length][payload], and their descriptions. */
export function samplePayloads(seed: number, count: number): { wire: Uint8Array; text: string } {
  const rng = new Prng(seed);
  const parts: Uint8Array[] = [];
  let text = '';
  let n = 0;
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length];
    const p = samplePayload(rng, kind);
    // every third payload is cut or extended by a byte, to compare the errors too
    const cut = i % 3 === 1 ? p.subarray(0, p.length - 1) : i % 3 === 2 ? concat2(p, new Uint8Array([rng.int(0, 255)])) : p;
    text += `${describePayload(kind, cut)}\n`;
    const head = new Uint8Array(4);
    head[0] = p.length & 0xff; head[1] = (p.length >>> 8) & 0xff; head[2] = (p.length >>> 16) & 0xff; head[3] = p.length >>> 24;
    parts.push(head, p);
    n += 4 + p.length;
  }
  const wire = new Uint8Array(n);
  let at = 0;
  for (const part of parts) { wire.set(part, at); at += part.length; }
  return { wire, text };
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
