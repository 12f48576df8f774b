import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its implementation.
export function registerStudyCommands(program: Command): void {
  for (const [name, what] of [['run', 'run a whole study in one process (no Redis)'], ['produce', 'stream a study\'s corpus into the Redis queue'], ['work', 'process queued batches (start any number, on any host)'], ['aggregate', 'fold processed sentences into the study outputs']] as const) {
    program.command(`${name} <study>`).description(what).action(() => { process.stderr.write('not implemented yet\n'); process.exitCode = 1; });
  }
}
