import { describe, expect, it } from 'vitest';
import { toCanonical } from '../src/hidden/canonicalLayout.ts';
import { detectLayout, resolveLayout, type Layout, type LayoutHints } from '../src/hidden/layout.ts';
import { UserError } from '../src/userError.ts';

function layoutError(shape: number[], hints: LayoutHints): string {
  try {
    detectLayout(shape, hints, 'sentence.npy');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message.startsWith('sentence.npy: ')).toBe(true);
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`detectLayout accepted ${JSON.stringify(shape)}`);
}

describe('detectLayout', () => {
  it('reads a bare 3-axis shape as [L, T, H] (the documented convention)', () => {
    expect(detectLayout([13, 9, 768], {})).toBe('LTD');
    expect(detectLayout([9, 13, 768], { hidden: 768 })).toBe('LTD');
  });

  it('uses the layer count, accepting L and L+1 arrays', () => {
    expect(detectLayout([9, 13, 768], { layers: 12 })).toBe('TLD');
    expect(detectLayout([9, 12, 768], { layers: 12 })).toBe('TLD');
    expect(detectLayout([13, 9, 768], { layers: 12 })).toBe('LTD');
  });

  it('uses the token count', () => {
    expect(detectLayout([9, 13, 768], { tokens: 9 })).toBe('TLD');
    expect(detectLayout([13, 9, 768], { tokens: 9 })).toBe('LTD');
    expect(detectLayout([12, 13, 768], { layers: 12, tokens: 13 })).toBe('LTD');
  });

  it('refuses to guess when both axes fit the hints', () => {
    const square = layoutError([13, 13, 768], { layers: 12 });
    expect(square).toContain('ambiguous');
    expect(square).toContain('--layout LTD or --layout TLD');
    // 12 = L and 13 = L+1: either axis could be the layer axis.
    expect(layoutError([12, 13, 768], { layers: 12 })).toContain('--layout LTD or --layout TLD');
    expect(layoutError([9, 9, 768], { tokens: 9 })).toContain('ambiguous');
  });

  it('names what does not fit', () => {
    expect(layoutError([13, 9, 768], { hidden: 1024 })).toContain('the hidden axis (last) has 768 units, not 1024');
    const noLayers = layoutError([7, 9, 768], { layers: 12 });
    expect(noLayers).toContain('as LTD, the layer axis (axis 0) has 7 entries, not 12 or 13');
    expect(noLayers).toContain('as TLD, the layer axis (axis 1) has 9 entries, not 12 or 13');
  });

  it('takes a batch axis of one from its position', () => {
    expect(detectLayout([1, 13, 9, 768], {})).toBe('BLTD');
    expect(detectLayout([13, 1, 9, 768], {})).toBe('LBTD');
    // Both readings give the same numbers, so either is right.
    expect(['BLTD', 'LBTD']).toContain(detectLayout([1, 1, 9, 768], {}));
  });

  it('needs --batch-index for a batch of several sentences, and hints when that leaves two readings', () => {
    expect(layoutError([4, 13, 9, 768], {})).toContain('pick one with --batch-index');
    expect(layoutError([2, 13, 9, 768], { batchIndex: 1 })).toContain('--layout BLTD or --layout LBTD');
    expect(detectLayout([2, 13, 9, 768], { batchIndex: 1, layers: 12 })).toBe('BLTD');
    expect(detectLayout([13, 2, 9, 768], { batchIndex: 1, layers: 12 })).toBe('LBTD');
    expect(layoutError([13, 9, 768], { batchIndex: 1 })).toContain('needs a batch axis');
  });

  it('rejects shapes that are not hidden states', () => {
    expect(layoutError([9, 768], {})).toContain('has 2 axes');
    expect(layoutError([0, 9, 768], {})).toContain('empty axis');
  });
});

describe('resolveLayout', () => {
  it('checks an explicit layout against the shape and hints', () => {
    expect(resolveLayout([9, 13, 768], 'TLD', {}, 'f.npy')).toBe('TLD');
    expect(() => resolveLayout([13, 9, 768], 'BLTD', {}, 'f.npy')).toThrow('f.npy: --layout BLTD needs 4 axes but the shape [13, 9, 768] has 3');
    expect(() => resolveLayout([13, 9, 768], 'TLD', { layers: 12 }, 'f.npy')).toThrow('read as --layout TLD: the layer axis (axis 1) has 9 entries, not 12 or 13');
  });
});

describe('toCanonical', () => {
  // E[l, t, h] = 100 l + 10 t + h, so every value says where it belongs.
  const L = 3;
  const T = 4;
  const H = 2;
  const value = (l: number, t: number, h: number): number => 100 * l + 10 * t + h;
  const canonical = Float64Array.from({ length: L * T * H }, (_, i) => value(Math.floor(i / (T * H)), Math.floor(i / H) % T, i % H));

  /** Lays the same numbers out in `layout`; other sentences of a batch hold negatives. */
  function arrange(layout: Layout, batch: number, chosen: number): { shape: number[]; data: Float64Array } {
    const size: Record<string, number> = { B: batch, L, T, D: H };
    const shape = [...layout].map((axis) => size[axis]);
    const data = new Float64Array(shape.reduce((n, d) => n * d, 1));
    const index: Record<string, number> = {};
    for (let flat = 0; flat < data.length; flat++) {
      let rest = flat;
      for (let k = layout.length - 1; k >= 0; k--) {
        index[layout[k]] = rest % shape[k];
        rest = Math.floor(rest / shape[k]);
      }
      const v = value(index.L, index.T, index.D);
      data[flat] = (index.B ?? chosen) === chosen ? v : -v - 1;
    }
    return { shape, data };
  }

  for (const layout of ['LTD', 'TLD', 'BLTD', 'LBTD'] as const) {
    it(`reorders ${layout} into [L, T, H]`, () => {
      const batch = layout.includes('B') ? 3 : 1;
      const chosen = batch > 1 ? 2 : 0;
      const out = toCanonical(arrange(layout, batch, chosen), layout, chosen);
      expect([out.layers, out.tokens, out.hidden]).toEqual([L, T, H]);
      expect(Array.from(out.data)).toEqual(Array.from(canonical));
    });
  }
});
