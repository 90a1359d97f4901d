// The device's A/B model store (docs/model-store.md).
export { ModelStore } from './store';
export type { Activation, BeginRequest, BeginResult, BootResult, EndResult, ModelStoreOptions, SlotRejection } from './store';
export { ModelStoreError } from './errors';
export { StateLog } from './state-log';
export { RECORD_BYTES, decodeRecord, encodeRecord } from './state-record';
export type { SlotRecord, StoreState } from './state-record';
export { equalBytes, hex } from './verify';
export type { InputShape } from './verify';
