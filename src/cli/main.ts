import { Command, CommanderError } from 'commander';
import { EnvironmentError } from '../environmentError.ts';
import { UserError } from '../userError.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerAnalyzeText } from './commands/analyzeText.ts';
import { registerPlot } from './commands/plot.ts';
import { registerInspectModel } from './commands/inspectModel.ts';
import { registerExposeLayers } from './commands/exposeLayers.ts';
import { registerImport } from './commands/import.ts';
import { registerStudyCommands } from './commands/study.ts';
import { registerSchedule } from './commands/schedule.ts';
import { registerCompare } from './commands/compare.ts';
import { registerPair } from './commands/pair.ts';

const program = new Command();
program
  .name('donald')
  .description('DONALD-D: information flow across the layers and tokens of transformer models, and per-layer pruning rankings over corpora.')
  .showHelpAfterError()
  // Usage mistakes (unknown flag, missing argument) exit 2 like every other bad input.
  .exitOverride();

registerAnalyze(program);
registerAnalyzeText(program);
registerPlot(program);
registerInspectModel(program);
registerExposeLayers(program);
registerImport(program);
registerStudyCommands(program);
registerSchedule(program);
registerCompare(program);
registerPair(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed the usage problem.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof UserError) {
    process.stderr.write(`donald: ${err.message}\n`);
    process.exit(2);
  }
  // Redis unreachable, disk full, output folder not writable: the machine, not the input.
  if (err instanceof EnvironmentError) {
    process.stderr.write(`donald: ${err.message}\n`);
    process.exit(3);
  }
  throw err;
}
