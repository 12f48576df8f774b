import { UserError } from '../userError.ts';
import { RunningMoments, type MomentsJson } from './runningMoments.ts';

/** The pooled pseudo-domain holding every sentence of every domain. */
export const ALL_DOMAIN = 'all';

/**
 * Per-layer values of one sentence; index i is layer `firstLayer + i` (1 = first block).
 * All four arrays have one entry per layer.
 */
export interface SentenceLayerSample {
  readonly utilisation: Float64Array;
  readonly meanAnisotropy: Float64Array;
  /** ShortGPT Block Influence, 1 - cos(input, output) of the layer; NaN where the layer has no input layer (skipped). */
  readonly blockInfluence: Float64Array;
  /** Gromov et al. angular distance, arccos(cos(input, output)) / π. */
  readonly angularDistance: Float64Array;
  readonly firstLayer: number;
}

/** Statistics of one (domain, layer) over sentences; sd/se/CI are null below two sentences. */
export interface LayerStatsRow {
  readonly domain: string;
  readonly layer: number;
  /** Sentences contributing (to utilisation and anisotropy; BI/angular skip a layer without an input layer). */
  readonly n: number;
  readonly utilisationMean: number;
  readonly utilisationSd: number | null;
  readonly utilisationSe: number | null;
  readonly utilisationCiLow: number | null;
  readonly utilisationCiHigh: number | null;
  readonly anisotropyMean: number;
  readonly anisotropySd: number | null;
  readonly blockInfluenceMean: number;
  readonly blockInfluenceSd: number | null;
  readonly angularDistanceMean: number;
  readonly angularDistanceSd: number | null;
}

const METRICS = ['utilisation', 'anisotropy', 'blockInfluence', 'angularDistance'] as const;
type LayerMetric = (typeof METRICS)[number];
type LayerMoments = Record<LayerMetric, RunningMoments>;

export type LayerStatsCellJson = { readonly domain: string; readonly layer: number } & Readonly<Record<LayerMetric, MomentsJson>>;

/** Checkpoint form of a {@link LayerStatsAccumulator}. */
export interface LayerStatsJson {
  /** 2: exact sums (version 1 held Welford means, which depend on the order of the values). */
  readonly version: 2;
  readonly cells: readonly LayerStatsCellJson[];
}

function emptyLayerMoments(): LayerMoments {
  return {
    utilisation: new RunningMoments(),
    anisotropy: new RunningMoments(),
    blockInfluence: new RunningMoments(),
    angularDistance: new RunningMoments(),
  };
}

/** 'all' first, then the domains in code-unit order (locale-independent, so outputs are reproducible). */
function compareDomains(a: string, b: string): number {
  if (a === b) return 0;
  if (a === ALL_DOMAIN) return -1;
  if (b === ALL_DOMAIN) return 1;
  return a < b ? -1 : 1;
}

/**
 * Folds per-sentence layer samples into moments per (domain, layer) and per ('all', layer).
 * Memory is O(domains × layers) regardless of corpus size.
 */
export class LayerStatsAccumulator {
  readonly #cells = new Map<string, Map<number, LayerMoments>>();

  add(domain: string, sample: SentenceLayerSample): void {
    if (domain === ALL_DOMAIN) {
      throw new UserError(`domain name "${ALL_DOMAIN}" is reserved for the statistics over all domains; rename that domain in the study config`);
    }
    const layers = sample.utilisation.length;
    for (const [name, values] of [
      ['meanAnisotropy', sample.meanAnisotropy],
      ['blockInfluence', sample.blockInfluence],
      ['angularDistance', sample.angularDistance],
    ] as const) {
      if (values.length !== layers) {
        throw new RangeError(`sentence sample: ${name} has ${values.length} layers, utilisation has ${layers}`);
      }
    }
    if (!Number.isInteger(sample.firstLayer)) throw new RangeError(`sentence sample: firstLayer must be an integer, got ${sample.firstLayer}`);
    for (const target of [domain, ALL_DOMAIN]) {
      for (let i = 0; i < layers; i++) {
        const moments = this.#momentsFor(target, sample.firstLayer + i);
        moments.utilisation.add(sample.utilisation[i]);
        moments.anisotropy.add(sample.meanAnisotropy[i]);
        // The embedding output (layer 0, when kept) has no input layer: no BI/angular value.
        if (Number.isFinite(sample.blockInfluence[i])) moments.blockInfluence.add(sample.blockInfluence[i]);
        if (Number.isFinite(sample.angularDistance[i])) moments.angularDistance.add(sample.angularDistance[i]);
      }
    }
  }

  /** Folds another accumulator (e.g. a worker's partial aggregate) into this one. */
  merge(other: LayerStatsAccumulator): this {
    for (const [domain, layers] of other.#cells) {
      for (const [layer, theirs] of layers) {
        const mine = this.#momentsFor(domain, layer);
        for (const metric of METRICS) mine[metric].merge(theirs[metric]);
      }
    }
    return this;
  }

  /** Domains seen so far, in row order ('all' first). */
  get domains(): string[] {
    return [...this.#cells.keys()].sort(compareDomains);
  }

  rows(): LayerStatsRow[] {
    const rows: LayerStatsRow[] = [];
    for (const domain of this.domains) {
      const layers = this.#cells.get(domain);
      if (layers === undefined) continue;
      for (const layer of [...layers.keys()].sort((a, b) => a - b)) {
        const m = layers.get(layer);
        if (m === undefined) continue;
        const ci = m.utilisation.confidenceInterval(0.95);
        rows.push({
          domain,
          layer,
          n: m.utilisation.n,
          utilisationMean: m.utilisation.mean,
          utilisationSd: m.utilisation.sd,
          utilisationSe: m.utilisation.se,
          utilisationCiLow: ci?.low ?? null,
          utilisationCiHigh: ci?.high ?? null,
          anisotropyMean: m.anisotropy.mean,
          anisotropySd: m.anisotropy.sd,
          blockInfluenceMean: m.blockInfluence.mean,
          blockInfluenceSd: m.blockInfluence.sd,
          angularDistanceMean: m.angularDistance.mean,
          angularDistanceSd: m.angularDistance.sd,
        });
      }
    }
    return rows;
  }

  toJSON(): LayerStatsJson {
    const cells: LayerStatsCellJson[] = [];
    for (const domain of this.domains) {
      const layers = this.#cells.get(domain);
      if (layers === undefined) continue;
      for (const layer of [...layers.keys()].sort((a, b) => a - b)) {
        const m = layers.get(layer);
        if (m === undefined) continue;
        cells.push({
          domain,
          layer,
          utilisation: m.utilisation.toJSON(),
          anisotropy: m.anisotropy.toJSON(),
          blockInfluence: m.blockInfluence.toJSON(),
          angularDistance: m.angularDistance.toJSON(),
        });
      }
    }
    return { version: 2, cells };
  }

  static fromJSON(json: LayerStatsJson): LayerStatsAccumulator {
    if (json.version !== 2 || !Array.isArray(json.cells)) throw new RangeError('layer stats checkpoint: expected {version: 2, cells: [...]}');
    const accumulator = new LayerStatsAccumulator();
    for (const cell of json.cells) {
      if (typeof cell.domain !== 'string' || !Number.isInteger(cell.layer)) {
        throw new RangeError(`layer stats checkpoint: bad cell key ${JSON.stringify({ domain: cell.domain, layer: cell.layer })}`);
      }
      const moments = accumulator.#momentsFor(cell.domain, cell.layer);
      for (const metric of METRICS) moments[metric].merge(RunningMoments.fromJSON(cell[metric]));
    }
    return accumulator;
  }

  #momentsFor(domain: string, layer: number): LayerMoments {
    let layers = this.#cells.get(domain);
    if (layers === undefined) {
      layers = new Map();
      this.#cells.set(domain, layers);
    }
    let moments = layers.get(layer);
    if (moments === undefined) {
      moments = emptyLayerMoments();
      layers.set(layer, moments);
    }
    return moments;
  }
}
