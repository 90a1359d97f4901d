// Local declarations for the Moddable SDK's legacy MQTT client, modules/network/mqtt/mqtt.js
// ("mqtt"): @moddable/typings 5.6.0 declares only the MQTT.js-style "mqtt/js". Only what
// network.ts uses is declared, as the module's source defines it.
declare module 'mqtt' {
  export interface ClientOptions {
    host: string;
    port?: number;
    id?: string;
    user?: string;
    password?: string;
    will?: { topic: string; message: ArrayBuffer | string; retain?: boolean; quality?: 0 };
    /** Keep-alive interval in milliseconds (0: none). */
    timeout?: number;
    /** A socket class to connect with instead of plain TCP (SecureSocket for TLS), and its options. */
    Socket?: unknown;
    secure?: { protocolVersion?: number; certificate?: ArrayBuffer | HostBuffer; trace?: boolean };
  }

  /** QoS 0 only; whole messages in RAM; no reconnection (a new Client is a new connection). */
  export default class Client {
    constructor(options: ClientOptions);
    /** CONNACK received. */
    onReady?: () => void;
    onMessage?: (topic: string, payload: ArrayBuffer) => void;
    /** The connection failed or closed (not called by close()). */
    onClose?: () => void;
    /** Throws when not connected. */
    publish(topic: string, data: ArrayBuffer | string, flags?: { retain?: boolean }): void;
    subscribe(topic: string): void;
    /** Sends DISCONNECT unless `immediate`, then closes the socket. */
    close(immediate?: boolean): void;
  }
}
