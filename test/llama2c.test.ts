import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLlama2cCheckpoint } from '../src/import/llama2c/checkpoint.ts';
import { importLlama2c } from '../src/import/llama2c/importLlama2c.ts';
import { readLlama2cTokenizer, type Llama2cTokenizer } from '../src/import/llama2c/tokenizerBin.ts';
import { repoRoot, sharedAvailable, sharedModelsDir } from './sharedAssets.ts';

const storiesDir = path.join(sharedModelsDir, 'stories260K');
const checkpointPath = path.join(storiesDir, 'stories260K.bin');
const tokenizerPath = path.join(storiesDir, 'tok512.bin');

interface GreedyOracle {
  prompt_ids: number[];
  steps: number;
  ids: number[];
  text: string;
}

type Feeds = Record<string, ort.Tensor>;

function int64Feed(rows: readonly (readonly number[])[]): ort.Tensor {
  const width = rows[0].length;
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, width]);
}

function feedsFor(rows: readonly (readonly number[])[], masks?: readonly (readonly number[])[]): Feeds {
  return { input_ids: int64Feed(rows), attention_mask: int64Feed(masks ?? rows.map((r) => r.map(() => 1))) };
}

function floats(t: ort.Tensor): Float32Array {
  return t.data as Float32Array;
}

/** llama2.c's encoder (run.c `encode`), used as the reference for the converted tokenizer. */
function llama2cEncode(tok: Llama2cTokenizer, text: string): number[] {
  const lookup = new Map(tok.pieces.map((p, i) => [p.text, i] as [string, number]));
  const ids: number[] = text.length > 0 ? [lookup.get(' ') as number] : [];
  for (const ch of text) {
    const id = lookup.get(ch);
    if (id !== undefined) ids.push(id);
    else for (const byte of new TextEncoder().encode(ch)) ids.push(byte + 3);
  }
  for (;;) {
    let best = -1e10;
    let bestIdx = -1;
    let bestId = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const id = lookup.get(tok.pieces[ids[i]].text + tok.pieces[ids[i + 1]].text);
      if (id !== undefined && tok.pieces[id].score > best) {
        best = tok.pieces[id].score;
        bestIdx = i;
        bestId = id;
      }
    }
    if (bestIdx < 0) return ids;
    ids.splice(bestIdx, 2, bestId);
  }
}

describe.skipIf(!sharedAvailable('models'))('llama2c import of stories260K', () => {
  let outDir = '';
  let session: ort.InferenceSession;
  let tokenizer: Tokenizer;
  const oracle = JSON.parse(readFileSync(path.join(storiesDir, 'greedy-80.json'), 'utf8')) as GreedyOracle;

  beforeAll(async () => {
    outDir = path.join(mkdtempSync(path.join(tmpdir(), 'donald-llama2c-')), 'stories260K');
    importLlama2c({ checkpointPath, tokenizerPath, outDir });
    session = await ort.InferenceSession.create(path.join(outDir, 'model.onnx'));
    tokenizer = new Tokenizer(
      JSON.parse(readFileSync(path.join(outDir, 'tokenizer.json'), 'utf8')) as object,
      JSON.parse(readFileSync(path.join(outDir, 'tokenizer_config.json'), 'utf8')) as object,
    );
  });

  afterAll(async () => {
    await session?.release();
    if (outDir) rmSync(path.dirname(outDir), { recursive: true, force: true });
  });

  it('writes config.json describing the model and its provenance', () => {
    const config = JSON.parse(readFileSync(path.join(outDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      num_hidden_layers: 5,
      hidden_size: 64,
      intermediate_size: 172,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      vocab_size: 512,
      max_position_embeddings: 512,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
      donald: { source: 'llama2c', checkpoint: 'stories260K.bin', randomWeights: false },
    });
    const tokConfig = JSON.parse(readFileSync(path.join(outDir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(tokConfig).toMatchObject({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', add_bos_token: true, model_max_length: 512 });
  });

  it('greedy decoding from BOS reproduces llama2.c\'s 80 published tokens', async () => {
    const ids = [...oracle.prompt_ids];
    while (ids.length < oracle.ids.length) {
      const out = await session.run(feedsFor([ids]));
      const logits = floats(out.logits);
      const vocab = 512;
      const last = logits.subarray((ids.length - 1) * vocab, ids.length * vocab);
      let best = 0;
      for (let i = 1; i < vocab; i++) if (last[i] > last[best]) best = i;
      ids.push(best);
    }
    expect(ids).toEqual(oracle.ids);
  });

  it('the converted tokenizer encodes the oracle text to the oracle ids and decodes them back', () => {
    expect(tokenizer.encode(oracle.text).ids).toEqual(oracle.ids);
    expect(tokenizer.encode(oracle.text, { add_special_tokens: false }).ids).toEqual(oracle.ids.slice(1));
    expect(tokenizer.decode(oracle.ids, { skip_special_tokens: true })).toBe(oracle.text);
    expect(tokenizer.decode(oracle.ids.slice(1))).toBe(oracle.text);
  });

  it('matches llama2.c\'s encoder on text with byte fallback, digits and punctuation', () => {
    const tok = readLlama2cTokenizer(tokenizerPath);
    for (const text of ['Hello  world!\tTabs, “quotes” and ümlauts: 42 €5 日本', 'a', ' leading space', 'The end.\n\nNew paragraph']) {
      expect(tokenizer.encode(text, { add_special_tokens: false }).ids, text).toEqual(llama2cEncode(tok, text));
      expect(tokenizer.decode(tokenizer.encode(text).ids, { skip_special_tokens: true })).toBe(text);
    }
  });

  it('exposes the embedding and every block output as [1, T, 64], the embedding being the table rows', async () => {
    const ids = oracle.ids.slice(0, 12);
    const out = await session.run(feedsFor([ids]));
    const hiddenNames = session.outputNames.filter((n) => n.startsWith('hidden_states.'));
    expect(hiddenNames).toEqual(['hidden_states.0', 'hidden_states.1', 'hidden_states.2', 'hidden_states.3', 'hidden_states.4', 'hidden_states.5']);
    for (const name of hiddenNames) expect(out[name].dims).toEqual([1, ids.length, 64]);
    expect(out.logits.dims).toEqual([1, ids.length, 512]);

    const table = readLlama2cCheckpoint(checkpointPath).weights.tokenEmbedding;
    const embedded = floats(out['hidden_states.0']);
    ids.forEach((id, t) => {
      expect(Array.from(embedded.subarray(t * 64, (t + 1) * 64))).toEqual(Array.from(table.subarray(id * 64, (id + 1) * 64)));
    });
    // Blocks change the residual stream: consecutive outputs differ.
    expect(Array.from(floats(out['hidden_states.5']))).not.toEqual(Array.from(floats(out['hidden_states.4'])));
  });

  it('gives a right-padded sentence in a batch the same hidden states as alone', async () => {
    const long = tokenizer.encode('Once upon a time, there was a big dog.').ids;
    const short = tokenizer.encode('Lily saw a cat.').ids;
    expect(short.length).toBeLessThan(long.length);
    const padded = [...short, ...Array<number>(long.length - short.length).fill(0)];
    const mask = [...short.map(() => 1), ...Array<number>(long.length - short.length).fill(0)];
    const batch = await session.run(feedsFor([long, padded], [long.map(() => 1), mask]));
    const alone = await session.run(feedsFor([short]));
    const aloneLong = await session.run(feedsFor([long]));
    for (const name of [...session.outputNames]) {
      const width = batch[name].dims[2];
      const rowSize = long.length * width;
      const shortRow = floats(batch[name]).subarray(rowSize, rowSize + short.length * width);
      const reference = floats(alone[name]);
      let worst = 0;
      for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(shortRow[i] - reference[i]));
      expect(worst, name).toBeLessThanOrEqual(1e-4);
      const longRow = floats(batch[name]).subarray(0, rowSize);
      const longRef = floats(aloneLong[name]);
      let worstLong = 0;
      for (let i = 0; i < longRef.length; i++) worstLong = Math.max(worstLong, Math.abs(longRow[i] - longRef[i]));
      expect(worstLong, name).toBeLessThanOrEqual(1e-4);
      // Padded query rows must stay finite: they are dropped later, but NaN would poison reductions.
      expect(Array.from(floats(batch[name])).every(Number.isFinite), name).toBe(true);
    }
  });
});

/** Writes a tiny llama2.c tokenizer.bin: specials, 256 byte tokens, then the given pieces. */
function writeTokenizerBin(file: string, extraPieces: readonly string[]): number {
  const texts = ['<unk>', '\n<s>\n', '\n</s>\n', ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`), ...extraPieces];
  const chunks: Buffer[] = [Buffer.from(Int32Array.of(8).buffer)];
  texts.forEach((text, i) => {
    const bytes = Buffer.from(text, 'utf8');
    const head = Buffer.alloc(8);
    head.writeFloatLE(i < 259 ? 0 : -(i - 259), 0);
    head.writeInt32LE(bytes.length, 4);
    chunks.push(head, bytes);
  });
  writeFileSync(file, Buffer.concat(chunks));
  return texts.length;
}

/** A random-weight llama2.c checkpoint; negative vocab in the header means a separate classifier. */
function writeCheckpoint(file: string, header: readonly number[], floatCount: number, seed = 7): void {
  let state = seed;
  const weights = new Float32Array(floatCount);
  for (let i = 0; i < floatCount; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    weights[i] = (state / 2147483648 - 0.5) * 0.2;
  }
  writeFileSync(file, Buffer.concat([Buffer.from(Int32Array.from(header).buffer), Buffer.from(weights.buffer)]));
}

/** Float count after the header for dim, hidden, layers, heads, kvHeads, vocab, seqLen. */
function floatsFor(dim: number, hidden: number, layers: number, heads: number, kvHeads: number, vocab: number, seqLen: number, shared: boolean): number {
  const hs = dim / heads;
  const kv = kvHeads * hs;
  return vocab * dim + layers * (dim + dim * dim + 2 * dim * kv + dim * dim + dim + 3 * dim * hidden) + dim + seqLen * hs + (shared ? 0 : vocab * dim);
}

describe('llama2c import of synthetic checkpoints', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'donald-llama2c-synthetic-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runCli = (...args: string[]): { status: number | null; stderr: string; stdout: string } => {
    const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/donald.js'), 'import', 'llama2c', ...args], { encoding: 'utf8' });
    return { status: result.status, stderr: result.stderr, stdout: result.stdout };
  };

  it('imports and runs a separate-classifier checkpoint (negative vocab_size)', async () => {
    const tokPath = path.join(dir, 'tok.bin');
    const vocab = writeTokenizerBin(tokPath, [' ', 'a', 'b', ' a', 'ab']);
    const [dim, hidden, layers, heads, kvHeads, seqLen] = [16, 24, 2, 4, 2, 32];
    const ckptPath = path.join(dir, 'separate.bin');
    writeCheckpoint(ckptPath, [dim, hidden, layers, heads, kvHeads, -vocab, seqLen], floatsFor(dim, hidden, layers, heads, kvHeads, vocab, seqLen, false));
    const outDir = path.join(dir, 'separate-model');
    const cli = runCli(ckptPath, tokPath, '--out', outDir);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const config = JSON.parse(readFileSync(path.join(outDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.tie_word_embeddings).toBe(false);
    const session = await ort.InferenceSession.create(path.join(outDir, 'model.onnx'));
    try {
      const out = await session.run(feedsFor([[1, 263, 261, 262], [1, 260, 0, 0]], [[1, 1, 1, 1], [1, 1, 0, 0]]));
      expect(out.logits.dims).toEqual([2, 4, vocab]);
      expect(out['hidden_states.2'].dims).toEqual([2, 4, dim]);
      expect(Array.from(floats(out.logits)).every(Number.isFinite)).toBe(true);

      // logits = rmsnorm(last hidden state) @ wcls^T, with wcls read from after freq_cis.
      const { weights } = readLlama2cCheckpoint(ckptPath);
      const wcls = weights.wcls as Float32Array;
      const last = floats(out[`hidden_states.${layers}`]);
      const logits = floats(out.logits);
      let worst = 0;
      for (let row = 0; row < 8; row++) {
        const h = last.subarray(row * dim, (row + 1) * dim);
        const inverseRms = 1 / Math.sqrt(h.reduce((sum, v) => sum + v * v, 0) / dim + 1e-5);
        for (let v = 0; v < vocab; v++) {
          let dot = 0;
          for (let i = 0; i < dim; i++) dot += h[i] * inverseRms * weights.rmsFinal[i] * wcls[v * dim + i];
          worst = Math.max(worst, Math.abs(dot - logits[row * vocab + v]));
        }
      }
      expect(worst).toBeLessThan(1e-5);
      // Same random stream with a shared classifier: identical hidden states, different logits,
      // so the separate weights after freq_cis were read and used.
      const sharedPath = path.join(dir, 'shared.bin');
      writeCheckpoint(sharedPath, [dim, hidden, layers, heads, kvHeads, vocab, seqLen], floatsFor(dim, hidden, layers, heads, kvHeads, vocab, seqLen, true));
      const sharedDir = path.join(dir, 'shared-model');
      expect(runCli(sharedPath, tokPath, '--out', sharedDir).status).toBe(0);
      const sharedSession = await ort.InferenceSession.create(path.join(sharedDir, 'model.onnx'));
      const sharedOut = await sharedSession.run(feedsFor([[1, 263, 261, 262], [1, 260, 0, 0]], [[1, 1, 1, 1], [1, 1, 0, 0]]));
      await sharedSession.release();
      expect(Array.from(floats(sharedOut['hidden_states.2']))).toEqual(Array.from(floats(out['hidden_states.2'])));
      expect(Array.from(floats(sharedOut.logits))).not.toEqual(Array.from(floats(out.logits)));
    } finally {
      await session.release();
    }
  });

  it('imports multi-head attention without grouping (n_kv_heads = n_heads) and keeps left-padded rows finite', async () => {
    const tokPath = path.join(dir, 'tok-mha.bin');
    const vocab = writeTokenizerBin(tokPath, [' ', 'a']);
    const [dim, hidden, layers, heads, seqLen] = [8, 12, 1, 2, 16];
    const ckptPath = path.join(dir, 'mha.bin');
    writeCheckpoint(ckptPath, [dim, hidden, layers, heads, heads, vocab, seqLen], floatsFor(dim, hidden, layers, heads, heads, vocab, seqLen, true));
    const outDir = path.join(dir, 'mha-model');
    importLlama2c({ checkpointPath: ckptPath, tokenizerPath: tokPath, outDir });
    const session = await ort.InferenceSession.create(path.join(outDir, 'model.onnx'));
    try {
      // Left padding is unsupported for equality (positions shift) but must not produce NaN.
      const out = await session.run(feedsFor([[0, 0, 1, 260]], [[0, 0, 1, 1]]));
      expect(out['hidden_states.1'].dims).toEqual([1, 4, dim]);
      for (const name of session.outputNames) expect(Array.from(floats(out[name])).every(Number.isFinite), name).toBe(true);
    } finally {
      await session.release();
    }
  });

  it('rejects a truncated checkpoint with one line naming the file and the byte counts (exit 2)', () => {
    const tokPath = path.join(dir, 'tok-trunc.bin');
    const vocab = writeTokenizerBin(tokPath, []);
    const ckptPath = path.join(dir, 'truncated.bin');
    const full = floatsFor(8, 12, 1, 2, 2, vocab, 4, true);
    writeCheckpoint(ckptPath, [8, 12, 1, 2, 2, vocab, 4], full - 10);
    const cli = runCli(ckptPath, tokPath, '--out', path.join(dir, 'never-written'));
    expect(cli.status).toBe(2);
    const lines = cli.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('truncated.bin');
    expect(lines[0]).toContain(`${28 + full * 4} bytes`);
    expect(lines[0]).toContain(`${28 + (full - 10) * 4}`);
    expect(lines[0]).toMatch(/truncated/);
  });

  it('rejects a bad header and a too-short file with one line each (exit 2)', () => {
    const tokPath = path.join(dir, 'tok-bad.bin');
    const vocab = writeTokenizerBin(tokPath, []);
    const badHeader = path.join(dir, 'bad-header.bin');
    writeCheckpoint(badHeader, [10, 12, 1, 3, 3, vocab, 4], 100); // dim 10 is not a multiple of 3 heads
    const cli = runCli(badHeader, tokPath, '--out', path.join(dir, 'never-written'));
    expect(cli.status).toBe(2);
    expect(cli.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/bad-header\.bin: .*n_heads/);

    const tiny = path.join(dir, 'tiny.bin');
    writeFileSync(tiny, Buffer.from([1, 2, 3]));
    const short = runCli(tiny, tokPath, '--out', path.join(dir, 'never-written'));
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/^donald: tiny\.bin: .*needs 28 bytes but the file has 3;[^\n]*\n$/);
    expect(existsSync(path.join(dir, 'never-written'))).toBe(false);
  });

  it('rejects a tokenizer whose size does not match the checkpoint vocabulary', () => {
    const tokPath = path.join(dir, 'tok-mismatch.bin');
    const vocab = writeTokenizerBin(tokPath, ['a']);
    const ckptPath = path.join(dir, 'mismatch.bin');
    writeCheckpoint(ckptPath, [8, 12, 1, 2, 2, vocab + 1, 4], floatsFor(8, 12, 1, 2, 2, vocab + 1, 4, true));
    const cli = runCli(ckptPath, tokPath, '--out', path.join(dir, 'never-written'));
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain(`tok-mismatch.bin: holds ${vocab} tokens but mismatch.bin has vocab_size ${vocab + 1}`);
  });
});
