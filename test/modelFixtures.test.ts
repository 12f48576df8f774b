import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HiddenStates } from '../src/hidden/hiddenStates.ts';
import type { HiddenStateModel, SentenceHiddenStates } from '../src/model/modelTypes.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { repoRoot } from './sharedAssets.ts';
import { maxAbsDiff, ok } from './hiddenStateComparison.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'models');

/** Layers x the first `tokens` columns, to compare a prefix of one sentence with another. */
function firstColumns(h: HiddenStates, tokens: number): number[] {
  const out: number[] = [];
  for (let l = 0; l < h.layers; l++) out.push(...h.data.subarray(l * h.tokens * h.hidden, (l * h.tokens + tokens) * h.hidden));
  return out;
}

const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Hi.',
  'Information flows across the layers and the tokens of a transformer.',
  'A cat sat on the mat',
  'Unbelievably, nobody noticed the rearrangement of the furniture until much later that evening.',
];

async function expectBatchEqualsAlone(model: HiddenStateModel): Promise<SentenceHiddenStates[]> {
  const batched = (await model.run(SENTENCES, { batchSize: 3 })).map(ok);
  for (let i = 0; i < SENTENCES.length; i++) {
    const alone = ok((await model.run([SENTENCES[i]]))[0]);
    expect(batched[i].tokenIds).toEqual(alone.tokenIds);
    expect(maxAbsDiff(batched[i].hidden, alone.hidden)).toBeLessThanOrEqual(1e-4);
  }
  expect(new Set(batched.map((b) => b.hidden.tokens)).size).toBe(SENTENCES.length);
  return batched;
}

describe('tiny-bert fixture (encoder)', () => {
  let model: HiddenStateModel;
  beforeAll(async () => {
    model = await openModel(path.join(fixtures, 'tiny-bert'));
  });
  afterAll(async () => model.close());

  it('declares itself: 4 layers of 32, 128 positions, random weights, not causal', () => {
    expect(model.info).toMatchObject({ architecture: 'BertModel', modelType: 'bert', layers: 4, hiddenSize: 32, maxPositions: 128, causal: false, randomWeights: true });
  });

  it('a sentence in a padded batch has the hidden states it has alone (<= 1e-4), in input order', async () => {
    const batched = await expectBatchEqualsAlone(model);
    // The fixture's small vocabulary splits 'hi' into h ##i; the label drops the ##.
    expect(batched[1].tokens).toEqual(['[CLS]', 'h', 'i', '.', '[SEP]']);
    expect(batched[0].hidden).toMatchObject({ layers: 5, hidden: 32, includesEmbedding: true });
  });

  it('WordPiece labels lose ##, and dropSpecialTokens removes exactly the [CLS] and [SEP] columns', async () => {
    const sentence = 'Unbelievably, nobody noticed.';
    const kept = ok((await model.run([sentence]))[0]);
    const dropped = ok((await model.run([sentence], { dropSpecialTokens: true }))[0]);
    expect(kept.tokens[0]).toBe('[CLS]');
    expect(kept.tokens[kept.tokens.length - 1]).toBe('[SEP]');
    expect(kept.tokens.some((t) => t.startsWith('##'))).toBe(false);
    expect(dropped.tokens).toEqual(kept.tokens.slice(1, -1));
    expect(dropped.tokenIds).toEqual(kept.tokenIds.slice(1, -1));
    const H = 32;
    for (let l = 0; l < 5; l++) {
      for (let t = 0; t < dropped.hidden.tokens; t++) {
        const a = dropped.hidden.data.subarray((l * dropped.hidden.tokens + t) * H, (l * dropped.hidden.tokens + t + 1) * H);
        const b = kept.hidden.data.subarray((l * kept.hidden.tokens + t + 1) * H, (l * kept.hidden.tokens + t + 2) * H);
        expect(Array.from(a)).toEqual(Array.from(b));
      }
    }
  });

  it('a sentence over 128 tokens fails with a reason, and is cut to 128 with [SEP] kept under truncate', async () => {
    const long = Array.from({ length: 200 }, (_, i) => `w${i % 10}`).join(' ');
    const [short, tooLong] = await model.run(['short one', long]);
    expect(short.ok).toBe(true);
    expect(tooLong).toEqual({ ok: false, reason: expect.stringMatching(/^the sentence has \d+ tokens but the model takes at most 128; .*--truncate/) });
    const cut = ok((await model.run([long], { truncate: true }))[0]);
    expect(cut.truncated).toBe(true);
    expect(cut.hidden.tokens).toBe(128);
    expect(cut.tokens[127]).toBe('[SEP]');
  });
});

describe('tiny-gpt2 fixture (causal decoder)', () => {
  let model: HiddenStateModel;
  beforeAll(async () => {
    model = await openModel(path.join(fixtures, 'tiny-gpt2'));
  });
  afterAll(async () => model.close());

  it('a sentence in a padded batch has the hidden states it has alone (<= 1e-4), in input order', async () => {
    expect(model.info).toMatchObject({ modelType: 'gpt2', layers: 4, hiddenSize: 32, maxPositions: 128, causal: true, randomWeights: true });
    const batched = await expectBatchEqualsAlone(model);
    // Byte-level labels: no Ġ, words readable.
    expect(batched.flatMap((b) => b.tokens).some((t) => t.includes('Ġ'))).toBe(false);
    expect(batched[3].tokens).toEqual(['A', 'cat', 'sat', 'on', 'the', 'm', 'at']);
  });

  it('is causal: a prefix sentence has the same states as the start of the longer one', async () => {
    const [prefix, whole] = (await model.run(['A cat sat', 'A cat sat on the mat'])).map(ok);
    expect(whole.tokenIds.slice(0, prefix.tokenIds.length)).toEqual(prefix.tokenIds);
    const a = firstColumns(prefix.hidden, prefix.hidden.tokens);
    const b = firstColumns(whole.hidden, prefix.hidden.tokens);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  it('has no template tokens, so dropSpecialTokens keeps every column', async () => {
    const kept = ok((await model.run(['Hello there']))[0]);
    const dropped = ok((await model.run(['Hello there'], { dropSpecialTokens: true }))[0]);
    expect(dropped.tokens).toEqual(kept.tokens);
  });
});

describe('tiny-bert-last-hidden fixture', () => {
  it('is refused with the expose-layers fix', async () => {
    const dir = path.join(fixtures, 'tiny-bert-last-hidden');
    await expect(openModel(dir)).rejects.toThrowError(`${dir}/model.onnx: the graph outputs no hidden states (outputs: last_hidden_state); run \`donald expose-layers ${dir}\` to add one output per layer`);
  });
});
