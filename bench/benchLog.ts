const started = performance.now();

/** Progress of the bench itself, on stderr so stdout stays free; prefixed with elapsed seconds. */
export function benchLog(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}
