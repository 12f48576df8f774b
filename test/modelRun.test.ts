import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HiddenStates } from '../src/hidden/hiddenStates.ts';
import type { HiddenStateModel } from '../src/model/modelTypes.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { UserError } from '../src/userError.ts';
import { writeTinyModelFolder, type TinyFolderOptions } from './modelTestFolders.ts';
import { maxAbsDiff, ok } from './hiddenStateComparison.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'donald-model-run-'));
const opened: HiddenStateModel[] = [];
afterAll(async () => {
  for (const m of opened) await m.close();
  rmSync(tmp, { recursive: true, force: true });
});

let folders = 0;
async function tinyModel(options: TinyFolderOptions): Promise<HiddenStateModel> {
  const model = await openModel(writeTinyModelFolder(path.join(tmp, `m${folders++}`), options));
  opened.push(model);
  return model;
}

/** Column `t` of every layer, to compare token columns across matrices. */
function column(h: HiddenStates, t: number): number[] {
  const out: number[] = [];
  for (let l = 0; l < h.layers; l++) out.push(...h.data.subarray((l * h.tokens + t) * h.hidden, (l * h.tokens + t + 1) * h.hidden));
  return out;
}

// Lengths 3..10 tokens, deliberately out of length order so sorting and restoring is exercised.
const SENTENCES = ['The cats sat on the red mat.', 'a dog', 'the dog ran far , the cat sat', 'hat', 'a red hat on a dog', 'cats'];

async function expectBatchEqualsAlone(model: HiddenStateModel, tolerance: number): Promise<void> {
  const batched = (await model.run(SENTENCES, { batchSize: 4 })).map(ok);
  for (let i = 0; i < SENTENCES.length; i++) {
    const alone = ok((await model.run([SENTENCES[i]]))[0]);
    expect(batched[i].tokens).toEqual(alone.tokens);
    expect(maxAbsDiff(batched[i].hidden, alone.hidden)).toBeLessThanOrEqual(tolerance);
  }
  // Padding happened: the batch mixes lengths, and no sentence's states depend on its neighbours.
  expect(new Set(batched.map((b) => b.hidden.tokens)).size).toBeGreaterThan(2);
}

describe('hidden states from a built encoder graph', () => {
  it('a sentence in a padded batch has the hidden states it has alone, in input order', async () => {
    const model = await tinyModel({ layers: 2, hidden: 4, causal: false, exposure: 'per-layer', tokenTypeIds: true });
    expect(model.info).toMatchObject({ layers: 2, hiddenSize: 4, causal: false, randomWeights: true, maxPositions: 64 });
    await expectBatchEqualsAlone(model, 1e-4);
    const [first] = await model.run(SENTENCES.slice(0, 1));
    expect(ok(first).tokens).toEqual(['[CLS]', 'the', 'cat', 's', 'sat', 'on', 'the', 'red', 'mat', '.', '[SEP]']);
    expect(ok(first).hidden).toMatchObject({ layers: 3, tokens: 11, hidden: 4, includesEmbedding: true });
  });

  it('the context really depends on the whole sentence (so the batch test can fail)', async () => {
    const model = await tinyModel({ layers: 2, hidden: 4, causal: false, exposure: 'per-layer' });
    const [short, long] = (await model.run(['a dog', 'a dog ran'])).map(ok);
    // Layer 0 (embeddings) of 'a' agrees; layer 1 differs because the encoder sees 'ran'.
    expect(column(short.hidden, 1).slice(0, 4)).toEqual(column(long.hidden, 1).slice(0, 4));
    expect(column(short.hidden, 1).slice(4, 8)).not.toEqual(column(long.hidden, 1).slice(4, 8));
  });

  it('dropSpecialTokens removes exactly the [CLS] and [SEP] columns', async () => {
    const model = await tinyModel({ layers: 2, hidden: 4, causal: false, exposure: 'per-layer' });
    const kept = ok((await model.run(['the red hat']))[0]);
    const dropped = ok((await model.run(['the red hat'], { dropSpecialTokens: true }))[0]);
    expect(kept.tokens).toEqual(['[CLS]', 'the', 'red', 'hat', '[SEP]']);
    expect(dropped.tokens).toEqual(['the', 'red', 'hat']);
    expect(dropped.tokenIds).toEqual([4, 13, 14]);
    expect(dropped.hidden.tokens).toBe(3);
    for (let t = 0; t < 3; t++) expect(column(dropped.hidden, t)).toEqual(column(kept.hidden, t + 1));
  });

  it('an over-long sentence fails with a reason by default and is cut and marked with truncate', async () => {
    const model = await tinyModel({ layers: 2, hidden: 4, causal: false, exposure: 'per-layer', maxPositions: 6 });
    const [short, long] = await model.run(['a dog', 'the cat sat on the mat']);
    expect(ok(short).truncated).toBe(false);
    expect(long).toEqual({ ok: false, reason: 'the sentence has 8 tokens but the model takes at most 6; shorten it, or cut it with --truncate (modelOptions.truncate in a study)' });
    const cut = ok((await model.run(['the cat sat on the mat'], { truncate: true }))[0]);
    expect(cut.truncated).toBe(true);
    expect(cut.tokens).toEqual(['[CLS]', 'the', 'cat', 'sat', 'on', '[SEP]']);
    expect(cut.hidden.tokens).toBe(6);
  });

  it('one sentence that breaks inference fails alone; the rest of its batch still gets hidden states', async () => {
    // The graph's position table has 64 rows but the config allows 200, so 70 tokens break the Gather.
    const model = await tinyModel({ layers: 1, hidden: 4, causal: false, exposure: 'per-layer', positionIds: true, maxPositions: 200 });
    const long = Array.from({ length: 68 }, () => 'cat').join(' ');
    const sentences = ['a dog', long, 'the red hat', '', 'hat'];
    const results = await model.run(sentences, { batchSize: 8 });
    expect(results.map((r) => r.ok)).toEqual([true, false, true, false, true]);
    expect(results[1]).toEqual({ ok: false, reason: expect.stringMatching(/^inference failed: .*/) });
    expect(results[3]).toEqual({ ok: false, reason: expect.stringMatching(/no tokens after tokenisation/) });
    for (const i of [0, 2, 4]) {
      const alone = ok((await model.run([sentences[i]]))[0]);
      expect(maxAbsDiff(ok(results[i]).hidden, alone.hidden)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('rejects a batch size that is not a positive whole number', async () => {
    const model = await tinyModel({ layers: 1, hidden: 4, causal: false, exposure: 'per-layer' });
    await expect(model.run(['a'], { batchSize: 0 })).rejects.toThrowError(UserError);
  });
});

describe('hidden states from a built causal graph', () => {
  it('batch equals alone with int32 ids, position_ids and a stacked [batch, layers, T, H] output', async () => {
    const model = await tinyModel({ layers: 3, hidden: 6, causal: true, exposure: 'stacked-batch-first', positionIds: true, idType: 'int32' });
    expect(model.info.causal).toBe(true);
    await expectBatchEqualsAlone(model, 1e-4);
    const r = ok((await model.run(['a dog']))[0]);
    expect(r.tokens).toEqual(['a', 'dog']);
    expect(r.hidden).toMatchObject({ layers: 4, tokens: 2, hidden: 6 });
  });

  it('stacked layers-first and per-layer exports of the same network give the same states', async () => {
    const base = { layers: 2, hidden: 4, causal: true } as const;
    const perLayer = await tinyModel({ ...base, exposure: 'per-layer' });
    const stacked = await tinyModel({ ...base, exposure: 'stacked-layers-first' });
    const a = (await perLayer.run(SENTENCES, { batchSize: 3 })).map(ok);
    const b = (await stacked.run(SENTENCES, { batchSize: 3 })).map(ok);
    for (let i = 0; i < a.length; i++) expect(maxAbsDiff(a[i].hidden, b[i].hidden)).toBe(0);
  });

  it('float16 outputs arrive as float32 hidden states close to the float32 export', async () => {
    const base = { layers: 2, hidden: 4, causal: true, exposure: 'per-layer' } as const;
    const f32 = await tinyModel(base);
    const f16 = await tinyModel({ ...base, outputType: 'float16' });
    const a = (await f32.run(SENTENCES)).map(ok);
    const b = (await f16.run(SENTENCES)).map(ok);
    for (let i = 0; i < a.length; i++) {
      expect(b[i].hidden.data).toBeInstanceOf(Float32Array);
      // Values are within [-3, 3]; half precision keeps about 3 decimal digits there.
      expect(maxAbsDiff(a[i].hidden, b[i].hidden)).toBeLessThan(2e-3);
      expect(maxAbsDiff(a[i].hidden, b[i].hidden)).toBeGreaterThan(0);
    }
  });
});
