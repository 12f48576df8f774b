/** Progress of long work on stderr: done/total, sentences per second, ETA, failures. */
export class ProgressReporter {
  private readonly started = Date.now();
  private lastPrinted = 0;

  constructor(
    private readonly label: string,
    private total: number | null,
    private readonly intervalMs = 2000,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  /** Prints at most once per interval unless `force`. */
  update(done: number, failed: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastPrinted < this.intervalMs) return;
    this.lastPrinted = now;
    this.stream.write(`${this.describe(done, failed, now)}\n`);
  }

  describe(done: number, failed: number, now = Date.now()): string {
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = done / seconds;
    const parts = [`${this.label}: ${done}${this.total !== null ? `/${this.total}` : ''} sentences`];
    if (this.total !== null && this.total > 0) parts.push(`${((100 * done) / this.total).toFixed(1)}%`);
    parts.push(`${rate.toFixed(1)} sentences/s`);
    if (this.total !== null && rate > 0 && done < this.total) parts.push(`ETA ${formatDuration((this.total - done) / rate)}`);
    parts.push(`${failed} failed`);
    return parts.join(', ');
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(rest).padStart(2, '0')}s` : `${rest}s`;
}
