// Commands over MQTT: each host client publishes request frames to `cmd/<client>` and hears on
// `rsp/<client>`. Every client gets its own ProtocolServer (its own decoder, sequence numbers,
// retry cache and STREAM), as if on its own serial line; the two most recently active clients
// keep theirs, a third takes the place of the least recent one.
import { ProtocolServer } from '../device/protocol-server';
import type { ByteLink, ProtocolServerOptions } from '../device/protocol-server';
import type { Device } from '../device/device';
import { revealOverNetwork } from './settings';

const MAX_CLIENTS = 2;

interface ClientServer {
  readonly client: string;
  readonly server: ProtocolServer;
  /** Hands received bytes to the server through its link. */
  readonly receive: (bytes: Uint8Array) => void;
  used: number;
}

export class CommandClients {
  readonly #device: Device;
  readonly #options: ProtocolServerOptions;
  readonly #respond: (client: string, bytes: Uint8Array) => void;
  #clients: ClientServer[] = [];
  #uses = 0;

  constructor(device: Device, options: ProtocolServerOptions, respond: (client: string, bytes: Uint8Array) => void) {
    this.#device = device;
    this.#options = options;
    this.#respond = respond;
  }

  /** Request frames from `client` (a valid client id). Never throws. */
  receive(client: string, payload: Uint8Array): void {
    const c = this.#find(client) ?? this.#add(client);
    c.used = ++this.#uses;
    c.receive(payload);
  }

  /** Ends every client's STREAM (the agent stops). */
  stop(): void {
    for (const c of this.#clients) c.server.stop();
    this.#clients = [];
  }

  #find(client: string): ClientServer | undefined {
    for (const c of this.#clients) if (c.client === client) return c;
    return undefined;
  }

  #add(client: string): ClientServer {
    if (this.#clients.length >= MAX_CLIENTS) {
      let oldest = this.#clients[0];
      for (const c of this.#clients) if (c.used < oldest.used) oldest = c;
      oldest.server.stop();
      this.#clients = this.#clients.filter((c) => c !== oldest);
    }
    let deliver: (bytes: Uint8Array) => void = () => {};
    const link: ByteLink = {
      write: (bytes) => this.#respond(client, bytes),
      onReceive: (callback) => { deliver = callback; },
    };
    // A network client is not a cable: no unsigned FORCE, no broker password (docs/mqtt-topics.md).
    const server = new ProtocolServer(this.#device, { ...this.#options, link, refuseForce: true, reveal: revealOverNetwork });
    server.start();
    const c: ClientServer = { client, server, receive: (bytes) => deliver(bytes), used: 0 };
    this.#clients.push(c);
    return c;
  }
}
