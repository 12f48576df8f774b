/**
 * An error caused by the machine a command runs on, not by its input and not by a bug: Redis
 * unreachable, the disk full, an output folder that cannot be written. The CLI prints its message
 * as one line and exits with code 3 (2 is bad input), without a stack trace, so every message must
 * name the host or path, the operating system's reason and what to check.
 */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
