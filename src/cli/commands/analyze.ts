import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its implementation.
export function registerAnalyze(program: Command): void {
  program.command('analyze <file>').description('DTI fields and per-layer utilisation of one hidden-state file (.npy, .safetensors, .json)').action(() => { process.stderr.write('not implemented yet\n'); process.exitCode = 1; });
}
