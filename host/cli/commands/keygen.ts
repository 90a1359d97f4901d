// edgeml keygen: an ECDSA P-256 key pair for signing packages; devices trust the public key.
import { existsSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { generateSigningKeys, keyIdOf } from '../../package/signing';
import { CliError, EXIT } from '../errors';
import { checkOutputFile, writeFileAtomic } from '../io';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('create an ECDSA P-256 key pair: PREFIX.key (private, keep it secret) and PREFIX.pub (what devices trust)')
    .option('--out <prefix>', 'path prefix of the two files (missing directories are created)', 'edgeml')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  edgeml keygen --out keys/fleet   # writes keys/fleet.key and keys/fleet.pub')
    .action((opts: { out: string; force?: boolean; json?: boolean }) => {
      const privatePath = `${opts.out}.key`;
      const publicPath = `${opts.out}.pub`;
      for (const path of [privatePath, publicPath]) {
        if (existsSync(path) && !statSync(path).isDirectory() && !opts.force) throw new CliError(`${path} exists; pass --force to replace it`, EXIT.usage);
      }
      for (const path of [privatePath, publicPath]) checkOutputFile(path, true); // both or neither
      const keys = generateSigningKeys();
      writeFileAtomic(privatePath, keys.privateKeyPem, { mode: 0o600, createDirectory: true });
      writeFileAtomic(publicPath, keys.publicKeyPem, { createDirectory: true });
      const keyId = Buffer.from(keyIdOf(keys.publicKeyPem)).toString('hex');
      if (opts.json) console.log(JSON.stringify({ privateKey: privatePath, publicKey: publicPath, keyId }));
      else console.log(`wrote ${privatePath} (private, mode 600) and ${publicPath}; key id ${keyId}`);
    });
}
