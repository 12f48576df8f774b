import { nearestDouble, toDyadic } from './dyadicNumbers.ts';
import { studentTQuantile } from './studentT.ts';

/**
 * Plain-JSON form of a {@link RunningMoments}, so partial aggregates can be checkpointed:
 * Σx = sum / 2^scale and Σx² = squares / 2^(2 scale), the integers as decimal strings.
 */
export interface MomentsJson {
  readonly n: number;
  readonly scale: number;
  readonly sum: string;
  readonly squares: string;
}

export interface ConfidenceInterval {
  readonly low: number;
  readonly high: number;
}

const INTEGER = /^-?\d+$/;

/**
 * Count, mean and variance of a stream of numbers in O(1) memory, from the exact sums Σx and Σx²
 * (integers over a common power of two, see dyadicNumbers.ts), rounded once when read. Exact sums
 * make the result independent of the order values arrive and of how partial aggregates (workers,
 * checkpoints) are merged: a distributed study, resumed or not, gives the embedded run's bits.
 * Memory grows only with the spread of the values' binary exponents, not with their count.
 */
export class RunningMoments {
  #n = 0;
  /** Σx = #sum / 2^#scale; Σx² = #squares / 2^(2 #scale). */
  #scale = 0;
  #sum = 0n;
  #squares = 0n;

  static fromJSON(json: MomentsJson): RunningMoments {
    const { n, scale, sum, squares } = json;
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`moments: n must be a non-negative integer, got ${n}`);
    if (!Number.isSafeInteger(scale) || scale < 0) throw new RangeError(`moments: scale must be a non-negative integer, got ${scale}`);
    if (typeof sum !== 'string' || !INTEGER.test(sum) || typeof squares !== 'string' || !INTEGER.test(squares)) {
      throw new RangeError(`moments: sum and squares must be integers written as strings, got ${String(sum)} and ${String(squares)}`);
    }
    const moments = new RunningMoments();
    moments.#n = n;
    moments.#scale = scale;
    moments.#sum = BigInt(sum);
    moments.#squares = BigInt(squares);
    if (n === 0 && (moments.#sum !== 0n || moments.#squares !== 0n)) throw new RangeError('moments: an empty aggregate must have sum 0 and squares 0');
    // n Σx² >= (Σx)² holds for any real numbers (Cauchy-Schwarz); a checkpoint breaking it is corrupt.
    if (moments.#deviations() < 0n) throw new RangeError('moments: squares too small for sum (n Σx² < (Σx)²): not a checkpoint of real values');
    return moments;
  }

  add(x: number): void {
    // One NaN would silently poison every statistic of the layer; reject it where it enters.
    if (!Number.isFinite(x)) throw new RangeError(`moments: value must be finite, got ${x}`);
    this.#n += 1;
    const { mantissa, exponent } = toDyadic(x);
    if (mantissa === 0n) return;
    this.#rescale(-exponent);
    const scaled = mantissa << BigInt(exponent + this.#scale);
    this.#sum += scaled;
    this.#squares += scaled * scaled;
  }

  /** Folds `other` into this aggregate (other is unchanged). */
  merge(other: RunningMoments): this {
    if (other.#n === 0) return this;
    this.#rescale(other.#scale);
    const shift = BigInt(this.#scale - other.#scale);
    this.#sum += other.#sum << shift;
    this.#squares += other.#squares << (2n * shift);
    this.#n += other.#n;
    return this;
  }

  get n(): number {
    return this.#n;
  }

  /** NaN when no value was added. */
  get mean(): number {
    return this.#n === 0 ? Number.NaN : nearestDouble(this.#sum, BigInt(this.#n) << BigInt(this.#scale));
  }

  /** Sample variance (divisor n - 1), rounded once from the exact sums; null for fewer than two values. */
  get variance(): number | null {
    if (this.#n < 2) return null;
    return nearestDouble(this.#deviations(), (BigInt(this.#n) * BigInt(this.#n - 1)) << BigInt(2 * this.#scale));
  }

  get sd(): number | null {
    const variance = this.variance;
    return variance === null ? null : Math.sqrt(variance);
  }

  /** Standard error of the mean, sd / sqrt(n). */
  get se(): number | null {
    const sd = this.sd;
    return sd === null ? null : sd / Math.sqrt(this.#n);
  }

  /** mean ± t_{(1+level)/2, n-1} · se; null for fewer than two values. */
  confidenceInterval(level = 0.95): ConfidenceInterval | null {
    if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
    const se = this.se;
    if (se === null) return null;
    const halfWidth = studentTQuantile((1 + level) / 2, this.#n - 1) * se;
    const mean = this.mean;
    return { low: mean - halfWidth, high: mean + halfWidth };
  }

  toJSON(): MomentsJson {
    return { n: this.#n, scale: this.#scale, sum: this.#sum.toString(), squares: this.#squares.toString() };
  }

  /** n Σx² - (Σx)² = n Σ(x - mean)², scaled by 2^(2 scale): never negative for real values. */
  #deviations(): bigint {
    return BigInt(this.#n) * this.#squares - this.#sum * this.#sum;
  }

  /** Moves the sums to a finer scale (never coarser: that could drop bits). */
  #rescale(scale: number): void {
    if (scale <= this.#scale) return;
    const shift = BigInt(scale - this.#scale);
    this.#sum <<= shift;
    this.#squares <<= 2n * shift;
    this.#scale = scale;
  }
}
