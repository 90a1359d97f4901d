// edgeml demo: the whole loop on one machine, no hardware: train, sign, flash a simulated
// device over its serial port, and watch it classify live.
import { Command } from 'commander';
import { runDemo } from '../../demo/demo';
import { CliError, EXIT } from '../errors';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('train a vibration classifier, flash it to a simulated device over its serial port, and watch it classify live')
    .option('--seconds <s>', 'seconds the machine spends in each condition', (v) => Number(v), 4)
    .option('--json', 'print the final figures as JSON (after the narration)')
    .addHelpText('after', '\nExample:\n  edgeml demo')
    .action(async (opts: { seconds: number; json?: boolean }) => {
      if (!(opts.seconds >= 1 && opts.seconds <= 60)) throw new CliError('--seconds takes 1 to 60', EXIT.usage);
      const result = await runDemo({ secondsPerScenario: opts.seconds });
      if (opts.json) console.log(JSON.stringify(result));
    });
}
