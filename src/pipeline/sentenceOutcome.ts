import type { SentenceFailure } from '../writers/failuresWriter.ts';

/**
 * What crosses the transport between the stages of a study. Plain JSON-safe values only
 * (number[] rather than Float64Array), because in distributed mode these travel through Redis;
 * JSON round-trips float64 exactly, so embedded and distributed runs agree bit for bit.
 */

/** A sentence as queued for inference: text plus where it came from. */
export interface QueuedSentence {
  readonly id: string;
  readonly domain: string;
  readonly text: string;
  readonly source: string;
  readonly line: number;
}

/** A sentence that went through the model and the DTI math. */
export interface ProcessedSentence {
  readonly kind: 'processed';
  readonly id: string;
  readonly domain: string;
  readonly tokens: string[];
  readonly truncated: boolean;
  /** Number of the layer in entry 0 of the per-layer arrays (1, or 0 with embeddings kept). */
  readonly firstLayer: number;
  readonly utilisation: number[];
  readonly meanAnisotropy: number[];
  /** ShortGPT block influence and Gromov angular distance, aligned with `utilisation`; NaN where a layer has no predecessor. */
  readonly blockInfluence: number[];
  readonly angularDistance: number[];
  /** Full fields, row-major [layers x tokens], only when the study asks for them. */
  readonly fields?: { readonly anisotropy: number[]; readonly angle: number[] };
}

/** A sentence that could not be processed: the failures.jsonl record, tagged for the transport. */
export interface FailedSentence extends SentenceFailure {
  readonly kind: 'failed';
}

export type SentenceOutcome = ProcessedSentence | FailedSentence;

export function failedSentence(s: QueuedSentence, reason: string, attempts = 1): FailedSentence {
  return { kind: 'failed', id: s.id, domain: s.domain, source: s.source, line: s.line, text: s.text, reason, attempts };
}
