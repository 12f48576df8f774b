/**
 * An error caused by the user's input (a file, a flag, a sentence), not by a bug.
 * The CLI prints its message as one line and exits with code 2, without a stack trace,
 * so every message must name the file/line/sentence and say what to do.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string) {
    super(message);
  }
}
