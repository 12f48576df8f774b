import path from 'node:path';
import type { HiddenStateModel } from '../model/modelTypes.ts';
import { openModel } from '../model/onnxHiddenStateModel.ts';
import { ALL_DOMAIN } from '../stats/layerStatsAccumulator.ts';
import { renderStudyHtmlReport } from '../report/studyHtmlReport.ts';
import type { Study } from '../study/studyTypes.ts';
import type { StudyManifest } from '../writers/manifestWriter.ts';
import { ReportHtmlWriter } from '../writers/reportHtmlWriter.ts';
import { analyseExamples, exampleCandidates } from './exampleSentences.ts';
import { failuresPreview } from './failuresFile.ts';
import type { AggregatorResult } from './studyAggregator.ts';
import { analysisSettings, studySessionSettings } from './studySettings.ts';

/** Example flow pictures per domain on the report page. */
export const REPORT_EXAMPLES_PER_DOMAIN = 2;
/** Failures listed on the page; the rest stay in failures.jsonl. */
export const REPORT_FAILURES_SHOWN = 20;

export interface StudyReportHtmlInput {
  readonly study: Study;
  readonly outDir: string;
  readonly manifest: StudyManifest;
  readonly result: AggregatorResult;
  /** The study's open model (embedded mode); without one (the aggregator) the report opens its own. */
  readonly model?: HiddenStateModel;
}

/** Writes report.html, made from the study's other outputs (failures.jsonl included); manifest.json follows it, last. */
export async function writeStudyReportHtml(input: StudyReportHtmlInput): Promise<string> {
  const { study, outDir, manifest, result } = input;
  const failuresFile = path.join(outDir, 'failures.jsonl');
  const domains = result.rankings.map((r) => r.domain).filter((d) => d !== ALL_DOMAIN);
  const candidates = await exampleCandidates(study.corpus, failuresFile, domains, REPORT_EXAMPLES_PER_DOMAIN);
  const model = input.model ?? (await openModel(study.model, studySessionSettings(study)));
  const examples = await analyseExamples(model, candidates, analysisSettings(study), REPORT_EXAMPLES_PER_DOMAIN).finally(async () => {
    if (input.model === undefined) await model.close();
  });
  const html = renderStudyHtmlReport({
    manifest,
    rows: result.rows,
    rankings: result.rankings,
    failures: await failuresPreview(failuresFile, REPORT_FAILURES_SHOWN),
    examples,
    examplesPerDomain: REPORT_EXAMPLES_PER_DOMAIN,
  });
  return new ReportHtmlWriter(outDir).write(html);
}
