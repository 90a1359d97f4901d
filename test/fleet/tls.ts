// A throwaway CA and a broker certificate for 127.0.0.1 / localhost (openssl), for TLS tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates { ca: Buffer; cert: Buffer; key: Buffer; caFile: string; dir: string; remove(): void }

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'edgeml-tls-'));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=edgeml test CA',
    '-keyout', f('ca.key'), '-out', f('ca.pem'));
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-keyout', f('broker.key'), '-out', f('broker.csr'));
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', f('broker.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('san.ext'), '-out', f('broker.pem'));
  return {
    ca: readFileSync(f('ca.pem')), cert: readFileSync(f('broker.pem')), key: readFileSync(f('broker.key')), caFile: f('ca.pem'), dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
