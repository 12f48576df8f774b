/** Command-line flags of `npm run bench:load`. */
export interface LoadArgs {
  /** 2k and 10k sentences instead of 10k and 100k: for checking the bench itself. */
  readonly quick: boolean;
}

/** A mistyped command line: the message is enough, no stack trace. */
export class LoadUsageError extends Error {}

export const LOAD_USAGE = 'usage: npm run bench:load [-- --quick]';

/** Parses argv after the script name; an unknown flag is an error so a typo is not silently ignored. */
export function parseLoadArgs(argv: readonly string[]): LoadArgs {
  let quick = false;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else throw new LoadUsageError(`unknown argument "${arg}"; ${LOAD_USAGE}`);
  }
  return { quick };
}
