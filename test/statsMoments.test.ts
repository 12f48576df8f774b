import { describe, expect, it } from 'vitest';
import { RunningMoments } from '../src/stats/runningMoments.ts';
import { studentTQuantile } from '../src/stats/studentT.ts';

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function twoPass(values: readonly number[]): { mean: number; sd: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, sd: Math.sqrt(squares / (values.length - 1)) };
}

function chunk(values: readonly number[], sizes: readonly number[]): number[][] {
  const chunks: number[][] = [];
  let offset = 0;
  for (const size of sizes) {
    chunks.push(values.slice(offset, offset + size));
    offset += size;
  }
  expect(offset).toBe(values.length);
  return chunks;
}

function momentsOf(values: readonly number[]): RunningMoments {
  const m = new RunningMoments();
  for (const v of values) m.add(v);
  return m;
}

describe('RunningMoments', () => {
  const random = seededRandom(42);
  const values = Array.from({ length: 1000 }, () => random());
  const reference = twoPass(values);

  const randomSizes: number[] = [];
  for (let left = values.length; left > 0; ) {
    const size = Math.min(left, Math.floor(random() * 40)); // includes 0-sized chunks
    randomSizes.push(size);
    left -= size;
  }
  const chunkings: Record<string, number[]> = {
    'one chunk': [1000],
    'single elements': Array.from({ length: 1000 }, () => 1),
    'empty chunks around and between': [0, 0, 500, 0, 1, 0, 499, 0],
    'random sizes incl. empty': randomSizes,
    'uneven halves': [1, 999],
  };

  for (const [name, sizes] of Object.entries(chunkings)) {
    it(`merging chunks (${name}) equals the two-pass mean and SD`, () => {
      const merged = new RunningMoments();
      for (const part of chunk(values, sizes)) merged.merge(momentsOf(part));
      expect(merged.n).toBe(1000);
      expect(Math.abs(merged.mean - reference.mean)).toBeLessThan(1e-12);
      expect(Math.abs((merged.sd ?? NaN) - reference.sd)).toBeLessThan(1e-12);
    });
  }

  it('a pairwise (tree) merge through JSON checkpoints equals the two-pass result', () => {
    let level = chunk(values, randomSizes).map((part) => RunningMoments.fromJSON(JSON.parse(JSON.stringify(momentsOf(part)))));
    while (level.length > 1) {
      const next: RunningMoments[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? level[i].merge(level[i + 1]) : level[i]);
      level = next;
    }
    expect(level[0].n).toBe(1000);
    expect(Math.abs(level[0].mean - reference.mean)).toBeLessThan(1e-12);
    expect(Math.abs((level[0].sd ?? NaN) - reference.sd)).toBeLessThan(1e-12);
  });

  it('adding one by one matches two-pass on values with a large offset', () => {
    const shifted = values.map((v) => 1e6 + v);
    const m = momentsOf(shifted);
    const ref = twoPass(shifted);
    expect(Math.abs(m.mean - ref.mean)).toBeLessThan(1e-9);
    expect(Math.abs((m.sd ?? NaN) - ref.sd)).toBeLessThan(1e-9);
  });

  it('gives the same bits whatever the order of the values and of the merges', () => {
    const forward = momentsOf(values);
    const backward = momentsOf([...values].reverse());
    const shuffled = [...values];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const merged = new RunningMoments();
    for (const part of chunk(shuffled, randomSizes)) merged.merge(momentsOf(part));
    for (const other of [backward, merged]) {
      expect(other.mean).toBe(forward.mean);
      expect(other.sd).toBe(forward.sd);
      expect(other.confidenceInterval()).toEqual(forward.confidenceInterval());
      expect(other.toJSON()).toEqual(forward.toJSON());
    }
  });

  it('rounds the mean of values from tiny to huge once, from the exact sum', () => {
    // In floating point, (1e300 + 1e-300) - 1e300 loses the small value; the exact sum keeps it.
    const m = momentsOf([1e300, 1e-300, -1e300, 3]);
    expect(m.mean).toBe((3 + 1e-300) / 4);
    expect(momentsOf([0.1, 0.2, 0.3]).mean).toBe(0.2);
  });

  it('hand-computed moments, standard error and 95% CI', () => {
    const m = momentsOf([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(m.n).toBe(8);
    expect(m.mean).toBe(5);
    expect(m.variance).toBeCloseTo(32 / 7, 14);
    expect(m.sd).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(m.se).toBeCloseTo(Math.sqrt(32 / 7) / Math.sqrt(8), 14);
    const halfWidth = 2.364624251592785 * (Math.sqrt(32 / 7) / Math.sqrt(8)); // t_{0.975, 7}
    const ci = m.confidenceInterval();
    expect(ci?.low).toBeCloseTo(5 - halfWidth, 10);
    expect(ci?.high).toBeCloseTo(5 + halfWidth, 10);
  });

  it('below two values: sd, se and CI are null; empty mean is NaN', () => {
    const empty = new RunningMoments();
    expect(empty.n).toBe(0);
    expect(empty.mean).toBeNaN();
    expect(empty.sd).toBeNull();
    const one = momentsOf([0.25]);
    expect(one.mean).toBe(0.25);
    expect(one.variance).toBeNull();
    expect(one.se).toBeNull();
    expect(one.confidenceInterval()).toBeNull();
  });

  it('serialises to plain {n, scale, sum, squares} and back exactly', () => {
    const m = momentsOf(values.slice(0, 17));
    const json = JSON.parse(JSON.stringify(m));
    expect(Object.keys(json).sort()).toEqual(['n', 'scale', 'squares', 'sum']);
    const back = RunningMoments.fromJSON(json);
    expect(back.toJSON()).toEqual(m.toJSON());
    expect(back.sd).toBe(m.sd);
  });

  it('rejects non-finite values and malformed checkpoints', () => {
    expect(() => new RunningMoments().add(Number.NaN)).toThrow(RangeError);
    expect(() => new RunningMoments().add(Infinity)).toThrow(RangeError);
    expect(() => RunningMoments.fromJSON({ n: -1, scale: 0, sum: '0', squares: '0' })).toThrow(RangeError);
    expect(() => RunningMoments.fromJSON({ n: 2.5, scale: 0, sum: '0', squares: '0' })).toThrow(RangeError);
    expect(() => RunningMoments.fromJSON({ n: 3, scale: -1, sum: '0', squares: '0' })).toThrow(RangeError);
    expect(() => RunningMoments.fromJSON({ n: 3, scale: 0, sum: '1.5', squares: '3' })).toThrow(RangeError);
    // n Σx² < (Σx)² is impossible for real values: 2 values summing to 4 with squares summing to 1.
    expect(() => RunningMoments.fromJSON({ n: 2, scale: 0, sum: '4', squares: '1' })).toThrow(RangeError);
    expect(() => RunningMoments.fromJSON({ n: 0, scale: 0, sum: '1', squares: '1' })).toThrow(RangeError);
  });
});

describe('studentTQuantile', () => {
  const known: [p: number, df: number, t: number][] = [
    [0.975, 1, 12.706204736],
    [0.975, 2, 4.30265273],
    [0.975, 3, 3.182446305],
    [0.975, 5, 2.570581836],
    [0.975, 7, 2.364624252],
    [0.975, 10, 2.228138852],
    [0.975, 30, 2.042272456],
    [0.975, 100, 1.983971519],
    [0.975, 1000, 1.962339081],
    [0.995, 3, 5.840909310],
    [0.95, 7, 1.894578605],
    [0.975, Infinity, 1.959963985],
    [0.975, 1e9, 1.959963985],
  ];
  for (const [p, df, t] of known) {
    it(`t(${p}, df=${df}) = ${t}`, () => {
      expect(Math.abs(studentTQuantile(p, df) - t)).toBeLessThan(1e-6);
    });
  }

  it('is antisymmetric around p = 0.5', () => {
    expect(studentTQuantile(0.5, 4)).toBe(0);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228138852, 8);
  });

  it('is continuous where it switches to the Cornish-Fisher series', () => {
    // Between 9999 and 10000 df the quantile moves by about z(z²+1)/(4 df²) ≈ 2.37e-8.
    const step = studentTQuantile(0.975, 9999) - studentTQuantile(0.975, 10000);
    expect(step).toBeGreaterThan(2.2e-8);
    expect(step).toBeLessThan(2.5e-8);
  });

  it('rejects p outside (0, 1) and df <= 0', () => {
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTQuantile(0.975, 0)).toThrow(RangeError);
  });
});
