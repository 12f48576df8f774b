import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its implementation.
export function registerAnalyzeText(program: Command): void {
  program.command('analyze-text <sentence>').description('run one sentence through a model and print its per-layer utilisation').action(() => { process.stderr.write('not implemented yet\n'); process.exitCode = 1; });
}
