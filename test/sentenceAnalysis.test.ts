import { describe, expect, it } from 'vitest';
import { DEFAULT_DTI_PARAMS } from '../src/math/dtiTypes.ts';
import type { HiddenStateModel, ModelRunOptions, SentenceResult } from '../src/model/modelTypes.ts';
import { analyseSentences } from '../src/pipeline/sentenceAnalysis.ts';

/** A model stand-in returning given hidden states, to drive the stage with values a real graph rarely gives. */
function modelReturning(data: (text: string) => Float64Array): HiddenStateModel {
  return {
    info: { dir: '/m', onnxPath: '/m/model.onnx', architecture: 'Test', modelType: 'test', layers: 2, hiddenSize: 2, maxPositions: null, causal: false, randomWeights: true },
    async run(sentences: readonly string[], _options?: ModelRunOptions): Promise<SentenceResult[]> {
      return sentences.map((text) => ({
        ok: true,
        tokens: ['a', 'b', 'c'],
        tokenIds: [1, 2, 3],
        truncated: false,
        hidden: { layers: 3, tokens: 3, hidden: 2, includesEmbedding: true, data: data(text) },
      }));
    },
    async close(): Promise<void> {},
  };
}

const settings = { dti: DEFAULT_DTI_PARAMS, includeEmbeddings: false, fields: false, modelOptions: {} };
const sentence = (id: string) => ({ id, domain: 'd', text: id, source: 'c.txt', line: 1 });

describe('analyseSentences', () => {
  it('fails a sentence whose hidden states hold NaN, naming where, and keeps its batch-mates', async () => {
    const model = modelReturning((text) => {
      const data = Float64Array.from({ length: 18 }, (_, i) => Math.sin(i + 1));
      if (text === 'bad') data[13] = Number.NaN; // array 2, token 0
      return data;
    });
    const [good, bad] = await analyseSentences(model, [sentence('good'), sentence('bad')], settings);
    expect(good.kind).toBe('processed');
    expect(bad).toMatchObject({ kind: 'failed', id: 'bad' });
    expect(bad.kind === 'failed' && bad.reason).toContain('NaN (array 2, token 0)');
  });

  it('aligns block influence with the layers: block l against its input, embedding dropped', async () => {
    const model = modelReturning(() => Float64Array.from({ length: 18 }, (_, i) => Math.cos(i)));
    const [out] = await analyseSentences(model, [sentence('s')], settings);
    expect(out.kind).toBe('processed');
    if (out.kind !== 'processed') return;
    expect(out.firstLayer).toBe(1);
    expect(out.utilisation).toHaveLength(2);
    expect(out.blockInfluence).toHaveLength(2);
    for (const v of [...out.blockInfluence, ...out.angularDistance]) expect(Number.isFinite(v)).toBe(true);
  });
});
