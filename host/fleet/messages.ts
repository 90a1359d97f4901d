// Routing a fleet's MQTT messages to handlers by topic kind (docs/mqtt-topics.md), so each
// fleet function subscribes to what it needs and reads parsed topics, not strings.
import type { MqttClient } from 'mqtt';
import { fleetFilter, parseTopic, ParsedTopic, TopicKind } from '../../firmware/core/fleet/index';
import { subscribeOrFail } from './connect';

export interface FleetMessage extends ParsedTopic {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** Held by the broker from before this subscription (MQTT retain flag on delivery). */
  readonly retained: boolean;
}

/**
 * Subscribes to `kinds` for every device under `prefix` and calls `handler` for each message.
 * Resolves once the broker acknowledged the subscriptions (retained messages follow); the
 * returned function stops listening.
 */
export async function listen(client: MqttClient, prefix: string, kinds: readonly TopicKind[], handler: (m: FleetMessage) => void): Promise<() => Promise<void>> {
  const filters = kinds.map((k) => fleetFilter(prefix, k));
  const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
    const parsed = parseTopic(prefix, topic);
    if (!parsed || !kinds.includes(parsed.kind)) return;
    handler({ ...parsed, topic, payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), retained: packet.retain === true });
  };
  client.on('message', onMessage);
  const counts = subscribers.get(client) ?? new Map<string, number>();
  subscribers.set(client, counts);
  for (const f of filters) counts.set(f, (counts.get(f) ?? 0) + 1);
  const release = () => {
    client.off('message', onMessage);
    return filters.filter((f) => {
      const n = (counts.get(f) ?? 1) - 1;
      if (n === 0) counts.delete(f); else counts.set(f, n);
      return n === 0;
    });
  };
  try {
    await subscribeOrFail(client, filters, 1);
  } catch (e) {
    release();
    throw e;
  }
  return async () => {
    const unused = release();
    if (unused.length > 0 && client.connected) await client.unsubscribeAsync(unused).catch(() => undefined);
  };
}

// MQTT has one subscription per filter and client: unsubscribe when its last listener leaves.
const subscribers = new WeakMap<MqttClient, Map<string, number>>();
