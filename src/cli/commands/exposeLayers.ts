import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its implementation.
export function registerExposeLayers(program: Command): void {
  program.command('expose-layers <dir>').description('rewrite an ONNX export so every layer\'s hidden state is a graph output').action(() => { process.stderr.write('not implemented yet\n'); process.exitCode = 1; });
}
