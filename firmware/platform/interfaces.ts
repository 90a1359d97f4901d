// The platform the device application is written against. The Moddable implementations
// (firmware/platform/moddable/) run on the board; the simulator's (sim/platform/) run the same
// application inside XS on a desktop. Everything here is synchronous or callback-based, as
// Moddable's runtime is: no promises are needed on the device.
import type { OpRegistry } from '../core/graph/kernel';
import type { TreeKernel } from '../core/trees/kernel';
import type { Network } from './network';

/** Milliseconds and timers. */
export interface Clock {
  /** Milliseconds since boot (monotonic). */
  now(): number;
  /** Microseconds since boot, for latency figures (may be coarser than 1 µs). */
  micros(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
}
export type TimerHandle = object;

/** A multi-axis sample source (an accelerometer) delivering frames at a configured rate. */
export interface SampleSource {
  readonly axes: number;
  /** Samples per second per axis. */
  readonly rate: number;
  /** Calls `onFrame` with one frame (`axes` int16 values; the array is reused) per sample. */
  start(onFrame: (frame: Int16Array) => void): void;
  stop(): void;
}

/**
 * A NOR flash region: erase sets a whole block to 0xFF, a write can only clear bits (it ANDs),
 * and a power cut can stop either at any byte. Offsets are relative to the partition.
 */
export interface FlashPartition {
  readonly byteLength: number;
  readonly blockSize: number;
  /** Erases block `index` (byte offset index * blockSize). */
  erase(index: number): void;
  write(offset: number, bytes: Uint8Array): void;
  read(offset: number, length: number): Uint8Array;
  /** A read-only view of the whole partition without copying (flash is memory-mapped). */
  map(): Uint8Array;
}

/** Where models live: two slots (A/B) and a small state record. */
export interface ModelStorage {
  readonly slots: readonly [FlashPartition, FlashPartition];
  readonly state: FlashPartition;
}

/** A byte stream to the host (USB serial on a board, a pseudo-terminal in the simulator). */
export interface SerialPort {
  write(bytes: Uint8Array): void;
  /** Called with each chunk of received bytes (the array may be reused after the call). */
  onReceive(callback: (bytes: Uint8Array) => void): void;
  /**
   * Bytes the port holds for the application while it is busy handling earlier ones (a frame's
   * flash write): what may arrive meanwhile without loss. Absent: the port buffers what comes
   * (a pseudo-terminal, a socket). The protocol server sizes its MODEL_BEGIN_ACK window by it.
   */
  readonly receiveBuffer?: number;
}

export interface Crypto {
  sha256(bytes: Uint8Array): Uint8Array;
  /** ECDSA P-256 over SHA-256: `publicKey` is the 65-byte uncompressed point, `signature` r ‖ s. */
  verifyP256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export type ConfigValue = string | number | boolean;

/** Persistent device configuration (Moddable `preference` on a board). */
export interface Config {
  get(key: string): ConfigValue | undefined;
  set(key: string, value: ConfigValue): void;
  keys(): string[];
}

export interface DeviceInfo {
  readonly id: string;
  readonly firmwareVersion: string;
  /** The public key the device trusts for model signatures (65-byte uncompressed P-256 point). */
  readonly trustedKey: Uint8Array | undefined;
}

/** XS heap figures (STATS_REPORT flag 1). */
export interface HeapFigures {
  /** Heap bytes in use now. */
  readonly used: number;
  /** The most in use the platform has seen since boot (>= used). */
  readonly peak: number;
}

export interface System {
  restart(): void;
  /** Free heap bytes, when the platform can tell. */
  freeMemory(): number | undefined;
  log(message: string): void;
  /**
   * XS heap bytes in use and the peak, when the platform can tell (absent, or undefined: it
   * cannot). What counts as "in use" is the platform's: see its implementation.
   */
  heap?(): HeapFigures | undefined;
  /**
   * The running XS computron meter (simulated devices: the board's XS does not meter). Only
   * differences mean something: the Device reads it around each inference.
   */
  computrons?(): number;
}

/** Optimized inference kernels (native C on Moddable); the engine uses the portable reference
 * kernels for whatever is absent. Chosen here, by the platform, never by sniffing globals. */
export interface Kernels {
  /** Int8 graph ops (loadModel's `kernels`). */
  readonly graph?: OpRegistry;
  /** The tree-ensemble walk (loadModel's `treeKernel`). */
  readonly trees?: TreeKernel;
}

export interface Platform {
  readonly clock: Clock;
  readonly sensor: SampleSource;
  readonly storage: ModelStorage;
  readonly serial: SerialPort;
  readonly crypto: Crypto;
  readonly config: Config;
  readonly device: DeviceInfo;
  readonly system: System;
  /** The MQTT link (firmware/platform/network.ts), when the device has a network. */
  readonly network?: Network;
  /** Kernels to load models with; absent: the reference kernels. */
  readonly kernels?: Kernels;
}
