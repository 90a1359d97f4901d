// The embedded MQTT broker (aedes) as a library: listens on host:port over TCP or TLS,
// optionally with users. `edgeml broker` runs it; tests and the benchmark start it in-process.
import { createServer as createTcpServer, Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, AuthenticateError } from 'aedes';
import { Users, checkPassword } from './auth';

export interface BrokerOptions {
  /** Default 1883; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only unless asked. */
  host?: string;
  /** When given, every client must present one of these users (CONNACK 4 otherwise). */
  users?: Users;
  /** PEM certificate chain and key: the broker speaks MQTT over TLS (mqtts://). */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface BrokerTraffic {
  /** Messages routed (client publishes, retained deliveries excluded). */
  messages: number;
  /** Topic and payload bytes of those messages. */
  bytes: number;
}

export interface RunningBroker {
  readonly port: number;
  readonly host: string;
  /** mqtt://host:port or mqtts://host:port */
  readonly url: string;
  readonly aedes: Aedes;
  /** Counted from the broker's `publish` events: what clients sent through it. */
  readonly traffic: BrokerTraffic;
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const users = options.users;
  const aedes = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      if (!users || checkPassword(users, username, password)) return done(null, true);
      const error = new Error('bad user name or password') as AuthenticateError;
      error.returnCode = 4 as AuthenticateError['returnCode']; // CONNACK: bad user name or password
      done(error, null);
    },
  });
  const traffic: BrokerTraffic = { messages: 0, bytes: 0 };
  aedes.on('publish', (packet, client) => {
    if (!client) return; // the broker's own $SYS and will messages
    traffic.messages++;
    traffic.bytes += Buffer.byteLength(packet.topic) + (packet.payload?.length ?? 0);
  });
  const server: Server = options.tls ? createTlsServer(options.tls, aedes.handle) : createTcpServer(aedes.handle);
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 1883, host, () => { server.off('error', reject); resolve(); });
    });
  } catch (e) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw e;
  }
  const port = (server.address() as { port: number }).port;
  return {
    port, host, aedes, traffic,
    url: `${options.tls ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: async () => {
      // Close the clients first: server.close() waits for open connections.
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
