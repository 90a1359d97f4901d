// Serving model bytes to devices that pull them: every CHUNK_REQUEST on ota/req is answered
// with the bytes asked for on that device's ota/data, whatever was asked before. Devices drive
// the pace and re-ask what they miss, so this keeps no per-device state.
import type { MqttClient } from 'mqtt';
import { decodeChunkRequest, deviceTopics, encodeChunk, FleetError, TOPIC } from '../../firmware/core/fleet/index';
import { listen } from './messages';

/** Largest chunk served, whatever is asked: more than any device's message buffer. */
const MAX_CHUNK = 64 * 1024;

export interface ChunkRequestSeen { deviceId: string; hashPrefixHex: string; offset: number; length: number }

export interface ChunkServer {
  /** Bytes of CHUNK payloads (headers included) sent, per device. */
  readonly bytesSent: Map<string, number>;
  stop(): Promise<void>;
}

/** `packages` maps the 8-byte hash prefix (hex) to package bytes; requests for other hashes are ignored. */
export async function serveChunks(client: MqttClient, prefix: string, packages: ReadonlyMap<string, Uint8Array>, onRequest?: (r: ChunkRequestSeen) => void): Promise<ChunkServer> {
  const bytesSent = new Map<string, number>();
  const stop = await listen(client, prefix, [TOPIC.CHUNK_REQUEST], (m) => {
    let request;
    try {
      request = decodeChunkRequest(m.payload);
    } catch (e) {
      if (e instanceof FleetError) return; // not ours to answer; the device re-asks properly
      throw e;
    }
    const hashPrefixHex = Buffer.from(request.hash).toString('hex');
    const bytes = packages.get(hashPrefixHex);
    if (!bytes || request.offset >= bytes.length) return;
    onRequest?.({ deviceId: m.deviceId, hashPrefixHex, offset: request.offset, length: request.length });
    const end = Math.min(bytes.length, request.offset + Math.min(request.length, MAX_CHUNK));
    const chunk = encodeChunk({ hash: request.hash, offset: request.offset, data: bytes.subarray(request.offset, end) });
    bytesSent.set(m.deviceId, (bytesSent.get(m.deviceId) ?? 0) + chunk.length);
    client.publish(deviceTopics(prefix, m.deviceId).chunk, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), { qos: 0 });
  });
  return { bytesSent, stop };
}
