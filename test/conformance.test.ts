import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HiddenStates } from '../src/hidden/hiddenStates.ts';
import { dtiFields } from '../src/math/dti.ts';
import type { DtiFields, DtiParams, Normalisation } from '../src/math/dtiTypes.ts';
import { referenceDir, sharedAvailable } from './sharedAssets.ts';

/** SPEC §8 reference case as written by the independent numpy/scipy implementation. */
interface ReferenceCase {
  name: string;
  layout: string;
  shape: [number, number, number];
  hidden: number[][][];
  params: { normalise: Normalisation; sigmaGrad: [number, number]; sigmaTensor: [number, number]; eps: number };
  expected: Record<MatrixField, number[][]> & { utilisation: number[] };
}

type MatrixField = 'matrix' | 'jxx' | 'jxy' | 'jyy' | 'lambda1' | 'lambda2' | 'angle' | 'anisotropy';
const MATRIX_FIELDS: readonly MatrixField[] = ['matrix', 'jxx', 'jxy', 'jyy', 'lambda1', 'lambda2', 'angle', 'anisotropy'];
const TOLERANCE = 1e-9;

const available = sharedAvailable('reference');
const caseFiles = available ? readdirSync(referenceDir).filter((f) => f.endsWith('.json')).sort() : [];

function loadCase(file: string): ReferenceCase {
  return JSON.parse(readFileSync(path.join(referenceDir, file), 'utf8')) as ReferenceCase;
}

function hiddenStatesOf(c: ReferenceCase): HiddenStates {
  const [layers, tokens, hidden] = c.shape;
  const data = Float64Array.from(c.hidden.flat(2));
  if (data.length !== layers * tokens * hidden) throw new Error(`${c.name}: hidden does not match shape ${c.shape}`);
  return { layers, tokens, hidden, data, includesEmbedding: false };
}

function paramsOf(c: ReferenceCase): DtiParams {
  return { normalise: c.params.normalise, sigmaGrad: c.params.sigmaGrad, sigmaTensor: c.params.sigmaTensor, eps: c.params.eps };
}

/** First entry off by more than TOLERANCE (or NaN), described with case, field and index. */
function firstMismatch(caseName: string, field: string, actual: ArrayLike<number>, expected: readonly number[], cols: number): string | undefined {
  if (actual.length !== expected.length) return `${caseName}.${field}: ${actual.length} values, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= TOLERANCE)) {
      const where = cols > 0 ? `[layer ${Math.floor(i / cols)}, token ${i % cols}]` : `[${i}]`;
      return `${caseName}.${field}${where}: got ${actual[i]}, expected ${expected[i]} (|diff| ${diff})`;
    }
  }
  return undefined;
}

describe.skipIf(!available)('conformance with the reference vectors of SPEC §8', () => {
  it('has at least 7 reference cases, so an empty folder cannot pass', () => {
    expect(caseFiles.length).toBeGreaterThanOrEqual(7);
  });

  for (const file of caseFiles) {
    it(`reproduces ${file} to 1e-9`, () => {
      const c = loadCase(file);
      const fields: DtiFields = dtiFields(hiddenStatesOf(c), paramsOf(c), { includeEmbeddings: false });
      const [layers, tokens] = c.shape;
      for (const field of MATRIX_FIELDS) {
        const m = fields[field];
        expect([m.rows, m.cols], `${c.name}.${field} shape`).toEqual([layers, tokens]);
        const mismatch = firstMismatch(c.name, field, m.data, c.expected[field].flat(), tokens);
        expect(mismatch, mismatch).toBeUndefined();
      }
      const mismatch = firstMismatch(c.name, 'utilisation', fields.utilisation, c.expected.utilisation, 0);
      expect(mismatch, mismatch).toBeUndefined();
    });
  }
});
