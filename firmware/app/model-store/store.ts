// The device's A/B model store: boots the newest valid model, receives a new package into the
// slot that is not running (resumable by SHA-256 and offset), verifies it, activates it with one
// atomic state-record write, and rolls back. docs/model-store.md has the design and the argument
// for why a power cut at any byte leaves the device running a whole, valid model.
import type { LoadOptions, Model } from '../../core/model';
import { ErrorCode, ErrorCodeName } from '../../core/protocol/error-codes';
import { SlotState, SlotInfo } from '../../core/protocol/messages/info';
import { NO_SLOT, SHA256_BYTES } from '../../core/protocol/messages/layout';
import { BeginStatus, ChunkDisposition, ModelChunkAck, ModelEndResult, ActiveModel } from '../../core/protocol/messages/model';
import { decodeUtf8 } from '../../core/utf8';
import type { Crypto, FlashPartition, ModelStorage } from '../../platform/interfaces';
import { ModelStoreError, storeFail } from './errors';
import { StateLog } from './state-log';
import { EMPTY_SLOT, INITIAL_STATE, SlotRecord, StoreState } from './state-record';
import { InputShape, Verification, VerifyPolicy, equalBytes, verifyPackage } from './verify';

export interface ModelStoreOptions {
  readonly crypto: Crypto;
  /** The key model signatures must verify with (DeviceInfo.trustedKey). */
  readonly trustedKey?: Uint8Array;
  /** Default: true when there is a trusted key. True without a key refuses every package. */
  readonly requireSignature?: boolean;
  /** Refuse packages without self-test vectors (default true). */
  readonly requireSelfTest?: boolean;
  /** What a new model's INPUT must be (default 'active': the running model's dtype and dims). */
  readonly inputShape?: 'active' | 'any' | InputShape;
  /** Bytes between upload progress records, a multiple of the slot block size (default: one block). */
  readonly progressInterval?: number;
  /** Options for loadModel (e.g. optimized kernels). */
  readonly loadOptions?: LoadOptions;
}

export interface SlotRejection {
  readonly slot: number;
  readonly code: ErrorCodeName;
  readonly message: string;
}

export interface BootResult {
  /** The slot running now, or NO_SLOT. */
  readonly slot: number;
  readonly model: Model | undefined;
  /** True when the active slot was refused and the other one runs instead (a rollback at boot). */
  readonly fellBack: boolean;
  /** Why slots that were tried were refused. */
  readonly rejected: readonly SlotRejection[];
  /** One line for the BOOT log event. */
  readonly message: string;
}

export interface BeginRequest {
  readonly size: number;
  readonly sha256: Uint8Array;
  /** The version the package header carries (checked early; the header is checked at end()). */
  readonly modelVersion: number;
  readonly force?: boolean;
  /** Discard what the slot holds for this hash and start at 0. */
  readonly restart?: boolean;
}

export interface BeginResult {
  /** BeginStatus: NEW, RESUMED or COMPLETE. */
  readonly status: number;
  readonly slot: number;
  /** Bytes [0, resumeOffset) are in the slot already: send from here. */
  readonly resumeOffset: number;
}

export interface EndResult extends ModelEndResult {
  readonly ok: boolean;
  readonly codeName: ErrorCodeName;
  readonly message: string;
}

export interface Activation extends ActiveModel {
  readonly model: Model;
}

interface Session {
  readonly slot: number;
  readonly sha256: Uint8Array;
  readonly size: number;
  readonly version: number;
  force: boolean;
  /** Bytes [0, written) are on flash. */
  written: number;
  /** Blocks [0, erased) are erased for this upload or hold its committed bytes. */
  erased: number;
  /** What the state record says is written. */
  committed: number;
}

export class ModelStore {
  readonly #storage: ModelStorage;
  readonly #log: StateLog;
  readonly #policy: VerifyPolicy;
  readonly #interval: [number, number];
  #state: StoreState = INITIAL_STATE;
  #booted = false;
  #running = NO_SLOT;
  #model: Model | undefined;
  #session: Session | undefined;
  #lastVerified = NO_SLOT;
  /** The state partition could not be read at boot: the store runs what it finds but writes no
   * record, which would replace the unread one with a guess (previous slot, refusals lost). */
  #stateUnread = false;
  readonly #refused = [false, false];

  constructor(storage: ModelStorage, options: ModelStoreOptions) {
    this.#storage = storage;
    this.#log = new StateLog(storage.state);
    const trustedKey = options.trustedKey && options.trustedKey.length > 0 ? options.trustedKey : undefined;
    this.#policy = {
      crypto: options.crypto,
      trustedKey,
      requireSignature: options.requireSignature ?? trustedKey !== undefined,
      requireSelfTest: options.requireSelfTest ?? true,
      inputShape: options.inputShape ?? 'active',
      loadOptions: options.loadOptions,
    };
    const interval = (slot: FlashPartition): number => {
      const n = options.progressInterval ?? slot.blockSize;
      if (!Number.isInteger(n) || n < slot.blockSize || n % slot.blockSize !== 0) {
        throw new RangeError(`progress interval ${n} is not a positive multiple of the block size ${slot.blockSize}`);
      }
      return n;
    };
    this.#interval = [interval(storage.slots[0]), interval(storage.slots[1])];
  }

  /** The model running now (undefined: none). */
  get model(): Model | undefined { return this.#model; }
  /** The slot running now, or NO_SLOT. */
  get runningSlot(): number { return this.#running; }
  /** The rollback target, or NO_SLOT. */
  get previousSlot(): number { return this.#state.previous; }
  /** True when signatures are required (the SIGNATURE_REQUIRED capability). */
  get signatureRequired(): boolean { return this.#policy.requireSignature; }
  /** The slot an upload goes to: never the running one. */
  get uploadSlot(): number { return this.#targetFor(undefined, 0); }
  /** Capacity of the upload slot. */
  get freeSlotSize(): number { return this.#storage.slots[this.uploadSlot].byteLength; }
  /** The upload in progress (begun, not ended), if any: an OTA download checks that it still owns it. */
  get upload(): { readonly sha256: Uint8Array; readonly size: number; readonly written: number } | undefined {
    const s = this.#session;
    return s ? { sha256: s.sha256, size: s.size, written: s.written } : undefined;
  }
  /** The state as the newest record has it (a copy is not made: treat as read-only). */
  get state(): StoreState { return this.#state; }

  /**
   * Picks the model to run: the active slot if it holds a valid model (loads, CRC, SHA-256 as
   * recorded, signature per the policy, self-test), else the other slot if the state has it
   * verified and it is valid, else none. Never throws.
   */
  boot(): BootResult {
    try {
      return this.#boot();
    } catch (err) {
      // Nothing above should throw (each step catches its own failures); if something does, the
      // device still comes up, with no model.
      this.#running = NO_SLOT;
      this.#model = undefined;
      const message = `no model: ${String(err)}`;
      return { slot: NO_SLOT, model: undefined, fellBack: false, rejected: [{ slot: NO_SLOT, code: 'INTERNAL', message }], message };
    }
  }

  #boot(): BootResult {
    this.#booted = true;
    this.#session = undefined;
    this.#running = NO_SLOT;
    this.#model = undefined;
    this.#refused[0] = this.#refused[1] = false;
    const rejected: SlotRejection[] = [];
    let recorded: StoreState | undefined;
    this.#stateUnread = false;
    try {
      recorded = this.#log.load();
    } catch (err) {
      this.#stateUnread = true;
      rejected.push({ slot: NO_SLOT, code: 'FLASH_ERROR', message: `state partition unreadable: ${String(err)}` });
    }
    this.#state = recorded ?? INITIAL_STATE;
    const tryOne = (slot: number, expect: SlotRecord | undefined): Verification | undefined => {
      try {
        const v = this.#check(slot, expect, undefined, false);
        if (v.ok) return v;
        rejected.push({ slot, code: v.code, message: v.message });
      } catch (err) {
        rejected.push({ slot, code: err instanceof ModelStoreError ? err.code : 'INTERNAL', message: String(err) });
      }
      this.#refused[slot] = true;
      return undefined;
    };

    let picked = NO_SLOT;
    let found: Verification | undefined;
    let fellBack = false;
    if (recorded) {
      const active = recorded.active;
      if (active !== NO_SLOT) {
        if (recorded.slots[active].state === SlotState.VERIFIED) {
          found = tryOne(active, recorded.slots[active]);
          if (found) picked = active;
        } else {
          rejected.push({ slot: active, code: 'NOT_VERIFIED', message: 'the state record does not have the active slot verified' });
        }
      }
      if (!found) {
        // The other verified slot(s), newest version first.
        const order = [0, 1].filter((s) => s !== active && recorded!.slots[s].state === SlotState.VERIFIED)
          .sort((a, b) => recorded!.slots[b].version - recorded!.slots[a].version);
        for (const s of order) {
          found = tryOne(s, recorded.slots[s]);
          if (found) { picked = s; fellBack = active !== NO_SLOT; break; }
        }
      }
    } else {
      // No state record (a new device, or a factory image): any slot holding a valid package,
      // the highest model version first.
      const order = [0, 1].sort((a, b) => this.#headerVersion(b) - this.#headerVersion(a));
      for (const s of order) {
        found = tryOne(s, undefined);
        if (found) { picked = s; break; }
      }
      if (found) {
        const rec: SlotRecord = { state: SlotState.VERIFIED, force: false, version: found.modelVersion, size: found.model!.bytes.length, received: 0, sha256: this.#policy.crypto.sha256(found.model!.bytes) };
        this.#state = { seq: 0, active: picked, previous: NO_SLOT, slots: picked === 0 ? [rec, EMPTY_SLOT] : [EMPTY_SLOT, rec] };
      }
    }
    if (found) {
      this.#running = picked;
      this.#model = found.model;
      if (recorded && picked !== recorded.active) {
        // Make the record say what runs: the refused slot is no rollback target any more.
        const failed = recorded.active;
        let next: StoreState = { ...this.#state, active: picked, previous: NO_SLOT };
        if (failed !== NO_SLOT) next = withSlot(next, failed, { ...next.slots[failed], state: SlotState.INVALID });
        try { this.#commit(next); } catch { /* keeps running; the next boot decides the same way */ }
      }
    }
    const model = this.#model;
    const message = model
      ? `slot ${picked}: ${model.header.name} v${model.header.modelVersion}${fellBack ? ' (the active slot was refused)' : ''}`
      : `no model${rejected.length ? ': ' + rejected.map((r) => `slot ${r.slot} ${r.code} ${r.message}`).join('; ') : ''}`;
    return { slot: this.#running, model, fellBack, rejected, message };
  }

  /** What INFO reports per slot. */
  slotInfo(): SlotInfo[] {
    this.#ensureBooted();
    const out: SlotInfo[] = [];
    for (let i = 0; i < 2; i++) {
      const rec = this.#state.slots[i];
      const session = this.#session && this.#session.slot === i ? this.#session : undefined;
      let state = rec.state;
      if (i === this.#running) state = SlotState.ACTIVE;
      else if (session) state = SlotState.PARTIAL;
      else if (this.#refused[i] && state === SlotState.VERIFIED) state = SlotState.INVALID;
      else if (i === this.#state.previous && state === SlotState.VERIFIED) state = SlotState.PREVIOUS;
      const bytes = session ? session.written : state === SlotState.PARTIAL ? rec.received : rec.size;
      const named = state === SlotState.ACTIVE || state === SlotState.PREVIOUS || state === SlotState.VERIFIED;
      out.push({ state, bytes, size: rec.size, modelVersion: rec.version, sha256: rec.sha256, name: named ? this.#name(i) : '' });
    }
    return out;
  }

  /**
   * MODEL_BEGIN: announces a package for the slot that is not running. Returns how much of this
   * very package (same SHA-256 and size) the slot holds: all of it (COMPLETE), a prefix known
   * from the state record or the live session (RESUMED), or nothing (NEW: a new upload is
   * recorded; its blocks are erased as the writes reach them).
   */
  begin(request: BeginRequest): BeginResult {
    this.#ensureBooted();
    const { size, sha256, modelVersion } = request;
    const force = request.force === true;
    if (!(sha256 instanceof Uint8Array) || sha256.length !== SHA256_BYTES) storeFail('BAD_ARGUMENT', 'sha256 must be 32 bytes');
    if (!Number.isInteger(size) || size < 1) storeFail('BAD_ARGUMENT', `size ${size}`);
    if (!Number.isInteger(modelVersion) || modelVersion < 0 || modelVersion > 0xffffffff) storeFail('BAD_ARGUMENT', `model version ${modelVersion}`);
    const slot = this.#targetFor(sha256, size);
    const flash = this.#storage.slots[slot];
    if (size > flash.byteLength) storeFail('MODEL_TOO_LARGE', `${size} bytes do not fit slot ${slot} (${flash.byteLength} bytes)`);
    const running = this.#model;
    if (running && !force && modelVersion <= running.header.modelVersion) {
      storeFail('OLDER_VERSION', `version ${modelVersion} is not newer than the active ${running.header.modelVersion}`);
    }

    const opened = this.#open(slot, flash, size, sha256, modelVersion, force, request.restart === true);
    this.#refused[slot] = false; // its state from now on is what this upload makes it
    return opened;
  }

  /** begin() past its checks: resumes or records the upload (the hash and the record may fail). */
  #open(slot: number, flash: FlashPartition, size: number, sha256: Uint8Array, modelVersion: number, force: boolean, restart: boolean): BeginResult {
    const live = this.#session;
    const rec = this.#state.slots[slot];
    const same = !restart && rec.state !== SlotState.EMPTY && rec.size === size && equalBytes(rec.sha256, sha256);
    if (same && live && live.slot === slot && live.size === size && equalBytes(live.sha256, sha256)) {
      live.force = force;
      return { status: live.written === size ? BeginStatus.COMPLETE : live.written > 0 ? BeginStatus.RESUMED : BeginStatus.NEW, slot, resumeOffset: live.written };
    }
    this.#session = undefined;
    if (same) {
      const whole = this.#io(() => this.#policy.crypto.sha256(flash.map().subarray(0, size)));
      if (equalBytes(whole, sha256)) {
        this.#session = { slot, sha256: sha256.slice(), size, version: modelVersion, force, written: size, erased: 0, committed: rec.received };
        return { status: BeginStatus.COMPLETE, slot, resumeOffset: size };
      }
      if (rec.state === SlotState.PARTIAL) {
        const bs = flash.blockSize;
        const at = rec.received - (rec.received % bs);
        this.#session = { slot, sha256: sha256.slice(), size, version: modelVersion, force, written: at, erased: at / bs, committed: at };
        return { status: at > 0 ? BeginStatus.RESUMED : BeginStatus.NEW, slot, resumeOffset: at };
      }
    }
    // A new upload: record it before touching the slot, so that nothing treats the slot's old
    // content as a model any more.
    const s = this.#state;
    const next: StoreState = withSlot({
      ...s,
      active: s.active === slot ? this.#running : s.active,
      previous: s.previous === slot ? NO_SLOT : s.previous,
    }, slot, { state: SlotState.PARTIAL, force, version: modelVersion, size, received: 0, sha256: sha256.slice() });
    this.#commit(next);
    this.#session = { slot, sha256: sha256.slice(), size, version: modelVersion, force, written: 0, erased: 0, committed: 0 };
    return { status: BeginStatus.NEW, slot, resumeOffset: 0 };
  }

  /**
   * MODEL_CHUNK: bytes [offset, offset + data.length) of the package. Only the part past what
   * the slot holds is written; a chunk that starts past it is dropped (OUT_OF_ORDER) and the
   * answer says where to continue.
   */
  write(offset: number, data: Uint8Array): ModelChunkAck {
    this.#ensureBooted();
    const session = this.#session;
    if (!session) storeFail('NO_SESSION', 'no upload in progress (MODEL_BEGIN first)');
    if (!(data instanceof Uint8Array)) storeFail('BAD_ARGUMENT', 'data must be a Uint8Array');
    if (!Number.isInteger(offset) || offset < 0) storeFail('BAD_OFFSET', `offset ${offset}`);
    if (offset + data.length > session.size) storeFail('BAD_OFFSET', `${data.length} bytes at ${offset} run past the package size ${session.size}`);
    const held = session.written;
    if (offset > held) return { offset, nextOffset: held, disposition: ChunkDisposition.OUT_OF_ORDER };
    if (offset + data.length <= held) return { offset, nextOffset: held, disposition: ChunkDisposition.DUPLICATE };
    const part = data.subarray(held - offset);
    const flash = this.#storage.slots[session.slot];
    const bs = flash.blockSize;
    this.#io(() => {
      const last = Math.floor((held + part.length - 1) / bs);
      while (session.erased <= last) flash.erase(session.erased++);
      flash.write(held, part);
    });
    session.written = held + part.length;
    const interval = this.#interval[session.slot];
    const mark = session.written - (session.written % interval);
    if (mark > session.committed && session.written < session.size) {
      // Progress: the record follows the bytes, so it may lag behind the flash, never lead it.
      const rec = this.#state.slots[session.slot];
      this.#commit(withSlot(this.#state, session.slot, { ...rec, received: mark }));
      session.committed = mark;
    }
    return { offset, nextOffset: session.written, disposition: ChunkDisposition.WRITTEN };
  }

  /**
   * MODEL_END: verifies the slot (HASH, CRC, PACKAGE, SIGNATURE, VERSION, INPUT_SHAPE, SELFTEST)
   * and records it VERIFIED, or INVALID with the first failure. The running model is untouched
   * either way. Throws BAD_OFFSET before every byte arrived (the upload stays open).
   */
  end(): EndResult {
    this.#ensureBooted();
    const session = this.#session;
    if (!session) storeFail('NO_SESSION', 'no upload in progress (MODEL_BEGIN first)');
    if (session.written < session.size) storeFail('BAD_OFFSET', `next offset ${session.written} of ${session.size}`);
    this.#session = undefined;
    const { slot, size } = session;
    const v = this.#check(slot, { ...EMPTY_SLOT, size, sha256: session.sha256 }, session.force, true);
    const rec: SlotRecord = {
      state: v.ok ? SlotState.VERIFIED : SlotState.INVALID,
      force: session.force,
      version: v.ok ? v.modelVersion : session.version,
      size,
      received: size,
      sha256: session.sha256,
    };
    this.#commit(withSlot(this.#state, slot, rec));
    if (v.ok) this.#lastVerified = slot;
    return { ok: v.ok, code: codeNumber(v.code), codeName: v.code, message: v.message, slot, sha256: v.sha256, modelVersion: v.modelVersion, checks: v.checks };
  }

  /**
   * ACTIVATE: makes a VERIFIED slot the active one. Every check runs again (the version against
   * the running model, forced by `force` or by the upload's FORCE); then one state record
   * switches the active slot, and the old one becomes the rollback target.
   */
  activate(slot: number = NO_SLOT, force = false): Activation {
    this.#ensureBooted();
    const target = slot === NO_SLOT ? this.#verifiedTarget() : slot;
    if (target !== 0 && target !== 1) storeFail('BAD_ARGUMENT', `slot ${slot}`);
    if (target === this.#running && this.#model) {
      if (this.#state.active !== target) this.#commit({ ...this.#state, active: target });
      return this.#activation(this.#model);
    }
    const rec = this.#state.slots[target];
    if (rec.state !== SlotState.VERIFIED || (this.#session && this.#session.slot === target)) {
      storeFail('NOT_VERIFIED', `slot ${target} holds no verified package`);
    }
    const v = this.#check(target, rec, force || rec.force, true);
    if (!v.ok) storeFail(v.code, v.message);
    this.#session = undefined;
    this.#commit({ ...this.#state, active: target, previous: this.#running });
    this.#running = target;
    this.#model = v.model;
    this.#refused[target] = false;
    return this.#activation(v.model!);
  }

  /** ROLLBACK: makes the previous model active again, if its slot still holds it, valid. */
  rollback(): Activation {
    this.#ensureBooted();
    const p = this.#state.previous;
    if (p === NO_SLOT || p === this.#running) storeFail('NO_ROLLBACK', 'there is no previous model');
    const rec = this.#state.slots[p];
    if (rec.state !== SlotState.VERIFIED) storeFail('NO_ROLLBACK', `slot ${p} no longer holds the previous model`);
    const v = this.#check(p, rec, true, false);
    if (!v.ok) storeFail('NO_ROLLBACK', `the previous model in slot ${p} is refused: ${v.code} ${v.message}`);
    this.#session = undefined;
    this.#commit({ ...this.#state, active: p, previous: this.#running });
    this.#running = p;
    this.#model = v.model;
    return this.#activation(v.model!);
  }

  #activation(model: Model): Activation {
    const rec = this.#state.slots[this.#running];
    return { slot: this.#running, previousSlot: this.#state.previous, modelVersion: model.header.modelVersion, sha256: rec.sha256, name: model.header.name, model };
  }

  #ensureBooted(): void {
    if (!this.#booted) this.boot();
  }

  /** Runs the checks on slot `slot` as `rec` describes it (no record: the package header gives the size). */
  #check(slot: number, rec: SlotRecord | undefined, force: boolean | undefined, full: boolean): Verification {
    const flash = this.#storage.slots[slot];
    const bytes = this.#io(() => flash.map());
    let size = rec ? rec.size : this.#headerLength(slot);
    if (size < 1 || size > flash.byteLength) size = Math.min(Math.max(size, 8), flash.byteLength);
    const running = this.#model;
    return verifyPackage(bytes.subarray(0, size), this.#policy, {
      sha256: rec ? rec.sha256 : undefined,
      activeVersion: full && running && this.#running !== slot ? running.header.modelVersion : undefined,
      force: force === true,
      checkShape: full && this.#running !== slot,
      activeInput: running ? running.inputSpec : undefined,
    });
  }

  /** The upload slot: the one not running; with nothing running, one already holding this package, else one not verified. */
  #targetFor(sha256: Uint8Array | undefined, size: number): number {
    if (this.#running !== NO_SLOT) return 1 - this.#running;
    const slots = this.#state.slots;
    for (let i = 0; i < 2; i++) {
      if (sha256 && slots[i].state !== SlotState.EMPTY && slots[i].size === size && equalBytes(slots[i].sha256, sha256)) return i;
    }
    if (this.#session) return this.#session.slot;
    return slots[0].state === SlotState.VERIFIED && slots[1].state !== SlotState.VERIFIED ? 1 : 0;
  }

  /** ACTIVATE's "the slot the last MODEL_END verified". */
  #verifiedTarget(): number {
    if (this.#running !== NO_SLOT) return 1 - this.#running;
    const last = this.#lastVerified;
    if (last !== NO_SLOT && this.#state.slots[last].state === SlotState.VERIFIED) return last;
    const slots = this.#state.slots;
    if (slots[0].state === SlotState.VERIFIED && (slots[1].state !== SlotState.VERIFIED || slots[0].version >= slots[1].version)) return 0;
    return slots[1].state === SlotState.VERIFIED ? 1 : 0;
  }

  /** Appends a state record; on success it is the state. */
  #commit(next: StoreState): void {
    if (this.#stateUnread) storeFail('FLASH_ERROR', 'the state partition could not be read at boot: nothing is recorded until a restart reads it');
    let seq = 0;
    try {
      seq = this.#log.append(next);
    } catch (err) {
      this.#session = undefined;
      storeFail('FLASH_ERROR', `state record write failed: ${String(err)}`, err);
    }
    this.#state = { ...next, seq };
  }

  /** Runs a flash operation; a failure ends the upload session and becomes FLASH_ERROR. */
  #io<T>(op: () => T): T {
    try {
      return op();
    } catch (err) {
      if (err instanceof ModelStoreError) throw err;
      this.#session = undefined;
      return storeFail('FLASH_ERROR', String(err), err);
    }
  }

  #headerLength(slot: number): number {
    try {
      const b = this.#storage.slots[slot].read(16, 4);
      return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    } catch {
      return 0;
    }
  }

  #headerVersion(slot: number): number {
    try {
      const b = this.#storage.slots[slot].read(8, 4);
      return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    } catch {
      return 0;
    }
  }

  #name(slot: number): string {
    try {
      const b = this.#storage.slots[slot].read(24, 32);
      let end = 0;
      while (end < 32 && b[end] !== 0) end++;
      return decodeUtf8(b, 0, end);
    } catch {
      return '';
    }
  }
}

function withSlot(state: StoreState, slot: number, rec: SlotRecord): StoreState {
  return { ...state, slots: slot === 0 ? [rec, state.slots[1]] : [state.slots[0], rec] };
}

function codeNumber(code: ErrorCodeName): number {
  return ErrorCode[code];
}
