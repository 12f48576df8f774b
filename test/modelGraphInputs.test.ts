import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFeeds, checkGraphInputs } from '../src/model/graphInputs.ts';
import { sessionOptions } from '../src/model/inferenceSession.ts';
import { lengthBatches } from '../src/model/lengthBatches.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import type { TensorSlot } from '../src/model/tensorSlot.ts';
import { UserError } from '../src/userError.ts';
import { writeTinyModelFolder } from './modelTestFolders.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'donald-model-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const slot = (name: string, type: string, shape: (number | string)[] = ['batch_size', 'sequence_length']): TensorSlot => ({ name, type, shape });

describe('graph inputs', () => {
  it('feeds right-padded ids, a 1/0 mask, zero token types and 0..T-1 positions in the declared types', () => {
    const check = checkGraphInputs([slot('input_ids', 'int64'), slot('attention_mask', 'int32'), slot('token_type_ids', 'int64'), slot('position_ids', 'int32')], 'm.onnx');
    if (!check.ok) throw new Error(check.problem);
    const feeds = buildFeeds(check.inputs, { rows: [[5, 6, 7], [8]], tokens: 3, padId: 0 });
    expect(feeds.input_ids.type).toBe('int64');
    expect(Array.from(feeds.input_ids.data as BigInt64Array, Number)).toEqual([5, 6, 7, 8, 0, 0]);
    expect(feeds.attention_mask.type).toBe('int32');
    expect(Array.from(feeds.attention_mask.data as Int32Array)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(feeds.token_type_ids.data as BigInt64Array, Number)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(feeds.position_ids.data as Int32Array)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(feeds.input_ids.dims).toEqual([2, 3]);
  });

  it('gives past key/value inputs an empty sequence axis and the batch size', () => {
    const check = checkGraphInputs(
      [slot('input_ids', 'int64'), slot('past_key_values.0.key', 'float16', ['batch_size', 1, 'past_sequence_length', 16]), slot('past_0', 'float32', [2, 'batch', 4, 'past_seq_len', 8])],
      'm.onnx',
    );
    if (!check.ok) throw new Error(check.problem);
    const feeds = buildFeeds(check.inputs, { rows: [[1], [2]], tokens: 1, padId: 0 });
    expect(feeds['past_key_values.0.key'].dims).toEqual([2, 1, 0, 16]);
    expect(feeds['past_key_values.0.key'].type).toBe('float16');
    expect(feeds.past_0.dims).toEqual([2, 2, 4, 0, 8]);
  });

  it('refuses inputs it cannot feed, naming the input and the file', () => {
    expect(checkGraphInputs([slot('input_ids', 'int64'), slot('pixel_values', 'float32')], 'm.onnx')).toEqual({
      ok: false,
      problem: "m.onnx: graph input 'pixel_values' is not one DONALD-D can feed (input_ids, attention_mask, token_type_ids, position_ids, past key/values); export the model for text input only",
    });
    expect(checkGraphInputs([slot('input_ids', 'float32')], 'm.onnx')).toEqual({ ok: false, problem: expect.stringMatching(/'input_ids' is float32/) });
    expect(checkGraphInputs([slot('attention_mask', 'int64')], 'm.onnx')).toEqual({ ok: false, problem: expect.stringMatching(/no input_ids input/) });
  });
});

describe('length batches', () => {
  it('groups similar lengths, keeps equal lengths in input order, and respects the batch size', () => {
    const lengths = [9, 3, 7, 3, 12, 5, 0];
    expect(lengthBatches(lengths, [0, 1, 2, 3, 4, 5], 2)).toEqual([[1, 3], [5, 2], [0, 4]]);
    expect(lengthBatches(lengths, [0, 4], 16)).toEqual([[0, 4]]);
  });
});

describe('session settings', () => {
  it('maps threads, optimisation level and provider onto onnxruntime options (cpu and all by default)', () => {
    expect(sessionOptions({})).toMatchObject({ executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    expect(sessionOptions({}).intraOpNumThreads).toBeUndefined();
    expect(sessionOptions({ intraOpThreads: 2, graphOptimizationLevel: 'basic', executionProvider: 'cuda' })).toMatchObject({
      executionProviders: ['cuda'],
      graphOptimizationLevel: 'basic',
      intraOpNumThreads: 2,
    });
    expect(() => sessionOptions({ intraOpThreads: -1 })).toThrowError(UserError);
    expect(() => sessionOptions({ intraOpThreads: 1.5 })).toThrowError(/intra-op threads 1.5: expected a whole number/);
  });

  it('a model opened with settings still runs (1 thread, no graph optimisation)', async () => {
    const dir = writeTinyModelFolder(path.join(tmp, 'settings'), { layers: 1, hidden: 4, causal: false, exposure: 'per-layer' });
    const model = await openModel(dir, { intraOpThreads: 1, graphOptimizationLevel: 'disabled', executionProvider: 'cpu' });
    expect((await model.run(['a dog']))[0].ok).toBe(true);
    await model.close();
  });

  // The npm package ships the CUDA provider only when installed for it; without it the request must fail clearly.
  const ortDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const cudaShipped = existsSync(path.join(ortDir, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));
  it.skipIf(cudaShipped)('asking for cuda without the CUDA provider is a UserError saying how to fix it', async () => {
    const dir = writeTinyModelFolder(path.join(tmp, 'cuda'), { layers: 1, hidden: 4, causal: false, exposure: 'per-layer' });
    await expect(openModel(dir, { executionProvider: 'cuda' })).rejects.toThrowError(
      /^execution provider cuda is not usable here \(.*\); install onnxruntime-node with CUDA support and the CUDA libraries, or use the cpu provider$/,
    );
  });
});
