import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SentenceHiddenStates, SentenceResult } from '../src/model/modelTypes.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { exposeLayers } from '../src/onnx/exposeLayers.ts';
import { sharedAvailable, sharedModelsDir } from './sharedAssets.ts';

const hfExports = path.join(sharedModelsDir, 'hf-exports');
const tmp = mkdtempSync(path.join(tmpdir(), 'donald-model-shared-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ok(r: SentenceResult): SentenceHiddenStates {
  if (!r.ok) throw new Error(`expected hidden states, got failure: ${r.reason}`);
  return r;
}

describe.skipIf(!sharedAvailable('models'))('real exports from ../shared/models', () => {
  it('fp16 Llama (onnxruntime-genai, past inputs, external data) after expose-layers: float32 states, batch = alone', async () => {
    // ../shared is read-only, so the folder is copied and the rewrite written beside the copy.
    const dir = path.join(tmp, 'llama-fp16');
    cpSync(path.join(hfExports, 'ortgenai-tiny-random-llama-fp16'), dir, { recursive: true });
    await exposeLayers(path.join(dir, 'model.onnx'), path.join(dir, 'model.hidden_states.onnx'));
    const model = await openModel(dir);
    try {
      expect(model.info).toMatchObject({ onnxPath: path.join(dir, 'model.hidden_states.onnx'), modelType: 'llama', layers: 2, hiddenSize: 16, maxPositions: 2048, causal: true });
      const sentences = ['Hello world, this is a test.', 'Hi', 'Once upon a time there was a little girl named Lily.\nShe liked pizza.'];
      const batched = (await model.run(sentences)).map(ok);
      expect(batched[0].tokens).toEqual(['<s>', 'Hello', 'world', ',', 'this', 'is', 'a', 'test', '.']);
      expect(batched[2].tokens).toContain('\\n');
      for (const [i, r] of batched.entries()) {
        expect(r.hidden.data).toBeInstanceOf(Float32Array);
        expect(r.hidden).toMatchObject({ layers: 3, hidden: 16, includesEmbedding: true });
        expect(r.hidden.data.every(Number.isFinite)).toBe(true);
        expect(r.hidden.data.some((v) => v !== 0)).toBe(true);
        const alone = ok((await model.run([sentences[i]]))[0]);
        let worst = 0;
        for (let k = 0; k < r.hidden.data.length; k++) worst = Math.max(worst, Math.abs(r.hidden.data[k] - alone.hidden.data[k]));
        expect(worst).toBeLessThanOrEqual(1e-3);
      }
      const dropped = ok((await model.run(['Hi'], { dropSpecialTokens: true }))[0]);
      expect(dropped.tokens).toEqual(['Hi']);
    } finally {
      await model.close();
    }
  });

  it('distilbert without tokenizer.json and gpt2 without hidden-state outputs are refused with the fix', async () => {
    await expect(openModel(path.join(hfExports, 'optimum-tiny-distilbert'))).rejects.toThrowError(/no tokenizer\.json; save the fast tokenizer/);
    await expect(openModel(path.join(hfExports, 'ortgenai-tiny-random-gpt2-fp32'))).rejects.toThrowError(/past\.onnx: the graph outputs no hidden states .*donald expose-layers/);
  });

  it('gpt2 after expose-layers: its config and its GPT-2 tokenizer (50257 tokens + added spaces) disagree with the graph, and each is named', async () => {
    const dir = path.join(tmp, 'gpt2');
    cpSync(path.join(hfExports, 'ortgenai-tiny-random-gpt2-fp32'), dir, { recursive: true });
    await exposeLayers(path.join(dir, 'past.onnx'), path.join(dir, 'past.hidden_states.onnx'));
    // The shipped config merges genai's head size (8) into hidden_size; the graph's stream is 32 wide.
    await expect(openModel(dir)).rejects.toThrowError(
      `${dir}/past.hidden_states.onnx: output 'hidden_states.0' is float32 [batch_size, seq_len, 32], not a float [batch, tokens, 8] hidden state; check hidden_size in ${dir}/config.json`,
    );
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_layer: 5, n_embd: 32, n_positions: 512, vocab_size: 1000 }));
    await expect(openModel(dir)).rejects.toThrowError(`${dir}/tokenizer.json: produces token ids up to 50294 but ${dir}/config.json gives the model only 1000 embedding rows (vocab_size); use the tokenizer saved with this model`);
  });
});
