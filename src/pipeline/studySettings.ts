import type { SessionSettings } from '../model/modelTypes.ts';
import type { Study } from '../study/studyTypes.ts';
import type { AnalysisSettings } from './sentenceAnalysis.ts';

/** What the shared stage needs from a study; embedded runs and workers both take it from here. */
export function analysisSettings(study: Study): AnalysisSettings {
  return {
    dti: study.dti,
    includeEmbeddings: false,
    fields: study.fields,
    modelOptions: {
      dropSpecialTokens: study.modelOptions.dropSpecialTokens,
      truncate: study.modelOptions.truncate,
      batchSize: study.modelOptions.batchSize,
      maxTokens: study.modelOptions.maxTokens ?? undefined,
    },
  };
}

/** onnxruntime session settings from the study's modelOptions. */
export function studySessionSettings(study: Study): SessionSettings {
  const o = study.modelOptions;
  return { intraOpThreads: o.intraOpThreads ?? undefined, graphOptimizationLevel: o.graphOptimization, executionProvider: o.executionProvider };
}
