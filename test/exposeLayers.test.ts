import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposeLayers, readHiddenStateSidecar, type ExposedLayers } from '../src/onnx/exposeLayers.ts';
import { GraphBuilder, type ModelProto } from '../src/onnx/graphBuilder.ts';
import { loadModelProto, saveModelProto } from '../src/onnx/onnxModelFile.ts';
import { locateOnnxModel, resolveExposedModelPath } from '../src/onnx/onnxModelLocation.ts';
import { UserError } from '../src/userError.ts';
import { repoRoot, sharedAvailable, sharedModelsDir } from './sharedAssets.ts';

const { onnx } = onnxProto;
const hfExports = path.join(sharedModelsDir, 'hf-exports');
const TOKEN_IDS = [5, 17, 42, 99, 7];
const T = TOKEN_IDS.length;

let tmp = '';
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'donald-expose-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

// ---- running models -------------------------------------------------------------------------

/** Feeds for batch 1 and T new tokens with an empty KV cache, built from the session's input metadata. */
function feedsFor(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const meta = session.inputMetadata.filter((m): m is ort.InferenceSession.TensorValueMetadata => m.isTensor);
  const ids = meta.find((m) => m.name === 'input_ids');
  if (!ids) throw new Error('no input_ids');
  const batchDim = ids.shape[0];
  const feeds: Record<string, ort.Tensor> = {};
  for (const m of meta) {
    const dims = m.shape.map((d) => (typeof d === 'number' ? d : d === batchDim ? 1 : /past/.test(d) ? 0 : T));
    const size = dims.reduce((a, b) => a * b, 1);
    const values = (i: number): number => (m.name === 'input_ids' ? TOKEN_IDS[i] : m.name === 'position_ids' ? i : m.name === 'attention_mask' ? 1 : 0);
    const filled = Array.from({ length: size }, (_, i) => values(i));
    if (m.type === 'int64') feeds[m.name] = new ort.Tensor('int64', BigInt64Array.from(filled.map(BigInt)), dims);
    else if (m.type === 'int32') feeds[m.name] = new ort.Tensor('int32', Int32Array.from(filled), dims);
    else if (m.type === 'float32') feeds[m.name] = new ort.Tensor('float32', new Float32Array(size), dims);
    else if (m.type === 'float16') feeds[m.name] = new ort.Tensor('float16', new Uint16Array(size), dims);
    else throw new Error(`unexpected input type ${m.type} for ${m.name}`);
  }
  return feeds;
}

async function run(modelPath: string): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    return await session.run(feedsFor(session));
  } finally {
    await session.release();
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function floats(t: ort.Tensor): Float64Array {
  if (t.type === 'float32') return Float64Array.from(t.data as Float32Array);
  if (t.type === 'float16') return Float64Array.from(t.data as Uint16Array, halfToFloat);
  throw new Error(`not a float tensor: ${t.type}`);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i += 1) m = Math.max(m, Math.abs(a[i]));
  return m;
}

// ---- reading the original graphs --------------------------------------------------------------

type GraphProto = onnxProto.onnx.GraphProto;
type NodeProto = onnxProto.onnx.NodeProto;
type TensorProto = onnxProto.onnx.TensorProto;

/** Decoded messages are class instances whose repeated fields are always present. */
function graphOf(model: ModelProto): GraphProto {
  return model.graph as GraphProto;
}

/** An initializer's values as float64, read inline or from its external data file. */
function initializer(model: ModelProto, modelPath: string, name: string): { dims: number[]; values: Float64Array } {
  const t = graphOf(model).initializer.find((x) => x.name === name) as TensorProto | undefined;
  if (!t) throw new Error(`no initializer ${name}`);
  const dims = t.dims.map(Number);
  let raw: Uint8Array = t.rawData;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entry = (key: string): string => t.externalData.find((e) => e.key === key)?.value ?? '';
    const length = Number(entry('length'));
    const buf = Buffer.alloc(length);
    const fd = openSync(path.join(path.dirname(modelPath), entry('location')), 'r');
    readSync(fd, buf, 0, length, Number(entry('offset') || 0));
    closeSync(fd);
    raw = buf;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (t.dataType === onnx.TensorProto.DataType.FLOAT) {
    if (raw.length === 0) return { dims, values: Float64Array.from(t.floatData, Number) };
    return { dims, values: Float64Array.from({ length: raw.length / 4 }, (_, i) => view.getFloat32(4 * i, true)) };
  }
  if (t.dataType === onnx.TensorProto.DataType.FLOAT16) {
    return { dims, values: Float64Array.from({ length: raw.length / 2 }, (_, i) => halfToFloat(view.getUint16(2 * i, true))) };
  }
  throw new Error(`initializer ${name} has type ${t.dataType}`);
}

function nodeNamed(model: ModelProto, name: string): NodeProto {
  const node = graphOf(model).node.find((n) => n.name === name) as NodeProto | undefined;
  if (!node) throw new Error(`no node ${name}`);
  return node;
}

/** A copy of the original with some inner tensors as extra raw outputs: the reference values. */
async function runWithInnerOutputs(modelPath: string, tensors: readonly string[], elemType: number, outPath: string): Promise<Record<string, ort.Tensor>> {
  const model = loadModelProto(modelPath);
  for (const name of tensors) graphOf(model).output.push({ name, type: { tensorType: { elemType } } });
  saveModelProto(model, outPath, modelPath);
  return run(outPath);
}

/** x @ W for one row x[k] and W[k, n] stored row-major. */
function rowTimes(x: ArrayLike<number>, w: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < x.length; k += 1) for (let j = 0; j < n; j += 1) out[j] += x[k] * w[k * n + j];
  return out;
}

function row(values: Float64Array, t: number, hidden: number): Float64Array {
  return values.slice(t * hidden, (t + 1) * hidden);
}

// ---- shared checks ----------------------------------------------------------------------------

interface Exposed {
  readonly result: ExposedLayers;
  readonly original: Record<string, ort.Tensor>;
  readonly rewritten: Record<string, ort.Tensor>;
}

async function exposeAndRun(modelPath: string, name: string): Promise<Exposed> {
  const result = await exposeLayers(modelPath, path.join(tmp, name, 'exposed.onnx'));
  return { result, original: await run(modelPath), rewritten: await run(result.modelPath) };
}

function expectOneOutputPerLayer(e: Exposed, layers: number, hidden: number, dtype: 'float32' | 'float16'): void {
  const { sidecar } = e.result;
  expect(sidecar.layers).toBe(layers);
  expect(sidecar.hiddenSize).toBe(hidden);
  expect(sidecar.dtype).toBe(dtype);
  expect(sidecar.outputs.map((o) => o.name)).toEqual(Array.from({ length: layers + 1 }, (_, k) => `hidden_states.${k}`));
  expect(readHiddenStateSidecar(e.result.sidecarPath)).toEqual(sidecar);
  for (const o of sidecar.outputs) {
    const t = e.rewritten[o.name];
    expect(t, o.name).toBeDefined();
    expect(t.dims).toEqual([1, T, hidden]);
    expect(t.type).toBe(dtype);
  }
}

function expectOriginalOutputsUnchanged(e: Exposed, tolerance: number): void {
  for (const [name, t] of Object.entries(e.original)) {
    const again = e.rewritten[name];
    expect(again.dims).toEqual(t.dims);
    // Extra outputs can change which fusions onnxruntime applies, so allow rounding, relative to scale.
    expect(maxAbsDiff(floats(again), floats(t)), name).toBeLessThanOrEqual(tolerance * maxAbs(floats(t)));
  }
}

async function expectCopiesOfInnerTensors(e: Exposed, modelPath: string, elemType: number, name: string): Promise<void> {
  const existing = e.result.sidecar.outputs.filter((o) => !o.addedToFusedNode);
  const reference = await runWithInnerOutputs(modelPath, existing.map((o) => o.tensor), elemType, path.join(tmp, name, 'reference.onnx'));
  for (const o of existing) {
    expect(maxAbsDiff(floats(e.rewritten[o.name]), floats(reference[o.tensor])), `${o.name} vs ${o.tensor}`).toBe(0);
  }
}

// ---- the three real exports -------------------------------------------------------------------

describe.skipIf(!sharedAvailable('models'))('expose-layers on real exports', () => {
  it('distilbert (post-norm, layers known by weight names): 66, 180, 294, and 294 feeds the classifier head', async () => {
    const modelPath = path.join(hfExports, 'optimum-tiny-distilbert', 'model.onnx');
    const e = await exposeAndRun(modelPath, 'distilbert');
    expectOneOutputPerLayer(e, 2, 2, 'float32');
    expect(e.result.sidecar.outputs.map((o) => o.tensor)).toEqual(['66', '180', '294']);
    expect(e.result.sidecar.normPlacement).toBe('post');
    expectOriginalOutputsUnchanged(e, 1e-6);
    await expectCopiesOfInnerTensors(e, modelPath, onnx.TensorProto.DataType.FLOAT, 'distilbert');

    // logits = classifier(relu(pre_classifier(h[:, 0]))), both Gemm with transB=1.
    const model = loadModelProto(modelPath);
    const w1 = initializer(model, modelPath, 'pre_classifier.weight').values;
    const b1 = initializer(model, modelPath, 'pre_classifier.bias').values;
    const w2 = initializer(model, modelPath, 'classifier.weight').values;
    const b2 = initializer(model, modelPath, 'classifier.bias').values;
    // With dim 2 every LayerNorm output is nearly ±1, so this checks the head's wiring; the tensor
    // names and the copies above pin down which layer is which.
    const cls = row(floats(e.rewritten['hidden_states.2']), 0, 2);
    const linear = (x: ArrayLike<number>, w: Float64Array, b: Float64Array): number[] => [0, 1].map((j) => b[j] + x[0] * w[j * 2] + x[1] * w[j * 2 + 1]);
    const logits = linear(linear(cls, w1, b1).map((v) => Math.max(0, v)), w2, b2);
    expect(maxAbsDiff(logits, floats(e.original.logits))).toBeLessThan(1e-5 * maxAbs(logits));
  });

  it('gpt2 with fused ops: embedding sum, h.0..h.3 block outputs, and the last block from the final SkipLayerNorm\'s residual output', async () => {
    const modelPath = path.join(hfExports, 'ortgenai-tiny-random-gpt2-fp32', 'past.onnx');
    const e = await exposeAndRun(modelPath, 'gpt2');
    expectOneOutputPerLayer(e, 5, 32, 'float32');
    const { outputs } = e.result.sidecar;
    expect(outputs.slice(0, 5).map((o) => o.tensor)).toEqual([
      'EmbedLayerNormalization_0_embedding_sum',
      ...[0, 1, 2, 3].map((k) => `/transformer/h.${k}/Add_1_output_0`),
    ]);
    expect(outputs.map((o) => o.addedToFusedNode)).toEqual([false, false, false, false, false, true]);
    expect(e.result.sidecar.normPlacement).toBe('pre');
    expectOriginalOutputsUnchanged(e, 1e-6);
    await expectCopiesOfInnerTensors(e, modelPath, onnx.TensorProto.DataType.FLOAT, 'gpt2');

    const model = loadModelProto(modelPath);
    const hidden = 32;
    // hidden_states.0 = wte[id] + wpe[position]
    const wte = initializer(model, modelPath, 'transformer.wte.weight').values;
    const wpe = initializer(model, modelPath, 'transformer.wpe.weight').values;
    const embedding = floats(e.rewritten['hidden_states.0']);
    for (let t = 0; t < T; t += 1) {
      const expected = Array.from({ length: hidden }, (_, h) => wte[TOKEN_IDS[t] * hidden + h] + wpe[t * hidden + h]);
      expect(maxAbsDiff(row(embedding, t, hidden), expected)).toBeLessThan(1e-6);
    }
    // The last block's output is what the final LayerNorm normalises: logits = LN(h5) @ lm_head.
    const finalNorm = nodeNamed(model, 'SkipLayerNorm_AddBias_9');
    const gamma = initializer(model, modelPath, finalNorm.input[2]).values;
    const beta = initializer(model, modelPath, finalNorm.input[3]).values;
    const lmHead = initializer(model, modelPath, nodeNamed(model, '/lm_head/MatMul').input[1]);
    const vocab = lmHead.dims[1];
    const last = floats(e.rewritten['hidden_states.5']);
    const logits = floats(e.original.logits);
    for (let t = 0; t < T; t += 1) {
      const x = row(last, t, hidden);
      const mean = x.reduce((a, b) => a + b, 0) / hidden;
      const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / hidden;
      const normed = x.map((v, h) => ((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[h] + beta[h]);
      const expected = rowTimes(normed, lmHead.values, vocab);
      expect(maxAbsDiff(expected, logits.slice(t * vocab, (t + 1) * vocab))).toBeLessThan(1e-5 * maxAbs(expected));
    }
  });

  it('llama fp16 with external data: embedding rows, /model/layers.N residual sums, and RMSNorm of the last block gives the logits', async () => {
    const modelPath = path.join(hfExports, 'ortgenai-tiny-random-llama-fp16', 'model.onnx');
    const e = await exposeAndRun(modelPath, 'llama');
    expectOneOutputPerLayer(e, 2, 16, 'float16');
    const { outputs } = e.result.sidecar;
    expect(outputs[0].tensor).toBe('/model/embed_tokens/Gather/output_0');
    for (const o of outputs.slice(1)) expect(o.tensor).toMatch(/^\/model\/layers\.\d+\//);
    expect(outputs.map((o) => o.addedToFusedNode)).toEqual([false, false, true]);
    // The data file sits beside the rewritten model (linked or copied), never referenced from afar.
    expect(e.result.externalData.map((x) => x.location)).toEqual(['model.onnx.data']);
    expect(statSync(path.join(tmp, 'llama', 'model.onnx.data')).size).toBe(statSync(path.join(path.dirname(modelPath), 'model.onnx.data')).size);
    expectOriginalOutputsUnchanged(e, 1e-3);
    await expectCopiesOfInnerTensors(e, modelPath, onnx.TensorProto.DataType.FLOAT16, 'llama');

    const model = loadModelProto(modelPath);
    const hidden = 16;
    const table = initializer(model, modelPath, 'model.embed_tokens.weight').values;
    const embedding = floats(e.rewritten['hidden_states.0']);
    for (let t = 0; t < T; t += 1) {
      expect(maxAbsDiff(row(embedding, t, hidden), table.slice(TOKEN_IDS[t] * hidden, (TOKEN_IDS[t] + 1) * hidden))).toBe(0);
    }
    const finalNorm = nodeNamed(model, '/model/layers.2/final_norm_layernorm/SkipLayerNorm');
    const epsilon = finalNorm.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-6;
    const gamma = initializer(model, modelPath, finalNorm.input[2]).values;
    const lmHead = initializer(model, modelPath, nodeNamed(model, '/lm_head/MatMul').input[1]);
    const vocab = lmHead.dims[1];
    const last = floats(e.rewritten['hidden_states.2']);
    const logits = floats(e.original.logits);
    for (let t = 0; t < T; t += 1) {
      const x = row(last, t, hidden);
      const rms = Math.sqrt(x.reduce((a, b) => a + b * b, 0) / hidden + epsilon);
      const expected = rowTimes(x.map((v, h) => (v / rms) * gamma[h]), lmHead.values, vocab);
      // fp16 rounding of the normed row and of the logits themselves (observed ~5e-4 of the scale).
      expect(maxAbsDiff(expected, logits.slice(t * vocab, (t + 1) * vocab))).toBeLessThan(2e-3 * maxAbs(expected));
    }
  });

  it('external data: read in place beside the original, placed beside a copy elsewhere, accepted when already there', async () => {
    const source = path.join(hfExports, 'ortgenai-tiny-random-llama-fp16');
    const dir = path.join(tmp, 'llama-copy');
    mkdirSync(dir, { recursive: true });
    for (const f of ['model.onnx', 'model.onnx.data']) copyFileSync(path.join(source, f), path.join(dir, f));
    const beside = await exposeLayers(path.join(dir, 'model.onnx'), path.join(dir, 'model.hidden_states.onnx'));
    expect(beside.externalData).toEqual([{ location: 'model.onnx.data', how: 'in-place' }]);
    expect((await run(beside.modelPath))['hidden_states.2'].dims).toEqual([1, T, 16]);

    const elsewhere = path.join(tmp, 'llama-elsewhere', 'model.hidden_states.onnx');
    const first = await exposeLayers(path.join(dir, 'model.onnx'), elsewhere);
    expect(['hard-linked', 'copied']).toContain(first.externalData[0].how);
    const again = await exposeLayers(path.join(dir, 'model.onnx'), elsewhere);
    expect(again.externalData[0].how).toBe('already-present');
    expect((await run(elsewhere))['hidden_states.2'].dims).toEqual([1, T, 16]);

    // A different file under the data file's name would silently feed wrong weights: refused.
    const clash = path.join(tmp, 'llama-clash');
    mkdirSync(clash, { recursive: true });
    writeFileSync(path.join(clash, 'model.onnx.data'), 'not these weights');
    await expect(exposeLayers(path.join(dir, 'model.onnx'), path.join(clash, 'x.onnx'))).rejects.toThrow(/a different file of this name is already there/);
  });
});

// ---- the command line -------------------------------------------------------------------------

function donald(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'donald.js'), ...args], { encoding: 'utf8', cwd: repoRoot });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!sharedAvailable('models'))('donald expose-layers (CLI)', () => {
  it('finds the only .onnx in the folder (past.onnx), writes model and sidecar into --out, and the model runs', async () => {
    const out = path.join(tmp, 'cli-gpt2');
    const r = donald('expose-layers', path.join(hfExports, 'ortgenai-tiny-random-gpt2-fp32'), '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const modelPath = path.join(out, 'past.hidden_states.onnx');
    expect(r.stdout).toContain(modelPath);
    const sidecar = readHiddenStateSidecar(path.join(out, 'past.hidden_states.json'));
    expect(sidecar.model).toBe('past.hidden_states.onnx');
    expect(sidecar.layers).toBe(5);
    const outputs = await run(modelPath);
    expect(outputs['hidden_states.5'].dims).toEqual([1, T, 32]);
  });

  it('accepts the optimum layout (<dir>/onnx/model.onnx) and an explicit .onnx --out', () => {
    const dir = path.join(tmp, 'optimum-layout');
    mkdirSync(path.join(dir, 'onnx'), { recursive: true });
    copyFileSync(path.join(hfExports, 'optimum-tiny-distilbert', 'model.onnx'), path.join(dir, 'onnx', 'model.onnx'));
    copyFileSync(path.join(hfExports, 'optimum-tiny-distilbert', 'config.json'), path.join(dir, 'config.json'));
    const out = path.join(tmp, 'optimum-out', 'named.onnx');
    const r = donald('expose-layers', dir, '--out', out);
    expect(r.status).toBe(0);
    expect(readHiddenStateSidecar(path.join(tmp, 'optimum-out', 'named.json')).outputs.map((o) => o.tensor)).toEqual(['66', '180', '294']);
  });

  it('a folder without an ONNX file exits 2 with one line naming the folder', () => {
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = donald('expose-layers', empty);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(empty);
    expect(lines[0]).toMatch(/no \.onnx file/);
  });
});

// ---- choosing files ---------------------------------------------------------------------------

describe('model file location', () => {
  it('prefers model.onnx among several, honours --model-file, skips earlier outputs, refuses ambiguity', () => {
    const dir = path.join(tmp, 'several');
    mkdirSync(dir, { recursive: true });
    for (const f of ['decoder.onnx', 'encoder.onnx', 'model.hidden_states.onnx']) writeFileSync(path.join(dir, f), '');
    expect(() => locateOnnxModel(dir)).toThrow(UserError);
    expect(() => locateOnnxModel(dir)).toThrow(/several ONNX files \(decoder\.onnx, encoder\.onnx\).*--model-file/);
    expect(locateOnnxModel(dir, 'encoder.onnx')).toBe(path.join(dir, 'encoder.onnx'));
    expect(() => locateOnnxModel(dir, 'nope.onnx')).toThrow(/no such file/);
    writeFileSync(path.join(dir, 'model.onnx'), '');
    expect(locateOnnxModel(dir)).toBe(path.join(dir, 'model.onnx'));
  });

  it('default output sits beside the original; --out may be a folder or a file, never the original', () => {
    const original = path.join('/m', 'onnx', 'model.onnx');
    expect(resolveExposedModelPath(original)).toBe(path.join('/m', 'onnx', 'model.hidden_states.onnx'));
    expect(resolveExposedModelPath(original, '/out')).toBe(path.join('/out', 'model.hidden_states.onnx'));
    expect(resolveExposedModelPath(original, '/out/x.onnx')).toBe('/out/x.onnx');
    expect(() => resolveExposedModelPath(original, original)).toThrow(/never overwrites/);
  });
});

// ---- graphs in other styles, built here ------------------------------------------------------

const HIDDEN = 4;
const VOCAB = 101; // above every id in TOKEN_IDS

/** Deterministic weights: small, varied, not symmetric. */
function weights(seed: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5);
}

/**
 * How a built decoder is named and wired: 'scoped' as torch.onnx.export writes a Llama
 * (/model/layers.N/ scopes, sequential residual Adds); 'neox' GPT-NeoX-style parallel blocks
 * (x + attn(ln1 x) + mlp(ln2 x)) with unscoped nodes, so only weight names tell blocks apart;
 * 'anonymous' sequential blocks whose node and weight names carry no block index at all.
 */
type DecoderStyle = 'scoped' | 'neox' | 'anonymous';

function blockWeightPrefix(style: DecoderStyle, l: number): string {
  return style === 'neox' ? `gpt_neox.layers.${l}` : style === 'scoped' ? `model.layers.${l}` : `blk${'x'.repeat(l)}`;
}

/** RMSNorm as torch.onnx.export writes it, op by op. */
function rmsNorm(g: GraphBuilder, x: string, weightName: string): string {
  const eps = g.constFloat(`${weightName}.eps`, [1e-6], []);
  const two = g.constFloat(`${weightName}.two`, [2], []);
  const variance = g.op('ReduceMean', [g.op('Pow', [x, two])], { axes: { ints: [-1] }, keepdims: { int: 1 } });
  const normed = g.op('Div', [x, g.op('Sqrt', [g.op('Add', [variance, eps])])]);
  return g.op('Mul', [normed, g.constFloat(weightName, weights(weightName.length, HIDDEN), [HIDDEN])]);
}

function linear(g: GraphBuilder, x: string, weightName: string, seed: number): string {
  return g.op('MatMul', [x, g.constFloat(weightName, weights(seed, HIDDEN * HIDDEN), [HIDDEN, HIDDEN])]);
}

function syntheticDecoder(layers: number, style: DecoderStyle): ModelProto {
  const g = new GraphBuilder('synthetic');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  g.output('logits', 'float32', ['batch', 'sequence', VOCAB]);
  let x = g.scope('model', () => g.scope('embed_tokens', () => g.op('Gather', [g.constFloat('model.embed_tokens.weight', weights(1, VOCAB * HIDDEN), [VOCAB, HIDDEN]), ids])));
  for (let l = 0; l < layers; l += 1) {
    const w = blockWeightPrefix(style, l);
    const block = (): string => {
      const attn = g.op('Tanh', [linear(g, rmsNorm(g, x, `${w}.input_layernorm.weight`), `${w}.attn.weight`, 10 * l + 2)]);
      if (style === 'neox') {
        const mlp = g.op('Relu', [linear(g, rmsNorm(g, x, `${w}.post_attention_layernorm.weight`), `${w}.mlp.weight`, 10 * l + 3)]);
        return g.op('Add', [g.op('Add', [mlp, attn]), x]);
      }
      const mid = g.op('Add', [x, attn]);
      const mlp = g.op('Relu', [linear(g, rmsNorm(g, mid, `${w}.post_attention_layernorm.weight`), `${w}.mlp.weight`, 10 * l + 3)]);
      return g.op('Add', [mid, mlp]);
    };
    x = style === 'scoped' ? g.scope('model', () => g.scope(`layers.${l}`, block)) : block();
  }
  const normed = rmsNorm(g, x, 'model.norm.weight');
  g.node('MatMul', [normed, g.constFloat('lm_head.weight', weights(7, HIDDEN * VOCAB), [HIDDEN, VOCAB])], ['logits']);
  return g.toModel({ opset: 13 });
}

/** The same decoder computed directly: embedding output, then each block's output (before the final norm). */
function decoderHiddenStates(layers: number, style: DecoderStyle): number[][][] {
  const matvec = (v: number[], w: number[], n: number): number[] => Array.from({ length: n }, (_, j) => v.reduce((a, vk, k) => a + vk * w[k * n + j], 0));
  const rms = (v: number[], name: string): number[] => {
    const s = Math.sqrt(v.reduce((a, b) => a + b * b, 0) / HIDDEN + 1e-6);
    const gamma = weights(name.length, HIDDEN);
    return v.map((vi, i) => (vi / s) * gamma[i]);
  };
  const table = weights(1, VOCAB * HIDDEN);
  let xs = TOKEN_IDS.map((id) => table.slice(id * HIDDEN, (id + 1) * HIDDEN));
  const states = [xs];
  for (let l = 0; l < layers; l += 1) {
    const w = blockWeightPrefix(style, l);
    xs = xs.map((x) => {
      const attn = matvec(rms(x, `${w}.input_layernorm.weight`), weights(10 * l + 2, HIDDEN * HIDDEN), HIDDEN).map(Math.tanh);
      if (style === 'neox') {
        const mlp = matvec(rms(x, `${w}.post_attention_layernorm.weight`), weights(10 * l + 3, HIDDEN * HIDDEN), HIDDEN).map((v) => Math.max(0, v));
        return x.map((v, i) => v + attn[i] + mlp[i]);
      }
      const mid = x.map((v, i) => v + attn[i]);
      const mlp = matvec(rms(mid, `${w}.post_attention_layernorm.weight`), weights(10 * l + 3, HIDDEN * HIDDEN), HIDDEN).map((v) => Math.max(0, v));
      return mid.map((v, i) => v + mlp[i]);
    });
    states.push(xs);
  }
  return states;
}

function writeDecoder(name: string, layers: number, style: DecoderStyle, config?: object): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const modelPath = path.join(dir, 'model.onnx');
  writeFileSync(modelPath, onnx.ModelProto.encode(syntheticDecoder(layers, style)).finish());
  if (config) writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return modelPath;
}

async function expectDecoderHiddenStates(result: ExposedLayers, layers: number, style: DecoderStyle): Promise<void> {
  expect(result.sidecar.layers).toBe(layers);
  expect(result.sidecar.normPlacement).toBe('pre');
  const outputs = await run(result.modelPath);
  const expected = decoderHiddenStates(layers, style);
  for (let k = 0; k <= layers; k += 1) {
    expect(maxAbsDiff(floats(outputs[`hidden_states.${k}`]), expected[k].flat()), `hidden_states.${k}`).toBeLessThan(1e-5);
  }
}

describe('expose-layers on built graphs in other export styles', () => {
  it('pre-norm residual Adds with /model/layers.N scopes: the last Add of each scope', async () => {
    const modelPath = writeDecoder('scoped', 3, 'scoped');
    const result = await exposeLayers(modelPath, path.join(path.dirname(modelPath), 'model.hidden_states.onnx'));
    expect(result.layersFrom).toBe('names');
    // Per block: the RMSNorm eps Add, the attention residual, the second eps Add, the MLP residual.
    expect(result.sidecar.outputs.slice(1).map((o) => o.tensor)).toEqual([0, 1, 2].map((l) => `/model/layers.${l}/Add_3_output_0`));
    await expectDecoderHiddenStates(result, 3, 'scoped');
  });

  it('parallel-residual blocks told apart by weight names only', async () => {
    const modelPath = writeDecoder('neox', 3, 'neox');
    const result = await exposeLayers(modelPath, path.join(tmp, 'neox-out', 'model.hidden_states.onnx'));
    expect(result.layersFrom).toBe('names');
    await expectDecoderHiddenStates(result, 3, 'neox');
  });

  it('without any block names: needs the config layer count, and then splits the residual connections evenly', async () => {
    const bare = writeDecoder('anonymous', 2, 'anonymous');
    await expect(exposeLayers(bare, path.join(tmp, 'anonymous', 'out.onnx'))).rejects.toThrow(/cannot find block boundaries: names do not tell.*no config\.json/);
    const withConfig = writeDecoder('anonymous-config', 2, 'anonymous', { num_hidden_layers: 2 });
    const result = await exposeLayers(withConfig, path.join(tmp, 'anonymous-config', 'out.onnx'));
    expect(result.layersFrom).toBe('declared-count');
    await expectDecoderHiddenStates(result, 2, 'anonymous');
  });

  it('refuses a graph whose hidden states were already exposed', async () => {
    const modelPath = writeDecoder('twice', 2, 'scoped');
    const first = await exposeLayers(modelPath, path.join(tmp, 'twice', 'once.onnx'));
    await expect(exposeLayers(first.modelPath, path.join(tmp, 'twice', 'twice.onnx'))).rejects.toThrow(/already has a 'hidden_states\.0'/);
  });
});
