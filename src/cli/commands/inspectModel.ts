import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its implementation.
export function registerInspectModel(program: Command): void {
  program.command('inspect-model <dir>').description('show a model directory: architecture, layers, inputs/outputs, where hidden states are read').action(() => { process.stderr.write('not implemented yet\n'); process.exitCode = 1; });
}
