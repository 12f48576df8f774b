import { expect } from 'vitest';
import type { HiddenStates } from '../src/hidden/hiddenStates.ts';
import type { SentenceHiddenStates, SentenceResult } from '../src/model/modelTypes.ts';

/** The hidden states of a result that must have succeeded. */
export function ok(r: SentenceResult): SentenceHiddenStates {
  if (!r.ok) throw new Error(`expected hidden states, got failure: ${r.reason}`);
  return r;
}

/** Largest absolute difference between two same-shaped hidden-state arrays. */
export function maxAbsDiff(a: HiddenStates, b: HiddenStates): number {
  expect([a.layers, a.tokens, a.hidden]).toEqual([b.layers, b.tokens, b.hidden]);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
  return worst;
}
