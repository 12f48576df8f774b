import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import type { HiddenStateModel } from '../src/model/modelTypes.ts';
import { benchLog } from './benchLog.ts';
import type { BenchModel } from './benchModels.ts';
import { measureRate, type RateStats } from './timing.ts';

export const MODEL_BATCH_SIZES: readonly number[] = [1, 8, 32];
export const MODEL_THREAD_COUNTS: readonly number[] = [1, 2];

export interface ModelThroughput {
  readonly model: string;
  readonly pretrained: boolean;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly intraOpThreads: number;
  readonly batchSize: number;
  readonly sentencesPerSecond: RateStats;
  /** Median tokens per second (special tokens included, as the matrices include them). */
  readonly tokensPerSecond: number;
  /** Distinct sentences in one pass; a timed repetition repeats the pass. */
  readonly sentences: number;
  readonly meanTokensPerSentence: number;
}

/** Evenly spaced picks so every domain and sentence length is represented. */
export function spreadSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}

async function tokenCount(model: HiddenStateModel, sentences: readonly string[]): Promise<number> {
  let tokens = 0;
  for (const result of await model.run(sentences, { batchSize: 32 })) {
    if (!result.ok) throw new Error(`bench sentence failed in ${model.info.dir}: ${result.reason}`);
    tokens += result.tokens.length;
  }
  return tokens;
}

/** model.run() end to end (tokenise, pad, infer, cut per-sentence hidden states); DTI math is not included. */
export async function benchModelThroughput(models: readonly BenchModel[], sentences: readonly string[], quick: boolean): Promise<ModelThroughput[]> {
  const results: ModelThroughput[] = [];
  for (const bench of models) {
    for (const intraOpThreads of MODEL_THREAD_COUNTS) {
      const model = await openModel(bench.dir, { intraOpThreads });
      try {
        const tokens = await tokenCount(model, sentences);
        for (const batchSize of MODEL_BATCH_SIZES) {
          const rate = await measureRate(
            async () => {
              await model.run(sentences, { batchSize });
              return sentences.length;
            },
            quick ? { warmupMs: 50, repetitions: 3, repetitionMs: 150 } : { warmupMs: 200, repetitions: 5, repetitionMs: 400 },
          );
          const meanTokensPerSentence = tokens / sentences.length;
          results.push({
            model: bench.name,
            pretrained: bench.pretrained,
            layers: model.info.layers,
            hiddenSize: model.info.hiddenSize,
            intraOpThreads,
            batchSize,
            sentencesPerSecond: rate,
            tokensPerSecond: rate.median * meanTokensPerSentence,
            sentences: sentences.length,
            meanTokensPerSentence,
          });
          benchLog(`model ${bench.name} threads=${intraOpThreads} batch=${batchSize}: ${rate.median.toFixed(1)} sentences/s (${rate.medianPerCpuSecond.toFixed(1)} per CPU-s)`);
        }
      } finally {
        await model.close();
      }
    }
  }
  return results;
}
