import { Command } from 'commander';
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
  .showHelpAfterError();

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
  if (err instanceof UserError) {
    process.stderr.write(`donald: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
