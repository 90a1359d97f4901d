// edgeml broker: the embedded MQTT broker (aedes) for a laptop or a small site; runs until Ctrl-C.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { readPasswordFile, Users } from '../../broker/auth';
import { startBroker } from '../../broker/broker';
import { CliError, EXIT } from '../errors';

interface BrokerCommandOptions {
  port: string; host: string; username?: string; password?: string; passwordFile?: string; tlsCert?: string; tlsKey?: string; quiet?: boolean;
}

export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('run the embedded MQTT broker that devices and fleet commands connect to (until Ctrl-C)')
    .option('--port <port>', 'TCP port', '1883')
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--username <name>', 'let in only this user (with --password or EDGEML_MQTT_PASSWORD)')
    .option('--password <password>', 'password of --username')
    .option('--password-file <file>', 'let in only the users of this file (user:password lines)')
    .option('--tls-cert <file>', 'PEM certificate chain: speak MQTT over TLS (mqtts://)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--quiet', 'do not print client connections')
    .addHelpText('after', '\nExamples:\n  edgeml broker\n  edgeml broker --host 0.0.0.0 --port 8883 --username fleet --password s3cret --tls-cert broker.pem --tls-key broker.key')
    .action(async (opts: BrokerCommandOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${opts.port}: 0 to 65535`, EXIT.usage);
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new CliError('--tls-cert and --tls-key go together', EXIT.usage);
      const broker = await startBroker({
        port, host: opts.host, users: users(opts),
        tls: opts.tlsCert && opts.tlsKey ? { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) } : undefined,
      }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${opts.host} is in use (another broker? pick one with --port)`, EXIT.failure);
        if (e.code === 'EACCES') throw new CliError(`not allowed to listen on port ${port} (ports below 1024 need privileges)`, EXIT.failure);
        if (e.code === 'EADDRNOTAVAIL') throw new CliError(`${opts.host} is not an address of this machine`, EXIT.usage);
        throw e;
      });
      if (!opts.quiet) {
        broker.aedes.on('client', (c) => console.log(`${time()} + ${c.id}`));
        broker.aedes.on('clientDisconnect', (c) => console.log(`${time()} - ${c.id}`));
      }
      console.log(`broker listening on ${broker.url}${opts.username || opts.passwordFile ? ' (users only)' : ''}; Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await broker.close();
      if (!opts.quiet) console.log(`broker stopped after ${broker.traffic.messages} messages, ${broker.traffic.bytes} bytes`);
    });
}

function users(opts: BrokerCommandOptions): Users | undefined {
  if (opts.passwordFile && opts.username) throw new CliError('--username and --password-file exclude each other', EXIT.usage);
  if (opts.passwordFile) {
    try {
      return readPasswordFile(opts.passwordFile);
    } catch (e) {
      if (e instanceof RangeError) throw new CliError(e.message, EXIT.badInput);
      throw e;
    }
  }
  if (opts.username === undefined) {
    if (opts.password !== undefined) throw new CliError('--password needs --username', EXIT.usage);
    return undefined;
  }
  const password = opts.password ?? process.env.EDGEML_MQTT_PASSWORD;
  if (password === undefined) throw new CliError('--username needs --password (or EDGEML_MQTT_PASSWORD)', EXIT.usage);
  return new Map([[opts.username, password]]);
}

const time = () => new Date().toISOString().slice(11, 19);
