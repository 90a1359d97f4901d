// flashModel: upload a signed package to a device's inactive slot (docs/serial-protocol.md,
// "Flash flow"). MODEL_BEGIN with the package's SHA-256 gives the resume offset; chunks go out
// pipelined (at most `window` unacknowledged) with an adaptive size (halved after a loss, down
// to MIN_CHUNK; doubled after a run of clean acks, up to the device's chunk size); a loss
// (timeout, or an OUT_OF_ORDER ack that shows a gap) goes back to the acknowledged prefix.
// MODEL_END verifies; ACTIVATE switches. Aborting leaves the slot PARTIAL: the device keeps
// running its old model, and the next flash of the same package resumes.
import { createHash } from 'node:crypto';
import {
  BeginStatus, Check, ChunkDisposition, DEFAULT_MAX_PAYLOAD, ErrorCode, LogEvent, MAX_PAYLOAD_LIMIT, MSG, errorCodeName,
} from '../../firmware/core/protocol/index';
import type { ActiveModel, CheckResult, Log, ModelBeginAck, ModelChunkAck } from '../../firmware/core/protocol/index';
import { DeviceClient, DeviceError, ProtocolViolationError, RequestAbortedError } from './client';

export const MIN_CHUNK = 32;
/** Clean acks in a row before the chunk size doubles. */
const GROW_AFTER = 8;

export interface FlashProgress {
  /** Bytes the device holds (its acknowledged prefix). */
  acked: number;
  size: number;
  chunkSize: number;
  retries: number;
}

export interface FlashOptions {
  activate?: boolean;
  /** Accept a model version not newer than the active one. */
  force?: boolean;
  /** Discard a partial upload of this package and start at 0. */
  restart?: boolean;
  onProgress?: (p: FlashProgress) => void;
  /** Chunks in flight (default: what MODEL_BEGIN_ACK allows; more may overrun a real board's receive buffer). */
  window?: number;
  /** Largest chunk to start with (default: the device's chunk size). */
  chunkSize?: number;
  /** Longest per-chunk timeout, ms (default 1000). The timeout in use adapts to the measured round trip (as TCP's RTO: smoothed RTT + 4 × its deviation, at least 20 ms), starting here. */
  chunkTimeoutMs?: number;
  /** Give up after this many consecutive losses with no progress (default 50). */
  maxStalls?: number;
  /** Per-attempt timeout of MODEL_END and ACTIVATE, ms (default 5000: verification takes time on a slow board). */
  verifyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface CheckReport {
  check: string;
  status: 'PASS' | 'FAIL' | 'SKIPPED';
  code: string;
  message: string;
}

export interface FlashResult {
  size: number;
  /** Where the upload started: 0, or the offset a previous interrupted run left. */
  resumedFrom: number;
  beginStatus: 'NEW' | 'RESUMED' | 'COMPLETE';
  /** Where each MODEL_BEGIN again after a device restart (or a short MODEL_END) resumed. */
  rebegins: number[];
  slot: number;
  /** SHA-256 of the slot as the device computed it at MODEL_END (hex). */
  verifiedSha256: string;
  checks: CheckReport[];
  activated?: { slot: number; previousSlot: number; modelVersion: number; name: string; sha256: string };
  /** Bytes both ways while flashing (requests and responses). */
  wireBytes: number;
  /** Bytes the host sent (chunk frames and control requests). */
  wireBytesOut: number;
  /** wireBytes / payload bytes sent (size − resumedFrom). */
  wirePerPayloadByte: number;
  /** Chunk frames sent (retransmissions included). */
  chunksSent: number;
  /** Requests sent (every frame). */
  requests: number;
  /** Latency-bound exchanges: control requests + chunk rounds (chunks sent / window). */
  roundTrips: number;
  /** Chunks sent again after a loss. */
  retries: number;
  finalChunkSize: number;
  seconds: number;
}

/** MODEL_END refused the package: `checks` say which check failed and why. */
/** The link stopped carrying the upload (cable pulled, device gone); re-running resumes. */
export class FlashStalledError extends Error {
  override name = 'FlashStalledError';
}

/** The device's upload session is gone without a reboot: another uploader took the slot over. */
export class FlashTakenOverError extends Error {
  override name = 'FlashTakenOverError';
  constructor() {
    super('another client or an MQTT download took over the upload; run flash again to take it back');
  }
}

export class FlashRefusedError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly checks: CheckReport[];
  constructor(code: number, checks: CheckReport[], detail?: string) {
    const failed = checks.find((c) => c.status === 'FAIL');
    const why = failed ? ` at check ${failed.check}${failed.message ? ` (${failed.message})` : ''}` : detail ? ` (${detail})` : '';
    const hint = code === ErrorCode.OLDER_VERSION ? ' (pass --force for a deliberate downgrade)' : '';
    super(`the device refused the package: ${errorCodeName(code)}${why}; it keeps running its previous model${hint}`);
    this.name = 'FlashRefusedError';
    this.code = code;
    this.codeName = errorCodeName(code);
    this.checks = checks;
  }
}

const CHECK_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Check).map(([k, v]) => [v, k]));
const STATUS_NAMES = ['PASS', 'FAIL', 'SKIPPED'] as const;

function checkReport(c: CheckResult): CheckReport {
  return { check: CHECK_NAMES[c.check] ?? `CHECK_${c.check}`, status: STATUS_NAMES[c.status] ?? 'FAIL', code: errorCodeName(c.code), message: c.message };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The model version of a package's header (u32 at offset 8), or 0. */
export function packageModelVersion(bytes: Uint8Array): number {
  if (bytes.length < 12) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
}

export async function flashModel(client: DeviceClient, bytes: Uint8Array, options: FlashOptions = {}): Promise<FlashResult> {
  const t0 = performance.now();
  const c0 = { ...client.counters };
  const signal = options.signal;
  const aborted = () => { if (signal?.aborted) throw new RequestAbortedError('the flash was interrupted; the device keeps its previous model, and flashing the same package again resumes'); };
  aborted();
  const size = bytes.length;
  if (size === 0) throw new RangeError('the package is empty');
  const sha256 = new Uint8Array(createHash('sha256').update(bytes).digest());
  let control = 0;

  let firstRttMs = 50;
  let first = true;
  const begin = async () => {
    control++;
    const t = performance.now();
    // --restart applies to the first MODEL_BEGIN only: a recovery resumes what this run sent.
    const a = await client.modelBegin({ size, sha256, modelVersion: packageModelVersion(bytes), force: options.force === true, restart: first && options.restart === true }, { signal });
    first = false;
    firstRttMs = Math.max(1, performance.now() - t);
    return checkBeginAck(a, size);
  };
  // A BOOT log event says the device restarted: its upload session is gone, MODEL_BEGIN resumes it.
  let rebooted = false;
  const onLog = (l: Log) => { if (l.event === LogEvent.BOOT) rebooted = true; };
  client.on('log', onLog);
  try {
    let ack = await begin().catch((e: unknown) => {
      // early refusals (OLDER_VERSION, MODEL_TOO_LARGE) read as the package's refusal
      if (e instanceof DeviceError && (e.code === ErrorCode.OLDER_VERSION || e.code === ErrorCode.MODEL_TOO_LARGE)) {
        throw new FlashRefusedError(e.code, [], e.deviceMessage.replace(/^[A-Z_]+: /, ''));
      }
      throw e;
    });
    rebooted = false;
    const resumedFrom = ackedOf(ack, size);
    const beginStatus = (['NEW', 'RESUMED', 'COMPLETE'] as const)[ack.status]; // checkBeginAck allows these three
    const state = { acked: resumedFrom, chunksSent: 0, retries: 0, chunk: 0 };
    const rebegins: number[] = [];
    // a MODEL_CHUNK payload is a u32 offset and the data: the data fits the device's frame limit less 4
    const frameLimit = Math.min(MAX_PAYLOAD_LIMIT, client.lastInfo?.maxPayload ?? DEFAULT_MAX_PAYLOAD) - 4;
    const maxChunk = Math.max(1, Math.min(ack.chunkSize, options.chunkSize ?? ack.chunkSize, frameLimit));
    state.chunk = maxChunk;
    const window = Math.max(1, options.window ?? ack.window);
    const timeoutMs = options.chunkTimeoutMs ?? 1000;
    const maxStalls = options.maxStalls ?? 50;
    const verifyTimeoutMs = options.verifyTimeoutMs ?? 5000;

    for (let pass = 0; ; pass++) {
      try {
        if (state.acked < size) await sendChunks(client, bytes, state, { window, maxChunk, timeoutMs, maxStalls, firstRttMs, signal, onProgress: options.onProgress });
        aborted();
        control++;
        const end = await client.modelEnd({ signal, timeoutMs: verifyTimeoutMs });
        const checks = end.checks.map(checkReport);
        if (end.code !== ErrorCode.OK) throw new FlashRefusedError(end.code, checks);
        let activated: FlashResult['activated'];
        if (options.activate !== false) {
          aborted();
          control++;
          const a: ActiveModel = await client.activate(0xff, options.force === true, { signal, timeoutMs: verifyTimeoutMs });
          activated = { slot: a.slot, previousSlot: a.previousSlot, modelVersion: a.modelVersion, name: a.name, sha256: hex(a.sha256) };
        }
        const c = client.counters;
        const wireBytesOut = c.bytesOut - c0.bytesOut;
        const wireBytes = wireBytesOut + c.bytesIn - c0.bytesIn;
        const payload = size - resumedFrom;
        return {
          size, resumedFrom, beginStatus, rebegins, slot: end.slot, verifiedSha256: hex(end.sha256), checks, activated,
          wireBytes, wireBytesOut, wirePerPayloadByte: payload > 0 ? wireBytes / payload : 0,
          chunksSent: state.chunksSent, requests: c.requests - c0.requests,
          roundTrips: control + Math.ceil(state.chunksSent / window),
          retries: state.retries, finalChunkSize: state.chunk, seconds: (performance.now() - t0) / 1000,
        };
      } catch (e) {
        if (!(e instanceof DeviceError) || signal?.aborted) throw e;
        // NO_SESSION: after a reboot (BOOT event) the session is gone, begin again and resume;
        // otherwise another uploader took the slot: do not take it back behind the user's back.
        // BAD_OFFSET at MODEL_END: the device holds less than we thought; begin again and resume.
        if (e.code === ErrorCode.NO_SESSION) {
          if (!rebooted) throw new FlashTakenOverError();
        } else if (!(e.code === ErrorCode.BAD_OFFSET && e.requestType === MSG.MODEL_END)) throw e;
        if (pass >= 3) throw e;
        rebooted = false;
        ack = await begin();
        state.acked = ackedOf(ack, size);
        rebegins.push(state.acked);
        continue;
      }
    }
  } finally {
    client.off('log', onLog);
  }
}

/** Bytes the device holds after MODEL_BEGIN_ACK. */
function ackedOf(ack: ModelBeginAck, size: number): number {
  return ack.status === BeginStatus.NEW ? 0 : ack.status === BeginStatus.COMPLETE ? size : ack.resumeOffset;
}

/** MODEL_BEGIN_ACK as the spec allows it; otherwise a ProtocolViolationError. */
function checkBeginAck(ack: ModelBeginAck, size: number): ModelBeginAck {
  if (ack.status !== BeginStatus.NEW && ack.status !== BeginStatus.RESUMED && ack.status !== BeginStatus.COMPLETE) {
    throw new ProtocolViolationError(`MODEL_BEGIN_ACK has an unknown status ${ack.status}`);
  }
  if (ack.status === BeginStatus.RESUMED && ack.resumeOffset > size) {
    throw new ProtocolViolationError(`MODEL_BEGIN_ACK resumes at byte ${ack.resumeOffset} of a ${size}-byte package`);
  }
  if (ack.chunkSize < 1) throw new ProtocolViolationError('MODEL_BEGIN_ACK allows chunks of 0 bytes');
  return ack;
}

interface SendOptions {
  window: number;
  maxChunk: number;
  timeoutMs: number;
  maxStalls: number;
  /** Round trip of MODEL_BEGIN, ms: the first estimate. */
  firstRttMs: number;
  signal?: AbortSignal;
  onProgress?: (p: FlashProgress) => void;
}

/** Sends [state.acked, size) until the device holds all of it. */
async function sendChunks(client: DeviceClient, bytes: Uint8Array, state: { acked: number; chunksSent: number; retries: number; chunk: number }, o: SendOptions): Promise<void> {
  const size = bytes.length;
  let next = state.acked;       // next byte to send in this epoch
  let epoch = 0;                // bumped at each go-back; answers of older epochs only move `acked`
  let inFlight = 0;             // chunks of the current epoch without an answer
  let clean = 0;                // clean acks in a row
  let stalls = 0;               // losses since the last progress
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => { const w = wake; wake = undefined; w?.(); };
  const onAbort = () => notify();
  o.signal?.addEventListener('abort', onAbort);
  // Retransmission timeout from measured round trips (RFC 6298), kept per wire byte (chunk + 64)
  // because a serial line's round trip grows with the chunk: a 4 KB chunk takes 0.36 s at 115200 baud.
  let srtt = o.firstRttMs / (64 + 64);
  let rttvar = srtt / 2;
  let rto = Math.max(srtt + 4 * rttvar, 0);
  const MIN_RTO = 20;
  const timeoutFor = (length: number) => Math.ceil(Math.min(o.timeoutMs, Math.max(MIN_RTO, rto * (length + 64))));
  const sample = (ms: number, length: number) => {
    const x = ms / (length + 64);
    rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - x);
    srtt = 0.875 * srtt + 0.125 * x;
    rto = srtt + 4 * rttvar;
  };
  const progress = () => o.onProgress?.({ acked: state.acked, size, chunkSize: state.chunk, retries: state.retries });

  const goBack = () => {
    epoch++;
    inFlight = 0;
    clean = 0;
    stalls++;
    state.chunk = Math.max(Math.min(MIN_CHUNK, o.maxChunk), state.chunk >> 1);
    if (next > state.acked) state.retries++;
    next = state.acked;
  };

  const onAck = (sentEpoch: number, offset: number, length: number, a: ModelChunkAck, rtt: number) => {
    sample(rtt, length);
    if (a.nextOffset > state.acked) {
      state.acked = Math.min(a.nextOffset, size);
      stalls = 0;
      progress();
    }
    if (sentEpoch !== epoch) return;
    inFlight--;
    if (a.disposition === ChunkDisposition.OUT_OF_ORDER || (a.disposition !== ChunkDisposition.BUFFERED && a.nextOffset < offset + length)) {
      goBack();
      return;
    }
    if (next < state.acked) next = state.acked; // a cumulative ack overtook what we were about to send
    if (++clean >= GROW_AFTER && state.chunk < o.maxChunk) {
      state.chunk = Math.min(o.maxChunk, state.chunk * 2);
      clean = 0;
    }
  };

  try {
    while (state.acked < size) {
      if (o.signal?.aborted) return;
      if (failure) throw failure;
      if (stalls > o.maxStalls) throw new FlashStalledError(`the upload made no progress after ${stalls} retransmissions at offset ${state.acked} of ${size} (the device keeps what it has: run the same command again to resume); check the cable or lower the speed`);
      while (inFlight < o.window && next < size) {
        const offset = next;
        const length = Math.min(state.chunk, size - offset);
        next += length;
        inFlight++;
        state.chunksSent++;
        const sentEpoch = epoch;
        const sentAt = performance.now();
        client.modelChunk(offset, bytes.subarray(offset, offset + length), { retries: 0, timeoutMs: timeoutFor(length) })
          .then((a) => onAck(sentEpoch, offset, length, a, performance.now() - sentAt), (e: Error) => {
            if (e instanceof DeviceError) failure ??= e;
            else if (e.name === 'DeviceTimeoutError') {
              if (sentEpoch === epoch && state.acked < offset + length) {
                rto *= 1.5; // back off, as TCP does (gentler: losses here are noise, not congestion)
                goBack();
              }
              else if (sentEpoch === epoch) inFlight--;
            } else failure ??= e;
          })
          .finally(notify);
      }
      if (inFlight === 0 && next >= size && state.acked < size) { goBack(); continue; } // every answer in, a gap left
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

