// A real Mosquitto broker for tests: started on a free loopback port with a generated config
// and password file (`allow_anonymous false`), so the fleet is tested against the broker
// production users run as well as the embedded one. `.ci/run` installs mosquitto.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const BINARY = '/usr/sbin/mosquitto';
const PASSWD = '/usr/bin/mosquitto_passwd';

/** Why the Mosquitto tests cannot run here, or undefined when they can. */
export function mosquittoMissing(): string | undefined {
  if (!existsSync(BINARY) || !existsSync(PASSWD)) return `mosquitto is not installed (${BINARY}, ${PASSWD}; apt-get install mosquitto)`;
  return undefined;
}

export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeml-mosquitto-'));
  const username = 'fleet';
  const password = `pw-${process.pid}-${Date.now()}`;
  const passwordFile = join(dir, 'passwd');
  execFileSync(PASSWD, ['-b', '-c', passwordFile, username, password], { stdio: 'pipe' });
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${passwordFile}`,
    'persistence false',
    'log_dest stderr',
    'log_type error',
    // As root it would switch to the mosquitto user, who cannot read our temporary files.
    ...(userInfo().uid === 0 ? ['user root'] : []),
    '',
  ].join('\n'));
  const child: ChildProcess = spawn(BINARY, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, username, password, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
