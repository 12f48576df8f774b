/**
 * sRGB <-> OKLCH (Björn Ottosson's OKLab in polar form). Colour ramps are interpolated here because
 * equal steps in OKLCH look like equal steps, and going round the hue keeps the ramp saturated
 * instead of passing through grey, which on the flow picture would read as "isotropic".
 */

export interface Oklch {
  readonly l: number;
  readonly c: number;
  /** Degrees. */
  readonly h: number;
}

type Rgb = readonly [number, number, number];

function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}

function parseHex(hex: string): Rgb {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) throw new RangeError(`not a #rrggbb colour: ${hex}`);
  return [parseInt(match[1], 16) / 255, parseInt(match[2], 16) / 255, parseInt(match[3], 16) / 255];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, '0')).join('')}`;
}

export function hexToOklch(hex: string): Oklch {
  const [r, g, b] = parseHex(hex).map(srgbToLinear);
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  const lightness = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  const A = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  const B = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
  const hue = (Math.atan2(B, A) * 180) / Math.PI;
  return { l: lightness, c: Math.hypot(A, B), h: hue < 0 ? hue + 360 : hue };
}

function oklchToLinearRgb({ l: lightness, c, h }: Oklch): Rgb {
  const A = c * Math.cos((h * Math.PI) / 180);
  const B = c * Math.sin((h * Math.PI) / 180);
  const l = (lightness + 0.3963377774 * A + 0.2158037573 * B) ** 3;
  const m = (lightness - 0.1055613458 * A - 0.0638541728 * B) ** 3;
  const s = (lightness - 0.0894841775 * A - 1.291485548 * B) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

const GAMUT_TOLERANCE = 1e-4;

function inGamut(rgb: Rgb): boolean {
  return rgb.every((v) => v >= -GAMUT_TOLERANCE && v <= 1 + GAMUT_TOLERANCE);
}

/**
 * Nearest displayable colour: keep lightness and hue, reduce chroma until sRGB can show it
 * (the CSS Color 4 idea), so out-of-gamut ramp midpoints do not shift hue when clipped.
 */
export function oklchToHex(colour: Oklch): string {
  let rgb = oklchToLinearRgb(colour);
  if (!inGamut(rgb)) {
    let low = 0;
    let high = colour.c;
    for (let i = 0; i < 24; i++) {
      const mid = (low + high) / 2;
      if (inGamut(oklchToLinearRgb({ ...colour, c: mid }))) low = mid;
      else high = mid;
    }
    rgb = oklchToLinearRgb({ ...colour, c: low });
  }
  return toHex([linearToSrgb(Math.max(0, rgb[0])), linearToSrgb(Math.max(0, rgb[1])), linearToSrgb(Math.max(0, rgb[2]))]);
}

/** Straight-line mix in L, C and h; the caller picks anchors whose hue path is the one it wants. */
export function mixOklch(from: Oklch, to: Oklch, t: number): Oklch {
  return {
    l: from.l + (to.l - from.l) * t,
    c: from.c + (to.c - from.c) * t,
    h: from.h + (to.h - from.h) * t,
  };
}
