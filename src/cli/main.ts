import { Command, CommanderError } from 'commander';
import { UserError } from '../userError.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerAnalyzeText } from './commands/analyzeText.ts';
import { registerInspectModel } from './commands/inspectModel.ts';
import { registerExposeLayers } from './commands/exposeLayers.ts';
import { registerImport } from './commands/import.ts';
import { registerStudyCommands } from './commands/study.ts';
import { registerSchedule } from './commands/schedule.ts';

const program = new Command();
program
  .name('donald')
  .description('DONALD-D: information flow across the layers and tokens of transformer models, and per-layer pruning rankings over corpora.')
  .showHelpAfterError()
  // Usage mistakes (unknown flag, missing argument) exit 2 like every other bad input.
  .exitOverride();

registerAnalyze(program);
registerAnalyzeText(program);
registerInspectModel(program);
registerExposeLayers(program);
registerImport(program);
registerStudyCommands(program);
registerSchedule(program);

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
  throw err;
}
