// The `edgeml` command line: each command parses its arguments and calls a library function.
import { Command, CommanderError } from 'commander';
import { registerBroker } from './commands/broker';
import { registerCollect } from './commands/collect';
import { registerDemo } from './commands/demo';
import { registerDeploy } from './commands/deploy';
import { registerDeviceAdmin } from './commands/device-admin';
import { registerEval } from './commands/eval';
import { registerFleet } from './commands/fleet';
import { registerFlash } from './commands/flash';
import { registerInfo } from './commands/info';
import { registerPorts } from './commands/ports';
import { registerImport } from './commands/import';
import { registerInspect } from './commands/inspect';
import { registerMonitor } from './commands/monitor';
import { registerPredict } from './commands/predict';
import { registerSim } from './commands/sim';
import { registerKeygen } from './commands/keygen';
import { registerTrain } from './commands/train';
import { EXIT, describeFailure } from './errors';

export function buildProgram(): Command {
  const program = new Command('edgeml')
    .description('on-device machine learning for microcontrollers: train, quantize, inspect and deploy models')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerKeygen(program);
  registerInspect(program);
  registerEval(program);
  registerImport(program);
  registerSim(program);
  registerDeviceAdmin(program);
  registerMonitor(program);
  registerCollect(program);
  registerPredict(program);
  registerTrain(program);
  registerPorts(program);
  registerInfo(program);
  registerFlash(program);
  registerBroker(program);
  registerFleet(program);
  registerDeploy(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed the message (or the help/version) already.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { message, exitCode } = describeFailure(error);
    process.stderr.write(`edgeml: ${message}\n`);
    return exitCode;
  }
}

const invokedDirectly = process.argv[1] && /(?:bin[\\/]edgeml(?:\.js)?|host[\\/]cli[\\/]main\.ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  process.exitCode = await run(process.argv.slice(2));
}
