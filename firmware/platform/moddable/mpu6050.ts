// MPU-6050-class accelerometer over I2C, in the style of an ECMA-419 sensor class: the bus class
// comes in the options (`sensor: { io: SMBus, data, clock, address }`), configure() takes a
// sample rate and a range, and samples are the raw int16 counts of the three axes (±2 g: 16384
// counts per g). The sensor samples itself at the configured rate into its FIFO (1 kHz base
// rate divided by 1 + SMPLRT_DIV, low-pass filtered below half the rate), so samples keep their
// exact spacing even when JavaScript is busy; drain() empties the FIFO. Register numbers are from
// the MPU-6000/6050 Register Map (rev 4.2); the MPU-6500/9250 family shares them and adds
// ACCEL_CONFIG2 for the accelerometer's own filter.
import Timer from 'timer';

/** The I2C register interface the driver needs: ECMA-419 `embedded:io/smbus` provides it. */
export interface RegisterBus {
  readUint8(register: number): number;
  writeUint8(register: number, value: number): void;
  /** Fills `buffer` from consecutive registers starting at `register` (one repeated-start read). */
  readBuffer(register: number, buffer: Uint8Array): unknown;
  close(): void;
}

export interface RegisterBusOptions {
  data: number;
  clock: number;
  hz: number;
  address: number;
  port?: number;
}

export type RegisterBusConstructor = new (options: RegisterBusOptions) => RegisterBus;

export interface MPU6050SensorOptions {
  io: RegisterBusConstructor;
  /** SDA pin. */
  data: number;
  /** SCL pin. */
  clock: number;
  /** Bus speed, 400 kHz by default. */
  hz?: number;
  /** 0x68 (AD0 low, the default) or 0x69. */
  address?: number;
  port?: number;
}

export interface MPU6050Configuration {
  /** Samples per second: 1000 / n for an integer n in 1..256 (1000, 500, 250, 200, 100, 50, ...). */
  rate?: number;
  /** Full scale in g. */
  range?: 2 | 4 | 8 | 16;
}

export interface MPU6050Options extends MPU6050Configuration {
  sensor: MPU6050SensorOptions;
}

const SMPLRT_DIV = 0x19;
const CONFIG = 0x1a;
const ACCEL_CONFIG = 0x1c;
const ACCEL_CONFIG2 = 0x1d;
const FIFO_EN = 0x23;
const INT_ENABLE = 0x38;
const INT_STATUS = 0x3a;
const ACCEL_XOUT_H = 0x3b;
const USER_CTRL = 0x6a;
const PWR_MGMT_1 = 0x6b;
const PWR_MGMT_2 = 0x6c;
const FIFO_COUNT_H = 0x72;
const FIFO_R_W = 0x74;
const WHO_AM_I = 0x75;

const FIFO_EN_ACCEL = 0x08;
const USER_CTRL_FIFO_EN = 0x40;
const USER_CTRL_FIFO_RESET = 0x04;
const INT_FIFO_OFLOW = 0x10;
const PWR_DEVICE_RESET = 0x80;
const PWR_CLOCK_PLL_X = 0x01;

/** WHO_AM_I values: MPU-6050/6000, then the MPU-6500 family (6500, 9250, 9255). */
const FAMILY_6050 = [0x68];
const FAMILY_6500 = [0x70, 0x71, 0x73];

const BASE_RATE = 1000;
const BYTES_PER_FRAME = 6;
/** Frames per I2C burst read from the FIFO. */
const BURST_FRAMES = 16;
/** Accelerometer low-pass settings 1..6 and their bandwidths in Hz (MPU-6050 table). */
const LOW_PASS_HZ = [184, 94, 44, 21, 10, 5];

export class MPU6050 {
  #io: RegisterBus | undefined;
  #family6500: boolean;
  #fifoBytes: number;
  #rate = 0;
  #range: 2 | 4 | 8 | 16 = 2;
  #overruns = 0;
  #byte2 = new Uint8Array(2);
  #sample = new Uint8Array(BYTES_PER_FRAME);
  /** Views of one burst buffer, one per frame count, made once so drain() allocates nothing. */
  #bursts: Uint8Array[] = [];

  constructor(options: MPU6050Options) {
    const { io: Bus, data, clock, hz = 400_000, address = 0x68, port } = options.sensor;
    const busOptions: RegisterBusOptions = { data, clock, hz, address };
    if (port !== undefined) busOptions.port = port;
    const io = new Bus(busOptions);
    this.#io = io;
    const id = io.readUint8(WHO_AM_I);
    this.#family6500 = FAMILY_6500.includes(id);
    if (!this.#family6500 && !FAMILY_6050.includes(id)) {
      this.close();
      throw new Error(`MPU6050: unexpected WHO_AM_I 0x${id.toString(16)} at address 0x${address.toString(16)}`);
    }
    this.#fifoBytes = this.#family6500 ? 512 : 1024;
    const burst = new Uint8Array(BURST_FRAMES * BYTES_PER_FRAME);
    for (let n = 1; n <= BURST_FRAMES; n++) this.#bursts.push(burst.subarray(0, n * BYTES_PER_FRAME));

    io.writeUint8(PWR_MGMT_1, PWR_DEVICE_RESET);
    Timer.delay(100);
    io.writeUint8(PWR_MGMT_1, PWR_CLOCK_PLL_X); // awake, gyro PLL clock
    io.writeUint8(PWR_MGMT_2, 0);
    io.writeUint8(USER_CTRL, 0);
    io.writeUint8(FIFO_EN, 0);
    io.writeUint8(INT_ENABLE, INT_FIFO_OFLOW); // latches the overflow flag in INT_STATUS
    this.configure({ rate: options.rate ?? 100, range: options.range ?? 2 });
  }

  /** The divider and exact rate for a requested rate; RangeError when 1 kHz / rate is not an integer. */
  static rateDivider(rate: number): { divider: number; rate: number } {
    const n = Math.round(BASE_RATE / rate);
    const actual = BASE_RATE / n;
    if (!(n >= 1 && n <= 256) || Math.abs(actual - rate) > rate * 0.001)
      throw new RangeError(`MPU6050: rate ${rate} Hz is not 1000 Hz / n for an integer n in 1..256`);
    return { divider: n - 1, rate: actual };
  }

  get rate(): number {
    return this.#rate;
  }

  get range(): 2 | 4 | 8 | 16 {
    return this.#range;
  }

  /** Counts per g at the configured range. */
  get countsPerG(): number {
    return 32768 / this.#range;
  }

  /** FIFO overflows since construction: each loses the samples the FIFO held. */
  get overruns(): number {
    return this.#overruns;
  }

  configure(options: MPU6050Configuration): void {
    const io = this.#bus();
    if (options.range !== undefined) {
      const code = [2, 4, 8, 16].indexOf(options.range);
      if (code < 0) throw new RangeError(`MPU6050: range ${options.range} g is not 2, 4, 8 or 16`);
      io.writeUint8(ACCEL_CONFIG, code << 3);
      this.#range = options.range;
    }
    if (options.rate !== undefined) {
      const { divider, rate } = MPU6050.rateDivider(options.rate);
      let lowPass = LOW_PASS_HZ.findIndex((hz) => hz < rate / 2) + 1;
      if (lowPass === 0) lowPass = LOW_PASS_HZ.length;
      io.writeUint8(CONFIG, lowPass); // also sets the 1 kHz internal rate
      if (this.#family6500) io.writeUint8(ACCEL_CONFIG2, lowPass);
      io.writeUint8(SMPLRT_DIV, divider);
      this.#rate = rate;
    }
  }

  /** Clears the FIFO and starts filling it with accelerometer samples at the configured rate. */
  startFifo(): void {
    const io = this.#bus();
    io.writeUint8(FIFO_EN, 0);
    io.writeUint8(USER_CTRL, USER_CTRL_FIFO_RESET);
    io.readUint8(INT_STATUS); // clears a stale overflow flag
    io.writeUint8(FIFO_EN, FIFO_EN_ACCEL);
    io.writeUint8(USER_CTRL, USER_CTRL_FIFO_EN);
  }

  stopFifo(): void {
    const io = this.#bus();
    io.writeUint8(FIFO_EN, 0);
    io.writeUint8(USER_CTRL, USER_CTRL_FIFO_RESET);
  }

  /**
   * Delivers every whole sample in the FIFO, oldest first, through `frame` (x, y, z counts; reused).
   * After an overflow the FIFO is cleared instead (its byte alignment is lost) and 0 returned.
   */
  drain(frame: Int16Array, onFrame: (frame: Int16Array) => void): number {
    const io = this.#bus();
    if (io.readUint8(INT_STATUS) & INT_FIFO_OFLOW) return this.#overflowed(io);
    const count2 = this.#byte2;
    io.readBuffer(FIFO_COUNT_H, count2);
    const count = ((count2[0] << 8) | count2[1]) & 0x1fff;
    if (count > this.#fifoBytes - BYTES_PER_FRAME) return this.#overflowed(io);
    let frames = Math.floor(count / BYTES_PER_FRAME);
    const total = frames;
    while (frames > 0) {
      const n = frames < BURST_FRAMES ? frames : BURST_FRAMES;
      const bytes = this.#bursts[n - 1];
      io.readBuffer(FIFO_R_W, bytes);
      for (let i = 0; i < n * BYTES_PER_FRAME; i += BYTES_PER_FRAME) {
        frame[0] = (bytes[i] << 8) | bytes[i + 1]; // big-endian; the Int16Array stores the sign
        frame[1] = (bytes[i + 2] << 8) | bytes[i + 3];
        frame[2] = (bytes[i + 4] << 8) | bytes[i + 5];
        onFrame(frame);
      }
      frames -= n;
    }
    return total;
  }

  /** Reads the latest sample from the output registers (polling, without the FIFO). */
  sample(frame: Int16Array): void {
    const bytes = this.#sample;
    this.#bus().readBuffer(ACCEL_XOUT_H, bytes);
    frame[0] = (bytes[0] << 8) | bytes[1];
    frame[1] = (bytes[2] << 8) | bytes[3];
    frame[2] = (bytes[4] << 8) | bytes[5];
  }

  close(): void {
    this.#io?.close();
    this.#io = undefined;
  }

  #overflowed(io: RegisterBus): number {
    this.#overruns++;
    io.writeUint8(USER_CTRL, USER_CTRL_FIFO_EN | USER_CTRL_FIFO_RESET);
    return 0;
  }

  #bus(): RegisterBus {
    if (!this.#io) throw new Error('MPU6050: closed');
    return this.#io;
  }
}
