/**
 * Which token of sentence A stands opposite which token of sentence B in a minimal-pair figure.
 * Pure: token strings in, index pairs out.
 */

/** One column of the difference picture: token a of A against token b of B. */
export interface AlignedPair {
  readonly a: number;
  readonly b: number;
  /** False only in position mode, where a swapped word (he/she) still lines up. */
  readonly sameText: boolean;
}

export interface TokenAlignment {
  /**
   * 'position' when both sentences have the same number of tokens (every position pairs up);
   * 'text' otherwise (longest common subsequence of the token strings).
   */
  readonly mode: 'position' | 'text';
  /** Increasing in both a and b. */
  readonly pairs: readonly AlignedPair[];
  /** Token indices of A and of B that no pair uses (always empty in position mode). */
  readonly unmatchedA: readonly number[];
  readonly unmatchedB: readonly number[];
}

export function alignTokens(a: readonly string[], b: readonly string[]): TokenAlignment {
  if (a.length === b.length) {
    return { mode: 'position', pairs: a.map((text, i) => ({ a: i, b: i, sameText: text === b[i] })), unmatchedA: [], unmatchedB: [] };
  }
  const pairs = longestCommonSubsequence(a, b).map(([i, j]) => ({ a: i, b: j, sameText: true }));
  const usedA = new Set(pairs.map((p) => p.a));
  const usedB = new Set(pairs.map((p) => p.b));
  return {
    mode: 'text',
    pairs,
    unmatchedA: a.flatMap((_, i) => (usedA.has(i) ? [] : [i])),
    unmatchedB: b.flatMap((_, j) => (usedB.has(j) ? [] : [j])),
  };
}

/**
 * Index pairs of one longest common subsequence. Ties go to the earliest tokens of A, so a
 * repeated word ("the ... the") pairs with its first occurrence deterministically.
 */
export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  // suffix[i][j] = LCS length of a[i..] and b[j..]; filling from the end lets the walk go forwards.
  const width = m + 1;
  const suffix = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      suffix[i * width + j] = a[i] === b[j] ? suffix[(i + 1) * width + j + 1] + 1 : Math.max(suffix[(i + 1) * width + j], suffix[i * width + j + 1]);
    }
  }
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j] && suffix[i * width + j] === suffix[(i + 1) * width + j + 1] + 1) {
      out.push([i, j]);
      i++;
      j++;
    } else if (suffix[(i + 1) * width + j] >= suffix[i * width + j + 1]) i++;
    else j++;
  }
  return out;
}

/** The plain-words account of an alignment, for the figure and (when lengths differ) stderr. */
export function describeAlignment(alignment: TokenAlignment, tokensA: readonly string[], tokensB: readonly string[]): string {
  if (alignment.mode === 'position') {
    const head = `same length (${tokensA.length} tokens): aligned position by position`;
    const differing = alignment.pairs.filter((p) => !p.sameText);
    if (differing.length === 0) return `${head}; every token string agrees`;
    return `${head}; differing (outlined): ${differing.map((p) => `${p.a} ${JSON.stringify(tokensA[p.a])}\u2192${JSON.stringify(tokensB[p.b])}`).join(', ')}`;
  }
  const head = `lengths differ (${tokensA.length} vs ${tokensB.length} tokens)`;
  if (alignment.pairs.length === 0) return `${head}: no token text is shared, so there is no anisotropy difference to show`;
  const list = (tokens: readonly string[], indices: readonly number[]): string =>
    indices.length === 0 ? 'none' : indices.map((i) => `${JSON.stringify(tokens[i])} (${i})`).join(', ');
  const matched = alignment.pairs.length;
  return (
    `${head}: anisotropy difference shown for the ${matched} token${matched === 1 ? '' : 's'} matched by token text; ` +
    `unmatched: A ${list(tokensA, alignment.unmatchedA)}; B ${list(tokensB, alignment.unmatchedB)}`
  );
}
