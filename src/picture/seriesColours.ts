/**
 * Line colours for one series per domain: the Okabe-Ito palette, distinguishable with the common
 * colour-vision deficiencies. Its yellow is left out (unreadable as a thin line on white); past the
 * seventh series colours repeat with a dash pattern so series stay distinct.
 */
const OKABE_ITO = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#000000'] as const;
const DASHES = ['', '6 3', '2 2', '8 3 2 3'] as const;

export interface SeriesStyle {
  readonly colour: string;
  /** stroke-dasharray value; '' for a solid line. */
  readonly dash: string;
}

export function seriesStyle(index: number): SeriesStyle {
  return {
    colour: OKABE_ITO[index % OKABE_ITO.length],
    dash: DASHES[Math.floor(index / OKABE_ITO.length) % DASHES.length],
  };
}
