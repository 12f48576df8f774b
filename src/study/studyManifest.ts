import { createHash } from 'node:crypto';
import type { CorpusSource } from '../corpus/corpusTypes.ts';
import { canonicalJson, type JsonValue } from './canonicalJson.ts';
import type { Study } from './studyTypes.ts';

function sourceJson(source: CorpusSource): JsonValue {
  const out: Record<string, JsonValue> = { path: source.path, format: source.format ?? 'auto' };
  if (source.domain !== undefined) out.domain = source.domain;
  if (source.textColumn !== undefined) out.textColumn = source.textColumn;
  if (source.idColumn !== undefined) out.idColumn = source.idColumn;
  if (source.domainColumn !== undefined) out.domainColumn = source.domainColumn;
  return out;
}

/** The whole resolved study as plain JSON data, for the run manifest. */
export function studyForManifest(study: Study): { readonly [key: string]: JsonValue } {
  return {
    file: study.file,
    name: study.name,
    model: study.model,
    corpus: study.corpus.map(sourceJson),
    dti: { ...study.dti, sigmaGrad: [...study.dti.sigmaGrad], sigmaTensor: [...study.dti.sigmaTensor] },
    modelOptions: { ...study.modelOptions },
    output: study.output,
    fields: study.fields,
    redis: { ...study.redis },
    concurrency: study.concurrency,
    jobs: { ...study.jobs },
  };
}

/**
 * sha256 hex of the canonical JSON of what decides the numbers a study produces: the model
 * folder, the corpus sources, the DTI parameters and the tokenisation options. Output folder,
 * Redis, batching and threads are left out so redirecting or re-tuning a run keeps its hash;
 * paths are absolute, so moving the model or corpus changes it.
 */
export function studyHash(study: Study): string {
  const { dropSpecialTokens, truncate, maxTokens } = study.modelOptions;
  const manifest = studyForManifest(study);
  const decisive: JsonValue = {
    model: study.model,
    corpus: manifest.corpus,
    dti: manifest.dti,
    modelOptions: { dropSpecialTokens, truncate, maxTokens },
  };
  return createHash('sha256').update(canonicalJson(decisive)).digest('hex');
}
