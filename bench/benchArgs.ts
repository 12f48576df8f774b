/** Command-line flags of `npm run bench`. */
export interface BenchArgs {
  /** Fast subset: fewer repetitions and study sizes 1k/5k only. */
  readonly quick: boolean;
}

/** A mistyped command line: the message is enough, no stack trace. */
export class BenchUsageError extends Error {}

export const BENCH_USAGE = 'usage: npm run bench [-- --quick]';

/** Parses argv after the script name; an unknown flag is an error so a typo is not silently ignored. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else throw new BenchUsageError(`unknown argument "${arg}"; ${BENCH_USAGE}`);
  }
  return { quick };
}
