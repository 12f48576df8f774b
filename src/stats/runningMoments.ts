import { studentTQuantile } from './studentT.ts';

/** Plain-JSON form of a {@link RunningMoments}, so partial aggregates can be checkpointed. */
export interface MomentsJson {
  readonly n: number;
  readonly mean: number;
  /** Sum of squared deviations from the mean. */
  readonly m2: number;
}

export interface ConfidenceInterval {
  readonly low: number;
  readonly high: number;
}

/**
 * Count, mean and variance of a stream of numbers in O(1) memory: Welford's update for one
 * value, Chan et al.'s pairwise formula to merge two partial aggregates (workers, checkpoints).
 */
export class RunningMoments {
  #n = 0;
  #mean = 0;
  #m2 = 0;

  static fromJSON(json: MomentsJson): RunningMoments {
    const { n, mean, m2 } = json;
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`moments: n must be a non-negative integer, got ${n}`);
    if (!Number.isFinite(mean) || !Number.isFinite(m2) || m2 < 0) {
      throw new RangeError(`moments: mean must be finite and m2 finite and >= 0, got mean=${mean}, m2=${m2}`);
    }
    if (n === 0 && (mean !== 0 || m2 !== 0)) throw new RangeError('moments: an empty aggregate must have mean 0 and m2 0');
    const moments = new RunningMoments();
    moments.#n = n;
    moments.#mean = mean;
    moments.#m2 = m2;
    return moments;
  }

  add(x: number): void {
    // One NaN would silently poison every statistic of the layer; reject it where it enters.
    if (!Number.isFinite(x)) throw new RangeError(`moments: value must be finite, got ${x}`);
    this.#n += 1;
    const delta = x - this.#mean;
    this.#mean += delta / this.#n;
    this.#m2 += delta * (x - this.#mean);
  }

  /** Folds `other` into this aggregate (other is unchanged). */
  merge(other: RunningMoments): this {
    if (other.#n === 0) return this;
    if (this.#n === 0) {
      this.#n = other.#n;
      this.#mean = other.#mean;
      this.#m2 = other.#m2;
      return this;
    }
    const n = this.#n + other.#n;
    const delta = other.#mean - this.#mean;
    // Weighted mean rather than mean + delta*nb/n: more accurate when the two halves are similar in size.
    this.#mean = (this.#n * this.#mean + other.#n * other.#mean) / n;
    this.#m2 += other.#m2 + (delta * delta * this.#n * other.#n) / n;
    this.#n = n;
    return this;
  }

  get n(): number {
    return this.#n;
  }

  /** NaN when no value was added. */
  get mean(): number {
    return this.#n === 0 ? Number.NaN : this.#mean;
  }

  /** Sample variance (divisor n - 1); null for fewer than two values. */
  get variance(): number | null {
    return this.#n < 2 ? null : this.#m2 / (this.#n - 1);
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
    return { low: this.#mean - halfWidth, high: this.#mean + halfWidth };
  }

  toJSON(): MomentsJson {
    return { n: this.#n, mean: this.#mean, m2: this.#m2 };
  }
}
