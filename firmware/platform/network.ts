// The device's MQTT link: Moddable's `mqtt` client on a board (whole messages in RAM, QoS 0,
// no automatic reconnect), a TCP MQTT client bridged from Node in the simulator. The
// interface asks for no more than the legacy Moddable client gives, so the agent written
// against it runs on both.

export interface MqttWill {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly retain: boolean;
}

export interface MqttConnectOptions {
  readonly clientId: string;
  /** Published by the broker when the connection is lost without a DISCONNECT. */
  readonly will: MqttWill;
  readonly keepAliveSeconds: number;
}

export interface MqttPublishOptions {
  /** Kept by the broker for later subscribers (status, offers). */
  readonly retain?: boolean;
}

/** One broker session. Publishing is fire-and-forget (QoS 0); the agent retries at its level. */
export interface MqttSession {
  readonly connected: boolean;
  /** Largest incoming message the device accepts; the session drops (and counts) bigger ones. */
  readonly maxMessage: number;
  /** False when the message could not be handed to the connection (not connected, too big). */
  publish(topic: string, payload: Uint8Array, options?: MqttPublishOptions): boolean;
  subscribe(filter: string): void;
  /** Called on every (re)connection, before any message: subscribe and publish birth here. */
  onConnect(callback: () => void): void;
  /** `payload` is only valid during the call. */
  onMessage(callback: (topic: string, payload: Uint8Array) => void): void;
  onDisconnect(callback: (reason: string) => void): void;
  /** Sends DISCONNECT (no will) and stops reconnecting. */
  close(): void;
}

/** Opens broker sessions; the implementation reconnects with backoff until close(). */
export interface Network {
  open(options: MqttConnectOptions): MqttSession;
}
