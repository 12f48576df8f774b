import { hexToOklch, mixOklch, oklchToHex } from './oklch.ts';

/** Ends of the diverging scale of the minimal-pair difference panel: B lower blue, B higher red. */
export const DIFFERENCE_COLOUR_ANCHORS = {
  negative: '#2166ac',
  zero: '#ffffff',
  positive: '#b2182b',
} as const;

const NEGATIVE = hexToOklch(DIFFERENCE_COLOUR_ANCHORS.negative);
const POSITIVE = hexToOklch(DIFFERENCE_COLOUR_ANCHORS.positive);
const WHITE = hexToOklch(DIFFERENCE_COLOUR_ANCHORS.zero);

/**
 * Colour of a difference on a scale symmetric about zero: -range blue, 0 white, +range red,
 * values beyond the range clamped. White borrows each side's hue so the ramp stays one hue.
 * A zero range (no difference anywhere) is all white.
 */
export function differenceColour(value: number, range: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`difference colour: value ${value} is not finite`);
  if (!(range >= 0) || !Number.isFinite(range)) throw new RangeError(`difference colour: range ${range} must be finite and >= 0`);
  if (range === 0 || value === 0) return DIFFERENCE_COLOUR_ANCHORS.zero;
  const t = Math.min(1, Math.abs(value) / range);
  if (t === 1) return value < 0 ? DIFFERENCE_COLOUR_ANCHORS.negative : DIFFERENCE_COLOUR_ANCHORS.positive;
  const end = value < 0 ? NEGATIVE : POSITIVE;
  return oklchToHex(mixOklch({ ...WHITE, h: end.h }, end, t));
}
