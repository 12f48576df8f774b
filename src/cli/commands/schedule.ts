import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its implementation.
export function registerSchedule(program: Command): void {
  program.command('schedule').description('add, list or remove scheduled studies (cron)').action(() => { process.stderr.write('not implemented yet\n'); process.exitCode = 1; });
}
