import { countRecords } from '../src/corpus/countRecords.ts';
import { readCorpus } from '../src/corpus/readCorpus.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { CorpusIntake } from '../src/pipeline/corpusIntake.ts';
import { ProgressReporter } from '../src/pipeline/progressReporter.ts';
import { analyseSentences } from '../src/pipeline/sentenceAnalysis.ts';
import type { QueuedSentence } from '../src/pipeline/sentenceOutcome.ts';
import { StudyAggregator } from '../src/pipeline/studyAggregator.ts';
import { buildManifest, closeAccounts, summaryLines } from '../src/pipeline/studyReport.ts';
import { writeStudyPictures } from '../src/pipeline/studyPictures.ts';
import { writeStudyReportHtml } from '../src/pipeline/studyReportHtml.ts';
import { analysisSettings, studySessionSettings } from '../src/pipeline/studySettings.ts';
import type { Study } from '../src/study/studyTypes.ts';
import { ManifestWriter, type StudyManifest } from '../src/writers/manifestWriter.ts';

export interface EmbeddedRunOptions {
  /** Output directory; defaults to the study's. */
  readonly outDir?: string;
  readonly progress?: boolean;
  readonly mode?: StudyManifest['mode'];
}

/**
 * The whole study in one process, no Redis: corpus -> intake -> model + DTI -> aggregator.
 * The same stage functions the distributed mode runs, called directly instead of through a queue.
 */
export async function runEmbeddedStudy(study: Study, options: EmbeddedRunOptions = {}): Promise<StudyManifest> {
  const startedAt = new Date();
  const outDir = options.outDir ?? study.output;
  const model = await openModel(study.model, studySessionSettings(study));
  try {
    const progress = options.progress === false ? undefined : new ProgressReporter(study.name, await countRecords(study.corpus));
    const settings = analysisSettings(study);
    const intake = new CorpusIntake();
    const aggregator = await StudyAggregator.open(outDir, { fields: study.fields });
    const report = (force = false): void => {
      const { processed, failed } = aggregator.counts;
      progress?.update(processed + failed + intake.counts.duplicate + intake.counts.empty, failed, force);
    };

    // The model sorts each call's sentences by length before cutting batches; a few batches'
    // worth per call lets that sorting cut padding, at a memory cost of a few hundred sentences.
    const sentencesPerCall = study.modelOptions.batchSize * 8;
    let batch: QueuedSentence[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const sentences = batch;
      batch = [];
      await aggregator.fold(await analyseSentences(model, sentences, settings));
      report();
    };
    for await (const record of readCorpus(study.corpus)) {
      const decision = intake.take(record);
      if (decision.kind === 'queue') {
        batch.push(decision.sentence);
        if (batch.length >= sentencesPerCall) await flush();
      } else if (decision.kind === 'failed') {
        await aggregator.fold([decision.failure]);
      }
    }
    await flush();
    report(true);

    const result = await aggregator.finish();
    const counts = closeAccounts(intake.counts, result);
    const manifest = await buildManifest(study, model.info, counts, startedAt, options.mode ?? 'embedded');
    await writeStudyPictures(outDir, study.name, result, manifest.notes);
    await writeStudyReportHtml({ study, outDir, manifest, result, model });
    // Last: a manifest.json means every other output is complete (a failed write leaves none).
    await new ManifestWriter(outDir).write(manifest);
    if (options.progress !== false) process.stderr.write(`${summaryLines(study, outDir, manifest, result).join('\n')}\n`);
    return manifest;
  } finally {
    await model.close();
  }
}
