// The OTA downloader (docs/mqtt-topics.md, "the device pulls"): checks an offer, opens (or
// resumes) the upload in the model store, asks for one chunk at a time, asks again after
// `retryMs` of silence, verifies with store.end() and activates through the Device, so the
// previous model stays as the rollback target. Every outcome is published as OTA_STATE.
import {
  CHUNK_HEADER_BYTES, FORCED_OFFER_BYTES, FleetError, OFFER_BYTES, OtaPhase, decodeChunk, decodeOffer, encodeChunkRequest, encodeOtaState, forceSignedBytes,
  hashPrefix, isForced, matchesPrefix,
} from '../../core/fleet/index';
import type { Offer } from '../../core/fleet/index';
import { ErrorCode, NO_SLOT } from '../../core/protocol/index';
import type { ErrorCodeName } from '../../core/protocol/index';
import type { Clock, TimerHandle } from '../../platform/interfaces';
import { ModelStoreError, equalBytes, hex } from '../model-store/index';
import type { Device } from '../device/device';
import type { AgentSettings } from './settings';

export interface OtaLink {
  publishState(payload: Uint8Array): void;
  requestChunk(payload: Uint8Array): void;
}

interface Download {
  readonly offer: Offer;
  readonly prefix: Uint8Array;
  held: number;
  retry: TimerHandle | undefined;
  lastProgress: number;
}

const NO_HASH = new Uint8Array(32);
const REMEMBERED_OFFERS = 8;
/** An upload a protocol client began or wrote within this long is theirs: an offer is refused
 * BUSY. Older open uploads (an earlier offer's, withdrawn or replaced, or one from before a
 * restart) are taken over. */
export const PROTOCOL_UPLOAD_IDLE_MS = 30_000;

export class OtaDownloader {
  readonly #device: Device;
  readonly #clock: Clock;
  readonly #settings: AgentSettings;
  readonly #link: OtaLink;
  /** Largest data a CHUNK may carry here (maxMessage minus the CHUNK header). */
  readonly #maxData: number;
  #download: Download | undefined;
  /** The last offers answered REFUSED or FAILED this boot (hash as hex, and FORCE): repeats
   * are ignored. Bounded, so a flood of offers cannot grow it. */
  readonly #finished: string[] = [];

  constructor(device: Device, settings: AgentSettings, link: OtaLink, maxData: number) {
    this.#device = device;
    this.#clock = device.platform.clock;
    this.#settings = settings;
    this.#link = link;
    this.#maxData = maxData;
  }

  /** A message on ota/offer (retained; empty: withdrawn). */
  onOffer(payload: Uint8Array): void {
    if (payload.length === 0) {
      this.#stop(); // the held prefix stays in the slot for a later offer of the same package
      return;
    }
    if (payload.length !== OFFER_BYTES && payload.length !== FORCED_OFFER_BYTES) {
      this.#publishFor(payload.length >= OFFER_BYTES ? payload.subarray(12, 44) : NO_HASH, OtaPhase.REFUSED, 'BAD_ARGUMENT', 0, 0, `an offer of ${payload.length} bytes`);
      return;
    }
    let offer: Offer;
    try {
      offer = decodeOffer(payload);
    } catch (e) {
      this.#publishFor(payload.subarray(12, 44), OtaPhase.REFUSED, 'BAD_ARGUMENT', 0, 0, e instanceof FleetError ? e.reason : String(e));
      return;
    }
    const current = this.#download;
    if (current && equalBytes(current.offer.sha256, offer.sha256)) {
      // The retained offer again (a reconnection): carry on from what the slot holds.
      this.#request();
      this.#publish(OtaPhase.DOWNLOADING, 'OK', current.held, 'resumed');
      return;
    }
    this.#stop();
    if (this.#finished.indexOf(offerKey(offer)) >= 0) return;
    this.#start(offer);
  }

  /** A message on ota/data. */
  onChunk(payload: Uint8Array): void {
    const d = this.#download;
    if (!d || payload.length > CHUNK_HEADER_BYTES + this.#maxData) return;
    let chunk;
    try {
      chunk = decodeChunk(payload);
    } catch {
      return; // a malformed chunk is as good as a lost one: the request is repeated
    }
    if (!matchesPrefix(chunk.hash, d.offer.sha256) || chunk.offset > d.held || chunk.offset + chunk.data.length <= d.held) return;
    if (chunk.offset + chunk.data.length > d.offer.size) return;
    const store = this.#device.store;
    const upload = store.upload;
    if (!upload || !equalBytes(upload.sha256, d.offer.sha256)) {
      // Not remembered either: offered again, the package is downloaded again.
      this.#stop();
      this.#publishFor(d.offer.sha256, OtaPhase.FAILED, 'BUSY', d.held, d.offer.size, 'a protocol client took over the slot');
      return;
    }
    try {
      d.held = store.write(chunk.offset, chunk.data).nextOffset;
    } catch (e) {
      this.#failed(d, codeOf(e), messageOf(e));
      return;
    }
    if (d.held >= d.offer.size) {
      this.#finish(d);
      return;
    }
    this.#request();
    const now = this.#clock.now();
    if (now - d.lastProgress >= this.#settings.progressMs) {
      d.lastProgress = now;
      this.#publish(OtaPhase.DOWNLOADING, 'OK', d.held, 'downloading');
    }
  }

  stop(): void {
    this.#stop();
  }

  #start(offer: Offer): void {
    const d = this.#device;
    const store = d.store;
    const sha = offer.sha256;
    const slots = store.slotInfo();
    const active = d.activeSlot !== NO_SLOT ? slots[d.activeSlot] : undefined;
    if (active && equalBytes(active.sha256, sha)) {
      this.#publishFor(sha, OtaPhase.ACTIVATED, 'OK', offer.size, offer.size, 'already active');
      return;
    }
    const upload = store.upload;
    const client = d.protocolUpload;
    if (upload && !equalBytes(upload.sha256, sha) && client && equalBytes(client.sha256, upload.sha256) && this.#clock.now() - client.at < PROTOCOL_UPLOAD_IDLE_MS) {
      // Not remembered: the offer is taken once the upload is over and the offer comes again.
      this.#publishFor(sha, OtaPhase.REFUSED, 'BUSY', 0, offer.size, 'a protocol client is uploading');
      return;
    }
    if (offer.size > store.freeSlotSize) {
      this.#refuse(offer, 'MODEL_TOO_LARGE', `${offer.size} bytes; the free slot holds ${store.freeSlotSize}`);
      return;
    }
    const model = d.model;
    const forced = isForced(offer);
    if (forced && !this.#forceSigned(offer)) {
      this.#refuse(offer, 'BAD_SIGNATURE', 'the FORCE signature does not verify with the trusted key');
      return;
    }
    if (model && !forced && offer.modelVersion <= model.header.modelVersion) {
      this.#refuse(offer, 'OLDER_VERSION', `version ${offer.modelVersion} is not newer than the active ${model.header.modelVersion}`);
      return;
    }
    let resumeOffset: number;
    try {
      resumeOffset = store.begin({ size: offer.size, sha256: sha, modelVersion: offer.modelVersion, force: forced }).resumeOffset;
    } catch (e) {
      this.#refuse(offer, codeOf(e), messageOf(e));
      return;
    }
    const download: Download = { offer, prefix: hashPrefix(sha), held: resumeOffset, retry: undefined, lastProgress: this.#clock.now() };
    this.#download = download;
    if (resumeOffset >= offer.size) {
      this.#finish(download);
      return;
    }
    this.#request();
    // The retained state goes last: aedes 1.2 loses a retained QoS 0 message that another
    // publish follows in the same TCP read.
    this.#publish(OtaPhase.DOWNLOADING, 'OK', resumeOffset, resumeOffset > 0 ? 'resumed' : 'started');
  }

  #forceSigned(offer: Offer): boolean {
    const key = this.#device.platform.device.trustedKey;
    if (!key || key.length === 0 || !offer.signature) return false;
    try {
      return this.#device.platform.crypto.verifyP256(key, forceSignedBytes(offer), offer.signature);
    } catch {
      return false;
    }
  }

  /** Asks for the next chunk and arms the retry. */
  #request(): void {
    const d = this.#download;
    if (!d) return;
    if (d.retry) this.#clock.clear(d.retry);
    const length = Math.min(this.#settings.chunk, this.#maxData, d.offer.size - d.held);
    this.#link.requestChunk(encodeChunkRequest({ hash: d.prefix, offset: d.held, length }));
    d.retry = this.#clock.setTimeout(() => {
      if (this.#download === d) { d.retry = undefined; this.#request(); }
    }, this.#settings.retryMs);
  }

  #finish(d: Download): void {
    this.#stop();
    let result;
    try {
      result = this.#device.store.end();
    } catch (e) {
      this.#failed(d, codeOf(e), messageOf(e));
      return;
    }
    if (!result.ok) {
      this.#failed(d, result.codeName, result.message);
      return;
    }
    try {
      const a = this.#device.activate(result.slot);
      this.#publishFor(d.offer.sha256, OtaPhase.ACTIVATED, 'OK', d.held, d.offer.size, `slot ${a.slot}: ${a.name} v${a.modelVersion}`);
    } catch (e) {
      this.#failed(d, codeOf(e), messageOf(e));
    }
  }

  #failed(d: Download, code: ErrorCodeName, message: string): void {
    this.#stop();
    this.#remember(d.offer);
    this.#publishFor(d.offer.sha256, OtaPhase.FAILED, code, d.held, d.offer.size, message);
  }

  #refuse(offer: Offer, code: ErrorCodeName, message: string): void {
    this.#remember(offer);
    this.#publishFor(offer.sha256, OtaPhase.REFUSED, code, 0, offer.size, message);
  }

  #remember(offer: Offer): void {
    if (this.#finished.length >= REMEMBERED_OFFERS) this.#finished.shift();
    this.#finished.push(offerKey(offer));
  }

  #stop(): void {
    const d = this.#download;
    if (d && d.retry) this.#clock.clear(d.retry);
    this.#download = undefined;
  }

  #publish(phase: number, code: ErrorCodeName, held: number, message: string): void {
    const d = this.#download;
    if (d) this.#publishFor(d.offer.sha256, phase, code, held, d.offer.size, message);
  }

  #publishFor(sha: Uint8Array, phase: number, code: ErrorCodeName, held: number, size: number, message: string): void {
    const model = this.#device.model;
    this.#link.publishState(encodeOtaState({
      phase, code: ErrorCode[code] ?? ErrorCode.INTERNAL, sha256: sha.length === 32 ? sha : NO_HASH, held, size,
      activeVersion: model ? model.header.modelVersion : 0, message,
    }));
  }
}

/** What identifies an offer for "already answered": the hash, and whether it is forced. */
function offerKey(offer: Offer): string {
  return (isForced(offer) ? 'F' : '') + hex(offer.sha256);
}

function codeOf(e: unknown): ErrorCodeName {
  return e instanceof ModelStoreError ? e.code : 'INTERNAL';
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
