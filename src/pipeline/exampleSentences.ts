import { readCorpus } from '../corpus/readCorpus.ts';
import type { CorpusSource } from '../corpus/corpusTypes.ts';
import { dtiFields } from '../math/dti.ts';
import type { HiddenStateModel } from '../model/modelTypes.ts';
import type { ExampleFigure } from '../report/studyHtmlReport.ts';
import { CorpusIntake } from './corpusIntake.ts';
import { readFailuresFile } from './failuresFile.ts';
import type { AnalysisSettings } from './sentenceAnalysis.ts';
import type { QueuedSentence } from './sentenceOutcome.ts';

/*
 * Example sentences of a study's report: the first K processed sentences of each domain in corpus
 * order, run through the model once more at report time. Re-running a handful of sentences is
 * what works the same in both modes: in distributed mode the analysing stage runs in other
 * processes, and carrying every DTI field of a few sentences through Redis and the aggregator's
 * checkpoint would burden the whole pipeline for one page. Corpus order and a replayed intake
 * make the choice deterministic and the same in both modes; ids in failures.jsonl are skipped,
 * so an example is always a sentence the statistics counted.
 */

/** Spare candidates per domain beyond K, in case some of the first sentences failed. */
const SPARE_CANDIDATES = 16;

/**
 * The first `perDomain + SPARE_CANDIDATES` sentences per wanted domain that the study's intake
 * queued, minus those failures.jsonl lists. Reads the corpus only until every domain has its
 * candidates, so a large corpus is not read to the end.
 */
export async function exampleCandidates(
  corpus: readonly CorpusSource[],
  failuresFile: string,
  domains: readonly string[],
  perDomain: number,
): Promise<Map<string, QueuedSentence[]>> {
  const wanted = perDomain + SPARE_CANDIDATES;
  const byDomain = new Map<string, QueuedSentence[]>(domains.map((d) => [d, []]));
  if (perDomain <= 0 || domains.length === 0) return byDomain;
  let short = domains.length;
  // The intake is replayed from the start: whether a sentence was a duplicate depends on all before it.
  const intake = new CorpusIntake();
  for await (const record of readCorpus(corpus)) {
    const decision = intake.take(record);
    if (decision.kind !== 'queue') continue;
    const list = byDomain.get(decision.sentence.domain);
    if (list === undefined || list.length >= wanted) continue;
    list.push(decision.sentence);
    if (list.length === wanted && --short === 0) break;
  }
  const ids = new Set([...byDomain.values()].flatMap((list) => list.map((s) => s.id)));
  const failed = new Set<string>();
  for await (const failure of readFailuresFile(failuresFile)) if (ids.has(failure.id)) failed.add(failure.id);
  for (const [domain, list] of byDomain) byDomain.set(domain, list.filter((s) => !failed.has(s.id)));
  return byDomain;
}

/**
 * Runs candidates through the model until each domain has `perDomain` examples with every DTI
 * field; a candidate the model refuses now is passed over for the next.
 */
export async function analyseExamples(
  model: HiddenStateModel,
  candidates: ReadonlyMap<string, readonly QueuedSentence[]>,
  settings: AnalysisSettings,
  perDomain: number,
): Promise<ExampleFigure[]> {
  const examples: ExampleFigure[] = [];
  for (const list of candidates.values()) {
    let taken = 0;
    for (let next = 0; taken < perDomain && next < list.length; ) {
      const batch = list.slice(next, next + perDomain - taken);
      next += batch.length;
      const results = await model.run(
        batch.map((s) => s.text),
        settings.modelOptions,
      );
      batch.forEach((sentence, i) => {
        const result = results[i];
        if (!result.ok) return;
        const fields = dtiFields(result.hidden, settings.dti, { includeEmbeddings: settings.includeEmbeddings });
        if (!fields.utilisation.every(Number.isFinite)) return;
        examples.push({
          domain: sentence.domain,
          id: sentence.id,
          text: sentence.text,
          source: sentence.source,
          line: sentence.line,
          tokens: result.tokens,
          // As in analyseHiddenStates: row 0 is the embedding output only when it is kept.
          firstLayer: result.hidden.includesEmbedding && settings.includeEmbeddings ? 0 : 1,
          truncated: result.truncated,
          fields,
        });
        taken++;
      });
    }
  }
  return examples;
}
