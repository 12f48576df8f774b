import type { CorpusSource } from './corpusTypes.ts';

/** Which column (CSV/TSV header) or key (JSONL) holds each field of a record. */
export interface CorpusColumns {
  readonly text: string;
  readonly id: string;
  readonly domain: string;
  /** Named explicitly in the source, so a header without it is a mistake rather than a default. */
  readonly idRequired: boolean;
  readonly domainRequired: boolean;
}

export function corpusColumns(source: CorpusSource): CorpusColumns {
  return {
    text: source.textColumn ?? 'text',
    id: source.idColumn ?? 'id',
    domain: source.domainColumn ?? 'domain',
    idRequired: source.idColumn !== undefined,
    domainRequired: source.domainColumn !== undefined,
  };
}
