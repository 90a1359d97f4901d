// The serial protocol codec: COBS framing, frames with sequence numbers and CRC-32, and the
// layout of every message. Shared by the device, the simulator and the host. See
// docs/serial-protocol.md.
export * from './errors';
export * from './error-codes';
export * from './utf8-encoder';
export { ByteReader, ByteWriter } from './bytes';
export * from './cobs';
export * from './frame';
export * from './stream';
export * from './types';
export * from './codec';
export * from './messages/layout';
export * from './messages/info';
export * from './messages/inference';
export * from './messages/model';
export * from './messages/admin';
