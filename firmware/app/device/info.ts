// INFO: what the device is and holds, as HELLO answers it over serial and STATUS carries it
// over MQTT.
import { FORMAT_VERSION } from '../../core/package/layout';
import { CAPABILITY, PROTOCOL_VERSION, truncateUtf8 } from '../../core/protocol/index';
import type { Info } from '../../core/protocol/index';
import type { Device } from './device';

export interface InfoLimits {
  /** Largest request payload the transport accepts. */
  readonly maxPayload: number;
  /** Largest MODEL_CHUNK data. */
  readonly maxChunk: number;
  /** The SIMULATOR capability. */
  readonly simulator: boolean;
}

export function deviceInfo(d: Device, limits: InfoLimits, protocolVersion = PROTOCOL_VERSION): Info {
  const store = d.store;
  let caps = CAPABILITY.PREDICT | CAPABILITY.FLOAT_INPUT | CAPABILITY.STREAM | CAPABILITY.SAMPLE | CAPABILITY.MODEL_UPLOAD
    | CAPABILITY.ROLLBACK | CAPABILITY.CONFIG | CAPABILITY.RESTART | CAPABILITY.RETRY_CACHE;
  if (store.signatureRequired) caps |= CAPABILITY.SIGNATURE_REQUIRED;
  if (limits.simulator) caps |= CAPABILITY.SIMULATOR;
  const info = d.platform.device;
  return {
    protocolVersion,
    formatVersion: FORMAT_VERSION,
    capabilities: caps,
    maxPayload: limits.maxPayload,
    maxChunk: limits.maxChunk,
    freeSlotSize: store.freeSlotSize,
    activeSlot: d.activeSlot,
    firmwareVersion: truncateUtf8(info.firmwareVersion, 255),
    deviceId: truncateUtf8(info.id, 255),
    slots: store.slotInfo(),
  };
}
