// edgeml ports: serial ports, the ones that look like boards first.
import { Command } from 'commander';
import { CliError, EXIT } from '../errors';

interface PortRow { path: string; manufacturer?: string; vendorId?: string; productId?: string; serialNumber?: string; board: boolean }

// USB-serial bridges found on ESP32 boards and the like: Silicon Labs CP210x, WCH CH34x, FTDI, Espressif native USB.
const BOARD_VENDORS = new Set(['10c4', '1a86', '0403', '303a', '2341', '239a']);

export function registerPorts(program: Command): void {
  program
    .command('ports')
    .description('list serial ports, boards first')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  edgeml ports\n  edgeml info --port /dev/ttyUSB0')
    .action(async (opts: { json?: boolean }) => {
      let list: Awaited<ReturnType<typeof import('serialport').SerialPort.list>>;
      try {
        list = await (await import('serialport')).SerialPort.list();
      } catch (e) {
        throw new CliError(`port listing is unavailable on this machine (${(e as Error).message}); pass the port path to --port directly`, EXIT.device);
      }
      const rows: PortRow[] = list.map((p) => ({
        path: p.path, manufacturer: p.manufacturer, vendorId: p.vendorId?.toLowerCase(), productId: p.productId?.toLowerCase(), serialNumber: p.serialNumber,
        board: p.vendorId !== undefined && BOARD_VENDORS.has(p.vendorId.toLowerCase()),
      })).sort((a, b) => Number(b.board) - Number(a.board) || a.path.localeCompare(b.path));
      if (opts.json) { console.log(JSON.stringify(rows, null, 2)); return; }
      if (rows.length === 0) { console.log('no serial ports found (a simulator prints its pty path; pass it to --port)'); return; }
      for (const r of rows) {
        const id = r.vendorId ? ` [${r.vendorId}:${r.productId ?? '?'}]` : '';
        console.log(`${r.path.padEnd(24)} ${r.board ? 'board ' : '      '}${r.manufacturer ?? ''}${id}`);
      }
    });
}
