import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its implementation.
export function registerImport(program: Command): void {
  program.command('import').description('import a model from another format (llama2c)').action(() => { process.stderr.write('not implemented yet\n'); process.exitCode = 1; });
}
