// The device application: sampling and inference loop (Device) and the serial protocol server.
export { Device, confidenceOf } from './device';
export type { Capture, DeviceOptions, InferenceResult, InferenceStats, ResultListener, RunState } from './device';
export { ProtocolServer } from './protocol-server';
export type { ByteLink, ProtocolServerOptions, ServerCounters } from './protocol-server';
export { deviceInfo } from './info';
export type { InfoLimits } from './info';
