import { dtiFieldsFromMatrix } from '../src/math/dti.ts';
import { DEFAULT_DTI_PARAMS } from '../src/math/dtiTypes.ts';
import type { Matrix } from '../src/math/matrix.ts';
import { SeededRandom } from '../src/fixtures/seededRandom.ts';
import { benchLog } from './benchLog.ts';
import { measureRate, type RateStats } from './timing.ts';

/** [layers, tokens] sizes from a small model on a short sentence up to a mid-size model on a long one. */
export const DTI_SIZES: readonly (readonly [number, number])[] = [
  [12, 32],
  [24, 64],
  [32, 128],
];

export interface DtiThroughput {
  readonly layers: number;
  readonly tokens: number;
  readonly matricesPerSecond: RateStats;
  /** Median microseconds per matrix, the same number seen the other way round. */
  readonly microsecondsPerMatrix: number;
}

/** A collapsed [layers, tokens] matrix like eq. 1 yields: per-layer drift plus token noise. */
function collapsedMatrix(layers: number, tokens: number, random: SeededRandom): Matrix {
  const data = new Float64Array(layers * tokens);
  for (let l = 0; l < layers; l++) {
    const drift = 0.05 * l;
    for (let t = 0; t < tokens; t++) data[l * tokens + t] = drift + 0.2 * random.normal();
  }
  return { rows: layers, cols: tokens, data };
}

export async function benchDtiThroughput(quick: boolean): Promise<DtiThroughput[]> {
  const random = new SeededRandom(20240611);
  const results: DtiThroughput[] = [];
  for (const [layers, tokens] of DTI_SIZES) {
    // A few distinct matrices so the measured loop is not one cached input.
    const inputs = Array.from({ length: 8 }, () => collapsedMatrix(layers, tokens, random));
    let next = 0;
    const rate = await measureRate(
      () => {
        dtiFieldsFromMatrix(inputs[next++ % inputs.length], DEFAULT_DTI_PARAMS);
        return 1;
      },
      quick ? { warmupMs: 100, repetitions: 3, repetitionMs: 100 } : { warmupMs: 300, repetitions: 7, repetitionMs: 300 },
    );
    results.push({ layers, tokens, matricesPerSecond: rate, microsecondsPerMatrix: 1e6 / rate.median });
    benchLog(`dti ${layers}x${tokens}: ${rate.median.toFixed(0)} matrices/s (${rate.medianPerCpuSecond.toFixed(0)} per CPU-s)`);
  }
  return results;
}
