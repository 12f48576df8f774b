import { sentenceTextHash } from '../corpus/sentenceId.ts';
import type { CorpusRecord } from '../corpus/corpusTypes.ts';
import { SeenSentences } from './seenSentences.ts';
import { failedSentence, type FailedSentence, type QueuedSentence } from './sentenceOutcome.ts';

/** Counts at the door of a study: every record read lands in exactly one of these or goes on to the model. */
export interface IntakeCounts {
  read: number;
  duplicate: number;
  empty: number;
  /** Records the reader could not parse; they are written to failures.jsonl like model failures. */
  invalid: number;
  queued: number;
}

export type IntakeDecision =
  | { readonly kind: 'queue'; readonly sentence: QueuedSentence }
  | { readonly kind: 'failed'; readonly failure: FailedSentence }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'empty' };

/**
 * Decides what happens to each corpus record before inference. A sentence is a duplicate when
 * its id was seen before, or its text (normalised) was seen before in the same domain: repeated
 * boilerplate would otherwise weigh twice in a domain's statistics.
 */
export class CorpusIntake {
  readonly counts: IntakeCounts = { read: 0, duplicate: 0, empty: 0, invalid: 0, queued: 0 };
  private readonly seen = new SeenSentences();

  take(record: CorpusRecord): IntakeDecision {
    this.counts.read++;
    if (record.kind === 'empty') {
      this.counts.empty++;
      return { kind: 'empty' };
    }
    if (record.kind === 'invalid') {
      this.counts.invalid++;
      const s = { id: record.id, domain: record.domain, text: '', source: record.source, line: record.line };
      return { kind: 'failed', failure: failedSentence(s, record.reason, 0) };
    }
    const newId = this.seen.add(`id\u0000${record.id}`);
    const newText = this.seen.add(`text\u0000${record.domain}\u0000${sentenceTextHash(record.text)}`);
    if (!newId || !newText) {
      this.counts.duplicate++;
      return { kind: 'duplicate' };
    }
    this.counts.queued++;
    return {
      kind: 'queue',
      sentence: { id: record.id, domain: record.domain, text: record.text, source: record.source, line: record.line },
    };
  }
}
