import { hexToOklch, mixOklch, oklchToHex } from './oklch.ts';

/** The three anchors of SPEC §7: flow along tokens, diagonal flow, flow across layers. */
export const FLOW_COLOUR_ANCHORS = {
  alongTokens: '#e3211c',
  diagonal: '#f5d10a',
  acrossLayers: '#2c64d6',
} as const;

const RED = hexToOklch(FLOW_COLOUR_ANCHORS.alongTokens);
const YELLOW = hexToOklch(FLOW_COLOUR_ANCHORS.diagonal);
const BLUE = hexToOklch(FLOW_COLOUR_ANCHORS.acrossLayers);

/**
 * Folds any angle onto [0, pi/2]: orientations are pi-periodic (SPEC §6) and the picture gives
 * both diagonals one colour (paper §2.4), so theta, -theta and theta + pi look the same.
 */
export function foldedAngle(theta: number): number {
  if (!Number.isFinite(theta)) throw new RangeError(`flow angle must be finite, got ${theta}`);
  const modPi = ((theta % Math.PI) + Math.PI) % Math.PI;
  return modPi > Math.PI / 2 ? Math.PI - modPi : modPi;
}

/**
 * Tile colour for a flow direction |theta|: 0 red, pi/4 yellow, pi/2 blue, continuous between.
 * Hue rises red -> orange -> yellow -> green -> blue, so no step of the ramp turns grey.
 */
export function flowColour(absTheta: number): string {
  const folded = foldedAngle(absTheta);
  const quarter = Math.PI / 4;
  if (folded <= quarter) return oklchToHex(mixOklch(RED, YELLOW, folded / quarter));
  return oklchToHex(mixOklch(YELLOW, BLUE, (folded - quarter) / quarter));
}
