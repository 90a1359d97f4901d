// edgeml inspect: everything in a package (header, sections, model, self-test, signature).
import { Command } from 'commander';
import { describePackage, PackageReport } from '../../package/inspect';
import { CliError, EXIT } from '../errors';
import { readModel, readPublicKey } from '../io';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('print everything in a model package and check its self-test and signature')
    .argument('<model>', 'package file (.edgm)')
    .option('--key <public.pub>', 'public key to verify the signature against (an unsigned package then fails)')
    .option('--json', 'print the same as JSON')
    .addHelpText('after', '\nExample:\n  edgeml inspect model.edgm --key keys/fleet.pub')
    .action((file: string, opts: { key?: string; json?: boolean }) => {
      const { bytes, model } = readModel(file);
      const publicKey = opts.key ? readPublicKey(opts.key) : undefined;
      const report = { file, ...describePackage(bytes, model, publicKey) };
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else console.log(formatReport(report));
      if (!report.selfTest.passed) throw new CliError(`self-test vector ${report.selfTest.failedVector} does not reproduce`, EXIT.failure);
      if (publicKey !== undefined && !report.signature.present) throw new CliError(`the package is not signed, so there is no signature to verify with ${opts.key}`, EXIT.failure);
      if (report.signature.verified === false) throw new CliError('the signature does not verify with that key', EXIT.failure);
    });
}

function formatReport(r: PackageReport & { file: string }): string {
  const lines = [
    `${r.file}: ${r.bytes.toLocaleString('en-US')} bytes, sha256 ${r.sha256}`,
    `  model      "${r.header.name}" version ${r.header.modelVersion}, ${r.header.kindName}, format ${r.header.formatVersion}, created ${r.header.createdAtIso}`,
    `  sections   ${r.sections.map((s) => `${s.type} ${s.length} B @${s.offset}`).join(', ')}`,
    `  input      ${r.input.dtype} [${r.input.dims.join(', ')}], ${r.input.quantization}`,
    `  output     ${r.output.task}, ${r.output.classes} classes, ${r.output.scores} scores, real = (q - ${r.output.zeroPoint}) x ${r.output.scale}`,
  ];
  if (r.output.labels.length) lines.push(`  labels     ${r.output.labels.join(', ')}`);
  const body = r.body as Record<string, unknown>;
  if (Array.isArray(body.ops)) {
    lines.push(`  graph      ${body.tensors} tensors, ${(body.constantBytes as number).toLocaleString('en-US')} B of weights and biases`);
    for (const op of body.ops as { op: string; output: string; weights?: string }[]) {
      lines.push(`             ${op.op.padEnd(18)} -> ${op.output}${op.weights ? `  (weights ${op.weights})` : ''}`);
    }
  } else {
    lines.push(`  trees      ${body.ensemble}, ${body.trees} trees up to ${body.maxDepth} deep, ${body.internalNodes} internal nodes, ${body.leaves} leaves (${body.leafEncoding}, ${body.valueType}), ${body.split}`);
  }
  lines.push(`  arena      ${r.arenaBytes.toLocaleString('en-US')} B`);
  lines.push(`  features   ${r.features ? `pipeline type ${r.features.pipelineType}, ${r.features.bytes} B` : 'none (the input is the feature vector)'}`);
  lines.push(`  self-test  ${r.selfTest.vectors === 0 ? 'no vectors' : r.selfTest.passed ? `${r.selfTest.vectors} vectors, all reproduce exactly` : `FAILED at vector ${r.selfTest.failedVector}`}`);
  const sig = r.signature;
  lines.push(`  signature  ${!sig.present ? 'none (unsigned)' : `ECDSA P-256, key id ${sig.keyId}, covers ${sig.signedBytes} B, ${sig.verified === null ? 'not verified (pass --key)' : sig.verified ? 'verified' : 'DOES NOT VERIFY'}`}`);
  return lines.join('\n');
}
