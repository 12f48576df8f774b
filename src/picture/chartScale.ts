/** Axis arithmetic for the study charts. */

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps everything to the range's middle. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** Integer ticks from min to max, thinned to a 1/2/5 x 10^k step so at most about maxTicks appear. */
export function integerTicks(min: number, max: number, maxTicks: number): number[] {
  const step = tickStep(Math.max(1, max - min), Math.max(1, maxTicks));
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return ticks;
}

function tickStep(span: number, maxTicks: number): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const m of [1, 2, 5]) if (span / (m * magnitude) <= maxTicks) return m * magnitude;
  }
}

/** A fraction as a percentage with the given decimals, e.g. 0.1234 -> "12.3%". */
export function percent(fraction: number, decimals: number): string {
  return `${(fraction * 100).toFixed(decimals)}%`;
}

/** Smallest multiple of `step` >= value, at least `step` (an axis never collapses to zero length). */
export function ceilToStep(value: number, step: number): number {
  return Math.max(step, Math.ceil(value / step - 1e-9) * step);
}
