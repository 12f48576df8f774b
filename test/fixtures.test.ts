import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureModels } from '../src/fixtures/fixtureModels.ts';
import { repoRoot } from './sharedAssets.ts';

const modelsDir = path.join(repoRoot, 'test/fixtures/models');
const FOLDERS = ['tiny-bert', 'tiny-bert-last-hidden', 'tiny-gpt2'];
const HIDDEN = 32;
const LAYERS = 4;
const SENTENCE = 'The children watched the river run under the old stone bridge.';
const OTHER_SENTENCE = 'Each layer of the network mixes information between the tokens of a sentence.';

/** The part of Tokenizer the tests use, typed here because the package's Encoding type does not resolve under NodeNext. */
interface FixtureTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[]; tokens: string[]; attention_mask: number[] };
  decode(ids: number[], options?: { clean_up_tokenization_spaces?: boolean }): string;
  token_to_id(token: string): number | undefined;
  get_vocab(): Map<string, number>;
}

function loadTokenizer(folder: string): FixtureTokenizer {
  const read = (file: string): object => JSON.parse(readFileSync(path.join(modelsDir, folder, file), 'utf8')) as object;
  return new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
}

interface Output {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** Runs right-padded rows through a session; returns every output by name. */
async function run(session: ort.InferenceSession, rows: readonly (readonly number[])[], padId: number): Promise<Map<string, Output>> {
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, b) => {
    for (let t = 0; t < width; t++) {
      ids[b * width + t] = BigInt(t < row.length ? row[t] : padId);
      mask[b * width + t] = t < row.length ? 1n : 0n;
    }
  });
  const dims = [rows.length, width];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
  const results = await session.run(feeds);
  const outputs = new Map<string, Output>();
  for (const name of session.outputNames) {
    const tensor = results[name];
    if (!(tensor.data instanceof Float32Array)) throw new TypeError(`${name} is ${tensor.type}, expected float32`);
    outputs.set(name, { dims: tensor.dims, data: tensor.data });
  }
  return outputs;
}

function output(outputs: ReadonlyMap<string, Output>, name: string): Output {
  const found = outputs.get(name);
  if (!found) throw new Error(`no output ${name}; have ${[...outputs.keys()].join(', ')}`);
  return found;
}

/** The hidden vector of token t in batch row b of a [B, T, H] output. */
function tokenVector(out: Output, b: number, t: number): Float32Array {
  const [, width, hidden] = out.dims;
  const start = (b * width + t) * hidden;
  return out.data.subarray(start, start + hidden);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function hiddenStateNames(): string[] {
  return Array.from({ length: LAYERS + 1 }, (_, i) => `hidden_states.${i}`);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('npm run fixtures', () => {
  let regenerated: string;
  beforeAll(() => {
    regenerated = mkdtempSync(path.join(os.tmpdir(), 'donald-fixtures-'));
    writeFixtureModels(regenerated);
  });
  afterAll(() => rmSync(regenerated, { recursive: true, force: true }));

  it.each(FOLDERS)('regenerates %s byte-identical to the committed files, under 2 MB', (folder) => {
    const committed = readdirSync(path.join(modelsDir, folder)).sort();
    expect(readdirSync(path.join(regenerated, folder)).sort()).toEqual(committed);
    expect(committed).toEqual(['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    for (const file of committed) {
      expect(sha256(path.join(regenerated, folder, file)), `${folder}/${file}`).toBe(sha256(path.join(modelsDir, folder, file)));
    }
    const total = committed.reduce((sum, file) => sum + statSync(path.join(modelsDir, folder, file)).size, 0);
    expect(total).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('marks every fixture config as random weights with the layer count and width the graphs have', () => {
    for (const folder of FOLDERS) {
      const config = JSON.parse(readFileSync(path.join(modelsDir, folder, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(config.donald).toMatchObject({ randomWeights: true });
      expect(config.num_hidden_layers ?? config.n_layer).toBe(LAYERS);
      expect(config.hidden_size ?? config.n_embd).toBe(HIDDEN);
    }
  });
});

describe('tiny-bert WordPiece tokenizer', () => {
  const tokenizer = loadTokenizer('tiny-bert');

  it('wraps text in [CLS] ... [SEP] and lowercases', () => {
    const { tokens, ids, attention_mask } = tokenizer.encode('The River');
    expect(tokens).toEqual(['[CLS]', 'the', 'river', '[SEP]']);
    expect(ids[0]).toBe(tokenizer.token_to_id('[CLS]'));
    expect(attention_mask).toEqual([1, 1, 1, 1]);
    expect(tokenizer.token_to_id('[PAD]')).toBe(0);
  });

  it('splits a rare word into ## continuation pieces and knows every English character', () => {
    const { tokens } = tokenizer.encode('Zymurgy, 1984: quixotic!');
    const rare = tokens.slice(1, tokens.indexOf(','));
    expect(rare.length).toBeGreaterThan(1);
    expect(rare[0].startsWith('##')).toBe(false);
    expect(rare.slice(1).every((t) => t.startsWith('##'))).toBe(true);
    expect(rare.map((t) => t.replace(/^##/, '')).join('')).toBe('zymurgy');
    expect(tokens).not.toContain('[UNK]');
  });
});

describe('tiny-gpt2 byte-level BPE tokenizer', () => {
  const tokenizer = loadTokenizer('tiny-gpt2');

  it('round-trips text exactly through decode, including bytes outside ASCII', () => {
    for (const text of [SENTENCE, '  Spaces,\ttabs\nand café 東京 ✓ 2024!']) {
      const { ids } = tokenizer.encode(text);
      expect(tokenizer.decode(ids, { clean_up_tokenization_spaces: false })).toBe(text);
    }
  });

  it('merges common words into single tokens with the Ġ space marker', () => {
    const { tokens } = tokenizer.encode(SENTENCE);
    expect(tokens).toContain('Ġthe');
    expect(tokens.length).toBeLessThan(SENTENCE.length / 2);
    expect(tokenizer.token_to_id('<|endoftext|>')).toBe(tokenizer.get_vocab().size - 1);
  });
});

describe.each([
  { folder: 'tiny-bert', causal: false },
  { folder: 'tiny-gpt2', causal: true },
])('$folder in onnxruntime', ({ folder, causal }) => {
  const tokenizer = loadTokenizer(folder);
  const padId = causal ? (tokenizer.token_to_id('<|endoftext|>') ?? -1) : 0;
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(path.join(modelsDir, folder, 'model.onnx'));
  });
  afterAll(async () => session.release());

  it('outputs last_hidden_state and 5 finite hidden states of shape [1, T, 32] that differ between layers', async () => {
    const ids = tokenizer.encode(SENTENCE).ids;
    const outputs = await run(session, [ids], padId);
    expect([...outputs.keys()].sort()).toEqual(['last_hidden_state', ...hiddenStateNames()].sort());
    for (const [name, out] of outputs) {
      expect(out.dims, name).toEqual([1, ids.length, HIDDEN]);
      expect(out.data.every(Number.isFinite), name).toBe(true);
    }
    const names = hiddenStateNames();
    for (let i = 1; i < names.length; i++) {
      expect(maxAbsDiff(output(outputs, names[i - 1]).data, output(outputs, names[i]).data), `${names[i - 1]} vs ${names[i]}`).toBeGreaterThan(0.5);
    }
    // Tokens are not all alike within a layer either.
    const last = output(outputs, names[LAYERS]);
    expect(maxAbsDiff(tokenVector(last, 0, 1), tokenVector(last, 0, 2))).toBeGreaterThan(0.5);
  });

  it(causal ? 'exposes the residual stream: hidden_states.4 is the input of ln_f, not last_hidden_state' : 'has hidden_states.4 equal to last_hidden_state', async () => {
    const outputs = await run(session, [tokenizer.encode(SENTENCE).ids], padId);
    const difference = maxAbsDiff(output(outputs, `hidden_states.${LAYERS}`).data, output(outputs, 'last_hidden_state').data);
    if (causal) expect(difference).toBeGreaterThan(0.1);
    else expect(difference).toBe(0);
  });

  it(causal ? 'is causal: earlier tokens ignore a change to later ones' : 'is bidirectional: earlier tokens see a change to later ones', async () => {
    const ids = tokenizer.encode(SENTENCE).ids;
    const changedAt = ids.length - 3;
    const replacement = tokenizer.encode('bread', { add_special_tokens: false }).ids[0];
    const altered = ids.map((id, t) => (t < changedAt ? id : replacement));
    expect(altered).not.toEqual(ids);
    const [before, after] = [await run(session, [ids], padId), await run(session, [altered], padId)];
    for (const name of hiddenStateNames().slice(1)) {
      let earlier = 0;
      for (let t = 0; t < changedAt; t++) earlier = Math.max(earlier, maxAbsDiff(tokenVector(output(before, name), 0, t), tokenVector(output(after, name), 0, t)));
      if (causal) expect(earlier, name).toBeLessThanOrEqual(1e-6);
      else expect(earlier, name).toBeGreaterThan(1e-3);
    }
  });

  it('gives a right-padded sentence in a batch of 2 the hidden states it has alone', async () => {
    const short = tokenizer.encode(SENTENCE).ids;
    const long = tokenizer.encode(`${OTHER_SENTENCE} ${SENTENCE}`).ids;
    expect(long.length).toBeGreaterThan(short.length);
    const [alone, batched] = [await run(session, [short], padId), await run(session, [long, short], padId)];
    for (const name of ['last_hidden_state', ...hiddenStateNames()]) {
      expect(output(batched, name).data.every(Number.isFinite), name).toBe(true);
      for (let t = 0; t < short.length; t++) {
        expect(maxAbsDiff(tokenVector(output(alone, name), 0, t), tokenVector(output(batched, name), 1, t)), `${name} token ${t}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});

describe('tiny-bert-last-hidden', () => {
  const bytes = readFileSync(path.join(modelsDir, 'tiny-bert-last-hidden', 'model.onnx'));
  const graph = onnxProto.onnx.ModelProto.decode(bytes).graph;

  it('outputs only last_hidden_state, equal to tiny-bert (same weights)', async () => {
    const ids = loadTokenizer('tiny-bert-last-hidden').encode(SENTENCE).ids;
    const [lastOnly, full] = await Promise.all(
      ['tiny-bert-last-hidden', 'tiny-bert'].map((f) => ort.InferenceSession.create(path.join(modelsDir, f, 'model.onnx'))),
    );
    try {
      expect(lastOnly.outputNames).toEqual(['last_hidden_state']);
      const [a, b] = [await run(lastOnly, [ids], 0), await run(full, [ids], 0)];
      expect(maxAbsDiff(output(a, 'last_hidden_state').data, output(b, 'last_hidden_state').data)).toBe(0);
    } finally {
      await Promise.all([lastOnly.release(), full.release()]);
    }
  });

  it('names nodes and weights as the Hugging Face exporter does', () => {
    const nodeNames = new Set((graph?.node ?? []).map((n) => n.name ?? ''));
    const weightNames = new Set((graph?.initializer ?? []).map((t) => t.name ?? ''));
    expect(nodeNames).toContain('/embeddings/LayerNorm/LayerNormalization');
    for (let l = 0; l < LAYERS; l++) {
      expect(nodeNames).toContain(`/encoder/layer.${l}/attention/self/query/MatMul`);
      expect(nodeNames).toContain(`/encoder/layer.${l}/attention/output/LayerNorm/LayerNormalization`);
      expect(nodeNames).toContain(`/encoder/layer.${l}/output/LayerNorm/LayerNormalization`);
      expect(weightNames).toContain(`encoder.layer.${l}.output.LayerNorm.weight`);
      expect(weightNames).toContain(`encoder.layer.${l}.attention.self.query.weight`);
    }
    expect(nodeNames).not.toContain(`/encoder/layer.${LAYERS}/output/LayerNorm/LayerNormalization`);
  });
});
