import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { batchHiddenStates, resolveStackedLayout, sentenceHiddenStates } from '../src/model/batchHiddenStates.ts';
import { floatOutput, type FloatOutput } from '../src/model/floatOutput.ts';
import { findHiddenStateSource, type HiddenStateExpectation } from '../src/model/hiddenStateOutputs.ts';
import type { TensorSlot } from '../src/model/tensorSlot.ts';

const expect2: HiddenStateExpectation = { layers: 2, hiddenSize: 4, onnxPath: '/m/model.onnx', configPath: '/m/config.json', sidecar: null };
const perLayerSlot = (name: string): TensorSlot => ({ name, type: 'float32', shape: ['batch', 'seq', 4] });

describe('finding the hidden-state outputs', () => {
  it('reads per-layer outputs under each naming style, in layer order', () => {
    for (const style of ['hidden_states.N', 'hidden_states_N', 'all_hidden_states.N']) {
      const names = [2, 0, 1].map((i) => style.replace('N', String(i)));
      const found = findHiddenStateSource([perLayerSlot('logits'), ...names.map(perLayerSlot)], expect2);
      expect(found).toEqual({ ok: true, source: { kind: 'per-layer', names: [0, 1, 2].map((i) => style.replace('N', String(i))), from: 'output names' } });
    }
  });

  it('refuses a gap in the layer numbers', () => {
    const found = findHiddenStateSource(['hidden_states.0', 'hidden_states.2'].map(perLayerSlot), expect2);
    expect(found).toEqual({ ok: false, problem: expect.stringMatching(/skip layer 1 .*donald expose-layers/) });
  });

  it('refuses per-layer outputs that are not float', () => {
    const slots = [0, 1, 2].map((i) => ({ ...perLayerSlot(`hidden_states.${i}`), type: i === 1 ? 'int64' : 'float16' }));
    expect(findHiddenStateSource(slots, expect2)).toEqual({ ok: false, problem: expect.stringMatching(/'hidden_states\.1' is int64/) });
  });

  it('takes the layout of a stacked output from its declared shape, or leaves it to the first run', () => {
    const stacked = (shape: (number | string)[]) => findHiddenStateSource([{ name: 'hidden_states', type: 'float16', shape }], expect2);
    expect(stacked([3, 'batch', 'seq', 4])).toMatchObject({ ok: true, source: { kind: 'stacked', layout: 'layers-first' } });
    expect(stacked(['batch_size', 3, 'seq', 4])).toMatchObject({ ok: true, source: { kind: 'stacked', layout: 'batch-first' } });
    expect(stacked(['a', 'b', 'c', 4])).toMatchObject({ ok: true, source: { kind: 'stacked', layout: 'undecided' } });
    expect(stacked(['x', 'batch', 'seq', 4])).toMatchObject({ ok: true, source: { kind: 'stacked', layout: 'layers-first' } });
    expect(stacked([5, 'batch', 'seq', 4])).toEqual({ ok: false, problem: expect.stringMatching(/no layer axis of 3/) });
    expect(stacked(['batch', 'seq', 4])).toEqual({ ok: false, problem: expect.stringMatching(/not float \[layers\+1, batch, tokens, 4\]/) });
  });

  it('a graph with only logits gets the expose-layers hint', () => {
    expect(findHiddenStateSource([{ name: 'logits', type: 'float32', shape: ['b', 's', 10] }], expect2)).toEqual({
      ok: false,
      problem: '/m/model.onnx: the graph outputs no hidden states (outputs: logits); run `donald expose-layers /m` to add one output per layer',
    });
  });
});

describe('cutting sentences out of a batch', () => {
  // Value encodes (layer, sentence, token, unit) so any misplaced copy shows.
  const code = (l: number, b: number, t: number, h: number): number => l * 1000 + b * 100 + t * 10 + h;

  it('decides a stacked layout from the run sizes, and only guesses when batch = layers + 1', () => {
    expect(resolveStackedLayout([3, 2, 5, 4], 3, 2, 'undecided')).toBe('layers-first');
    expect(resolveStackedLayout([2, 3, 5, 4], 3, 2, 'undecided')).toBe('batch-first');
    expect(resolveStackedLayout([3, 3, 5, 4], 3, 3, 'batch-first')).toBe('batch-first');
    expect(resolveStackedLayout([3, 3, 5, 4], 3, 3, 'undecided')).toBe('layers-first');
    expect(() => resolveStackedLayout([4, 2, 5, 4], 3, 2, 'undecided')).toThrowError(/neither \[3, 2, \.\.\.\] nor \[2, 3, \.\.\.\]/);
  });

  it('per-layer, layers-first and batch-first outputs give the same [layers, columns, hidden] matrix', () => {
    const L = 3;
    const B = 2;
    const T = 3;
    const H = 2;
    const perLayer = new Map<string, FloatOutput>();
    for (let l = 0; l < L; l++) {
      const data = new Float32Array(B * T * H);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) data[(b * T + t) * H + h] = code(l, b, t, h);
      perLayer.set(`h${l}`, { dims: [B, T, H], data });
    }
    const layersFirst = new Float64Array(L * B * T * H);
    const batchFirst = new Float64Array(L * B * T * H);
    for (let l = 0; l < L; l++)
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++)
          for (let h = 0; h < H; h++) {
            layersFirst[((l * B + b) * T + t) * H + h] = code(l, b, t, h);
            batchFirst[((b * L + l) * T + t) * H + h] = code(l, b, t, h);
          }
    const shape = { layerArrays: L, batch: B, tokens: T, hidden: H };
    const columns = [0, 2];
    const expected = [];
    for (let l = 0; l < L; l++) for (const t of columns) for (let h = 0; h < H; h++) expected.push(code(l, 1, t, h));

    const fromPerLayer = sentenceHiddenStates(batchHiddenStates({ kind: 'per-layer', names: ['h0', 'h1', 'h2'], from: 'output names' }, perLayer, shape, 'layers-first'), 1, columns);
    const stackedSource = { kind: 'stacked', name: 's', layout: 'undecided' } as const;
    const fromLayersFirst = sentenceHiddenStates(batchHiddenStates(stackedSource, new Map([['s', { dims: [L, B, T, H], data: layersFirst }]]), shape, 'layers-first'), 1, columns);
    const fromBatchFirst = sentenceHiddenStates(batchHiddenStates(stackedSource, new Map([['s', { dims: [B, L, T, H], data: batchFirst }]]), shape, 'batch-first'), 1, columns);
    expect(Array.from(fromPerLayer.data)).toEqual(expected);
    expect(fromPerLayer.data).toBeInstanceOf(Float32Array);
    expect(Array.from(fromLayersFirst.data)).toEqual(expected);
    expect(fromLayersFirst.data).toBeInstanceOf(Float64Array);
    expect(Array.from(fromBatchFirst.data)).toEqual(expected);
    expect(fromBatchFirst).toMatchObject({ layers: 3, tokens: 2, hidden: 2, includesEmbedding: true });
  });

  it('refuses outputs whose sizes do not match the batch', () => {
    const outputs = new Map<string, FloatOutput>([['h0', { dims: [2, 3, 5], data: new Float32Array(30) }]]);
    expect(() => batchHiddenStates({ kind: 'per-layer', names: ['h0'], from: 'output names' }, outputs, { layerArrays: 1, batch: 2, tokens: 3, hidden: 4 }, 'layers-first')).toThrowError(
      /output 'h0' has shape \[2, 3, 5\], expected \[2, 3, 4\]/,
    );
  });
});

describe('float outputs', () => {
  it('decodes float16 bits (onnxruntime-node returns them as Uint16Array) to float32 values', () => {
    // 0x3c00 = 1, 0xc000 = -2, 0x3555 ~ 0.33325, 0x7bff = 65504 (largest half), 0x0001 = 2^-24.
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0x0000]);
    const out = floatOutput(new Tensor('float16', bits, [2, 3]), 'x');
    expect(out.dims).toEqual([2, 3]);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.data)).toEqual([1, -2, 0.333251953125, 65504, 2 ** -24, 0]);
  });

  it('passes float32 and float64 through and refuses integers', () => {
    const f64 = floatOutput(new Tensor('float64', Float64Array.from([0.1, 0.2]), [2]), 'x');
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(Array.from(f64.data)).toEqual([0.1, 0.2]);
    expect(() => floatOutput(new Tensor('int32', Int32Array.from([1]), [1]), 'ids')).toThrowError("output 'ids' is int32, not a float tensor");
  });
});
